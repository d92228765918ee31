"""Every `kg:` term written in SPARQL text, inline in the code or in `queries/`, is one the
ontology declares.

Code takes its terms from `kg.rdf.namespace.KG`, which refuses an undeclared one; SPARQL text
names terms as `kg:Name`, which no engine checks: a misspelt term there matches nothing and a
query silently answers with no rows. This test reads every string literal of the package (the
parts of f-strings included) and every named query, and fails naming the file, line and term.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kg.rdf.namespace import ontology_terms

ROOT = Path(__file__).resolve().parents[1]
# a prefixed name of our namespace: `kg:Person`, `kg:inMonth`; not `kg:` inside a longer word
# (an IRI such as `https://...`), nor a CLI option or file name
TERM = re.compile(r"(?<![\w/.-])kg:([A-Za-z_][\w-]*)")


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _sparql_texts() -> list[tuple[str, int, str]]:
    out = [(str(p.relative_to(ROOT)), lineno, text)
           for p in sorted((ROOT / "kg").rglob("*.py")) for lineno, text in _literals(p)]
    for p in sorted((ROOT / "queries").glob("*.rq")):
        for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.lstrip().startswith("#"):
                out.append((str(p.relative_to(ROOT)), lineno, line))
    return out


def test_the_scan_finds_the_terms_it_checks():
    """The scan is not vacuous: it sees inline SPARQL and the named queries."""
    seen = {TERM.findall(text)[0] for _, _, text in _sparql_texts() if TERM.search(text)}
    assert {"Person", "Document", "mentionOf"} <= seen


@pytest.mark.parametrize("where", ["kg", "queries"])
def test_every_kg_term_in_sparql_text_is_declared_by_the_ontology(where):
    declared = ontology_terms()
    undeclared = [f"{path}:{lineno}: kg:{term}"
                  for path, lineno, text in _sparql_texts() if path.startswith(where)
                  for term in TERM.findall(text) if term not in declared]
    assert not undeclared, "terms the ontology does not declare:\n" + "\n".join(undeclared)
