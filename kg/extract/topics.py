"""Assign topics from the controlled vocabulary in `data/topics.tsv` by their keyword phrases."""

from __future__ import annotations

import re
from functools import lru_cache

from kg.core.authority import Authority
from kg.core.model import TopicClaim


@lru_cache(maxsize=4)
def _patterns(authority_version: str, items: tuple[tuple[str, str, tuple[str, ...]], ...]):
    return [
        (key, label, re.compile(r"\b(" + "|".join(re.escape(k) for k in kws) + r")\b", re.I))
        for key, label, kws in items if kws
    ]


def assign_topics(authority: Authority, title: str, summary: str) -> list[TopicClaim]:
    """Topics whose keywords occur in the title or summary; the matched phrase is the evidence."""
    items = tuple((t.key, t.label, t.keywords) for t in authority.topics.values())
    out = []
    text = f"{title}\n{summary}"
    for key, label, pattern in _patterns(authority.version, items):
        m = pattern.search(text)
        if m:
            in_title = m.start() < len(title)
            out.append(TopicClaim(key=key, label=label, evidence=m.group(0),
                                  confidence=0.8 if in_title else 0.6))
    return out
