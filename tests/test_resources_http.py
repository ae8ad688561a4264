"""Linked data over HTTP: 303s, negotiation, formats, conditional requests, headers.

Runs against real ``rcpkg serve`` processes: the checkout's graph (``server``) and a small
graph of edge cases started with an incoming-link limit of 3 (``edge_server``). Every RDF
answer is parsed back with rdflib and compared with the description the service builds from a
store of the same files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import requests
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from requests.utils import parse_header_links

from conftest import ROOT, RunningServer, start_server
from rcpkg.config import Settings
from rcpkg.resources import describe as describe_module
from rcpkg.resources.jsonld import CONTEXT_FILE, generate_context, render
from rcpkg.resources.namespaces import RDF, RDFS
from rcpkg.store.embedded import EmbeddedStore

BASE = "https://w3id.org/rcpkg/"
EDGE = ROOT / "tests" / "fixtures" / "linked-data" / "edge.ttl"
T = 30  # seconds, every request
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # an open namespace: pytest probes names
PROCESS = "process/khartoum-process"
FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """A store of the checkout's graph, opened in this process (the same files as ``server``)."""
    settings = Settings(checkout=ROOT, cache_dir=tmp_path_factory.mktemp("ld-store"))
    opened = EmbeddedStore.open(settings)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def edge_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("edge"),
        "--data",
        str(EDGE),
        "--workers",
        "1",
        env={"RCPKG_INCOMING_LIMIT": "3"},
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def edge_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    settings = Settings(data=(EDGE,), cache_dir=tmp_path_factory.mktemp("edge-store"))
    opened = EmbeddedStore.open(settings)
    yield opened
    opened.close()


def get(server: RunningServer, path: str, accept: str | None = None, **kw) -> requests.Response:
    headers = kw.pop("headers", {})
    if accept is not None:
        headers["Accept"] = accept
    return requests.get(server.url + path, headers=headers, timeout=T, **kw)


def parse(response: requests.Response, fmt: str) -> Graph:
    return Graph().parse(data=response.content, format=FORMATS[fmt][1])


def links(response: requests.Response) -> list[dict[str, str]]:
    return parse_header_links(response.headers.get("Link", ""))


def a_meeting(store: EmbeddedStore) -> str:
    rows = store.select(
        f"SELECT ?e WHERE {{ ?e a/<{RDFS.subClassOf}>* <{BASE}ontology#Meeting> }} "
        "ORDER BY ?e LIMIT 1"
    )
    assert rows, "the data holds no meeting"
    return rows[0]["e"].value


# --- /id/ ---------------------------------------------------------------------------------


def test_id_answers_303_to_the_document(server):
    response = get(server, f"/id/{PROCESS}", allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/doc/{PROCESS}")
    followed = get(server, f"/id/{PROCESS}", "text/turtle")
    assert followed.status_code == 200
    assert followed.url == f"{server.url}/doc/{PROCESS}"


@pytest.mark.parametrize(
    "path", ["/id/state/XXX", "/id/process/no-such-process", "/id/state/ERI/more", "/id/a%20b"]
)
def test_unknown_things_are_404(server, path):
    assert get(server, path, allow_redirects=False).status_code == 404
    assert get(server, path.replace("/id/", "/doc/", 1)).status_code == 404
    assert get(server, path.replace("/id/", "/doc/", 1) + ".ttl").status_code == 404


def test_a_thing_named_only_as_object_is_known(edge_server):
    response = get(edge_server, "/id/test/only-object", allow_redirects=False)
    assert response.status_code == 303


# --- negotiation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("application/n-triples", "nt"),
        (BROWSER, "html"),
        ("text/html", "html"),
        ("*/*", "ttl"),
        (None, "ttl"),
        ("text/*", "ttl"),
        ("application/*", "jsonld"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
        ("application/n-triples, text/turtle;q=0.1", "nt"),
        ("image/png, application/rdf+xml;q=0.2", "rdf"),
    ],
)
def test_doc_negotiates_on_accept(server, accept, fmt):
    response = get(server, f"/doc/{PROCESS}", accept)
    assert response.status_code == 200, response.text
    media_type = "text/html" if fmt == "html" else FORMATS[fmt][0]
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert response.headers["Content-Location"] == f"/doc/{PROCESS}.{fmt}"


