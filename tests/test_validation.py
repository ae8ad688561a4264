"""Tests for `rcpkg validate`: the shapes, the loader and the report.

Each rule is tested on a small graph: a minimal valid fixture (below) that conforms, changed
by one SPARQL Update so that exactly one rule breaks. The checkout's ontology and shapes are
used as they are, so the tests check the real shapes, but not the real data, except in
`test_full_data_conforms`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef

from rcpkg.validation import (
    DataReadError,
    ValidationReport,
    find_checkout,
    format_report,
    load_graph,
    run,
    validate,
)

CHECKOUT = Path(__file__).resolve().parents[1]
ONTOLOGY = CHECKOUT / "ontology"
SHAPES = CHECKOUT / "shapes"

PREFIXES = """\
@prefix rcpkg:   <https://w3id.org/rcpkg/ontology#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix schema:  <https://schema.org/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix id:      <https://w3id.org/rcpkg/id/> .
@prefix process: <https://w3id.org/rcpkg/id/process/> .
@prefix state:   <https://w3id.org/rcpkg/id/state/> .
@prefix role:    <https://w3id.org/rcpkg/id/role/> .
@prefix event:   <https://w3id.org/rcpkg/id/event/> .
@prefix place:   <https://w3id.org/rcpkg/id/place/> .
@prefix src:     <https://w3id.org/rcpkg/id/source/> .
@prefix rk:      <https://w3id.org/rcpkg/id/role-kind/> .
@prefix region:  <https://w3id.org/rcpkg/id/region/> .
"""

# A small graph that meets every shape: one process with two member states (one European,
# one African), a chair handover within a month, a meeting in a city, an online meeting,
# a document, a theme and its focus, a mandate, a link, a programme with a phase and a
# support role, an organization, a correction, a sourced claim and the source of it all.
FIXTURE = (
    PREFIXES
    + """
src:test a rcpkg:Source ;
    rdfs:label "Test source"@en ;
    dcterms:title "A test page"@en ;
    schema:url <https://example.org/test> ;
    rcpkg:reflectsDate "2023-04"^^xsd:gYearMonth ;
    rdfs:comment "Written for the tests."@en .

<https://w3id.org/rcpkg/id/process-kind> a skos:ConceptScheme ;
    skos:prefLabel "Kinds of consultative process"@en .
<https://w3id.org/rcpkg/id/process-kind/interregional-forum> a skos:Concept ;
    skos:prefLabel "interregional forum on migration"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/process-kind> .
<https://w3id.org/rcpkg/id/role-kind> a skos:ConceptScheme ;
    skos:prefLabel "Kinds of role"@en .
rk:member a skos:Concept ; skos:prefLabel "member"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/role-kind> .
rk:chair a skos:Concept ; skos:prefLabel "chair"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/role-kind> .
rk:support a skos:Concept ; skos:prefLabel "support"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/role-kind> .
<https://w3id.org/rcpkg/id/region> a skos:ConceptScheme ; skos:prefLabel "Regions"@en .
region:europe a rcpkg:Region, skos:Concept ; skos:prefLabel "Europe"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/region> .
region:africa a rcpkg:Region, skos:Concept ; skos:prefLabel "Africa"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/region> .
<https://w3id.org/rcpkg/id/theme> a skos:ConceptScheme ; skos:prefLabel "Themes"@en .
<https://w3id.org/rcpkg/id/theme/smuggling-of-migrants> a rcpkg:Theme, skos:Concept ;
    rdfs:label "Smuggling of migrants"@en ;
    skos:prefLabel "Smuggling of migrants"@en ;
    skos:inScheme <https://w3id.org/rcpkg/id/theme> ;
    prov:wasDerivedFrom src:test .

process:test-process a rcpkg:ConsultativeProcess ;
    rdfs:label "Test Process"@en ;
    skos:altLabel "Processus de test"@fr ;
    rcpkg:processKind <https://w3id.org/rcpkg/id/process-kind/interregional-forum> ;
    rcpkg:coversRegion region:europe, region:africa ;
    rcpkg:established "2014"^^xsd:gYear ;
    rcpkg:declaredMemberCount 2 ;
    rcpkg:declaredEuropeanMemberCount 1 ;
    rcpkg:declaredAfricanMemberCount 1 ;
    rcpkg:objective "Test the shapes."@en ;
    rcpkg:anchoredIn <https://w3id.org/rcpkg/id/document/test-declaration> ;
    rcpkg:relatedLink <https://w3id.org/rcpkg/id/link/test-website> ;
    prov:wasDerivedFrom src:test .

