"""``rcpkg export csv``: tidy tables whose rows match the graph, described by valid CSVW metadata.

Each table's row count is checked against an independent SPARQL COUNT over the same store (not
the export's own query); the metadata is checked against the files with the standard library
(headers, datatypes, required cells, keys) and, where installed, with the ``csvw`` package.
"""

from __future__ import annotations

import csv
import datetime
import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rcpkg.cli import main
from rcpkg.config import load_settings
from rcpkg.export import METADATA_FILE, write_tables
from rcpkg.store import open_store
from rcpkg.store.base import Store

PREFIXES = """
PREFIX rcpkg: <https://w3id.org/rcpkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
"""

#: Each table and an independent count of the facts it has one row for.
COUNTS = {
    "states.csv": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a rcpkg:State }",
    "processes.csv": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a rcpkg:ConsultativeProcess }",
    "memberships.csv": "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rcpkg:Membership }",
    "chairs.csv": "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rcpkg:ChairRole }",
    "steering_committee.csv": (
        "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rcpkg:SteeringCommitteeSeat }"
    ),
    "observers.csv": "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rcpkg:ObserverRole }",
    # Meetings are every instance of rcpkg:Meeting or a subclass (per the ontology), and summits.
    "meetings.csv": """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
        { ?e a ?c . ?c rdfs:subClassOf* rcpkg:Meeting } UNION { ?e a rcpkg:Summit } }""",
    "meeting_processes.csv": """SELECT (COUNT(*) AS ?n) WHERE {
        SELECT DISTINCT ?e ?p WHERE { ?e rcpkg:heldBy ?p } }""",
}

