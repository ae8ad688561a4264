"""The dataset description (``/dataset``): VoID and DCAT, its numbers equal to SPARQL counts.

Every statistic is checked against a count made with the public SPARQL endpoint of the same
server, so the description can never drift from the data it describes.
"""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from rcpkg.resources.dataset import vocabulary_of

BASE = "https://w3id.org/rcpkg/"
T = 60
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATASET = URIRef(BASE + "dataset")


@pytest.fixture(scope="module")
def description(server) -> Graph:
    response = requests.get(server.url + "/dataset", headers={"Accept": "text/turtle"}, timeout=T)
    assert response.status_code == 200
    return Graph().parse(data=response.content, format="turtle")


def sparql(server, query: str) -> list[dict[str, str]]:
    response = requests.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=T,
    )
    assert response.status_code == 200, response.text
    data = response.json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def count(server, query: str) -> int:
    return int(sparql(server, query)[0]["n"])


def value(graph: Graph, subject, predicate) -> int:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return int(values[0])


def test_it_is_a_void_and_dcat_dataset(description):
    types = set(description.objects(DATASET, RDF_TYPE))
    assert {VOID.Dataset, DCAT.Dataset} <= types
    assert (DATASET, DCT.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in (
        description
    )
    assert (DATASET, VOID.sparqlEndpoint, URIRef(BASE + "sparql")) in description
    for prop in (DCT.title, DCT.description, DCT.publisher, DCT.created, DCT.modified):
        assert list(description.objects(DATASET, prop)), prop
    for prop in (DCT.created, DCT.modified):
        assert all(v.datatype == XSD.date for v in description.objects(DATASET, prop))
    assert list(description.objects(DATASET, DCAT.version))
    assert URIRef(BASE + "id/process/khartoum-process") in set(
        description.objects(DATASET, VOID.exampleResource)
    )


def test_statistics_equal_sparql_counts(server, description):
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert value(description, DATASET, VOID.triples) == count(
        server, f"SELECT (COUNT(*) AS ?n) WHERE {distinct}"
    )
    assert value(description, DATASET, VOID.distinctSubjects) == count(
        server, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"
    )
    assert value(description, DATASET, VOID.distinctObjects) == count(
        server, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"
    )
    assert value(description, DATASET, VOID.entities) == count(
        server,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")) }}',
    )


def test_class_partitions_equal_sparql_counts(server, description):
    expected = {
        r["c"]: int(r["n"])
        for r in sparql(
            server,
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c",
        )
    }
    got = {}
    for part in description.objects(DATASET, VOID.classPartition):
        got[str(description.value(part, VOID["class"]))] = int(
            description.value(part, VOID.entities)
        )
    assert got == expected
    assert got[BASE + "ontology#State"] > 0
    assert value(description, DATASET, VOID.classes) == len(expected)


def test_property_partitions_equal_sparql_counts(server, description):
    expected = {
        r["p"]: int(r["n"])
        for r in sparql(
            server,
            "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
            "GROUP BY ?p",
        )
    }
    got = {}
    for part in description.objects(DATASET, VOID.propertyPartition):
        got[str(description.value(part, VOID.property))] = int(
            description.value(part, VOID.triples)
        )
    assert got == expected
    assert sum(got.values()) == value(description, DATASET, VOID.triples)


def test_vocabularies_are_computed(server, description):
    used = {r["p"] for r in sparql(server, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }")}
    used |= {
        r["c"] for r in sparql(server, "SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(isIRI(?c)) }")
    }
    expected = {URIRef(vocabulary_of(i)) for i in used}
    assert set(description.objects(DATASET, VOID.vocabulary)) == expected
    assert URIRef("https://schema.org/") in expected
    assert URIRef(BASE + "ontology") in expected


def test_sources_are_the_source_pages(server, description):
    urls = {
        r["u"]
        for r in sparql(
            server,
            f"SELECT DISTINCT ?u WHERE {{ ?s a <{BASE}ontology#Source> ; "
            "<https://schema.org/url> ?u }",
        )
    }
    assert urls
    assert {str(u) for u in description.objects(DATASET, DCT.source)} == urls


def test_distributions_name_the_dumps_with_their_sizes(server, description):
    distributions = list(description.objects(DATASET, DCAT.distribution))
    downloads = {}
    for dist in distributions:
        assert (dist, RDF_TYPE, DCAT.Distribution) in description
        url = description.value(dist, DCAT.downloadURL)
        if url is not None:
            downloads[str(url)] = dist
    names = {u.rsplit("/", 1)[1] for u in downloads}
    assert names == {"rcpkg.ttl", "rcpkg.nt", "rcpkg.nt.gz", "rcpkg.jsonld"}
    iana = "https://www.iana.org/assignments/media-types/"
    for url, dist in downloads.items():
        local = server.url + "/" + url[len(BASE) :]
        response = requests.get(local, timeout=T, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200
        size = description.value(dist, DCAT.byteSize)
        assert isinstance(size, Literal) and int(size) == len(response.content), url
        media_type = str(description.value(dist, DCAT.mediaType))
        assert media_type.startswith(iana)
        if url.endswith(".gz"):
            assert media_type == iana + "application/n-triples"
            assert str(description.value(dist, DCAT.compressFormat)) == iana + "application/gzip"
        else:
            assert response.headers["Content-Type"].split(";")[0] == media_type[len(iana) :]
    assert set(description.objects(DATASET, VOID.dataDump)) == {URIRef(u) for u in downloads}


def test_every_format_says_the_same(server, description):
    for accept, syntax in (
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ):
        response = requests.get(server.url + "/dataset", headers={"Accept": accept}, timeout=T)
        other = Graph().parse(data=response.content, format=syntax)
        assert isomorphic(other, description), accept
