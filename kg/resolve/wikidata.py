"""Opt-in online reconciliation of people, places and organisations against Wikidata.

Two halves, kept apart so that the decision logic can be tested without any network:

* `WikidataClient` talks to the public MediaWiki API (``wbsearchentities`` for candidates,
  ``wbgetentities`` for their facts) with the etiquette Wikimedia asks of tools: a descriptive
  User-Agent, one request at a time with a pause between them, back-off on 429/5xx/``maxlag``
  answers, and an on-disk cache so that a second run sends nothing at all.
* `reconcile` is a pure function: given the search hits and the facts about them it returns a
  `LinkDecision` (a Wikidata id or NIL, the score, the features and every candidate with the
  reason it was rejected). Types must fit, a person must be alive at the document's date, the
  name must be similar, and co-mentioned context raises the score. Only a clear winner is a
  match; anything else is NIL with the candidates listed for review.

`link_online` glues the two together for one name.
"""

from __future__ import annotations

import calendar
import hashlib
import http.client
import json
import os
import re
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

__all__ = [
    "DEFAULT_API_URL",
    "ORGANIZATION_CLASSES",
    "PLACE_CLASSES",
    "PROJECT_NAME",
    "PROJECT_VERSION",
    "USER_AGENT",
    "Candidate",
    "EntityFacts",
    "LinkDecision",
    "SearchHit",
    "TimeValue",
    "WikidataClient",
    "WikidataError",
    "WikidataResponseError",
    "WikidataUnavailable",
    "date_fit",
    "fold",
    "link_online",
    "name_similarity",
    "parse_entities",
    "parse_search",
    "parse_time",
    "reconcile",
    "type_fit",
]

Kind = Literal["person", "place", "organization"]

PROJECT_NAME = "archive-kg"
PROJECT_VERSION = "0.1.0"
# Wikimedia's User-Agent policy asks automated clients to name themselves and give a way to
# contact the operator; generic library agents ("Python-urllib/3.11") get throttled or blocked.
# Deployments should pass their own contact address through `WikidataClient(user_agent=...)`.
USER_AGENT = (
    f"{PROJECT_NAME}/{PROJECT_VERSION} "
    "(open-source archive catalogue knowledge graph; https://example.org/archive-kg; "
    "set your contact via WikidataClient(user_agent=...)) Python-urllib"
)
DEFAULT_API_URL = "https://www.wikidata.org/w/api.php"

# wbgetentities accepts at most 50 ids per request for ordinary (non-bot) clients.
_MAX_IDS_PER_REQUEST = 50
# A server may ask for a long pause; honour it, but never hang a batch run for more than this.
_MAX_RETRY_AFTER = 300.0

HUMAN = "Q5"

# Classes whose instances (P31) count as places. Ids checked against Wikidata-derived class lists
# (the items' own labels: country, sovereign state, historical country, state, city, big city,
# city with millions of inhabitants, capital, human settlement, town, village, municipality,
# region, historical region, province of China, port, island, continent, U.S. state, federated
# state, first-level administrative subdivision, administrative territorial entity). Direct P31
# only: walking P279 subclass chains would need SPARQL, and P625 covers most of the rest.
PLACE_CLASSES: frozenset[str] = frozenset(
    {
        "Q6256",  # country
        "Q3624078",  # sovereign state
        "Q3024240",  # historical country
        "Q7275",  # state
        "Q515",  # city
        "Q1549591",  # big city
        "Q1637706",  # city with millions of inhabitants
        "Q5119",  # capital city
        "Q486972",  # human settlement
        "Q3957",  # town
        "Q532",  # village
        "Q15284",  # municipality
        "Q82794",  # region (geographic region)
        "Q1620908",  # historical region
        "Q1615742",  # province of China
        "Q44782",  # port
        "Q23442",  # island
        "Q5107",  # continent
        "Q35657",  # state of the United States
        "Q107390",  # federated state
        "Q10864048",  # first-level administrative country subdivision
        "Q56061",  # administrative territorial entity
    }
)

