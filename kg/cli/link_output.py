"""``kg link``'s output: a `LinkOutcome` as the text report, the JSON document or the rows
it prints. The library (`kg.link.command`, `.online`, `.review`) returns typed records and
never formats; presenting them is the command line's job.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from kg.link.command import LinkOutcome
from kg.link.online import ENV_ONLINE, LinkReport
from kg.link.survey import LinkAttempt
from kg.resolve.corrections import AcceptLink

__all__ = ["FORMATS", "outcome_json", "outcome_rows", "outcome_table", "render",
           "report_summary"]

FORMATS = ("table", "json")


def render(outcome: LinkOutcome, fmt: str = "table") -> str:
    """The text ``kg link --format FMT`` prints; ValueError for an unknown format."""
    if fmt == "json":
        return json.dumps(outcome_json(outcome), indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return (f"note: {outcome.carried}\n" if outcome.carried else "") + outcome_table(outcome)
    raise ValueError(f"unknown output format {fmt!r} ({' or '.join(FORMATS)})")


def outcome_rows(document: dict[str, Any], review: bool) -> list[dict[str, Any]]:
    """The rows of an outcome's JSON document: the review items when a review was asked for,
    else the entities still without a link."""
    return document["review"] if review else document["unlinked"]


def report_summary(report: LinkReport) -> str:
    """One or two sentences: how many entities are linked, by source; what online did."""
    linked = sum(report.linked.values())
    by = ", ".join(f"{k} {v}" for k, v in sorted(report.linked.items()) if v)
    lines = [f"Wikidata links: {linked} of {report.entities} entities linked"
             + (f" ({by})" if by else "") + f"; {report.unlinked} without a link."]
    if report.online:
        lines.append(f"Online: {len(report.attempts)} looked up: {len(report.matched)} matched, "
                     f"{len(report.nil)} NIL ({report.requests} request(s), {report.cache_hits} "
                     f"answer(s) from the cache).")
    elif report.attempts:
        lines.append(f"Offline: {len(report.attempts)} entities have no authority or curated "
                     f"link; `kg link --online` (or {ENV_ONLINE}=1) looks them up on "
                     f"Wikidata, sending requests to its API.")
    return "\n".join(lines)


def outcome_json(outcome: LinkOutcome) -> dict[str, Any]:
    """The outcome as plain JSON data."""
    report = outcome.report

    def decision(a: LinkAttempt) -> dict[str, Any]:
        d = a.decision
        out: dict[str, Any] = {
            "entity": a.entity, "ref": a.ref, "label": a.label, "kind": a.kind,
            "document_date": a.document_date.isoformat() if a.document_date else None,
            "context": list(a.context)}
        if d is not None:
            out.update(wikidata=d.qid, match=d.match, score=d.score,
                       features=dict(d.features),
                       candidates=[{"wikidata": c.id, "label": c.label, "score": c.score,
                                    "rejected": c.rejected_reason} for c in d.candidates])
        return out

    return {
        "online": report.online,
        "entities": report.entities,
        "linked": report.linked,
        "unlinked": [decision(a) for a in report.attempts],
        "requests": report.requests,
        "cache_hits": report.cache_hits,
        "written": report.written,
        "corrections": {"file": str(outcome.corrections_file), "added": [
            {"op": "accept" if isinstance(c, AcceptLink) else "reject", "entity": str(c.entity),
             "wikidata": c.wikidata} for c in outcome.added]},
        "review": [{**asdict(i), "suggestion": i.suggestion} for i in outcome.review or ()],
    }


def outcome_table(outcome: LinkOutcome) -> str:
    """The outcome as lines of text for a terminal."""
    report = outcome.report
    lines = []
    for c in outcome.added:
        verb = "accepted" if isinstance(c, AcceptLink) else "rejected"
        lines.append(f"{verb} {c.entity} = {c.wikidata} (written to {outcome.corrections_file})")
    lines.append(report_summary(report))
    if report.online:
        for a in report.matched:
            assert a.decision is not None  # matched attempts have a decision
            lines.append(f"  linked  {a.ref} ({a.label}) -> {a.decision.qid} "
                         f"score {a.decision.score:.3f}")
    if outcome.review is not None:
        items = outcome.review
        lines.append("")
        lines.append(f"Review: {len(items)} item(s)" + (":" if items else "."))
        for i in items:
            lines.append(f"- [{i.kind}] {i.ref} ({i.label}) score {i.score:.3f}: {i.reason}")
            for c in i.candidates[:5]:
                feats = ", ".join(f"{k} {v:.2f}" for k, v in c.features)
                lines.append(f"    {c.wikidata} {c.label!r} {c.score:.3f}"
                             + (" MATCH" if c.match else "") + (f" [{feats}]" if feats else "")
                             + (f" ({c.note})" if c.note else ""))
            lines.append(f"    -> {i.suggestion}")
    return "\n".join(lines) + "\n"
