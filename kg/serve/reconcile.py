"""A W3C Entity Reconciliation API 0.2 service over the graph's own people, places and bodies.

Pure functions over an in-memory `EntityIndex`; no HTTP server lives here. The project's server
mounts `handle` at ``/reconcile`` and passes it the path below the mount point and the merged
GET/POST parameters:

* no ``queries`` parameter -> the service manifest
* ``queries`` (a JSON batch) -> reconciliation results
* ``/suggest/entity?prefix=``, ``/suggest/type?prefix=``, ``/suggest/property?prefix=``
* ``/preview?id=`` -> a small HTML card; ``/flyout?id=`` -> the same card as ``{id, html}``
  JSON (JSONP with ``callback``), which is what the suggest widget's hover card asks for
* ``/propose_properties?type=`` and ``extend`` (a JSON query) -> data extension (`kg.serve.extend`)
* ``callback`` turns any JSON answer into JSONP (for old clients such as OpenRefine's).

Scores are on the 0-100 scale OpenRefine shows and come from name tokens (`kg.serve.name_match`)
and, when the query has property conditions, from how many of them hold. The matching policy
(`MATCH_MIN_NAME`, `MATCH_MARGIN`): the top candidate is a ``match`` when its name evidence is
at least MATCH_MIN_NAME, a person's surname is among the query's words, no property condition
contradicts it (the entity has a value for the property and none equals the query's), and it
leads the next candidate by at least MATCH_MARGIN points (MATCH_MARGIN_EXACT when the query is
exactly one of its names of two words or more, not a pseudonym). Every part is reported in
`features`.
"""

from __future__ import annotations

import bisect
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kg.core.text import match_key
from kg.serve import extend as ext
from kg.serve.name_match import (
    NameEvidence,
    NameForm,
    best_evidence,
    name_forms,
    person_tokens,
    variant_tokens,
)

__all__ = [
    "PROPERTIES",
    "TYPES",
    "BATCH_SIZE",
    "EntityIndex",
    "IndexedEntity",
    "QueryError",
    "ScoredEntity",
    "handle",
    "flyout",
    "manifest",
    "preview_html",
    "reconcile",
    "suggest_entity",
    "suggest_property",
    "suggest_type",
]

Kind = Literal["person", "place", "organization"]

SERVICE_NAME = "archive-kg reconciliation"
DEFAULT_IDENTIFIER_SPACE = "https://example.org/archive-kg/id/"
DEFAULT_SCHEMA_SPACE = "https://example.org/archive-kg/ontology#"
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
# Queries (or extension ids) per request at most; declared in the manifest as batchSize.
BATCH_SIZE = 50
# A candidate must explain at least this share of the query's words and score this much on
# name evidence; below, it is noise, not a candidate.
MIN_QUERY_COVER = 0.5
MIN_NAME_SCORE = 40.0
# Weight of the property conditions in the score when a query has any.
PROPERTY_WEIGHT = 0.25
# The matching policy (see the module docstring and the README).
MATCH_MIN_NAME = 80.0
MATCH_MARGIN = 15.0
# A lead that suffices when the query is exactly a name of two words or more (not a pseudonym:
# code names collide with real surnames).
MATCH_MARGIN_EXACT = 10.0

# Reconciliation type ids, their names and the entity kinds they select.
TYPES: tuple[tuple[str, str, Kind], ...] = (
    ("Person", "Person", "person"),
    ("Place", "Place", "place"),
    ("Organization", "Organization", "organization"),
)
_TYPE_BY_KIND = {kind: (type_id, name) for type_id, name, kind in TYPES}
_KIND_BY_TYPE = {
    key.casefold(): kind for type_id, name, kind in TYPES for key in (type_id, name, kind)
}

# Properties a query may condition on (pid, name, description). The index adds any other pid
# its entities carry, so new authority columns need no change here.
PROPERTIES: tuple[tuple[str, str, str], ...] = (
    ("wikidata", "Wikidata id", "Wikidata item id, e.g. Q855"),
    ("born", "born", "year of birth"),
    ("died", "died", "year of death"),
    ("country", "country", "country the entity belongs to"),
)

