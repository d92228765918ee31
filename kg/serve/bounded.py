"""Queries whose work is bounded before they run, so that a serving process may answer them on
its own event loop instead of handing them to a query thread (when they are also cheap).

pyoxigraph cannot stop a query once it runs (`kg.serve.inprocess`), which is why queries run on
threads a timeout can give up on. The hand-off costs more CPU than a lookup itself (measured
in BENCHMARKS.md: the event loop and the query thread take Python's lock in turn several
times a query). A query of the shape below cannot run away, so it needs no thread:

- a SELECT of variables (or `*`) over one group of triple patterns, nothing else: no FILTER,
  OPTIONAL, UNION, GRAPH, subquery, property path, blank node, DISTINCT, ORDER BY, GROUP BY
  or OFFSET;
- every pattern's subject is an IRI: each pattern reads only the triples of one subject;
- at most `cap + 1` rows, by its own LIMIT or by one added here (the server never sends more
  than `cap` rows and marks the answer cut when there are more).

Rows of such a query come one after another at a cost bounded by its subjects' triples, and
the LIMIT stops them: it cannot run away. Bounded is not small, though: a subject in every
document graph has thousands of triples to join. `kg.serve.inprocess` answers on the loop only
a bounded query that was also cheap when a thread last ran it; anything else goes to a thread.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<dtype>\^\^)
  | (?P<var>[?$][A-Za-z_][A-Za-z0-9_]*)
  | (?P<pname>(?:[A-Za-z][\w.-]*[\w-]|[A-Za-z])?:(?:[\w-](?:[\w.-]*[\w-])?)?)
  | (?P<number>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>[{}.;,*])
""", re.X)


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) tokens, or None at anything outside the shape (a comment, a bracket, a
    path operator, a long string)."""
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


@lru_cache(maxsize=4096)
def bounded_select(text: str, cap: int) -> str | None:
    """The query to run on the event loop (`text`, with `LIMIT cap + 1` added when it states
    none), or None if `text` is not of the bounded shape. Cached: reading a lookup costs about
    20 us, a sixth of running it, and clients ask the same queries again."""
    toks = _tokens(text)
    if not toks:
        return None
    i = 0

    def at(kind: str, word: str | None = None) -> bool:
        if i >= len(toks) or toks[i][0] != kind:
            return False
        return word is None or toks[i][1].lower() == word

    def term(*kinds: str) -> bool:
        nonlocal i
        if any(at(k) for k in kinds):
            i += 1
            return True
        return False

    # prologue
    while at("word", "prefix") or at("word", "base"):
        word = toks[i][1].lower()
        i += 1
        if word == "prefix" and not (at("pname") and toks[i][1].endswith(":")):
            return None
        if word == "prefix":
            i += 1
        if not term("iri"):
            return None
    if not at("word", "select"):
        return None
    i += 1
    if at("punct") and toks[i][1] == "*":
        i += 1
    elif at("var"):
        while term("var"):
            pass
    else:
        return None  # DISTINCT, REDUCED, an expression
    if at("word", "where"):
        i += 1
    if not (at("punct") and toks[i][1] == "{"):
        return None
    i += 1
    patterns = 0
    while not (at("punct") and toks[i][1] == "}"):
        if not term("iri", "pname"):  # the subject: an IRI, never a variable
            return None
        while True:  # predicate-object lists
            if not (term("iri", "pname", "var") or (at("word", "a") and term("word"))):
                return None
            while True:  # objects
                if at("string"):
                    i += 1
                    if at("lang"):
                        i += 1
                    elif at("dtype"):
                        i += 1
                        if not term("iri", "pname"):
                            return None
                elif not (term("iri", "pname", "var", "number")
                          or (at("word", "true") or at("word", "false")) and term("word")):
                    return None
                patterns += 1
                if at("punct") and toks[i][1] == ",":
                    i += 1
                    continue
                break
            if at("punct") and toks[i][1] == ";":
                i += 1
                while at("punct") and toks[i][1] == ";":
                    i += 1
                if at("punct") and toks[i][1] in ".}":
                    break
                continue
            break
        if at("punct") and toks[i][1] == ".":
            i += 1
        elif not (at("punct") and toks[i][1] == "}"):
            return None
    i += 1
    if not patterns:
        return None
    if at("word", "limit"):
        i += 1
        if not at("number") or not toks[i][1].isdigit() or int(toks[i][1]) > cap + 1:
            return None
        i += 1
        return text if i == len(toks) else None
    return f"{text}\nLIMIT {cap + 1}" if i == len(toks) else None
