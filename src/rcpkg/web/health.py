"""``/healthz``: a small JSON status for load balancers and people checking a deployment."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from rcpkg import __version__
from rcpkg.web.context import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 with the version and the data's fingerprint when the store answers a query."""
    svc = services()
    svc.store.ask("ASK { }")  # raises (and answers 5xx) when the store cannot answer
    response = jsonify(
        status="ok", version=__version__, data=svc.store.fingerprint[:16], triples=svc.triples
    )
    response.headers["Cache-Control"] = "no-store"
    return response
