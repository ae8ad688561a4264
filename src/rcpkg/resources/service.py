"""The linked-data service: documents, their representations, the dumps; one per process.

A *document* is what one URL without extension serves: the description of a thing
(``/doc/{kind}/{key}``), a whole named graph (``/ontology``, ``/shapes``) or the dataset
description (``/dataset``). Each is computed on its first request and kept, with each of its
serializations, in an LRU cache keyed by the store fingerprint (see ``docs/linked-data.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from rcpkg import rdf_formats
from rcpkg.cache import LruCache
from rcpkg.config import Settings
from rcpkg.resources import dataset as dataset_module
from rcpkg.resources import describe as describe_module
from rcpkg.resources import sitemap as sitemap_module
from rcpkg.resources import view as view_module
from rcpkg.resources.build import Dumps
from rcpkg.resources.jsonld import context_bytes, load_context
from rcpkg.resources.representations import (
    MEDIA_TYPES,
    RDF_FORMATS,
    Representation,
    etag_for,
    serialize,
)
from rcpkg.store.base import Store

#: Kinds of document.
THING, GRAPH, DATASET = "thing", "graph", "dataset"


@dataclass(frozen=True)
class Document:
    """What a URL without extension serves: which kind of document, of which IRI, where."""

    kind: str
    iri: str
    #: The local path of the document without extension, e.g. ``/doc/state/ERI``.
    path: str

    def href(self, fmt: str) -> str:
        """The path of the document in the format ``fmt`` (``/doc/state/ERI.ttl``)."""
        return f"{self.path}.{fmt}"


@dataclass(frozen=True)
class Content:
    """A document's graph, and for a thing its description (incoming counts)."""

    graph: Graph
    description: describe_module.Description | None = None

    @property
    def nbytes(self) -> int:
        """Memory the graph holds, for the cache's byte bound: rdflib keeps each triple in
        several indexes, about 1.2 KB a triple (measured with tracemalloc on state pages)."""
        return 1200 * len(self.graph)


def input_files(settings: Settings) -> list[Path]:
    """The local files the served data comes from (none for a remote endpoint)."""
    if settings.endpoint:
        return []
    try:
        return rdf_formats.rdf_files(list(settings.data_paths))
    except (OSError, ValueError):
        return []


