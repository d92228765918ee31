"""The SPARQL 1.1 Protocol's request forms, and the checks made before anything runs.

`parse_operation` turns a GET or POST on /sparql (or /update) into a query or an update:

* GET ``?query=``; POST ``application/x-www-form-urlencoded`` with ``query=`` or ``update=``;
  POST with a direct ``application/sparql-query`` or ``application/sparql-update`` body.
* ``default-graph-uri`` / ``named-graph-uri`` set the query's dataset;
  ``using-graph-uri`` / ``using-named-graph-uri`` an update's (as USING and USING NAMED in each
  of its operations, `with_update_dataset`); given with a dataset in the text, it is a 400.
* Any other method than GET and POST is refused (405).

`forbidden_operation` refuses federation (SERVICE) and LOAD unless the server allows it. It
looks at the text with strings, IRIs and comments blanked out, so a literal "SERVICE" in a
FILTER or a variable named ?service does not trip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Operation:
    kind: str  # "query" or "update"
    text: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ProtocolError(400, f"more than one {name!r} parameter")
    return values[0]


def parse_operation(method: str, url_params: dict[str, list[str]], content_type: str,
                    body: bytes, *, update_only: bool = False) -> Operation | None:
    """The operation a request carries; None for a bare GET (the endpoint's own page)."""
    if method not in ("GET", "POST"):
        raise ProtocolError(405, f"{method} is not allowed on a SPARQL endpoint: send a query "
                                 f"with GET or POST, an update with POST")
    media = content_type.split(";", 1)[0].strip().lower()
    params = {k: list(v) for k, v in url_params.items()}
    text: str | None = None
    kind = None
    if method == "POST":
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "the request body is not UTF-8") from None
        if media == FORM:
            for k, v in parse_qs(decoded, keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif media in (QUERY_TYPE, UPDATE_TYPE):
            kind, text = ("query" if media == QUERY_TYPE else "update"), decoded
        else:
            raise ProtocolError(415, f"unsupported content type {media or '(none)'!r}: send "
                                     f"{FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    if text is None:
        query, update = _one(params, "query"), _one(params, "update")
        if query is not None and update is not None:
            raise ProtocolError(400, "a request carries either 'query' or 'update', not both")
        if update is not None:
            if method != "POST":
                raise ProtocolError(405, "updates must be sent with POST")
            kind, text = "update", update
        elif query is not None:
            kind, text = "query", query
        else:
            if method == "POST" or update_only:
                raise ProtocolError(400, "no 'query' or 'update' in the request")
            return None
    if update_only and kind != "update":
        raise ProtocolError(400, "this endpoint takes updates only; send queries to /sparql")
    if not text.strip():
        raise ProtocolError(400, f"empty {kind}")
    op = Operation(kind, text, params.get("default-graph-uri", []),
                   params.get("named-graph-uri", []), params.get("using-graph-uri", []),
                   params.get("using-named-graph-uri", []))
    if kind == "query" and (op.using_graphs or op.using_named_graphs):
        raise ProtocolError(400, "using-graph-uri and using-named-graph-uri are for updates; "
                                 "a query's dataset is default-graph-uri and named-graph-uri")
    if kind == "update" and (op.default_graphs or op.named_graphs):
        raise ProtocolError(400, "default-graph-uri and named-graph-uri are for queries; an "
                                 "update's dataset is using-graph-uri and using-named-graph-uri")
    if kind == "update" and (op.using_graphs or op.using_named_graphs) and (
            _keyword(text, "USING") or _keyword(text, "WITH")):
        raise ProtocolError(400, "the update names its dataset (USING or WITH) and the request "
                                 "gives one too (using-graph-uri, using-named-graph-uri): "
                                 "give it in one place only")
    return op


def with_update_dataset(text: str, using: list[str], using_named: list[str]) -> str:
    """The update with USING / USING NAMED clauses for the protocol's dataset added to each
    operation that has a WHERE clause (the Protocol: the parameters mean exactly that)."""
    if not using and not using_named:
        return text
    clause = " ".join([f"USING <{g}>" for g in using]
                      + [f"USING NAMED <{g}>" for g in using_named]) + " "
    blanked = blank_literals(text)
    out, last, depth = [], 0, 0
    previous = ""  # the last word met at depth 0: DELETE WHERE takes no USING
    for m in re.finditer(r"[{}]|[A-Za-z]+", blanked):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            if token.upper() == "WHERE" and previous.upper() != "DELETE":
                out.append(text[last:m.start()] + clause)
                last = m.start()
            previous = token
    out.append(text[last:])
    return "".join(out)


# Order matters: an IRI may hold '#', a string may hold '<', a comment may hold '"'.
_BLANKS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.S,
)
_KEYWORD = r"(?<![\w?$:.-])({})(?![\w:-])"


def _blank(m: re.Match) -> str:
    token = m.group(0)
    if token[0] == "#":
        return " " * len(token)
    inner = re.sub(r"[^\n]", " ", token[1:-1])
    return token[0] + inner + token[-1]


def blank_literals(text: str) -> str:
    """The text with the insides of strings and IRIs, and comments, turned to spaces: same
    length, same lines, so positions in it are positions in the text."""
    return _BLANKS.sub(_blank, text)


def _keyword(text: str, word: str) -> bool:
    if word.lower() not in text.lower():
        return False  # the common case, without the scan below
    blanked = _BLANKS.sub(" ", text)
    return re.search(_KEYWORD.format(word), blanked, re.IGNORECASE) is not None


def forbidden_operation(op: Operation, *, federation: bool) -> str | None:
    """Why the server refuses to run an operation, or None."""
    if federation:
        return None
    if _keyword(op.text, "SERVICE"):
        return ("SERVICE (federated query) is disabled on this server: it would make the "
                "server fetch other sites; start it with --federation to allow it")
    if op.kind == "update" and _keyword(op.text, "LOAD"):
        return ("LOAD is disabled on this server: it would make the server fetch other "
                "sites; start it with --federation to allow it")
    return None
