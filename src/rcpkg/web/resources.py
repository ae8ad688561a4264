"""Linked-data routes: ``/id/…`` (303), ``/doc/…``, ``/ontology``, ``/shapes``, ``/dataset``,
``/.well-known/void``, ``/context.jsonld``, ``/download/…`` and ``/sitemap.xml``.

The documents and their bytes come from :class:`rcpkg.resources.service.LinkedData`; this
module negotiates the format, answers conditional requests and sets the headers. The decisions
(negotiation order, caching, Link headers) are in ``docs/linked-data.md``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, send_file
from flask.typing import ResponseReturnValue

from rcpkg import negotiation
from rcpkg.resources.representations import MEDIA_TYPES, Representation
from rcpkg.resources.service import Document, LinkedData
from rcpkg.resources.view import PageView
from rcpkg.web.context import services
from rcpkg.web.errors import problem

bp = Blueprint("resources", __name__)

#: Offers in order: ties (``*/*``, ``text/*``) go to Turtle; a browser gets HTML first anyway.
OFFERS: dict[str, str] = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/n-triples": "nt",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "jsonld",  # plain-JSON clients get JSON-LD (it is JSON)
}
AVAILABLE = ", ".join(MEDIA_TYPES.values())
CACHE_CONTROL = "public, max-age=3600"
VOID_IN_DATASET = "http://rdfs.org/ns/void#inDataset"


def _ld() -> LinkedData:
    return services().linked_data


def _split_extension(path: str) -> tuple[str, str | None]:
    """``state/ERI.ttl`` -> (``state/ERI``, ``ttl``); no known extension -> (path, None)."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in MEDIA_TYPES and stem and "/" not in ext:
        return stem, ext
    return path, None


def _negotiate() -> str | None:
    """The format key the client prefers, or ``None`` when it accepts none of ours."""
    accept = request.accept_mimetypes
    if negotiation.prefers_html(accept):
        return "html"
    return negotiation.choose(accept, OFFERS)


def _render(page: PageView) -> str:
    return render_template(page.template, page=page)


def _not_modified(etag: str) -> str | None:
    """The ETag the client already holds, when ``If-None-Match`` names this representation.

    The compressor turns a strong ETag ``"X"`` into ``"X:gzip"`` on compressed answers, so
    both forms count as the same representation.
    """
    if not request.if_none_match:
        return None
    for candidate in (etag, f"{etag}:gzip"):
        if request.if_none_match.contains_weak(candidate):
            return candidate
    return None


def _conditional(rep: Representation, headers: dict[str, str]) -> Response:
    """200 with the body, or 304 when the client's copy is current."""
    held = _not_modified(rep.etag)
    if held is not None:
        response = Response(status=304)
        response.set_etag(held)
    else:
        response = Response(rep.body, content_type=rep.content_type)
        response.set_etag(rep.etag)
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _link_header(ld: LinkedData, doc: Document, served: str) -> str:
    links = [
        f'<{alt.href}>; rel="alternate"; type="{alt.media_type}"'
        for alt in ld.alternates(doc)
        if alt.extension != served
    ]
    canonical = ld.base + doc.path.lstrip("/")
    links.append(f'<{canonical}>; rel="canonical"')
    if doc.kind != "dataset":
        links.append(f'</dataset>; rel="{VOID_IN_DATASET}"')
    return ", ".join(links)


def _serve(doc: Document, fmt: str | None, exists: bool) -> ResponseReturnValue:
    """Answer for ``doc``: in ``fmt`` when the URL fixed it, else negotiated on ``Accept``."""
    ld = _ld()
    if not exists:
        return problem(404, f"Nothing is published at {request.path}.")
    negotiated = fmt is None
    if negotiated:
        fmt = _negotiate()
        if fmt is None:
            return problem(
                406,
                f"None of the formats of {request.path} is acceptable. Available: {AVAILABLE}.",
                {"Vary": "Accept", "Link": _link_header(ld, doc, "")},
            )
    assert fmt is not None
    rep = services().pages.html(doc, _render) if fmt == "html" else ld.representation(doc, fmt)
    if rep is None:
        return problem(404, f"Nothing is published at {request.path}.")
    headers = {"Link": _link_header(ld, doc, fmt)}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = doc.href(fmt)
    return _conditional(rep, headers)


