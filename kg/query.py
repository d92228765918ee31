"""Named queries (one `.rq` file each in `queries/`) and result formatting.

A named query starts with a comment header::

    # name: documents-by-person
    # description: Documents in which a person is author, recipient, intermediary or mentioned.
    # param: person  the person's label, e.g. "Nikolai Roshchin"
    # scope: lookup

A parameter is the variable of a `VALUES ?person { ... }` clause in the query; its default is
what the file holds, `bind_parameters` replaces it. The parameter `limit` is the number of the
query's LIMIT clause (whole-graph listings keep their first rows: the strongest pairs, ...).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"


SCOPES = ("lookup", "whole graph")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[str, ...]
    text: str
    path: Path
    # "lookup": about one person, place, document or span of time; "whole graph": over every
    # document (the two speed targets, and what `kg queries` shows)
    scope: str = "whole graph"


def _header(text: str, key: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^#\s*{key}:\s*(.+)$", text, re.M)]


def named_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        name = (_header(text, "name") or [path.stem])[0]
        desc = " ".join(_header(text, "description"))
        params = tuple(p.split()[0] for p in _header(text, "param"))
        scope = (_header(text, "scope") or ["whole graph"])[0]
        out.append(NamedQuery(name, desc, params, text, path, scope))
    return out


def _sparql_value(value: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    if re.fullmatch(r'".*"(\^\^\S+|@[\w-]+)?', value):
        return value
    return json.dumps(value, ensure_ascii=False)


_LIMIT = re.compile(r"\bLIMIT\s+\d+")


def bind_parameters(text: str, params: dict[str, str]) -> str:
    """Replace each parameter's VALUES clause with the given value; the parameter `limit` sets
    the number of the query's (last) LIMIT clause."""
    for name, value in params.items():
        if name == "limit" and _LIMIT.search(text):
            if not re.fullmatch(r"\d+", value.strip()) or int(value) < 1:
                raise ValueError(f"limit must be a positive whole number, not {value!r}")
            *_, last = _LIMIT.finditer(text)
            text = text[:last.start()] + f"LIMIT {int(value)}" + text[last.end():]
            continue
        pattern = re.compile(rf"VALUES\s+\?{re.escape(name)}\s*\{{[^}}]*\}}")
        if not pattern.search(text):
            raise ValueError(f"the query has no parameter ?{name} (no VALUES ?{name} clause)")
        text = pattern.sub(f"VALUES ?{name} {{ {_sparql_value(value)} }}", text, count=1)
    return text


def term_text(term) -> str:
    if term is None:
        return ""
    return term.value


def format_results(results, fmt: str) -> str:
    """Format SELECT/ASK results as table, json, csv or tsv; graph results as N-Triples."""
    if isinstance(results, ox.QueryBoolean):
        return ("true" if bool(results) else "false") + "\n"
    if isinstance(results, ox.QueryTriples):
        buf = io.BytesIO()
        results.serialize(buf, ox.RdfFormat.TURTLE if fmt == "table" else ox.RdfFormat.N_TRIPLES)
        return buf.getvalue().decode("utf-8")
    if fmt in ("json", "csv", "tsv"):
        buf = io.BytesIO()
        results.serialize(buf, {"json": ox.QueryResultsFormat.JSON,
                                "csv": ox.QueryResultsFormat.CSV,
                                "tsv": ox.QueryResultsFormat.TSV}[fmt])
        return buf.getvalue().decode("utf-8")
    headers = [v.value for v in results.variables]
    rows = [[term_text(sol[h]) for h in headers] for sol in results]
    from kg.cli import table

    return table(headers, rows) + f"({len(rows)} rows)\n"


def select_rows(results) -> list[dict[str, str]]:
    """SELECT results as plain dicts of strings (unbound variables left out)."""
    names = [v.value for v in results.variables]
    return [{n: sol[n].value for n in names if sol[n] is not None} for sol in results]