def test_no_acceptable_format_is_406_listing_the_formats(server):
    response = get(server, f"/doc/{PROCESS}", "image/png, application/pdf")
    assert response.status_code == 406
    for media_type in (
        "text/html",
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
    ):
        assert media_type in response.text
    assert get(server, "/ontology", "image/png").status_code == 406
    assert get(server, "/dataset", "image/png").status_code == 406


@pytest.mark.parametrize("fmt", ["html", "ttl", "jsonld", "rdf", "nt"])
def test_an_extension_fixes_the_format(server, fmt):
    response = get(server, f"/doc/{PROCESS}.{fmt}", "image/png")  # Accept is ignored
    assert response.status_code == 200
    media_type = "text/html" if fmt == "html" else FORMATS[fmt][0]
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Content-Location" not in response.headers
    assert "ETag" in response.headers


# --- the description ----------------------------------------------------------------------


def _things(store: EmbeddedStore) -> list[str]:
    return [f"{BASE}id/{PROCESS}", f"{BASE}id/state/ERI", f"{BASE}id/state/GBR", a_meeting(store)]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_is_the_description_built_from_the_store(server, store, fmt):
    for iri in _things(store):
        expected = describe_module.describe(store, iri, BASE)
        assert expected is not None, iri
        response = get(server, "/doc/" + iri[len(BASE + "id/") :] + "." + fmt)
        assert response.status_code == 200
        got = parse(response, fmt)
        assert isomorphic(got, expected.graph), (iri, fmt, len(got), len(expected.graph))


def test_the_description_holds_what_the_contract_says(store):
    iri = f"{BASE}id/state/ERI"
    graph = describe_module.describe(store, iri, BASE).graph
    thing = URIRef(iri)
    # every triple with the thing as subject
    outgoing = store.select(f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    assert len(list(graph.predicate_objects(thing))) == len(outgoing)
    # every triple with it as object (fewer than the limit here)
    incoming = store.select(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> }}")
    assert incoming, "ERI should be the object of some triple (its roles, its capital)"
    assert len(list(graph.subject_predicates(thing))) == len(incoming)
    # the label and type of every IRI named
    for term in {t for triple in graph for t in triple if isinstance(t, URIRef)}:
        labels = store.select(f"SELECT DISTINCT ?l WHERE {{ <{term}> <{RDFS.label}> ?l }}")
        types = store.select(f"SELECT DISTINCT ?t WHERE {{ <{term}> a ?t }}")
        assert len(list(graph.objects(term, RDFS.label))) == len(labels), term
        assert len(list(graph.objects(term, RDF.type))) == len(types), term


def test_rdf_output_uses_canonical_iris_and_keeps_literals(server):
    body = get(server, f"/doc/{PROCESS}.ttl").text
    assert "127.0.0.1" not in body
    assert "@prefix rcpkg: <https://w3id.org/rcpkg/ontology#>" in body
    graph = Graph().parse(data=body, format="turtle")
    established = list(
        graph.objects(URIRef(f"{BASE}id/{PROCESS}"), URIRef(BASE + "ontology#established"))
    )
    assert established
    assert all(isinstance(v, Literal) and v.datatype in (XSD.gYear, XSD.date) for v in established)


def test_jsonld_is_compacted_with_our_context(server):
    data = get(server, f"/doc/{PROCESS}", "application/ld+json").json()
    context = data["@context"]
    assert context["id"] == "@id" and context["type"] == "@type"
    nodes = data.get("@graph", [data])
    process = next(n for n in nodes if n.get("id") == f"{BASE}id/{PROCESS}")
    assert process["type"] == "ConsultativeProcess"
    assert process["label"] == {"en": "Khartoum Process"}
    assert isinstance(process["heldBy" if "heldBy" in process else "processKind"], str)
    assert context == json.loads(CONTEXT_FILE.read_text())["@context"]


