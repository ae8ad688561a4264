"""Acceptance tests of the SPARQL endpoint, over HTTP against a real ``rcpkg serve``.

Most tests use a server of the fixture files in ``tests/fixtures/`` (two named graphs in TriG,
a few default-graph triples, and one small file in each other RDF syntax), so their answers are
known exactly. The limits are tested on ``strict_server`` (2 s time limit, 5 rows). Every
answer is read back with a parser that is not rcpkg's: rdflib for RDF, the standard library's
json, csv and xml.etree for query results.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns

from conftest import ROOT, RunningServer, start_server
from rcpkg.examples import load_examples

FIXTURES = Path(__file__).parent / "fixtures"
EX = Namespace("http://example.org/rcpkg-test/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RES = "{http://www.w3.org/2005/sparql-results#}"
TIMEOUT = 15
PREFIXES = f"PREFIX ex: <{EX}>\nPREFIX rdfs: <{ns.RDFS}>\n"

#: SELECT over the fixture whose answer is known: every labelled thing, with its rank.
LABELS = PREFIXES + "SELECT ?s ?label ?rank WHERE { ?s rdfs:label ?label ; ex:rank ?rank }"
ONE = Literal(1)
LABEL_ROWS = {
    (EX.alpha, Literal("Alpha", lang="en"), ONE),
    (EX.alpha, Literal("Alfa", lang="es"), ONE),
    (EX.beta, Literal("Beta"), Literal(2)),
    (EX.gamma, Literal('Gamma, "quoted"\ttabbed'), Literal(3)),
    (EX.delta, Literal("Delta"), Literal(4)),
}
G1_CONSTRUCT = PREFIXES + "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ex:g1 { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def data_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of the fixture files: TriG with named graphs, Turtle, JSON-LD, RDF/XML, N-Quads."""
    files = ["two_graphs.trig", "extra.ttl", "extra.jsonld", "extra.rdf", "extra.nq"]
    running = start_server(
        tmp_path_factory.mktemp("protocol"),
        "--data",
        *(str(FIXTURES / name) for name in files),
        "--workers",
        "1",
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def fixture_dataset() -> Dataset:
    """The fixture TriG as rdflib reads it: the expected content of answers."""
    dataset = Dataset()
    dataset.parse(FIXTURES / "two_graphs.trig", format="trig")
    return dataset


def sparql(server: RunningServer, query: str | None = None, **kwargs) -> requests.Response:
    """GET /sparql with ``query`` and the given requests arguments."""
    params = kwargs.pop("params", [])
    if isinstance(params, dict):
        params = list(params.items())
    if query is not None:
        params = [("query", query), *params]
    return requests.get(server.url + "/sparql", params=params, timeout=TIMEOUT, **kwargs)


def select_values(response: requests.Response, var: str) -> set[str]:
    """The values bound to ``var`` in a SPARQL JSON answer."""
    assert response.status_code == 200, response.text
    rows = json.loads(response.content)["results"]["bindings"]
    return {row[var]["value"] for row in rows if var in row}


def iris(*terms: URIRef) -> set[str]:
    return {str(t) for t in terms}


def json_term(term: dict) -> URIRef | Literal:
    if term["type"] == "uri":
        return URIRef(term["value"])
    assert term["type"] == "literal", term
    dt = term.get("datatype")
    return Literal(term["value"], lang=term.get("xml:lang"), datatype=URIRef(dt) if dt else None)


def xml_term(element: ET.Element) -> URIRef | Literal:
    if element.tag == RES + "uri":
        return URIRef(element.text or "")
    assert element.tag == RES + "literal", element.tag
    lang = element.get("{http://www.w3.org/XML/1998/namespace}lang")
    dt = element.get("datatype")
    return Literal(element.text or "", lang=lang, datatype=URIRef(dt) if dt else None)


_TSV_TERM = re.compile(
    r'^(?:<(?P<iri>[^>]*)>|"(?P<lex>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[\w-]+)|\^\^<(?P<dt>[^>]*)>)?'
    r"|(?P<int>[+-]?\d+))$"
)
_TSV_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def tsv_term(text: str) -> URIRef | Literal:
    """One RDF term in the Turtle-like form of SPARQL TSV results."""
    match = _TSV_TERM.match(text)
    assert match, f"not a TSV term: {text!r}"
    if match["iri"] is not None:
        return URIRef(match["iri"])
    if match["int"] is not None:
        return Literal(int(match["int"]))
    lexical = re.sub(r"\\(.)", lambda m: _TSV_ESCAPES[m.group(1)], match["lex"])
    dt = match["dt"]
    return Literal(lexical, lang=match["lang"], datatype=URIRef(dt) if dt else None)


def assert_utf8_type(response: requests.Response, media_type: str) -> None:
    """The answer has ``media_type``; text types say charset=utf-8, others say none or utf-8."""
    value = response.headers["Content-Type"]
    mime, _, params = value.partition(";")
    assert mime.strip() == media_type, value
    charset = re.search(r"charset=([\w-]+)", params)
    if media_type.startswith("text/"):
        assert charset and charset.group(1).lower() == "utf-8", value
    elif charset:
        assert charset.group(1).lower() == "utf-8", value


# --- the three ways to send a query -------------------------------------------------------


def test_query_via_get(data_server):
    response = sparql(data_server, LABELS)
    assert response.status_code == 200
    assert_utf8_type(response, "application/sparql-results+json")
    rows = json.loads(response.content)["results"]["bindings"]
    assert {(json_term(r["s"]), json_term(r["label"]), json_term(r["rank"])) for r in rows} == (
        LABEL_ROWS
    )


def test_query_via_post_form(data_server):
    response = requests.post(data_server.url + "/sparql", data={"query": LABELS}, timeout=TIMEOUT)
    assert select_values(response, "s") == iris(EX.alpha, EX.beta, EX.gamma, EX.delta)


def test_query_via_post_direct(data_server):
    response = requests.post(
        data_server.url + "/sparql",
        data=LABELS.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )
    assert select_values(response, "s") == iris(EX.alpha, EX.beta, EX.gamma, EX.delta)


def test_non_ascii_query_text_round_trips(data_server):
    query = 'SELECT ?x WHERE { BIND("Ñandú · خرطوم · 喀土穆" AS ?x) }'
    for response in (
        sparql(data_server, query),
        requests.post(data_server.url + "/sparql", data={"query": query}, timeout=TIMEOUT),
        requests.post(
            data_server.url + "/sparql",
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query; charset=utf-8"},
            timeout=TIMEOUT,
        ),
    ):
        assert select_values(response, "x") == {"Ñandú · خرطوم · 喀土穆"}


# --- the RDF dataset: default-graph-uri, named-graph-uri, FROM ----------------------------

THINGS = PREFIXES + "SELECT ?s WHERE { ?s a ex:Thing }"
GRAPHS_OF_THINGS = PREFIXES + "SELECT ?g ?s WHERE { GRAPH ?g { ?s a ex:Thing } }"


def test_default_graph_is_the_union_of_all_graphs(data_server):
    assert select_values(sparql(data_server, THINGS), "s") == iris(
        EX.alpha, EX.beta, EX.gamma, EX.delta
    )


def test_default_graph_uri_limits_the_default_graph(data_server):
    response = sparql(data_server, THINGS, params={"default-graph-uri": EX.g1})
    assert select_values(response, "s") == iris(EX.alpha, EX.beta)


def test_several_default_graph_uris_are_merged(data_server):
    params = [("default-graph-uri", EX.g1), ("default-graph-uri", EX.g2)]
    response = sparql(data_server, THINGS, params=params)
    assert select_values(response, "s") == iris(EX.alpha, EX.beta, EX.gamma)


def test_named_graphs_are_kept_from_trig(data_server):
    response = sparql(data_server, GRAPHS_OF_THINGS)
    rows = json.loads(response.content)["results"]["bindings"]
    assert {(URIRef(r["g"]["value"]), URIRef(r["s"]["value"])) for r in rows} == {
        (EX.g1, EX.alpha),
        (EX.g1, EX.beta),
        (EX.g2, EX.gamma),
    }


def test_named_graph_uri_limits_graph_patterns(data_server):
    response = sparql(data_server, GRAPHS_OF_THINGS, params={"named-graph-uri": EX.g2})
    rows = json.loads(response.content)["results"]["bindings"]
    assert {(URIRef(r["g"]["value"]), URIRef(r["s"]["value"])) for r in rows} == {(EX.g2, EX.gamma)}
    # Only named graphs were given: the default graph of that dataset is empty.
    response = sparql(data_server, THINGS, params={"named-graph-uri": EX.g2})
    assert select_values(response, "s") == set()


def test_dataset_parameters_in_a_post_form_and_a_direct_post(data_server):
    form = requests.post(
        data_server.url + "/sparql",
        data={"query": THINGS, "default-graph-uri": EX.g2},
        timeout=TIMEOUT,
    )
    assert select_values(form, "s") == iris(EX.gamma)
    direct = requests.post(
        data_server.url + "/sparql",
        params={"default-graph-uri": EX.g1},
        data=THINGS.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )
    assert select_values(direct, "s") == iris(EX.alpha, EX.beta)


def test_from_in_the_query_is_honoured(data_server):
    query = PREFIXES + "SELECT ?s FROM ex:g2 WHERE { ?s a ex:Thing }"
    assert select_values(sparql(data_server, query), "s") == iris(EX.gamma)
    query = PREFIXES + "SELECT ?g ?s FROM NAMED ex:g1 WHERE { GRAPH ?g { ?s a ex:Thing } }"
    assert select_values(sparql(data_server, query), "g") == iris(EX.g1)
    # "from" that is not the keyword leaves the default graph as the union of all graphs.
    query = PREFIXES + (
        'SELECT ?s ?from WHERE { ?s a ex:Thing BIND("FROM <x:y>" AS ?from) '
        "FILTER(?s != <urn:from>) FILTER(?s != ex:from) } # FROM ex:g2"
    )
    assert select_values(sparql(data_server, query), "s") == iris(
        EX.alpha, EX.beta, EX.gamma, EX.delta
    )


def test_protocol_dataset_overrides_the_query_dataset(data_server):
    query = PREFIXES + "SELECT ?s FROM ex:g2 WHERE { ?s a ex:Thing }"
    response = sparql(data_server, query, params={"default-graph-uri": EX.g1})
    assert select_values(response, "s") == iris(EX.alpha, EX.beta)


def test_a_graph_that_does_not_exist_is_empty(data_server):
    response = sparql(data_server, THINGS, params={"default-graph-uri": EX.nowhere})
    assert select_values(response, "s") == set()


def test_an_invalid_graph_iri_is_a_client_error(data_server):
    response = sparql(data_server, THINGS, params={"default-graph-uri": "not an IRI"})
    assert response.status_code == 400
    assert "default-graph-uri" in response.text


def test_every_input_syntax_is_loaded(data_server):
    query = PREFIXES + "SELECT ?s ?how WHERE { ?s ex:loadedFrom ?how }"
    assert select_values(sparql(data_server, query), "how") == {
        "turtle",
        "json-ld",
        "rdf-xml",
        "n-quads",
    }
    query = PREFIXES + "SELECT ?g WHERE { GRAPH ?g { ex:fromNQuads ?p ?o } }"
    assert select_values(sparql(data_server, query), "g") == iris(EX.g3)


# --- result formats -----------------------------------------------------------------------


def read_select(response: requests.Response, fmt: str) -> set[tuple]:
    """The rows of a SELECT answer in ``fmt``, read with the standard library."""
    if fmt == "json":
        rows = json.loads(response.content)["results"]["bindings"]
        return {tuple(json_term(r[v]) for v in ("s", "label", "rank")) for r in rows}
    if fmt == "xml":
        root = ET.fromstring(response.content)
        names = [v.get("name") for v in root.iter(RES + "variable")]
        assert names == ["s", "label", "rank"]
        rows = set()
        for result in root.iter(RES + "result"):
            terms = {b.get("name"): xml_term(b[0]) for b in result.iter(RES + "binding")}
            rows.add(tuple(terms[v] for v in names))
        return rows
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
        assert table[0] == ["s", "label", "rank"]
        return {tuple(row) for row in table[1:]}
    assert fmt == "tsv"
    lines = response.content.decode("utf-8").split("\n")
    assert lines[0].split("\t") == ["?s", "?label", "?rank"]
    assert lines[-1] == ""
    return {tuple(tsv_term(cell) for cell in line.split("\t")) for line in lines[1:-1]}


TABULAR = [
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
]


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize(("fmt", "media_type"), TABULAR)
def test_select_results_in_each_format(data_server, fmt, media_type, by):
    kwargs = {"headers": {"Accept": media_type}} if by == "accept" else {"params": {"format": fmt}}
    response = sparql(data_server, LABELS, **kwargs)
    assert response.status_code == 200, response.text
    assert_utf8_type(response, media_type)
    rows = read_select(response, fmt)
    if fmt == "csv":  # CSV keeps values only
        assert rows == {tuple(str(t) for t in row) for row in LABEL_ROWS}
    else:
        assert rows == LABEL_ROWS


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize(("fmt", "media_type"), TABULAR)
def test_ask_results_in_each_format(data_server, fmt, media_type, by):
    kwargs = {"headers": {"Accept": media_type}} if by == "accept" else {"params": {"format": fmt}}
    for query, expected in (
        (PREFIXES + "ASK { ex:alpha a ex:Thing }", True),
        (PREFIXES + "ASK { ex:alpha a ex:Nothing }", False),
    ):
        response = sparql(data_server, query, **kwargs)
        assert response.status_code == 200, response.text
        assert_utf8_type(response, media_type)
        if fmt == "json":
            assert json.loads(response.content)["boolean"] is expected
        elif fmt == "xml":
            boolean = ET.fromstring(response.content).find(RES + "boolean")
            assert boolean is not None and boolean.text == str(expected).lower()
        else:  # CSV and TSV define no ASK form; rcpkg writes one column, one value
            assert response.text.split()[-1] == str(expected).lower()


GRAPHS = [
    ("ttl", "text/turtle", "turtle"),
    ("nt", "application/n-triples", "nt"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("rdf", "application/rdf+xml", "xml"),
]


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize(("fmt", "media_type", "rdflib_format"), GRAPHS)
def test_construct_and_describe_in_each_format(
    data_server, fixture_dataset, fmt, media_type, rdflib_format, by
):
    kwargs = {"headers": {"Accept": media_type}} if by == "accept" else {"params": {"format": fmt}}
    response = sparql(data_server, G1_CONSTRUCT, **kwargs)
    assert response.status_code == 200, response.text
    assert_utf8_type(response, media_type)
    got = Graph().parse(data=response.content, format=rdflib_format)
    assert set(got) == set(fixture_dataset.graph(EX.g1))

    response = sparql(data_server, f"DESCRIBE <{EX.alpha}>", **kwargs)
    assert response.status_code == 200, response.text
    assert_utf8_type(response, media_type)
    got = Graph().parse(data=response.content, format=rdflib_format)
    expected = {t for t in fixture_dataset.graph(EX.g1) if t[0] == EX.alpha}
    assert set(got) == expected


def test_format_parameter_wins_over_accept(data_server):
    response = sparql(
        data_server, LABELS, params={"format": "csv"}, headers={"Accept": "application/xml"}
    )
    assert_utf8_type(response, "text/csv")


def test_accept_quality_values_are_honoured(data_server):
    accept = "application/sparql-results+json;q=0.5, application/sparql-results+xml"
    assert_utf8_type(
        sparql(data_server, LABELS, headers={"Accept": accept}), "application/sparql-results+xml"
    )
    accept = "application/rdf+xml;q=0.2, text/turtle;q=0.9"
    assert_utf8_type(sparql(data_server, G1_CONSTRUCT, headers={"Accept": accept}), "text/turtle")


def test_literals_keep_datatypes_and_languages(data_server):
    query = (
        'SELECT ?i ?d ?l ?s WHERE { BIND(7 AS ?i) BIND("2024-05-01"^^<http://www.w3.org/2001/'
        'XMLSchema#date> AS ?d) BIND("chat"@fr AS ?l) BIND("plain" AS ?s) }'
    )
    row = json.loads(sparql(data_server, query).content)["results"]["bindings"][0]
    assert json_term(row["i"]) == Literal(7)
    assert json_term(row["d"]) == Literal("2024-05-01", datatype=ns.XSD.date)
    assert json_term(row["l"]) == Literal("chat", lang="fr")
    assert "datatype" not in row["s"] and row["s"]["value"] == "plain"


# --- every status code --------------------------------------------------------------------


def test_syntax_error_is_400_and_points_at_the_error(data_server):
    response = sparql(data_server, "SELECT ?s\nWHERE { ?s ?p ?o . FILTER( }")
    assert response.status_code == 400
    assert re.search(r"\b2:\d+\b", response.text), response.text
    assert response.headers["Content-Type"].startswith("text/plain")


def test_missing_query_in_a_post_is_400(data_server):
    url = data_server.url + "/sparql"
    form = requests.post(url, data={"default-graph-uri": EX.g1}, timeout=TIMEOUT)
    assert form.status_code == 400 and "query" in form.text
    assert requests.post(url, timeout=TIMEOUT).status_code == 400
    empty_direct = requests.post(
        url, data=b"  \n", headers={"Content-Type": "application/sparql-query"}, timeout=TIMEOUT
    )
    assert empty_direct.status_code == 400


def test_repeated_query_is_400(data_server):
    url = data_server.url + "/sparql"
    twice = [("query", "ASK {}"), ("query", "SELECT * {}")]
    assert requests.get(url, params=twice, timeout=TIMEOUT).status_code == 400
    assert requests.post(url, data=twice, timeout=TIMEOUT).status_code == 400
    both = requests.post(url, params={"query": "ASK {}"}, data={"query": "ASK {}"}, timeout=15)
    assert both.status_code == 400
    direct = requests.post(
        url,
        params={"query": "ASK {}"},
        data=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )
    assert direct.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "text/turtle"])
