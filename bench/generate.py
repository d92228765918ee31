"""A seeded generator of realistic catalogue corpora, for benchmarks and robustness tests.

Entries are composed from the authority files (people with their variants and pseudonyms,
places with their demonyms, organisations) and from the title and summary patterns of the
archive's own catalogue ("Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin",
"Memorandum of Conversation between ...", "Soviet Ambassador to China Nikolai Roshchin reports
..."), dated between 1945 and 1991 at day, month or year precision. They are written as listing
pages laid out like the seed pages (page chrome, a result counter, then date line, title line,
summary paragraph, blank lines), 10-50 entries a page, or as a CSV table in the archive's export
format with a long ``text_body`` per row.

Everything streams: entries are generated one at a time and written page by page, so a
100,000-entry corpus never sits in memory. The same seed gives the same corpus, byte for byte.

    python -m bench.generate --entries 10000 --seed 1 --out DIR
    python -m bench.generate --entries 200 --seed 1 --csv export.csv --words 3000
"""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import json
import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kg.core.authority import Authority, AuthorityEntry, load_authority

__all__ = ["GeneratedEntry", "Vocabulary", "generate_entries", "render_page", "write_corpus",
           "write_export_csv", "CorpusInfo"]

FIRST_DAY = date(1945, 1, 1)
LAST_DAY = date(1991, 12, 31)
# Share of entries dated to the day, the month and the year (the rest of the catalogue's
# precisions are rare enough to leave out of a throughput benchmark).
PRECISION_WEIGHTS = (("day", 0.78), ("month", 0.16), ("year", 0.06))
EXPORT_COLUMNS = (
    "document_url", "page_number", "page_number_one_indexed", "page_position",
    "original_publication_date", "title", "credits", "text_body", "summary", "authors",
    "associated_places", "subjects_discussed", "associated_people_orgs",
    "document_contributors", "source", "original_upload_date", "original_archive_title",
    "language", "rights", "record_id", "original_classification", "donors", "scraped_at",
)
_CLASSIFICATIONS = ("Top Secret", "Secret", "Strictly Secret", "Confidential")
_AMBASSADOR_ROLES = ("Ambassador to {country}", "Chargé d'Affaires in {country}",
                     "Envoy to {country}", "Military Attaché in {country}")
_GENERIC_ROLES = ("Premier", "Foreign Minister", "Deputy Foreign Minister", "Defense Minister",
                  "Chairman", "General Secretary", "Marshal")


@dataclass(frozen=True)
class GeneratedEntry:
    """One catalogue entry as a listing page shows it."""

    date_text: str
    title: str
    summary: str

    @property
    def words(self) -> int:
        return len(self.title.split()) + len(self.summary.split())


@dataclass(frozen=True)
class CorpusInfo:
    """What `write_corpus` wrote; also saved as ``manifest.json`` beside the pages."""

    entries: int
    files: int
    words: int
    seed: int

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2) + "\n"


class Vocabulary:
    """Names, places, organisations and topic phrases drawn from the authority files."""

    def __init__(self, authority: Authority):
        self.authority = authority
        people = [e for e in authority.of_kind("person") if len(e.name.split()) >= 2]
        self.people = people
        self.pseudonymous = [e for e in people if e.pseudonyms]
        self.posted = [e for e in people if e.posts and self.demonym(e.nationality)]
        self.countries = [e for e in authority.of_kind("place")
                          if e.type in ("country", "historical-country") and e.demonyms]
        self.cities = [e for e in authority.of_kind("place")
                       if e.type in ("capital", "city", "port")] or self.countries
        self.orgs = authority.of_kind("organization")
        phrases = [k for t in authority.topics.values() for k in t.keywords
                   if len(k) > 6 and "--" not in k]
        self.topics = phrases or ["the international situation"]

    def demonym(self, key: str | None) -> str | None:
        e = self.authority.get(key) if key else None
        return e.demonyms[0] if e and e.demonyms else None

    @staticmethod
    def surname(e: AuthorityEntry) -> str:
        words = e.name.split()
        return words[0] if e.family_name_first else words[-1]

    def name_form(self, rng: random.Random, e: AuthorityEntry, *, short_ok: bool = True) -> str:
        """The full name, a written variant or (in running text) the surname alone."""
        variants = [v for v in e.variants if "," not in v and v[:1].isupper()]
        roll = rng.random()
        if short_ok and roll < 0.3:
            return self.surname(e)
        if variants and roll < 0.5:
            return rng.choice(variants)
        return e.name

    def role_title(self, rng: random.Random, e: AuthorityEntry) -> str:
        """A post the person could be named by: "Soviet Ambassador to China", "Premier"."""
        demonym = self.demonym(e.nationality)
        if demonym and e.posts and rng.random() < 0.5:
            return f"{demonym} {rng.choice(e.posts).label}"
        if demonym and rng.random() < 0.7:
            country = rng.choice(self.countries)
            if country.key != e.nationality:
                return f"{demonym} " + rng.choice(_AMBASSADOR_ROLES).format(country=country.name)
        return rng.choice(_GENERIC_ROLES)

    def role_phrase(self, rng: random.Random, e: AuthorityEntry) -> str:
        """"Soviet Ambassador to China Nikolai Roshchin" and other ways titles name a post."""
        return f"{self.role_title(rng, e)} {e.name}"

    def org_form(self, rng: random.Random, e: AuthorityEntry) -> str:
        short = [v for v in e.variants if v[:1].isupper() and len(v) <= 40]
        return rng.choice(short) if short and rng.random() < 0.5 else e.name