state:ITA a rcpkg:State ;
    rdfs:label "Italy"@en ;
    rcpkg:iso3166Alpha2 "IT" ; rcpkg:iso3166Alpha3 "ITA" ; rcpkg:iso3166Numeric "380" ;
    rcpkg:continent region:europe ;
    prov:wasDerivedFrom src:test .
state:ERI a rcpkg:State ;
    rdfs:label "Eritrea"@en ;
    rcpkg:iso3166Alpha2 "ER" ; rcpkg:iso3166Alpha3 "ERI" ; rcpkg:iso3166Numeric "232" ;
    rcpkg:continent region:africa ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/organization/iom> a rcpkg:IntergovernmentalOrganization ;
    rdfs:label "International Organization for Migration"@en ;
    skos:altLabel "IOM"@en ;
    prov:wasDerivedFrom src:test .

role:test-process-member-ita a rcpkg:Membership ;
    org:member state:ITA ; org:organization process:test-process ; org:role rk:member ;
    rcpkg:foundingMember true ; schema:startDate "2014"^^xsd:gYear ;
    prov:wasDerivedFrom src:test .
role:test-process-member-eri a rcpkg:Membership ;
    org:member state:ERI ; org:organization process:test-process ; org:role rk:member ;
    rcpkg:foundingMember true ; schema:startDate "2014-11-28"^^xsd:date ;
    prov:wasDerivedFrom src:test .

role:test-process-chair-ita-2020 a rcpkg:ChairRole ;
    org:member state:ITA ; org:organization process:test-process ; org:role rk:chair ;
    schema:startDate "2020"^^xsd:gYear ; schema:endDate "2022-03"^^xsd:gYearMonth ;
    prov:wasDerivedFrom src:test .
role:test-process-chair-eri-2022 a rcpkg:ChairRole ;
    org:member state:ERI ; org:organization process:test-process ; org:role rk:chair ;
    schema:startDate "2022-03"^^xsd:gYearMonth ;
    prov:wasDerivedFrom src:test .
role:test-process-chair-eri-2015 a rcpkg:ChairRole ;
    org:member state:ERI ; org:organization process:test-process ; org:role rk:chair ;
    schema:startDate "2015"^^xsd:gYear ; rcpkg:ended true ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/programme/test-programme> a rcpkg:Programme ;
    rdfs:label "Test Programme"@en ;
    rcpkg:fundedBy <https://w3id.org/rcpkg/id/organization/iom> ;
    schema:startDate "2016"^^xsd:gYear ; schema:endDate "2019-12-31"^^xsd:date ;
    prov:wasDerivedFrom src:test .
<https://w3id.org/rcpkg/id/programme/test-programme-1> a rcpkg:ProgrammePhase ;
    rdfs:label "Test Programme, phase 1"@en ;
    dcterms:isPartOf <https://w3id.org/rcpkg/id/programme/test-programme> ;
    prov:wasDerivedFrom src:test .
role:test-process-support-iom a rcpkg:SupportRole ;
    org:member <https://w3id.org/rcpkg/id/organization/iom> ;
    org:organization process:test-process ; org:role rk:support ;
    rcpkg:fundedThrough <https://w3id.org/rcpkg/id/programme/test-programme-1> ;
    prov:wasDerivedFrom src:test .

place:rome a rcpkg:City ;
    rdfs:label "Rome"@en ;
    rcpkg:country state:ITA ;
    prov:wasDerivedFrom src:test .

event:2014-11-28-rome-ministerial-conference a rcpkg:MinisterialConference ;
    schema:name "Ministerial Conference"@en ;
    rdfs:label "Ministerial Conference"@en ;
    schema:startDate "2014-11-28"^^xsd:date ;
    schema:location place:rome ;
    rcpkg:heldBy process:test-process ;
    prov:wasDerivedFrom src:test .
event:2020-12-15-webinar a rcpkg:Webinar ;
    schema:name "Webinar"@en ;
    rdfs:label "Webinar"@en ;
    schema:startDate "2020-12-15"^^xsd:date ;
    schema:eventAttendanceMode schema:OnlineEventAttendanceMode ;
    rcpkg:heldBy process:test-process ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/document/test-declaration> a rcpkg:Declaration ;
    rdfs:label "Test Declaration"@en ;
    dcterms:issued "2014-11-28"^^xsd:date ;
    dcterms:subject <https://w3id.org/rcpkg/id/theme/smuggling-of-migrants> ;
    rcpkg:adoptedAt event:2014-11-28-rome-ministerial-conference ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/focus/test-process-smuggling-of-migrants> a rcpkg:ThematicFocus ;
    rcpkg:process process:test-process ;
    rcpkg:theme <https://w3id.org/rcpkg/id/theme/smuggling-of-migrants> ;
    rcpkg:focusOrigin <https://w3id.org/rcpkg/id/focus-origin/founding> ;
    schema:startDate "2014"^^xsd:gYear ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/mandate/test-monitoring> a rcpkg:Mandate ;
    rcpkg:mandatedProcess process:test-process ;
    rcpkg:conferredAt event:2014-11-28-rome-ministerial-conference ;
    rcpkg:concerns <https://w3id.org/rcpkg/id/document/test-declaration> ;
    schema:startDate "2015"^^xsd:gYear ;
    rdfs:comment "Monitor the test declaration."@en ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/link/test-website> a rcpkg:RelatedLink ;
    schema:name "Test website"@en ;
    schema:url <https://example.org/> ;
    prov:wasDerivedFrom src:test .