_JSON = "application/json; charset=utf-8"
_JSONP = "application/javascript; charset=utf-8"
_HTML = "text/html; charset=utf-8"
# A JSONP callback must be a plain (dotted) JavaScript identifier: anything else would let a
# link inject script into our origin.
_CALLBACK_RE = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


class QueryError(ValueError):
    """A malformed request: answered with HTTP 400 and a JSON error."""


@dataclass(frozen=True)
class IndexedEntity:
    """One entity the service can return: our IRI, names, kind and a few properties."""

    id: str
    name: str
    kind: Kind
    alt_names: tuple[str, ...] = ()
    description: str = ""
    wikidata: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # ("born", "1878"), ("country", "Soviet Union")
    pseudonyms: tuple[str, ...] = ()
    family_name_first: bool = False  # "Mao Zedong": the surname comes first
    # Data extension values: ("born", ExtValue("int", 1878)), ...
    extension: tuple[tuple[str, ext.ExtValue], ...] = ()

    def values(self, pid: str) -> list[str]:
        """All values of a property (``wikidata`` included, from its own field)."""
        found = [value for key, value in self.properties if key == pid]
        if pid == "wikidata" and self.wikidata and self.wikidata not in found:
            found.append(self.wikidata)
        return found


@dataclass(frozen=True)
class ScoredEntity:
    """A candidate for a query: the entity, its score (0-100), match and features."""

    entity: IndexedEntity
    score: float
    match: bool
    features: tuple[tuple[str, float | bool], ...]
    evidence: NameEvidence | None = None
    contradicted: bool = False


def _property_values(v: Any) -> list[str]:
    """Query values as folded strings: str, number, bool, {"id", "name"} or a list of them."""
    items = v if isinstance(v, list) else [v]
    values = []
    for item in items:
        if isinstance(item, dict):
            values.extend(match_key(str(item[k])) for k in ("id", "name") if item.get(k) is not None)
        elif isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, float) and item.is_integer():
            values.append(str(int(item)))  # 1878.0 from a JSON number is the year 1878
        else:
            values.append(match_key(str(item)))
    return values


