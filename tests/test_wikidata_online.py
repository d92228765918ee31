"""Online Wikidata reconciliation, against a replay server on 127.0.0.1 (never the real API).

Fixture ids, labels, aliases and descriptions come from Wikidata-derived reference data; dates
of birth and death are the well-established ones. The client gets tiny timeouts and a recording
`sleep`, so retries and back-off cost no wall-clock time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from wikidata_replay import FIXTURES, Fault, ReplayServer

from kg.resolve.wikidata import (
    PROJECT_NAME,
    PROJECT_VERSION,
    USER_AGENT,
    SearchHit,
    WikidataClient,
    WikidataResponseError,
    WikidataUnavailable,
    link_online,
    parse_entities,
    parse_time,
    reconcile,
)

pytestmark = pytest.mark.server


class Sleeps(list[float]):
    """An injected `sleep` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer().start()
    try:
        yield replay
    finally:
        replay.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(server: ReplayServer, cache_dir: Path, sleeps: Sleeps, **kw) -> WikidataClient:
    settings = {"min_interval": 0.0, "timeout": 0.2, "max_retries": 2, "backoff": 0.5}
    settings.update(kw)
    return WikidataClient(server.url, cache_dir=cache_dir, sleep=sleeps, **settings)


@pytest.fixture
def client(server: ReplayServer, tmp_path: Path, sleeps: Sleeps) -> WikidataClient:
    return make_client(server, tmp_path / "cache", sleeps)


# -- disambiguation, end to end through the client --------------------------------------------


def test_hit_links_the_person_and_rejects_a_city_of_the_same_name(client: WikidataClient) -> None:
    # Varna was renamed "Stalin" in 1949-1956: a real namesake of the wrong type.
    decision = link_online(client, "Stalin", "person", document_date=date(1950, 2, 14))
    assert decision.qid == "Q855" and decision.match
    assert decision.score >= 0.75
    assert dict(decision.features)["type_fit"] == 1.0
    assert dict(decision.features)["date_fit"] == 1.0
    varna = next(c for c in decision.candidates if c.id == "Q6506")
    assert varna.rejected_reason and "human" in varna.rejected_reason


@pytest.mark.parametrize(
    ("name", "document_date", "expected", "rejected"),
    [
        # Theodore Roosevelt died in 1919: a 1943 "President Roosevelt" is Franklin.
        ("President Roosevelt", date(1943, 11, 28), "Q8007", {"Q33866": "died 1919"}),
        # Both had died by 1950: nobody is left to link.
        ("President Roosevelt", date(1950, 1, 1), None, {"Q8007": "died 1945"}),
        # George W. Bush was born in 1946: a 1944 "George Bush" is his father.
        ("George Bush", date(1944, 9, 2), "Q23505", {"Q207": "born 1946"}),
        # Both alive in 1950 and nothing else to tell them apart: NIL, for review.
        ("George Bush", date(1950, 6, 1), None, {}),
    ],
)
def test_dates_decide_between_namesakes(
    client: WikidataClient,
    name: str,
    document_date: date,
    expected: str | None,
    rejected: dict[str, str],
) -> None:
    decision = link_online(client, name, "person", document_date=document_date)
    assert decision.qid == expected
    assert decision.match is (expected is not None)
    assert len(decision.candidates) == 2  # review sees every candidate
    by_id = {c.id: c for c in decision.candidates}
    for qid, reason in rejected.items():
        assert reason in (by_id[qid].rejected_reason or "")
    if expected is None and not rejected:
        assert all(c.rejected_reason is None for c in decision.candidates)


def test_context_breaks_a_tie_between_namesakes(client: WikidataClient) -> None:
    decision = link_online(
        client, "George Bush", "person", document_date=date(1950, 6, 1), context_ids={"Q23505"}
    )
    assert decision.qid == "Q23505"
    assert dict(decision.features)["context"] == 1.0