<https://w3id.org/rcpkg/id/correction/rome-spelling> a rcpkg:Correction ;
    rcpkg:correctionOf place:rome ;
    rcpkg:correctedProperty rdfs:label ;
    rcpkg:originalText "Rom" ;
    rcpkg:correctedText "Rome" ;
    rcpkg:correctionKind <https://w3id.org/rcpkg/id/correction-kind/spelling> ;
    rdfs:comment "A letter was missing."@en ;
    prov:wasDerivedFrom src:test .

[] a rdf:Statement ;
    rdf:subject process:test-process ;
    rdf:predicate rcpkg:declaredMemberCount ;
    rdf:object 3 ;
    prov:wasDerivedFrom src:test .
"""
)

PREFIX_LINES = PREFIXES.count("\n")

SPARQL_PREFIXES = "\n".join(
    "PREFIX " + line.removeprefix("@prefix ").removesuffix(" .") for line in PREFIXES.splitlines()
)


def write(tmp_path: Path, text: str, name: str = "data.ttl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def variant(tmp_path: Path, update: str) -> Path:
    """The fixture changed by one SPARQL Update, written to a Turtle file."""
    graph = Graph().parse(data=FIXTURE, format="turtle")
    graph.update(SPARQL_PREFIXES + "\n" + update)
    path = tmp_path / "variant.ttl"
    graph.serialize(path, format="turtle")
    return path


def check(path: Path) -> ValidationReport:
    return validate([path], [ONTOLOGY], [SHAPES])


def assert_violation(
    report: ValidationReport, focus: str, message_part: str, path: str | None = None
) -> None:
    """The report fails with a violation on `focus` whose message contains `message_part`."""
    assert not report.conforms
    hits = [
        f
        for f in report.violations
        if f.focus_node == focus and message_part in f.message and (path is None or f.path == path)
    ]
    assert hits, format_report(report)


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return write(tmp_path, FIXTURE)


# ---------------------------------------------------------------------------------------------
# The fixture and the full data


def test_fixture_conforms(valid: Path) -> None:
    report = check(valid)
    assert report.conforms, format_report(report)
    assert report.findings == []


def test_full_data_conforms() -> None:
    report = validate([CHECKOUT / "data"], [ONTOLOGY], [SHAPES])
    assert report.conforms, format_report(report)


def test_every_shape_says_what_to_do_and_why() -> None:
    shapes = load_graph([SHAPES])
    sh = Namespace("http://www.w3.org/ns/shacl#")
    kinds = (sh.NodeShape, sh.PropertyShape, sh.SPARQLConstraint)
    named = {s for k in kinds for s in shapes.subjects(RDF.type, k) if isinstance(s, URIRef)}
    assert len(named) > 50
    for shape in named:
        assert shapes.value(shape, sh.message) is not None, f"{shape} has no sh:message"
        assert shapes.value(shape, RDFS.comment) is not None, f"{shape} has no rdfs:comment"
        assert str(shape).startswith("https://w3id.org/rcpkg/shapes#")


# ---------------------------------------------------------------------------------------------
# SHACL-SPARQL rules


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ('"2022-04"^^xsd:gYearMonth', '"2022-03-15"^^xsd:date'),
        ('"2023"^^xsd:gYear', '"2022-12-31"^^xsd:date'),
        ('"2022-03-16"^^xsd:date', '"2022-03-15"^^xsd:date'),
    ],
)
def test_period_start_after_end(tmp_path: Path, start: str, end: str) -> None:
    path = variant(
        tmp_path,
        f"""
        DELETE DATA {{ role:test-process-chair-ita-2020 schema:startDate "2020"^^xsd:gYear ;
                           schema:endDate "2022-03"^^xsd:gYearMonth . }} ;
        INSERT DATA {{ role:test-process-chair-ita-2020 schema:startDate {start} ;
                           schema:endDate {end} . }}
        """,
    )
    report = check(path)
    assert_violation(
        report,
        "id/role/test-process-chair-ita-2020",
        "before it starts",
        "schema:endDate",
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ('"2022-03"^^xsd:gYearMonth', '"2022-03-15"^^xsd:date'),
        ('"2022"^^xsd:gYear', '"2022-01-01"^^xsd:date'),
        ('"2022-03-15"^^xsd:date', '"2022-03-15"^^xsd:date'),
    ],
)
def test_period_same_at_shared_precision_is_fine(tmp_path: Path, start: str, end: str) -> None:
    path = variant(
        tmp_path,
        f"""
        DELETE DATA {{ <https://w3id.org/rcpkg/id/programme/test-programme>
                           schema:startDate "2016"^^xsd:gYear ;
                           schema:endDate "2019-12-31"^^xsd:date . }} ;
        INSERT DATA {{ <https://w3id.org/rcpkg/id/programme/test-programme>
                           schema:startDate {start} ; schema:endDate {end} . }}
        """,
    )
    report = check(path)
    assert report.conforms, format_report(report)


def test_two_chairs_at_once(tmp_path: Path) -> None:
    # Italy's term now runs to 2022-06, three months into Eritrea's (from 2022-03).
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-chair-ita-2020 schema:endDate "2022-03"^^xsd:gYearMonth } ;
        INSERT DATA { role:test-process-chair-ita-2020 schema:endDate "2022-06"^^xsd:gYearMonth }
        """,
    )
    report = check(path)
    assert_violation(report, "id/role/test-process-chair-eri-2022", "overlaps another chair")
    finding = next(f for f in report.violations if "overlaps" in f.message)
    assert "Italy" in finding.message and "Eritrea" in finding.message


