"""The field beyond the IOM page: the Khartoum Process over time, the Rabat Process, the other
processes, claims and conflicts between sources, and the example queries about them.

The graph is the union of ontology/ and data/ in the default graph of a pyoxigraph store, as
in tests/test_queries.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from rcpkg import validation

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
ID = "https://w3id.org/rcpkg/id/"
KP = ID + "process/khartoum-process"
RABAT = ID + "process/rabat-process"
IOM_PAGE = ID + "source/iom-khartoum-process-2023"

PREFIXES = """
PREFIX rcpkg: <https://w3id.org/rcpkg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

FIELD_QUERIES = {
    "state-processes-and-roles.rq",
    "states-in-rabat-and-khartoum.rq",
    "secretariat-or-support-iom-icmpd.rq",
    "current-chair-by-latest-source.rq",
    "current-chair-by-source.rq",
    "processes-by-region-and-kind.rq",
    "conflicting-claims.rq",
    "khartoum-chairs-in-order.rq",
    "steering-committee-by-source.rq",
}


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store()
    for folder in ("ontology", "data"):
        for path in sorted((ROOT / folder).glob("*.ttl")):
            s.load(path=str(path), format=RdfFormat.TURTLE)
    return s


def rows(result) -> list[dict]:
    names = [v.value for v in result.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in result]


def run(store: Store, name: str, replace: tuple[str, str] | None = None) -> list[dict]:
    text = (QUERIES / name).read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text, f"{name} does not contain {replace[0]!r}"
        text = text.replace(*replace)
    return rows(store.query(text))


def select(store: Store, query: str) -> list[dict]:
    return rows(store.query(PREFIXES + query))