# Classes whose instances count as organisations (same sources). Note: Q17149090 is "armed
# organization", not "intelligence agency"; intelligence services are usually typed
# "government agency" (Q327333), which is listed.
ORGANIZATION_CLASSES: frozenset[str] = frozenset(
    {
        "Q43229",  # organization
        "Q7278",  # political party
        "Q7188",  # government
        "Q327333",  # government agency
        "Q2659904",  # government organization
        "Q192350",  # ministry
        "Q484652",  # international organization
        "Q245065",  # intergovernmental organization
        "Q17149090",  # armed organization
        "Q7210356",  # political organization
        "Q4830453",  # business enterprise
        "Q783794",  # company
        "Q163740",  # nonprofit organization
        "Q15911314",  # association
        "Q178790",  # trade union
        "Q3918",  # university
        "Q31855",  # research institute
        "Q11204",  # legislature / parliament
        "Q33506",  # museum
    }
)

# Claims that tie an item to a country or region; a context id found among them counts as context.
_RELATED_PROPERTIES = ("P17", "P27", "P131")

# Weights of the features in the score. Name similarity dominates; type and date mostly act as
# filters (a wrong type or an impossible date rejects outright), so their weights only separate
# "known good" from "unknown". Context is large enough on its own to clear the margin between two
# namesakes that are otherwise equal.
WEIGHTS: Mapping[str, float] = {
    "name_similarity": 0.60,
    "type_fit": 0.15,
    "date_fit": 0.10,
    "context": 0.15,
}
# type_fit for an organisation recognised only by not being a human or a place.
_WEAK_TYPE_FIT = 0.3
# type_fit for a place recognised only by having coordinates.
_COORDINATE_TYPE_FIT = 0.8
_NEUTRAL = 0.5


# --------------------------------------------------------------------------------------------
# Errors


class WikidataError(Exception):
    """Base class of the errors this module raises."""


class WikidataUnavailable(WikidataError):
    """Wikidata could not be reached (timeouts, 5xx, 429) even after the allowed retries."""


class WikidataResponseError(WikidataError):
    """Wikidata answered, but not with what the API documents (not JSON, keys missing, error)."""


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class SearchHit:
    """One result of ``wbsearchentities``."""

    id: str
    label: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    match_text: str = ""  # the label or alias the search matched


@dataclass(frozen=True)
class TimeValue:
    """A Wikibase time value with its precision (9 year, 10 month, 11 day) and date bounds."""

    time: str  # as Wikidata writes it: "+1878-12-18T00:00:00Z"
    precision: int
    year: int
    earliest: date | None  # None when outside the range `datetime.date` can hold
    latest: date | None


@dataclass(frozen=True)
class EntityFacts:
    """What ``wbgetentities`` tells about one item, reduced to what disambiguation needs."""

    id: str
    label: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()
    instance_of: tuple[str, ...] = ()  # P31
    birth: TimeValue | None = None  # P569
    death: TimeValue | None = None  # P570
    coordinates: tuple[float, float] | None = None  # P625 (latitude, longitude)
    related: tuple[str, ...] = ()  # P17 country, P27 citizenship, P131 located in


@dataclass(frozen=True)
class Candidate:
    """A candidate as review shows it: its score, its features and why it was rejected."""

    id: str
    label: str
    description: str
    score: float
    features: tuple[tuple[str, float], ...]
    rejected_reason: str | None = None


@dataclass(frozen=True)
class LinkDecision:
    """The outcome for one name: a Wikidata id, or NIL (``qid is None``) with the candidates."""

    qid: str | None
    score: float
    match: bool
    features: tuple[tuple[str, float], ...] = ()
    candidates: tuple[Candidate, ...] = ()


# --------------------------------------------------------------------------------------------
# Parsing the API's JSON


_TIME_RE = re.compile(r"^([+-])(\d{1,16})-(\d{2})-(\d{2})T")
_JULIAN = "http://www.wikidata.org/entity/Q1985786"


def parse_time(value: Mapping[str, Any]) -> TimeValue | None:
    """Read a Wikibase time datavalue ({"time": "+1878-12-18T00:00:00Z", "precision": 11, ...}).

    The bounds are deliberately generous: they are used only to *reject* candidates, and a false
    rejection is worse than a missed one (the candidate still has to win on name and type).
    """
    text = value.get("time")
    precision = value.get("precision")
    if not isinstance(text, str) or not isinstance(precision, int):
        return None
    found = _TIME_RE.match(text)
    if not found:
        return None
    sign, year_s, month_s, day_s = found.groups()
    year = int(year_s) * (-1 if sign == "-" else 1)
    month, day = int(month_s), int(day_s)
    earliest, latest = _time_bounds(year, month, day, precision)
    if earliest and latest and value.get("calendarmodel") == _JULIAN:
        # A Julian date is 10-13 days off the Gregorian calendar in the modern era.
        earliest, latest = earliest - timedelta(days=13), latest + timedelta(days=13)
    return TimeValue(text, precision, year, earliest, latest)


