"""Options several commands share, declared once: the store, the corrections file, and the
progress bar that `--quiet` turns off."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg.store import DEFAULT_STORE

STORE_HELP = "Store folder (a kg store) to read or write."


def store_option(f: Callable) -> Callable:
    """`--store PATH`, the same default and help on every command that reads or writes one."""
    return click.option("--store", "store", default=DEFAULT_STORE, show_default=True,
                        type=click.Path(file_okay=False), help=STORE_HELP)(f)


def corrections_option(f: Callable) -> Callable:
    return click.option(
        "--corrections", "corrections_path", default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        help="A historian's corrections file (JSON Lines); default: the one the store names, "
             "else STORE/corrections.jsonl (or KG_CORRECTIONS). A file given here is recorded "
             "in the store, so later commands use it from any folder.")(f)


def quiet_option(f: Callable) -> Callable:
    # --silent was ingest's name for it; scripts that use it keep working
    return click.option("-q", "--quiet", "--silent", "quiet", is_flag=True,
                        help="No progress bar (there is none either when standard error is "
                             "not a terminal).")(f)


class Progress:
    """A progress bar on standard error, fed through the library's progress callbacks.

    Shown only on a terminal and without `--quiet`, so that pipes, logs and tests stay clean;
    when it is off, `callback` is None and the library skips the bookkeeping altogether.
    The library calls it with (step) or (step, total); an unknown total shows a count.
    """

    def __init__(self, label: str, *, quiet: bool) -> None:
        self.label = label
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar: Any = None

    @property
    def callback(self) -> Callable[..., None] | None:
        return self if self.enabled else None

    def __call__(self, step: int = 1, total: int | None = None) -> None:
        if self._bar is None:
            # click needs a length or an iterable; a count without end has no known length
            self._bar = click.progressbar(
                length=total, iterable=None if total is not None else itertools.count(),
                label=self.label, file=sys.stderr, show_pos=True)
        self._bar.update(step)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.render_finish()
