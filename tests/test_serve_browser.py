"""The web pages in a real browser: headless Chromium against a real `kg serve` (uvicorn).

Each step runs Chromium once with ``--dump-dom`` (the DOM after the page loaded) and once with
``--screenshot`` into the test's temporary folder (printed at the end, so a person can look at
what the pages look like). The walk a historian takes: search for "Roshchin",
narrow the results by a place (a facet), open a document, take its citation (CSL-JSON as
Zotero imports it), go to the person, to their letters as a
network, to the timeline narrowed to a range.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.serve.app import make_server
from kg.serve.charts import CHAR_WIDTH

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

if CHROMIUM is None:
    pytest.skip("Chromium is not installed (make browser, or apt-get install chromium)",
                allow_module_level=True)


class Page(HTMLParser):
    """Every <a href> with its text, the visible text, and the SVG text labels."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.svg_labels: list[tuple[float, float, str, str]] = []  # x, y, anchor, text
        self._href: str | None = None
        self._buf: list[str] = []
        self._label: tuple[float, float, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self._href = a.get("href")
            self._buf = []
        if tag == "text" and a.get("class") in ("node-label", "place-label"):
            self._label = (float(a["x"]), float(a["y"]), a.get("text-anchor", "start"))

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._buf).strip()))
            self._href = None

    def handle_data(self, data):
        self.text.append(data)
        if self._href is not None:
            self._buf.append(data)
        if self._label is not None:
            self.svg_labels.append((*self._label, data))
            self._label = None

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


class Browser:
    def __init__(self, profile: Path, shots: Path):
        self.profile = profile
        self.shots = shots

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                   "--hide-scrollbars", f"--user-data-dir={self.profile}", *args]
        return subprocess.run(command, capture_output=True, timeout=90)

    def dom(self, url: str) -> Page:
        result = self._run("--dump-dom", url)
        assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
        parsed = Page()
        parsed.feed(result.stdout.decode("utf-8"))
        return parsed

    def screenshot(self, url: str, name: str, height: int = 1100) -> Path:
        target = self.shots / f"{name}.png"
        target.unlink(missing_ok=True)
        result = self._run(f"--screenshot={target}", f"--window-size=1280,{height}", url)
        assert result.returncode == 0 and target.exists(), result.stderr.decode(
            errors="replace")[-2000:]
        assert target.stat().st_size > 10_000  # a rendered page, not a blank
        return target


@pytest.fixture(scope="module")
def site(tmp_path_factory, seed_pages):
    tmp = tmp_path_factory.mktemp("browser")
    shots = tmp_path_factory.mktemp("screenshots")
    server = make_server(tmp / "store", port=0)
    try:
        report = KnowledgeGraph(tmp / "store", base=server.url).ingest(
            [str(p) for p in seed_pages])
        assert report.ok, report.errors
        server.start()
        yield server.url, Browser(tmp / "profile", shots)
    finally:
        server.stop()
    print(f"\nscreenshots in {shots}")


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two SVG labels' boxes (at the charts' 12px font) overlap."""
    def box(label):
        x, y, anchor, text = label
        w = CHAR_WIDTH * len(text)
        left = x - w if anchor == "end" else (x - w / 2 if anchor == "middle" else x)
        return left, y - 11, left + w, y + 3
    (a1, a2, a3, a4), (b1, b2, b3, b4) = box(a), box(b)
    return not (a3 <= b1 or b3 <= a1 or a4 <= b2 or b4 <= a2)


def test_walk_search_document_cite_person_network_timeline(site):
    url, browser = site
    root = url.rstrip("/")

    home = browser.dom(url)
    assert "Archive knowledge graph" in home.all_text and "documents" in home.all_text
    browser.screenshot(url, "01-home")

    results = browser.dom(f"{url}search?q=Roshchin")
    people = [(href, label) for href, label in results.links if "/person/" in href]
    assert ("/person/nikolai-roshchin", "Nikolai Roshchin") in people
    documents = [href for href, _ in results.links if "/document/" in href]
    assert len(documents) >= 5
    browser.screenshot(f"{url}search?q=Roshchin", "02-search")

    # narrow the results by a facet, as a reader clicks it: the page the link opens lists
    # the documents the facet counted, and offers the filter removed again
    with urllib.request.urlopen(f"{url}search?q=Roshchin&format=json") as r:
        facets = {f["name"]: f["choices"] for f in json.loads(r.read())["facets"]}
    place = facets["place"][0]
    assert any(h == place["href"] and t == place["label"] for h, t in results.links)
    narrowed_url = root + place["href"]
    narrowed = browser.dom(narrowed_url)
    assert any(t == "×" for _, t in narrowed.links)  # the filter, removable
    documents = [href for href, _ in narrowed.links if "/document/" in href]
    assert len(documents) == min(place["count"], 20)
    browser.screenshot(narrowed_url, "02b-search-facet", height=1300)
    browser.screenshot(f"{url}documents", "02c-documents", height=1300)

    document_url = root + documents[0]
    document = browser.dom(document_url)
    text = document.all_text
    assert "Provenance of each mention" in text and "Cite this document" in text
    assert "Chicago" in text and "@misc{" in text
    browser.screenshot(document_url, "03-document", height=2400)
    # the citation the page offers, downloaded as a reference manager does
    csl_link = next(h for h, label in document.links if label == "Download CSL-JSON")
    with urllib.request.urlopen(document_url + csl_link) as r:
        assert r.headers["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
        [item] = json.loads(r.read())
    assert item["type"] == "manuscript" and item["title"] and item["URL"]
    # what one source says, and the event the document records, read as text: labels, not
    # prefixed names, and no JSON
    for label, name in (("what this source says", "03b-graph"), ("Event page", "03c-event")):
        target = root + next(h for h, text in document.links if text == label)
        page = browser.dom(target)
        assert "kg:" not in page.all_text and '{"' not in page.all_text, name
        browser.screenshot(target, name, height=1600)

    person_url = root + dict((label, h) for h, label in people)["Nikolai Roshchin"]
    person = browser.dom(person_url)
    text = person.all_text
    assert "Nikolai Roshchin" in text and "Ambassador" in text
    assert "Roles" in text and "Documents" in text and "Wrote to" in text
    browser.screenshot(person_url, "04-person", height=2000)
    network_href = next(h for h, label in person.links if "network" in label)

    for name, target in (("05-network", f"{url}network"),
                         ("06-network-person", root + network_href)):
        network = browser.dom(target)
        assert any(h == "/network.gexf" for h, _ in network.links)
        assert "Nikolai Roshchin" in network.all_text
        labels = network.svg_labels
        assert labels
        assert not [(a[3], b[3]) for i, a in enumerate(labels) for b in labels[i + 1:]
                    if _overlap(a, b)]
        browser.screenshot(target, name, height=1300)

    timeline = browser.dom(f"{url}timeline?from=1950&to=1951")
    assert "Documents" in timeline.all_text
    assert any("/document/" in h for h, _ in timeline.links)
    browser.screenshot(f"{url}timeline?from=1950&to=1951", "07-timeline-range", height=1300)


@pytest.mark.parametrize("path, name", [("map", "08-map"), ("timeline", "09-timeline"),
                                        ("sparql", "10-sparql"), ("people", "11-people")])
def test_other_views_render(site, path, name):
    url, browser = site
    browser.screenshot(url + path, name, height=1300)