def _time_bounds(
    year: int, month: int, day: int, precision: int
) -> tuple[date | None, date | None]:
    """First and last day a time value can mean, by precision; (None, None) out of range."""
    if precision >= 11 and month and day:
        first_year, last_year = year, year
        first, last = (month, day), (month, day)
    elif precision >= 10 and month:
        first_year, last_year = year, year
        first, last = (month, 1), (month, calendar.monthrange(max(year, 1), month)[1])
    else:
        # Year or coarser. Decades and centuries are written inconsistently in Wikidata
        # ("+1900" can be the 1900s or the 19th century), so widen by a whole span both ways.
        span = 0 if precision >= 9 else 10 ** min(9 - precision, 4)
        first_year, last_year = year - span, year + span
        first, last = (1, 1), (12, 31)
    if first_year < 1 or last_year > 9999:
        return None, None
    try:
        return date(first_year, *first), date(last_year, *last)
    except ValueError:  # "+1950-02-31": take the month
        return date(first_year, first[0], 1), date(
            last_year, last[0], calendar.monthrange(last_year, last[0])[1]
        )


def parse_search(data: Any) -> list[SearchHit]:
    """Search hits from a ``wbsearchentities`` answer; `WikidataResponseError` if malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("search"), list):
        raise WikidataResponseError("wbsearchentities answer has no 'search' list")
    hits: list[SearchHit] = []
    for item in data["search"]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise WikidataResponseError("wbsearchentities hit without an 'id'")
        match = item.get("match") if isinstance(item.get("match"), dict) else {}
        label = item.get("label") or match.get("text") or item["id"]
        aliases = tuple(a for a in item.get("aliases") or () if isinstance(a, str))
        hits.append(
            SearchHit(
                id=item["id"],
                label=str(label),
                description=str(item.get("description") or ""),
                aliases=aliases,
                match_text=str(match.get("text") or ""),
            )
        )
    return hits


def parse_entities(data: Any, language: str = "en") -> dict[str, EntityFacts]:
    """Facts per id from a ``wbgetentities`` answer; missing items are left out."""
    if not isinstance(data, dict) or not isinstance(data.get("entities"), dict):
        raise WikidataResponseError("wbgetentities answer has no 'entities' object")
    facts: dict[str, EntityFacts] = {}
    for key, item in data["entities"].items():
        if not isinstance(item, dict):
            raise WikidataResponseError(f"wbgetentities entity {key!r} is not an object")
        if "missing" in item:
            continue
        claims = item.get("claims") or {}
        if not isinstance(claims, dict):
            raise WikidataResponseError(f"claims of {key!r} are not an object")
        births = [t for t in map(parse_time, _values(claims, "P569")) if t]
        deaths = [t for t in map(parse_time, _values(claims, "P570")) if t]
        facts[str(item.get("id", key))] = EntityFacts(
            id=str(item.get("id", key)),
            label=_lang_value(item.get("labels"), language),
            description=_lang_value(item.get("descriptions"), language),
            aliases=tuple(
                a["value"]
                for a in (item.get("aliases") or {}).get(language, [])
                if isinstance(a, dict) and isinstance(a.get("value"), str)
            ),
            instance_of=tuple(_item_ids(claims, "P31")),
            birth=births[0] if births else None,
            death=deaths[0] if deaths else None,
            coordinates=_coordinates(claims),
            related=tuple(i for p in _RELATED_PROPERTIES for i in _item_ids(claims, p)),
        )
    return facts


def _lang_value(field: Any, language: str) -> str:
    if isinstance(field, dict) and isinstance(field.get(language), dict):
        return str(field[language].get("value", ""))
    return ""


def _values(claims: Mapping[str, Any], prop: str) -> list[Mapping[str, Any]]:
    """Datavalue values of a property's statements, preferred rank first, deprecated dropped."""
    statements = [s for s in claims.get(prop) or [] if isinstance(s, dict)]
    statements = [s for s in statements if s.get("rank") != "deprecated"]
    statements.sort(key=lambda s: s.get("rank") != "preferred")  # stable: keeps API order
    values = []
    for statement in statements:
        snak = statement.get("mainsnak") or {}
        if snak.get("snaktype") != "value":  # "somevalue"/"novalue" carry no datavalue
            continue
        value = (snak.get("datavalue") or {}).get("value")
        if isinstance(value, dict):
            values.append(value)
    return values