class EntityIndex:
    """The entities the service reconciles against, with name lookup and scoring."""

    def __init__(self, entities: Iterable[IndexedEntity]) -> None:
        self._entities: dict[str, IndexedEntity] = {}
        for entity in entities:
            self._entities[entity.id] = entity
        self._forms = {entity.id: _forms(entity) for entity in self._entities.values()}
        # token -> the entities with a name form holding it: a name scores only through a
        # token equal or close to one of the query's (`name_match`), so only entities
        # holding such a token are scored, not all of them (323 ms a query at 10k entities)
        self._by_token: dict[str, list[str]] = {}
        for entity_id, forms in self._forms.items():
            for token in {t for form in forms for t in form.tokens}:
                self._by_token.setdefault(token, []).append(entity_id)
        self._vocabulary = list(self._by_token)
        # (property id, value's match key) -> the entities holding it: a query of properties
        # alone keeps only the entities meeting one of its conditions, found here
        self._by_value: dict[tuple[str, str], list[str]] = {}
        for entity in self._entities.values():
            pids = {pid for pid, _ in entity.properties} | {"wikidata"}
            for pair in {(pid, match_key(v)) for pid in pids for v in entity.values(pid)}:
                self._by_value.setdefault(pair, []).append(entity.id)
        # (match key, entity id), sorted, for every whole name and alternative name and for
        # every word of one: the names a prefix starts are one stretch of each, found by
        # bisection (suggest scanned every entity's names at each keystroke)
        name_keys = [(match_key(name), entity.id) for entity in self._entities.values()
                     for name in (entity.name, *entity.alt_names)]
        self._whole_names = sorted(set(name_keys))
        self._name_words = sorted({(word, entity_id) for key, entity_id in name_keys
                                   for word in key.split()})

    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self):
        return iter(self._entities.values())

    def get(self, entity_id: str) -> IndexedEntity | None:
        return self._entities.get(entity_id)

    def property_ids(self) -> list[str]:
        """Every property id an entity carries, plus the documented ones, in a stable order."""
        pids = [pid for pid, _, _ in PROPERTIES]
        for entity in self._entities.values():
            for pid, _ in entity.properties:
                if pid not in pids:
                    pids.append(pid)
        return pids

    def candidates(
        self,
        query: str,
        type: str | Sequence[str] | None = None,  # noqa: A002 (the protocol's name)
        limit: int = DEFAULT_LIMIT,
        properties: Sequence[Mapping[str, Any]] = (),
    ) -> list[ScoredEntity]:
        """Scored candidates for a name, best first, at most `limit`; the top one carries
        ``match`` when the matching policy holds."""
        kinds = _kinds(type)
        has_name = bool(match_key(query))
        conditions = [(str(p["pid"]), _property_values(p.get("v"))) for p in properties]
        scored: list[ScoredEntity] = []
        for entity in self._named(query) if has_name else self._holding(conditions):
            if kinds and entity.kind not in kinds:
                continue
            evidence = best_evidence(query, self._forms[entity.id]) if has_name else None
            if has_name and (evidence is None or evidence.query_cover < MIN_QUERY_COVER
                             or evidence.score < MIN_NAME_SCORE):
                continue
            features: list[tuple[str, float | bool]] = evidence.features() if evidence else []
            held = unknown = 0
            contradicted = False
            for pid, wanted in conditions:
                have = {match_key(value) for value in entity.values(pid)}
                if not have:
                    unknown += 1  # the entity says nothing: neither for nor against
                    continue
                ok = bool(have.intersection(wanted))
                held += ok
                contradicted |= not ok
                features.append((f"property:{pid}", ok))
            if not has_name and not held:
                continue  # a properties-only query: keep entities that meet some condition
            name_score = evidence.score if evidence else 0.0
            if conditions:
                share = 100.0 * (held + 0.5 * unknown) / len(conditions)
                features.append(("property_share", round(share, 2)))
                base = name_score if has_name else share  # a properties-only query
                score = (1 - PROPERTY_WEIGHT) * base + PROPERTY_WEIGHT * share
            else:
                score = name_score
            features.append(("contradiction", contradicted))
            scored.append(ScoredEntity(entity, round(score, 2), False, tuple(features),
                                       evidence, contradicted))
        scored.sort(key=lambda s: (-s.score, s.entity.name, s.entity.id))
        return _apply_policy(scored)[: max(0, limit)]

    def starting_with(self, prefix: str) -> tuple[set[str], set[str]]:
        """The ids of the entities a name of which starts with `prefix` (a match key), and of
        those a word of a name of which does."""
        return _starting(self._whole_names, prefix), _starting(self._name_words, prefix)

    def _holding(self, conditions: Sequence[tuple[str, list[str]]]) -> list[IndexedEntity]:
        """The entities meeting at least one of the conditions (property id, wanted value
        keys): the only ones a query without a name keeps."""
        ids = {entity_id for pid, wanted in conditions for value in wanted
               for entity_id in self._by_value.get((pid, value), ())}
        return [self._entities[i] for i in ids]

    def _named(self, query: str) -> list[IndexedEntity]:
        """The entities a name query can match: those holding a token equal to a query
        token, or a spelling variant of it (`name_match.variant_tokens`); the others would
        get no credit but from initials, which alone count for nothing."""
        ids: set[str] = set()
        for token in set(match_key(query).split()) | set(person_tokens(query)):
            ids.update(self._by_token.get(token, ()))
            for variant in variant_tokens(token, self._vocabulary):
                ids.update(self._by_token[variant])
        return [self._entities[i] for i in ids]


def _starting(keys: list[tuple[str, str]], prefix: str) -> set[str]:
    found = set()
    at = bisect.bisect_left(keys, (prefix,))
    while at < len(keys) and keys[at][0].startswith(prefix):
        found.add(keys[at][1])
        at += 1
    return found


def _forms(entity: IndexedEntity) -> tuple[NameForm, ...]:
    person = entity.kind == "person"
    forms = []
    for text, kind in ([(entity.name, "name")] + [(a, "alias") for a in entity.alt_names]
                       + [(p, "pseudonym") for p in entity.pseudonyms]):
        forms += name_forms(text, kind, person=person,
                            family_name_first=entity.family_name_first)
    return tuple(forms)


def _exact_name(ev: NameEvidence) -> bool:
    return ev.exact and ev.form.kind != "pseudonym" and len(ev.form.tokens) >= 2