def _random_date(rng: random.Random) -> tuple[str, date]:
    span = (LAST_DAY - FIRST_DAY).days
    d = FIRST_DAY + timedelta(days=rng.randrange(span + 1))
    roll, acc = rng.random(), 0.0
    precision = "day"
    for name, weight in PRECISION_WEIGHTS:
        acc += weight
        if roll < acc:
            precision = name
            break
    month = calendar.month_name[d.month]
    if precision == "day":
        return f"{month} {d.day}, {d.year}", d
    if precision == "month":
        return f"{month} {d.year}", d
    return str(d.year), d


def _title(rng: random.Random, v: Vocabulary, when: date) -> tuple[str, list[AuthorityEntry]]:
    """A title in one of the catalogue's half-structured patterns, and the people it names."""
    a, b, c = rng.sample(v.people, 3)
    n = rng.randrange(100, 30000)
    kind = rng.randrange(14)
    if kind == 0:
        title = f"Ciphered Telegram No. {n}, {v.name_form(rng, a)} to {v.name_form(rng, b)} " \
                f"via {v.name_form(rng, c)}"
        return title, [a, b, c]
    if kind == 1:
        return f"Ciphered Telegram No. {n}, {v.name_form(rng, a)} to {v.role_phrase(rng, b)}", \
            [a, b]
    if kind == 2 and v.pseudonymous:
        p = rng.choice(v.pseudonymous)
        pseudonym = rng.choice(p.pseudonyms)
        if rng.random() < 0.5:
            return f"Cable, {v.surname(p)} [{pseudonym}] to {b.name} [via {v.surname(c)}]", \
                [p, b, c]
        return f"Ciphered telegram, {pseudonym} [{v.surname(p)}] to {b.name} " \
               f"(via {v.surname(c)})", [p, b, c]
    if kind == 3:
        return f"Memorandum of Conversation between {v.name_form(rng, a)} and " \
               f"{v.name_form(rng, b)}", [a, b]
    if kind == 4:
        return f"Record of Conversation between {v.role_phrase(rng, a)} and " \
               f"{v.role_phrase(rng, b)}", [a, b]
    if kind == 5:
        return f"Letter from {v.name_form(rng, a)} to {v.name_form(rng, b)}", [a, b]
    if kind == 6:
        return f"Letter to {v.name_form(rng, b, short_ok=False)} from " \
               f"{v.name_form(rng, a, short_ok=False)}", [a, b]
    if kind == 7:
        cls = rng.choice(_CLASSIFICATIONS)
        return f"{cls} Memorandum from {a.name} to {b.name}", [a, b]
    if kind == 8:
        org = rng.choice(v.orgs)
        city = rng.choice(v.cities)
        return f"{v.org_form(rng, org)} decision with approved orders to {v.surname(a)} in " \
               f"{city.name}", [a]
    if kind == 9:
        return f"From the Journal of {v.surname(a)}: Top Secret Memorandum of Conversation " \
               f"with {v.role_phrase(rng, b)}", [a, b]
    if kind == 10:
        return f"Telegram from {v.name_form(rng, a)} to {v.name_form(rng, b)} regarding " \
               f"{rng.choice(v.topics)}", [a, b]
    if kind == 11:
        org = rng.choice(v.orgs)
        return f"Report, {v.org_form(rng, org)} on {rng.choice(v.topics)}", []
    if kind == 12:
        month = calendar.month_name[when.month]
        return f"Note from {a.name} to {v.name_form(rng, b)}, {month} {when.year}", [a, b]
    return f"Minutes of Meeting of the {rng.choice(v.orgs).name}", []


