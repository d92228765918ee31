"""Commands that only read a store start without the spaCy pipeline: importing spaCy alone
took over a second of every `kg query`, `kg export` or `kg serve` start. Extraction still
loads it where records are read."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

READERS = ("kg.cli", "kg.api", "kg.query", "kg.export", "kg.validate", "kg.link",
           "kg.serve.app", "kg.serve.processes")


def _modules_after(code: str) -> set[str]:
    """The top-level packages loaded once `code` has run in a fresh interpreter."""
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=ROOT,
                          timeout=120, text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("\n")[-2].split())


def test_reading_modules_do_not_load_spacy() -> None:
    assert "spacy" not in _modules_after("\n".join(f"import {m}" for m in READERS))


def test_a_read_command_does_not_load_spacy(seed_store) -> None:
    code = ("from kg.cli import main\n"
            f"main(['query', '--store', {str(seed_store)!r}, '--format', 'csv', 'people'],"
            " standalone_mode=False)")
    assert "spacy" not in _modules_after(code)


def test_extraction_still_loads_spacy() -> None:
    code = ("from kg.pipeline.extract import local_extractor\n"
            "local_extractor(full_text=False)")
    assert "spacy" in _modules_after(code)