def test_blank_nodes_and_incoming_limit(edge_server, edge_store):
    hub = f"{BASE}id/test/hub"
    graph = get(edge_server, "/doc/test/hub", "text/turtle")
    got = Graph().parse(data=graph.content, format="turtle")
    expected = describe_module.describe(edge_store, hub, BASE, incoming_limit=3)
    assert isomorphic(got, expected.graph)
    # the two levels of blank nodes and what they point at, with its label
    assert (None, RDFS.label, Literal("level two")) in got
    assert (URIRef(f"{BASE}id/test/leaf"), RDFS.label, Literal("Leaf", lang="en")) in got
    # the reified statement pointing at the hub, with its own triples
    statements = list(got.subjects(RDF.type, RDF.Statement))
    assert len(statements) == 1 and isinstance(statements[0], BNode)
    assert (statements[0], RDF.object, Literal("2015", datatype=XSD.gYear)) in got
    # five things point at the hub; three are shown, and a link leads to all of them
    pointing = set(got.subjects(URIRef(BASE + "ontology#points"), URIRef(hub)))
    assert len(pointing) == 3
    more = list(got.objects(URIRef(hub), RDFS.seeAlso))
    assert len(more) == 1 and str(more[0]).startswith(BASE + "sparql?query=")
    rest = get(edge_server, "/" + str(more[0])[len(BASE) :], "text/turtle")
    assert rest.status_code == 200
    everything = Graph().parse(data=rest.content, format="turtle")
    assert len(set(everything.subjects(URIRef(BASE + "ontology#points"), URIRef(hub)))) == 5
    assert expected.incoming_total == 5 and expected.incoming_shown == 3
    # the HTML page says so
    page = get(edge_server, "/doc/test/hub.html").text
    assert "Showing 3 of 5" in page


def test_literals_keep_their_types_and_languages(edge_server):
    got = Graph().parse(data=get(edge_server, "/doc/test/hub.nt").content, format="nt")
    hub = URIRef(f"{BASE}id/test/hub")
    ns = BASE + "ontology#"
    assert (hub, URIRef(ns + "established"), Literal("2014", datatype=XSD.gYear)) in got
    assert (hub, URIRef(ns + "when"), Literal("2018-05", datatype=XSD.gYearMonth)) in got
    assert (hub, URIRef(ns + "day"), Literal("2018-05-09", datatype=XSD.date)) in got
    assert (hub, RDFS.label, Literal("Moyeu", lang="fr")) in got
    assert (hub, URIRef(ns + "note"), Literal("A plain note")) in got


