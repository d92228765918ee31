"""HTTP content negotiation: pick the representation an `Accept` header asks for.

One small pure function, so the SPARQL endpoint, the dereferenced IRIs and the pages all
negotiate the same way: the offer with the highest q wins; ties go to the media range the
client listed first, then to the server's own order of preference (the offers' order).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str  # "text/html", "text/*" or "*/*"
    q: float
    order: int  # position in the header

    def matches(self, media_type: str) -> int:
        """How specifically this range matches `media_type`: 3 exact, 2 type/*, 1 */*, 0 not."""
        if self.type == media_type:
            return 3
        major, _, minor = self.type.partition("/")
        if minor == "*" and media_type.split("/", 1)[0] == major:
            return 2
        return 1 if self.type == "*/*" else 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed parts are skipped, not fatal."""
    ranges: list[MediaRange] = []
    for order, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(media, q, order))
    return ranges


def choose(header: str | None, offers: list[str]) -> str | None:
    """The best of `offers` (media types, server preference first) for an Accept header.

    No header (or an empty one) accepts anything: the first offer. None when the header
    accepts none of the offers.
    """
    if not offers:
        return None
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for rank, offer in enumerate(offers):
        # The most specific range that matches decides the offer's q (RFC 9110 12.5.1).
        match = max(ranges, key=lambda r: (r.matches(offer), -r.order), default=None)
        if match is None or match.matches(offer) == 0 or match.q <= 0:
            continue
        # A wildcard match ranks after every explicitly listed type of the same q.
        order = match.order if match.matches(offer) == 3 else len(ranges) + rank
        key = (-match.q, order, rank)
        if best is None or key < best:
            best, chosen = key, offer
    return chosen