@bp.get("/id/<path:path>")
def thing_iri(path: str) -> ResponseReturnValue:
    """The IRI of a thing: 303 See Other to the document that describes it."""
    ld = _ld()
    try:
        known = ld.exists(ld.thing(path).iri)
    except ValueError:  # characters no IRI may hold
        known = False
    if not known:
        return problem(404, f"Nothing is published at {request.path}.")
    response = redirect(f"/doc/{path}", code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.get("/doc/<path:path>")
def thing_document(path: str) -> ResponseReturnValue:
    """The description of a thing, negotiated; ``.ttl``, ``.jsonld``... fix the format."""
    ld = _ld()
    stem, fmt = _split_extension(path)
    doc = ld.thing(stem)
    try:
        known = ld.exists(doc.iri)
    except ValueError:
        known = False
    return _serve(doc, fmt, known)


def _graph_route(name: str, path: str) -> ResponseReturnValue:
    ld = _ld()
    stem, fmt = _split_extension(path)
    if stem != name or (fmt is None and path != name):
        return problem(404, f"Nothing is published at {request.path}.")
    doc = ld.dataset() if name == "dataset" else ld.named_graph(name)
    return _serve(doc, fmt, ld.content(doc) is not None)


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> ResponseReturnValue:
    """The ontology (its named graph); HTML has an ``id="Term"`` anchor per term."""
    return _graph_route("ontology", f"ontology.{ext}" if ext else "ontology")


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> ResponseReturnValue:
    """The SHACL shapes (their named graph)."""
    return _graph_route("shapes", f"shapes.{ext}" if ext else "shapes")


@bp.get("/dataset")
@bp.get("/dataset.<ext>")
def dataset(ext: str | None = None) -> ResponseReturnValue:
    """The VoID and DCAT description of the dataset."""
    return _graph_route("dataset", f"dataset.{ext}" if ext else "dataset")


@bp.get("/.well-known/void")
def well_known_void() -> ResponseReturnValue:
    """RFC 8615 / VoID's well-known address: see the dataset description."""
    return redirect("/dataset", code=303)


@bp.get("/context.jsonld")
def jsonld_context() -> ResponseReturnValue:
    """Our JSON-LD context."""
    return _conditional(_ld().context_document(), {})


@bp.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """Every page, at its canonical address."""
    return _conditional(_ld().sitemap(), {})


@bp.get("/download/csv/<name>")
def download_csv(name: str) -> ResponseReturnValue:
    """A tidy CSV table, or the CSV on the Web metadata that describes them all."""
    path = _ld().dumps.csv_path(name)
    if path is None:
        return problem(404, f"Nothing is published at {request.path}.")
    mimetype = "application/csvm+json" if name.endswith(".json") else "text/csv"
    response = send_file(
        path, mimetype=mimetype, conditional=True, etag=True, max_age=3600, download_name=name
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Link"] = f'</dataset>; rel="{VOID_IN_DATASET}"'
    return response


@bp.get("/download/<name>")
def download(name: str) -> ResponseReturnValue:
    """A dump; only the names of :data:`rcpkg.resources.build.DUMP_FILES` exist."""
    from rcpkg.resources.build import DUMP_FILES

    if name not in DUMP_FILES:
        return problem(404, f"Nothing is published at {request.path}.")
    path = _ld().dumps.path(name)
    if path is None or not path.is_file():
        return problem(404, f"Nothing is published at {request.path}.")
    mimetype = "application/gzip" if name.endswith(".gz") else DUMP_FILES[name]
    response = send_file(
        path, mimetype=mimetype, conditional=True, etag=True, max_age=3600, download_name=name
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Link"] = f'</dataset>; rel="{VOID_IN_DATASET}"'
    return response
