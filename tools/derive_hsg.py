"""Derive data/people-hsg.tsv from the US Office of the Historian's authority data.

Reads the two snapshots in ../shared/data/historyatstate (people.tar.gz: people named in FRUS,
with variant spellings, birth/death years and VIAF ids; pocom.tar.gz: US chiefs of mission and
principal officers with their posts and dates) and writes one row per person relevant to the
Cold War archive (a FRUS volume, a post or a life overlapping 1940-1991). A person who is
already in data/people.tsv (a shared name form, and no contradicting birth/death year) gets a row
whose `same_as` names that id: the loader merges it into the curated entry instead of adding a
second person. Other people enter only with a birth or death year or a dated post, so that the
document's date can be checked against their lives. Not run by tests or make; the derived TSV is committed.

Usage: python3 tools/derive_hsg.py [/path/to/historyatstate] > data/people-hsg.tsv
"""

from __future__ import annotations

import csv
import re
import sys
import tarfile
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SRC = REPO.parent / "shared" / "data" / "historyatstate"
ERA = (1940, 1991)  # documents of the archive
COLUMNS = ["id", "name", "same_as", "wikidata", "wikidata_source", "variants", "born", "died",
           "nationality", "posts", "viaf", "hsg_id", "pocom_id", "source", "note"]
# Territory ids of pocom that name a place of data/places.tsv differently.
TERRITORY = {"russia": "soviet-union", "german-democratic-republic": "east-germany",
             "south-vietnam-1975": "south-vietnam", "state-of-vietnam-1955": "south-vietnam",
             "socialist-federal-republic-of-yugoslavia-1992": "yugoslavia",
             "yugoslavia-1946": "yugoslavia", "czechoslovakia-1993": "czechoslovakia",
             "albania-1946": "albania", "korea": "south-korea", "burma": "myanmar"}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def clean(name: str) -> str:
    name = name.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    name = re.sub(r"\s+", " ", name).strip(" ;:")
    # a final full stop ends the sentence it was copied from, unless it closes an initial
    return name if re.search(r"\b[A-Z]\.$", name) else name.rstrip(" .")


_SUFFIX = re.compile(r",?\s+\b(?:Jr|Sr|II|III|IV)\b\.?", re.I)


def expand(form: str) -> list[str]:
    """The name forms a written form stands for: "Mansfield, Michael Joseph (Mike)" ->
    "Mansfield, Michael Joseph", "Mansfield, Mike"; "Chou En-lai (Zhou Enlai)" -> both names;
    a generational suffix is dropped ("Carter, James Earl, Jr."). Single words ("Mike", "Jr")
    are never names of their own."""
    form = clean(_SUFFIX.sub("", clean(form)))
    out = []
    m = re.match(r"^(.*?)\s*\(([^()]+)\)\s*(.*)$", form)
    if m:
        outer = clean(f"{m.group(1)} {m.group(3)}")
        inner = clean(m.group(2))
        out.append(outer)
        if len(inner.split()) >= 2:
            out.append(inner)
        elif outer.count(",") == 1:
            out.append(f"{outer.split(',')[0]}, {inner}")
    else:
        out.append(form)
    # "Japan, The Emperor of" is a title, not a name
    return [f for f in out if len(re.findall(r"[^\W\d_]{2,}", f)) >= 2
            and not re.search(r"\b(?:of|the|The)\b", f)]


def given_first(name: str) -> str:
    """"Gromyko, Andrei A." -> "Andrei A. Gromyko"; other forms unchanged."""
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if last and first and not re.search(r"\b(?:Jr|Sr|II|III)\b", first):
            return f"{first} {last}"
    return name


def text(el, path: str) -> str:
    found = el.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def year(value: str) -> int | None:
    m = re.match(r"(\d{4})", value or "")
    return int(m.group(1)) if m else None


def volume_years(url: str) -> tuple[int, int] | None:
    m = re.search(r"/frus(\d{4})(?:-(\d{2,4}))?", url)
    if not m:
        return None
    start = int(m.group(1))
    end = m.group(2)
    if end is None:
        return start, start
    end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    return start, max(start, end_year)


