"""The example queries in queries/ give the answers the source page implies.

The graph is the union of ontology/ and data/ loaded into the default graph of a pyoxigraph
store, as a user would load it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
ID = "https://w3id.org/rcpkg/id/"
KP = ID + "process/khartoum-process"
RABAT = ID + "process/rabat-process"


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store()
    for folder in ("ontology", "data"):
        for path in sorted((ROOT / folder).glob("*.ttl")):
            s.load(path=str(path), format=RdfFormat.TURTLE)
    return s


def run(store: Store, name: str, replace: tuple[str, str] | None = None) -> list[dict]:
    text = (QUERIES / name).read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text, f"{name} does not contain {replace[0]!r}"
        text = text.replace(*replace)
    result = store.query(text)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def state(iso3: str) -> str:
    return ID + "state/" + iso3


# --------------------------------------------------------------------- query files

TESTED = {
    "current-members.rq",
    "current-members-by-continent.rq",
    "founding-members-no-longer-members.rq",
    "chair-in-year.rq",
    "steering-committee.rq",
    "meetings-in-addis-ababa.rq",
    "joint-meetings-with-rabat-process.rq",
    "virtual-meetings.rq",
    "secretariat-and-support-funding.rq",
    "themes-founding-and-later.rq",
    "observers-eu-bodies.rq",
    "corrections.rq",
}


#: Queries about the other processes and later sources, tested in tests/test_field.py.
TESTED_IN_FIELD = {p.name for p in QUERIES.glob("*.rq")} - TESTED


def test_every_query_file_is_tested_and_documented():
    files = {p.name for p in QUERIES.glob("*.rq")}
    field_tests = (ROOT / "tests" / "test_field.py").read_text(encoding="utf-8")
    for name in TESTED_IN_FIELD:
        assert name in field_tests, f"{name} is tested nowhere"
    assert files >= TESTED
    for name in files:
        lines = (QUERIES / name).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ") + 5, name
        assert lines[1].startswith("# description: "), name
        first_code = next(line for line in lines if line and not line.startswith("#"))
        assert first_code.startswith("PREFIX "), name


EUROPEAN = {
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
    "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "NOR", "POL", "PRT", "ROU",
    "SVK", "SVN", "ESP", "SWE", "CHE",
}  # fmt: skip
AFRICAN = {"DJI", "EGY", "ETH", "ERI", "KEN", "LBY", "SOM", "SSD", "SDN", "TUN", "UGA"}
JOINED_LATER = {"LBY", "NOR", "CHE", "UGA"}


def test_current_members(store):
    rows = run(store, "current-members.rq")
    assert len(rows) == 40
    by_continent = {}
    for r in rows:
        by_continent.setdefault(r["continentName"], set()).add(r["iso3"])
    assert by_continent == {"Europe": EUROPEAN, "Africa": AFRICAN}
    assert "GBR" not in {r["iso3"] for r in rows}
    later = {r["iso3"] for r in rows if r["founding"] == "false"}
    assert later == JOINED_LATER
    assert sum(r["founding"] == "true" for r in rows) == 36


def test_current_members_by_continent_match_declared_counts(store):
    rows = run(store, "current-members-by-continent.rq")
    counts = {r["continentName"]: (int(r["members"]), int(r["declared"])) for r in rows}
    assert counts == {"Africa": (11, 11), "Europe": (29, 29)}


def test_founding_members_no_longer_members(store):
    rows = run(store, "founding-members-no-longer-members.rq")
    assert [r["iso3"] for r in rows] == ["GBR"]
    assert "31 January 2020" in rows[0]["note"]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        ("2014", []),
        ("2015", ["EGY"]),
        ("2016", ["GBR"]),
        ("2017", ["ETH"]),
        ("2018", ["ITA"]),
        ("2019", ["ERI"]),
        ("2021", ["NLD"]),
        ("2022", ["NLD", "SSD"]),
        ("2023", ["SSD"]),
    ],
)
def test_chair_in_year(store, year, expected):
    rows = run(
        store, "chair-in-year.rq", ('VALUES ?year { "2018" }', f'VALUES ?year {{ "{year}" }}')
    )
    assert [r["iso3"] for r in rows] == expected


def test_chair_in_year_default_is_2018_italy(store):
    rows = run(store, "chair-in-year.rq")
    assert [(r["iso3"], r["name"]) for r in rows] == [("ITA", "Italy")]


def test_steering_committee(store):
    rows = run(store, "steering-committee.rq")
    assert len(rows) == 13
    members = {r["member"] for r in rows}
    states = {
        state(c) for c in ("ITA", "FRA", "DEU", "NLD", "SWE", "EGY", "ERI", "ETH", "SSD", "SDN")
    }
    orgs = {ID + "organization/" + k for k in ("ec", "eeas", "auc")}
    assert members == states | orgs
    kinds = {r["member"]: r["kind"] for r in rows}
    assert all(kinds[s] == "state" for s in states)
    assert all(kinds[o] == "organization" for o in orgs)
    continents = [r["continentName"] for r in rows if r["kind"] == "state"]
    assert continents.count("Europe") == 5 and continents.count("Africa") == 5


def test_meetings_in_addis_ababa(store):
    rows = run(store, "meetings-in-addis-ababa.rq")
    assert [r["start"] for r in rows] == ["2016-12-16", "2017-04-05", "2017-04-06", "2018-11-14"]
    assert rows[-1]["end"] == "2018-11-15"


def test_joint_meetings_with_rabat_process(store):
    rows = run(store, "joint-meetings-with-rabat-process.rq")
    assert [r["start"] for r in rows] == ["2017-02-08", "2020-12-15"]
    assert rows[0]["placeName"] == "St. Julian's" and rows[0]["online"] == "false"
    assert rows[1]["placeName"] is None and rows[1]["online"] == "true"


def test_virtual_meetings(store):
    rows = run(store, "virtual-meetings.rq")
    assert [r["start"] for r in rows] == ["2020-07-02", "2020-10-08", "2020-12-02", "2020-12-15"]
    joint = next(r for r in rows if r["start"] == "2020-12-15")
    assert set(joint["heldBy"].split(" + ")) == {"Khartoum Process", "Rabat Process"}


def test_secretariat_and_support_funding(store):
    rows = run(store, "secretariat-and-support-funding.rq")
    secretariat = {r["organization"] for r in rows if r["roleKind"] == "secretariat"}
    assert secretariat == {ID + "organization/auc", ID + "organization/ec"}
    support = [r for r in rows if r["roleKind"] == "support"]
    assert {r["organization"] for r in support} == {ID + "organization/icmpd"}
    assert {r["funderName"] for r in support} == {"European Union"}
    phases = {r["phase"]: (r["phaseStart"], r["phaseEnd"]) for r in support}
    assert phases == {
        ID + "programme/mmd-1": ("2014", "2019"),
        ID + "programme/mmd-2": (None, "2022"),
    }


def test_themes_founding_and_later(store):
    rows = run(store, "themes-founding-and-later.rq")
    origin = {r["theme"].rsplit("/", 1)[1]: r["origin"].rsplit("/", 1)[1] for r in rows}
    assert origin == {
        "trafficking-in-human-beings": "founding",
        "smuggling-of-migrants": "founding",
        "development-benefits-and-root-causes": "expansion",
        "legal-migration-and-mobility": "expansion",
        "protection-and-asylum": "expansion",
        "prevention-of-irregular-migration-smuggling-and-trafficking": "expansion",
        "return-readmission-and-reintegration": "expansion",
    }
    # founding themes come first
    assert [r["origin"].endswith("founding") for r in rows] == [True] * 2 + [False] * 5
    assert "Trafficking in human beings" in {r["themeName"] for r in rows}


def test_observers_eu_bodies(store):
    rows = run(store, "observers-eu-bodies.rq")
    keys = {r["body"].rsplit("/", 1)[1] for r in rows}
    assert keys == {"dg-home", "dg-development-and-cooperation", "dg-near", "eeas", "frontex"}
    names = {r["name"] for r in rows}
    assert "DG Development and Cooperation" in names  # the name the page gives


def test_corrections_query(store):
    rows = run(store, "corrections.rq")
    corrections = {r["correction"].rsplit("/", 1)[1] for r in rows}
    for expected in (
        "valletta-summit-spelling",
        "trafficking-spelling",
        "cairo-spelling",
        "rome-2017-senior-officials-spelling",
        "nairobi-2018-senior-officials-apostrophe",
        "combating-spelling",
        "stockholm-missing-year",
        "slovakia-state-name",
        "documents-split-entry",
        "berlin-truncated-link",
        "sudan-root-causes-possible-duplicate",
        "luxor-out-of-order",
        "djibouti-city-place-name",
        "uk-meeting-location-state-name",
    ):
        assert expected in corrections
    inferred = {r["correction"].rsplit("/", 1)[1] for r in rows if r["inferred"] == "true"}
    assert inferred == {"stockholm-missing-year"}
    split = {r["thing"] for r in rows if r["correction"].endswith("/documents-split-entry")}
    assert len(split) == 3
    flagged_without_text = {
        r["correction"].rsplit("/", 1)[1] for r in rows if r["corrected"] is None
    }
    assert flagged_without_text == {
        "berlin-truncated-link",
        "sudan-root-causes-possible-duplicate",
        "luxor-out-of-order",
    }


def test_corrections_doc_lists_every_correction(store):
    rows = run(store, "corrections.rq")
    doc = (ROOT / "docs" / "corrections.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`correction:([a-z0-9-]+)`", doc))
    assert listed == {r["correction"].rsplit("/", 1)[1] for r in rows}


# --------------------------------------------------------------------- facts of the page


def select(store: Store, query: str) -> list[dict]:
    prefixes = """
    PREFIX rcpkg: <https://w3id.org/rcpkg/ontology#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX schema: <https://schema.org/>
    PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    """
    result = store.query(prefixes + query)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def test_29_meetings_of_the_process_each_dated_and_placed(store):
    rows = select(
        store,
        """
        SELECT ?m ?start ?end ?where ?online (COUNT(DISTINCT ?p) AS ?processes) WHERE {
          ?m rcpkg:heldBy ?p ; schema:startDate ?start .
          ?m prov:wasDerivedFrom <https://w3id.org/rcpkg/id/source/iom-khartoum-process-2023> .
          ?m a/rdfs:subClassOf* rcpkg:Meeting .
          OPTIONAL { ?m schema:endDate ?end }
          OPTIONAL { ?m schema:location ?where }
          OPTIONAL { ?m schema:eventAttendanceMode ?online }
        } GROUP BY ?m ?start ?end ?where ?online
        """,
    )
    assert len(rows) == 29
    for r in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["start"]), r
        assert (r["where"] is None) != (r["online"] is None), r  # a place or online, not both
        if r["end"]:
            assert r["end"] > r["start"]
        assert r["m"].startswith(ID + "event/" + r["start"] + "-"), r
    assert sum(r["online"] is not None for r in rows) == 4
    assert sum(r["processes"] == "2" for r in rows) == 2
    years = sorted(r["start"][:4] for r in rows)
    assert years[0] == "2014" and years[-1] == "2020"


def test_valletta_summit_and_mandate(store):
    rows = select(
        store,
        """
        SELECT ?start ?end ?name (COUNT(DISTINCT ?p) AS ?processes) WHERE {
          ?mandate rcpkg:conferredAt ?s ; rcpkg:mandatedProcess ?p ;
                   rcpkg:concerns <https://w3id.org/rcpkg/id/document/joint-valletta-action-plan> .
          ?s a rcpkg:Summit ; schema:startDate ?start ; schema:endDate ?end ; schema:name ?name .
        } GROUP BY ?start ?end ?name
        """,
    )
    assert rows == [
        {
            "start": "2015-11-11",
            "end": "2015-11-12",
            "name": "Valletta Summit on Migration",
            "processes": "2",
        }
    ]


def test_every_fact_bearing_node_has_a_source(store):
    rows = select(
        store,
        """
        SELECT DISTINCT ?s WHERE {
          ?s a ?c .
          VALUES ?c { rcpkg:ConsultativeProcess rcpkg:Membership rcpkg:ChairRole
                      rcpkg:SteeringCommitteeSeat rcpkg:SecretariatRole rcpkg:SupportRole
                      rcpkg:ObserverRole rcpkg:Summit rcpkg:Correction rcpkg:Mandate
                      rcpkg:ThematicFocus rcpkg:RelatedLink rcpkg:Programme
                      rcpkg:ProgrammePhase rcpkg:State rcpkg:City }
          FILTER NOT EXISTS { ?s prov:wasDerivedFrom ?src }
        }
        """,
    )
    assert rows == []
    docs = select(
        store,
        """
        SELECT DISTINCT ?s WHERE {
          ?s a/rdfs:subClassOf* rcpkg:Document .
          FILTER NOT EXISTS { ?s prov:wasDerivedFrom/a rcpkg:Source }
        }
        """,
    )
    assert docs == []


def test_source_description(store):
    rows = select(
        store,
        """
        SELECT ?url ?date (DATATYPE(?date) AS ?type) WHERE {
          <https://w3id.org/rcpkg/id/source/iom-khartoum-process-2023>
              a rcpkg:Source ; schema:url ?url ; rcpkg:reflectsDate ?date .
        }
        """,
    )
    assert rows == [
        {
            "url": "https://www.iom.int/eu-horn-africa-migration-route-initiative-khartoum-process",
            "date": "2023-04",
            "type": "http://www.w3.org/2001/XMLSchema#gYearMonth",
        }
    ]


def test_every_iri_used_as_object_in_our_namespace_is_described(store):
    rows = select(
        store,
        """
        SELECT DISTINCT ?o WHERE {
          ?s ?p ?o .
          FILTER (isIRI(?o) && STRSTARTS(STR(?o), "https://w3id.org/rcpkg/id/"))
          FILTER NOT EXISTS { ?o rdfs:label ?l }
        }
        """,
    )
    assert rows == []


def test_every_rcpkg_term_used_is_declared_with_label_and_definition(store):
    rows = select(
        store,
        """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT DISTINCT ?term WHERE {
          { ?s ?term ?o } UNION { ?s a ?term }
          FILTER STRSTARTS(STR(?term), "https://w3id.org/rcpkg/ontology#")
          FILTER NOT EXISTS {
            ?term rdfs:label ?label ; skos:definition ?definition ;
                  rdfs:isDefinedBy <https://w3id.org/rcpkg/ontology> .
            FILTER (LANG(?label) = "en" && LANG(?definition) = "en")
          }
        }
        """,
    )
    assert rows == []
    declared = select(
        store,
        """
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {
          ?t rdfs:isDefinedBy <https://w3id.org/rcpkg/ontology> .
          FILTER STRSTARTS(STR(?t), "https://w3id.org/rcpkg/ontology#")
        }
        """,
    )
    assert int(declared[0]["n"]) > 80
