"""The W3C SPARQL 1.1 Protocol test suite's query tests, against a real ``rcpkg serve``.

The suite (w3c/rdf-tests, ``sparql/sparql11/protocol/manifest.ttl``) describes each test as
HTTP requests and the expected responses; each test here is named after its manifest entry and
sends those requests to this server's endpoint (``/sparql``; the manifest writes ``/sparql/``),
with no ``Accept`` header, as the manifest does. Where the suite expects ``true``, a negative
control checks that the answer really depends on the dataset asked for.

The dataset tests name their data by IRI (``http://kasei.us/2009/09/sparql/data/dataN.rdf``).
rcpkg never fetches anything, so ``tests/fixtures/w3c_protocol_data.trig`` holds graphs with
those names, written for rcpkg in the suite's shape (each a document typed ``foaf:Document``).

Out of scope: the update tests, because the service is read-only and refuses every update
(403, tested in ``test_sparql_protocol.py``):
``update_dataset_default_graph``, ``update_dataset_default_graphs``,
``update_dataset_named_graphs``, ``update_dataset_full``, ``update_post_form``,
``update_post_direct``, ``update_base_uri``, ``bad_update_get``, ``bad_multiple_updates``,
``bad_update_wrong_media_type``, ``bad_update_missing_form_type``, ``bad_update_non_utf8``,
``bad_update_syntax``, ``bad_update_dataset_conflict``. The list of entries and how each is
covered is kept in ``tests/w3c_protocol_manifest_entries.txt``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from conftest import RunningServer, start_server

FIXTURES = Path(__file__).parent / "fixtures"
ENTRIES = Path(__file__).parent / "w3c_protocol_manifest_entries.txt"
TIMEOUT = 15
DATA = "http://kasei.us/2009/09/sparql/data/"
DATA0, DATA1, DATA2, DATA3 = (f"{DATA}data{n}.rdf" for n in range(4))
RES = "{http://www.w3.org/2005/sparql-results#}"
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
NO_ACCEPT = {"Accept": None}  # requests leaves the header out


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("w3c"),
        "--data",
        str(FIXTURES / "w3c_protocol_data.trig"),
        "--workers",
        "1",
    )
    yield running
    running.stop()


def endpoint(server: RunningServer) -> str:
    return server.url + "/sparql"


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


def boolean(response: requests.Response) -> bool:
    """The boolean of an ASK answer: 2xx, in SPARQL JSON or XML, read with the stdlib."""
    assert 200 <= response.status_code < 400, (response.status_code, response.text)
    kind = media_type(response)
    assert kind in BOOLEAN_TYPES, kind
    if kind == "application/sparql-results+json":
        value = json.loads(response.content)["boolean"]
        assert isinstance(value, bool)
        return value
    element = ET.fromstring(response.content).find(RES + "boolean")
    assert element is not None and element.text in ("true", "false")
    return element.text == "true"


def get(server: RunningServer, params: list[tuple[str, str]]) -> requests.Response:
    return requests.get(endpoint(server), params=params, headers=NO_ACCEPT, timeout=TIMEOUT)


def post_direct(
    server: RunningServer, query: str, params: list[tuple[str, str]] | None = None
) -> requests.Response:
    return requests.post(
        endpoint(server),
        params=params or [],
        data=query.encode("utf-8"),
        headers={**NO_ACCEPT, "Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )


def is_client_error(response: requests.Response) -> bool:
    return 400 <= response.status_code < 500


BOTH_DEFAULT = f"ASK {{ <{DATA1}> a ?type . <{DATA2}> a ?type . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} GRAPH ?g2 {{ <{DATA2}> a ?type }} }}"


# --- query tests, in the manifest's order --------------------------------------------------


def test_query_post_form(w3c_server):
    response = requests.post(
        endpoint(w3c_server),
        params=[("default-graph-uri", DATA0)],
        data=b"query=ASK%20%7B%7D",
        headers={**NO_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(w3c_server):
    params = [("query", BOTH_DEFAULT), ("default-graph-uri", DATA1), ("default-graph-uri", DATA2)]
    assert boolean(get(w3c_server, params)) is True
    # Control: with one of the two graphs only, the other document is not in the default graph.
    assert boolean(get(w3c_server, params[:2])) is False


def test_query_dataset_default_graphs_post(w3c_server):
    params = [("default-graph-uri", DATA1), ("default-graph-uri", DATA2)]
    assert boolean(post_direct(w3c_server, BOTH_DEFAULT, params)) is True
    assert boolean(post_direct(w3c_server, BOTH_DEFAULT, [("default-graph-uri", DATA3)])) is False


def test_query_dataset_named_graphs_post(w3c_server):
    params = [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)]
    assert boolean(post_direct(w3c_server, BOTH_NAMED, params)) is True
    assert boolean(post_direct(w3c_server, BOTH_NAMED, params[:1])) is False


def test_query_dataset_named_graphs_get(w3c_server):
    params = [("query", BOTH_NAMED), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)]
    assert boolean(get(w3c_server, params)) is True
    assert boolean(get(w3c_server, [params[0], ("named-graph-uri", DATA0)])) is False


def test_query_dataset_full(w3c_server):
    query = (
        f"ASK {{\n  <{DATA3}> a ?type\n  GRAPH ?g1 {{ <{DATA1}> a ?type }}\n"
        f"  GRAPH ?g2 {{ <{DATA2}> a ?type }}\n}}"
    )
    params = [
        ("default-graph-uri", DATA3),
        ("named-graph-uri", DATA1),
        ("named-graph-uri", DATA2),
    ]
    assert boolean(post_direct(w3c_server, query, params)) is True
    # Control: data3 named as a named graph instead is not in the default graph.
    swapped = [("default-graph-uri", DATA0), *params[1:], ("named-graph-uri", DATA3)]
    assert boolean(post_direct(w3c_server, query, swapped)) is False


def test_query_multiple_dataset(w3c_server):
    query = (
        f"ASK FROM <{DATA3}> {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} "
        f"GRAPH ?g2 {{ <{DATA2}> a ?type }} }}"
    )
    params = [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)]
    assert boolean(post_direct(w3c_server, query, params)) is True
    # Control: the protocol's dataset is used, not the query's: FROM <data3> does not bring
    # data3 back into a default graph the protocol left empty.
    control = f"ASK FROM <{DATA3}> {{ <{DATA3}> a ?type }}"
    assert boolean(post_direct(w3c_server, control, params)) is False
    assert boolean(post_direct(w3c_server, control)) is True


def test_query_get(w3c_server):
    params = [("query", "ASK {}"), ("default-graph-uri", DATA0)]
    assert boolean(get(w3c_server, params)) is True


def test_query_content_type_select(w3c_server):
    response = post_direct(w3c_server, "SELECT (1 AS ?value) {}", [("default-graph-uri", DATA0)])
    assert 200 <= response.status_code < 400
    kind = media_type(response)
    assert kind in TABULAR_TYPES
    if kind == "application/sparql-results+json":
        rows = json.loads(response.content)["results"]["bindings"]
        assert [r["value"]["value"] for r in rows] == ["1"]
    elif kind == "application/sparql-results+xml":
        values = [e.text for e in ET.fromstring(response.content).iter(RES + "literal")]
        assert values == ["1"]
    elif kind == "text/csv":
        assert list(csv.reader(io.StringIO(response.text))) == [["value"], ["1"]]
    else:
        assert response.text.split("\n")[0] == "?value"


def test_query_content_type_ask(w3c_server):
    response = post_direct(w3c_server, "ASK {}", [("default-graph-uri", DATA0)])
    assert boolean(response) is True


def rdf_answer(response: requests.Response) -> Graph:
    assert 200 <= response.status_code < 400, (response.status_code, response.text)
    kind = media_type(response)
    assert kind in RDF_TYPES, kind
    return Graph().parse(data=response.content, format=RDF_TYPES[kind])


def test_query_content_type_describe(w3c_server):
    response = post_direct(
        w3c_server, "DESCRIBE <http://example.org/>", [("default-graph-uri", DATA0)]
    )
    assert len(rdf_answer(response)) == 0  # nothing is said about it in data0


def test_query_content_type_construct(w3c_server):
    response = post_direct(
        w3c_server, "CONSTRUCT { <s> <p> 1 } WHERE {}", [("default-graph-uri", DATA0)]
    )
    graph = rdf_answer(response)
    assert len(graph) == 1
    ((subject, predicate, obj),) = graph
    # The relative IRIs were resolved against a base the service chose (its endpoint).
    assert str(subject).endswith("/s") and str(predicate).endswith("/p")
    assert obj.toPython() == 1


def test_query_post_direct(w3c_server):
    assert boolean(post_direct(w3c_server, "ASK {}")) is True


def test_bad_query_method(w3c_server):
    response = requests.put(
        endpoint(w3c_server),
        params=[("query", "ASK {}"), ("default-graph-uri", DATA0)],
        data=b"",
        headers={**NO_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )
    assert is_client_error(response)


def test_bad_multiple_queries(w3c_server):
    response = get(w3c_server, [("query", "ASK {}"), ("query", "SELECT * {}")])
    assert is_client_error(response)


def test_bad_query_wrong_media_type(w3c_server):
    response = requests.post(
        endpoint(w3c_server),
        data=b"ASK {}",
        headers={**NO_ACCEPT, "Content-Type": "text/plain"},
        timeout=TIMEOUT,
    )
    assert is_client_error(response)


def test_bad_query_missing_form_type(w3c_server):
    response = requests.post(
        endpoint(w3c_server), data=b"query=ASK%20%7B%7D", headers=NO_ACCEPT, timeout=TIMEOUT
    )
    assert "Content-Type" not in response.request.headers
    assert is_client_error(response)


def test_bad_query_missing_direct_type(w3c_server):
    response = requests.post(endpoint(w3c_server), data=b"ASK {}", headers=NO_ACCEPT, timeout=15)
    assert "Content-Type" not in response.request.headers
    assert is_client_error(response)


def test_bad_query_non_utf8(w3c_server):
    body = "ASK {}".encode("utf-16")  # with a byte order mark, as the suite says
    assert body[:2] in (b"\xff\xfe", b"\xfe\xff") and len(body) == 14
    response = requests.post(
        endpoint(w3c_server),
        data=body,
        headers={**NO_ACCEPT, "Content-Type": "application/sparql-query; charset=UTF-16"},
        timeout=TIMEOUT,
    )
    assert is_client_error(response)


def test_bad_query_syntax(w3c_server):
    assert is_client_error(get(w3c_server, [("query", "ASK {")]))


# --- the list of entries -------------------------------------------------------------------


def manifest_entries() -> list[tuple[str, str, str]]:
    rows = []
    for line in ENTRIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            entry, status, note = line.split("\t")
            rows.append((entry, status, note))
    return rows


def test_every_read_only_entry_has_a_test():
    entries = manifest_entries()
    names = [entry for entry, _, _ in entries]
    assert len(names) == len(set(names)) == 34  # the manifest's mf:entries
    module = sys.modules[__name__]
    for entry, status, note in entries:
        assert status in ("covered", "out-of-scope"), entry
        is_update = entry.startswith(("update_", "bad_update_", "bad_multiple_updates"))
        assert status == ("out-of-scope" if is_update else "covered"), entry
        assert note, entry
        if status == "covered":
            assert callable(getattr(module, f"test_{entry}", None)), f"no test for {entry}"
        else:
            assert f"``{entry}``" in (__doc__ or ""), entry
