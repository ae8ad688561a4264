"""The description of a thing, as DESIGN.md defines it, built by SPARQL through the store.

The description of ``<iri>`` holds:

1. every triple with ``<iri>`` as subject;
2. every triple with ``<iri>`` as object, up to ``incoming_limit`` triples whose subject is an
   IRI (and as many blank-node subjects); when that cuts the list, the thing gets an
   ``rdfs:seeAlso`` link to a SPARQL ``CONSTRUCT`` query that returns all of them;
3. the blank nodes reachable from the triples above (their triples, and theirs, to
   :data:`BLANK_DEPTH` steps);
4. the ``rdfs:label``, ``skos:prefLabel`` and ``rdf:type`` of every IRI named in it (subject,
   predicate or object), repeated for the IRIs those bring in (the classes' own labels).

Only :meth:`Store.select` is used, and every blank node comes from the same query as the
triples it belongs to, so a remote store (whose blank-node labels only hold within one answer)
gives the same description as the embedded one. Terms come back as the store holds them:
IRIs stay canonical (``https://w3id.org/rcpkg/...``) whatever host serves them, and literals keep
their lexical form, datatype and language (rdflib's normalisation is turned off).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from rcpkg.resources.namespaces import RDF, RDFS, SKOS, XSD
from rcpkg.store.base import Store, Term

#: How many blank nodes deep the closure goes from a triple of the description.
BLANK_DEPTH = 4
#: IRIs per ``VALUES`` block when asking for labels and types.
_CHUNK = 200
#: Rounds of "labels and types of the IRIs named" (each round names the classes found before).
_LABEL_ROUNDS = 3
_LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, RDF.type)


@dataclass(frozen=True)
class Description:
    """A thing's description: the graph, and how many incoming triples it holds and has."""

    iri: str
    graph: Graph
    #: Triples with the thing as object whose subject is an IRI, in the store.
    incoming_total: int
    #: How many of those the description holds (equal to the total unless cut).
    incoming_shown: int
    #: The SPARQL query IRI that returns every incoming triple, when the list was cut.
    more_incoming: str | None = None

    @property
    def truncated(self) -> bool:
        return self.more_incoming is not None


def to_rdflib(term: Term) -> Node:
    """A store term as an rdflib term, with the literal's lexical form kept exactly."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise TypeError(f"RDF-star triple terms are not supported here: {term}")


def sparql_iri(iri: str) -> str:
    """``<iri>`` for a query, refusing what is not an absolute IRI (RFC 3987).

    pyoxigraph's IRI parser is the judge, so whatever passes here parses in the query too;
    control characters and the replacement character U+FFFD are refused as well.
    """
    if any(ord(c) <= 0x20 or c in '<>"{}|^`\\\ufffd' for c in iri):
        raise ValueError(f"not an IRI: {iri!r}")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise ValueError(f"not an IRI: {iri!r}") from None
    return f"<{iri}>"


def new_graph() -> Graph:
    """An empty graph without rdflib's default prefixes (they are bound when serializing)."""
    return Graph(bind_namespaces="none")


def closure_query(root: str, root_var: str, depth: int = BLANK_DEPTH) -> str:
    """A SELECT of ``?s ?p ?o``: the triples of ``root_var`` and of blank nodes hanging off it.

    ``root`` is a group pattern that binds ``root_var`` (or ``""`` when ``root_var`` is a
    constant IRI). Each branch of the union walks one more blank node deep, so the whole
    closure comes back in one answer, with consistent blank nodes.
    """
    branches = [f"{{ {root} {root_var} ?p ?o . BIND({root_var} AS ?s) }}"]
    for level in range(1, depth + 1):
        chain = [root]
        previous = root_var
        for step in range(1, level + 1):
            node = "?s" if step == level else f"?b{step}"
            chain.append(f"{previous} ?q{step} {node} . FILTER(isBlank({node}))")
            previous = node
        chain.append("?s ?p ?o .")
        branches.append("{ " + " ".join(chain) + " }")
    return "SELECT DISTINCT ?s ?p ?o WHERE {\n  " + "\n  UNION ".join(branches) + "\n}"


