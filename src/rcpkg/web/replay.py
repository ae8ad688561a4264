"""Replaying answers to repeated ``/doc/`` requests without going through Flask again.

A thing's page in a given format is the same bytes until the next release, and most of the
time a request for it costs routing, negotiation, hooks and compression in Flask, not making
the bytes (those are cached already). This WSGI middleware keeps the complete answer (status,
headers, body) to a plain ``GET`` of a ``/doc/`` page, keyed by the exact path, ``Accept`` and
``Accept-Encoding`` it answered, and plays it back to the next identical request. Anything else
(a query string, a conditional or range request, another method or route, an answer that is
not a public 200) goes to the application as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rcpkg.cache import LruCache

#: Request headers that make an answer depend on more than path, Accept and Accept-Encoding.
_PASS_THROUGH_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_AUTHORIZATION",
    "HTTP_COOKIE",
)
_LARGEST = 1024 * 1024


@dataclass(frozen=True)
class Recorded:
    """One complete answer, ready to be sent again."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ReplayMiddleware:
    """Wraps a WSGI app; see the module docstring for what is replayed."""

    def __init__(self, app: Callable, max_bytes: int, prefix: str = "/doc/") -> None:
        self.app = app
        self.prefix = prefix
        self.cache = LruCache(100_000, max_bytes)

    def _key(self, environ: dict[str, Any]) -> tuple | None:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefix):
            return None
        if any(name in environ for name in _PASS_THROUGH_HEADERS):
            return None
        return (path, environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ACCEPT_ENCODING", ""))

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        recorded = self.cache.get(key)
        if recorded is not None:
            start_response(recorded.status, list(recorded.headers))
            return [recorded.body]
        seen: dict[str, Any] = {}

        def recording_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = self.app(environ, recording_start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if self._replayable(seen.get("status", ""), seen.get("headers", []), body):
            self.cache.put(key, Recorded(seen["status"], tuple(seen["headers"]), body))
        return [body]

    @staticmethod
    def _replayable(status: str, headers: list[tuple[str, str]], body: bytes) -> bool:
        if not status.startswith("200") or len(body) > _LARGEST:
            return False
        names = {name.lower(): value for name, value in headers}
        return "public" in names.get("cache-control", "") and "set-cookie" not in names
