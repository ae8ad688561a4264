"""The ontology's documentation page: every class and property with its label, definition and
alignments, each under an ``id="Term"`` anchor, generated from the ontology graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN

from rcpkg.pages.dates import DATE_TYPES, human_date
from rcpkg.pages.model import Link
from rcpkg.resources.view import Labeller

GROUPS = (
    ("classes", "Classes", (OWL.Class, RDFS.Class)),
    ("object-properties", "Object properties", (OWL.ObjectProperty,)),
    ("datatype-properties", "Datatype properties", (OWL.DatatypeProperty,)),
    ("annotation-properties", "Annotation properties", (OWL.AnnotationProperty,)),
    ("properties", "Other properties", (RDF.Property, OWL.SymmetricProperty)),
)


@dataclass
class TermView:
    anchor: str
    iri: str
    label: str
    definition: str | None = None
    comments: list[str] = field(default_factory=list)
    facts: list[tuple[str, list[Link]]] = field(default_factory=list)


@dataclass
class TermGroup:
    id: str
    heading: str
    terms: list[TermView] = field(default_factory=list)


@dataclass
class OntologyView:
    title: str
    description: str | None
    iri: str
    facts: list[tuple[str, list[Link]]] = field(default_factory=list)
    groups: list[TermGroup] = field(default_factory=list)


def ontology_view(graph: Graph, iri: str, base: str, href: Callable[[str], str]) -> OntologyView:
    labeller = Labeller(graph, base, href)
    node = URIRef(iri)
    namespace = iri + "#"

    def text(subject: URIRef, *props: URIRef) -> str | None:
        for prop in props:
            found = [o for o in graph.objects(subject, prop) if isinstance(o, Literal)]
            if found:
                found.sort(key=lambda lit: lit.language not in ("en", None))
                return str(found[0])
        return None

    def links(values: list) -> list[Link]:
        out = []
        for v in values:
            if isinstance(v, URIRef):
                out.append(Link(labeller.label(v), href(str(v)), str(v)))
            elif isinstance(v, Literal):
                dt = str(v.datatype) if v.datatype else None
                if dt in DATE_TYPES:
                    out.append(Link(human_date(str(v)), datetime=str(v)))
                else:
                    out.append(Link(str(v), lang=v.language))
        return sorted(out, key=lambda link: link.text.casefold())

    view = OntologyView(
        text(node, DCTERMS.title, RDFS.label) or "Ontology",
        text(node, DCTERMS.description, RDFS.comment),
        iri,
    )
    for name, prop in (
        ("Version", OWL.versionInfo),
        ("Version IRI", OWL.versionIRI),
        ("Preferred prefix", VANN.preferredNamespacePrefix),
        ("Namespace", VANN.preferredNamespaceUri),
        ("Creator", DCTERMS.creator),
        ("Created", DCTERMS.created),
        ("Modified", DCTERMS.modified),
        ("Licence", DCTERMS.license),
        ("See also", RDFS.seeAlso),
    ):
        found = links(list(graph.objects(node, prop)))
        if prop == OWL.versionIRI:  # names this version; not a document served here
            found = [Link(f.iri or f.text) for f in found]
        if found:
            view.facts.append((name, found))

    terms = sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(namespace)},
        key=lambda s: str(s).casefold(),
    )
    placed: set[URIRef] = set()
    for group_id, heading, classes in GROUPS:
        group = TermGroup(group_id, heading)
        for term in terms:
            if term in placed or not any((term, RDF.type, c) in graph for c in classes):
                continue
            placed.add(term)
            group.terms.append(_term(graph, term, namespace, labeller, text, links))
        if group.terms:
            view.groups.append(group)
    rest = [t for t in terms if t not in placed]
    if rest:
        group = TermGroup("other-terms", "Other terms")
        for term in rest:
            group.terms.append(_term(graph, term, namespace, labeller, text, links))
        view.groups.append(group)
    return view


def _term(graph, term, namespace, labeller, text, links) -> TermView:
    view = TermView(
        str(term)[len(namespace) :],
        str(term),
        labeller.label(term),
        text(term, SKOS.definition, RDFS.comment),
    )
    if (term, SKOS.definition, None) in graph:
        view.comments = [str(c) for c in graph.objects(term, RDFS.comment)]
    types = [t for t in graph.objects(term, RDF.type) if t != OWL.NamedIndividual]
    rows = [
        ("Type", types),
        ("Subclass of", list(graph.objects(term, RDFS.subClassOf))),
        ("Superclass of", list(graph.subjects(RDFS.subClassOf, term))),
        (
            "Equivalent to",
            list(graph.objects(term, OWL.equivalentClass))
            + list(graph.objects(term, OWL.equivalentProperty)),
        ),
        ("Disjoint with", list(graph.objects(term, OWL.disjointWith))),
        ("Subproperty of", list(graph.objects(term, RDFS.subPropertyOf))),
        ("Superproperty of", list(graph.subjects(RDFS.subPropertyOf, term))),
        ("Inverse of", list(graph.objects(term, OWL.inverseOf))),
        ("Domain", list(graph.objects(term, RDFS.domain))),
        ("Range", list(graph.objects(term, RDFS.range))),
        ("Properties with this domain", list(graph.subjects(RDFS.domain, term))),
        ("Properties with this range", list(graph.subjects(RDFS.range, term))),
        ("Alternative names", list(graph.objects(term, SKOS.altLabel))),
        ("See also", list(graph.objects(term, RDFS.seeAlso))),
    ]
    for name, values in rows:
        found = links([v for v in values if not isinstance(v, Literal) or name.startswith("Alt")])
        if found:
            view.facts.append((name, found))
    return view
