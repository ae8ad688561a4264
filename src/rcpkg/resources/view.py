"""The view model of a resource page: labels instead of IRIs, facts and incoming links grouped.

The HTML templates only lay out what this module prepares, so that a later, richer page design
extends the model here rather than querying from templates. Everything comes from the
description graph itself, which holds the label and type of every IRI it names (the labels of
properties and classes come from the ontology that way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from rcpkg.pages.dates import DATE_TYPES, human_date
from rcpkg.resources.namespaces import RDF, RDFS, SCHEMA, SKOS, prefixes

#: Label properties, best first.
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, SCHEMA.name)
#: Properties shown first among the facts, in this order.
LEADING = (SKOS.prefLabel, RDFS.label, SCHEMA.name, SKOS.altLabel)
#: Blank nodes nested deeper than this are shown as "(…)".
MAX_NESTING = 4
#: Labels of reused terms, for when the graph has none (their vocabularies are not loaded).
KNOWN_LABELS: dict[str, str] = {
    str(RDFS.label): "label",
    str(RDFS.comment): "comment",
    str(RDFS.seeAlso): "see also",
    str(RDFS.subClassOf): "subclass of",
    str(RDFS.subPropertyOf): "subproperty of",
    str(RDFS.domain): "domain",
    str(RDFS.range): "range",
    str(RDFS.isDefinedBy): "defined by",
    str(RDF.type): "type",
    str(SKOS.prefLabel): "preferred name",
    str(SKOS.altLabel): "other names",
    str(SKOS.definition): "definition",
    str(SKOS.inScheme): "in scheme",
    str(SKOS.broader): "broader",
    str(SKOS.narrower): "narrower",
    str(SKOS.topConceptOf): "top concept of",
    str(SKOS.hasTopConcept): "top concepts",
    str(SCHEMA.name): "name",
    str(SCHEMA.url): "web address",
    str(SCHEMA.startDate): "start date",
    str(SCHEMA.endDate): "end date",
    str(SCHEMA.location): "location",
    str(SCHEMA.eventAttendanceMode): "attendance mode",
    "http://www.w3.org/2002/07/owl#sameAs": "same as",
    "http://www.w3.org/ns/org#member": "member",
    "http://www.w3.org/ns/org#organization": "organization",
    "http://www.w3.org/ns/org#role": "role",
    "http://www.w3.org/ns/org#subOrganizationOf": "part of",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "source",
    "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/description": "description",
    "http://purl.org/dc/terms/publisher": "publisher",
    "http://purl.org/dc/terms/creator": "creator",
    "http://purl.org/dc/terms/issued": "issued",
    "http://purl.org/dc/terms/created": "created",
    "http://purl.org/dc/terms/modified": "modified",
    "http://purl.org/dc/terms/subject": "subject",
    "http://purl.org/dc/terms/isPartOf": "part of",
    "http://purl.org/dc/terms/replaces": "replaces",
    "http://purl.org/dc/terms/license": "licence",
    "http://purl.org/dc/terms/source": "source",
    "http://purl.org/dc/terms/language": "language",
}


@dataclass
class Value:
    """One value as a page shows it: a text, a link when it names something."""

    text: str
    iri: str | None = None
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None
    #: The facts of a blank node, shown in place.
    nested: NodeView | None = None
    #: For a date written as people write it ("28 November 2014"), its ISO form.
    datetime: str | None = None


@dataclass
class Row:
    """A property and its values (or, for incoming links, the things that point here)."""

    property_iri: str
    label: str
    href: str
    values: list[Value] = field(default_factory=list)


@dataclass
class NodeView:
    """A node of the page: its label, types and facts; incoming links for the main node."""

    label: str
    iri: str | None = None
    anchor: str | None = None
    types: list[Value] = field(default_factory=list)
    facts: list[Row] = field(default_factory=list)
    incoming: list[Row] = field(default_factory=list)


@dataclass
class Alternate:
    """Another format of the same document."""

    extension: str
    media_type: str
    href: str


@dataclass
class PageView:
    """Everything the generic resource page shows."""

    title: str
    main: NodeView
    #: Other nodes of a whole-graph document (ontology terms, shapes), in order.
    others: list[NodeView] = field(default_factory=list)
    alternates: list[Alternate] = field(default_factory=list)
    incoming_total: int = 0
    incoming_shown: int = 0
    more_incoming: str | None = None
    #: The template that lays the page out.
    template: str = "resource.html"
    #: What the page services add (``rcpkg.pages``): sources, corrections, sections...
    extras: Any = None
    #: The description as JSON-LD, safe to embed in a ``<script>`` data block.
    jsonld: str | None = None


class Labeller:
    """Labels and short names for the terms of one graph."""

    def __init__(self, graph: Graph, base_iri: str, href: Callable[[str], str]) -> None:
        self.graph = graph
        self.href = href
        self.prefixes = sorted(prefixes(base_iri).items(), key=lambda kv: -len(kv[1]))

    def compact(self, iri: str) -> str:
        """``prefix:local`` for a known namespace, else the IRI."""
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace) and iri != namespace:
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def label(self, node: Node) -> str:
        """The best label of ``node``: English, then untagged, then any; else its short name."""
        for prop in LABEL_PROPERTIES:
            found = [o for o in self.graph.objects(node, prop) if isinstance(o, Literal)]
            if found:
                found.sort(key=lambda lit: (lit.language not in ("en", None), lit.language or ""))
                en = [lit for lit in found if lit.language == "en"]
                return str((en or found)[0])
        if isinstance(node, URIRef):
            return KNOWN_LABELS.get(str(node)) or self.compact(str(node))
        return "(unnamed node)"

    def value(self, node: Node, depth: int = 0, seen: frozenset[Node] = frozenset()) -> Value:
        """``node`` as a value: literals as text, IRIs as labelled links, blank nodes nested."""
        if isinstance(node, Literal):
            datatype = None
            if node.datatype is not None:
                datatype = self.compact(str(node.datatype))
                if str(node.datatype) in DATE_TYPES:
                    return Value(human_date(str(node)), datatype=datatype, datetime=str(node))
            return Value(str(node), lang=node.language, datatype=datatype)
        if isinstance(node, URIRef):
            return Value(self.label(node), iri=str(node), href=self.href(str(node)))
        if depth >= MAX_NESTING or node in seen:
            return Value("(…)")
        nested = self.node(node, depth + 1, seen | {node})
        return Value(nested.label, nested=nested)

    def property_row(self, prop: URIRef) -> Row:
        return Row(str(prop), self.label(prop), self.href(str(prop)))

    def node(self, node: Node, depth: int = 0, seen: frozenset[Node] = frozenset()) -> NodeView:
        """The facts of ``node`` grouped by property (types apart), leading properties first."""
        iri = str(node) if isinstance(node, URIRef) else None
        view = NodeView(self.label(node), iri=iri)
        view.types = sorted(
            (self.value(t) for t in self.graph.objects(node, RDF.type)), key=lambda v: v.text
        )
        rows: dict[URIRef, Row] = {}
        for prop, obj in self.graph.predicate_objects(node):
            if prop == RDF.type or not isinstance(prop, URIRef):
                continue
            row = rows.setdefault(prop, self.property_row(prop))
            row.values.append(self.value(obj, depth, seen | {node}))
        for row in rows.values():
            row.values.sort(key=lambda v: (v.text.casefold(), v.lang or ""))
        view.facts = sorted(rows.values(), key=self._row_order)
        return view

    def incoming(self, node: Node) -> list[Row]:
        """The triples pointing at ``node``, grouped by property, subjects sorted by label."""
        rows: dict[URIRef, Row] = {}
        for subject, prop in self.graph.subject_predicates(node):
            if not isinstance(prop, URIRef) or subject == node:
                continue
            row = rows.setdefault(prop, self.property_row(prop))
            row.values.append(self.value(subject, 0, frozenset({node})))
        for row in rows.values():
            row.values.sort(key=lambda v: v.text.casefold())
        return sorted(rows.values(), key=self._row_order)

    @staticmethod
    def _row_order(row: Row) -> tuple[int, str]:
        iris = [str(p) for p in LEADING]
        lead = iris.index(row.property_iri) if row.property_iri in iris else len(iris)
        return (lead, row.label.casefold())


def thing_page(
    graph: Graph,
    iri: str,
    base_iri: str,
    href: Callable[[str], str],
    alternates: list[Alternate],
    incoming_total: int = 0,
    incoming_shown: int = 0,
    more_incoming: str | None = None,
) -> PageView:
    """The page of one thing's description."""
    labeller = Labeller(graph, base_iri, href)
    thing = URIRef(iri)
    main = labeller.node(thing)
    main.incoming = labeller.incoming(thing)
    return PageView(
        main.label,
        main,
        alternates=alternates,
        incoming_total=incoming_total,
        incoming_shown=incoming_shown,
        more_incoming=more_incoming,
    )


def graph_page(
    graph: Graph,
    iri: str,
    base_iri: str,
    href: Callable[[str], str],
    alternates: list[Alternate],
) -> PageView:
    """The page of a whole-graph document (``/ontology``, ``/shapes``, ``/dataset``).

    The document's own node comes first; then every other IRI subject, each with an anchor:
    the fragment of ``{iri}#Term`` IRIs (so ``…/ontology#State`` lands on ``id="State"``).
    Blank nodes are shown inside the nodes that refer to them; those nothing refers to are
    listed last.
    """
    labeller = Labeller(graph, base_iri, href)
    main = labeller.node(URIRef(iri))
    others: list[NodeView] = []
    subjects = {s for s in graph.subjects() if s != URIRef(iri)}
    named = sorted((s for s in subjects if isinstance(s, URIRef)), key=str)
    orphans = [s for s in subjects if isinstance(s, BNode) and (None, None, s) not in graph]
    for subject in [*named, *sorted(orphans, key=str)]:
        view = labeller.node(subject)
        if isinstance(subject, URIRef) and str(subject).startswith(iri + "#"):
            view.anchor = str(subject)[len(iri) + 1 :]
        others.append(view)
    return PageView(main.label, main, others=others, alternates=alternates)
