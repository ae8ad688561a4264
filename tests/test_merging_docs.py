"""The worked examples of docs/merging.md run as written and give the rows the page promises.

Each example is the fenced code block after an ``<!-- example: NAME -->`` marker. The pandas
example runs against CSVs freshly exported into a temporary folder; the graph examples run
against a Turtle dump of this checkout's data, next to the page's own made-up graph. The
Wikidata SERVICE example needs the network, so it is only checked, not run: the endpoint
guard must find its SERVICE IRI and refuse it unless the operator lists it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from rcpkg.config import load_settings
from rcpkg.export import write_tables
from rcpkg.sparql.guard import check_service, service_iris
from rcpkg.store import open_store
from rcpkg.store.base import QueryRefused, Store

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "merging.md"
KHARTOUM = "https://w3id.org/rcpkg/id/process/khartoum-process"
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
PREFIXES = """
PREFIX rcpkg: <https://w3id.org/rcpkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
"""


def example(name: str) -> str:
    """The code block that follows ``<!-- example: name -->`` in docs/merging.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- example: {re.escape(name)} -->\s*```[a-z]*\n(.*?)\n```", text, re.DOTALL
    )
    assert match, f"no example {name!r} in {DOC}"
    return match.group(1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(
        load_settings(environ={}, cache_dir=tmp_path_factory.mktemp("merging-cache"))
    )
    yield opened
    opened.close()


def members(store: Store, current_only: bool = False) -> set[str]:
    """ISO alpha-3 codes of the states with a membership in a process, by its own query."""
    current = (
        "FILTER NOT EXISTS { ?m schema:endDate ?end } FILTER NOT EXISTS { ?m rcpkg:ended true }"
        if current_only
        else ""
    )
    rows = store.select(
        PREFIXES
        + f"""SELECT DISTINCT ?iso3 WHERE {{
            ?m a rcpkg:Membership ; org:member ?s . ?s rcpkg:iso3166Alpha3 ?iso3 . {current} }}"""
    )
    return {r["iso3"].value for r in rows}


# ------------------------------------------------------------------ (a) pandas


def test_pandas_join(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tables(store, tmp_path / "export")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(example("pandas-join"), "docs/merging.md#pandas-join", "exec"), scope)

    ours = scope["ours"]
    # Codes stay text: Namibia's "NA" and Austria's leading zero survive the reading.
    assert ours.loc[ours["iso3"] == "NAM", "iso2"].item() == "NA"
    assert ours.loc[ours["iso3"] == "AUT", "m49"].item() == "040"
    made_up = set(ours["iso3"])

    expected = made_up & members(store)
    assert expected, "the made-up table should share some members with the graph"
    by_iso3, by_m49, current = scope["by_iso3"], scope["by_m49"], scope["current"]
    assert set(by_iso3["member_iso3"]) == expected
    assert set(by_m49["member_iso3"]) == expected
    assert len(by_iso3) == len(by_m49)
    assert set(current["member_iso3"]) == made_up & members(store, current_only=True)
    # What the IOM page says of the United Kingdom in the Khartoum Process: a past member.
    khartoum = by_iso3[by_iso3["process_key"] == "khartoum-process"]
    khartoum_now = current[current["process_key"] == "khartoum-process"]
    assert "GBR" in set(khartoum["member_iso3"]) and "GBR" not in set(khartoum_now["member_iso3"])
    indicator = dict(zip(by_iso3["member_iso3"], by_iso3["fictitious_indicator"], strict=True))
    assert indicator["ERI"] == pytest.approx(3.1)


# ------------------------------------------------------------------ (b) Wikidata SERVICE


def test_wikidata_example_is_guarded() -> None:
    query = example("wikidata-service")
    assert service_iris(query) == [WIKIDATA_SPARQL]
    with pytest.raises(QueryRefused) as refused:
        check_service(query, ())
    assert refused.value.status == 403
    check_service(query, (WIKIDATA_SPARQL,))  # allowed once the operator lists it


# ------------------------------------------------------------------ (c) two graphs, one store


@pytest.fixture
def dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``rcpkg.ttl`` in the working directory: this checkout's data as one Turtle file."""
    whole = ox.Store()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        whole.load(path=str(path), format=ox.RdfFormat.TURTLE)
    target = tmp_path / "rcpkg.ttl"
    whole.dump(str(target), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    monkeypatch.chdir(tmp_path)
    return target


# rdflib warns about its own use of a deprecated attribute inside Dataset.query.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
def test_graph_merge_examples(dump: Path) -> None:
    scope: dict = {}
    exec(compile(example("pyoxigraph-merge"), "docs/merging.md#pyoxigraph", "exec"), scope)
    iso3 = [row[0] for row in scope["result"]]
    # Eritrea joins by its Wikidata item, Ethiopia by its GeoNames id; the made-up graph's
    # Netherlands is Q55, not the Kingdom (Q29999) that we link to, so it does not join.
    assert iso3 == ["ERI", "ETH"]
    assert scope["result"][0][2] == 7

    exec(compile(example("rdflib-merge"), "docs/merging.md#rdflib", "exec"), scope)
    assert scope["rdflib_result"] == scope["result"]
