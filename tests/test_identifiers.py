"""Links to other datasets are the checked ones, in the entity-IRI forms the contract fixes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

ROOT = Path(__file__).resolve().parents[1]
RCPKG = Namespace("https://w3id.org/rcpkg/ontology#")
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").glob("*.ttl")):
        g.parse(path)
    return g


def _organizations(graph: Graph) -> set[URIRef]:
    """Everything typed as an rcpkg organization class (subclasses included)."""
    classes = set(graph.transitive_subjects(RDFS.subClassOf, RCPKG.Organization))
    return {s for c in classes for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}


def test_organization_wikidata_links_match_the_checked_table(graph: Graph) -> None:
    with (ROOT / "data" / "reference" / "organizations-wikidata.csv").open(newline="") as handle:
        checked = {row["wikidata_qid"]: row for row in csv.DictReader(handle)}
    organizations = _organizations(graph)
    assert organizations, "the data has organizations"
    linked = 0
    for org in organizations:
        for target in graph.objects(org, OWL.sameAs):
            if str(target).startswith(WIKIDATA):
                qid = str(target).removeprefix(WIKIDATA)
                assert qid in checked, f"{org} links to unchecked {qid}"
                labels = {str(v) for v in graph.objects(org, RDFS.label)}
                labels |= {str(v) for v in graph.objects(org, URIRef(str(RCPKG) + "acronym"))}
                alt = {
                    str(v)
                    for v in graph.objects(
                        org, URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
                    )
                }
                names = {checked[qid]["name"], checked[qid]["acronym"]} - {""}
                assert names & (labels | alt), f"{org} ({labels}) is not {names}"
                linked += 1
    assert linked >= 5


def test_links_use_entity_iris_not_web_pages(graph: Graph) -> None:
    for _, _, target in graph.triples((None, OWL.sameAs, None)):
        value = str(target)
        assert not value.startswith(
            ("https://www.wikidata.org/wiki/", "http://www.wikidata.org/wiki/")
        )
        assert not value.startswith(("https://www.geonames.org/", "http://www.geonames.org/"))
        if "wikidata" in value:
            assert value.startswith(WIKIDATA)
        if "geonames" in value:
            assert value.startswith(GEONAMES) and value.endswith("/")
        if "publications.europa.eu" in value:
            assert value.startswith(EU_COUNTRY) and len(value.removeprefix(EU_COUNTRY)) == 3


def test_every_state_links_to_the_eu_authority_by_its_alpha3(graph: Graph) -> None:
    states = set(graph.subjects(RDF.type, RCPKG.State))
    assert len(states) >= 41
    for state in states:
        code = str(state).rsplit("/", 1)[1]
        assert URIRef(EU_COUNTRY + code) in set(graph.objects(state, OWL.sameAs)), state
