"""Tidy CSV tables of the graph, with W3C CSV on the Web (CSVW) metadata.

``rcpkg export csv --out DIR`` writes one table per kind of fact and ``csv-metadata.json``
describing them. Every table is built by SPARQL SELECT queries through the
:class:`~rcpkg.store.base.Store` interface, so the same export works on the embedded store of a
checkout and on a remote SPARQL endpoint (``--endpoint``).

The tables (see ``docs/merging.md`` for how to join them with other data):

``states.csv``
    One row per state: ISO 3166-1 alpha-2, alpha-3 and numeric (= UN M49) codes, English name,
    continent, UN geoscheme region, sub-region and intermediate region with their M49 codes,
    Wikidata Q-id and GeoNames id.
``processes.csv``
    One row per consultative process: key, name, kind, year or date of establishment, the keys
    of the regions it covers.
``memberships.csv``, ``chairs.csv``, ``steering_committee.csv``, ``observers.csv``
    One row per role held in a process (``rcpkg:Membership``, ``rcpkg:ChairRole``,
    ``rcpkg:SteeringCommitteeSeat``, ``rcpkg:ObserverRole``): the process key, the member's IRI,
    its ISO alpha-3 code where the member is a state, start, end, ended flag, source.
``meetings.csv``
    One row per meeting (and summit): dates, title, kinds, the processes that held it, the city,
    its GeoNames id and coordinates, the country's ISO alpha-3 code, whether it was online.
``meeting_processes.csv``
    One row per meeting and process that held it: the tidy form of the ``process_keys`` list
    of ``meetings.csv``, so a joint meeting of two processes counts once for each of them.

Cells hold one value, except the few list columns (``kinds``, ``regions``, ``process_keys``,
``source``), whose items are separated by ``;`` as the metadata declares (CSVW ``separator``).
An empty cell means the graph does not say. Rows are sorted by their key columns, so two
exports of the same graph are byte-identical.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rcpkg.config import DEFAULT_BASE_IRI
from rcpkg.store.base import Store, Term

METADATA_FILE = "csv-metadata.json"
LIST_SEPARATOR = ";"

RCPKG = "https://w3id.org/rcpkg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"

PREFIXES = f"""\
PREFIX rcpkg: <{RCPKG}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX owl: <{OWL}>
PREFIX org: <{ORG}>
PREFIX schema: <{SCHEMA}>
PREFIX prov: <{PROV}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

#: A year, a year and month, or a full date: the precisions the graph's dates carry.
PARTIAL_DATE_FORMAT = r"^\d{4}(-\d{2}(-\d{2})?)?$"
PARTIAL_DATE_NOTE = (
    "A date with the precision the source gives: YYYY (xsd:gYear), YYYY-MM (xsd:gYearMonth) "
    "or YYYY-MM-DD (xsd:date). Compare as text, or take the first four characters for the year."
)

