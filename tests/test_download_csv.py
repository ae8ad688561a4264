"""The tidy CSV tables are published at /download/csv/, with their CSV on the Web metadata."""

from __future__ import annotations

import csv
import io

import requests
from rdflib import Graph, URIRef

T = 60
DCAT = "http://www.w3.org/ns/dcat#"


def test_metadata_lists_tables_that_are_all_downloadable(server) -> None:
    response = requests.get(server.url + "/download/csv/csv-metadata.json", timeout=T)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/csvm+json")
    metadata = response.json()
    tables = [t["url"] for t in metadata["tables"]]
    assert "memberships.csv" in tables and "states.csv" in tables
    for url in tables:
        table = requests.get(f"{server.url}/download/csv/{url}", timeout=T)
        assert table.status_code == 200, url
        assert table.headers["Content-Type"].startswith("text/csv")
        header = next(csv.reader(io.StringIO(table.text)))
        schema = next(t for t in metadata["tables"] if t["url"] == url)["tableSchema"]
        assert header == [c["name"] for c in schema["columns"] if not c.get("virtual")], url


def test_memberships_table_counts_the_sparql_memberships(server) -> None:
    table = requests.get(server.url + "/download/csv/memberships.csv", timeout=T)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    query = (
        "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { "
        "?m a <https://w3id.org/rcpkg/ontology#Membership> }"
    )
    answer = requests.post(
        server.url + "/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=T
    )
    assert len(rows) == int(answer.text.splitlines()[1])


def test_only_published_tables_are_served(server) -> None:
    for name in ("nothing.csv", "..%2Fbuild.json", "build.json", "%2E%2E", "rcpkg.ttl"):
        response = requests.get(f"{server.url}/download/csv/{name}", timeout=T)
        assert response.status_code == 404, name


def test_dataset_describes_the_csv_distribution(server) -> None:
    response = requests.get(server.url + "/dataset", headers={"Accept": "text/turtle"}, timeout=T)
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef("https://w3id.org/rcpkg/dataset")
    tables = URIRef("https://w3id.org/rcpkg/download/csv/csv-metadata.json")
    distributions = set(graph.objects(dataset, URIRef(DCAT + "distribution")))
    assert any((d, URIRef(DCAT + "accessURL"), tables) in graph for d in distributions)
