"""SPARQL syntax errors in words: what is wrong, where (the user's line and column), with the
line shown and a caret under the place.

The parser's own message (Oxigraph's) names grammar rules and Unicode ranges and, for a
misspelt keyword, a position past the mistake. The common mistakes are found here first, on
the text with strings, IRIs and comments blanked out: a misspelt query form, an undeclared
prefix, an unclosed bracket. Anything else keeps the parser's position, with its list of
expected tokens cut to what a person can read.
"""

from __future__ import annotations

import difflib
import re

from kg.serve.protocol import blank_literals

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_FORMS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                "WITH")
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*", re.I)
_PREFIX_DECL = re.compile(r"PREFIX\s+([\w.-]*):", re.I)
_PNAME = re.compile(r"(?<![\w?$:<@\"'.-])([A-Za-z][\w.-]*)?:(?=[\w%\\-]|[\s;,.)\]}]|$)")
_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_PAIRS = {"{": "}", "(": ")", "[": "]"}


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _show(text: str, line: int, col: int) -> str:
    lines = text.splitlines() or [""]
    shown = lines[min(line, len(lines)) - 1].expandtabs(1)
    return f"\n  {line:>3} | {shown}\n      | {' ' * (max(col, 1) - 1)}^"


def _message(text: str, offset: int, words: str) -> str:
    line, col = _where(text, offset)
    return f"line {line}, column {col}: {words}{_show(text, line, col)}"


def _form_problem(text: str, blanked: str, update: bool) -> str | None:
    m = _PROLOGUE.match(blanked)
    start = m.end() if m else 0
    word = re.match(r"[A-Za-z]+", blanked[start:])
    forms = UPDATE_FORMS if update else QUERY_FORMS
    if word is None:
        if not blanked[start:].strip():
            return _message(text, start, f"the {'update' if update else 'query'} is empty "
                                         f"after its PREFIX lines")
        return None
    found = word.group(0)
    if found.upper() in forms + (QUERY_FORMS if update else ()):
        return None
    close = difflib.get_close_matches(found.upper(), forms, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else f"; it starts with {', '.join(forms)}"
    kind = "an update" if update else "a query"
    return _message(text, start, f"{found!r} is not how {kind} begins{hint}")


def _prefix_problem(text: str, blanked: str, known: set[str]) -> str | None:
    declared = {p.lower() for p in _PREFIX_DECL.findall(blanked)} | {k.lower() for k in known}
    for m in _PNAME.finditer(blanked):
        name = m.group(1) or ""
        if name.upper() in ("PREFIX",) or name.lower() in declared:
            continue
        # "PREFIX foo:" itself is a declaration, not a use
        if re.search(r"PREFIX\s+$", blanked[:m.start()], re.I):
            continue
        shown = f"{name}:" if name else "the empty prefix ':'"
        hint = f" (declared: {', '.join(sorted(declared))})" if declared else ""
        return _message(text, m.start(), f"unknown prefix {shown}; declare it with "
                                         f"PREFIX {name}: <...>{hint}")
    return None


def _bracket_problem(text: str, blanked: str) -> str | None:
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(blanked):
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _PAIRS.values():
            if not stack or _PAIRS[stack[-1][0]] != ch:
                return _message(text, i, f"{ch!r} closes nothing that is open here")
            stack.pop()
    if stack:
        ch, i = stack[-1]
        return _message(text, i, f"this {ch!r} is never closed (a {_PAIRS[ch]!r} is missing "
                                 f"before the end)")
    return None


def _simplify(expected: str) -> str:
    """The parser's 'expected ...' with Unicode range lists and grammar names dropped."""
    expected = re.sub(r"\[[^\]]*\.\.=[^\]]*\]", "", expected, flags=re.S)
    items = [i.strip() for i in re.split(r",\s*", expected.replace("\n", " ")) if i.strip()]
    items = [i for i in items if i not in ("[_]", "[]") and "..=" not in i]
    if not items:
        return "something else here"
    if len(items) > 8:
        return "one of " + ", ".join(items[:8]) + ", ..."
    return ", ".join(items)


_KEYWORDS = QUERY_FORMS + UPDATE_FORMS + (
    "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "BIND", "VALUES",
    "LIMIT", "OFFSET", "ORDER", "BY", "GROUP", "HAVING", "DISTINCT", "REDUCED", "AS", "FROM",
    "NAMED", "PREFIX", "BASE", "ASC", "DESC", "NOT", "EXISTS", "IN", "DATA", "USING")
_FOUND = re.compile(r"found '([^']*)'")


def _rdflib_location(text: str, update: bool) -> tuple[int, int, str] | None:
    """(line, column, token) where a second, independent parser (rdflib's) stops: it names the
    first token that cannot be where it is, which the first parser's furthest-point position
    often overshoots."""
    from rdflib.plugins.sparql import parser

    try:
        (parser.parseUpdate if update else parser.parseQuery)(text)
    except Exception as exc:  # pyparsing's ParseException and relatives
        line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
        if not line or not col:
            return None
        found = _FOUND.search(str(exc))
        return line, col, found.group(1) if found else ""
    return None


def explain(text: str, parser_message: str, *, update: bool = False,
            known_prefixes: set[str] | frozenset[str] = frozenset()) -> str:
    """A syntax error in words, where it is and the line shown; `parser_message` is the
    parser's ("error at L:C: expected ...")."""
    blanked = blank_literals(text)
    for problem in (_form_problem(text, blanked, update),
                    _prefix_problem(text, blanked, set(known_prefixes)),
                    _bracket_problem(text, blanked)):
        if problem:
            return problem
    kind = "update" if update else "query"
    lines = text.splitlines() or [""]
    m = _POSITION.match(parser_message.strip())
    if m and "IRI parsing failed" in m.group(3):
        line = max(1, min(int(m.group(1)), len(lines)))
        col = lines[line - 1].rfind("<", 0, int(m.group(2))) + 1 or int(m.group(2))
        return _message(text, _offset(text, line, col),
                        "not a valid IRI: an absolute IRI such as <http://example.org/x> "
                        "is needed")
    # the parser's list of expected tokens is its furthest attempt, often beside the point;
    # the place is taken from rdflib's parser, which stops at the first token it cannot use
    located = _rdflib_location(text, update)
    if located:
        line, col, _token = located
    elif m:
        line, col = int(m.group(1)), int(m.group(2))
    else:
        return parser_message
    line = max(1, min(line, len(lines)))
    rest = lines[line - 1][col - 1:].strip()
    if not rest:
        words = f"the {kind} ends too early"
    else:
        snippet = rest[:25] + ("..." if len(rest) > 25 else "")
        words = f"the {kind} cannot be read from {snippet!r} on"
        first = re.match(r"[A-Za-z]+", rest)
        token = first.group(0) if first else ""
        close = difflib.get_close_matches(token.upper(), _KEYWORDS, n=1, cutoff=0.75) \
            if token and token.upper() not in _KEYWORDS else []
        if close:
            words += f" (did you mean {close[0]}?)"
    return f"line {line}, column {col}: {words}{_show(text, line, col)}"


def _offset(text: str, line: int, col: int) -> int:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts[line - 1] + col - 1
