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

One module per job: `model` (records and errors), `answers` (reading the API's JSON),
`client` (the HTTP client and its cache), `reconcile` (the decision, and `link_online`).
"""

from kg.resolve.wikidata.answers import parse_entities, parse_search, parse_time
from kg.resolve.wikidata.client import (
    DEFAULT_API_URL,
    PROJECT_NAME,
    PROJECT_VERSION,
    USER_AGENT,
    WikidataClient,
)
from kg.resolve.wikidata.model import (
    Candidate,
    EntityFacts,
    Kind,
    LinkDecision,
    SearchHit,
    TimeValue,
    WikidataError,
    WikidataResponseError,
    WikidataUnavailable,
)
from kg.resolve.wikidata.reconcile import (
    HUMAN,
    ORGANIZATION_CLASSES,
    PLACE_CLASSES,
    WEIGHTS,
    date_fit,
    link_online,
    name_similarity,
    reconcile,
    type_fit,
)

__all__ = [
    "HUMAN",
    "Kind",
    "WEIGHTS",
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
    "link_online",
    "name_similarity",
    "parse_entities",
    "parse_search",
    "parse_time",
    "reconcile",
    "type_fit",
]
