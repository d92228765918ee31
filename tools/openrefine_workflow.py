"""Drive a real OpenRefine through the reconciliation workflow a user would follow.

`make openrefine` runs this. It builds a store from data/sample, serves it with `kg serve` on
127.0.0.1, starts OpenRefine (Debian's ``openrefine``) headless on 127.0.0.1 and, through the
same HTTP commands its web interface sends:

1. registers the service and lets OpenRefine guess the column's type;
2. creates a project from a CSV of names;
3. reconciles the column against type Person with auto-match on;
4. checks that the clear winners are matched to the expected people, that an unknown name and
   surnames two people share are not matched, and that nothing is matched wrongly;
5. adds columns from reconciled values (Wikidata id, birth year) and checks them against the
   service's own data extension answer;
6. exports the project as CSV (written next to the report);
7. asks for a suggest answer and a hover card the way the suggest widget does (JSONP).

Exit status 0 when every check holds; each failed check is printed. Usage:
``python tools/openrefine_workflow.py [--openrefine /usr/bin/openrefine] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.api import KnowledgeGraph  # noqa: E402
from kg.serve.app import make_server  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
# The acceptance: these surnames alone must be matched to these people.
CLEAR_WINNERS = {"Stalin": "Joseph Stalin", "Roshchin": "Nikolai Roshchin",
                 "Vyshinsky": "Andrey Vyshinsky"}
UNKNOWN = ["Nobody Atall"]
EXTEND = [{"id": "wikidata", "name": "Wikidata id"}, {"id": "born", "name": "birth year"}]


class Refine:
    """A thin client for OpenRefine's HTTP commands (the ones its web interface posts)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _open(self, path: str, data: bytes | None = None, headers: dict | None = None,
              timeout: float = 120) -> tuple[str, bytes]:
        req = urllib.request.Request(self.url + path, data=data, headers=headers or {})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.geturl(), resp.read()

    def token(self) -> str:
        return json.loads(self._open("/command/core/get-csrf-token")[1])["token"]

    def post(self, command: str, params: dict[str, str], form: dict[str, str]) -> dict:
        query = urllib.parse.urlencode({**params, "csrf_token": self.token()})
        body = urllib.parse.urlencode(form).encode()
        _, raw = self._open(f"/command/core/{command}?{query}", body,
                            {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
        return json.loads(raw) if raw.strip().startswith(b"{") else {"raw": raw.decode()}

    def create_project(self, name: str, csv_text: str) -> str:
        boundary = uuid.uuid4().hex
        options = {"separator": ",", "headerLines": 1, "encoding": "UTF-8",
                   "ignoreLines": -1, "skipDataLines": 0, "limit": -1,
                   "storeBlankRows": True, "guessCellValueTypes": False,
                   "processQuotes": True, "storeBlankCellsAsNulls": True}
        parts = [("project-name", name, None), ("format", "text/line-based/*sv", None),
                 ("options", json.dumps(options), None),
                 ("project-file", csv_text, "names.csv")]
        body = b""
        for field, value, filename in parts:
            disposition = f'form-data; name="{field}"'
            if filename:
                disposition += f'; filename="{filename}"'
            body += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                     + ("Content-Type: text/csv\r\n" if filename else "")
                     + f"\r\n{value}\r\n").encode()
        body += f"--{boundary}--\r\n".encode()
        query = urllib.parse.urlencode({"csrf_token": self.token()})
        final, _ = self._open(f"/command/core/create-project-from-upload?{query}", body,
                              {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        found = re.search(r"project=(\d+)", final)
        if not found:
            raise RuntimeError(f"OpenRefine created no project (ended at {final})")
        return found.group(1)

    def wait(self, project: str, timeout: float = 300) -> None:
        """Until the project's long-running operations (reconcile, extend) are done."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            _, raw = self._open(f"/command/core/get-processes?project={project}")
            if not json.loads(raw).get("processes"):
                return
            time.sleep(0.5)
        raise RuntimeError("OpenRefine's operation did not finish in time")

    def rows(self, project: str) -> dict:
        _, raw = self._open(f"/command/core/get-rows?project={project}&start=0&limit=1000")
        return json.loads(raw)

    def models(self, project: str) -> dict:
        _, raw = self._open(f"/command/core/get-models?project={project}")
        return json.loads(raw)

    def export_csv(self, project: str) -> str:
        form = {"project": project, "format": "csv",
                "engine": json.dumps({"facets": [], "mode": "row-based"})}
        query = urllib.parse.urlencode({"csrf_token": self.token()})
        _, raw = self._open(f"/command/core/export-rows/names.csv?{query}",
                            urllib.parse.urlencode(form).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})
        return raw.decode("utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_openrefine(binary: str, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [binary, "-i", "127.0.0.1", "-p", str(port), "-d", str(data_dir),
           "-x", "refine.headless=true", "run"]
    # Its own process group, so that stopping it stops the JVM the launcher script forks.
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"OpenRefine exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + "/command/core/get-version", timeout=5):
                return proc, url
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise RuntimeError(f"OpenRefine did not answer within 180 s; see {log}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the launcher and the JVM it forked (one process group), waiting for both."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + 30
    while time.time() < deadline:
        proc.poll()
        try:
            os.killpg(proc.pid, 0)  # anyone of the group left?
        except ProcessLookupError:
            return
        time.sleep(0.5)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _shared_surnames(store: Path, base: str) -> list[str]:
    """Surnames two or more people of the graph share (from the store, not from a list)."""
    from kg.serve.entity_index import build_index
    from kg.serve.name_match import name_forms
    from kg.serve.snapshot import StoreView

    owners: dict[str, set[str]] = defaultdict(set)
    for entity in build_index(StoreView(store, base).snapshot()):
        if entity.kind == "person":
            for form in name_forms(entity.name, "name", person=True,
                                   family_name_first=entity.family_name_first):
                owners[form.tokens[form.surname]].add(entity.id)
    return sorted(s.capitalize() for s, ids in owners.items() if len(ids) > 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--openrefine", default=shutil.which("openrefine") or "")
    parser.add_argument("--out", type=Path, default=ROOT / "openrefine-out")
    args = parser.parse_args(argv)
    if not args.openrefine:
        print("openrefine is not installed (Debian package 'openrefine'); nothing to run")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    work = Path(tempfile.mkdtemp(prefix="kg-openrefine-"))
    server = make_server(work / "store", port=0)
    refine_proc = None
    try:
        report = KnowledgeGraph(work / "store", base=server.url).ingest(
            [str(p) for p in sorted(SAMPLE.iterdir()) if p.suffix in (".txt", ".csv")])
        if not report.ok:
            raise RuntimeError(f"ingest failed: {report.errors}")
        server.start()
        service = server.url + "reconcile"
        with urllib.request.urlopen(service) as r:
            manifest = json.loads(r.read())
        ambiguous = _shared_surnames(work / "store", server.url)
        names = list(CLEAR_WINNERS) + UNKNOWN + ambiguous
        print(f"kg serve at {server.url}; names: {', '.join(names)}")

        refine_proc, refine_url = _start_openrefine(args.openrefine, work / "refine",
                                                    args.out / "openrefine.log")
        refine = Refine(refine_url)
        print(f"OpenRefine at {refine_url}")
        # 1. register the service as the "Add standard service" dialog does
        registered = [{**manifest, "url": service, "ui": {"handler": "ReconStandardServicePanel"}}]
        refine.post("set-preference", {}, {"name": "reconciliation.standardServices",
                                           "value": json.dumps(registered)})
        # 2. a project from a CSV of names
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["name"])
        writer.writerows([n] for n in names)
        project = refine.create_project("kg names", buf.getvalue())
        guessed = refine.post("guess-types-of-column", {"project": project},
                              {"columnName": "name", "service": service})
        types = [t.get("id") for t in guessed.get("types", [])]
        check(bool(types) and types[0] == "Person", f"type guessed for the column: {types[:3]}")
        # 3. reconcile with auto-match, as the dialog's "Start reconciling" does
        config = {"mode": "standard-service", "service": service,
                  "identifierSpace": manifest["identifierSpace"],
                  "schemaSpace": manifest["schemaSpace"],
                  "type": {"id": "Person", "name": "Person"}, "autoMatch": True,
                  "columnDetails": [], "limit": 0}
        engine = json.dumps({"facets": [], "mode": "row-based"})
        refine.post("reconcile", {"project": project},
                    {"columnName": "name", "config": json.dumps(config), "engine": engine})
        refine.wait(project)
        data = refine.rows(project)
        recons = {}
        for row in data["rows"]:
            cell = row["cells"][0]
            recon = cell.get("r") or {}
            if isinstance(recon, str | int):  # older row format: a reference into the pool
                recon = data.get("pool", {}).get("recons", {}).get(str(recon), {})
            recons[cell["v"]] = recon
        # 4. clear winners matched, nothing else matched
        matched_ids = {}
        for name, person in CLEAR_WINNERS.items():
            recon = recons.get(name, {})
            m = recon.get("m") or {}
            matched_ids[name] = m.get("id")
            check(recon.get("j") == "matched" and m.get("name") == person,
                  f"{name!r} matched to {person!r} (got {recon.get('j')} {m.get('name')!r})")
        for name in UNKNOWN + ambiguous:
            recon = recons.get(name, {})
            cands = [(c.get("name"), c.get("score")) for c in recon.get("c", [])][:3]
            check(recon.get("j") != "matched",
                  f"{name!r} not matched (candidates {cands})")
        # 5. add columns from reconciled values
        extended = refine.post("extend-data", {"project": project},
                    {"baseColumnName": "name", "columnInsertIndex": "1",
                     "endpoint": service, "identifierSpace": manifest["identifierSpace"],
                     "schemaSpace": manifest["schemaSpace"],
                     "extension": json.dumps({"properties": EXTEND}), "engine": engine})
        check(extended.get("code") in ("ok", "pending"), f"extend-data accepted: {extended}")
        refine.wait(project)
        columns = [c["name"] for c in refine.models(project)["columnModel"]["columns"]]
        check(all(p["name"] in columns for p in EXTEND), f"columns after extension: {columns}")
        # 6. export, and compare the added cells with the service's own answer
        exported = refine.export_csv(project)
        (args.out / "names-reconciled.csv").write_text(exported, encoding="utf-8")
        # The export writes a matched cell as the entity's name: rows are taken by position.
        table = dict(zip(names, csv.DictReader(io.StringIO(exported)), strict=False))
        ids = [i for i in matched_ids.values() if i]
        body = urllib.parse.urlencode({"extend": json.dumps(
            {"ids": ids, "properties": [{"id": p["id"]} for p in EXTEND]})}).encode()
        with urllib.request.urlopen(urllib.request.Request(service, data=body)) as r:
            truth = json.loads(r.read())["rows"]
        for name, entity_id in matched_ids.items():
            if not entity_id:
                continue
            for prop in EXTEND:
                want = [str(next(iter(v.values()))) for v in truth[entity_id][prop["id"]]]
                got = (table.get(name) or {}).get(prop["name"], "")
                check(got in want if want else got == "",
                      f"{name!r} {prop['name']} = {got!r} (service: {want})")
        # 7. the suggest widget: JSONP answers with notable.name and a hover card with html
        cb = "jQuery3600_1"
        with urllib.request.urlopen(f"{service}/suggest/entity?prefix=stal&type=Person&"
                                    f"type_strict=should&callback={cb}") as r:
            text = r.read().decode()
        first = json.loads(text[text.index("(") + 1: text.rindex(")")])["result"][0]
        check(isinstance(first.get("notable"), dict) and bool(first["notable"].get("name")),
              f"suggest notable for the widget: {first.get('notable')}")
        flyout_path = manifest["suggest"]["entity"]["flyout_service_path"]
        url = service + flyout_path.replace("${id}", urllib.parse.quote(first["id"], safe=""))
        with urllib.request.urlopen(f"{url}&callback={cb}") as r:
            text = r.read().decode()
        card = json.loads(text[text.index("(") + 1: text.rindex(")")])
        check(card.get("id") == first["id"] and "<" in card.get("html", ""),
              "hover card answers {id, html} as JSONP")
    except Exception as exc:  # report, do not trace back: this is a check tool
        check(False, f"workflow stopped: {type(exc).__name__}: {exc}")
    finally:
        if refine_proc is not None:
            _stop(refine_proc)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed",
          f"(export in {args.out})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
