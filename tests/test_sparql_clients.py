"""Real SPARQL clients work against a real ``rcpkg serve``: SPARQLWrapper and rdflib's SPARQLStore.

The queries build their own answers (``VALUES``, ``BIND``) so they do not depend on the graph's
exact content; where the graph is read, the answer is compared with another way of asking.
"""

from __future__ import annotations

import urllib.error

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

TIMEOUT = 15
ROWS = 'SELECT ?x ?y WHERE { VALUES (?x ?y) { (<urn:x:a> "α"@el) (<urn:x:b> 2) (<urn:x:c> "c") } }'
EXPECTED_ROWS = {
    (URIRef("urn:x:a"), Literal("α", lang="el")),
    (URIRef("urn:x:b"), Literal(2)),
    (URIRef("urn:x:c"), Literal("c")),
}
TRIPLES = (
    "CONSTRUCT { ?s <urn:x:p> ?o } WHERE "
    '{ VALUES (?s ?o) { (<urn:x:a> "α"@el) (<urn:x:b> 2) (<urn:x:c> <urn:x:d>) } }'
)
EXPECTED_TRIPLES = {
    (URIRef("urn:x:a"), URIRef("urn:x:p"), Literal("α", lang="el")),
    (URIRef("urn:x:b"), URIRef("urn:x:p"), Literal(2)),
    (URIRef("urn:x:c"), URIRef("urn:x:p"), URIRef("urn:x:d")),
}


def wrapper(server, query: str, fmt: str, method: str = GET, request_method: str = URLENCODED):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setTimeout(TIMEOUT)
    return client


def json_term(term: dict) -> URIRef | Literal:
    if term["type"] == "uri":
        return URIRef(term["value"])
    dt = term.get("datatype")
    return Literal(term["value"], lang=term.get("xml:lang"), datatype=URIRef(dt) if dt else None)


# --- SPARQLWrapper ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "request_method"), [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
)
def test_sparqlwrapper_select_json(server, method, request_method):
    data = wrapper(server, ROWS, JSON, method, request_method).queryAndConvert()
    assert data["head"]["vars"] == ["x", "y"]
    rows = {(json_term(b["x"]), json_term(b["y"])) for b in data["results"]["bindings"]}
    assert rows == EXPECTED_ROWS


def test_sparqlwrapper_select_xml_csv_tsv(server):
    document = wrapper(server, ROWS, XML).queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert sorted(uris) == ["urn:x:a", "urn:x:b", "urn:x:c"]
    table = wrapper(server, ROWS, CSV).queryAndConvert().decode("utf-8").splitlines()
    assert table[0] == "x,y" and sorted(table[1:]) == ["urn:x:a,α", "urn:x:b,2", "urn:x:c,c"]
    lines = wrapper(server, ROWS, TSV).queryAndConvert().decode("utf-8").splitlines()
    assert lines[0] == "?x\t?y" and len(lines) == 4


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server, fmt, method):
    for query, expected in (("ASK { }", True), ("ASK { FILTER(false) }", False)):
        result = wrapper(server, query, fmt, method).queryAndConvert()
        if fmt == JSON:
            assert result["boolean"] is expected
        else:
            node = result.getElementsByTagName("boolean")[0]
            assert node.firstChild.data == str(expected).lower()


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [XML, RDFXML, JSONLD])
def test_sparqlwrapper_construct_to_an_rdflib_graph(server, fmt, method):
    graph = wrapper(server, TRIPLES, fmt, method).queryAndConvert()
    assert isinstance(graph, Graph)
    assert set(graph) == EXPECTED_TRIPLES


@pytest.mark.parametrize("fmt", [TURTLE, N3])
def test_sparqlwrapper_construct_as_turtle(server, fmt):
    body = wrapper(server, TRIPLES, fmt).queryAndConvert()
    assert set(Graph().parse(data=body, format="turtle")) == EXPECTED_TRIPLES


def test_sparqlwrapper_counts_the_whole_graph(server):
    data = wrapper(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON).queryAndConvert()
    count = int(data["results"]["bindings"][0]["n"]["value"])
    health = requests.get(server.url + "/healthz", timeout=TIMEOUT).json()
    assert count == health["triples"] > 0


def test_sparqlwrapper_reports_errors(server):
    with pytest.raises(QueryBadFormed):
        wrapper(server, "SELECT * WHERE { ?s ?p }", JSON).query()
    update = wrapper(server, "INSERT DATA { <urn:x:a> <urn:x:p> 1 }", JSON, POST)
    with pytest.raises(urllib.error.HTTPError) as refused:
        update.query()
    assert refused.value.code == 403


# --- rdflib's SPARQLStore -----------------------------------------------------------------


@pytest.fixture(params=["GET", "POST", "POST_FORM"])
def remote_graph(server, request) -> Graph:
    store = SPARQLStore(server.url + "/sparql", method=request.param)
    return Graph(store=store)


def test_sparqlstore_select_and_ask(remote_graph):
    rows = {(row.x, row.y) for row in remote_graph.query(ROWS)}
    assert rows == EXPECTED_ROWS
    assert remote_graph.query("ASK { }").askAnswer is True


def test_sparqlstore_construct(remote_graph):
    result = remote_graph.query(TRIPLES)
    assert set(result.graph) == EXPECTED_TRIPLES


def test_sparqlstore_iterates_triples(remote_graph):
    typed = list(remote_graph.triples((None, ns.RDF.type, None)))
    assert typed, "the graph types nothing"
    assert all(p == ns.RDF.type for _, p, _ in typed)
    subject, _, rdf_type = typed[0]
    assert (subject, ns.RDF.type, rdf_type) in remote_graph
    result = remote_graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }")
    count = next(iter(result))[0].toPython()
    assert len(typed) == min(count, MAX_ROWS)  # the server's default row cap


MAX_ROWS = 10_000