# CSVW datatypes (https://www.w3.org/TR/tabular-metadata/#datatypes), with formats for codes.
STRING: dict[str, Any] = {"base": "string"}
ANY_URI: dict[str, Any] = {"base": "anyURI"}
DATE: dict[str, Any] = {"base": "date"}
DECIMAL: dict[str, Any] = {"base": "decimal"}
INTEGER: dict[str, Any] = {"base": "integer"}
BOOLEAN: dict[str, Any] = {"base": "boolean"}
PARTIAL_DATE: dict[str, Any] = {"base": "string", "format": PARTIAL_DATE_FORMAT}
ISO2: dict[str, Any] = {"base": "string", "format": r"^[A-Z]{2}$"}
ISO3: dict[str, Any] = {"base": "string", "format": r"^[A-Z]{3}$"}
M49: dict[str, Any] = {"base": "string", "format": r"^\d{3}$"}
QID: dict[str, Any] = {"base": "string", "format": r"^Q\d+$"}
GEONAMES_ID: dict[str, Any] = {"base": "string", "format": r"^\d+$"}
KEY: dict[str, Any] = {"base": "string", "format": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
NAME: dict[str, Any] = {"base": "string"}


def _last_segment(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _qid(iri: str) -> str | None:
    match = re.fullmatch(re.escape(WIKIDATA) + r"(Q\d+)", iri)
    return match.group(1) if match else None


def _geonames_id(iri: str) -> str | None:
    match = re.fullmatch(r"https?://sws\.geonames\.org/(\d+)/?", iri)
    return match.group(1) if match else None


def _boolean(value: str) -> str:
    return {"1": "true", "0": "false"}.get(value, value)


@dataclass(frozen=True)
class Column:
    """One CSV column: where its values come from and how CSVW describes it."""

    name: str
    title: str
    datatype: dict[str, Any]
    description: str
    #: The ontology or vocabulary term the column stands for (CSVW ``propertyUrl``).
    property_url: str | None = None
    #: CSVW ``valueUrl``: the IRI the cell's value stands for, as a URI template.
    value_url: str | None = None
    #: CSVW ``aboutUrl`` of this column when it describes another thing than the row's subject.
    about_url: str | None = None
    #: True for a list column; its items are joined with :data:`LIST_SEPARATOR`.
    is_list: bool = False
    required: bool = False
    suppress_output: bool = False
    lang: str | None = None
    #: Turns the SPARQL value (an IRI or a literal's lexical form) into the cell value;
    #: ``None`` drops the value.
    convert: Callable[[str], str | None] | None = None
    #: The SPARQL variable the value comes from (default: the column name).
    variable: str | None = None

    def cell(self, term: Term) -> str | None:
        value = term.value  # type: ignore[union-attr]
        if self.datatype is BOOLEAN:
            value = _boolean(value)
        return self.convert(value) if self.convert else value

    def csvw(self) -> dict[str, Any]:
        datatype: Any = self.datatype["base"] if len(self.datatype) == 1 else dict(self.datatype)
        if self.datatype is PARTIAL_DATE:
            datatype["dc:description"] = PARTIAL_DATE_NOTE
        spec: dict[str, Any] = {
            "name": self.name,
            "titles": self.title,
            "dc:description": self.description,
            "datatype": datatype,
        }
        if self.required:
            spec["required"] = True
        if self.is_list:
            spec["separator"] = LIST_SEPARATOR
        if self.lang:
            spec["lang"] = self.lang
        for key, value in (
            ("aboutUrl", self.about_url),
            ("propertyUrl", self.property_url),
            ("valueUrl", self.value_url),
        ):
            if value:
                spec[key] = value
        if self.suppress_output:
            spec["suppressOutput"] = True
        return spec


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str


@dataclass(frozen=True)
class TableSpec:
    """One table: its file, the query that fills it and its columns."""

    file: str
    title: str
    description: str
    query: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    #: Columns the rows are sorted by (then by the primary key).
    sort_by: tuple[str, ...] = ()
    about_url: str | None = "{+iri}"
    #: The class of the row's subject, as a virtual column for CSV-to-RDF conversion.
    row_type: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    #: Default values for cells the graph leaves empty.
    defaults: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


# --------------------------------------------------------------------------- columns


def _iri_column(kind: str) -> Column:
    return Column(
        "iri",
        "IRI",
        ANY_URI,
        f"The {kind}'s IRI in the graph (the subject of the row; dereferenceable).",
        required=True,
        suppress_output=True,
    )


def _process_key_column(base: str, property_url: str) -> Column:
    return Column(
        "process_key",
        "Process key",
        KEY,
        "Key of the process (last segment of its IRI); joins processes.csv on key.",
        property_url=property_url,
        value_url=base + "id/process/{process_key}",
        required=True,
        convert=_last_segment,
        variable="process",
    )


def _role_columns(base: str, kind: str) -> tuple[Column, ...]:
    member = "{+member}"
    return (
        _iri_column(f"{kind} role"),
        _process_key_column(base, ORG + "organization"),
        Column(
            "member",
            "Member IRI",
            ANY_URI,
            f"IRI of the state or organization holding the {kind} role.",
            property_url=ORG + "member",
            value_url=member,
            required=True,
        ),
        Column(
            "member_type",
            "Member type",
            {"base": "string", "format": "^(State|Organization)$"},
            "'State' for a sovereign state (rcpkg:State), else 'Organization'.",
            property_url=RDF + "type",
            about_url=member,
            value_url=RCPKG + "{member_type}",
            required=True,
        ),
        Column(
            "member_iso3",
            "Member ISO 3166-1 alpha-3",
            ISO3,
            "ISO 3166-1 alpha-3 code of the member where it is a state; empty for "
            "organizations. Joins states.csv on iso3.",
            property_url=RCPKG + "iso3166Alpha3",
            about_url=member,
        ),
        Column(
            "member_name",
            "Member name",
            NAME,
            "English name of the member.",
            property_url=RDFS + "label",
            about_url=member,
            lang="en",
        ),
        Column(
            "member_wikidata",
            "Member Wikidata id",
            QID,
            "Wikidata Q-id of the member (entity IRI http://www.wikidata.org/entity/{Q-id}); "
            "empty where no link has been confirmed.",
            property_url=OWL + "sameAs",
            about_url=member,
            value_url=WIKIDATA + "{member_wikidata}",
            convert=_qid,
        ),
        Column(
            "start",
            "Start",
            PARTIAL_DATE,
            "When the role began, if the source says. " + PARTIAL_DATE_NOTE,
            property_url=SCHEMA + "startDate",
        ),
        Column(
            "end",
            "End",
            PARTIAL_DATE,
            "When the role ended, if the source says. " + PARTIAL_DATE_NOTE,
            property_url=SCHEMA + "endDate",
        ),
        Column(
            "ended",
            "Ended",
            BOOLEAN,
            "true: the role has ended but the source gives no end date (rcpkg:ended). A role "
            "with an end date has ended too; one with neither was current as of its source.",
            property_url=RCPKG + "ended",
        ),
        Column(
            "source",
            "Source",
            ANY_URI,
            "IRI of the source (rcpkg:Source) the role is derived from; several are "
            "separated by ';'.",
            property_url=PROV + "wasDerivedFrom",
            value_url="{+source}",
            is_list=True,
        ),
    )


def _role_query(role_class: str, extra: str = "") -> str:
    return (
        PREFIXES
        + f"""
SELECT ?iri ?process ?member ?member_type ?member_iso3 ?member_name ?member_wikidata
       ?start ?end ?ended ?source {"?founding_member" if extra else ""}
WHERE {{
  ?iri a rcpkg:{role_class} ; org:organization ?process ; org:member ?member .
  ?process a rcpkg:ConsultativeProcess .
  BIND(IF(EXISTS {{ ?member a rcpkg:State }}, "State", "Organization") AS ?member_type)
  OPTIONAL {{ ?member rcpkg:iso3166Alpha3 ?member_iso3 }}
  OPTIONAL {{ ?member rdfs:label ?member_name FILTER(LANGMATCHES(LANG(?member_name), "en")) }}
  OPTIONAL {{ ?member owl:sameAs ?member_wikidata
             FILTER(STRSTARTS(STR(?member_wikidata), "{WIKIDATA}")) }}
  OPTIONAL {{ ?iri schema:startDate ?start }}
  OPTIONAL {{ ?iri schema:endDate ?end }}
  OPTIONAL {{ ?iri rcpkg:ended ?ended }}
  OPTIONAL {{ ?iri prov:wasDerivedFrom ?source }}
  {extra}
}}"""
    )


def _role_table(
    base: str, file: str, role_class: str, kind: str, title: str, description: str
) -> TableSpec:
    columns = _role_columns(base, kind)
    extra = ""
    if role_class == "Membership":
        extra = "OPTIONAL { ?iri rcpkg:foundingMember ?founding_member }"
        founding = Column(
            "founding_member",
            "Founding member",
            BOOLEAN,
            "true for a founding member of the process; empty where the source does not say.",
            property_url=RCPKG + "foundingMember",
        )
        at = [c.name for c in columns].index("ended")
        columns = (*columns[:at], founding, *columns[at:])
    return TableSpec(
        file=file,
        title=title,
        description=description,
        query=_role_query(role_class, extra),
        columns=columns,
        primary_key=("iri",),
        sort_by=("process_key", "start", "member_iso3", "member"),
        row_type=RCPKG + role_class,
        foreign_keys=(
            ForeignKey("process_key", "processes.csv", "key"),
            ForeignKey("member_iso3", "states.csv", "iso3"),
        ),
        defaults={"ended": "false"},
    )


# --------------------------------------------------------------------------- tables


def table_specs(base: str = DEFAULT_BASE_IRI) -> tuple[TableSpec, ...]:
    """Every table the export writes, in the order of the metadata."""
    states = TableSpec(
        file="states.csv",
        title="States",
        description="One row per sovereign state in the graph, with its codes and links.",
        query=PREFIXES
        + f"""
SELECT ?iri ?iso2 ?iso3 ?m49 ?name ?continent ?un_region ?un_region_m49
       ?un_subregion ?un_subregion_m49
       ?un_intermediate_region ?un_intermediate_region_m49 ?wikidata ?geonames
WHERE {{
  ?iri a rcpkg:State .
  OPTIONAL {{ ?iri rcpkg:iso3166Alpha2 ?iso2 }}
  OPTIONAL {{ ?iri rcpkg:iso3166Alpha3 ?iso3 }}
  OPTIONAL {{ ?iri rcpkg:iso3166Numeric ?m49 }}
  OPTIONAL {{ ?iri rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en")) }}
  OPTIONAL {{ ?iri rcpkg:continent ?continent }}
  OPTIONAL {{ ?iri rcpkg:unRegion ?un_region }}
  OPTIONAL {{ ?iri rcpkg:unRegionCode ?un_region_m49 }}
  OPTIONAL {{ ?iri rcpkg:unSubRegion ?un_subregion }}
  OPTIONAL {{ ?iri rcpkg:unSubRegionCode ?un_subregion_m49 }}
  OPTIONAL {{ ?iri rcpkg:unIntermediateRegion ?un_intermediate_region }}
  OPTIONAL {{ ?iri rcpkg:unIntermediateRegionCode ?un_intermediate_region_m49 }}
  OPTIONAL {{ ?iri owl:sameAs ?wikidata FILTER(STRSTARTS(STR(?wikidata), "{WIKIDATA}")) }}
  OPTIONAL {{ ?iri owl:sameAs ?geonames FILTER(CONTAINS(STR(?geonames), "sws.geonames.org/")) }}
}}""",
        columns=(
            _iri_column("state"),
            Column(
                "iso2",
                "ISO 3166-1 alpha-2",
                ISO2,
                "Two-letter code. Namibia's is NA: read it as text, not as a missing value.",
                property_url=RCPKG + "iso3166Alpha2",
            ),
            Column(
                "iso3",
                "ISO 3166-1 alpha-3",
                ISO3,
                "Three-letter code; also the key of the state's IRI (id/state/{iso3}).",
                property_url=RCPKG + "iso3166Alpha3",
                required=True,
            ),
            Column(
                "m49",
                "ISO 3166-1 numeric / UN M49",
                M49,
                "Three-digit numeric code with leading zeros; the same as the UN M49 code.",
                property_url=RCPKG + "iso3166Numeric",
            ),
            Column(
                "name", "Name", NAME, "English short name.", property_url=RDFS + "label", lang="en"
            ),
            Column(
                "continent",
                "Continent",
                KEY,
                "Key of the continent the state is counted in (id/region/{key}: europe, "
                "africa...); unlike the UN region it puts Cyprus in Europe.",
                property_url=RCPKG + "continent",
                value_url=base + "id/region/{continent}",
                convert=_last_segment,
            ),
            Column(
                "un_region",
                "UN region",
                NAME,
                "Region of the UN M49 geoscheme.",
                property_url=RCPKG + "unRegion",
                lang="en",
            ),
            Column(
                "un_region_m49",
                "UN region M49",
                M49,
                "M49 code of the region.",
                property_url=RCPKG + "unRegionCode",
            ),
            Column(
                "un_subregion",
                "UN sub-region",
                NAME,
                "Sub-region of the UN M49 geoscheme.",
                property_url=RCPKG + "unSubRegion",
                lang="en",
            ),
            Column(
                "un_subregion_m49",
                "UN sub-region M49",
                M49,
                "M49 code of the sub-region.",
                property_url=RCPKG + "unSubRegionCode",
            ),
            Column(
                "un_intermediate_region",
                "UN intermediate region",
                NAME,
                "Intermediate region of the UN M49 geoscheme, where the state has one.",
                property_url=RCPKG + "unIntermediateRegion",
                lang="en",
            ),
            Column(
                "un_intermediate_region_m49",
                "UN intermediate region M49",
                M49,
                "M49 code of the intermediate region.",
                property_url=RCPKG + "unIntermediateRegionCode",
            ),
            Column(
                "wikidata",
                "Wikidata id",
                QID,
                "Wikidata Q-id (entity IRI http://www.wikidata.org/entity/{Q-id}). The "
                "Netherlands is Q29999, the Kingdom of the Netherlands, the sovereign state.",
                property_url=OWL + "sameAs",
                value_url=WIKIDATA + "{wikidata}",
                convert=_qid,
            ),
            Column(
                "geonames",
                "GeoNames id",
                GEONAMES_ID,
                "GeoNames id of the country (entity IRI https://sws.geonames.org/{id}/).",
                property_url=OWL + "sameAs",
                value_url=GEONAMES + "{geonames}/",
                convert=_geonames_id,
            ),
        ),
        primary_key=("iso3",),
        row_type=RCPKG + "State",
    )

    processes = TableSpec(
        file="processes.csv",
        title="Consultative processes",
        description="One row per regional consultative process or interregional forum.",
        query=PREFIXES
        + """
SELECT ?iri ?key ?name ?kind ?established ?regions ?declared_member_count
WHERE {
  ?iri a rcpkg:ConsultativeProcess .
  BIND(?iri AS ?key)
  OPTIONAL { ?iri rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en")) }
  OPTIONAL { ?iri rcpkg:processKind ?kind }
  OPTIONAL { ?iri rcpkg:established ?established }
  OPTIONAL { ?iri rcpkg:coversRegion ?regions }
  OPTIONAL { ?iri rcpkg:declaredMemberCount ?declared_member_count }
}""",
        columns=(
            _iri_column("process"),
            Column(
                "key",
                "Key",
                KEY,
                "Key of the process: the last segment of its IRI (id/process/{key}).",
                required=True,
                suppress_output=True,
                convert=_last_segment,
            ),
            Column("name", "Name", NAME, "English name.", property_url=RDFS + "label", lang="en"),
            Column(
                "kind",
                "Kind",
                KEY,
                "Kind of process: key of a concept of the scheme id/process-kind "
                "(regional-consultative-process, interregional-forum).",
                property_url=RCPKG + "processKind",
                value_url=base + "id/process-kind/{kind}",
                convert=_last_segment,
            ),
            Column(
                "established",
                "Established",
                PARTIAL_DATE,
                "Year or date the process was set up. " + PARTIAL_DATE_NOTE,
                property_url=RCPKG + "established",
            ),
            Column(
                "regions",
                "Regions",
                KEY,
                "Keys of the regions the process covers (id/region/{key}), separated by ';'.",
                property_url=RCPKG + "coversRegion",
                value_url=base + "id/region/{regions}",
                is_list=True,
                convert=_last_segment,
            ),
            Column(
                "declared_member_count",
                "Declared member count",
                INTEGER,
                "Number of members as the source states it (may differ from memberships.csv).",
                property_url=RCPKG + "declaredMemberCount",
            ),
        ),
        primary_key=("key",),
        row_type=RCPKG + "ConsultativeProcess",
    )

    roles = (
        _role_table(
            base,
            "memberships.csv",
            "Membership",
            "membership",
            "Memberships",
            "One row per membership of a state (or organization) in a process.",
        ),
        _role_table(
            base,
            "chairs.csv",
            "ChairRole",
            "chair",
            "Chairs",
            "One row per term as chair of a process.",
        ),
        _role_table(
            base,
            "steering_committee.csv",
            "SteeringCommitteeSeat",
            "steering committee",
            "Steering committee seats",
            "One row per seat on the steering committee of a process.",
        ),
        _role_table(
            base,
            "observers.csv",
            "ObserverRole",
            "observer",
            "Observers",
            "One row per observer (a 'cooperating organization') of a process.",
        ),
    )

    event_filter = """
  ?iri a ?kind .
  FILTER(?kind IN (rcpkg:Meeting, rcpkg:MinisterialConference, rcpkg:SeniorOfficialsMeeting,
                   rcpkg:SteeringCommitteeMeeting, rcpkg:ThematicMeeting, rcpkg:Training,
                   rcpkg:Webinar, rcpkg:Summit)
         || EXISTS { ?kind rdfs:subClassOf+ rcpkg:Meeting })"""
    meetings = TableSpec(
        file="meetings.csv",
        title="Meetings",
        description="One row per meeting held by a process, and per summit (held by no process).",
        query=PREFIXES
        + f"""
SELECT ?iri ?start ?end ?title ?kind ?process ?city ?city_name ?city_geonames ?country_iso3
       ?online ?latitude ?longitude
WHERE {{{event_filter}
  OPTIONAL {{ ?iri schema:startDate ?start }}
  OPTIONAL {{ ?iri schema:endDate ?end }}
  OPTIONAL {{ ?iri schema:name ?title FILTER(LANGMATCHES(LANG(?title), "en")) }}
  OPTIONAL {{ ?iri rcpkg:heldBy ?process }}
  OPTIONAL {{
    ?iri schema:location ?city . ?city a rcpkg:City .
    OPTIONAL {{ ?city schema:name ?city_name FILTER(LANGMATCHES(LANG(?city_name), "en")) }}
    OPTIONAL {{ ?city owl:sameAs ?city_geonames
               FILTER(CONTAINS(STR(?city_geonames), "sws.geonames.org/")) }}
    OPTIONAL {{ ?city schema:latitude ?latitude }}
    OPTIONAL {{ ?city schema:longitude ?longitude }}
  }}
  OPTIONAL {{
    {{ ?iri schema:location ?place . ?place rcpkg:country ?country }}
    UNION
    {{ ?iri schema:location ?country . ?country a rcpkg:State }}
    ?country rcpkg:iso3166Alpha3 ?country_iso3 .
  }}
  BIND(EXISTS {{ ?iri schema:eventAttendanceMode schema:OnlineEventAttendanceMode }}
       AS ?online)
}}""",
        columns=(
            _iri_column("meeting"),
            Column(
                "start",
                "Start date",
                PARTIAL_DATE,
                "First day of the meeting (a year or month where the source gives no day). "
                + PARTIAL_DATE_NOTE,
                property_url=SCHEMA + "startDate",
            ),
            Column(
                "end",
                "End date",
                PARTIAL_DATE,
                "Last day of the meeting; empty for a one-day meeting or where not stated. "
                + PARTIAL_DATE_NOTE,
                property_url=SCHEMA + "endDate",
            ),
            Column(
                "title",
                "Title",
                NAME,
                "Title of the meeting (corrected where the source misspells it).",
                property_url=SCHEMA + "name",
                lang="en",
            ),
            Column(
                "kinds",
                "Kinds",
                {"base": "string", "format": r"^[A-Z][A-Za-z]+$"},
                "Local names of the meeting's classes in the rcpkg ontology "
                "(e.g. SteeringCommitteeMeeting;SeniorOfficialsMeeting for a combined one).",
                property_url=RDF + "type",
                value_url=RCPKG + "{kinds}",
                is_list=True,
                convert=_local_name,
                variable="kind",
            ),
            Column(
                "process_keys",
                "Process keys",
                KEY,
                "Keys of the processes that held the meeting, separated by ';' (a joint "
                "meeting names both; a summit none). meeting_processes.csv has one row per "
                "meeting and process.",
                property_url=RCPKG + "heldBy",
                value_url=base + "id/process/{process_keys}",
                is_list=True,
                convert=_last_segment,
                variable="process",
            ),
            Column(
                "city",
                "City IRI",
                ANY_URI,
                "IRI of the city (rcpkg:City) where the meeting took place; empty when online "
                "or when the source names only the country.",
                property_url=SCHEMA + "location",
                value_url="{+city}",
            ),
            Column(
                "city_name",
                "City",
                NAME,
                "English name of the city.",
                property_url=SCHEMA + "name",
                about_url="{+city}",
                lang="en",
            ),
            Column(
                "city_geonames",
                "City GeoNames id",
                GEONAMES_ID,
                "GeoNames id of the city (https://sws.geonames.org/{id}/).",
                property_url=OWL + "sameAs",
                about_url="{+city}",
                value_url=GEONAMES + "{city_geonames}/",
                convert=_geonames_id,
            ),
            Column(
                "country_iso3",
                "Country ISO 3166-1 alpha-3",
                ISO3,
                "ISO alpha-3 code of the host country (of the city, or the country the source "
                "names); joins states.csv on iso3.",
                property_url=SCHEMA + "location",
                value_url=base + "id/state/{country_iso3}",
            ),
            Column(
                "online",
                "Online",
                BOOLEAN,
                "true for an online event (schema:OnlineEventAttendanceMode).",
                property_url=SCHEMA + "eventAttendanceMode",
                required=True,
                suppress_output=True,
            ),
            Column(
                "latitude",
                "Latitude",
                DECIMAL,
                "Latitude of the city (WGS 84, decimal degrees).",
                property_url=SCHEMA + "latitude",
                about_url="{+city}",
            ),
            Column(
                "longitude",
                "Longitude",
                DECIMAL,
                "Longitude of the city (WGS 84, decimal degrees).",
                property_url=SCHEMA + "longitude",
                about_url="{+city}",
            ),
        ),
        primary_key=("iri",),
        sort_by=("start",),
        row_type=None,
        foreign_keys=(ForeignKey("country_iso3", "states.csv", "iso3"),),
    )

    meeting_processes = TableSpec(
        file="meeting_processes.csv",
        title="Meetings by process",
        description="One row per meeting and process that held it (joint meetings: one row per "
        "process). Summits, held by no process, have no row.",
        query=PREFIXES
        + f"""
SELECT ?meeting ?process
WHERE {{
  ?meeting rcpkg:heldBy ?process .
  FILTER EXISTS {{{event_filter.replace("?iri", "?meeting")}
  }}
}}""",
        columns=(
            Column(
                "meeting",
                "Meeting IRI",
                ANY_URI,
                "IRI of the meeting; joins meetings.csv on iri.",
                required=True,
                suppress_output=True,
            ),
            _process_key_column(base, RCPKG + "heldBy"),
        ),
        primary_key=("meeting", "process_key"),
        sort_by=(),
        about_url="{+meeting}",
        foreign_keys=(
            ForeignKey("meeting", "meetings.csv", "iri"),
            ForeignKey("process_key", "processes.csv", "key"),
        ),
    )
    return (states, processes, *roles, meetings, meeting_processes)


# --------------------------------------------------------------------------- building rows


def table_rows(store: Store, spec: TableSpec) -> list[dict[str, str]]:
    """The rows of one table: query, gather multi-valued cells per key, convert, sort."""
    grouped: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for solution in store.select(spec.query):
        values: dict[str, set[str]] = {c.name: set() for c in spec.columns}
        for column in spec.columns:
            term = solution.get(column.variable or column.name)
            if term is None:
                continue
            cell = column.cell(term)
            if cell is not None and cell != "":
                values[column.name].add(cell)
        key = tuple(min(values[name], default="") for name in spec.primary_key)
        gathered = grouped.setdefault(key, {c.name: set() for c in spec.columns})
        for name, found in values.items():
            gathered[name] |= found
    rows = []
    for gathered in grouped.values():
        row: dict[str, str] = {}
        for column in spec.columns:
            found = sorted(gathered[column.name])
            if column.is_list:
                row[column.name] = LIST_SEPARATOR.join(found)
            else:
                # One value per cell; should the graph give two, the first in order wins.
                row[column.name] = found[0] if found else spec.defaults.get(column.name, "")
        rows.append(row)
    order = (*spec.sort_by, *spec.primary_key)
    rows.sort(key=lambda r: tuple((r[name] == "", r[name]) for name in order))
    return rows


def write_tables(store: Store, out_dir: Path | str, base_iri: str = DEFAULT_BASE_IRI) -> list[Path]:
    """Write every table and ``csv-metadata.json`` into ``out_dir``; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = table_specs(base_iri)
    written = []
    for spec in specs:
        path = out / spec.file
        rows = table_rows(store, spec)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=spec.header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    meta = out / METADATA_FILE
    meta.write_text(
        json.dumps(metadata(specs, base_iri), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    written.append(meta)
    return written


# --------------------------------------------------------------------------- CSVW metadata


def metadata(specs: tuple[TableSpec, ...], base_iri: str = DEFAULT_BASE_IRI) -> dict[str, Any]:
    """The CSVW ``TableGroup`` describing the tables (W3C Metadata Vocabulary for Tabular Data)."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "@type": "TableGroup",
        "dc:title": "rcpkg: inter-state migration dialogues, tidy tables",
        "dc:description": (
            "Tables exported from the rcpkg knowledge graph of regional consultative processes "
            "on migration by `rcpkg export csv`. Identifier columns use ISO 3166-1 codes, UN "
            "M49 codes, Wikidata Q-ids and GeoNames ids; an empty cell means the graph does "
            "not say. List columns separate their items with ';'."
        ),
        "dc:source": {"@id": base_iri + "dataset"},
        "dc:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "dc:publisher": "rcpkg",
        "dialect": {"encoding": "utf-8", "header": True, "delimiter": ","},
        "tables": [_table_metadata(spec) for spec in specs],
    }


def _table_metadata(spec: TableSpec) -> dict[str, Any]:
    columns = [c.csvw() for c in spec.columns]
    if spec.row_type:
        columns.append(
            {
                "name": "type",
                "virtual": True,
                "propertyUrl": RDF + "type",
                "valueUrl": spec.row_type,
            }
        )
    schema: dict[str, Any] = {
        "columns": columns,
        "primaryKey": list(spec.primary_key) if len(spec.primary_key) > 1 else spec.primary_key[0],
    }
    if spec.about_url:
        schema["aboutUrl"] = spec.about_url
    if spec.foreign_keys:
        schema["foreignKeys"] = [
            {
                "columnReference": fk.column,
                "reference": {"resource": fk.table, "columnReference": fk.target},
            }
            for fk in spec.foreign_keys
        ]
    return {
        "url": spec.file,
        "dc:title": spec.title,
        "dc:description": spec.description,
        "tableSchema": schema,
    }
