"""The one ingest pipeline: plan -> extract -> resolve -> map -> sink.

    plan.py      key records, keep the most complete copy, skip what the target holds unchanged
    extract.py   records -> entries, here, on local processes or on a Dask cluster
    resolve.py   spans -> entities, then the curators' corrections
    map.py       entries -> named graphs
    sink.py      the `Sink` protocol; local.py, remote.py and shards.py implement it
    upkeep.py    store-wide graphs and removals after the document graphs changed
    run.py       `Pipeline.run`, the loop that drives the stages

It sits above the store (kg.store) and below the API, queries, exports, server and CLI.
"""

from kg.pipeline.report import IngestAborted, IngestReport
from kg.pipeline.run import Pipeline
from kg.pipeline.sink import Outcome, Sink

__all__ = ["Pipeline", "Sink", "Outcome", "IngestReport", "IngestAborted"]