def _triples(rows: Iterable[dict[str, Term]]) -> list[tuple[Node, Node, Node]]:
    return [(to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"])) for r in rows]


def add_labels_and_types(store: Store, graph: Graph) -> None:
    """Add the label and type triples of every IRI named in ``graph`` (see module docs)."""
    asked: set[URIRef] = set()
    for _ in range(_LABEL_ROUNDS):
        named = {t for triple in graph for t in triple if isinstance(t, URIRef)} - asked
        if not named:
            return
        asked |= named
        ordered = sorted(named)
        properties = ", ".join(f"<{p}>" for p in _LABEL_PROPERTIES)
        for start in range(0, len(ordered), _CHUNK):
            values = " ".join(sparql_iri(str(i)) for i in ordered[start : start + _CHUNK])
            # ?p in a FILTER, not a second VALUES: with two VALUES blocks Oxigraph joins them
            # after scanning every triple (3 s at a million triples; 4 ms this way).
            query = (
                "SELECT DISTINCT ?s ?p ?o WHERE { "
                f"VALUES ?s {{ {values} }} ?s ?p ?o FILTER(?p IN ({properties})) }}"
            )
            for triple in _triples(store.select(query)):
                graph.add(triple)


def more_incoming_query(base_iri: str, iri: str) -> str:
    """The IRI of a SPARQL query on our endpoint that returns every triple pointing at ``iri``."""
    query = f"CONSTRUCT {{ ?s ?p <{iri}> }} WHERE {{ ?s ?p <{iri}> }}"
    return f"{base_iri}sparql?query={quote(query, safe='')}"


def exists(store: Store, iri: str) -> bool:
    """True when ``iri`` is the subject or object of some triple."""
    ref = sparql_iri(iri)
    return store.ask(f"ASK {{ {{ {ref} ?p ?o }} UNION {{ ?s ?p {ref} }} }}")


def describe(
    store: Store, iri: str, base_iri: str, incoming_limit: int = 500
) -> Description | None:
    """The description of ``iri``, or ``None`` when no triple has it as subject or object."""
    ref = sparql_iri(iri)
    graph = new_graph()
    for triple in _triples(store.select(closure_query("", ref))):
        graph.add(triple)

    # Incoming triples from IRIs: sorted, so a cut list is the same on every request.
    rows = store.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {ref} FILTER(!isBlank(?s)) }} "
        f"ORDER BY ?p ?s LIMIT {incoming_limit + 1}"
    )
    cut = len(rows) > incoming_limit
    rows = rows[:incoming_limit]
    thing = URIRef(iri)
    for row in rows:
        graph.add((to_rdflib(row["s"]), to_rdflib(row["p"]), thing))
    total = len(rows)
    if cut:
        count = store.select(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p WHERE "
            f"{{ ?s ?p {ref} FILTER(!isBlank(?s)) }} }}"
        )
        total = int(count[0]["n"].value)

    # Blank nodes pointing at the thing (e.g. reified statements), with their own closure.
    blank_root = (
        f"{{ SELECT DISTINCT ?b0 WHERE {{ ?b0 ?q0 {ref} FILTER(isBlank(?b0)) }} "
        f"ORDER BY ?b0 LIMIT {incoming_limit} }}"
    )
    for triple in _triples(store.select(closure_query(blank_root, "?b0"))):
        graph.add(triple)

    if len(graph) == 0:
        return None
    more = None
    if cut:
        more = more_incoming_query(base_iri, iri)
        graph.add((thing, RDFS.seeAlso, URIRef(more)))
    add_labels_and_types(store, graph)
    return Description(iri, graph, total, len(rows), more)


def describe_graph(store: Store, graph_iri: str) -> Graph | None:
    """The triples of a named graph (``/ontology``, ``/shapes``), with labels and types.

    When the store has no such named graph (``rcpkg serve --data`` with plain files), the
    document is made of the graph's own IRI and every IRI in its ``#`` namespace, with the
    blank nodes they reach. ``None`` when there is neither.
    """
    ref = sparql_iri(graph_iri)
    graph = new_graph()
    for triple in _triples(store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {ref} {{ ?s ?p ?o }} }}")):
        graph.add(triple)
    if len(graph) == 0:
        namespace = graph_iri + "#"
        root = (
            "{ SELECT DISTINCT ?b0 WHERE { ?b0 ?x ?y . FILTER(isIRI(?b0) && "
            f'(?b0 = {ref} || STRSTARTS(STR(?b0), "{namespace}"))) }} }}'
        )
        for triple in _triples(store.select(closure_query(root, "?b0"))):
            graph.add(triple)
    if len(graph) == 0:
        return None
    add_labels_and_types(store, graph)
    return graph