def test_two_ongoing_chairs(tmp_path: Path) -> None:
    # Italy's term has no end and is not marked ended, so it is ongoing, like Eritrea's.
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-chair-ita-2020 schema:endDate "2022-03"^^xsd:gYearMonth }
        """,
    )
    report = check(path)
    assert_violation(report, "id/role/test-process-chair-eri-2022", "overlaps another chair")


def test_chair_handover_in_the_same_year_is_fine(tmp_path: Path) -> None:
    # Year precision on one side: Italy to 2022, Eritrea from 2022-03 is a handover.
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-chair-ita-2020 schema:endDate "2022-03"^^xsd:gYearMonth } ;
        INSERT DATA { role:test-process-chair-ita-2020 schema:endDate "2022"^^xsd:gYear }
        """,
    )
    report = check(path)
    assert report.conforms, format_report(report)


def test_current_chair_of_an_older_source_ends_at_its_date(tmp_path: Path) -> None:
    # Eritrea is "current" as of the test source (2023-04); a later source's chair from
    # 2023 does not clash at year precision, one from 2022-06 does.
    later = """
        INSERT DATA {
            src:later a rcpkg:Source ;
                rdfs:label "Later source"@en ;
                schema:url <https://example.org/later> ;
                rcpkg:reflectsDate "2024-05"^^xsd:gYearMonth ;
                rdfs:comment "Written for the tests."@en .
            role:test-process-chair-ita-%s a rcpkg:ChairRole ;
                org:member state:ITA ; org:organization process:test-process ;
                org:role rk:chair ; schema:startDate %s ;
                schema:endDate "2024-04"^^xsd:gYearMonth ;
                prov:wasDerivedFrom src:later .
        }
    """
    fine = variant(tmp_path, later % ("2023", '"2023"^^xsd:gYear'))
    assert check(fine).conforms, format_report(check(fine))
    clash = variant(tmp_path, later % ("2022", '"2022-06"^^xsd:gYearMonth'))
    report = check(clash)
    assert_violation(report, "id/role/test-process-chair-eri-2022", "ongoing as of 2023-04")


def test_process_without_kind_is_information(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:processKind
                          <https://w3id.org/rcpkg/id/process-kind/interregional-forum> }
        """,
    )
    report = check(path)
    assert report.conforms
    assert [(f.severity, f.focus_node, f.path) for f in report.findings] == [
        ("Info", "id/process/test-process", "rcpkg:processKind")
    ]
    assert "Information (1)" in format_report(report)


def test_chairs_of_different_processes_do_not_clash(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        INSERT DATA {
            process:other-process a rcpkg:ConsultativeProcess ;
                rdfs:label "Other Process"@en ;
                rcpkg:processKind <https://w3id.org/rcpkg/id/process-kind/interregional-forum> ;
                prov:wasDerivedFrom src:test .
            role:other-process-chair-ita-2020 a rcpkg:ChairRole ;
                org:member state:ITA ; org:organization process:other-process ;
                org:role rk:chair ; schema:startDate "2020"^^xsd:gYear ;
                prov:wasDerivedFrom src:test .
        }
        """,
    )
    report = check(path)
    assert report.conforms, format_report(report)