# --- caching and headers ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_etag_and_304(server, encoding):
    headers = {"Accept-Encoding": encoding}
    first = get(server, f"/doc/{PROCESS}", "text/turtle", headers=dict(headers))
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    again = get(
        server, f"/doc/{PROCESS}", "text/turtle", headers={**headers, "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.content == b""
    other = get(server, f"/doc/{PROCESS}", "application/ld+json", headers=dict(headers))
    assert other.headers["ETag"] != etag  # one ETag per representation
    stale = get(
        server, f"/doc/{PROCESS}", "text/turtle", headers={**headers, "If-None-Match": '"nope"'}
    )
    assert stale.status_code == 200


def test_head_works_where_get_does(server):
    for path, accept in [
        (f"/doc/{PROCESS}", "text/turtle"),
        (f"/doc/{PROCESS}.jsonld", None),
        ("/ontology", "text/turtle"),
        ("/dataset", BROWSER),
        ("/context.jsonld", None),
        ("/sitemap.xml", None),
    ]:
        headers = {"Accept": accept} if accept else {}
        got = requests.get(server.url + path, headers=headers, timeout=T)
        head = requests.head(server.url + path, headers=headers, timeout=T)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["Content-Type"] == got.headers["Content-Type"]
        assert head.headers.get("ETag") == got.headers.get("ETag")
    assert requests.head(server.url + f"/id/{PROCESS}", timeout=T).status_code == 303
    assert requests.head(server.url + "/id/state/XXX", timeout=T).status_code == 404
    assert requests.head(server.url + "/doc/state/XXX", timeout=T).status_code == 404


def test_link_headers_name_the_alternates_and_the_dataset(server):
    response = get(server, f"/doc/{PROCESS}", "text/turtle")
    found = links(response)
    alternates = {link["type"]: link["url"] for link in found if link.get("rel") == "alternate"}
    assert alternates == {
        "text/html": f"/doc/{PROCESS}.html",
        "application/ld+json": f"/doc/{PROCESS}.jsonld",
        "application/rdf+xml": f"/doc/{PROCESS}.rdf",
        "application/n-triples": f"/doc/{PROCESS}.nt",
    }
    datasets = [x["url"] for x in found if x.get("rel") == "http://rdfs.org/ns/void#inDataset"]
    assert datasets == ["/dataset"]
    canonical = [x["url"] for x in found if x.get("rel") == "canonical"]
    assert canonical == [f"{BASE}doc/{PROCESS}"]


def test_cors_is_open(server):
    response = get(server, f"/doc/{PROCESS}", "text/turtle")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- ontology, shapes, dataset, context ---------------------------------------------------


@pytest.mark.parametrize("name", ["ontology", "shapes", "dataset"])
def test_graph_documents_negotiate(server, name):
    for fmt, (media_type, syntax) in FORMATS.items():
        response = get(server, f"/{name}", media_type)
        assert response.status_code == 200, (name, fmt)
        assert response.headers["Content-Location"] == f"/{name}.{fmt}"
        assert "Accept" in response.headers["Vary"]
        graph = Graph().parse(data=response.content, format=syntax)
        assert len(graph) > 0
        fixed = get(server, f"/{name}.{fmt}")
        assert isomorphic(graph, Graph().parse(data=fixed.content, format=syntax))
    html = get(server, f"/{name}", BROWSER)
    assert html.headers["Content-Type"].startswith("text/html")
    assert get(server, f"/{name}.xyz").status_code == 404


def test_ontology_is_the_named_graph(server, store):
    got = parse(get(server, "/ontology.nt"), "nt")
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{BASE}ontology> {{ ?s ?p ?o }} }}")
    expected = Graph()
    for row in rows:
        expected.add(tuple(describe_module.to_rdflib(row[k]) for k in "spo"))
    assert len(expected) > 0
    for triple in expected:
        if not any(isinstance(t, BNode) for t in triple):
            assert triple in got


def test_every_ontology_term_has_an_anchor(server, store):
    html = get(server, "/ontology", BROWSER).text
    anchors = set(re.findall(r'id="([^"]+)"', html))
    terms = store.select(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{BASE}ontology> {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{BASE}ontology#")) }}'
    )
    assert terms
    missing = [r["s"].value for r in terms if r["s"].value.split("#", 1)[1] not in anchors]
    assert not missing
    assert 'id="State"' in html and 'id="ConsultativeProcess"' in html


def test_ontology_without_named_graph_uses_its_namespace(edge_server):
    got = parse(get(edge_server, "/ontology.ttl"), "ttl")
    assert (URIRef(BASE + "ontology#Thing"), RDFS.label, Literal("test thing", lang="en")) in got


def test_well_known_void_redirects_to_the_dataset(server):
    response = get(server, "/.well-known/void", allow_redirects=False)
    assert response.status_code in (301, 302, 303, 307, 308)
    assert response.headers["Location"].endswith("/dataset")


def test_context_is_served_as_jsonld(server):
    response = get(server, "/context.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    context = response.json()["@context"]
    assert context["rcpkg"] == BASE + "ontology#"
    assert context["heldBy"] == {"@id": "rcpkg:heldBy", "@type": "@id"}


def test_context_file_is_generated_from_the_ontology():
    ontology = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        ontology.parse(path, format="turtle")
    expected = render(generate_context(ontology))
    assert CONTEXT_FILE.read_text(encoding="utf-8") == expected, (
        "the JSON-LD context is out of date: run python -m rcpkg.resources.jsonld --write"
    )


def test_html_page_shows_labels_and_grouped_incoming_links(server):
    html = get(server, "/doc/state/ERI", BROWSER).text
    assert "<h1>Eritrea</h1>" in html
    assert 'href="/doc/state/ERI.ttl"' in html
    assert "Referred to by" in html
    assert 'href="/id/' in html  # links to other things stay local
