"""People's pages that are not documents of a thing: the home page ``/`` and ``/search``.

The view models come from :class:`rcpkg.pages.service.Pages`; this module picks the format and
sets the headers.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from rcpkg import negotiation
from rcpkg.web.context import services
from rcpkg.web.errors import problem

bp = Blueprint("pages", __name__)
CACHE_CONTROL = "public, max-age=3600"
#: Longest query text accepted by ``/search``.
MAX_QUERY = 200


@bp.get("/")
def home() -> ResponseReturnValue:
    """What the dataset is, its processes, counts, and where to go next."""
    pages = services().pages
    rep = pages.home_html(lambda view: render_template("home.html", home=view))
    if request.if_none_match and (
        request.if_none_match.contains_weak(rep.etag)
        or request.if_none_match.contains_weak(f"{rep.etag}:gzip")
    ):
        response = Response(status=304)
    else:
        response = Response(rep.body, content_type=rep.content_type)
    response.set_etag(rep.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _wants_json() -> bool:
    fmt = request.args.get("format", "").lower()
    if fmt:
        return fmt == "json"
    accept = request.accept_mimetypes
    if negotiation.prefers_html(accept):
        return False
    return accept.best_match(["text/html", "application/json"]) == "application/json"


@bp.get("/search")
def search() -> ResponseReturnValue:
    """Things found by name; HTML for people, JSON for ``Accept: application/json``."""
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY:
        return problem(400, f"The search text is longer than {MAX_QUERY} characters.")
    fmt = request.args.get("format", "").lower()
    if fmt and fmt not in ("json", "html"):
        return problem(400, "format must be html or json.")
    result = services().pages.search(text)
    if _wants_json():
        response = jsonify([hit.as_json() for hit in result.hits])
    else:
        response = Response(
            render_template("search.html", result=result),
            content_type="text/html; charset=utf-8",
        )
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
