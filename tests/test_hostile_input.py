"""Hostile input: the readers and parsers never raise, round-trip what they accept, and a folder
of broken pages ingests with clear per-entry errors and nothing lost among the valid entries.

Property tests (hypothesis) feed arbitrary text, control characters, right-to-left and CJK
script to `read_listing`, `parse_date` and `parse_title`. The broken pages are generated here in
tmp_path (the 10 MB line is never committed) and ingested into a real store on disk.
"""

from __future__ import annotations

import calendar
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.core.dates import parse_date
from kg.extract.title import parse_title
from kg.sources.listing import read_listing

ROOT = Path(__file__).resolve().parents[1]
# bench/ is not an installed package; the corpus generator lives there
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.generate import GeneratedEntry, generate_entries, render_page  # noqa: E402

PROPS = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])

# Scripts and characters that break naive text handling.
RTL_NAMES = ["محمد مصدق", "جمال عبد الناصر", "דוד בן-גוריון", "גולדה מאיר"]
CJK_NAMES = ["毛泽东", "周恩来", "金日成", "蔣介石", "吉田茂"]
NASTY = ["\x00", "\x07", "\x1b[31m", "\x0c", "\u202e", "\u200f", "\ufeff", "\u2028", "\r",
         "\t", "\u00a0", "\U0001f600", "e\u0301"] + RTL_NAMES + CJK_NAMES
nasty_text = st.lists(st.one_of(st.text(), st.sampled_from(NASTY)), max_size=12).map("".join)
page_text = st.lists(st.one_of(nasty_text, st.sampled_from(
    ["", "July 5, 1950", "February 1950", "n.d.", "Documents", "1 - 10 of 34", "- ",
     "\u2022 Letter from Stalin to Mao", "Skip to content"])), max_size=30).map("\n".join)


# -- never raise -----------------------------------------------------------------------------

@PROPS
@given(page_text)
def test_read_listing_never_raises(text):
    result = read_listing(text, "page.txt")
    for record in result.records:
        assert record.title and "\n" not in record.title
        assert record.source.path == "page.txt" and record.source.line >= 1
    for problem in result.problems:
        assert str(problem).startswith("page.txt:")


@PROPS
@given(nasty_text)
def test_parse_date_never_raises(text):
    d = parse_date(text)
    assert d.precision in ("day", "month", "year", "range", "none")
    if d.earliest and d.latest:
        assert d.earliest <= d.latest


@PROPS
@given(nasty_text)
def test_parse_title_never_raises(text):
    t = parse_title(text)
    for ref in t.authors + t.recipients + t.intermediaries + t.participants:
        assert 0 <= ref.start <= ref.end <= len(text)


# -- round trips -----------------------------------------------------------------------------

catalogue_dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


@PROPS
@given(catalogue_dates, st.sampled_from(["{M} {d}, {Y}", "{d} {M} {Y}", "{M} {d} {Y}",
                                         "{m}. {d}, {Y}"]))
def test_day_dates_round_trip(d, pattern):
    month_abbr = calendar.month_abbr[d.month]
    text = pattern.format(M=calendar.month_name[d.month], m=month_abbr, d=d.day, Y=d.year)
    parsed = parse_date(text)
    assert (parsed.precision, parsed.value) == ("day", d.isoformat()), text
    assert parsed.earliest == parsed.latest == d


@PROPS
@given(catalogue_dates)
def test_month_and_year_dates_round_trip(d):
    month = parse_date(f"{calendar.month_name[d.month]} {d.year}")
    assert (month.precision, month.value) == ("month", f"{d.year:04d}-{d.month:02d}")
    assert month.earliest == d.replace(day=1)
    assert month.latest == d.replace(day=calendar.monthrange(d.year, d.month)[1])
    year = parse_date(str(d.year))
    assert (year.precision, year.value) == ("year", str(d.year))
    assert (year.earliest, year.latest) == (date(d.year, 1, 1), date(d.year, 12, 31))


@PROPS
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
       st.integers(1, 40))
def test_impossible_day_is_invalid_not_a_crash(d, day):
    last = calendar.monthrange(d.year, d.month)[1]
    text = f"{calendar.month_name[d.month]} {last + day}, {d.year}"
    parsed = parse_date(text)
    assert parsed.precision == "none" and not parsed.valid and parsed.problem


name_words = st.lists(st.one_of(
    st.from_regex(r"[A-Z][a-z]{2,9}", fullmatch=True), st.sampled_from(RTL_NAMES + CJK_NAMES)),
    min_size=1, max_size=3).map(" ".join)


