"""A linked-data crawler: starting from one IRI, it reaches the whole Khartoum Process.

The crawler knows one thing about rcpkg: the IRI of the Khartoum Process. It dereferences
IRIs by HTTP content negotiation only (``Accept: text/turtle``, following redirects), parses
what comes back with rdflib, and follows every IRI under the base it finds, in either direction,
mapped to the local server. It must reach every member state and every meeting, and what it
collects must hold every triple the Turtle dump has about them.
"""

from __future__ import annotations

from collections import deque

import pytest
import requests
from rdflib import BNode, Graph, Namespace, URIRef

BASE = "https://w3id.org/rcpkg/"
START = BASE + "id/process/khartoum-process"
MAX_FETCHES = 5000
T = 30
ORG = Namespace("http://www.w3.org/ns/org#")
RCPKG = Namespace(BASE + "ontology#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_SUBCLASS = URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf")


def crawl(server_url: str) -> tuple[Graph, set[str]]:
    """Everything reachable from START by following IRIs under BASE; and the IRIs fetched."""
    collected = Graph()
    seen: set[str] = {START}
    queue = deque([START])
    fetched: set[str] = set()
    session = requests.Session()
    while queue:
        assert len(fetched) < MAX_FETCHES, "the crawl did not end within the bound"
        iri = queue.popleft()
        url = server_url + "/" + iri[len(BASE) :]
        fetched.add(iri)
        response = session.get(url, headers={"Accept": "text/turtle"}, timeout=T)
        if response.status_code != 200:
            continue
        if response.headers.get("Content-Type", "").split(";")[0] != "text/turtle":
            continue
        graph = Graph().parse(data=response.content, format="turtle")
        collected += graph
        for triple in graph:
            for term in triple:
                if isinstance(term, URIRef) and str(term).startswith(BASE):
                    document = str(term).split("#", 1)[0]
                    if document not in seen:
                        seen.add(document)
                        queue.append(document)
    return collected, fetched


@pytest.fixture(scope="module")
def crawled(server) -> tuple[Graph, set[str]]:
    return crawl(server.url)


@pytest.fixture(scope="module")
def dump(server) -> Graph:
    response = requests.get(server.url + "/download/rcpkg.ttl", timeout=120)
    assert response.status_code == 200
    return Graph().parse(data=response.content, format="turtle")


def members(dump: Graph) -> set[URIRef]:
    """The states that hold a role in the Khartoum Process, per the dump."""
    states = set(dump.subjects(RDF_TYPE, RCPKG.State))
    return {
        m
        for role in dump.subjects(ORG.organization, URIRef(START))
        for m in dump.objects(role, ORG.member)
        if m in states
    }


def meetings(dump: Graph) -> set[URIRef]:
    """Every event held by the Khartoum Process, per the dump."""
    return {e for e in dump.subjects(RCPKG.heldBy, URIRef(START)) if isinstance(e, URIRef)}


def test_crawler_reaches_every_member_state_and_meeting(crawled, dump):
    _, fetched = crawled
    expected_states = members(dump)
    expected_meetings = meetings(dump)
    assert len(expected_states) >= 10
    assert len(expected_meetings) >= 5
    missing = {str(x) for x in expected_states | expected_meetings} - fetched
    assert not missing


def test_crawled_triples_hold_everything_the_dump_says_about_them(crawled, dump):
    graph, _ = crawled
    for thing in sorted(members(dump) | meetings(dump) | {URIRef(START)}):
        for p, o in dump.predicate_objects(thing):
            if isinstance(o, BNode):
                assert list(graph.objects(thing, p)), (thing, p)
            else:
                assert (thing, p, o) in graph, (thing, p, o)
        for s, p in dump.subject_predicates(thing):
            if not isinstance(s, BNode):
                assert (s, p, thing) in graph, (s, p, thing)
