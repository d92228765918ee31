"""Link people, places and organisations to Wikidata: offline by default, online when asked,
every link explained.

Offline (the default) the graph's Wikidata links are the authority files' verified ids (the
RDF mapping writes them into the authority graph) and the curators' accepted ids (the
corrections graph, `kg.rdf.corrections`). Nothing in this package opens a socket unless
`online` is true (``kg link --online``, or ``KG_WIKIDATA_ONLINE=1``).

One job per module: `survey` reads what the store knows about links; `online` looks the
unlinked entities up and writes ``{base}graph/links-online`` (its statements are
`kg.rdf.links`'); `review` lists what a curator should look at; `command` is what ``kg link``
runs, returning a typed `LinkOutcome`, which the command line (`kg.cli.link_output`)
presents.
"""

from kg.link.command import LinkOutcome, apply_corrections, run_link_command
from kg.link.online import (
    DEFAULT_THRESHOLD,
    ENV_ONLINE,
    ENV_USER_AGENT,
    LinkError,
    LinkReport,
    link_store,
    make_client,
    online_from_env,
)
from kg.link.review import REVIEW_SCORE, ReviewCandidate, ReviewItem, review
from kg.link.survey import LinkAttempt
from kg.rdf.links import ONLINE_METHOD, decision_quads

__all__ = [
    "DEFAULT_THRESHOLD",
    "ENV_ONLINE",
    "ENV_USER_AGENT",
    "ONLINE_METHOD",
    "REVIEW_SCORE",
    "LinkAttempt",
    "LinkError",
    "LinkOutcome",
    "LinkReport",
    "ReviewCandidate",
    "ReviewItem",
    "apply_corrections",
    "decision_quads",
    "link_store",
    "make_client",
    "online_from_env",
    "review",
    "run_link_command",
]
