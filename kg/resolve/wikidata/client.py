"""A polite, caching client of the Wikidata MediaWiki API: the only code that opens a socket.

The etiquette Wikimedia asks of tools: a descriptive User-Agent, one request at a time with a
pause between them, back-off on 429/5xx/``maxlag`` answers, and an on-disk cache so that a
second run sends nothing at all.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kg.core.version import VERSION
from kg.resolve.wikidata.answers import parse_entities, parse_search
from kg.resolve.wikidata.model import (
    EntityFacts,
    SearchHit,
    WikidataResponseError,
    WikidataUnavailable,
)

__all__ = ["DEFAULT_API_URL", "PROJECT_NAME", "PROJECT_VERSION", "USER_AGENT", "WikidataClient"]

PROJECT_NAME = "archive-kg"
PROJECT_VERSION = VERSION
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
