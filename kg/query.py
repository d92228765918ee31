"""Named queries (one `.rq` file each in `queries/`) and their parameters.

A named query starts with a comment header::

    # name: documents-by-person
    # description: Documents in which a person is author, recipient, intermediary or mentioned.
    # param: person_id person  the person's authority id or name
    # scope: lookup

A parameter is a variable of the query, projected by its SELECT (and by every sub-select that
uses it), and bound with pyoxigraph's `substitutions` (SEP-0007: the value replaces the variable
throughout the query, sub-selects included). pyoxigraph refuses to substitute a variable that
the SELECT does not project, so the query projects its parameters: each row also says which
values it answers. The header gives the default after `=` (`# param: person_id person =
"nikolai-roshchin"  description`), a SPARQL term: a string, a number or an <IRI>. The parameter
`limit` is not a variable but the number of the query's LIMIT clause (a solution modifier that
substitution cannot reach), which `bind_limit` rewrites.

Each parameter has a type, the word after its name: one of `PARAM_TYPES`, or the allowed
values separated by "|" (`within|overlaps`; `""` is the empty value). `check_parameters`
refuses a value that does not fit, naming the parameter and what it expects, and reads a
person's, place's or organisation's name as the id the extractor would give it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.core.resources import QUERIES_DIR
from kg.rdf.namespace import PREFIXES, XSD

# type -> what a value must be, in words (for messages and `kg queries`)
PARAM_TYPES = {
    "date": "a day as YYYY-MM-DD",
    "count": "a whole number, 1 or more",
    "score": "a number from 0 to 1",
    "text": "any text",
    "person": "a person's authority id or name",
    "place": "a place's authority id or name",
    "organization": "an organisation's authority id or name",
    "entity": "a person's, place's or organisation's authority id or name",
}
ENTITY_TYPES = ("person", "place", "organization", "entity")


class ParameterError(ValueError):
    """A parameter value that does not fit its declared type; the message names both."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # a key of PARAM_TYPES, or "enum"
    description: str = ""
    choices: tuple[str, ...] = ()
    example: str = ""

    def expects(self) -> str:
        if self.type == "enum":
            return "one of " + ", ".join(json.dumps(c) for c in self.choices)
        return PARAM_TYPES[self.type]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[str, ...]
    text: str
    path: Path
    # "lookup": about one person, place, document or span of time; "whole graph": over every
    # document (the issue's two speed targets, and what `kg queries` shows)
    scope: str = "whole graph"
    typed: tuple[Param, ...] = ()