def _apply_policy(scored: list[ScoredEntity]) -> list[ScoredEntity]:
    """Add each candidate's margin over the best other one; mark the top one a match when it
    wins clearly on name evidence and nothing contradicts it."""
    out = []
    for i, s in enumerate(scored):
        best_other = max((o.score for j, o in enumerate(scored[:2]) if j != i), default=0.0)
        margin = round(s.score - best_other, 2)
        ev = s.evidence
        match = (
            i == 0
            and ev is not None
            and ev.score >= MATCH_MIN_NAME
            and (ev.form.surname is None or ev.surname)
            and not s.contradicted
            and (margin >= MATCH_MARGIN or (margin >= MATCH_MARGIN_EXACT and _exact_name(ev)))
        )
        out.append(ScoredEntity(s.entity, s.score, match, (*s.features, ("margin", margin)),
                                s.evidence, s.contradicted))
    return out


def _kinds(type_: str | Sequence[str] | None) -> set[Kind]:
    """Entity kinds selected by a type id, name or list of them; empty = all."""
    if type_ is None or type_ == "":
        return set()
    requested = [type_] if isinstance(type_, str) else list(type_)
    kinds: set[Kind] = set()
    for item in requested:
        kind = _KIND_BY_TYPE.get(str(item).casefold())
        if kind is None:
            raise QueryError(f"unknown type {item!r}; known: {', '.join(t for t, _, _ in TYPES)}")
        kinds.add(kind)
    return kinds


def _type_json(kind: Kind) -> dict[str, str]:
    type_id, name = _TYPE_BY_KIND[kind]
    return {"id": type_id, "name": name}


# ---------------------------------------------------------------------------------------------
# Protocol answers (JSON-ready dicts)