def test_state_code_must_match_iri_key(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { state:ERI rcpkg:iso3166Alpha3 "ERI" } ;
        INSERT DATA { state:ERI rcpkg:iso3166Alpha3 "ETH" }
        """,
    )
    report = check(path)
    assert_violation(report, "id/state/ERI", "differ", "rcpkg:iso3166Alpha3")


@pytest.mark.parametrize(
    ("prop", "good", "bad", "message"),
    [
        ("iso3166Alpha3", '"ERI"', '"eri"', "three upper-case letters"),
        ("iso3166Alpha3", '"ERI"', '"ZZZ"', "ISO 3166-1 list"),
        ("iso3166Alpha2", '"ER"', '"ERI"', "two upper-case letters"),
        ("iso3166Numeric", '"232"', '"23"', "three digits"),
        ("iso3166Numeric", '"232"', "232", "three digits"),
        ("iso3166Alpha2", '"ER"', '"ET"', "ISO 3166-1 gives ER for ERI"),
        ("iso3166Numeric", '"232"', '"231"', "ISO 3166-1 gives 232 for ERI"),
    ],
)
def test_member_state_codes(tmp_path: Path, prop: str, good: str, bad: str, message: str) -> None:
    path = variant(
        tmp_path,
        f"""
        DELETE DATA {{ state:ERI rcpkg:{prop} {good} }} ;
        INSERT DATA {{ state:ERI rcpkg:{prop} {bad} }}
        """,
    )
    report = check(path)
    assert_violation(report, "id/state/ERI", message, f"rcpkg:{prop}")


def test_member_state_without_code(tmp_path: Path) -> None:
    path = variant(tmp_path, 'DELETE DATA { state:ERI rcpkg:iso3166Alpha3 "ERI" }')
    report = check(path)
    assert_violation(report, "id/state/ERI", "iso3166Alpha3", "rcpkg:iso3166Alpha3")


def test_state_iri_must_be_an_alpha3_key(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        INSERT DATA {
            <https://w3id.org/rcpkg/id/state/eritrea> a rcpkg:State ;
                rdfs:label "Eritrea"@en ; rcpkg:iso3166Alpha3 "ERI" ;
                prov:wasDerivedFrom src:test .
        }
        """,
    )
    report = check(path)
    assert_violation(report, "id/state/eritrea", "alpha-3 code in upper case")
    assert_violation(report, "id/state/eritrea", "differ")


def test_meeting_needs_a_start_date(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { event:2020-12-15-webinar schema:startDate "2020-12-15"^^xsd:date }
        """,
    )
    report = check(path)
    assert_violation(
        report, "id/event/2020-12-15-webinar", "has no schema:startDate", "schema:startDate"
    )


def test_meeting_needs_a_place_or_online(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { event:2020-12-15-webinar
                          schema:eventAttendanceMode schema:OnlineEventAttendanceMode }
        """,
    )
    report = check(path)
    assert_violation(
        report, "id/event/2020-12-15-webinar", "neither a schema:location", "schema:location"
    )


def test_meeting_in_a_state_is_fine(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { event:2014-11-28-rome-ministerial-conference schema:location place:rome } ;
        INSERT DATA { event:2014-11-28-rome-ministerial-conference schema:location state:ITA }
        """,
    )
    report = check(path)
    assert report.conforms, format_report(report)


def test_founding_member_starts_at_founding(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-member-eri schema:startDate "2014-11-28"^^xsd:date } ;
        INSERT DATA { role:test-process-member-eri schema:startDate "2016"^^xsd:gYear }
        """,
    )
    report = check(path)
    assert_violation(
        report,
        "id/role/test-process-member-eri",
        "starts in 2016, but the process was established in 2014",
        "schema:startDate",
    )


def test_later_member_may_start_later(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-member-eri rcpkg:foundingMember true ;
                          schema:startDate "2014-11-28"^^xsd:date } ;
        INSERT DATA { role:test-process-member-eri rcpkg:foundingMember false ;
                          schema:startDate "2016"^^xsd:gYear }
        """,
    )
    report = check(path)
    assert report.conforms, format_report(report)


def test_declared_member_count(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:declaredMemberCount 2 } ;
        INSERT DATA { process:test-process rcpkg:declaredMemberCount 40 }
        """,
    )
    report = check(path)
    assert_violation(
        report,
        "id/process/test-process",
        "declares 40 members but 2 memberships are current",
        "rcpkg:declaredMemberCount",
    )


