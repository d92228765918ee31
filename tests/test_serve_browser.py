"""The web pages in a real browser: headless Chromium against a real `kg serve`.

Each step runs Chromium once with ``--dump-dom`` (the DOM after the page loaded) and once with
``--screenshot`` into ``test-artifacts/``, so a person can look at what the pages look like.
The walk: home page, search for "Roshchin", follow the person link found in the results' DOM,
see his role and documents, open the correspondence network.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.serve.app import make_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

if CHROMIUM is None:
    pytest.skip("Chromium is not installed (make browser, or apt-get install chromium)",
                allow_module_level=True)


class Links(HTMLParser):
    """Every <a href> with its text, and the page's visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._href: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._buf = []

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._buf).strip()))
            self._href = None

    def handle_data(self, data):
        self.text.append(data)
        if self._href is not None:
            self._buf.append(data)


class Browser:
    def __init__(self, profile: Path):
        self.profile = profile

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                   "--hide-scrollbars", f"--user-data-dir={self.profile}", *args]
        return subprocess.run(command, capture_output=True, timeout=90)

    def dom(self, url: str) -> Links:
        result = self._run("--dump-dom", url)
        assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
        parsed = Links()
        parsed.feed(result.stdout.decode("utf-8"))
        return parsed

    def screenshot(self, url: str, name: str, height: int = 1100) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        target.unlink(missing_ok=True)
        result = self._run(f"--screenshot={target}", f"--window-size=1280,{height}", url)
        assert result.returncode == 0 and target.exists(), result.stderr.decode(
            errors="replace")[-2000:]
        assert target.stat().st_size > 10_000  # a rendered page, not a blank
        return target


@pytest.fixture(scope="module")
def site(tmp_path_factory, seed_pages):
    tmp = tmp_path_factory.mktemp("browser")
    server = make_server(tmp / "store", port=0)
    try:
        report = KnowledgeGraph(tmp / "store", base=server.url).ingest(
            [str(p) for p in seed_pages])
        assert report.ok, report.errors
        server.start()
        yield server.url, Browser(tmp / "profile")
    finally:
        server.stop()


def test_walk_from_search_to_person_to_network(site):
    url, browser = site

    home = browser.dom(url)
    text = " ".join(home.text)
    assert "Archive knowledge graph" in text and "documents" in text
    browser.screenshot(url, "01-home")

    results = browser.dom(f"{url}search?q=Roshchin")
    people = [(href, label) for href, label in results.links if "/person/" in href]
    assert ("/person/nikolai-roshchin", "Nikolai Roshchin") in people
    assert sum(1 for href, _ in results.links if "/document/" in href) >= 5
    browser.screenshot(f"{url}search?q=Roshchin", "02-search")

    href = dict((label, h) for h, label in people)["Nikolai Roshchin"]
    person_url = url.rstrip("/") + href
    person = browser.dom(person_url)
    text = " ".join(person.text)
    assert "Nikolai Roshchin" in text and "Ambassador" in text
    assert "Roles" in text and "Documents" in text and "Wrote to" in text
    documents = [h for h, _ in person.links if "/document/" in h]
    assert len(set(documents)) >= 5
    browser.screenshot(person_url, "03-person", height=2000)

    document_url = url.rstrip("/") + documents[0]
    document = " ".join(browser.dom(document_url).text)
    assert "Provenance of each mention" in document
    browser.screenshot(document_url, "04-document", height=2200)

    network = browser.dom(f"{url}network")
    assert any(label == "Nikolai Roshchin" for _, label in network.links)
    assert any(h == "/network.gexf" for h, _ in network.links)
    browser.screenshot(f"{url}network", "05-network", height=1300)


@pytest.mark.parametrize("path, name", [("map", "06-map"), ("timeline", "07-timeline"),
                                        ("sparql", "08-sparql")])
def test_other_views_render(site, path, name):
    url, browser = site
    browser.screenshot(url + path, name, height=1300)
