"""SERVICE federation is off unless the operator lists the endpoints (RCPKG_SERVICE_ALLOWLIST).

A second local rcpkg server, serving a small made-up graph, stands in for the remote
endpoint; the main server serves this checkout with that endpoint on its allow-list. A query
may reach the listed endpoint and no other; with the default settings it may reach none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import RunningServer, free_port, start_server

FIXTURE = Path(__file__).parent / "fixtures" / "allowlist" / "remote.ttl"
EX = "https://example.org/allowlist-fixture#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
#: Seconds a single request may take (a federated query makes one more HTTP round trip).
REQUEST_TIMEOUT = 30
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The stand-in for a remote SPARQL endpoint: a server of the fixture graph only."""
    running = start_server(tmp_path_factory.mktemp("remote"), "--data", str(FIXTURE))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def federating(
    tmp_path_factory: pytest.TempPathFactory, remote: RunningServer
) -> Iterator[RunningServer]:
    """This checkout's graph, with the remote's endpoint on the SERVICE allow-list."""
    running = start_server(
        tmp_path_factory.mktemp("federating"),
        env={"RCPKG_SERVICE_ALLOWLIST": remote.url + "/sparql"},
    )
    yield running
    running.stop()


def sparql(server: RunningServer, query: str) -> requests.Response:
    return requests.post(
        server.url + "/sparql",
        data={"query": query},
        headers={"Accept": JSON},
        timeout=REQUEST_TIMEOUT,
    )


def scores_query(endpoint: str) -> str:
    return f"""
        SELECT ?s ?score WHERE {{
          SERVICE <{endpoint}> {{ ?s <{EX}fixtureScore> ?score }}
        }} ORDER BY ?s"""


def rows(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def test_remote_serves_the_fixture(remote: RunningServer) -> None:
    answer = rows(sparql(remote, f"SELECT ?s WHERE {{ ?s <{EX}fixtureScore> ?o }}"))
    assert len(answer) == 2


def test_listed_service_returns_the_remote_triples(
    federating: RunningServer, remote: RunningServer
) -> None:
    # The main server's own graph does not hold the fixture's triples...
    assert rows(sparql(federating, f"SELECT ?s WHERE {{ ?s <{EX}fixtureScore> ?o }}")) == []
    # ...the remote does, and a SERVICE to it brings them back.
    answer = rows(sparql(federating, scores_query(remote.url + "/sparql")))
    assert answer == [
        {"s": "https://w3id.org/rcpkg/id/state/ERI", "score": "7"},
        {"s": "https://w3id.org/rcpkg/id/state/ETH", "score": "3"},
    ]
    marker = rows(
        sparql(
            federating,
            f"SELECT ?label WHERE {{ SERVICE <{remote.url}/sparql> "
            f"{{ <{EX}marker> <{RDFS}label> ?label }} }}",
        )
    )
    assert marker == [{"label": "remote fixture graph"}]


def test_listed_service_joins_with_the_local_graph(
    federating: RunningServer, remote: RunningServer
) -> None:
    query = f"""
        PREFIX rcpkg: <https://w3id.org/rcpkg/ontology#>
        SELECT ?iso3 ?score WHERE {{
          SERVICE <{remote.url}/sparql> {{ ?state <{EX}fixtureScore> ?score }}
          ?state rcpkg:iso3166Alpha3 ?iso3 .
        }} ORDER BY ?iso3"""
    assert rows(sparql(federating, query)) == [
        {"iso3": "ERI", "score": "7"},
        {"iso3": "ETH", "score": "3"},
    ]


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:{port}/sparql",  # a server that is not listed
        "{remote}/sparql/",  # the listed one, spelt differently
        "{remote}/sparql?default-graph-uri=urn:x",
        "http://localhost:{remote_port}/sparql",
    ],
)
def test_unlisted_service_is_refused(
    federating: RunningServer, remote: RunningServer, endpoint: str
) -> None:
    iri = endpoint.format(
        port=free_port(), remote=remote.url, remote_port=remote.url.rsplit(":", 1)[1]
    )
    response = sparql(federating, scores_query(iri))
    assert response.status_code == 403, response.text
    assert "RCPKG_SERVICE_ALLOWLIST" in response.text


def test_variable_service_is_refused(federating: RunningServer) -> None:
    query = "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/sparql> } SERVICE ?e { ?s ?p ?o } }"
    assert sparql(federating, query).status_code == 403


def test_default_settings_refuse_every_service(
    server: RunningServer, remote: RunningServer
) -> None:
    if os.environ.get("RCPKG_SERVICE_ALLOWLIST"):
        pytest.skip("RCPKG_SERVICE_ALLOWLIST is set here, so the shared server is not default")
    response = sparql(server, scores_query(remote.url + "/sparql"))
    assert response.status_code == 403, response.text
    assert "RCPKG_SERVICE_ALLOWLIST" in response.text