@pytest.mark.parametrize(
    "ending",
    [
        'schema:endDate "2020"^^xsd:gYear',
        "rcpkg:ended true",
    ],
)
def test_ended_memberships_are_not_counted(tmp_path: Path, ending: str) -> None:
    path = variant(tmp_path, f"INSERT DATA {{ role:test-process-member-eri {ending} }}")
    report = check(path)
    assert_violation(
        report,
        "id/process/test-process",
        "declares 2 members but 1 memberships are current",
        "rcpkg:declaredMemberCount",
    )
    assert_violation(
        report,
        "id/process/test-process",
        "declares 1 African members but 0 current members",
        "rcpkg:declaredAfricanMemberCount",
    )


def test_declared_european_member_count(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:declaredEuropeanMemberCount 1 } ;
        INSERT DATA { process:test-process rcpkg:declaredEuropeanMemberCount 29 }
        """,
    )
    report = check(path)
    assert_violation(
        report,
        "id/process/test-process",
        "declares 29 European members but 1 current members",
        "rcpkg:declaredEuropeanMemberCount",
    )


# ---------------------------------------------------------------------------------------------
# Main SHACL Core constraints


def test_fact_without_source(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "DELETE DATA { role:test-process-chair-eri-2022 prov:wasDerivedFrom src:test }"
    )
    report = check(path)
    assert_violation(
        report, "id/role/test-process-chair-eri-2022", "Name the source", "prov:wasDerivedFrom"
    )


def test_source_must_be_a_source(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process prov:wasDerivedFrom src:test } ;
        INSERT DATA { process:test-process prov:wasDerivedFrom <https://example.org/page> }
        """,
    )
    report = check(path)
    assert_violation(report, "id/process/test-process", "rcpkg:Source", "prov:wasDerivedFrom")


def test_source_needs_reflected_date(tmp_path: Path) -> None:
    path = variant(
        tmp_path, 'DELETE DATA { src:test rcpkg:reflectsDate "2023-04"^^xsd:gYearMonth }'
    )
    report = check(path)
    assert_violation(report, "id/source/test", "reflectsDate", "rcpkg:reflectsDate")


def test_date_datatype(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:established "2014"^^xsd:gYear } ;
        INSERT DATA { process:test-process rcpkg:established "2014" }
        """,
    )
    report = check(path)
    assert_violation(report, "id/process/test-process", "xsd:gYear", "rcpkg:established")


def test_ill_formed_date(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-chair-eri-2022
                          schema:startDate "2022-03"^^xsd:gYearMonth } ;
        INSERT DATA { role:test-process-chair-eri-2022
                          schema:startDate "2022-13"^^xsd:gYearMonth }
        """,
    )
    report = check(path)
    assert_violation(
        report, "id/role/test-process-chair-eri-2022", "xsd:gYearMonth", "schema:startDate"
    )


def test_process_label_in_english(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rdfs:label "Test Process"@en } ;
        INSERT DATA { process:test-process rdfs:label "Processus de test"@fr }
        """,
    )
    report = check(path)
    assert_violation(report, "id/process/test-process", "English rdfs:label", "rdfs:label")


def test_process_needs_a_label(tmp_path: Path) -> None:
    path = variant(tmp_path, 'DELETE DATA { process:test-process rdfs:label "Test Process"@en }')
    report = check(path)
    assert_violation(report, "id/process/test-process", "English rdfs:label", "rdfs:label")


def test_unique_language_of_labels(tmp_path: Path) -> None:
    path = variant(
        tmp_path, 'INSERT DATA { process:test-process rdfs:label "The Test Process"@en }'
    )
    report = check(path)
    assert_violation(report, "id/process/test-process", "exactly one English", "rdfs:label")


def test_process_kind(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:processKind
                          <https://w3id.org/rcpkg/id/process-kind/interregional-forum> } ;
        INSERT DATA { process:test-process rcpkg:processKind
                          <https://w3id.org/rcpkg/id/process-kind/club> }
        """,
    )
    report = check(path)
    assert_violation(report, "id/process/test-process", "processKind", "rcpkg:processKind")


def test_member_count_is_an_integer(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:declaredMemberCount 2 } ;
        INSERT DATA { process:test-process rcpkg:declaredMemberCount "2" }
        """,
    )
    report = check(path)
    assert_violation(report, "id/process/test-process", "xsd:integer", "rcpkg:declaredMemberCount")


def test_role_needs_its_process(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-member-ita org:organization process:test-process }
        """,
    )
    report = check(path)
    assert_violation(
        report, "id/role/test-process-member-ita", "org:organization", "org:organization"
    )


