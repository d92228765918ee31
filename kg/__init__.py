"""archive-kg: turn archive catalogues into a linked-data knowledge graph.

The library API is `KnowledgeGraph`; the `kg` command is a thin layer over it. The names below
are imported on first use, so that `import kg.core.text` (say) does not load spaCy, the store
and the pipeline with it.
"""

from __future__ import annotations

from typing import Any

from kg.core.version import VERSION as __version__

__all__ = ["KnowledgeGraph", "IngestReport", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("KnowledgeGraph", "IngestReport"):
        from kg import api

        return getattr(api, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