def _summary(rng: random.Random, v: Vocabulary, named: list[AuthorityEntry]) -> str:
    """Two to five sentences naming people (by name, surname or post), places and bodies."""
    people = list(named) + rng.sample(v.people, 3)
    sentences = []
    for _ in range(rng.randint(2, 5)):
        a, b, c = rng.sample(people, 3)
        country, other = rng.sample(v.countries, 2)
        city = rng.choice(v.cities)
        topic, topic2 = rng.sample(v.topics, 2)
        org = rng.choice(v.orgs)
        day = f"{rng.randint(1, 28)} {calendar.month_name[rng.randint(1, 12)]}"
        demonym = rng.choice(country.demonyms)
        an, bn, cn = (v.name_form(rng, x) for x in (a, b, c))
        sentences.append(rng.choice((
            f"{an} informs {bn} that {country.name} is prepared to discuss {topic}.",
            f"{an} reports to {bn} on {topic} and the situation in {city.name}.",
            f"In a message to {bn}, {an} describes the negotiations with {cn} on {topic}.",
            f"{v.role_phrase(rng, a)} reports on his conversation with {bn} regarding {topic} "
            f"and {topic2}.",
            f"{an}, {v.role_title(rng, a)}, asks {bn} to "
            f"inform the {v.org_form(rng, org)} that {day} would be the most convenient date.",
            f"{an} and {bn} discuss {topic}, {topic2} and the position of {other.name}.",
            f"The {demonym} delegation intends to visit {city.name} on {day}.",
            f"References are made to {topic} and to relations between {country.name} and "
            f"{other.name}.",
            f"Telegram from {an} to {city.name} advising that they send a representative to "
            f"{other.name}.",
            f"{an} explains the {demonym} position on {topic} and asks for the views of the "
            f"{v.org_form(rng, org)}.",
        )))
    return " ".join(sentences)


def generate_entries(n: int, seed: int, authority: Authority | None = None
                     ) -> Iterator[GeneratedEntry]:
    """`n` distinct entries (no two share date and title, so each is its own document)."""
    rng = random.Random(seed)
    v = Vocabulary(authority or load_authority())
    seen: set[bytes] = set()  # 8-byte digests: a 100k corpus costs a few MB, not the entries
    made = 0
    while made < n:
        date_text, when = _random_date(rng)
        title, named = _title(rng, v, when)
        digest = hashlib.blake2b(f"{date_text}|{title.casefold()}".encode(),
                                 digest_size=8).digest()
        if digest in seen:
            continue
        seen.add(digest)
        made += 1
        yield GeneratedEntry(date_text, title, _summary(rng, v, named))


def render_page(entries: list[GeneratedEntry], first: int, total: int) -> str:
    """One listing page as copied from the archive's search results, chrome included."""
    last = first + len(entries) - 1
    parts = ["Skip to content", "", "Results:", "", f"{first} - {last} of {total}", "",
             "Documents", ""]
    for e in entries:
        parts += [e.date_text, "", e.title, "", e.summary, ""]
    parts += ["Previous", "", "Next", ""]
    return "\n".join(parts)


def paginate(entries: Iterable[GeneratedEntry], rng: random.Random, *, low: int = 10,
             high: int = 50) -> Iterator[list[GeneratedEntry]]:
    page: list[GeneratedEntry] = []
    size = rng.randint(low, high)
    for e in entries:
        page.append(e)
        if len(page) >= size:
            yield page
            page, size = [], rng.randint(low, high)
    if page:
        yield page