def test_context_through_citizenship_raises_the_score(client: WikidataClient) -> None:
    plain = link_online(client, "Kim Il-sung", "person", document_date=date(1950, 7, 5))
    north_korea = link_online(
        client, "Kim Il-sung", "person", document_date=date(1950, 7, 5), context_ids={"Q423"}
    )
    assert plain.qid == north_korea.qid == "Q41117"
    assert north_korea.score > plain.score


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Moscow", "person", None),  # only a city: asked as a person it is NIL
        ("Moscow", "place", "Q649"),
        ("Peking", "place", "Q956"),  # found through an alias
        ("United Nations", "organization", "Q1065"),
        ("Kuomintang", "organization", "Q31113"),
        ("Kuomintang", "place", None),
        ("Mao Zedong", "organization", None),
    ],
)
def test_type_must_fit(client: WikidataClient, name: str, kind, expected: str | None) -> None:
    decision = link_online(client, name, kind, document_date=date(1950, 2, 14))
    assert decision.qid == expected
    if expected is None:
        assert decision.candidates, "NIL still lists the candidates for review"
        assert all(c.rejected_reason for c in decision.candidates)


def test_unknown_name_is_nil_without_candidates(client: WikidataClient) -> None:
    decision = link_online(client, "Roshchin", "person", document_date=date(1950, 1, 1))
    assert decision.qid is None and not decision.match and decision.candidates == ()


# -- the client: requests, cache, etiquette, failures -----------------------------------------


def test_requests_follow_the_api_and_send_a_descriptive_user_agent(
    client: WikidataClient, server: ReplayServer
) -> None:
    link_online(client, "Mao Zedong", "person")
    search, entities = server.requests
    assert search.params | {"search": "x"} == {
        "action": "wbsearchentities",
        "format": "json",
        "type": "item",
        "search": "x",
        "language": "en",
        "uselang": "en",
        "limit": "7",
        "maxlag": "5",
    }
    assert entities.params["action"] == "wbgetentities"
    assert entities.params["ids"] == "Q5816"
    assert entities.params["props"] == "labels|aliases|descriptions|claims"
    assert entities.params["languages"] == "en"
    agent = search.headers["User-Agent"]
    assert agent == USER_AGENT
    assert f"{PROJECT_NAME}/{PROJECT_VERSION}" in agent and "https://" in agent


def test_second_run_is_served_from_the_cache(
    server: ReplayServer, tmp_path: Path, sleeps: Sleeps
) -> None:
    first = make_client(server, tmp_path / "cache", sleeps)
    before = link_online(first, "Stalin", "person", document_date=date(1950, 2, 14))
    assert first.requests_made == 2 and len(server.requests) == 2
    assert not list((tmp_path / "cache").glob(".tmp-*")), "no temp file left behind"

    second = make_client(server, tmp_path / "cache", sleeps)
    after = link_online(second, "Stalin", "person", document_date=date(1950, 2, 14))
    assert second.requests_made == 0 and len(server.requests) == 2
    assert after == before


def test_rate_limit_waits_between_requests(server: ReplayServer, tmp_path: Path) -> None:
    sleeps = Sleeps()
    client = WikidataClient(
        server.url, cache_dir=tmp_path, min_interval=1.0, sleep=sleeps, clock=lambda: 100.0
    )
    link_online(client, "Moscow", "place")
    assert sleeps == [1.0]  # none before the first request, a full interval before the second


def test_429_honours_retry_after(client: WikidataClient, server: ReplayServer, sleeps) -> None:
    server.fail_next(Fault(status=429, headers=(("Retry-After", "7"),)))
    hits = client.search("Moscow")
    assert [h.id for h in hits] == ["Q649"]
    assert sleeps == [7.0]
    assert client.requests_made == 2


def test_5xx_backs_off_exponentially(client: WikidataClient, server: ReplayServer, sleeps) -> None:
    server.fail_next(Fault(status=503), Fault(status=502))
    assert [h.id for h in client.search("Moscow")] == ["Q649"]
    assert sleeps == [0.5, 1.0]


def test_timeout_is_retried_then_succeeds(
    client: WikidataClient, server: ReplayServer, sleeps
) -> None:
    server.fail_next(Fault(delay=0.6))  # past the client's 0.2 s timeout
    assert [h.id for h in client.search("Moscow")] == ["Q649"]
    assert client.requests_made == 2 and sleeps == [0.5]


def test_persistent_timeouts_raise_unavailable(
    client: WikidataClient, server: ReplayServer, tmp_path: Path, sleeps
) -> None:
    server.fail_next(*[Fault(delay=0.6)] * 3)
    with pytest.raises(WikidataUnavailable, match="after 3 attempts"):
        client.search("Moscow")
    assert client.requests_made == 3 and sleeps == [0.5, 1.0]
    assert not list((tmp_path / "cache").glob("*.json")), "failures are never cached"