@st.composite
def listing_entries(draw) -> GeneratedEntry:
    d = draw(st.dates(min_value=date(1945, 1, 1), max_value=date(1991, 12, 31)))
    precision = draw(st.sampled_from(["day", "month", "year"]))
    date_text = {"day": f"{calendar.month_name[d.month]} {d.day}, {d.year}",
                 "month": f"{calendar.month_name[d.month]} {d.year}",
                 "year": str(d.year)}[precision]
    kind = draw(st.sampled_from(["Letter from {a} to {b}", "Cable, {a} to {b} via {c}",
                                 "Memorandum of Conversation between {a} and {b}",
                                 "Ciphered Telegram No. {n}, {a} to {b}"]))
    title = kind.format(a=draw(name_words), b=draw(name_words), c=draw(name_words),
                        n=draw(st.integers(1, 99999)))
    sentences = draw(st.lists(st.builds("{} informs {} about {}.".format, name_words,
                                        name_words, name_words), min_size=1, max_size=4))
    return GeneratedEntry(date_text, title, " ".join(sentences))


@PROPS
@given(st.lists(listing_entries(), min_size=1, max_size=12))
def test_generated_pages_read_back_to_their_entries(entries):
    result = read_listing(render_page(entries, 1, len(entries)), "page.txt")
    assert result.problems == []
    assert [(r.date_text, r.title, r.summary) for r in result.records] == \
        [(e.date_text, e.title, e.summary) for e in entries]
    assert not any(r.truncated for r in result.records)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_benchmark_generator_pages_read_back(seed, n):
    entries = list(generate_entries(n, seed))
    result = read_listing(render_page(entries, 1, n), "page.txt")
    assert [(r.date_text, r.title, r.summary) for r in result.records] == \
        [(e.date_text, e.title, e.summary) for e in entries]


# -- a folder of broken pages ------------------------------------------------------------------

VALID = [
    ("July 5, 1950", "Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin",
     "A telegram from Stalin to Zhou Enlai about India's mediation."),
    ("February 1950", f"Letter from {RTL_NAMES[0]} to {CJK_NAMES[0]}",
     f"{RTL_NAMES[0]} writes to {CJK_NAMES[0]} about oil concessions in Iran."),
    ("1956", f"Memorandum of Conversation between {RTL_NAMES[2]} and {CJK_NAMES[1]}",
     f"{RTL_NAMES[2]} and {CJK_NAMES[1]} discuss the Suez crisis and {CJK_NAMES[3]}."),
    ("March 3, 1961", "Letter from Nikita\x07 Khrushchev to\x1b[0m Mao Zedong",
     "Khrushchev\x0c asks Mao Zedong about the\x0b split."),
    ("April 4, 1962", f"Cable, {CJK_NAMES[2]} to {RTL_NAMES[1]} \u202eetoN\u202c",
     "A short cable \U0001f4e8 with an emoji and a zero\u200bwidth space."),
]


def _page(entries, tail: str = "") -> str:
    body = "Skip to content\n\nResults:\n\n1 - 10 of 10\n\nDocuments\n\n"
    for d, t, s in entries:
        body += f"{d}\n\n{t}\n\n{s}\n\n"
    return body + tail


@pytest.fixture(scope="module")
def broken_folder(tmp_path_factory) -> tuple[Path, list[tuple[str, str, str]], dict]:
    """Broken pages beside valid ones; returns the folder, the valid entries and the bad files."""
    folder = tmp_path_factory.mktemp("broken")
    valid: list[tuple[str, str, str]] = []
    bad: dict[str, str] = {}
    # 1. truncated mid-entry: the last entry's date line is all that is left
    (folder / "truncated-after-date.txt").write_text(
        _page(VALID[:2], "August 1, 1950\n"), encoding="utf-8")
    valid += VALID[:2]
    # 2. truncated mid-summary: kept, flagged incomplete
    cut = ("September 9, 1950", "Letter from Kim Il Sung to Joseph Stalin",
           "Kim Il Sung asks Stalin for direct military assistance as the")
    (folder / "truncated-mid-summary.txt").write_text(_page(VALID[2:3] + [cut]),
                                                      encoding="utf-8")
    valid += [VALID[2], cut]
    # 3. Latin-1 bytes: the whole file is rejected with file and line
    latin = _page([("May 1, 1955", "Lettre de Chou En-lai au Caf\u00e9 de Flore",
                    "R\u00e9sum\u00e9 fran\u00e7ais.")]).encode("latin-1")
    (folder / "latin1.txt").write_bytes(latin)
    line = latin[:latin.index(b"Caf")].count(b"\n") + 1
    bad["latin1.txt"] = f":{line}: not valid UTF-8"
    # 4. a 10 MB title line: that entry is an error, its neighbours are kept
    (folder / "huge-title-line.txt").write_text(
        _page(VALID[3:4] + [("June 1, 1960", "Letter " + "x" * 10_000_000, "Lost.")]
              + VALID[4:5]), encoding="utf-8")
    valid += VALID[3:5]
    bad["huge-title-line.txt"] = "characters long"
    # 5. a 10 MB single line and nothing else
    (folder / "one-huge-line.txt").write_text("y" * 10_000_000, encoding="utf-8")
    bad["one-huge-line.txt"] = "no valid catalogue entry"
    # 6. NUL bytes: a binary file
    (folder / "binary.txt").write_bytes(b"July 5, 1950\n\n\x00\x01\x02Letter\n")
    bad["binary.txt"] = "binary file"
    # 7. an empty page
    (folder / "empty.txt").write_text("\n\n   \n", encoding="utf-8")
    bad["empty.txt"] = "empty file"
    return folder, valid, bad