def key(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


# --------------------------------------------------------------------- validation


def test_validate_passes_on_the_grown_graph(capsys):
    assert validation.run(None, ROOT) == 0
    out = capsys.readouterr().out
    assert "Conforms" in out


def test_conflicts_are_information_not_violations():
    report = validation.validate([ROOT / "data"], [ROOT / "ontology"], [ROOT / "shapes"])
    assert report.conforms
    reported = {f.focus_node for f in report.findings if f.shape == "shapes:ConflictReportShape"}
    assert "id/conflict/khartoum-process-first-chair-year" in reported
    assert all(
        f.severity == "Info" for f in report.findings if f.shape == "shapes:ConflictReportShape"
    )
    assert not [f for f in report.findings if f.severity == "Warning"]


def test_unrecorded_disagreement_is_a_warning(tmp_path):
    src = """
    @prefix rcpkg: <https://w3id.org/rcpkg/ontology#> .
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    @prefix schema: <https://schema.org/> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix id: <https://w3id.org/rcpkg/id/> .
    """
    for n, year in (("a", "2001"), ("b", "1999")):
        src += f"""
        <https://w3id.org/rcpkg/id/source/s-{n}> a rcpkg:Source ; rdfs:label "S {n}"@en ;
            schema:url <https://example.org/{n}> ; rcpkg:reflectsDate "2020"^^xsd:gYear ;
            rdfs:comment "test"@en .
        <https://w3id.org/rcpkg/id/claim/c-{n}> a rcpkg:Claim ; rdfs:label "claim {n}"@en ;
            rdf:subject <https://w3id.org/rcpkg/id/process/x> ;
            rdf:predicate rcpkg:established ; rdf:object "{year}"^^xsd:gYear ;
            prov:wasDerivedFrom <https://w3id.org/rcpkg/id/source/s-{n}> .
        """
    path = tmp_path / "claims.ttl"
    path.write_text(src, encoding="utf-8")
    report = validation.validate([path], [ROOT / "ontology"], [ROOT / "shapes"])
    assert report.conforms
    warnings = [f for f in report.findings if f.severity == "Warning"]
    assert [f.focus_node for f in warnings] == ["id/claim/c-a"]


# --------------------------------------------------------------------- the 20 processes


def test_twenty_processes_each_with_year_source_and_kind(store):
    found = select(
        store,
        """
        SELECT ?p (SAMPLE(?kind) AS ?k) (SAMPLE(?year) AS ?y) (COUNT(DISTINCT ?src) AS ?n) WHERE {
          ?p a rcpkg:ConsultativeProcess .
          OPTIONAL { ?p rcpkg:processKind ?kind }
          OPTIONAL { ?p rcpkg:established ?year }
          OPTIONAL { ?p prov:wasDerivedFrom ?src . ?src a rcpkg:Source ; schema:url ?u }
        } GROUP BY ?p
        """,
    )
    assert len(found) == 20
    for r in found:
        assert r["y"] and r["n"] != "0", r
    # the one process no source gives a kind for stays without one (reported as information)
    assert {key(r["p"]) for r in found if r["k"] is None} == {"abu-dhabi-dialogue"}


def test_incomplete_member_lists_are_marked_and_carry_no_plain_count(store):
    found = select(
        store,
        """
        SELECT ?p (COUNT(?count) AS ?n) WHERE {
          ?p rcpkg:memberListComplete false .
          OPTIONAL { ?p rcpkg:declaredMemberCount ?count }
        } GROUP BY ?p
        """,
    )
    keys = {key(r["p"]) for r in found}
    assert {"budapest-process", "prague-process", "midwa", "midcom", "colombo-process"} <= keys
    assert all(r["n"] == "0" for r in found)


# --------------------------------------------------------------------- Khartoum over time

KHARTOUM_ORDER = [
    ("EGY", "2015", "2015"),
    ("GBR", "2016", "2016"),
    ("ETH", "2017", "2017"),
    ("ITA", "2018", "2018"),
    ("ERI", "2019", "2019"),
    ("NLD", "2020", "2022-03"),
    ("SSD", "2022-03", None),
    ("DEU", "2023", "2024-04"),
    ("EGY", "2024-04-17", None),
]


def test_khartoum_chairs_in_order(store):
    found = run(store, "khartoum-chairs-in-order.rq")
    assert [(r["iso3"], r["start"], r["end"]) for r in found] == KHARTOUM_ORDER
    first = found[0]
    assert first["sources"] == IOM_PAGE
    assert first["otherStarts"].startswith("2014 (Ahram Online")


def test_every_khartoum_role_has_a_dated_source(store):
    found = select(
        store,
        f"""
        SELECT ?role WHERE {{
          ?role a/rdfs:subClassOf* rcpkg:Role ; org:organization <{KP}> .
          FILTER NOT EXISTS {{
            ?role prov:wasDerivedFrom ?s . ?s a rcpkg:Source ; rcpkg:reflectsDate ?d
          }}
        }}
        """,
    )
    assert found == []


def test_chair_today_by_the_latest_source(store):
    found = run(store, "current-chair-by-latest-source.rq")
    today = {key(r["process"]): key(r["state"]) for r in found}
    assert today["khartoum-process"] == "EGY"
    assert today["rabat-process"] == "PRT"
    assert today["midsa"] == "MDG"
    assert today["budapest-process"] == "TUR"


def test_what_each_source_says_about_the_khartoum_chair(store):
    found = run(store, "current-chair-by-source.rq")
    said = {key(r["source"]): key(r["state"]) for r in found}
    assert said["iom-khartoum-process-2023"] == "SSD"  # the page: chair since March 2022
    assert said["egypttoday-egypt-khartoum-chairmanship"] == "EGY"
    assert key(found[0]["state"]) == "EGY"  # the latest source first


def test_chair_in_year_stays_the_iom_page(store):
    def chairs(year: str, source: str | None = None) -> list[str]:
        replace = ('VALUES ?year { "2018" }', f'VALUES ?year {{ "{year}" }}')
        text = (QUERIES / "chair-in-year.rq").read_text(encoding="utf-8").replace(*replace)
        if source == "all":
            text = text.replace(f"VALUES ?source {{ <{IOM_PAGE}> }}", "")
        return list(dict.fromkeys(r["iso3"] for r in rows(store.query(text))))

    assert chairs("2023") == ["SSD"]
    assert chairs("2014") == []
    # over every source, the IOM page's open role (South Sudan, current as of April 2023) has
    # no end, so the unscoped query counts it in 2024 as well: why the query names its source
    assert chairs("2024", source="all") == ["SSD", "DEU", "EGY"]


def test_khartoum_steering_committee_over_time(store):
    found = run(store, "steering-committee-by-source.rq")
    by_source: dict[str, set[str]] = {}
    for r in found:
        by_source.setdefault(key(r["source"]), set()).add(key(r["member"]))
    assert by_source["iom-news-khartoum-steering-committee-2015"] == {
        "FRA", "DEU", "ITA", "MLT", "GBR", "EGY", "ERI", "ETH", "SSD", "SDN",
    }  # fmt: skip
    assert len(by_source["iom-khartoum-process-2023"]) == 13
    seats_2024 = (
        by_source["khartoumprocess-steering-committee"]
        | by_source["kampalapost-uganda-joins-khartoum-steering-committee"]
    )
    assert {"FIN", "UGA", "SOM", "SDN"} <= seats_2024
    assert len(seats_2024) == 13  # twelve seats, Sudan's held by Somalia for the time being
    assert "SDN" in by_source["khartoumprocess-vienna-sc-2022"]


def test_khartoum_meetings_after_2020(store):
    found = select(
        store,
        f"""
        SELECT ?start WHERE {{
          ?m rcpkg:heldBy <{KP}> ; schema:startDate ?start .
          FILTER (STR(?start) > "2021")
        }} ORDER BY ?start
        """,
    )
    assert [r["start"] for r in found] == [
        "2022-10-10", "2023-09-07", "2024-04-16", "2024-04-17", "2025-04-09",
    ]  # fmt: skip


# --------------------------------------------------------------------- Rabat Process


def test_rabat_partners(store):
    found = select(
        store,
        f"""
        SELECT ?class ?iso ?continent WHERE {{
          ?r org:organization <{RABAT}> ; a ?class ; org:member ?s .
          VALUES ?class {{ rcpkg:Membership rcpkg:ObserverRole }}
          ?s a rcpkg:State ; rcpkg:iso3166Alpha3 ?iso ; rcpkg:continent ?continent .
          FILTER NOT EXISTS {{ ?r schema:endDate ?e }}
        }}
        """,
    )
    members = [r for r in found if r["class"].endswith("Membership")]
    observers = {r["iso"] for r in found if r["class"].endswith("ObserverRole")}
    assert observers == {"DZA", "LBY"}
    assert sum(r["continent"].endswith("/europe") for r in members) == 29
    assert sum(r["continent"].endswith("/africa") for r in members) == 26
    assert "GBR" not in {r["iso"] for r in members}


def test_rabat_chairs_from_2015(store):
    found = select(
        store,
        f"""
        SELECT ?iso ?start ?end WHERE {{
          ?r a rcpkg:ChairRole ; org:organization <{RABAT}> ; org:member/rcpkg:iso3166Alpha3 ?iso .
          OPTIONAL {{ ?r schema:startDate ?start }}
          OPTIONAL {{ ?r schema:endDate ?end }}
        }} ORDER BY COALESCE(STR(?start), STR(?end)) BOUND(?start)
        """,
    )
    assert [r["iso"] for r in found] == [
        "MAR", "PRT", "MLI", "BEL", "BFA", "FRA", "GNQ", "ESP", "MAR", "PRT",
    ]  # fmt: skip
    assert (found[-1]["start"], found[-1]["end"]) == ("2024-02-01", None)
    assert store.query(PREFIXES + f"ASK {{ <{RABAT}> rcpkg:chairListComplete false }}")


def test_rabat_frameworks_and_shared_mandate(store):
    found = select(
        store,
        f"""
        SELECT ?doc ?start ?end WHERE {{
          <{RABAT}> rcpkg:guidedBy ?doc .
          OPTIONAL {{ ?doc schema:startDate ?start }} OPTIONAL {{ ?doc schema:endDate ?end }}
        }}
        """,
    )
    periods = {key(r["doc"]): (r["start"], r["end"]) for r in found}
    assert periods["rabat-process-rome-programme"] == ("2015", "2017")
    assert periods["marrakesh-action-plan"] == ("2018", "2020")
    assert periods["cadiz-action-plan"] == ("2023", "2027")
    shared = select(
        store,
        f"SELECT ?m WHERE {{ ?m rcpkg:mandatedProcess <{RABAT}>, <{KP}> }}",
    )
    assert [key(r["m"]) for r in shared] == ["valletta-jvap-monitoring"]


# --------------------------------------------------------------------- across processes


def test_states_in_both_rabat_and_khartoum(store):
    found = run(store, "states-in-rabat-and-khartoum.rq")
    both = {r["iso3"] for r in found}
    assert both == {
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
        "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "NOR", "POL", "PRT", "ROU",
        "SVK", "SVN", "ESP", "SWE", "CHE", "TUN",
    }  # fmt: skip


def test_processes_italy_takes_part_in(store):
    found = run(store, "state-processes-and-roles.rq")
    processes = {key(r["process"]) for r in found}
    assert processes == {
        "khartoum-process", "rabat-process", "almaty-process",
        "five-plus-five-dialogue-on-migration",
    }  # fmt: skip
    kinds = {(key(r["process"]), r["roleKind"]) for r in found}
    assert ("khartoum-process", "chair") in kinds
    assert ("almaty-process", "observer") in kinds


def test_secretariat_or_support_iom_icmpd(store):
    found = run(store, "secretariat-or-support-iom-icmpd.rq")
    pairs = {(r["organizationName"], key(r["process"])) for r in found}
    icmpd = {p for o, p in pairs if o.startswith("International Centre")}
    iom = {p for o, p in pairs if o.startswith("International Organization")}
    assert {"khartoum-process", "budapest-process", "prague-process", "rabat-process"} <= icmpd
    assert {"midsa", "igc", "almaty-process", "south-american-conference-on-migration"} <= iom


def test_processes_by_region_and_kind(store):
    found = run(store, "processes-by-region-and-kind.rq")
    assert len({r["process"] for r in found}) == 20
    africa_irf = {
        r["processName"]
        for r in found
        if r["regionName"] == "Africa" and r["kindName"] == "interregional forum on migration"
    }
    assert {"Rabat Process", "Pan-African Forum on Migration"} <= africa_irf


# --------------------------------------------------------------------- conflicts

CONFLICTS = {
    "khartoum-process-first-chair-year",
    "khartoum-process-founding-month",
    "khartoum-process-member-count",
    "rabat-process-member-count",
    "rabat-process-united-kingdom",
    "budapest-process-kind",
    "budapest-process-founding-year",
    "prague-process-poland-start",
    "almaty-process-kyrgyzstan-term",
    "almaty-process-turkmenistan",
    "almaty-process-member-count",
    "igc-member-count",
    "igc-austria",
    "sacm-founding-year",
    "arcp-member-count",
    "midwa-founding-year",
    "midcom-founding",
    "pidc-renaming-year",
}


def test_conflicting_claims_each_with_both_sources(store):
    found = run(store, "conflicting-claims.rq")
    sources: dict[str, set[str]] = {}
    for r in found:
        assert r["sourceDate"], r
        sources.setdefault(key(r["conflict"]), set()).add(r["source"])
    assert set(sources) == CONFLICTS
    assert all(len(s) >= 2 for s in sources.values()), sources
    egypt = {
        r["value"]: key(r["source"]) for r in found if r["conflict"].endswith("first-chair-year")
    }
    assert egypt == {
        "2015": "iom-khartoum-process-2023",
        "2014": "ahram-khartoum-second-ministerial-meeting",
    }


def test_the_source_page_stays_what_it_said(store):
    # South Sudan, current chair since March 2022, is still true of the page of April 2023
    found = select(
        store,
        f"""
        SELECT ?start ?date WHERE {{
          ?r a rcpkg:ChairRole ; org:organization <{KP}> ;
             org:member <{ID}state/SSD> ; schema:startDate ?start ;
             prov:wasDerivedFrom <{IOM_PAGE}> .
          <{IOM_PAGE}> rcpkg:reflectsDate ?date .
          FILTER NOT EXISTS {{ ?r schema:endDate ?e }}
        }}
        """,
    )
    assert found == [{"start": "2022-03", "date": "2023-04"}]


def test_field_queries_are_documented():
    for name in FIELD_QUERIES:
        lines = (QUERIES / name).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# title: ") and len(lines[0]) > 15, name
        assert lines[1].startswith("# description: "), name
        first_code = next(line for line in lines if line and not line.startswith("#"))
        assert first_code.startswith("PREFIX "), name
