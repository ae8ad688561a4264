"""The page service: view models of every HTML page, and their rendered bytes cached per release.

One per web process, beside :class:`rcpkg.resources.service.LinkedData`, whose LRU cache (keyed
by the store fingerprint) it shares: a page is built and rendered on its first request, then
served from the cache until the data changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from rcpkg.examples import Example
from rcpkg.pages import query as q
from rcpkg.pages.dates import year_of
from rcpkg.pages.model import Link
from rcpkg.pages.ontology import ontology_view
from rcpkg.pages.things import SourceView, ThingPages, script_safe_json
from rcpkg.resources.representations import Representation, etag_for
from rcpkg.resources.service import DATASET, GRAPH, THING, Document, LinkedData
from rcpkg.resources.view import PageView
from rcpkg.search import Hit, SearchIndex

#: The dumps the home page offers (``/download/{name}``).
DOWNLOADS = (
    ("rcpkg.ttl", "Turtle"),
    ("rcpkg.nt", "N-Triples"),
    ("rcpkg.nt.gz", "N-Triples, gzipped"),
    ("rcpkg.jsonld", "JSON-LD"),
)


@dataclass
class ProcessItem:
    link: Link
    kind: Link | None
    established: Link | None
    members: int
    #: False when a source says the recorded member list is known to be incomplete.
    members_complete: bool = True


@dataclass
class HomeView:
    title: str
    processes: list[ProcessItem] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    sources: list[SourceView] = field(default_factory=list)
    downloads: tuple[tuple[str, str], ...] = DOWNLOADS
    examples: list[Example] = field(default_factory=list)


@dataclass
class SearchView:
    query: str
    hits: list[Hit]
    total: int
    indexed: int


class Pages:
    """Builds and caches the HTML pages of one web process."""

    def __init__(self, ld: LinkedData, examples: list[Example]) -> None:
        self.ld = ld
        self.store = ld.store
        self.base = ld.base
        self.examples = examples
        self._index: tuple[str, SearchIndex] | None = None
        self._index_lock = threading.Lock()

    def _things(self) -> ThingPages:
        return ThingPages(self.store, self.base, self.ld.local_href, self.examples)

    # documents (things, ontology, shapes, dataset) ------------------------------------

    def document(self, doc: Document) -> PageView | None:
        """The view model of ``doc``'s page: the description's, with what pages add."""
        page = self.ld.page_view(doc)
        content = self.ld.content(doc)
        if page is None or content is None:
            return None
        if doc.kind == THING:
            page.extras = self._things().extras(page, content.graph, doc.iri)
            rep = self.ld.representation(doc, "jsonld")
            if rep is not None:
                page.jsonld = script_safe_json(rep.body.decode("utf-8"))
        elif doc.kind == GRAPH and doc.iri == self.base + "ontology":
            page.template = "ontology.html"
            page.extras = ontology_view(content.graph, doc.iri, self.base, self.ld.local_href)
        elif doc.kind == DATASET:
            page.template = "resource.html"
        return page

    def html(self, doc: Document, render: Callable[[PageView], str]) -> Representation | None:
        """``doc`` as HTML (cached per release, under the same key as other formats use)."""

        def make() -> Representation | None:
            page = self.document(doc)
            if page is None:
                return None
            body = render(page).encode("utf-8")
            etag = etag_for(self.store.fingerprint, doc.iri, "html")
            return Representation(body, "text/html", etag)

        return self.ld.cache.get_or_make(self.ld.key("rep", doc.kind, doc.iri, "html"), make)

    # the home page --------------------------------------------------------------------

    def home(self) -> HomeView:
        ns = self.base + "ontology#"
        view = HomeView("Inter-state migration dialogues")
        rows = q.select(
            self.store,
            """SELECT ?p ?kind ?est ?complete (COUNT(DISTINCT ?m) AS ?members) WHERE {
              ?p a rcpkg:ConsultativeProcess .
              OPTIONAL { ?p rcpkg:processKind ?kind }
              OPTIONAL { ?p rcpkg:established ?est }
              OPTIONAL { ?p rcpkg:memberListComplete ?complete }
              OPTIONAL { ?r org:organization ?p ; org:member ?m ; a rcpkg:Membership .
                         FILTER NOT EXISTS { ?r schema:endDate ?e }
                         FILTER NOT EXISTS { ?r rcpkg:ended true } }
            } GROUP BY ?p ?kind ?est ?complete""",
            ns,
        )
        things = self._things()
        things.prefetch([q.iri(r.get(k)) or "" for r in rows for k in ("p", "kind")])
        seen: set[str] = set()
        for r in rows:
            p = q.iri(r["p"]) or ""
            if p in seen:
                continue
            seen.add(p)
            est = q.value(r.get("est"))
            view.processes.append(
                ProcessItem(
                    things.link(p) or Link(p),
                    things.link(q.iri(r.get("kind"))),
                    things.date(str(year_of(est))) if est and year_of(est) else None,
                    int(q.value(r.get("members")) or 0),
                    str(q.value(r.get("complete"))).lower() != "false",
                )
            )
        view.processes.sort(key=lambda item: item.link.text.casefold())
        counts = q.select(
            self.store,
            """SELECT
              (COUNT(DISTINCT ?p) AS ?processes) (COUNT(DISTINCT ?s) AS ?states)
              (COUNT(DISTINCT ?m) AS ?meetings) (COUNT(DISTINCT ?o) AS ?organizations)
            WHERE {
              { ?p a rcpkg:ConsultativeProcess }
              UNION { ?s a rcpkg:State }
              UNION { ?m rcpkg:heldBy ?x }
              UNION { ?o a ?oc . ?oc rdfs:subClassOf* rcpkg:Organization }
            }""",
            ns,
        )
        c = counts[0] if counts else {}
        view.counts = [
            ("processes", int(q.value(c.get("processes")) or 0)),
            ("states", int(q.value(c.get("states")) or 0)),
            ("meetings", int(q.value(c.get("meetings")) or 0)),
            ("organizations", int(q.value(c.get("organizations")) or 0)),
            ("triples", self.store.triple_count()),
        ]
        sources = q.select(
            self.store,
            """SELECT ?src ?url ?date ?publisher WHERE {
              ?src a rcpkg:Source .
              OPTIONAL { ?src schema:url ?url }
              OPTIONAL { ?src rcpkg:reflectsDate ?date }
              OPTIONAL { ?src dcterms:publisher ?publisher }
            }""",
            ns,
        )
        view.sources = things._source_views(sources)
        view.examples = self.examples
        return view

    def home_html(self, render: Callable[[HomeView], str]) -> Representation:
        def make() -> Representation:
            body = render(self.home()).encode("utf-8")
            return Representation(body, "text/html", etag_for(self.store.fingerprint, "/", "html"))

        return self.ld.cache.get_or_make(self.ld.key("page", "home"), make)

    # search ---------------------------------------------------------------------------

    def index(self) -> SearchIndex:
        """The search index of the data served now, built once per release."""
        fingerprint = self.store.fingerprint
        current = self._index
        if current is not None and current[0] == fingerprint:
            return current[1]
        with self._index_lock:
            current = self._index
            if current is None or current[0] != fingerprint:
                current = (fingerprint, SearchIndex.build(self.store, self.base))
                self._index = current
            return current[1]

    def search(self, text: str) -> SearchView:
        hits, total = self.index().search(text)
        return SearchView(text, hits, total, len(self.index()))
