"""The query page: an editor for SPARQL beside a form for each named query, and results.

Named queries are `queries/*.rq` (`kg.query.named_queries`): each becomes a form with one
field per declared parameter (`# param: NAME TYPE description`), typed as the parameter is
(a date field, a number, a list of choices...). Submitted to ``/queries/NAME``, the values are
checked (`check_parameters`: a person's name is read as their id, as `kg query` does) and
bound as `kg query` binds them (`substitutions`, `bind_limit`), and the query runs in a
worker like any other, under the same limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from kg.query import (
    EntityNames,
    NamedQuery,
    ParameterError,
    bind_limit,
    check_parameters,
    named_queries,
    substitutions,
)
from kg.serve.snapshot import Snapshot
from kg.serve.worker import Outcome, QueryTask

INPUT_TYPES = {"date": "date", "count": "number", "score": "number"}
EXAMPLE = """# Who wrote to whom, through which intermediary?
SELECT DISTINCT ?date ?author ?recipient ?via ?title WHERE {
  ?doc a kg:Document ; dcterms:title ?title ; kg:author ?a ; kg:recipient ?r .
  ?a rdfs:label ?author . ?r rdfs:label ?recipient .
  OPTIONAL { ?doc kg:intermediary/rdfs:label ?via }
  OPTIONAL { ?doc kg:date ?date }
}
ORDER BY ?date
LIMIT 50"""
RESULT_FORMATS = [("html", "HTML table"), ("json", "SPARQL JSON / JSON-LD"),
                  ("xml", "SPARQL XML / RDF XML"), ("csv", "CSV"), ("tsv", "TSV"),
                  ("turtle", "Turtle"), ("ntriples", "N-Triples")]


@dataclass
class EndpointSettings:
    prefixes: list[str]
    timeout: float
    max_results: int
    max_body: int
    federation: bool
    update_note: str


@dataclass
class Field:
    """One parameter of a named query as a form field."""

    name: str
    type: str
    description: str
    expects: str
    input: str  # "text", "date", "number" or "select"
    choices: list[str]
    value: str  # what the field holds: the submitted value, else the query's example
    step: str | None = None


@dataclass
class QueryForm:
    name: str
    description: str
    scope: str
    fields: list[Field]


@dataclass
class Cell:
    text: str
    iri: str | None = None
    note: str | None = None  # a literal's language or datatype


@dataclass
class ResultTable:
    form: str  # "solutions", "boolean" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    boolean: bool | None = None
    graph: str | None = None  # Turtle, for CONSTRUCT and DESCRIBE
    truncated: bool = False


@dataclass
class SparqlPage:
    template: ClassVar[str] = "sparql.html"
    heading: ClassVar[str] = "SPARQL endpoint"
    query: str
    settings: EndpointSettings
    named: list[QueryForm]
    result: ResultTable | None = None
    error: str | None = None

    @property
    def formats(self) -> list[tuple[str, str]]:
        return RESULT_FORMATS


@dataclass
class NamedQueryPage:
    template: ClassVar[str] = "named_query.html"
    form: QueryForm
    query: str  # the text run (its LIMIT set); the parameters are bound by substitution
    notes: list[str]
    result: ResultTable | None
    error: str | None
    bound: dict[str, str] = field(default_factory=dict)  # variable -> the term it stands for

    @property
    def heading(self) -> str:
        return self.form.name


def _fields(q: NamedQuery, given: dict[str, str]) -> list[Field]:
    out = []
    for p in q.typed:
        kind = "select" if p.type == "enum" else INPUT_TYPES.get(p.type, "text")
        out.append(Field(p.name, p.type, p.description, p.expects(), kind, list(p.choices),
                         given.get(p.name, p.example),
                         "0.01" if p.type == "score" else ("1" if p.type == "count" else None)))
    return out


def _form(q: NamedQuery, given: dict[str, str] | None = None) -> QueryForm:
    return QueryForm(q.name, q.description, q.scope, _fields(q, given or {}))


def find_query(name: str) -> NamedQuery | None:
    return next((q for q in named_queries() if q.name == name), None)


def sparql_page(settings: EndpointSettings, *, query: str = "",
                result: ResultTable | None = None, error: str | None = None) -> SparqlPage:
    # federated queries reach other servers: offered only when the server allows them
    forms = [_form(q) for q in named_queries()
             if settings.federation or "SERVICE" not in q.text.upper()]
    return SparqlPage(query or EXAMPLE, settings, forms, result, error)


def named_query_page(settings: EndpointSettings, snap: Snapshot, name: str,
                     given: dict[str, str], run: Callable[[QueryTask], Outcome]
                     ) -> NamedQueryPage:
    """Check and bind the parameters, run the query, and show the results (or what is wrong
    with a value). LookupError when there is no such query."""
    q = find_query(name)
    if q is None:
        raise LookupError(f"there is no named query {name!r}; see /sparql for the list")
    form = _form(q, given)
    values = {k: v for k, v in given.items() if k in {p.name for p in q.typed} and v.strip()}
    try:
        checked, notes = check_parameters(q.text, values, EntityNames(snap.store))
        text = bind_limit(q.text, checked)
        bound = substitutions(q.text, checked)
    except (ParameterError, ValueError) as exc:
        return NamedQueryPage(form, q.text, [], None, str(exc))
    outcome = run(QueryTask(text, None, "text/html", (), (), settings.max_results,
                            base=snap.base, substitutions=tuple(
                                (var.value, term) for var, term in bound.items())))
    terms = {var.value: str(term) for var, term in bound.items()}
    if outcome.status != 200:
        return NamedQueryPage(form, text, notes, None, outcome.body.decode("utf-8", "replace"),
                              terms)
    # a reader of a named query's answer sees the graph's things by name, linked
    return NamedQueryPage(form, text, notes, result_table(outcome, snap.label), None, terms)


def result_table(outcome: Outcome, label: Callable[[str], str] | None = None) -> ResultTable:
    """A worker's answer to a page's query (SPARQL JSON, or Turtle for a graph) as a table;
    with `label`, IRIs show as the names it gives them (the SPARQL editor shows IRIs)."""
    truncated = outcome.headers.get("X-Result-Truncated") == "true"
    if outcome.form == "graph":
        return ResultTable("graph", graph=outcome.body.decode("utf-8"), truncated=truncated)
    data = json.loads(outcome.body)
    if "boolean" in data:
        return ResultTable("boolean", boolean=bool(data["boolean"]))
    variables = data["head"]["vars"]
    rows = []
    for binding in data["results"]["bindings"]:
        row = []
        for v in variables:
            t = binding.get(v)
            if t is None:
                row.append(Cell(""))
            elif t["type"] == "uri":
                row.append(Cell(label(t["value"]) if label else t["value"], iri=t["value"]))
            else:
                note = t.get("xml:lang") or t.get("datatype", "").rsplit("#", 1)[-1] or None
                row.append(Cell(t["value"], note=note))
        rows.append(row)
    return ResultTable("solutions", variables, rows, truncated=truncated)