def manifest(
    service_url: str,
    *,
    identifier_space: str = DEFAULT_IDENTIFIER_SPACE,
    schema_space: str = DEFAULT_SCHEMA_SPACE,
) -> dict[str, Any]:
    """The service manifest: what a client sees on a GET without ``queries``."""
    base = service_url.rstrip("/")
    return {
        "versions": ["0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": identifier_space,
        "schemaSpace": schema_space,
        # Our ids are our IRIs and the IRIs dereference, so the id is its own view URL.
        "view": {"url": "{{id}}"},
        "defaultTypes": [{"id": type_id, "name": name} for type_id, name, _ in TYPES],
        "preview": {"url": f"{base}/preview?id={{{{id}}}}", "width": 400, "height": 120},
        "batchSize": BATCH_SIZE,
        "suggest": {
            "entity": {
                "service_url": base,
                "service_path": "/suggest/entity",
                # The hover card: JSON (or JSONP) carrying the card's HTML, as the widget reads.
                "flyout_service_path": "/flyout?id=${id}",
            },
            "type": {"service_url": base, "service_path": "/suggest/type"},
            "property": {"service_url": base, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": base, "service_path": "/propose_properties"},
            "property_settings": [],
        },
    }


def parse_queries(text: str) -> dict[str, dict[str, Any]]:
    """The ``queries`` parameter as a batch; `QueryError` when it is not a valid one."""
    try:
        batch = json.loads(text)
    except ValueError as exc:
        raise QueryError(f"queries is not valid JSON: {exc}") from exc
    if not isinstance(batch, dict):
        raise QueryError("queries must be a JSON object of named queries")
    if len(batch) > BATCH_SIZE:
        raise QueryError(f"{len(batch)} queries in one batch, more than the batch size "
                         f"{BATCH_SIZE} the manifest declares")
    for key, query in batch.items():
        if not isinstance(query, dict):
            raise QueryError(f"query {key!r} must be an object")
        if not isinstance(query.get("query", ""), str):
            raise QueryError(f"query {key!r}: 'query' must be a string")
        if "query" not in query and not query.get("properties"):
            raise QueryError(f"query {key!r} needs 'query' or 'properties'")
        limit = query.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
            raise QueryError(f"query {key!r}: 'limit' must be a non-negative number")
        props = query.get("properties", [])
        if not isinstance(props, list) or not all(
            isinstance(p, dict) and "pid" in p and "v" in p for p in props
        ):
            raise QueryError(f"query {key!r}: 'properties' must be a list of {{pid, v}} objects")
    return batch


def reconcile(queries: Mapping[str, Mapping[str, Any]], index: EntityIndex) -> dict[str, Any]:
    """Answer a batch of queries: ``{"q0": {"result": [candidate, ...]}, ...}``."""
    answers: dict[str, Any] = {}
    for key, query in queries.items():
        limit = min(int(query.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        found = index.candidates(
            str(query.get("query", "")),
            type=query.get("type"),
            limit=limit,
            properties=query.get("properties", []),
        )
        answers[key] = {"result": [_result_json(s) for s in found]}
    return answers


def _result_json(scored: ScoredEntity) -> dict[str, Any]:
    entity = scored.entity
    result: dict[str, Any] = {
        "id": entity.id,
        "name": entity.name,
        "type": [_type_json(entity.kind)],
        "score": scored.score,
        "match": scored.match,
        "features": [{"id": fid, "value": value} for fid, value in scored.features],
    }
    if entity.description:
        result["description"] = entity.description
    return result


def suggest_entity(
    prefix: str,
    index: EntityIndex,
    type: str | Sequence[str] | None = None,  # noqa: A002 (the protocol's name)
    limit: int = 10,
    *,
    legacy: bool = False,
) -> dict[str, Any]:
    """Entities a name or any word of a name starts with `prefix`; whole-name starts first.

    ``notable`` is the list of types the 0.2 specification asks for; with `legacy` (JSONP, the
    Freebase Suggest dialect OpenRefine's widget speaks) it is the single ``{id, name}`` object
    that widget reads as ``notable.name``.
    """
    kinds = _kinds(type)
    whole, words = index.starting_with(match_key(prefix))
    ranked: list[tuple[int, str, IndexedEntity]] = []
    for entity_id in whole | words:
        entity = index.get(entity_id)
        if entity is not None and (not kinds or entity.kind in kinds):
            ranked.append((0 if entity_id in whole else 1, entity.name, entity))
    ranked.sort(key=lambda r: (r[0], r[1], r[2].id))
    result = []
    for _, _, entity in ranked[:limit]:
        item: dict[str, Any] = {
            "id": entity.id,
            "name": entity.name,
            "notable": _type_json(entity.kind) if legacy else [_type_json(entity.kind)],
        }
        if entity.description:
            item["description"] = entity.description
        result.append(item)
    return {"result": result}


def suggest_type(prefix: str = "") -> dict[str, Any]:
    """Our three types whose id or name starts with `prefix` (all when empty)."""
    wanted = match_key(prefix)
    return {
        "result": [
            {"id": type_id, "name": name}
            for type_id, name, _ in TYPES
            if match_key(type_id).startswith(wanted) or match_key(name).startswith(wanted)
        ]
    }


def suggest_property(prefix: str = "", index: EntityIndex | None = None) -> dict[str, Any]:
    """Properties whose id or name starts with `prefix`, from the documented list and the index."""
    wanted = match_key(prefix)
    known = {pid: (name, description) for pid, name, description in PROPERTIES}
    pids = index.property_ids() if index is not None else list(known)
    result = []
    for pid in pids:
        name, description = known.get(pid, (pid, ""))
        if match_key(pid).startswith(wanted) or match_key(name).startswith(wanted):
            item = {"id": pid, "name": name}
            if description:
                item["description"] = description
            result.append(item)
    return {"result": result}


def preview_html(entity_id: str, index: EntityIndex) -> str:
    """A small HTML card for the preview iframe; every piece of text is escaped."""
    entity = index.get(entity_id)
    if entity is None:
        raise KeyError(entity_id)
    esc = html.escape
    type_name = _type_json(entity.kind)["name"]
    rows = [f'<p class="type">{esc(type_name)}</p>']
    if entity.description:
        rows.append(f'<p class="description">{esc(entity.description)}</p>')
    if entity.alt_names:
        rows.append(f'<p class="alt">Also: {esc(", ".join(entity.alt_names))}</p>')
    for pid, value in entity.properties:
        if pid != "wikidata":
            rows.append(f"<p>{esc(pid)}: {esc(value)}</p>")
    if entity.wikidata:
        url = f"https://www.wikidata.org/wiki/{entity.wikidata}"
        rows.append(
            f'<p>Wikidata: <a href="{esc(url)}" target="_blank">{esc(entity.wikidata)}</a></p>'
        )
    body = "\n".join(rows)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{esc(entity.name)}</title></head>\n"
        '<body style="margin:0;font:13px sans-serif">\n'
        f'<h3 style="margin:0 0 4px"><a href="{esc(entity.id)}" target="_blank">'
        f"{esc(entity.name)}</a></h3>\n{body}\n</body></html>\n"
    )


def flyout(entity_id: str, index: EntityIndex) -> dict[str, str]:
    """The suggest widget's hover card: ``{id, html}``, the html a fragment (no page)."""
    entity = index.get(entity_id)
    if entity is None:
        raise KeyError(entity_id)
    page = preview_html(entity_id, index)
    body = page[page.index("<body"):]
    body = body[body.index(">") + 1 : body.rindex("</body>")].strip()
    return {"id": entity.id, "html": f'<div class="kg-flyout" style="font:13px sans-serif">'
                                     f"{body}</div>"}


# ---------------------------------------------------------------------------------------------
# The single entry point for the HTTP server


def handle(
    path: str,
    params: Mapping[str, str],
    index: EntityIndex,
    service_url: str,
    *,
    identifier_space: str = DEFAULT_IDENTIFIER_SPACE,
    schema_space: str = DEFAULT_SCHEMA_SPACE,
) -> tuple[int, str, bytes]:
    """Answer one request below the mount point: (status, content type, body).

    `path` may be given with or without the ``/reconcile`` mount prefix. `params` are the GET
    query parameters merged with the POST form fields (the protocol sends the same names both
    ways).
    """
    callback = params.get("callback")
    if callback is not None and not _CALLBACK_RE.match(callback):
        return _json(400, {"error": "invalid callback name"}, None)
    route = _route(path)
    try:
        if route == "":
            if "queries" in params:
                batch = parse_queries(params["queries"])
                return _json(200, reconcile(batch, index), callback)
            if "extend" in params:
                query = ext.parse_extend(params["extend"], BATCH_SIZE)
                return _json(200, ext.extend(query, index), callback)
            return _json(200, manifest(service_url, identifier_space=identifier_space,
                                       schema_space=schema_space), callback)
        if route == "/suggest/entity":
            found = suggest_entity(params.get("prefix", ""), index, type=params.get("type"),
                                   legacy=callback is not None)
            return _json(200, found, callback)
        if route == "/suggest/type":
            return _json(200, suggest_type(params.get("prefix", "")), callback)
        if route == "/suggest/property":
            return _json(200, suggest_property(params.get("prefix", ""), index), callback)
        if route == "/preview":
            entity_id = params.get("id")
            if not entity_id:
                raise QueryError("preview needs an 'id' parameter")
            try:
                page = preview_html(entity_id, index)
            except KeyError:
                return _json(404, {"error": f"unknown entity {entity_id}"}, None)
            return 200, _HTML, page.encode("utf-8")
        if route == "/flyout":
            entity_id = params.get("id")
            if not entity_id:
                raise QueryError("flyout needs an 'id' parameter")
            try:
                return _json(200, flyout(entity_id, index), callback)
            except KeyError:
                return _json(404, {"error": f"unknown entity {entity_id}"}, callback)
        if route == "/propose_properties":
            type_id = params.get("type") or None
            limit = params.get("limit")
            if limit is not None and not limit.isdigit():
                raise QueryError("limit must be a non-negative integer")
            found = ext.propose_properties(_kinds(type_id), type_id,
                                           int(limit) if limit is not None else None)
            return _json(200, found, callback)
    except (QueryError, ext.ExtendError) as exc:
        return _json(400, {"error": str(exc)}, callback)
    return _json(404, {"error": f"no such reconciliation resource: {path}"}, callback)


def _route(path: str) -> str:
    route = "/" + path.strip("/")
    if route == "/reconcile" or route.startswith("/reconcile/"):
        route = route[len("/reconcile") :]
    return route.rstrip("/")


def _json(status: int, payload: Any, callback: str | None) -> tuple[int, str, bytes]:
    text = json.dumps(payload, ensure_ascii=False)
    if callback:
        # JSONP: same payload, wrapped; "/**/" guards against content sniffing tricks.
        return status, _JSONP, f"/**/{callback}({text});".encode()
    return status, _JSON, text.encode("utf-8")