@pytest.fixture(scope="module")
def broken_ingest(broken_folder, tmp_path_factory):
    from kg.api import KnowledgeGraph

    folder, _, _ = broken_folder
    kg = KnowledgeGraph(tmp_path_factory.mktemp("broken-store") / "store")
    return kg, kg.ingest([str(folder)])


def test_broken_pages_give_per_file_and_line_errors(broken_folder, broken_ingest):
    folder, _, bad = broken_folder
    _, report = broken_ingest
    for name, fragment in bad.items():
        hits = [e for e in report.errors if name in e and fragment in e]
        assert hits, f"no error naming {name} with {fragment!r}: {report.errors}"
    # every error names a file, and a line when the problem is inside the file
    assert all(e.split(":", 1)[0].endswith(".txt") for e in report.errors)
    date_only = [e for e in report.errors if "truncated-after-date.txt:" in e]
    assert date_only and "no title" in date_only[0]
    assert any("incomplete" in f and "truncated-mid-summary.txt" in f for f in report.flags)


def test_broken_pages_lose_no_valid_entry(broken_folder, broken_ingest):
    _, valid, _ = broken_folder
    kg, report = broken_ingest
    rows = kg.query("SELECT ?t WHERE { ?d a kg:Document ; dcterms:title ?t }")
    titles = sorted(r[0].value for r in rows)
    cleaned = sorted(" ".join(t.replace("\x07", " ").replace("\x1b", " ").split())
                     for _, t, _ in valid)
    assert len(titles) == len(valid) == report.new
    assert sorted(" ".join(t.split()) for t in titles) == cleaned
    # right-to-left and CJK names come through unharmed, as written
    assert any(RTL_NAMES[0] in t and CJK_NAMES[0] in t for t in titles)
    assert any(RTL_NAMES[2] in t and CJK_NAMES[1] in t for t in titles)


def test_cli_reports_broken_pages_without_a_traceback(broken_folder, tmp_path):
    folder, valid, bad = broken_folder
    small = tmp_path / "pages"
    small.mkdir()
    for name in ("latin1.txt", "truncated-after-date.txt", "binary.txt"):
        (small / name).write_bytes((folder / name).read_bytes())
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store",
                           str(tmp_path / "store"), str(small)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "latin1.txt:" in proc.stderr and "not valid UTF-8" in proc.stderr
    assert "2 new" in proc.stdout


def test_ten_megabyte_summary_is_an_entry_error_not_a_crash(tmp_path):
    from kg.api import KnowledgeGraph

    page = tmp_path / "huge-summary.txt"
    page.write_text(_page([VALID[0], ("June 2, 1960", "Letter from Mao Zedong to Stalin",
                                      "word " * 2_000_000), VALID[4]]), encoding="utf-8")
    kg = KnowledgeGraph(tmp_path / "store")
    report = kg.ingest([str(page)])
    titles = {r[0].value for r in kg.query("SELECT ?t WHERE { ?d dcterms:title ?t }")}
    assert {VALID[0][1], VALID[4][1]} <= titles
    # the huge entry is either refused or kept and flagged, but named either way
    assert any("huge-summary.txt:" in m for m in report.errors + report.flags)


def test_benchmark_generator_is_seeded_and_streams_pages(tmp_path):
    from bench.generate import write_corpus

    a = write_corpus(tmp_path / "a", 120, seed=5, low=10, high=50)
    b = write_corpus(tmp_path / "b", 120, seed=5, low=10, high=50)
    pages = sorted(p.name for p in (tmp_path / "a").glob("page-*.txt"))
    assert a == b and a.entries == 120 and a.files == len(pages) >= 3
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes()
               for p in pages)
    per_page = [read_listing((tmp_path / "a" / p).read_text(encoding="utf-8"), p).records
                for p in pages]
    records = [r for page in per_page for r in page]
    assert len(records) == 120 == len({(r.date_text, r.title) for r in records})
    assert all(10 <= len(page) <= 50 for page in per_page[:-1])
