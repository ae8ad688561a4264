"""Production serving: gunicorn over ``create_app()``, configured from the settings.

gunicorn was chosen by measurement (see bench/README.md). Threaded workers (``gthread``, with
the changes of :class:`Worker`) keep
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

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.http import message as gunicorn_message
from gunicorn.workers.gthread import ThreadWorker

from rcpkg.config import Settings
from rcpkg.store.embedded import ensure_store


def request_line_limit(settings: Settings) -> int:
    """The longest request line accepted: a GET query of ``max_request_bytes`` bytes, each
    byte percent-encoded (three characters), plus the path and the other parameters."""
    return 3 * settings.max_request_bytes + 8192


def write_plain_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's answer to a request it cannot parse, as rcpkg answers errors: plain text,
    short, with the security headers (gunicorn's own is an HTML page without them)."""
    body = f"{status_int} {reason}: {mesg[:200]}\n".encode("utf-8", "replace")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
        "Referrer-Policy: strict-origin-when-cross-origin\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    gunicorn_util.write_nonblock(sock, head.encode("latin-1", "replace") + body)


class Worker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker with two changes, made in the worker process only.

    - Request lines up to ``limit_request_line`` bytes. gunicorn caps any other value than 0
      at 8190 bytes, too short for the long GET queries SPARQL clients send; and 0 means no
      limit at all, where its parser takes time quadratic in the line's length (4 MB: 1.5 s
      of CPU per request, 40 MB: minutes). So its cap is raised to our limit instead.
    - Errors gunicorn answers itself (a request line too long: 414, headers too large: 431,
      a malformed request: 400) are written as plain text with the security headers.
    """

    def init_process(self) -> None:
        gunicorn_message.MAX_REQUEST_LINE = max(
            gunicorn_message.MAX_REQUEST_LINE, self.cfg.limit_request_line
        )
        gunicorn_util.write_error = write_plain_error
        super().init_process()


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
        "worker_class": "rcpkg.serving.Worker",
        "threads": settings.threads,
        # A request may wait a full query time limit for a worker, then run for another.
        "timeout": int(settings.query_timeout * 2 + 30),
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-",
        "preload_app": False,
        # Long GET queries are common (SPARQLWrapper uses GET): the request line may hold a
        # query of max_request_bytes, percent-encoded (the app answers 413 past that size);
        # a longer line gets 414 from gunicorn before it is read whole (see Worker).
        "limit_request_line": request_line_limit(settings),
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
