"""What the commands print: one set of output options and one printer for rows.

Every command that prints rows takes `--format table|json|csv|tsv` and `--nl` (one JSON object
per line); `--json` is `--format json` and `text` is `table`, the names older versions used.
A command hands `Output.emit` its rows as dicts; the table view may be the command's own
report (`kg validate`'s problem lines, `kg evaluate`'s scores), and the JSON view a document
richer than the rows (`kg evaluate`, `kg link`); CSV, TSV and `--nl` are always the rows.
SPARQL results keep the W3C result formats pyoxigraph writes.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click
import pyoxigraph as ox

from kg.core.formats import RESULTS_FORMATS

FORMATS = ("table", "json", "csv", "tsv")
ALIASES = {"text": "table"}  # `kg evaluate --format text` of old
TABLE_CELL = 60  # characters a table cell shows, except the last column's


@dataclass(frozen=True)
class Output:
    """The output format a command was asked for: table, json, nl, csv or tsv."""

    format: str

    def emit(self, rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None, *,
             text: str | None = None, document: Any = None) -> None:
        """Print `rows` (dicts) in the chosen format. `text`: the table view when the command
        has its own; `document`: what `--format json` prints when it is not the rows."""
        click.echo(render(list(rows), self.format, columns, text=text, document=document),
                   nl=False)

    @property
    def structured(self) -> bool:
        """True when standard output is for a program (anything but the table)."""
        return self.format != "table"


def output_options(f: Callable | None = None, *, piped: str = "table") -> Callable:
    """Add `--format`, `--json` and `--nl` to a command; it receives `output: Output`.

    `piped` is the format when none is asked for and standard output is not a terminal
    (`kg query` writes TSV into pipes); on a terminal it is the table."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapper(*args: Any, fmt: str | None, as_json: bool, nl: bool, **kwargs: Any):
            return f(*args, output=_choose(fmt, as_json, nl, piped), **kwargs)

        default = "table" if piped == "table" else f"table on a terminal, else {piped}"
        for option in reversed((  # reversed: click lists the last applied first
            click.option("--format", "fmt", default=None,
                         type=click.Choice(FORMATS + tuple(ALIASES), case_sensitive=False),
                         help=f"Output format (default: {default}; text is table)."),
            click.option("--json", "as_json", is_flag=True, help="Same as --format json."),
            click.option("--nl", is_flag=True,
                         help="Newline-delimited JSON: one object per row."),
        )):
            wrapper = option(wrapper)
        return wrapper

    return decorate(f) if f is not None else decorate


def _choose(fmt: str | None, as_json: bool, nl: bool, piped: str) -> Output:
    fmt = ALIASES.get(fmt.lower(), fmt.lower()) if fmt else None
    asked = {name for name, given in (("--json", as_json), ("--nl", nl)) if given}
    if fmt and asked - ({"--json", "--nl"} if fmt == "json" else set()):
        raise click.UsageError(f"{' and '.join(sorted(asked))} and --format {fmt} disagree")
    if nl:
        return Output("nl")
    if as_json:
        return Output("json")
    return Output(fmt or ("table" if sys.stdout.isatty() else piped))


def render(rows: list[Mapping[str, Any]], fmt: str, columns: Sequence[str] | None = None, *,
           text: str | None = None, document: Any = None) -> str:
    """The one row printer (see `Output.emit`)."""
    if fmt == "nl":
        return "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in rows)
    if fmt == "json":
        return json.dumps(rows if document is None else document, indent=2,
                          ensure_ascii=False) + "\n"
    if fmt == "table" and text is not None:
        return text if not text or text.endswith("\n") else text + "\n"
    columns = list(columns) if columns is not None else _columns(rows)
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    if fmt in ("csv", "tsv"):
        return delimited(columns, cells, "," if fmt == "csv" else "\t")
    return table(columns, cells)


def _columns(rows: list[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def cell(value: Any) -> str:
    """A value as one table or CSV cell: nothing for None, lists joined, structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned under a header; cells past `TABLE_CELL` characters are cut with "…",
    except in the last column, which has nothing to its right to push."""
    last = len(headers) - 1
    cut = [[c if i == last or len(c) <= TABLE_CELL else c[:TABLE_CELL - 1] + "…"
            for i, c in enumerate(r)] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cut]) if i < last else len(h)
              for i, h in enumerate(headers)]
    out = io.StringIO()
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in cut:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
    return out.getvalue()


def delimited(headers: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return out.getvalue()


# -- SPARQL results ------------------------------------------------------------------------------

def emit_results(results: Any, output: Output) -> None:
    """Print what a SPARQL query returned. SELECT: the W3C JSON, CSV and TSV result formats,
    or the rows (table, `--nl`); ASK: true or false; CONSTRUCT and DESCRIBE: Turtle in the
    table view, else N-Triples (one triple a line)."""
    if isinstance(results, ox.QueryBoolean):
        click.echo("true" if bool(results) else "false")
        return
    if isinstance(results, ox.QueryTriples):
        buf = io.BytesIO()
        results.serialize(buf, ox.RdfFormat.TURTLE if output.format == "table"
                          else ox.RdfFormat.N_TRIPLES)
        click.echo(buf.getvalue().decode("utf-8"), nl=False)
        return
    if output.format in ("json", "csv", "tsv"):
        buf = io.BytesIO()
        results.serialize(buf, RESULTS_FORMATS[output.format])
        click.echo(buf.getvalue().decode("utf-8"), nl=False)
        return
    names = [v.value for v in results.variables]
    rows = [{n: (sol[n].value if sol[n] is not None else None) for n in names}
            for sol in results]
    text = None
    if output.format == "table":
        text = render(rows, "table", names) + f"({len(rows)} rows)\n"
    output.emit(rows, names, text=text)