def test_unsupported_body_type_is_415(data_server, content_type):
    response = requests.post(
        data_server.url + "/sparql",
        data=b"ASK {}",
        headers={"Content-Type": content_type},
        timeout=TIMEOUT,
    )
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_non_utf8_body_is_refused(data_server):
    response = requests.post(
        data_server.url + "/sparql",
        data="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 415
    response = requests.post(
        data_server.url + "/sparql",
        data="ASK { } # \xe9".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_unsupported_accept_is_406(data_server):
    response = sparql(data_server, LABELS, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    response = sparql(
        data_server, G1_CONSTRUCT, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 406
    assert "text/turtle" in response.text
    assert sparql(data_server, headers={"Accept": "image/png"}).status_code == 406


def test_unknown_format_parameter_is_400(data_server):
    response = sparql(data_server, LABELS, params={"format": "yaml"})
    assert response.status_code == 400
    assert "json" in response.text


def test_oversized_body_is_413(data_server):
    padding = "#" + "x" * 300_000 + "\n"
    url = data_server.url + "/sparql"
    direct = requests.post(
        url,
        data=(padding + "ASK {}").encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )
    assert direct.status_code == 413
    form = requests.post(url, data={"query": padding + "ASK {}"}, timeout=TIMEOUT)
    assert form.status_code == 413


def test_other_methods_are_405(data_server):
    response = requests.put(data_server.url + "/sparql", params={"query": "ASK {}"}, timeout=15)
    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")


@pytest.mark.parametrize(
    "how",
    ["update-get", "update-form", "update-direct"],
)
def test_updates_are_403_read_only(data_server, how):
    url = data_server.url + "/sparql"
    update = f"INSERT DATA {{ GRAPH <{EX.g1}> {{ <{EX.x}> <{EX.y}> <{EX.z}> }} }}"
    if how == "update-get":
        response = requests.get(url, params={"update": update}, timeout=TIMEOUT)
    elif how == "update-form":
        response = requests.post(url, data={"update": update}, timeout=TIMEOUT)
    else:
        response = requests.post(
            url,
            data=update.encode(),
            headers={"Content-Type": "application/sparql-update"},
            timeout=TIMEOUT,
        )
    assert response.status_code == 403
    assert "read-only" in response.text
    assert select_values(sparql(data_server, f"SELECT ?s WHERE {{ <{EX.x}> ?p ?s }}"), "s") == set()


@pytest.mark.parametrize(
    "update",
    ["CLEAR ALL", "DROP GRAPH <http://example.org/rcpkg-test/g1>", "INSERT DATA { <a:b> <a:c> 1 }"],
)
def test_update_text_as_a_query_is_refused_clearly(data_server, update):
    response = sparql(data_server, update)
    assert response.status_code in (400, 403)
    assert "read-only" in response.text
    assert "Update" in response.text


# --- HTTP: CORS, compression --------------------------------------------------------------


def test_cors_on_get_post_and_preflight(data_server):
    origin = {"Origin": "https://example.net"}
    get = sparql(data_server, "ASK {}", headers=origin)
    assert get.headers["Access-Control-Allow-Origin"] == "*"
    post = requests.post(
        data_server.url + "/sparql", data={"query": "ASK {}"}, headers=origin, timeout=TIMEOUT
    )
    assert post.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Rcpkg-Truncated" in post.headers["Access-Control-Expose-Headers"]
    preflight = requests.options(
        data_server.url + "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=TIMEOUT,
    )
    assert 200 <= preflight.status_code < 300
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


BIG_SELECT = (
    "SELECT ?n WHERE { VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 }"
    " VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } BIND(?a * 100 + ?b * 10 + ?c AS ?n) }"
)


def test_large_results_are_gzipped_when_asked(data_server):
    response = sparql(data_server, BIG_SELECT, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    raw = response.raw.read(decode_content=False)
    rows = json.loads(gzip.decompress(raw))["results"]["bindings"]
    assert sorted(int(r["n"]["value"]) for r in rows) == list(range(1000))

    plain = sparql(data_server, BIG_SELECT, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert len(json.loads(plain.content)["results"]["bindings"]) == 1000


# --- the service description and the query page -------------------------------------------


def description(response: requests.Response, rdflib_format: str) -> Graph:
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format=rdflib_format)


def test_service_description_for_any_client(data_server):
    for headers in ({"Accept": "*/*"}, {}):
        response = sparql(data_server, headers=headers)
        assert_utf8_type(response, "text/turtle")
        graph = description(response, "turtle")
        services = set(graph.subjects(ns.RDF.type, SD.Service))
        assert len(services) == 1
        service = services.pop()
        endpoint = graph.value(service, SD.endpoint)
        assert endpoint is not None and str(endpoint).endswith("/sparql")
        assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
        formats = set(graph.objects(service, SD.resultFormat))
        assert {
            FORMATS.SPARQL_Results_JSON,
            FORMATS.SPARQL_Results_XML,
            FORMATS.SPARQL_Results_CSV,
            FORMATS.SPARQL_Results_TSV,
            FORMATS.Turtle,
        } <= formats
        default_dataset = graph.value(service, SD.defaultDataset)
        assert default_dataset is not None
        linked = {o for _, _, o in graph.triples((default_dataset, None, None))}
        linked |= {o for g in linked for _, _, o in graph.triples((g, None, None))}
        assert any(str(o).endswith("/dataset") for o in linked), linked
        assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph


@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("text/turtle", "turtle")],
)
def test_service_description_is_negotiated(data_server, media_type, rdflib_format):
    response = sparql(data_server, headers={"Accept": media_type})
    assert_utf8_type(response, media_type)
    graph = description(response, rdflib_format)
    assert len(set(graph.subjects(ns.RDF.type, SD.Service))) == 1


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class _Table(HTMLParser):
    """The header and body cells of the first ``table.results`` of a page, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._in: str | None = None
        self._table = False
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "results" in (dict(attrs).get("class") or ""):
            self._table = True
        elif self._table and tag == "tr":
            self.rows.append([])
        elif self._table and tag in ("td", "th"):
            self._in, self._text = tag, ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = False
        elif self._table and tag == self._in:
            (self.headers if tag == "th" else self.rows[-1]).append(self._text.strip())
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def test_query_page_for_a_browser(data_server):
    response = sparql(data_server, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert_utf8_type(response, "text/html")
    assert "<textarea" in response.text and 'name="query"' in response.text
    page = html.unescape(response.text)
    for example in load_examples(ROOT / "queries"):  # the example queries, if there are any
        assert example.title in page
        assert f'data-example="{example.key}"' in response.text


def test_query_run_from_the_page_renders_a_table(data_server):
    response = requests.post(
        data_server.url + "/sparql",
        data={"query": LABELS, "format": "html"},
        headers={"Accept": BROWSER},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert_utf8_type(response, "text/html")
    table = _Table()
    table.feed(response.text)
    assert table.headers == ["s", "label", "rank"]
    cells = {tuple(row) for row in table.rows if row}
    assert (str(EX.beta), "Beta", "2") in cells
    assert len(cells) == len(LABEL_ROWS)
    assert LABELS.split("SELECT")[1].strip()[:20] in response.text.replace("&lt;", "<")


def test_query_page_shows_errors_with_their_status(data_server):
    response = sparql(data_server, "SELECT * WHERE { ?s ?p }", headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]
    assert re.search(r"\b1:\d+\b", response.text)


BAD_REQUESTS = [
    ("GET", {"params": {"query": "SELECT * WHERE { ?s ?p }"}}),
    ("GET", {"params": {"query": "ASK {}", "default-graph-uri": "::"}}),
    ("GET", {"params": {"query": "ASK {}", "format": "nope"}}),
    ("GET", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}),
    ("GET", {"params": {"update": "CLEAR ALL"}}),
    ("GET", {"params": {"query": "CLEAR ALL"}}),
    ("GET", {"params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}),
    ("GET", {"params": {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}}),
    ("POST", {"data": b"ASK {}", "headers": {"Content-Type": "text/plain"}}),
    ("POST", {"data": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}}),
    ("POST", {"data": {"nothing": "here"}}),
    ("POST", {"data": {"query": "#" + "x" * 300_000}}),
    ("PUT", {}),
    ("DELETE", {}),
]


@pytest.mark.parametrize("accept", ["*/*", BROWSER])
def test_no_traceback_or_path_in_error_bodies(data_server, accept):
    for method, options in BAD_REQUESTS:
        kwargs = dict(options)
        headers = {"Accept": accept, **kwargs.pop("headers", {})}
        response = requests.request(
            method, data_server.url + "/sparql", headers=headers, timeout=TIMEOUT, **kwargs
        )
        assert 400 <= response.status_code < 500, (method, kwargs, response.status_code)
        body = response.text
        assert "Traceback" not in body and 'File "' not in body, body
        assert not re.search(r"(/work/|/tmp/|/home/|/root/|site-packages|\.py\b)", body), body


# --- no outbound request, whatever the query says -----------------------------------------


def test_no_outbound_request_is_made(data_server, listener):
    base = f"http://127.0.0.1:{listener.port}"
    url = data_server.url + "/sparql"
    refused = [
        f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{base}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{base}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{base}/sparql> {{ ?s ?p ?o  }}",  # and broken
        f"PREFIX r: <{base}/> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{base}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"LOAD <{base}/data.ttl>",
        f"LOAD <{base}/data.ttl> INTO GRAPH <{EX.g1}>",
    ]
    for query in refused:
        for response in (
            requests.get(url, params={"query": query}, timeout=TIMEOUT),
            requests.post(
                url,
                data=query.encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=TIMEOUT,
            ),
        ):
            assert response.status_code in (400, 403), (query, response.status_code)
    for update in (f"LOAD <{base}/data.ttl>", f"LOAD SILENT <{base}/x> INTO GRAPH <{EX.g9}>"):
        assert requests.post(url, data={"update": update}, timeout=TIMEOUT).status_code == 403
        direct = requests.post(
            url,
            data=update.encode(),
            headers={"Content-Type": "application/sparql-update"},
            timeout=TIMEOUT,
        )
        assert direct.status_code == 403
    # FROM and dataset parameters name graphs of this store: answered locally, empty.
    for query, params in (
        (f"SELECT * FROM <{base}/x> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{base}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": f"{base}/x"}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": f"{base}/x"}),
    ):
        response = sparql(data_server, query, params=params)
        assert response.status_code == 200, response.text
        assert json.loads(response.content)["results"]["bindings"] == []
    time.sleep(0.5)
    assert listener.connections == 0


# --- limits: time, concurrency, rows ------------------------------------------------------

#: Runaway queries over any graph with more than a few triples.
CARTESIAN = (
    "SELECT (COUNT(*) AS ?n) WHERE "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o . ?p ?q ?r }"
)
PATHS = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b . "
    "?c (!<urn:x:q>/!<urn:x:q>)* ?d . ?e (^!<urn:x:r>)* ?f }"
)


def timed_query(server: RunningServer, query: str) -> tuple[requests.Response, float]:
    start = time.monotonic()
    response = sparql(server, query)
    return response, time.monotonic() - start


def test_runaway_query_is_stopped_while_others_keep_answering(strict_server):
    outcome: dict = {}

    def run() -> None:
        outcome["response"], outcome["seconds"] = timed_query(strict_server, CARTESIAN)

    runaway = threading.Thread(target=run)
    runaway.start()
    time.sleep(0.3)
    answered_meanwhile = 0
    try:
        while runaway.is_alive() and answered_meanwhile < 3:
            health = requests.get(strict_server.url + "/healthz", timeout=5)
            simple = sparql(strict_server, "ASK { }")
            assert health.status_code == 200
            assert simple.status_code == 200 and json.loads(simple.content)["boolean"] is True
            if runaway.is_alive():
                answered_meanwhile += 1
    finally:
        runaway.join(timeout=20)
    assert answered_meanwhile >= 1, "the runaway query ended before others could be sent"
    response = outcome["response"]
    assert response.status_code == 503, response.text
    assert "time limit" in response.text and "2 s" in response.text
    assert outcome["seconds"] < 10


def concurrent_asks(server: RunningServer, n: int) -> list[int]:
    """Statuses of ``n`` simple queries sent at once."""
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(sparql(server, "ASK {}").status_code)

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    return statuses


def test_server_answers_after_runaway_queries(strict_server):
    response, seconds = timed_query(strict_server, PATHS)
    assert response.status_code == 503 and seconds < 10, response.text
    assert "time limit" in response.text
    # Run another, so that more query workers were killed than the server started with.
    response, seconds = timed_query(strict_server, CARTESIAN)
    assert response.status_code == 503 and seconds < 10, response.text
    # Killed workers are replaced in the background: soon, queries are answered, in parallel.
    deadline = time.monotonic() + 10
    while (statuses := concurrent_asks(strict_server, 2)) != [200, 200]:
        assert time.monotonic() < deadline, f"still no answers after runaway queries: {statuses}"
        time.sleep(0.2)


def test_row_cap_cuts_answers_with_a_header(strict_server):
    eight = "SELECT ?x WHERE { VALUES ?x { 1 2 3 4 5 6 7 8 } }"
    response = sparql(strict_server, eight)
    assert response.status_code == 200
    assert len(json.loads(response.content)["results"]["bindings"]) == 5
    assert "X-Rcpkg-Truncated" in response.headers
    csv_rows = list(
        csv.reader(io.StringIO(sparql(strict_server, eight, params={"format": "csv"}).text))
    )
    assert len(csv_rows) == 1 + 5

    five = "SELECT ?x WHERE { VALUES ?x { 1 2 3 4 5 } }"
    response = sparql(strict_server, five)
    assert len(json.loads(response.content)["results"]["bindings"]) == 5
    assert "X-Rcpkg-Truncated" not in response.headers

    construct = (
        "CONSTRUCT { ?x <urn:x:p> 1 } WHERE { VALUES ?x "
        "{ <urn:x:1> <urn:x:2> <urn:x:3> <urn:x:4> <urn:x:5> <urn:x:6> <urn:x:7> } }"
    )
    response = sparql(strict_server, construct, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.content, format="nt")) == 5
    assert "X-Rcpkg-Truncated" in response.headers