def test_client_errors_are_not_retried(client: WikidataClient, server: ReplayServer) -> None:
    server.fail_next(Fault(status=403))
    with pytest.raises(WikidataUnavailable, match="HTTP 403"):
        client.search("Moscow")
    assert client.requests_made == 1


def test_unreachable_host_raises_unavailable(tmp_path: Path, sleeps: Sleeps) -> None:
    # Port 9 (discard) on localhost: nothing listens there, the connection is refused.
    client = WikidataClient(
        "http://127.0.0.1:9/w/api.php", cache_dir=tmp_path, sleep=sleeps, max_retries=1
    )
    with pytest.raises(WikidataUnavailable):
        client.search("Moscow")
    assert client.requests_made == 2


@pytest.mark.parametrize(
    "fault",
    [
        Fault(body=b"<html>Service temporarily unavailable</html>"),
        Fault(body=b'{"searchinfo": {"search": "Moscow"}, "success": 1}'),  # no "search" key
        Fault(body=b'{"error": {"code": "badvalue", "info": "Unrecognized value"}}'),
    ],
    ids=["not-json", "missing-key", "api-error"],
)
def test_malformed_answer_raises_and_is_not_cached(
    client: WikidataClient, server: ReplayServer, tmp_path: Path, fault: Fault
) -> None:
    server.fail_next(fault)
    with pytest.raises(WikidataResponseError):
        client.search("Moscow")
    assert client.requests_made == 1, "a malformed answer is not retried"
    # The next call asks again (nothing was cached) and gets the real answer.
    assert [h.id for h in client.search("Moscow")] == ["Q649"]
    assert client.requests_made == 2


def test_maxlag_is_retried_after_the_advised_pause(
    client: WikidataClient, server: ReplayServer, sleeps
) -> None:
    lagged = b'{"error": {"code": "maxlag", "info": "Waiting for a database server: 6 s"}}'
    server.fail_next(Fault(body=lagged, headers=(("Retry-After", "5"),)))
    assert [h.id for h in client.search("Moscow")] == ["Q649"]
    assert sleeps == [5.0]


# -- pure parts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "precision", "earliest", "latest"),
    [
        ("+1878-12-18T00:00:00Z", 11, date(1878, 12, 18), date(1878, 12, 18)),
        ("+1950-02-00T00:00:00Z", 10, date(1950, 2, 1), date(1950, 2, 28)),
        ("+1893-00-00T00:00:00Z", 9, date(1893, 1, 1), date(1893, 12, 31)),
        ("-0551-00-00T00:00:00Z", 9, None, None),  # BCE: outside datetime.date
    ],
)
def test_parse_time_bounds(time: str, precision: int, earliest, latest) -> None:
    value = parse_time({"time": time, "precision": precision})
    assert value is not None
    assert (value.earliest, value.latest) == (earliest, latest)


def test_parse_entities_reads_the_fixture_format() -> None:
    data = json.loads((FIXTURES / "entities.json").read_text(encoding="utf-8"))
    data["entities"]["Q1"] = {"id": "Q1", "missing": ""}
    facts = parse_entities(data)
    assert "Q1" not in facts
    stalin = facts["Q855"]
    assert stalin.label == "Joseph Stalin" and "Stalin" in stalin.aliases
    assert stalin.instance_of == ("Q5",)
    assert stalin.birth and stalin.birth.year == 1878 and stalin.birth.precision == 11
    assert stalin.death and stalin.death.year == 1953
    assert stalin.related == ("Q15180",)
    assert facts["Q649"].coordinates == pytest.approx((55.7558, 37.6173))


def test_place_recognised_by_coordinates_alone() -> None:
    data = json.loads((FIXTURES / "entities.json").read_text(encoding="utf-8"))
    moscow = replace(parse_entities(data)["Q649"], instance_of=())  # classes unknown to us
    hits = [SearchHit("Q649", "Moscow")]
    decision = reconcile("Moscow", "place", {"Q649": moscow}, hits, document_date=None)
    assert decision.qid == "Q649"
    assert dict(decision.features)["type_fit"] < 1.0
    person = reconcile("Moscow", "person", {"Q649": moscow}, hits, document_date=None)
    assert person.qid is None


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError):
        reconcile("x", "ship", {}, [], document_date=None)  # type: ignore[arg-type]
