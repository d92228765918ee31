"""archive-kg: turn archive catalogues into a linked-data knowledge graph.

The library API is `KnowledgeGraph`; the `kg` command is a thin layer over it.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.api import IngestReport, KnowledgeGraph

__all__ = ["KnowledgeGraph", "IngestReport"]
# The one version string: pyproject.toml reads it (setuptools `dynamic`), `kg --version` reads
# the installed metadata made from it. The ontology's owl:versionInfo is the ontology's own.
__version__ = "0.1.0"


def __getattr__(name: str):
    # Imported on first use: `kg.api` loads spaCy (2 s on a loaded machine), which the
    # server, its query workers and the store layer never need.
    if name in __all__:
        import kg.api

        return getattr(kg.api, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
