"""Serialized representations, made once per data release and kept in a bounded LRU cache.

A representation is the bytes of one document (a thing's description, the ontology, the
dataset description...) in one format, its media type and a strong ETag. The ETag is derived
from the data, not the bytes: ``sha256(store fingerprint | rcpkg version | document | format)``,
so every worker process gives the same ETag for the same document without comparing bytes, and
a new data release (new fingerprint) or a new rcpkg version changes every ETag.

The cache key starts with the store fingerprint, so entries of an older release are never
served; they simply age out of the LRU.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.plugins.serializers.turtle import TurtleSerializer

from rcpkg import __version__, rdf_formats
from rcpkg.resources.namespaces import prefixes

#: The RDF formats a document is offered in, by file extension (the key used everywhere).
RDF_FORMATS: dict[str, rdf_formats.RdfSyntax] = {
    "ttl": rdf_formats.TURTLE,
    "jsonld": rdf_formats.JSONLD,
    "rdf": rdf_formats.RDFXML,
    "nt": rdf_formats.NTRIPLES,
}
#: Media types of every format a document is offered in, including the HTML page.
MEDIA_TYPES: dict[str, str] = {"html": "text/html"} | {
    k: v.media_type for k, v in RDF_FORMATS.items()
}


@dataclass(frozen=True)
class Representation:
    """The bytes of a document in one format."""

    body: bytes
    media_type: str
    etag: str  # without quotes

    @property
    def content_type(self) -> str:
        if self.media_type in ("text/html", "text/turtle", "application/n-triples"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


def etag_for(fingerprint: str, document: str, fmt: str) -> str:
    """The strong ETag of ``document`` in ``fmt`` for the data release ``fingerprint``."""
    text = f"{fingerprint}|{__version__}|{document}|{fmt}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def bind_prefixes(graph: Graph, base_iri: str) -> Graph:
    """``graph`` with our prefixes bound (Turtle writes only those it uses)."""
    for prefix, namespace in prefixes(base_iri).items():
        if prefix != "id":  # slashes in keys make ``id:`` names invalid Turtle; write IRIs
            graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sorted_ntriples(graph: Graph) -> bytes:
    """N-Triples, one line per triple, sorted (stable, diffable output)."""
    text = graph.serialize(format="nt", encoding="utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return b"\n".join(lines) + (b"\n" if lines else b"")


class _MainFirstTurtle(TurtleSerializer):
    """rdflib's Turtle writer, with the document's main subject written first."""

    def __init__(self, graph: Graph, first: URIRef | None) -> None:
        super().__init__(graph)
        self._first = first

    def orderSubjects(self) -> list:  # rdflib names it so
        subjects = super().orderSubjects()
        if self._first is not None and self._first in subjects:
            subjects.remove(self._first)
            subjects.insert(0, self._first)
        return subjects


def serialize(
    graph: Graph, fmt: str, base_iri: str, context: dict[str, Any], main: str | None = None
) -> bytes:
    """``graph`` in the RDF format ``fmt`` (``ttl``, ``nt``, ``jsonld``, ``rdf``).

    Turtle and RDF/XML use our prefixes (Turtle writes ``main`` first); JSON-LD is compacted
    with our context, embedded.
    """
    if fmt == "nt":
        return sorted_ntriples(graph)
    copy = bind_prefixes(Graph(bind_namespaces="none"), base_iri)
    for triple in graph:
        copy.add(triple)
    if fmt == "ttl":
        out = io.BytesIO()
        _MainFirstTurtle(copy, URIRef(main) if main else None).serialize(out, encoding="utf-8")
        return out.getvalue()
    if fmt == "rdf":
        return copy.serialize(format="xml", encoding="utf-8")
    if fmt == "jsonld":
        return copy.serialize(
            format="json-ld", context=context["@context"], auto_compact=True, encoding="utf-8"
        )
    raise ValueError(f"unknown RDF format: {fmt}")