def _header(text: str, key: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^#\s*{key}:\s*(.+)$", text, re.M)]


_DEFAULT = re.compile(r'=\s*("(?:[^"\\]|\\.)*"|<[^>\s]*>|-?\d+(?:\.\d+)?)\s*')


def parse_params(text: str) -> tuple[Param, ...]:
    """The declared parameters of a query text (its `# param:` lines)."""
    out = []
    for line in _header(text, "param"):
        name, _, rest = line.partition(" ")
        kind, _, desc = rest.strip().partition(" ")
        default = _DEFAULT.match(desc.strip())
        if default:
            desc = desc.strip()[default.end():]
        if "|" in kind:
            choices = tuple("" if c == '""' else c for c in kind.split("|"))
            param = Param(name, "enum", desc.strip(), choices)
        elif kind in PARAM_TYPES:
            param = Param(name, kind, desc.strip())
        else:  # an undeclared type: any text, the words are all description
            param = Param(name, "text", rest.strip())
        if default:
            example = default.group(1)
            example = json.loads(example) if example.startswith('"') else example
        elif name == "limit":
            limits = list(_LIMIT.finditer(text))
            example = limits[-1].group(0).split()[-1] if limits else ""
        else:
            example = ""
        out.append(Param(param.name, param.type, param.description, param.choices, example))
    return tuple(out)


def named_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        name = (_header(text, "name") or [path.stem])[0]
        desc = " ".join(_header(text, "description"))
        typed = parse_params(text)
        scope = (_header(text, "scope") or ["whole graph"])[0]
        out.append(NamedQuery(name, desc, tuple(p.name for p in typed), text, path, scope,
                              typed))
    return out


def check_value(param: Param, value: str) -> str:
    """The value if it fits the parameter's type; ParameterError naming what is expected."""
    import datetime

    v = value.strip()

    def bad(why: str = "") -> ParameterError:
        return ParameterError(f"parameter {param.name}={value!r}: expected {param.expects()}"
                              + (f" ({why})" if why else "")
                              + (f", e.g. {param.name}={param.example}" if param.example
                                 else ""))

    if param.type == "enum":
        if v not in param.choices:
            raise bad()
    elif param.type == "date":
        try:
            datetime.date.fromisoformat(v)
        except ValueError:
            raise bad() from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise bad()
    elif param.type == "count":
        if not re.fullmatch(r"\d+", v) or int(v) < 1:
            raise bad()
    elif param.type == "score":
        try:
            number = float(v)
        except ValueError:
            raise bad() from None
        if not 0 <= number <= 1:
            raise bad("out of range")
    elif param.type in ENTITY_TYPES and not v:
        raise bad("empty")
    return v


def check_parameters(text: str, params: dict[str, str],
                     resolve_entity=None) -> tuple[dict[str, str], list[str]]:
    """Check each given value against the query's declared parameters; returns the values to
    bind (a name read as an id) and notes saying what was read how. `resolve_entity(kind,
    value)` returns (id or None, notes) or raises ParameterError; without it, entity values
    are bound as given."""
    declared = {p.name: p for p in parse_params(text)}
    out: dict[str, str] = {}
    notes: list[str] = []
    for name, value in params.items():
        param = declared.get(name)
        if param is None:
            if declared:
                raise ParameterError(f"the query has no parameter {name!r}; its parameters: "
                                     + ", ".join(declared))
            out[name] = value  # an undeclared query (a file of one's own): bound as given
            continue
        value = check_value(param, value)
        if param.type in ENTITY_TYPES and resolve_entity is not None:
            resolved, said = resolve_entity(param, value)
            notes += said
            value = resolved
        out[name] = value
    return out, notes


_LIMIT = re.compile(r"\bLIMIT\s+\d+")
_TYPED = re.compile(r'"([^"\\]*)"(?:\^\^(<[^>\s]+>|\w+:\w+)|@([A-Za-z]+(?:-[A-Za-z0-9]+)*))')


def _term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term a checked value stands for: a count is an xsd:integer, a score an
    xsd:decimal, an <IRI> an IRI, anything else a plain string (as the store's ids, labels,
    dates-as-text and enum words are)."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        return ox.NamedNode(v[1:-1])
    typed = _TYPED.fullmatch(v)
    if typed:  # a literal in SPARQL syntax: "1950-02-10"^^xsd:date, "Roshchin"@en
        text, datatype, language = typed.groups()
        if language:
            return ox.Literal(text, language=language)
        if datatype.startswith("<"):
            return ox.Literal(text, datatype=ox.NamedNode(datatype[1:-1]))
        prefix, _, local = datatype.partition(":")
        if prefix in PREFIXES:
            return ox.Literal(text, datatype=ox.NamedNode(PREFIXES[prefix] + local))
    if param.type == "count":
        return ox.Literal(v, datatype=XSD.integer)
    if param.type == "score":
        return ox.Literal(v, datatype=XSD.decimal)
    return ox.Literal(v)


def substitutions(text: str, params: dict[str, str]) -> dict[ox.Variable, ox.Term]:
    """Every declared parameter of the query bound to its term: the given value, else the
    header's default. `limit` is not a variable (see `bind_limit`)."""
    declared = {p.name: p for p in parse_params(text)}
    for name in params:
        if name not in declared and name != "limit":
            raise ValueError(f"the query has no parameter ?{name}")
    out: dict[ox.Variable, ox.Term] = {}
    for name, param in declared.items():
        if name == "limit":
            continue
        value = params.get(name, param.example)
        out[ox.Variable(name)] = _term(param, value)
    return out


def rdflib_bindings(bound: dict[ox.Variable, ox.Term]) -> dict:
    """Substitutions as rdflib's initBindings, for rdflib's engine (the second engine the
    named queries are checked against), which binds variables before evaluation too. A
    plain string stays plain: rdflib tells "x" from "x"^^xsd:string, RDF 1.1 does not."""
    import rdflib

    def term(t: ox.Term):
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        if t.datatype == XSD.string:
            return rdflib.Literal(t.value)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    return {var.value: term(t) for var, t in bound.items()}


def bind_limit(text: str, params: dict[str, str]) -> str:
    """The query with its (last) LIMIT set to the `limit` parameter, when one is given."""
    value = params.get("limit")
    if value is None or not _LIMIT.search(text):
        return text
    if not re.fullmatch(r"\d+", value.strip()) or int(value) < 1:
        raise ValueError(f"limit must be a positive whole number, not {value!r}")
    *_, last = _LIMIT.finditer(text)
    return text[:last.start()] + f"LIMIT {int(value)}" + text[last.end():]


def select_rows(results) -> list[dict[str, str]]:
    """SELECT results as plain dicts of strings (unbound variables left out)."""
    names = [v.value for v in results.variables]
    return [{n: sol[n].value for n in names if sol[n] is not None} for sol in results]


class EntityNames:
    """Reads a person's, place's or organisation's name given for an id parameter: an id or
    a label the store knows is kept; otherwise the name is resolved as the extractor would
    (the authority file, `Resolver.resolve`); otherwise the store's entities whose label holds
    the name are listed for the user to choose from."""

    CLASSES = {"person": "kg:Person", "place": "kg:Place", "organization": "kg:Organization"}

    def __init__(self, store, data_dir: Path | None = None):
        self.store = store
        self.data_dir = data_dir
        self._resolver = None

    def resolver(self):
        if self._resolver is None:
            from kg.core.authority import load_authority
            from kg.resolve.resolver import Resolver

            self._resolver = Resolver(load_authority(self.data_dir))
        return self._resolver

    def _select(self, kinds: list[str], condition: str) -> list[tuple[str, str]]:

        classes = " ".join(self.CLASSES[k] for k in kinds)
        rows = self.store.query(
            f"SELECT DISTINCT ?id ?label WHERE {{ VALUES ?c {{ {classes} }} GRAPH ?g {{ "
            f"?e a ?c ; rdfs:label ?label . OPTIONAL {{ ?e kg:authorityId ?aid }} }} "
            f"BIND(COALESCE(?aid, REPLACE(STR(?e), '^.*/', '')) AS ?id) FILTER({condition}) }} "
            f"ORDER BY ?id LIMIT 50", prefixes=PREFIXES, use_default_graph_as_union=True)
        return [(r[0].value, r[1].value) for r in rows]

    def __call__(self, param: Param, value: str) -> tuple[str, list[str]]:
        kinds = list(self.CLASSES) if param.type == "entity" else [param.type]
        literal = json.dumps(value, ensure_ascii=False)
        if self._select(kinds, f"?id = {literal} || ?label = {literal}"):
            return value, []
        for kind in kinds:
            hit = self.resolver().resolve(value, kind)
            if hit is not None:
                note = f"{param.name}: {value!r} read as {hit.entity.key} ({hit.entity.label})"
                if not self._select(kinds, f"?id = {json.dumps(hit.entity.key)}"):
                    note += ", which no document in the store mentions"
                return hit.entity.key, [note]
        matches = self._select(kinds, f"CONTAINS(LCASE(?label), LCASE({literal}))")
        ids = sorted({i for i, _ in matches})
        if len(ids) == 1:
            return ids[0], [f"{param.name}: {value!r} read as {ids[0]} ({matches[0][1]})"]
        what = " or ".join(param.type if param.type != "entity" else k for k in kinds)
        if ids:
            listed = ", ".join(f"{i} ({lbl})" for i, lbl in matches[:10])
            raise ParameterError(f"parameter {param.name}={value!r}: several {what} ids "
                                 f"match, give one: {listed}")
        raise ParameterError(f"parameter {param.name}={value!r}: no {what} of that id or name "
                             f"in the store or the authority file; expected {param.expects()}"
                             + (f", e.g. {param.name}={param.example}" if param.example
                                else ""))
