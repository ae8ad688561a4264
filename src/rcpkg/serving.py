"""Production serving: gunicorn over ``create_app()``, configured from the settings.

gunicorn was chosen by measurement (see bench/README.md). Threaded workers (``gthread``) keep
a worker answering while one of its requests waits on a slow query; each worker process opens
the store once when it starts. The store is built before any worker starts, so workers never
race to build it and a broken input stops ``rcpkg serve`` with a message, not a crash loop.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from rcpkg.config import Settings
from rcpkg.store.embedded import ensure_store


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn: skip
                self.cfg.set(key, value)

    def load(self) -> Any:
        from rcpkg.web import create_app

        return create_app(self.settings)


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """The gunicorn settings for ``settings``: bind, workers, threads, timeouts."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        # A request may wait a full query time limit for a worker, then run for another.
        "timeout": int(settings.query_timeout * 2 + 30),
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-",
        "preload_app": False,
        # Long GET queries are common (SPARQLWrapper uses GET); the app itself answers 413
        # past max_request_bytes, so gunicorn's 4 KB request-line limit is lifted.
        "limit_request_line": 0,
        # gunicorn's control socket has one default path per user: several servers on one
        # machine (tests, benches) would fight over it, and rcpkg does not use it.
        "control_socket_disable": True,
    }


def prepare_store(settings: Settings) -> Path:
    """Build or find the store in a child process and return its folder.

    Opening RocksDB starts background threads; gunicorn forks its workers from this process,
    and a fork of a process with such threads can hang on an inherited lock. So the master
    never opens the store itself: a short-lived spawned process does the work.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        folder, _ = pool.submit(ensure_store, settings).result()
    return folder


def serve(settings: Settings) -> int:
    """Run the server in the foreground until interrupted."""
    if not settings.endpoint:
        settings = replace(settings, store_path=prepare_store(settings))
    _Gunicorn(settings, gunicorn_options(settings)).run()
    return 0
