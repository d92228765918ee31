"""archive-kg: turn archive catalogues into a linked-data knowledge graph.

The library API is `KnowledgeGraph`; the `kg` command is a thin layer over it.
"""

from kg.api import IngestReport, KnowledgeGraph

__all__ = ["KnowledgeGraph", "IngestReport"]
# The one version string: pyproject.toml reads it (setuptools `dynamic`), `kg --version` reads
# the installed metadata made from it. The ontology's owl:versionInfo is the ontology's own.
__version__ = "0.1.0"