def test_role_holder_is_a_state_or_organization(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-member-ita org:member state:ITA } ;
        INSERT DATA { role:test-process-member-ita org:member <https://example.org/nobody> }
        """,
    )
    report = check(path)
    assert_violation(report, "id/role/test-process-member-ita", "org:member", "org:member")


def test_member_of_a_process_is_a_state(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { role:test-process-member-ita org:member state:ITA } ;
        INSERT DATA { role:test-process-member-ita
                          org:member <https://w3id.org/rcpkg/id/organization/iom> }
        """,
    )
    report = check(path)
    assert_violation(report, "id/role/test-process-member-ita", "rcpkg:State", "org:member")


def test_role_with_end_date_and_ended(tmp_path: Path) -> None:
    path = variant(tmp_path, "INSERT DATA { role:test-process-chair-ita-2020 rcpkg:ended true }")
    report = check(path)
    assert_violation(report, "id/role/test-process-chair-ita-2020", "drop rcpkg:ended")


def test_city_needs_its_state(tmp_path: Path) -> None:
    path = variant(tmp_path, "DELETE DATA { place:rome rcpkg:country state:ITA }")
    report = check(path)
    assert_violation(report, "id/place/rome", "rcpkg:country", "rcpkg:country")


def test_meeting_location_is_a_place(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        DELETE DATA { event:2014-11-28-rome-ministerial-conference schema:location place:rome } ;
        INSERT DATA { event:2014-11-28-rome-ministerial-conference schema:location "Rome" }
        """,
    )
    report = check(path)
    assert_violation(
        report,
        "id/event/2014-11-28-rome-ministerial-conference",
        "rcpkg:City",
        "schema:location",
    )


def test_meeting_needs_its_process(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "DELETE DATA { event:2020-12-15-webinar rcpkg:heldBy process:test-process }"
    )
    report = check(path)
    assert_violation(report, "id/event/2020-12-15-webinar", "rcpkg:heldBy", "rcpkg:heldBy")


def test_correction_needs_corrected_text_unless_flagged(tmp_path: Path) -> None:
    iri = "<https://w3id.org/rcpkg/id/correction/rome-spelling>"
    path = variant(tmp_path, f'DELETE DATA {{ {iri} rcpkg:correctedText "Rome" }}')
    report = check(path)
    assert_violation(report, "id/correction/rome-spelling", "no rcpkg:correctedText")
    flagged = variant(
        tmp_path,
        f"""
        DELETE DATA {{ {iri} rcpkg:correctedText "Rome" ;
            rcpkg:correctionKind <https://w3id.org/rcpkg/id/correction-kind/spelling> }} ;
        INSERT DATA {{ {iri}
            rcpkg:correctionKind <https://w3id.org/rcpkg/id/correction-kind/flagged> }}
        """,
    )
    assert check(flagged).conforms


def test_focus_theme_class(tmp_path: Path) -> None:
    iri = "<https://w3id.org/rcpkg/id/focus/test-process-smuggling-of-migrants>"
    path = variant(
        tmp_path,
        f"""
        DELETE DATA {{ {iri} rcpkg:theme
                           <https://w3id.org/rcpkg/id/theme/smuggling-of-migrants> }} ;
        INSERT DATA {{ {iri} rcpkg:theme region:europe }}
        """,
    )
    report = check(path)
    assert_violation(
        report, "id/focus/test-process-smuggling-of-migrants", "rcpkg:Theme", "rcpkg:theme"
    )


def test_claim_needs_its_source(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "DELETE { ?claim prov:wasDerivedFrom src:test } "
        "WHERE { ?claim a rdf:Statement ; prov:wasDerivedFrom src:test }",
    )
    report = check(path)
    assert not report.conforms
    assert any(
        f.path == "prov:wasDerivedFrom" and f.focus_node.startswith("_:") for f in report.violations
    )


# ---------------------------------------------------------------------------------------------
# Loading


def test_load_graph_walks_folders_and_skips_other_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", PREFIXES + "state:ITA rdfs:label 'Italy'@en .", "a.ttl")
    write(tmp_path, "<https://e.org/a> <https://e.org/b> <https://e.org/c> .\n", "b.nt")
    write(tmp_path, "# not RDF\n", "README.md")
    write(tmp_path, "a,b\n1,2\n", "table.csv")
    graph = load_graph([tmp_path])
    assert len(graph) == 2


def test_load_graph_reads_named_graphs(tmp_path: Path) -> None:
    write(tmp_path, "<https://e.org/a> <https://e.org/b> <https://e.org/c> <https://e.org/g> .\n",
          "q.nq")  # fmt: skip
    write(
        tmp_path,
        "@prefix e: <https://e.org/> .\ne:g2 { e:a e:b e:d . }\n",
        "t.trig",
    )
    assert len(load_graph([tmp_path])) == 2


NT_OK = "<https://e.org/a> <https://e.org/b> <https://e.org/c> .\n"
RDF_XML_BAD = (
    '<?xml version="1.0"?>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    "<rdf:Description>\n"
    "</rdf:RDF>\n"
)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.ttl", PREFIXES + 'state:ITA rdfs:label "Italy\n .\n', PREFIX_LINES + 1),
        ("bad.nt", NT_OK + "<https://e.org/a> b .\n", 2),
        ("bad.nq", NT_OK + NT_OK + "<https://e.org/a> <https://e.org/b> <c> <d> <e> .\n", 3),
        ("bad.trig", "@prefix e: <https://e.org/> .\ne:g {\n e:a e:b ;\n}\n", 3),
        ("bad.jsonld", '{"@id": "https://e.org/a",\n "https://e.org/b": [1,\n}', 3),
        ("bad.rdf", RDF_XML_BAD, 4),
    ],
)
def test_syntax_error_names_file_and_line(tmp_path: Path, name: str, text: str, line: int) -> None:
    path = write(tmp_path, text, name)
    with pytest.raises(DataReadError) as caught:
        load_graph([path])
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DataReadError, match="no such file"):
        load_graph([tmp_path / "nope.ttl"])


# ---------------------------------------------------------------------------------------------
# The command


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout with the real ontology and shapes and the fixture as its data."""
    root = tmp_path / "checkout"
    (root / "data").mkdir(parents=True)
    (root / "ontology").symlink_to(ONTOLOGY)
    (root / "shapes").symlink_to(SHAPES)
    write(root / "data", FIXTURE, "fixture.ttl")
    return root


def test_run_valid(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(None, checkout) == 0
    assert "Conforms" in capsys.readouterr().out


def test_run_violation(checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = variant(
        tmp_path,
        """
        DELETE DATA { process:test-process rcpkg:declaredMemberCount 2 } ;
        INSERT DATA { process:test-process rcpkg:declaredMemberCount 40 }
        """,
    )
    assert run([str(bad)], checkout) == 1
    out = capsys.readouterr().out
    assert (
        "Test Process (id/process/test-process): rcpkg:declaredMemberCount: "
        "declares 40 members but 2 memberships are current" in out
    )


def test_run_syntax_error(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, PREFIXES + "state:ITA rdfs:label 'Italy'@en ;\n", "broken.ttl")
    assert run([str(bad)], checkout) == 2
    captured = capsys.readouterr()
    # The statement is on the line after the prefixes; the parser stops at the end of file.
    assert f"{bad}:{PREFIX_LINES + 2}:" in captured.err
    assert captured.out == ""


def test_run_syntax_error_in_default_data(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(checkout / "data", "@prefix e: <https://e.org/> .\ne:a e:b .\n", "zz-broken.ttl")
    assert run(None, checkout) == 2
    assert "zz-broken.ttl:2:" in capsys.readouterr().err


def test_run_missing_path(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([str(tmp_path / "missing.ttl")], checkout) == 2
    assert "missing.ttl" in capsys.readouterr().err


def test_report_names_label_and_property(tmp_path: Path) -> None:
    path = variant(tmp_path, "DELETE DATA { place:rome rcpkg:country state:ITA }")
    text = format_report(check(path))
    assert text.startswith("Does not conform: 1 violation on 1 thing.")
    assert "Rome (id/place/rome): rcpkg:country: Give the city exactly one rcpkg:country" in text
    assert "shape shapes:CityShape-country" in text


def test_find_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RCPKG_CHECKOUT", str(tmp_path))
    assert find_checkout() == tmp_path.resolve()
    monkeypatch.delenv("RCPKG_CHECKOUT")
    monkeypatch.chdir(CHECKOUT / "src")
    assert find_checkout() == CHECKOUT


def test_shapes_pyshacl_cannot_evaluate_exit_2_with_the_reason(tmp_path: Path, capsys) -> None:
    """A shape that pyshacl refuses (here a SPARQL constraint with VALUES) is an unusable
    input (exit 2, with pyshacl's reason), not a crash and not a verdict on the data."""
    checkout = tmp_path / "checkout"
    for name in ("ontology", "data", "shapes"):
        (checkout / name).mkdir(parents=True)
    (checkout / "data" / "a.ttl").write_text("<http://e/a> <http://e/p> 1 .\n", encoding="utf-8")
    (checkout / "shapes" / "bad.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://e/S> a sh:NodeShape ; sh:targetNode <http://e/a> ; sh:sparql [ sh:select "
        '"SELECT $this WHERE { VALUES ?x { 1 } FILTER(?x = $this) }" ] .\n',
        encoding="utf-8",
    )
    assert run(None, checkout) == 2
    err = capsys.readouterr().err
    assert "shapes" in err and "VALUES" in err and "Traceback" not in err
