"""Fill Wikidata ids of the authority's people from Wikidata-derived reference data, only where
the match is certain; never guess.

    python tools/verify_wikidata.py ../shared  # rewrites data/people.tsv in place

An id is taken when exactly one reference entity carries one of the person's names (canonical
name or variant, compared case-, accent- and punctuation-insensitively) and, for the FB15k
list, its description says it is a person of public life (politician, diplomat, officer, ...).
Sources, in order (`wikidata_source` column): `gold-aliases` (the hand-checked alias tables,
whose ids were verified against Wikidata-derived lists) and `fb15k` (labels, aliases and
descriptions published with the FB15k benchmark). An id already used by another row is never
taken twice; rows that have an id keep it. Not run by tests or make: its output is committed.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from kg.core.text import fold

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = ROOT / "data" / "people.tsv"
PUBLIC_LIFE = ("politician", "diplomat", "statesman", "leader", "general", "marshal", "officer",
               "military", "minister", "president", "revolutionary", "communist", "ambassador",
               "prime minister", "premier", "dictator", "monarch", "king", "emperor", "shah",
               "secretary", "chancellor", "activist", "admiral", "commander", "head of state",
               "spy", "intelligence", "journalist", "economist", "physicist", "scientist")


def alias_table_ids(shared: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name in ("aliases.tsv", "titles.aliases.tsv"):
        path = shared / "gold" / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            qid = parts[1].strip() if len(parts) > 1 else ""
            if not qid:
                continue
            forms = [parts[0]] + (parts[2].split("|") if len(parts) > 2 and parts[2] else [])
            for form in forms:
                out.setdefault(fold(form), set()).add(qid)
    return out


def fb15k_ids(shared: Path) -> dict[str, set[str]]:
    path = shared / "data" / "wikidata-fb15k-entities.json"
    out: dict[str, set[str]] = {}
    if not path.exists():
        return out
    for entity in json.loads(path.read_text(encoding="utf-8")).values():
        description = (entity.get("description") or "").lower()
        qid = entity.get("wikidata_id")
        if not qid or not any(word in description for word in PUBLIC_LIFE):
            continue
        for form in [entity.get("label") or "", *(entity.get("alternatives") or [])]:
            if form:
                out.setdefault(fold(form), set()).add(qid)
    return out


def candidates(row: dict[str, str], table: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    for form in [row["name"], *[v for v in row["variants"].split("|") if v]]:
        found |= table.get(fold(form), set())
    return found


def main(shared: Path) -> int:
    with PEOPLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    used = {r["wikidata"] for r in rows if r["wikidata"]}
    added = 0
    for source, table in (("gold-aliases", alias_table_ids(shared)), ("fb15k", fb15k_ids(shared))):
        for row in rows:
            if row["wikidata"]:
                continue
            ids = candidates(row, table)
            if len(ids) == 1 and (qid := next(iter(ids))) not in used:
                row["wikidata"], row["wikidata_source"] = qid, source
                used.add(qid)
                added += 1
    # written beside and then moved over, so that a failure leaves the file as it was
    tmp = PEOPLE.with_suffix(".tsv.tmp")
    lines = ["\t".join(fields)] + ["\t".join(row.get(f) or "" for f in fields) for row in rows]
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(PEOPLE)
    print(f"{added} Wikidata ids added; {sum(1 for r in rows if not r['wikidata'])} rows "
          "still without one", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared")))
