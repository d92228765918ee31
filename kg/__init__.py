"""archive-kg: turn archive catalogues into a linked-data knowledge graph.

The library API is `KnowledgeGraph`; the `kg` command is a thin layer over it.
"""

from kg.api import IngestReport, KnowledgeGraph

__all__ = ["KnowledgeGraph", "IngestReport"]
__version__ = "0.1.0"
