"""Generate a synthetic graph shaped like rcpkg's, for the benchmarks (deterministic, seeded).

    python bench/generate.py --size S            # about 2 thousand triples
    python bench/generate.py --size M            # about 100 thousand
    python bench/generate.py --size L            # about 1 million
    python bench/generate.py --size 250000       # any triple count
    python bench/generate.py --size M --out FILE # default bench/data/graph-{size}.nt

The graph uses the IRIs and terms of docs/modelling.md (base ``https://w3id.org/rcpkg/``):
states (``id/state/ISO3``, ISO codes, labels), cities in states, consultative processes (kind,
regions, founding year, description, alternative name), memberships and chairs
(``rcpkg:Membership``/``rcpkg:ChairRole`` with ``org:member``, ``org:organization``,
``org:role``, ``schema:startDate``/``schema:endDate`` at mixed date precision, some ended with
no end date), meetings (``schema:Event`` subclasses with ``rcpkg:heldBy``, dates, a city or
state as ``schema:location``, some online, some joint), and a source per process.

Processes are generated one by one from their own seeded random stream, so the first ones
(``khartoum-process``, ``rabat-process``) are the same at every size and the queries in
``bench/queries/`` find the same things in every graph. Only the standard library is used.
Output is N-Triples (one triple a line: ``wc -l`` counts the triples).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

BASE = "https://w3id.org/rcpkg/"
ID = BASE + "id/"
RCPKG = BASE + "ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

SIZES = {"S": 2_000, "M": 100_000, "L": 1_000_000}
DEFAULT_SEED = 20261128
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Real states first (ISO 3166-1 alpha-3, alpha-2, numeric, short name); user-assigned
#: X-codes follow when a graph needs more states than these.
REAL_STATES = [
    ("ERI", "ER", "232", "Eritrea"),
    ("ETH", "ET", "231", "Ethiopia"),
    ("SDN", "SD", "729", "Sudan"),
    ("SSD", "SS", "728", "South Sudan"),
    ("SOM", "SO", "706", "Somalia"),
    ("DJI", "DJ", "262", "Djibouti"),
    ("KEN", "KE", "404", "Kenya"),
    ("EGY", "EG", "818", "Egypt"),
    ("TUN", "TN", "788", "Tunisia"),
    ("LBY", "LY", "434", "Libya"),
    ("MAR", "MA", "504", "Morocco"),
    ("SEN", "SN", "686", "Senegal"),
    ("MLI", "ML", "466", "Mali"),
    ("NER", "NE", "562", "Niger"),
    ("NGA", "NG", "566", "Nigeria"),
    ("GHA", "GH", "288", "Ghana"),
    ("CIV", "CI", "384", "Côte d'Ivoire"),
    ("GIN", "GN", "324", "Guinea"),
    ("MRT", "MR", "478", "Mauritania"),
    ("DZA", "DZ", "012", "Algeria"),
    ("UGA", "UG", "800", "Uganda"),
    ("TZA", "TZ", "834", "Tanzania, United Republic of"),
    ("RWA", "RW", "646", "Rwanda"),
    ("BDI", "BI", "108", "Burundi"),
    ("CMR", "CM", "120", "Cameroon"),
    ("TCD", "TD", "148", "Chad"),
    ("BFA", "BF", "854", "Burkina Faso"),
    ("GMB", "GM", "270", "Gambia"),
    ("ITA", "IT", "380", "Italy"),
    ("FRA", "FR", "250", "France"),
    ("DEU", "DE", "276", "Germany"),
    ("ESP", "ES", "724", "Spain"),
    ("PRT", "PT", "620", "Portugal"),
    ("GRC", "GR", "300", "Greece"),
    ("MLT", "MT", "470", "Malta"),
    ("NLD", "NL", "528", "Netherlands"),
    ("BEL", "BE", "056", "Belgium"),
    ("AUT", "AT", "040", "Austria"),
    ("SWE", "SE", "752", "Sweden"),
    ("NOR", "NO", "578", "Norway"),
    ("CHE", "CH", "756", "Switzerland"),
    ("GBR", "GB", "826", "United Kingdom"),
    ("IRL", "IE", "372", "Ireland"),
    ("DNK", "DK", "208", "Denmark"),
    ("FIN", "FI", "246", "Finland"),
    ("POL", "PL", "616", "Poland"),
    ("CZE", "CZ", "203", "Czechia"),
    ("HUN", "HU", "348", "Hungary"),
]

#: Real cities (slug, name, state); synthetic ones follow when a graph needs more.
REAL_CITIES = [
    ("nairobi", "Nairobi", "KEN"),
    ("addis-ababa", "Addis Ababa", "ETH"),
    ("khartoum", "Khartoum", "SDN"),
    ("rome", "Rome", "ITA"),
    ("rabat", "Rabat", "MAR"),
    ("cairo", "Cairo", "EGY"),
    ("dakar", "Dakar", "SEN"),
    ("brussels", "Brussels", "BEL"),
    ("paris", "Paris", "FRA"),
    ("madrid", "Madrid", "ESP"),
    ("valletta", "Valletta", "MLT"),
    ("asmara", "Asmara", "ERI"),
    ("djibouti", "Djibouti", "DJI"),
    ("kampala", "Kampala", "UGA"),
    ("juba", "Juba", "SSD"),
    ("mogadishu", "Mogadishu", "SOM"),
    ("tunis", "Tunis", "TUN"),
    ("bamako", "Bamako", "MLI"),
    ("niamey", "Niamey", "NER"),
    ("abuja", "Abuja", "NGA"),
    ("accra", "Accra", "GHA"),
    ("abidjan", "Abidjan", "CIV"),
    ("lisbon", "Lisbon", "PRT"),
    ("athens", "Athens", "GRC"),
    ("the-hague", "The Hague", "NLD"),
    ("vienna", "Vienna", "AUT"),
    ("stockholm", "Stockholm", "SWE"),
    ("geneva", "Geneva", "CHE"),
    ("london", "London", "GBR"),
    ("berlin", "Berlin", "DEU"),
]

REGIONS = [
    ("horn-of-africa", "Horn of Africa"),
    ("europe", "Europe"),
    ("north-africa", "North Africa"),
    ("west-africa", "West Africa"),
    ("central-africa", "Central Africa"),
    ("east-africa", "East Africa"),
]

#: (class local name, label used in titles, slug)
MEETING_KINDS = [
    ("MinisterialConference", "Ministerial Conference", "ministerial-conference"),
    ("SeniorOfficialsMeeting", "Senior Officials' Meeting", "senior-officials-meeting"),
    ("SteeringCommitteeMeeting", "Steering Committee Meeting", "steering-committee-meeting"),
    ("ThematicMeeting", "Thematic Meeting", "thematic-meeting"),
    ("Training", "Training", "training"),
    ("Webinar", "Webinar", "webinar"),
]
MEETING_WEIGHTS = [1, 3, 3, 4, 2, 1]

SYLLABLES = [
    "ka",
    "ra",
    "ba",
    "sa",
    "ta",
    "na",
    "ma",
    "la",
    "da",
    "ga",
    "ho",
    "ri",
    "mu",
    "te",
    "lo",
    "ne",
    "vi",
    "zu",
    "pe",
    "fa",
    "wi",
    "ko",
    "be",
    "du",
    "si",
    "ro",
    "an",
    "el",
    "or",
    "is",
    "ul",
    "en",
    "ar",
    "ta",
    "mi",
    "so",
]

#: The first processes are fixed so queries name them at every size.
FIXED_PROCESSES = [("khartoum-process", "Khartoum Process"), ("rabat-process", "Rabat Process")]

FIRST_YEAR = 2000
LAST_YEAR = 2024


def iri(local: str) -> str:
    return f"<{local}>"


def lit(text: str, lang: str | None = "en") -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(text: str, datatype: str) -> str:
    return f'"{text}"^^<{XSD}{datatype}>'


def word(rng: random.Random, low: int = 2, high: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(low, high))).capitalize()


class Writer:
    """Counts and writes N-Triples lines."""

    def __init__(self, out) -> None:
        self.out = out
        self.count = 0

    def t(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} {p} {o} .\n")
        self.count += 1


def states_for(target: int) -> list[tuple[str, str | None, str, str]]:
    """The states of a graph of ``target`` triples: 30 for a small graph, up to 250."""
    n = max(30, min(250, target // 400))
    states: list[tuple[str, str | None, str, str]] = list(REAL_STATES[:n])
    rng = random.Random(DEFAULT_SEED)  # names of synthetic states never depend on the size
    k = 0
    while len(states) < n:
        code = "X" + chr(65 + k // 26) + chr(65 + k % 26)
        states.append((code, None, f"{900 + k % 100:03d}", f"{word(rng)} {word(rng, 1, 2)}"))
        k += 1
    return states


def cities_for(target: int, states: list) -> list[tuple[str, str, str]]:
    codes = {s[0] for s in states}
    cities = [c for c in REAL_CITIES if c[2] in codes]
    n = max(len(cities), min(300, target // 600))
    rng = random.Random(DEFAULT_SEED + 1)
    k = 0
    while len(cities) < n:
        name = word(rng)
        cities.append((f"{name.lower()}-{k}", name, rng.choice(states)[0]))
        k += 1
    return cities


def date_at(rng: random.Random, year: int) -> tuple[str, str]:
    """A date of ``year`` at the precision a source might give: (lexical form, datatype)."""
    roll = rng.random()
    if roll < 0.7:
        return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "date"
    if roll < 0.9:
        return f"{year}-{rng.randint(1, 12):02d}", "gYearMonth"
    return str(year), "gYear"


def write_vocabularies(w: Writer) -> None:
    concept, scheme = iri(SKOS + "Concept"), iri(SKOS + "ConceptScheme")
    label, pref, in_scheme = iri(RDFS + "label"), iri(SKOS + "prefLabel"), iri(SKOS + "inScheme")
    for scheme_slug, members in (
        (
            "process-kind",
            [
                ("regional-consultative-process", "Regional consultative process"),
                ("interregional-forum", "Interregional forum"),
            ],
        ),
        ("role-kind", [("member", "Member"), ("chair", "Chair")]),
    ):
        s = iri(ID + scheme_slug)
        w.t(s, iri(RDF_TYPE), scheme)
        w.t(s, label, lit(scheme_slug.replace("-", " ").capitalize() + "s"))
        for slug, name in members:
            c = iri(f"{ID}{scheme_slug}/{slug}")
            w.t(c, iri(RDF_TYPE), concept)
            w.t(c, label, lit(name))
            w.t(c, pref, lit(name))
            w.t(c, in_scheme, s)
    for slug, name in REGIONS:
        r = iri(f"{ID}region/{slug}")
        w.t(r, iri(RDF_TYPE), iri(RCPKG + "Region"))
        w.t(r, label, lit(name))
        w.t(r, pref, lit(name))


def write_places(w: Writer, states: list, cities: list) -> None:
    label, pref = iri(RDFS + "label"), iri(SKOS + "prefLabel")
    for code, alpha2, numeric, name in states:
        s = iri(f"{ID}state/{code}")
        w.t(s, iri(RDF_TYPE), iri(RCPKG + "State"))
        w.t(s, label, lit(name))
        w.t(s, pref, lit(name))
        w.t(s, iri(RCPKG + "iso3166Alpha3"), lit(code, None))
        if alpha2:
            w.t(s, iri(RCPKG + "iso3166Alpha2"), lit(alpha2, None))
        w.t(s, iri(RCPKG + "iso3166Numeric"), lit(numeric, None))
    for slug, name, code in cities:
        c = iri(f"{ID}place/{slug}")
        w.t(c, iri(RDF_TYPE), iri(RCPKG + "City"))
        w.t(c, label, lit(name))
        w.t(c, iri(RCPKG + "country"), iri(f"{ID}state/{code}"))


def process_identity(index: int, rng: random.Random) -> tuple[str, str]:
    if index < len(FIXED_PROCESSES):
        return FIXED_PROCESSES[index]
    name = f"{word(rng)} {word(rng)} Process"
    return f"{name.lower().replace(' ', '-')}-{index}", name


def write_process(
    w: Writer, index: int, seed: int, states: list, cities: list, all_slugs: list[str]
) -> None:
    """One process with its source, memberships, chairs and meetings."""
    rng = random.Random(seed * 1_000_003 + index)
    slug, name = process_identity(index, rng)
    all_slugs.append(slug)
    p = iri(f"{ID}process/{slug}")
    src = iri(f"{ID}source/generated-{slug}")
    label, pref = iri(RDFS + "label"), iri(SKOS + "prefLabel")
    derived = iri(PROV + "wasDerivedFrom")
    a = iri(RDF_TYPE)

    w.t(src, a, iri(RCPKG + "Source"))
    w.t(src, iri(DCTERMS + "title"), lit(f"Generated description of the {name}"))
    w.t(src, iri(RCPKG + "reflectsDate"), typed("2023-04-01", "date"))

    established = rng.randint(FIRST_YEAR - 5, 2015)
    kind = "interregional-forum" if rng.random() < 0.4 else "regional-consultative-process"
    w.t(p, a, iri(RCPKG + "ConsultativeProcess"))
    w.t(p, label, lit(name))
    w.t(p, pref, lit(name))
    w.t(p, iri(SKOS + "altLabel"), lit(f"{word(rng)} Dialogue on Migration"))
    w.t(p, iri(RCPKG + "processKind"), iri(f"{ID}process-kind/{kind}"))
    for region in rng.sample(REGIONS, 2):
        w.t(p, iri(RCPKG + "coversRegion"), iri(f"{ID}region/{region[0]}"))
    w.t(p, iri(RCPKG + "established"), typed(str(established), "gYear"))
    w.t(
        p,
        iri(DCTERMS + "description"),
        lit(f"A dialogue on migration among {word(rng)} states, founded in {established}."),
    )
    n_members = min(len(states), rng.randint(15, 40))
    members = rng.sample(states, n_members)
    w.t(p, iri(RCPKG + "declaredMemberCount"), typed(str(n_members), "integer"))
    w.t(p, derived, src)

    # Memberships: most since founding, some joined later, some left.
    member_kind = iri(f"{ID}role-kind/member")
    for state in members:
        start_year = established if rng.random() < 0.6 else rng.randint(established, LAST_YEAR)
        r = iri(f"{ID}role/{slug}-member-{state[0].lower()}")
        w.t(r, a, iri(RCPKG + "Membership"))
        w.t(r, iri(ORG + "member"), iri(f"{ID}state/{state[0]}"))
        w.t(r, iri(ORG + "organization"), p)
        w.t(r, iri(ORG + "role"), member_kind)
        w.t(r, label, lit(f"{state[3]}, member of the {name}"))
        start, dt = date_at(rng, start_year)
        w.t(r, iri(SCHEMA + "startDate"), typed(start, dt))
        roll = rng.random()
        if roll < 0.1 and start_year < LAST_YEAR:
            end, dt = date_at(rng, rng.randint(start_year + 1, LAST_YEAR))
            w.t(r, iri(SCHEMA + "endDate"), typed(end, dt))
        elif roll < 0.13:
            w.t(r, iri(RCPKG + "ended"), typed("true", "boolean"))
        if index < len(FIXED_PROCESSES) and rng.random() < 0.3:
            w.t(r, iri(RCPKG + "foundingMember"), typed("true", "boolean"))
        w.t(r, derived, src)

    # Chairs: terms of one or two years, from founding on.
    chair_kind = iri(f"{ID}role-kind/chair")
    year = max(established, FIRST_YEAR)
    while year <= LAST_YEAR:
        term = rng.choice((1, 1, 2))
        state = rng.choice(members)
        r = iri(f"{ID}role/{slug}-chair-{state[0].lower()}-{year}")
        w.t(r, a, iri(RCPKG + "ChairRole"))
        w.t(r, iri(ORG + "member"), iri(f"{ID}state/{state[0]}"))
        w.t(r, iri(ORG + "organization"), p)
        w.t(r, iri(ORG + "role"), chair_kind)
        w.t(r, label, lit(f"{state[3]}, chair of the {name} from {year}"))
        w.t(r, iri(SCHEMA + "startDate"), typed(f"{year}-01-01", "date"))
        if year + term - 1 < LAST_YEAR:
            w.t(r, iri(SCHEMA + "endDate"), typed(f"{year + term - 1}-12-31", "date"))
        w.t(r, derived, src)
        year += term

    # Meetings: about two a year; a few joint with an earlier process, a few online.
    member_codes = [s[0] for s in members]
    local_cities = [c for c in cities if c[2] in member_codes] or cities
    for year in range(max(established, FIRST_YEAR), LAST_YEAR + 1):
        for k in range(rng.choice((1, 2, 2, 3))):
            cls, kind_label, kind_slug = rng.choices(MEETING_KINDS, MEETING_WEIGHTS)[0]
            start, dt = date_at(rng, year)
            if dt != "date":
                start, dt = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "date"
            e = iri(f"{ID}event/{start}-{slug}-{kind_slug}-{k}")
            online = cls == "Webinar" or rng.random() < 0.05
            w.t(e, a, iri(RCPKG + cls))
            if cls == "SteeringCommitteeMeeting" and rng.random() < 0.2:
                w.t(e, a, iri(RCPKG + "SeniorOfficialsMeeting"))
            if online:
                title = f"{name} {kind_label} (online), {year}"
                w.t(
                    e,
                    iri(SCHEMA + "eventAttendanceMode"),
                    iri(SCHEMA + "OnlineEventAttendanceMode"),
                )
            elif rng.random() < 0.1:
                state = rng.choice(members)
                title = f"{name} {kind_label}, {state[3]}, {year}"
                w.t(e, iri(SCHEMA + "location"), iri(f"{ID}state/{state[0]}"))
            else:
                city = rng.choice(local_cities)
                title = f"{name} {kind_label}, {city[1]}, {year}"
                w.t(e, iri(SCHEMA + "location"), iri(f"{ID}place/{city[0]}"))
            w.t(e, label, lit(title))
            w.t(e, iri(SCHEMA + "name"), lit(title))
            w.t(e, iri(RCPKG + "heldBy"), p)
            if len(all_slugs) > 1 and rng.random() < 0.03:
                other = rng.choice(all_slugs[:-1])
                w.t(e, iri(RCPKG + "heldBy"), iri(f"{ID}process/{other}"))
            w.t(e, iri(SCHEMA + "startDate"), typed(start, dt))
            if cls in ("MinisterialConference", "Training"):
                y, m, d = start.split("-")
                w.t(e, iri(SCHEMA + "endDate"), typed(f"{y}-{m}-{int(d) + 1:02d}", "date"))
            w.t(e, derived, src)


def generate(target: int, out, seed: int = DEFAULT_SEED) -> int:
    """Write a graph of about ``target`` triples to ``out``; return the triple count."""
    w = Writer(out)
    states = states_for(target)
    cities = cities_for(target, states)
    write_vocabularies(w)
    write_places(w, states, cities)
    slugs: list[str] = []
    index = 0
    while index < len(FIXED_PROCESSES) or w.count < target:
        write_process(w, index, seed, states, cities, slugs)
        index += 1
    return w.count


def parse_size(text: str) -> tuple[str, int]:
    """``S``/``M``/``L`` or a triple count (``250000``, ``250k``, ``1m``): (name, target)."""
    upper = text.strip().upper()
    if upper in SIZES:
        return upper, SIZES[upper]
    scale = {"K": 1_000, "M": 1_000_000}.get(upper[-1:], 1)
    number = upper[:-1] if scale != 1 else upper
    try:
        target = int(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (S, M, L or a count)") from None
    return str(target), target


def data_path(size_name: str) -> Path:
    return DATA_DIR / f"graph-{size_name}.nt"


def ensure(size: str, seed: int = DEFAULT_SEED) -> tuple[Path, int]:
    """The data file for ``size``, generated if missing: (path, triples)."""
    name, target = parse_size(size)
    path = data_path(name if seed == DEFAULT_SEED else f"{name}-seed{seed}")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            generate(target, out, seed)
        tmp.rename(path)
    with path.open("rb") as handle:
        count = sum(1 for _ in handle)
    return path, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="S", help="S, M, L or a triple count (default S)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="file to write (default bench/data/...)")
    args = parser.parse_args(argv)
    name, target = parse_size(args.size)
    out = args.out or data_path(name if args.seed == DEFAULT_SEED else f"{name}-seed{args.seed}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        count = generate(target, handle, args.seed)
    print(f"{out}: {count} triples", file=sys.stderr)
    return 0


def iter_sizes(text: str) -> Iterator[str]:
    for part in text.split(","):
        if part.strip():
            yield part.strip()


if __name__ == "__main__":
    sys.exit(main())
