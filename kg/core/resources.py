"""Where the files the code reads at run time are: ontology, named queries, authority files,
the server's static files and templates.

The design card keeps `ontology/`, `queries/` and `data/` beside `kg/` in the repository. The
wheel maps them into the package (pyproject's `package-dir`: `kg.ontology` is `ontology/`, and
so on), so an installed wheel has `site-packages/kg/ontology/`. One rule finds both layouts:
the folder inside the package when it is there (an installed wheel), else the folder beside the
package (a checkout, or an editable install, whose `kg` is the checkout's own folder).

Plain `Path`s rather than `importlib.resources` traversables: pip always unpacks a wheel onto
the disk, and the readers (pyoxigraph, rdflib, csv, spaCy's entity ruler) want file paths.
This module imports nothing from the project, so every layer may read it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "ONTOLOGY_DIR", "QUERIES_DIR", "STATIC_DIR", "TEMPLATES_DIR",
           "ResourceMissing", "resource_dir"]

PACKAGE_DIR = Path(__file__).resolve().parents[1]


class ResourceMissing(FileNotFoundError):
    """A folder the package needs is in neither place: a broken install."""


def resource_dir(name: str) -> Path:
    """The top-level folder `name` (ontology, queries, data), installed or in a checkout."""
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise ResourceMissing(
        f"archive-kg's '{name}' folder is missing (looked in {PACKAGE_DIR / name} and "
        f"{PACKAGE_DIR.parent / name}); reinstall archive-kg")


def _lazy(name: str) -> Path:
    # a constant at import time must not fail the import of every module: a missing folder
    # is reported when it is read, with the path looked at (Path of the installed location)
    try:
        return resource_dir(name)
    except ResourceMissing:
        return PACKAGE_DIR / name


ONTOLOGY_DIR = _lazy("ontology")
QUERIES_DIR = _lazy("queries")
DATA_DIR = _lazy("data")
# the server's own files live in its package in every layout
STATIC_DIR = PACKAGE_DIR / "serve" / "static"
TEMPLATES_DIR = PACKAGE_DIR / "serve" / "templates"