def read_people(tar: tarfile.TarFile) -> list[dict]:
    out = []
    for member in tar:
        if not member.name.endswith(".xml") or "/data/" not in member.name:
            continue
        root = ET.parse(tar.extractfile(member)).getroot()
        titles = {clean(n.text or "") for t in root.iter("title") for n in t.findall("name")}
        titles.discard("")
        forms = [text(root, "names/preferred/name")]
        forms += [(n.text or "") for n in root.findall("names/alternates/name")]
        for orig in root.findall("names/originals/original/name"):
            form = orig.text or ""
            if any(t in form for t in titles):
                continue  # "Dennis, Lieutenant Commander Lloyd": the title is not a name
            forms.append(form)
        urls = [u.text or "" for u in root.iter("source-url")]
        spans = [s for s in map(volume_years, urls) if s]
        pocom = next((u.rsplit("/", 1)[-1] for u in urls if "/departmenthistory/people/" in u),
                     None)
        remark = next((clean(p.text or "") for p in root.iter("p") if p.text), "")
        out.append({
            "hsg_id": text(root, "id"), "forms": [x for f in forms for x in expand(f)],
            "born": year(text(root, "birth-year")), "died": year(text(root, "death-year")),
            "viaf": text(root, "authorities/authority[@service='viaf']"),
            "spans": spans, "pocom_id": pocom, "remark": remark,
        })
    return out


def read_pocom(tar: tarfile.TarFile) -> tuple[dict, dict]:
    """pocom people by id, and their posts (label, place id, start, end) by person id."""
    people, roles, posts = {}, {}, defaultdict(list)
    missions = []
    for member in tar:
        if not member.name.endswith(".xml"):
            continue
        parts = member.name.split("/")
        if len(parts) < 3:
            continue
        root = ET.parse(tar.extractfile(member)).getroot()
        folder = parts[-2] if parts[-2] not in "abcdefghijklmnopqrstuvwxyz" else parts[-3]
        if folder == "people":
            people[text(root, "id")] = {
                "surname": text(root, "persName/surname"),
                "forename": text(root, "persName/forename"),
                "alt": [a.text or "" for a in root.findall("persName/altname")],
                "born": year(text(root, "birth")), "died": year(text(root, "death")),
            }
        elif folder in ("roles-country-chiefs",):
            roles[text(root, "id")] = text(root, "names/singular")
        elif folder == "positions-principals":
            roles[text(root, "id")] = text(root, "names/singular")
            missions.append(("principal", root))
        elif folder in ("missions-countries", "missions-orgs"):
            missions.append((folder, root))
    places = {r["id"] for r in csv.DictReader(
        (REPO / "data" / "places.tsv").open(encoding="utf-8"), delimiter="\t",
        quoting=csv.QUOTE_NONE)}
    for kind, root in missions:
        where_label = text(root, "territory-id") or text(root, "id")
        for chief in root.iter("chief") if kind != "principal" else root.iter("principal"):
            pid = text(chief, "person-id")
            role = roles.get(text(chief, "role-title-id"), "") or text(root, "names/singular")
            start = year(text(chief, "started/date")) or year(text(chief, "appointed/date"))
            end = year(text(chief, "ended/date"))
            if not pid or not role:
                continue
            if kind == "principal":
                label, where = role, "united-states"
            elif kind == "missions-orgs":
                label, where = f"US {text(root, 'names/singular')}", None
            else:
                territory = text(chief, "contemporary-territory-id") or where_label
                place = TERRITORY.get(territory, territory)
                country = re.sub(r"-\d{4}$", "", territory).replace("-", " ").title()
                label = f"US {role} to {country}"
                where = place if place in places else None
            posts[pid].append((label, where, start, end))
    return people, posts


def in_era(born, died, spans, posts) -> bool:
    lo, hi = ERA
    if any(s <= hi and e >= lo for s, e in spans):
        return True
    if any((s or e or 0) and (s or e) <= hi and (e or s or hi) >= lo for _, _, s, e in posts):
        return True
    return bool(born and born <= hi - 20 and (died or hi) >= lo and born >= 1860)


def curated_index() -> dict[str, list[dict]]:
    rows = list(csv.DictReader((REPO / "data" / "people.tsv").open(encoding="utf-8"),
                               delimiter="\t", quoting=csv.QUOTE_NONE))
    index = defaultdict(list)
    for r in rows:
        for form in [r["name"], *r["variants"].split("|")]:
            if form.strip():
                index[fold(given_first(form))].append(r)
    return index


def same_person(forms: list[str], born, died, index) -> str | None:
    hits = {}
    for form in forms:
        for r in index.get(fold(given_first(form)), []):
            hits[r["id"]] = r
    ok = [r for r in hits.values()
          if not (born and r["born"] and abs(int(r["born"]) - born) > 1)
          and not (died and r["died"] and abs(int(r["died"]) - died) > 1)]
    return ok[0]["id"] if len(ok) == 1 else None