class LinkedData:
    """Descriptions, representations, the dataset description, dumps and the sitemap."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.cache = LruCache(
            settings.representation_cache_size, settings.representation_cache_bytes
        )
        self.context: dict[str, Any] = load_context(self.base)
        self.modified = dataset_module.modified_date(
            input_files(settings), None if settings.data or settings.endpoint else settings.checkout
        )
        self.dumps = Dumps(
            store,
            self.base,
            settings.dist_dir or settings.checkout / "dist",
            settings.cache_dir,
            lambda: self.context,
            self.modified,
        )

    # Documents -------------------------------------------------------------------------

    def thing(self, path: str) -> Document:
        """The document of the thing whose IRI is ``{base}id/{path}``."""
        return Document(THING, f"{self.base}id/{path}", f"/doc/{path}")

    def named_graph(self, name: str) -> Document:
        """``/ontology`` or ``/shapes``: the named graph ``{base}{name}``."""
        return Document(GRAPH, self.base + name, "/" + name)

    def dataset(self) -> Document:
        return Document(DATASET, self.base + "dataset", "/dataset")

    def _key(self, *parts: str) -> tuple:
        return (self.store.fingerprint, *parts)

    def key(self, *parts: str) -> tuple:
        """A cache key of this data release (for the page services sharing :attr:`cache`)."""
        return self._key(*parts)

    def exists(self, iri: str) -> bool:
        """True when ``iri`` is the subject or object of a triple (cached per release)."""
        return self.cache.get_or_make(
            self._key("exists", iri), lambda: describe_module.exists(self.store, iri)
        )

    def content(self, doc: Document) -> Content | None:
        """The graph of ``doc`` (cached per release), or ``None`` when there is nothing."""
        return self.cache.get_or_make(
            self._key("content", doc.kind, doc.iri), lambda: self._make_content(doc)
        )

    def _make_content(self, doc: Document) -> Content | None:
        if doc.kind == THING:
            description = describe_module.describe(
                self.store, doc.iri, self.base, self.settings.incoming_limit
            )
            return Content(description.graph, description) if description else None
        if doc.kind == GRAPH:
            graph = describe_module.describe_graph(self.store, doc.iri)
            return Content(graph) if graph is not None else None
        graph = dataset_module.describe_dataset(
            self.store, self.base, self.dumps.sizes(), self.modified
        )
        return Content(graph)

    # Representations -------------------------------------------------------------------

    def representation(self, doc: Document, fmt: str) -> Representation | None:
        """``doc`` in the RDF format ``fmt`` (cached per release), ``None`` when unknown."""
        if fmt not in RDF_FORMATS:
            raise ValueError(f"not an RDF format: {fmt}")
        return self.cache.get_or_make(
            self._key("rep", doc.kind, doc.iri, fmt), lambda: self._make_rdf(doc, fmt)
        )

    def _make_rdf(self, doc: Document, fmt: str) -> Representation | None:
        content = self.content(doc)
        if content is None:
            return None
        body = serialize(content.graph, fmt, self.base, self.context, doc.iri)
        etag = etag_for(self.store.fingerprint, doc.iri, fmt)
        return Representation(body, MEDIA_TYPES[fmt], etag)

    def html(
        self, doc: Document, render: Callable[[view_module.PageView], str]
    ) -> Representation | None:
        """``doc`` as HTML, rendered by ``render`` from its view model (cached per release)."""
        return self.cache.get_or_make(
            self._key("rep", doc.kind, doc.iri, "html"), lambda: self._make_html(doc, render)
        )

    def _make_html(
        self, doc: Document, render: Callable[[view_module.PageView], str]
    ) -> Representation | None:
        page = self.page_view(doc)
        if page is None:
            return None
        body = render(page).encode("utf-8")
        return Representation(body, "text/html", etag_for(self.store.fingerprint, doc.iri, "html"))

    def alternates(self, doc: Document) -> list[view_module.Alternate]:
        """Every format of ``doc``: extension, media type, path."""
        return [view_module.Alternate(ext, mt, doc.href(ext)) for ext, mt in MEDIA_TYPES.items()]

    def local_href(self, iri: str) -> str:
        """A local link for our IRIs (``{base}X`` -> ``/X``), the IRI itself otherwise."""
        return "/" + iri[len(self.base) :] if iri.startswith(self.base) else iri

    def page_view(self, doc: Document) -> view_module.PageView | None:
        """The view model of ``doc``'s HTML page."""
        content = self.content(doc)
        if content is None:
            return None
        alternates = self.alternates(doc)
        if doc.kind == THING and content.description is not None:
            d = content.description
            return view_module.thing_page(
                content.graph,
                doc.iri,
                self.base,
                self.local_href,
                alternates,
                d.incoming_total,
                d.incoming_shown,
                d.more_incoming,
            )
        return view_module.graph_page(
            content.graph, doc.iri, self.base, self.local_href, alternates
        )

    # Site-wide documents ---------------------------------------------------------------

    def sitemap(self) -> Representation:
        return self.cache.get_or_make(
            self._key("sitemap"),
            lambda: Representation(
                sitemap_module.sitemap(self.store, self.base),
                "application/xml",
                etag_for(self.store.fingerprint, "sitemap", "xml"),
            ),
        )

    def context_document(self) -> Representation:
        return self.cache.get_or_make(
            self._key("context"),
            lambda: Representation(
                context_bytes(self.base),
                "application/ld+json",
                etag_for(self.store.fingerprint, "context", "jsonld"),
            ),
        )