def _item_ids(claims: Mapping[str, Any], prop: str) -> list[str]:
    ids = []
    for value in _values(claims, prop):
        if isinstance(value.get("id"), str):
            ids.append(value["id"])
        elif isinstance(value.get("numeric-id"), int):
            ids.append(f"Q{value['numeric-id']}")
    return ids


def _coordinates(claims: Mapping[str, Any]) -> tuple[float, float] | None:
    for value in _values(claims, "P625"):
        lat, lon = value.get("latitude"), value.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return float(lat), float(lon)
    return None


# --------------------------------------------------------------------------------------------
# The client


class WikidataClient:
    """A polite, caching client of the Wikidata MediaWiki API (stdlib urllib only).

    Every answer is cached on disk under `cache_dir`, keyed by a hash of the full request URL,
    so that a run repeated over the same names makes no request at all. Only well-formed
    answers are cached: an error page must not poison later runs.
    """

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        *,
        cache_dir: Path,
        user_agent: str = USER_AGENT,
        min_interval: float = 1.0,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url = api_url
        self.cache_dir = Path(cache_dir)
        self.user_agent = user_agent
        self.min_interval = min_interval
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self.requests_made = 0
        self.cache_hits = 0

    # -- public API ------------------------------------------------------------------------

    def search(self, name: str, language: str = "en", limit: int = 7) -> list[SearchHit]:
        """Candidate items for a name (``wbsearchentities``, items only)."""
        params = {
            "action": "wbsearchentities",
            "format": "json",
            "type": "item",
            "search": name,
            "language": language,
            "uselang": language,
            "limit": str(limit),
        }
        data = self._get(params, parse_search)
        return parse_search(data)

    def entities(self, ids: Iterable[str], language: str = "en") -> dict[str, EntityFacts]:
        """Labels, aliases, descriptions and claims of items (``wbgetentities``), by id."""
        wanted = list(dict.fromkeys(ids))  # dedupe, keep order: same ids -> same URL -> cached
        facts: dict[str, EntityFacts] = {}
        for start in range(0, len(wanted), _MAX_IDS_PER_REQUEST):
            chunk = wanted[start : start + _MAX_IDS_PER_REQUEST]
            params = {
                "action": "wbgetentities",
                "format": "json",
                "ids": "|".join(chunk),
                "props": "labels|aliases|descriptions|claims",
                "languages": language,
            }
            data = self._get(params, lambda d: parse_entities(d, language))
            facts.update(parse_entities(data, language))
        return facts

    def url_for(self, params: Mapping[str, str]) -> str:
        """The full request URL; also the cache key. `maxlag` asks to be refused when lagged."""
        query = dict(params)
        # Wikimedia asks automated clients to send maxlag so they back off when replicas lag.
        query.setdefault("maxlag", "5")
        return f"{self.api_url}?{urllib.parse.urlencode(sorted(query.items()))}"

    def cache_path(self, url: str) -> Path:
        return self.cache_dir / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()}.json"

    # -- internals -------------------------------------------------------------------------

    def _get(self, params: Mapping[str, str], validate: Callable[[Any], object]) -> Any:
        url = self.url_for(params)
        cached = self._read_cache(url)
        if cached is not None:
            self.cache_hits += 1
            return cached
        data = self._fetch(url)
        validate(data)  # raises WikidataResponseError: malformed answers are never cached
        self._write_cache(url, data)
        return data

    def _read_cache(self, url: str) -> Any | None:
        path = self.cache_path(url)
        try:
            with path.open(encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None  # absent or unreadable: fetch again (and overwrite)
        if not isinstance(entry, dict) or entry.get("url") != url:
            return None  # a hash collision or a foreign file: never trust it
        return entry.get("response")

    def _write_cache(self, url: str, data: Any) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.cache_path(url)
        # Write to a temp file in the same directory, then rename: a crash or a concurrent
        # reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"url": url, "response": data}, handle, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _throttle(self) -> None:
        if self._last_request is not None and self.min_interval > 0:
            wait = self.min_interval - (self._clock() - self._last_request)
            if wait > 0:
                self._sleep(wait)

    def _fetch(self, url: str) -> Any:
        """GET with retries; returns parsed JSON or raises one of this module's errors."""
        request = urllib.request.Request(
            url, headers={"User-Agent": self.user_agent, "Accept": "application/json"}
        )
        problem = "no attempt made"
        for attempt in range(self.max_retries + 1):
            self._throttle()
            self.requests_made += 1
            retry_after: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                    header = response.headers.get("Retry-After")
                data = _decode(body)
                error = data.get("error") if isinstance(data, dict) else None
                if not isinstance(error, dict):
                    return data
                if error.get("code") != "maxlag":
                    raise WikidataResponseError(
                        f"Wikidata API error {error.get('code')}: {error.get('info')}"
                    )
                problem = f"database lag: {error.get('info')}"
                retry_after = _retry_after(header)
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:
                    exc.close()
                    # 4xx other than 429 will not get better by asking again.
                    raise WikidataUnavailable(f"HTTP {exc.code} from {self.api_url}") from exc
                problem = f"HTTP {exc.code}"
                retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                exc.close()  # release the connection before sleeping
            except TimeoutError as exc:
                problem = f"timed out after {self.timeout}s ({exc})"
            except urllib.error.URLError as exc:
                problem = f"cannot connect: {exc.reason}"
            except (OSError, http.client.HTTPException) as exc:  # reset or cut mid-read
                problem = f"connection failed: {exc}"
            finally:
                self._last_request = self._clock()
            if attempt < self.max_retries:
                delay = retry_after if retry_after is not None else self.backoff * 2**attempt
                self._sleep(delay)
        raise WikidataUnavailable(
            f"Wikidata unavailable after {self.max_retries + 1} attempts: {problem}"
        )


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WikidataResponseError(f"Wikidata answered with non-JSON: {body[:80]!r}") from exc


def _retry_after(header: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form only), capped; None if absent."""
    if not header:
        return None
    try:
        seconds = float(header.strip())
    except ValueError:
        return None  # the HTTP-date form: fall back to exponential back-off
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


# --------------------------------------------------------------------------------------------
# Disambiguation (pure)


def fold(text: str) -> str:
    """Accent-folded, lower-cased, punctuation-free form used for every name comparison."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return default_process(stripped.casefold())


def name_similarity(name: str, labels: Iterable[str]) -> float:
    """Best token_sort_ratio (0..1) of the name against a label or any alias."""
    query = fold(name)
    best = 0.0
    for label in labels:
        if label:
            best = max(best, fuzz.token_sort_ratio(query, fold(label)) / 100.0)
    return best


def type_fit(kind: Kind, facts: EntityFacts) -> tuple[float, str | None]:
    """How well the item's P31 fits the kind asked for; 0 with a reason means rejected."""
    classes = set(facts.instance_of)
    human = HUMAN in classes
    geographic_class = bool(classes & PLACE_CLASSES)
    if kind == "person":
        return (1.0, None) if human else (0.0, "not a human (P31 Q5)")
    if kind == "place":
        if geographic_class:
            return 1.0, None
        if human:
            return 0.0, "a human, not a place"
        if facts.coordinates is not None:
            return _COORDINATE_TYPE_FIT, None
        return 0.0, "not a geographic item"
    if kind == "organization":
        if classes & ORGANIZATION_CLASSES:
            return 1.0, None
        if human:
            return 0.0, "a human, not an organisation"
        if geographic_class:
            return 0.0, "a place, not an organisation"
        # Many bodies (politburos, commissions) have classes we do not list; accept them with
        # low confidence so that only a strong name or context makes them a match. Coordinates
        # alone do not disqualify: headquarters and theatres have them.
        return _WEAK_TYPE_FIT, None
    raise ValueError(f"unknown kind {kind!r}")


def date_fit(
    kind: Kind, facts: EntityFacts, document_date: date | None
) -> tuple[float, str | None]:
    """1 if a person was alive at the document's date, 0.5 if unknown, 0 + reason if not."""
    if kind != "person" or document_date is None:
        return _NEUTRAL, None
    birth, death = facts.birth, facts.death
    if birth and birth.earliest and birth.earliest > document_date:
        return 0.0, f"born {birth.year}, after the document ({document_date.isoformat()})"
    if death and death.latest and death.latest < document_date:
        return 0.0, f"died {death.year}, before the document ({document_date.isoformat()})"
    if (birth and birth.earliest) or (death and death.latest):
        return 1.0, None
    return _NEUTRAL, None


def _context_fit(facts: EntityFacts, context_ids: Iterable[str]) -> float:
    context = set(context_ids)
    if facts.id in context or context.intersection(facts.related):
        return 1.0
    return 0.0


def _score(features: Mapping[str, float]) -> float:
    return round(sum(WEIGHTS[name] * value for name, value in features.items()), 4)


def reconcile(
    name: str,
    kind: Kind,
    facts_by_id: Mapping[str, EntityFacts],
    hits: Iterable[SearchHit],
    *,
    document_date: date | None,
    context_ids: Iterable[str] = frozenset(),
    threshold: float = 0.75,
    margin: float = 0.1,
) -> LinkDecision:
    """Choose the Wikidata item a name refers to, or NIL.

    Every hit becomes a `Candidate`. Wrong type, or a person not alive at `document_date`,
    rejects it (score 0, `rejected_reason` set). The rest are scored from name similarity
    (label and aliases), type fit, date fit and context. The best one is a match only when it
    reaches `threshold` and leads the runner-up by `margin`: two equally plausible namesakes
    stay NIL for a human to review, which is cheaper than a confident wrong link.
    """
    if kind not in ("person", "place", "organization"):
        raise ValueError(f"unknown kind {kind!r}")
    context = frozenset(context_ids)
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.id in seen:
            continue
        seen.add(hit.id)
        facts = facts_by_id.get(hit.id)
        if facts is None:
            candidates.append(
                Candidate(hit.id, hit.label, hit.description, 0.0, (), "no data for the item")
            )
            continue
        labels = (facts.label or hit.label, *facts.aliases, *hit.aliases)
        t_fit, t_reason = type_fit(kind, facts)
        d_fit, d_reason = date_fit(kind, facts, document_date)
        features = {
            "name_similarity": round(name_similarity(name, labels), 4),
            "type_fit": t_fit,
            "date_fit": d_fit,
            "context": _context_fit(facts, context),
        }
        reason = t_reason or d_reason
        candidates.append(
            Candidate(
                id=hit.id,
                label=facts.label or hit.label,
                description=facts.description or hit.description,
                score=0.0 if reason else _score(features),
                features=tuple(features.items()),
                rejected_reason=reason,
            )
        )
    # Best first; rejected ones last, in search order (sort is stable).
    candidates.sort(key=lambda c: (c.rejected_reason is not None, -c.score))
    eligible = [c for c in candidates if c.rejected_reason is None]
    if not eligible:
        return LinkDecision(None, 0.0, False, (), tuple(candidates))
    best = eligible[0]
    runner_up = eligible[1].score if len(eligible) > 1 else 0.0
    # Compare with a small tolerance: scores are rounded sums of float weights.
    match = best.score >= threshold and best.score - runner_up >= margin - 1e-9
    return LinkDecision(
        qid=best.id if match else None,
        score=best.score,
        match=match,
        features=best.features,
        candidates=tuple(candidates),
    )


def link_online(
    client: WikidataClient,
    name: str,
    kind: Kind,
    document_date: date | None = None,
    context_ids: Iterable[str] = frozenset(),
    *,
    language: str = "en",
    limit: int = 7,
    threshold: float = 0.75,
) -> LinkDecision:
    """Search Wikidata for a name, fetch the candidates' facts, and reconcile."""
    hits = client.search(name, language=language, limit=limit)
    facts = client.entities([hit.id for hit in hits], language=language) if hits else {}
    return reconcile(
        name,
        kind,
        facts,
        hits,
        document_date=document_date,
        context_ids=context_ids,
        threshold=threshold,
    )
