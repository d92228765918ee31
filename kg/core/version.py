"""The one version string of archive-kg: pyproject.toml reads it (setuptools `dynamic`), the
package exposes it as `kg.__version__`, the Wikidata client's User-Agent and the store's config
name it. The ontology's owl:versionInfo is the ontology's own."""

VERSION = "0.1.0"
