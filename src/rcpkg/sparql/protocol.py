"""The SPARQL 1.1 Protocol, query operation: from an HTTP request to a :class:`QueryRequest`.

Implements https://www.w3.org/TR/sparql11-protocol/#query-operation : query via GET, via
URL-encoded POST and via POST directly; ``default-graph-uri`` and ``named-graph-uri``; and the
failures the specification lists (400 for a missing or repeated query, 415 for a body of
another type). The update operation is refused: the service is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from rcpkg import negotiation
from rcpkg.sparql import results
from rcpkg.store.base import QueryRequest, ResultPreference

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

#: SELECT/ASK formats by media type, in order of preference on ties.
TABULAR_OFFERS: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}

#: CONSTRUCT/DESCRIBE formats by media type, in order of preference on ties.
GRAPH_OFFERS: dict[str, str] = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/x-turtle": "ttl",
    "text/plain": "nt",
    "application/json": "jsonld",
    "application/xml": "rdf",
}


@dataclass
class ProtocolError(Exception):
    """A request that is not a valid SPARQL protocol query operation."""

    status: int
    message: str


def _one(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(
            400, f"The parameter {name!r} was given {len(values)} times; give it once."
        )
    return values[0] if values else None


def parse_request(request: Request, max_bytes: int) -> QueryRequest | None:
    """The query a request asks for, or ``None`` for a GET with no query (the description).

    Raises :class:`ProtocolError` for requests the protocol says are malformed.
    """
    if request.method in ("GET", "HEAD"):
        params = request.args
        if "update" in params:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        query = _one(params, "query")
        if query is None:
            return None
        return _build(query, params, max_bytes)

    mimetype = request.mimetype
    if request.content_length is not None and request.content_length > max_bytes:
        raise ProtocolError(413, f"The request body is larger than {max_bytes} bytes.")
    if "update" in request.args:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    if not mimetype and not request.content_length and not request.get_data(cache=True):
        raise ProtocolError(
            400,
            f"The request has no query: send it as the 'query' parameter of a form body "
            f"({FORM}), as the whole body ({DIRECT}), or with GET.",
        )
    if mimetype == FORM:
        params = request.form
        if request.content_length is None and _more_body(request):
            raise ProtocolError(413, f"The request body is larger than {max_bytes} bytes.")
        if "update" in params:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        if "query" in request.args:
            raise ProtocolError(
                400, "Give the query once, in the body; not also in the request URL."
            )
        query = _one(params, "query")
        if query is None:
            raise ProtocolError(400, "The request has no 'query' parameter.")
        merged = MultiDict(request.args)
        for key, value in params.items(multi=True):
            if key != "query":
                merged.add(key, value)
        return _build(query, merged, max_bytes)
    if mimetype == DIRECT:
        if "query" in request.args:
            raise ProtocolError(400, "Give the query either in the body or as 'query', not both.")
        charset = request.mimetype_params.get("charset", "utf-8")
        if charset.lower().replace("-", "") != "utf8":
            raise ProtocolError(
                415, f"The query body must be UTF-8 (charset={charset!r} is not accepted)."
            )
        body = request.get_data(cache=False)
        if len(body) >= max_bytes and _more_body(request):
            # A chunked body has no Content-Length: the stream stops at the limit instead,
            # and what was read would be a cut-off query.
            raise ProtocolError(413, f"The request body is larger than {max_bytes} bytes.")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "The query body is not valid UTF-8.") from None
        if not query.strip():
            raise ProtocolError(400, "The request body holds no query.")
        return _build(query, request.args, max_bytes)
    if mimetype == UPDATE:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    raise ProtocolError(
        415,
        f"Unsupported request body type {mimetype or '(none)'!r}: "
        f"send {FORM} or {DIRECT}, or use GET.",
    )


def _more_body(request: Request) -> bool:
    """True when the body goes on past what was read (Werkzeug says so by refusing)."""
    try:
        return bool(request.stream.read(1))
    except RequestEntityTooLarge:
        return True


def _build(query: str, params: MultiDict, max_bytes: int) -> QueryRequest:
    if len(query.encode()) > max_bytes:
        raise ProtocolError(413, f"The query is longer than {max_bytes} bytes.")
    return QueryRequest(
        query=query,
        default_graphs=_graph_iris(params, "default-graph-uri"),
        named_graphs=_graph_iris(params, "named-graph-uri"),
    )


def _graph_iris(params: MultiDict, name: str) -> tuple[str, ...]:
    """The graph IRIs given as ``name``; each must be an absolute IRI (else 400)."""
    iris = tuple(params.getlist(name))
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(400, f"{name} {iri!r} is not an absolute IRI.") from None
    return iris


def result_preference(request: Request) -> ResultPreference:
    """The formats to answer in: ``format=`` if given, else negotiated on ``Accept``."""
    fmt = request.values.get("format")
    if fmt:
        key = results.FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
        tabular = key if key in results.TABULAR_MEDIA_TYPES else TABULAR_OFFERS.get(fmt)
        graph = key if key in results.GRAPH_MEDIA_TYPES else GRAPH_OFFERS.get(fmt)
        # One word for a family: "json" also means JSON-LD for graphs, "xml" RDF/XML.
        graph = graph or {"json": "jsonld", "xml": "rdf"}.get(key)
        tabular = tabular or {"jsonld": "json", "rdf": "xml"}.get(key)
        if tabular is None and graph is None:
            known = ", ".join([*results.TABULAR_MEDIA_TYPES, *results.GRAPH_MEDIA_TYPES])
            raise ProtocolError(400, f"Unknown format {fmt!r}; use one of: {known}.")
        return ResultPreference(tabular, graph)
    accept = request.accept_mimetypes
    return ResultPreference(
        negotiation.choose(accept, TABULAR_OFFERS), negotiation.choose(accept, GRAPH_OFFERS)
    )
