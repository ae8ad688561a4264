"""Every failure becomes a short, clear answer with the right status; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from rcpkg import negotiation
from rcpkg.store.base import StoreBusy, StoreError

#: Seconds a client is asked to wait when every query worker is busy.
RETRY_AFTER_BUSY = "5"

log = logging.getLogger(__name__)


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error answer: HTML for a browser, plain text for every other client."""
    if negotiation.prefers_html(request.accept_mimetypes):
        body = render_template("error.html", status=status, message=message)
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> Response:
        if exc.status >= 500:
            log.warning("store error %s: %s", exc.status, exc.message)
        headers = {"Retry-After": RETRY_AFTER_BUSY} if isinstance(exc, StoreBusy) else None
        return problem(exc.status, exc.message, headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        messages = {
            404: f"Nothing is published at {request.path}.",
            405: f"{request.method} is not allowed on {request.path}.",
            413: "The request is larger than this server accepts.",
        }
        response = problem(status, messages.get(status, exc.description or exc.name))
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, "Something went wrong on our side; it has been logged.")