#: Identifier columns and the codes they must hold (when not empty).
CODES = {
    "iso2": r"[A-Z]{2}",
    "iso3": r"[A-Z]{3}",
    "member_iso3": r"[A-Z]{3}",
    "country_iso3": r"[A-Z]{3}",
    "m49": r"\d{3}",
    "un_region_m49": r"\d{3}",
    "un_subregion_m49": r"\d{3}",
    "un_intermediate_region_m49": r"\d{3}",
    "wikidata": r"Q\d+",
    "member_wikidata": r"Q\d+",
    "geonames": r"\d+",
    "city_geonames": r"\d+",
    "process_key": r"[a-z0-9]+(-[a-z0-9]+)*",
    "key": r"[a-z0-9]+(-[a-z0-9]+)*",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The embedded store of this checkout, in a private cache."""
    cache = tmp_path_factory.mktemp("export-cache")
    opened = open_store(load_settings(environ={}, cache_dir=cache))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def exported(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    write_tables(store, out)
    return out


@pytest.fixture(scope="module")
def meta(exported: Path) -> dict:
    return json.loads((exported / METADATA_FILE).read_text(encoding="utf-8"))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def real_columns(table: dict) -> list[dict]:
    return [c for c in table["tableSchema"]["columns"] if not c.get("virtual")]


def test_write_tables_returns_every_file(exported: Path, meta: dict) -> None:
    files = sorted(p.name for p in exported.iterdir())
    assert files == sorted([t["url"] for t in meta["tables"]] + [METADATA_FILE])
    assert set(COUNTS) == {t["url"] for t in meta["tables"]}


@pytest.mark.parametrize("file", sorted(COUNTS))
def test_row_count_matches_sparql(store: Store, exported: Path, file: str) -> None:
    expected = int(store.select(PREFIXES + COUNTS[file])[0]["n"].value)
    _, rows = read_csv(exported / file)
    assert expected > 0, f"the graph has nothing for {file}"
    assert len(rows) == expected


# ------------------------------------------------------------------ CSVW, standard library


def _valid(value: str, datatype: str | dict) -> bool:
    spec = {"base": datatype} if isinstance(datatype, str) else datatype
    base, fmt = spec["base"], spec.get("format")
    if base == "string":
        return fmt is None or re.fullmatch(fmt.strip("^$"), value) is not None
    if base == "anyURI":
        parts = urlsplit(value)
        return bool(parts.scheme in ("http", "https") and parts.netloc) and " " not in value
    if base == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return False
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return False
        return True
    if base == "integer":
        return re.fullmatch(r"[+-]?\d+", value) is not None
    if base == "decimal":
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
            return False
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    if base == "boolean":
        return value in ("true", "false", "1", "0")
    raise AssertionError(f"a datatype this test does not know: {base}")


@pytest.mark.parametrize("file", sorted(COUNTS))
def test_metadata_describes_the_file(exported: Path, meta: dict, file: str) -> None:
    table = next(t for t in meta["tables"] if t["url"] == file)
    columns = real_columns(table)
    header, rows = read_csv(exported / file)
    assert [c["name"] for c in columns] == header
    for column in columns:
        assert column.get("titles"), column["name"]
        assert "datatype" in column, column["name"]
    bad = []
    for line, row in enumerate(rows, start=2):
        for column in columns:
            cell = row[column["name"]]
            if cell == "":
                if column.get("required"):
                    bad.append((line, column["name"], "required but empty"))
                continue
            items = cell.split(column["separator"]) if "separator" in column else [cell]
            bad += [
                (line, column["name"], item)
                for item in items
                if not _valid(item, column["datatype"])
            ]
    assert bad == []


def test_metadata_keys_hold(exported: Path, meta: dict) -> None:
    tables = {t["url"]: read_csv(exported / t["url"])[1] for t in meta["tables"]}
    for table in meta["tables"]:
        schema = table["tableSchema"]
        key = schema["primaryKey"]
        key = [key] if isinstance(key, str) else key
        values = [tuple(r[k] for k in key) for r in tables[table["url"]]]
        assert len(values) == len(set(values)), f"duplicate primary key in {table['url']}"
        assert all(all(v) for v in values), f"empty primary key in {table['url']}"
        for fk in schema.get("foreignKeys", []):
            ref = fk["reference"]
            target = {r[ref["columnReference"]] for r in tables[ref["resource"]]}
            column = fk["columnReference"]
            missing = {r[column] for r in tables[table["url"]] if r[column]} - target
            assert not missing, f"{table['url']}.{column} -> {ref}: {missing}"


def test_metadata_is_a_csvw_table_group(meta: dict) -> None:
    assert "http://www.w3.org/ns/csvw" in meta["@context"]
    assert meta["@type"] == "TableGroup"
    assert meta["dc:license"]["@id"].startswith("https://creativecommons.org/")
    assert meta["dc:source"]["@id"].endswith("/dataset")
    for table in meta["tables"]:
        schema = table["tableSchema"]
        assert "primaryKey" in schema
        assert "aboutUrl" in schema
        for column in schema["columns"]:
            if column.get("virtual"):
                assert column["propertyUrl"] and column["valueUrl"]
                continue
            assert column.get("propertyUrl") or column.get("suppressOutput"), column["name"]
            for key in ("propertyUrl", "valueUrl"):
                if key in column and not column[key].startswith("{"):
                    assert urlsplit(column[key]).scheme in ("http", "https"), column[key]


def test_csvw_validator(exported: Path) -> None:
    """The ``csvw`` package reads every cell as its datatype and checks the keys.

    Foreign-key columns may be empty (``member_iso3`` of an organization); csvw's strict mode
    rejects any null foreign key, so this uses its non-strict mode, which still checks that
    every value given resolves.
    """
    csvw = pytest.importorskip("csvw")
    checked = csvw.CSVW(str(exported / METADATA_FILE), validate=True, strict=False)
    assert checked.is_valid, [str(w.message) for w in checked.warnings]


# ------------------------------------------------------------------ identifiers and contents


def test_identifier_columns_use_the_codes(exported: Path, meta: dict) -> None:
    seen = set()
    for table in meta["tables"]:
        header, rows = read_csv(exported / table["url"])
        for name in header:
            if name not in CODES:
                continue
            seen.add(name)
            wrong = {r[name] for r in rows if r[name] and not re.fullmatch(CODES[name], r[name])}
            assert not wrong, f"{table['url']}.{name}: {sorted(wrong)}"
    assert {"iso3", "m49", "wikidata", "member_iso3", "country_iso3"} <= seen


def test_states_codes_agree_with_iris(exported: Path) -> None:
    _, states = read_csv(exported / "states.csv")
    for state in states:
        assert state["iri"] == "https://w3id.org/rcpkg/id/state/" + state["iso3"]
        assert state["iso3"] and state["m49"] and state["iso2"]
    by_code = {s["iso3"]: s for s in states}
    # The Netherlands links to the Kingdom of the Netherlands, the sovereign state.
    if "NLD" in by_code:
        assert by_code["NLD"]["wikidata"] == "Q29999"
    if "AUT" in by_code:  # leading zeros kept
        assert by_code["AUT"]["m49"] == "040"


def test_member_iso3_only_for_states(exported: Path) -> None:
    for file in ("memberships.csv", "chairs.csv", "steering_committee.csv", "observers.csv"):
        _, rows = read_csv(exported / file)
        for row in rows:
            is_state = row["member_type"] == "State"
            assert bool(row["member_iso3"]) == is_state, row
            if is_state:
                assert row["member"].endswith("/id/state/" + row["member_iso3"])


def test_meetings_are_tidy(exported: Path) -> None:
    _, meetings = read_csv(exported / "meetings.csv")
    _, links = read_csv(exported / "meeting_processes.csv")
    from_lists = sorted(
        (m["iri"], key) for m in meetings for key in m["process_keys"].split(";") if key
    )
    assert from_lists == sorted((r["meeting"], r["process_key"]) for r in links)
    for meeting in meetings:
        if meeting["online"] == "true":
            assert not meeting["city"] and not meeting["country_iso3"], meeting
        if meeting["latitude"]:
            assert meeting["city"], meeting
        if meeting["end"]:
            assert meeting["end"] >= meeting["start"], meeting


def test_export_is_stable(store: Store, exported: Path, tmp_path: Path) -> None:
    write_tables(store, tmp_path)
    for path in sorted(exported.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# ------------------------------------------------------------------ the command


def test_cli_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RCPKG_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    assert main(["export", "csv", "--out", str(out)]) == 0
    assert (out / METADATA_FILE).is_file()
    assert (out / "states.csv").is_file()
    assert str(out / "states.csv") in capsys.readouterr().out


def test_cli_export_unreadable_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCPKG_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle .\n", encoding="utf-8")
    assert main(["export", "csv", "--out", str(tmp_path / "out"), "--data", str(bad)]) == 2
