"""``/sparql``: the SPARQL 1.1 Protocol over HTTP, plus a query page for people.

Parsing the request is :mod:`rcpkg.sparql.protocol`'s job, running it the service's, and
rendering the page the templates'; this module only joins them to Flask.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from rcpkg import negotiation
from rcpkg.sparql import protocol, results
from rcpkg.sparql.protocol import ProtocolError
from rcpkg.store.base import NotAcceptable, QueryRequest, ResultPreference, StoreError
from rcpkg.web.context import services
from rcpkg.web.errors import problem
from rcpkg.web.links import local_href

bp = Blueprint("sparql", __name__)

_DESCRIPTION_OFFERS = {"text/turtle": "ttl", "text/html": "html"} | {
    k: v for k, v in protocol.GRAPH_OFFERS.items() if k not in ("text/html",)
}


def _wants_html() -> bool:
    """True for a browser: it ranks HTML above every result format, or asked format=html."""
    fmt = request.values.get("format", "").lower()
    if fmt:
        return fmt == "html"
    return negotiation.prefers_html(request.accept_mimetypes)


@bp.route("/sparql/", methods=["GET", "POST"])
def trailing_slash() -> ResponseReturnValue:
    """``/sparql/`` (as some clients and the W3C suite write it): 308 keeps method and body."""
    target = "/sparql" + ("?" + request.query_string.decode() if request.query_string else "")
    return redirect(target, code=308)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> ResponseReturnValue:
    """Answer a query, or describe the service when there is none."""
    svc = services()
    try:
        query_request = protocol.parse_request(request, svc.settings.max_request_bytes)
        if query_request is None:
            return _description()
        if _wants_html():
            return _page(query_request)
        formats = protocol.result_preference(request)
    except ProtocolError as exc:
        return problem(exc.status, exc.message)
    if formats.tabular is None and formats.graph is None:
        return _not_acceptable()
    try:
        outcome = svc.sparql.answer(query_request, formats)
    except NotAcceptable as exc:
        return _not_acceptable(str(exc))
    response = Response(outcome.body, content_type=results.content_type(outcome.media_type))
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, max-age=300"
    if outcome.truncated:
        response.headers["X-Rcpkg-Truncated"] = f"max-rows={svc.settings.max_rows}"
    return response


def _not_acceptable(what: str = "") -> Response:
    offered = negotiation.available(protocol.TABULAR_OFFERS | protocol.GRAPH_OFFERS)
    subject = f" for {what}" if what else ""
    return problem(406, f"No acceptable format{subject}. Available: {offered}, text/html.")


def _description() -> ResponseReturnValue:
    svc = services()
    fmt = request.values.get("format") or negotiation.choose(
        request.accept_mimetypes, _DESCRIPTION_OFFERS
    )
    if fmt == "html" or (fmt is None and _wants_html()):
        return _page(None)
    fmt = results.FORMAT_ALIASES.get(fmt or "", fmt)
    if fmt not in svc.service_description:
        return problem(
            406, "No acceptable format. Available: " + negotiation.available(_DESCRIPTION_OFFERS)
        )
    media_type = results.GRAPH_MEDIA_TYPES[fmt]
    response = Response(svc.service_description[fmt], content_type=results.content_type(media_type))
    response.headers["Vary"] = "Accept"
    return response


def _page(query_request: QueryRequest | None) -> ResponseReturnValue:
    """The query page; with a query, its answer rendered as a table (or a graph as text)."""
    svc = services()
    table = None
    graph_text = None
    boolean = None
    error = None
    truncated = False
    if query_request is not None:
        try:
            outcome = svc.sparql.answer(query_request, ResultPreference("json", "ttl"))
        except StoreError as exc:  # shown on the page, with its status
            error = (exc.status, exc.message)
        else:
            truncated = outcome.truncated
            if outcome.form == "GRAPH":
                graph_text = outcome.body.decode()
            else:
                data = json.loads(outcome.body)
                if "boolean" in data:
                    boolean = data["boolean"]
                else:
                    table = (data["head"]["vars"], data["results"]["bindings"])
    body = render_template(
        "query.html",
        query=query_request.query
        if query_request
        else (svc.examples[0].query if svc.examples else ""),
        examples=svc.examples,
        table=table,
        graph_text=graph_text,
        boolean=boolean,
        error=error,
        truncated=truncated,
        max_rows=svc.settings.max_rows,
        href=local_href,
    )
    status = error[0] if error else 200
    return Response(body, status=status, content_type="text/html; charset=utf-8")