def write_corpus(out: Path, n: int, seed: int, *, low: int = 10, high: int = 50) -> CorpusInfo:
    """Write `n` entries as listing pages `page-000001.txt`, ... and a ``manifest.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    page_rng = random.Random(seed + 7919)
    files = words = first = 0
    for page in paginate(generate_entries(n, seed), page_rng, low=low, high=high):
        files += 1
        (out / f"page-{files:06d}.txt").write_text(render_page(page, first + 1, n),
                                                   encoding="utf-8")
        first += len(page)
        words += sum(e.words for e in page)
    info = CorpusInfo(entries=first, files=files, words=words, seed=seed)
    (out / "manifest.json").write_text(info.to_json(), encoding="utf-8")
    return info


def generated_stores(work: Path, sizes: Iterable[int], seed: int) -> Iterator[tuple[int, Path]]:
    """(size, store) for each size: a corpus generated and ingested into `work`, once (a store
    already there is reused)."""
    from kg.api import KnowledgeGraph

    for n in sizes:
        corpus, store = work / f"corpus-{n}", work / f"store-{n}"
        if not store.exists():
            write_corpus(corpus, n, seed)
            KnowledgeGraph(store).ingest([str(corpus)])
        yield n, store


def _catalogue_name(e: AuthorityEntry, v: Vocabulary) -> str:
    """"Surname, Given" as the export's curated lists write people."""
    words = e.name.split()
    if e.family_name_first:
        return f"{words[0]}, {' '.join(words[1:])}"
    return f"{v.surname(e)}, {' '.join(words[:-1])}"


def _text_body(rng: random.Random, v: Vocabulary, named: list[AuthorityEntry],
               words: int) -> str:
    """Numbered paragraphs of catalogue-like prose, about `words` words long."""
    paragraphs, count, number = [], 0, 1
    while count < words:
        para = f"{number}. " + _summary(rng, v, named)
        paragraphs.append(para)
        count += len(para.split())
        number += 1
    return "\n".join(paragraphs)


def export_rows(n: int, seed: int, *, words: int = 3000,
                authority: Authority | None = None) -> Iterator[dict[str, str]]:
    """Rows in the archive's CSV export format, each with a ``text_body`` of about `words`."""
    v = Vocabulary(authority or load_authority())
    rng = random.Random(seed + 104729)
    for i, e in enumerate(generate_entries(n, seed, v.authority)):
        named = [p for p in v.people if p.name in e.title][:3] or rng.sample(v.people, 2)
        places = rng.sample(v.countries, 3)
        record_id = 500000 + i
        yield {
            "document_url": f"https://digitalarchive.wilsoncenter.org/document/{record_id}",
            "page_number": str(i // 20), "page_number_one_indexed": str(i // 20 + 1),
            "page_position": str(i % 20 + 1), "original_publication_date": e.date_text,
            "title": e.title, "credits": "",
            "text_body": _text_body(rng, v, named, words), "summary": e.summary,
            "authors": json.dumps([_catalogue_name(named[0], v)]),
            "associated_places": json.dumps([p.name for p in places]),
            "subjects_discussed": json.dumps([f"{places[0].name}--Foreign relations--"
                                              f"{places[1].name}"]),
            "associated_people_orgs": json.dumps([_catalogue_name(p, v) for p in named[1:]]),
            "document_contributors": "", "source": "Generated for benchmarking",
            "original_upload_date": "2024-01-01",
            "original_archive_title": json.dumps(["Benchmark Archive"]),
            "language": json.dumps(["English"]), "rights": "",
            "record_id": str(record_id),
            "original_classification": rng.choice(_CLASSIFICATIONS), "donors": "",
            "scraped_at": "2024-01-01T00:00:00",
        }


def write_export_csv(path: Path, n: int, seed: int, *, words: int = 3000) -> int:
    """Write `n` export rows to a CSV file; returns the number of words of text written."""
    total = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        w.writeheader()
        for row in export_rows(n, seed, words=words):
            total += len(row["text_body"].split())
            w.writerow(row)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split(
        "\n\n")[0])
    ap.add_argument("--entries", type=int, required=True, help="Number of entries.")
    ap.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same corpus).")
    ap.add_argument("--out", type=Path, help="Folder for listing pages.")
    ap.add_argument("--csv", type=Path, help="Write an export-format CSV table instead.")
    ap.add_argument("--words", type=int, default=3000, help="Words of text_body per CSV row.")
    args = ap.parse_args(argv)
    if bool(args.out) == bool(args.csv):
        ap.error("give exactly one of --out DIR or --csv FILE")
    if args.entries < 1:
        ap.error("--entries must be at least 1")
    if args.csv:
        words = write_export_csv(args.csv, args.entries, args.seed, words=args.words)
        print(f"{args.entries} rows, {words} words of text written to {args.csv}")
    else:
        info = write_corpus(args.out, args.entries, args.seed)
        print(f"{info.entries} entries ({info.words} words) in {info.files} pages written to "
              f"{args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