def posts_cell(posts) -> str:
    return "|".join(f"{label}@{where or ''}@{s or ''}-{e or ''}" for label, where, s, e in
                    sorted(posts, key=lambda p: (p[2] or 0, p[0])))


class Writer:
    """TSV without quoting, as the loader reads it: cells never hold tabs or line breaks."""

    def writerow(self, cells: list) -> None:
        sys.stdout.write("\t".join(re.sub(r"[\t\r\n]+", " ", str(c)) for c in cells) + "\n")


def main(src: Path) -> None:
    with tarfile.open(src / "people.tar.gz") as tar:
        people = read_people(tar)
    with tarfile.open(src / "pocom.tar.gz") as tar:
        pocom_people, posts = read_pocom(tar)
    index = curated_index()
    taken = set()
    for name in ("people.tsv", "places.tsv", "organizations.tsv", "topics.tsv"):
        taken |= {r["id"] for r in csv.DictReader((REPO / "data" / name).open(encoding="utf-8"),
                                                  delimiter="\t", quoting=csv.QUOTE_NONE)}
    seen_pocom = set()
    rows = []
    for p in people:
        pid = p["pocom_id"]
        pc = pocom_people.get(pid or "")
        if pc:
            seen_pocom.add(pid)
            p["forms"] += expand(f"{pc['surname']}, {pc['forename']}")
            p["forms"] += [x for a in pc["alt"] for x in expand(a)]
            p["born"] = p["born"] or pc["born"]
            p["died"] = p["died"] or pc["died"]
        rows.append((p, posts.get(pid or "", [])))
    # a chief of mission whose FRUS record does not cite the pocom page: the same person when a
    # name form and the birth year agree
    by_form = defaultdict(list)
    for p, _ in rows:
        for form in p["forms"]:
            by_form[(fold(given_first(form)), p["born"])].append(p)
    for pid, pc in pocom_people.items():
        if pid in seen_pocom:
            continue
        forms = expand(f"{pc['surname']}, {pc['forename']}") + [
            x for a in pc["alt"] for x in expand(a)]
        same = {id(p): p for f in forms for p in by_form.get((fold(given_first(f)), pc["born"]), [])
                if pc["born"]}
        if len(same) == 1:
            p = next(iter(same.values()))
            p["forms"] += forms
            p["died"] = p["died"] or pc["died"]
            p["pocom_id"] = pid
            idx = next(i for i, (q, _) in enumerate(rows) if q is p)
            rows[idx] = (p, rows[idx][1] + posts.get(pid, []))
            continue
        rows.append(({"hsg_id": "", "forms": forms, "born": pc["born"], "died": pc["died"],
                      "viaf": "", "spans": [], "pocom_id": pid, "remark": ""}, posts.get(pid, [])))
    out = Writer()
    out.writerow(COLUMNS)
    for p, ps in rows:
        if not in_era(p["born"], p["died"], p["spans"], ps):
            continue
        forms = list(dict.fromkeys(f.replace("\t", " ").replace("|", " ") for f in p["forms"]))
        forms = [f for f in forms if re.search(r"[A-Za-z]{2}", f)]
        if not forms:
            continue
        name = given_first(forms[0])
        variants = [f for f in dict.fromkeys([forms[0], *forms[1:]]) if f != name]
        same_as = same_person(forms, p["born"], p["died"], index) or ""
        if not same_as and not (p["born"] or p["died"] or any(s or e for _, _, s, e in ps)):
            # a person the document's date cannot be checked against: left out, which also
            # keeps the entity ruler's pattern count (and the pipeline's build time) down
            continue
        key = slug(name)
        if not key:
            continue
        if key in taken:
            key = f"{key}-hsg{p['hsg_id'] or slug(p['pocom_id'] or '')}"
        if key in taken:
            continue
        taken.add(key)
        note = p["remark"][:160].replace("\t", " ")
        source = "hsg-people" + ("+pocom" if p["pocom_id"] else "") if p["hsg_id"] else "pocom"
        out.writerow([key, name, same_as, "", "", "|".join(variants), p["born"] or "",
                      p["died"] or "", "", posts_cell(ps), p["viaf"], p["hsg_id"],
                      p["pocom_id"] or "", source, note])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SRC)
