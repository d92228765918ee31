"""`kg serve`: the server as one process or as several on one address.

With one process (`--workers 1`) the application runs in it and user queries run in killable
worker processes (`kg.serve.worker`). With several, uvicorn's supervisor (`Multiprocess`)
starts that many serving processes, each listening on the address with a socket of its own
(`kg.serve.listen`: the kernel spreads the connections over them), and replaces any that
exits or stops answering; each runs the whole application and its queries on its own threads
(`kg.serve.inprocess`), which saves the two process hops a query costs otherwise and lets the
pages use every core. A query past the timeout is answered 503 and retires its process.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp

from kg.serve.app import (
    KGServer,
    ServeError,
    Settings,
    Site,
    bind,
    create_app,
    ensure_derived,
    make_settings,
    uvicorn_config,
)
from kg.serve.inprocess import ThreadRunner, retire_process
from kg.serve.snapshot import StoreView
from kg.serve.worker import WorkerPool

DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class AppFactory:
    """Builds the application inside each serving process (uvicorn's `factory=True`); pickled
    to the process, so it holds only settings."""

    settings: Settings
    url: str

    def __call__(self) -> ASGIApp:
        s = self.settings
        view = StoreView(s.store_path, self.url)
        # A retiring process lets the queries it still runs reach their own timeout.
        queries = ThreadRunner(s.store_path, timeout=s.timeout,
                               retire=lambda: retire_process(s.timeout + 1.0))
        updates = WorkerPool(s.store_path, size=1, timeout=s.timeout) if s.allow_update else None
        return create_app(Site(s, view, queries, updates))


class ProcessServer:
    """`processes` serving processes on an address bound at construction."""

    def __init__(self, settings: Settings, processes: int, *, verbose: bool = False,
                 access_log: bool = False):
        self.socket, self.settings, self.url = bind(settings, per_process=True)
        self.processes = processes
        self.verbose = verbose
        self.access_log = access_log
        try:
            ensure_derived(self.settings.store_path)  # once, before the processes start
            view = StoreView(self.settings.store_path, self.url)
            try:
                self.base = view.snapshot().base  # fail now, with the store's message
                self.generation = view.snapshot().generation
            finally:
                view.close()
        except BaseException:
            self.socket.close()
            raise

    def serve_forever(self) -> None:
        from uvicorn.supervisors import Multiprocess

        config = uvicorn_config(AppFactory(self.settings, self.url), verbose=self.verbose,
                                access_log=self.access_log,
                                factory=True, workers=self.processes,
                                timeout_graceful_shutdown=math.ceil(self.settings.timeout) + 1)
        Multiprocess(config, sockets=[self.socket]).run()

    def server_close(self) -> None:
        self.socket.close()


def serve(store_path: str, *, host: str = "127.0.0.1", port: int = 8000,
          allow_update: bool = False, token: str | None = None, federation: bool = False,
          timeout: float = 10.0, max_results: int = 10_000, max_body: int = 1_000_000,
          workers: int = DEFAULT_WORKERS, access_log: bool = False) -> None:
    """Serve the store until interrupted (Ctrl-C); `ServeError` when it cannot start."""
    from kg.store import StoreError

    if not Path(store_path).is_dir():
        raise ServeError(f"{store_path}: no such store folder (build one with kg ingest)")
    if workers < 1:
        raise ServeError(f"--workers must be at least 1, not {workers}")
    server: KGServer | ProcessServer
    try:
        settings = make_settings(store_path, host=host, port=port, allow_update=allow_update,
                                 token=token, federation=federation, timeout=timeout,
                                 max_results=max_results, max_body=max_body)
        if workers == 1:
            server = KGServer(settings, verbose=True, access_log=access_log)
        else:
            server = ProcessServer(settings, workers, verbose=True, access_log=access_log)
    except (ValueError, StoreError) as exc:
        raise ServeError(str(exc)) from None
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if isinstance(server, KGServer):
        assert server.site is not None
        snap = server.site.view.snapshot()
        base, generation = snap.base, snap.generation
    else:
        base, generation = server.base, server.generation
    how = "one process" if workers == 1 else f"{workers} processes"
    print(f"Serving {store_path} at {server.url}  (SPARQL: {server.url}sparql; {how})",
          file=sys.stderr)
    if not base.startswith(server.url) and generation is not None:
        print(f"note: the graph's IRIs start with {base}; they dereference here only "
              f"through a proxy at that address (ingest with --base {server.url} to serve "
              f"them directly)", file=sys.stderr)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: listening on {host}: the server is reachable from other machines",
              file=sys.stderr)
    if allow_update:
        print("SPARQL Update enabled at /update and /sparql for requests with the bearer token",
              file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
