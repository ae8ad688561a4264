"""The page of a thing: the generic description (``rcpkg.resources.view``) and, from the store,
its sources, the corrections made to them, disagreeing claims, and the sections of a process's
or a state's page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef

from rcpkg.examples import Example
from rcpkg.pages import charts, roles
from rcpkg.pages import query as q
from rcpkg.pages.dates import human_date, year_of
from rcpkg.pages.model import Cell, Chart, Link, Table
from rcpkg.resources.describe import sparql_iri
from rcpkg.resources.namespaces import DCTERMS, RDF, RDFS, SKOS
from rcpkg.resources.view import PageView
from rcpkg.store.base import Store

#: Where a thing's short description is read from, best first.
SUMMARY_PROPERTIES = (DCTERMS.description, SKOS.definition, RDFS.comment)
ROLE_HEADINGS = {
    "Membership": "Member states",
    "ChairRole": "Chairs",
    "SteeringCommitteeSeat": "Steering committee",
    "SecretariatRole": "Secretariat",
    "SupportRole": "Technical and logistical support",
    "ObserverRole": "Observers",
}
HELD_HEADINGS = {
    "Membership": "Member of",
    "ChairRole": "Chair of",
    "SteeringCommitteeSeat": "On the steering committee of",
    "SecretariatRole": "Secretariat of",
    "SupportRole": "Supports",
    "ObserverRole": "Observer in",
}
SAME_AS_NAMES = (
    ("http://www.wikidata.org/entity/", "Wikidata"),
    ("https://sws.geonames.org/", "GeoNames"),
    ("http://sws.geonames.org/", "GeoNames"),
    ("http://publications.europa.eu/resource/authority/country/", "EU Publications Office"),
    ("http://publications.europa.eu/resource/authority/", "EU Publications Office"),
    ("http://dbpedia.org/resource/", "DBpedia"),
)


@dataclass
class SourceView:
    """A source a fact comes from: its page here, its address, the date it reflects."""

    link: Link
    url: str | None = None
    date: Link | None = None
    publisher: Link | None = None


@dataclass
class CorrectionView:
    link: Link
    property: Link | None
    original: str | None
    corrected: str | None
    kind: Link | None
    comment: str | None
    inferred: bool
    sources: list[Link] = field(default_factory=list)


@dataclass
class Claim:
    value: Link
    sources: list[SourceView]


@dataclass
class Disagreement:
    property: Link
    claims: list[Claim]

    @property
    def conflicting(self) -> bool:
        return len({(c.value.iri or c.value.text) for c in self.claims}) > 1


@dataclass
class ConflictView:
    """A recorded conflict (``rcpkg:Conflict``): the claims or roles that disagree."""

    link: Link
    about: Link | None
    comment: str | None
    claims: list[Claim] = field(default_factory=list)


@dataclass
class ExampleLink:
    title: str
    description: str
    href: str


@dataclass
class ProcessSection:
    key_facts: list[tuple[str, list[Link]]] = field(default_factory=list)
    members: Table | None = None
    former_members: Table | None = None
    chairs: Table | None = None
    chairs_chart: Chart | None = None
    role_tables: list[Table] = field(default_factory=list)
    meetings_chart: Chart | None = None
    meetings_by_year: list[tuple[int | None, Table]] = field(default_factory=list)
    meeting_count: int = 0
    themes: Table | None = None
    documents: Table | None = None
    examples: list[ExampleLink] = field(default_factory=list)


@dataclass
class StateSection:
    codes: list[tuple[str, str]] = field(default_factory=list)
    same_as: list[Link] = field(default_factory=list)
    meetings: Table | None = None


@dataclass
class Extras:
    """What a thing's page shows beyond its description's facts."""

    kind: str | None = None
    summary: str | None = None
    sources: list[SourceView] = field(default_factory=list)
    corrections: list[CorrectionView] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    conflicts: list[ConflictView] = field(default_factory=list)
    roles_held: list[Table] = field(default_factory=list)
    process: ProcessSection | None = None
    state: StateSection | None = None
    jsonld: str | None = None


def script_safe_json(text: str) -> str:
    """JSON to embed in ``<script type="application/ld+json">``: ``<``, ``>`` and ``&``
    escaped as ``\\u003c``... so no ``</script>`` or ``<!--`` can end or bend the block.
    The result is the same JSON value."""
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class ThingPages:
    """Builds the extras of a thing's page from the store (once per release; cached above)."""

    def __init__(
        self, store: Store, base: str, href: Callable[[str], str], examples: list[Example]
    ) -> None:
        self.store = store
        self.base = base
        self.ns = base + "ontology#"
        self.href = href
        self.examples = examples
        self._labels: dict[str, str] = {}

    # helpers -------------------------------------------------------------------------

    def _select(self, query: str) -> list[dict]:
        return q.select(self.store, query, self.ns)

    def label(self, iri: str) -> str:
        if iri not in self._labels:
            self._labels.update(q.labels(self.store, [iri]))
        return self._labels.get(iri) or q.short_name(iri)

    def prefetch(self, iris: list[str]) -> None:
        missing = [i for i in set(iris) if i and i not in self._labels]
        if missing:
            self._labels.update(q.labels(self.store, missing))

    def link(self, iri: str | None) -> Link | None:
        if not iri:
            return None
        return Link(self.label(iri), self.href(iri), iri, external=not iri.startswith(self.base))

    def date(self, text: str | None) -> Link | None:
        return Link(human_date(text), datetime=text) if text else None

    # the page ------------------------------------------------------------------------

    def extras(self, page: PageView, graph: Graph, iri: str) -> Extras:
        node = URIRef(iri)
        extras = Extras()
        types = {str(t) for t in graph.objects(node, RDF.type)}
        kinds = [page.main.types[i].text for i in range(len(page.main.types))]
        extras.kind = ", ".join(kinds) if kinds else None
        for prop in SUMMARY_PROPERTIES:
            texts = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
            if texts:
                texts.sort(key=lambda t: t.language not in ("en", None))
                extras.summary = str(texts[0])
                break
        extras.sources = self.sources(iri)
        extras.corrections = self.corrections(iri)
        extras.disagreements = self.disagreements(iri, extras.sources)
        extras.conflicts = self.conflicts(iri)
        if self.ns + "ConsultativeProcess" in types:
            extras.process = self.process(iri)
        else:
            extras.roles_held = self.roles_held(iri)
        if self.ns + "State" in types:
            extras.state = self.state(iri)
        return extras

    def sources(self, iri: str) -> list[SourceView]:
        rows = self._select(
            f"""SELECT ?src ?url ?date ?publisher WHERE {{
              {sparql_iri(iri)} prov:wasDerivedFrom ?src .
              OPTIONAL {{ ?src schema:url ?url }}
              OPTIONAL {{ ?src rcpkg:reflectsDate ?date }}
              OPTIONAL {{ ?src dcterms:publisher ?publisher }}
            }}"""
        )
        return self._source_views(rows)

    def _source_views(self, rows: list[dict], var: str = "src") -> list[SourceView]:
        self.prefetch([q.value(r[var]) or "" for r in rows if q.iri(r.get(var))])
        found: dict[str, SourceView] = {}
        for row in rows:
            src = q.iri(row.get(var))
            if not src or src in found:
                continue
            link = self.link(src)
            assert link is not None
            found[src] = SourceView(
                link,
                q.value(row.get("url")),
                self.date(q.value(row.get("date"))),
                self.link(q.iri(row.get("publisher"))),
            )
        return sorted(found.values(), key=lambda s: s.link.text.casefold())

    def corrections(self, iri: str) -> list[CorrectionView]:
        rows = self._select(
            f"""SELECT ?c ?prop ?orig ?corr ?kind ?comment ?inferred ?src WHERE {{
              ?c rcpkg:correctionOf {sparql_iri(iri)} .
              OPTIONAL {{ ?c rcpkg:correctedProperty ?prop }}
              OPTIONAL {{ ?c rcpkg:originalText ?orig }}
              OPTIONAL {{ ?c rcpkg:correctedText ?corr }}
              OPTIONAL {{ ?c rcpkg:correctionKind ?kind }}
              OPTIONAL {{ ?c rdfs:comment ?comment }}
              OPTIONAL {{ ?c rcpkg:inferred ?inferred }}
              OPTIONAL {{ ?c prov:wasDerivedFrom ?src }}
            }}"""
        )
        self.prefetch([q.iri(r.get(k)) or "" for r in rows for k in ("c", "prop", "kind", "src")])
        found: dict[str, CorrectionView] = {}
        for row in rows:
            c = q.value(row["c"]) or ""
            view = found.get(c)
            if view is None:
                view = found[c] = CorrectionView(
                    self.link(q.iri(row["c"])) or Link("(correction)"),
                    self.link(q.iri(row.get("prop"))),
                    q.value(row.get("orig")),
                    q.value(row.get("corr")),
                    self.link(q.iri(row.get("kind"))),
                    q.value(row.get("comment")),
                    q.is_true(row.get("inferred")),
                )
            src = self.link(q.iri(row.get("src")))
            if src and all(s.iri != src.iri for s in view.sources):
                view.sources.append(src)
        return sorted(found.values(), key=lambda c: c.link.text.casefold())

    def disagreements(self, iri: str, own_sources: list[SourceView]) -> list[Disagreement]:
        """Reified claims about the thing (``rdf:Statement``), with their sources, grouped by
        property; the thing's own value of that property is shown beside them."""
        ref = sparql_iri(iri)
        rows = self._select(
            f"""SELECT ?st ?p ?o ?src ?url ?date ?publisher WHERE {{
              ?st rdf:subject {ref} ; rdf:predicate ?p ; rdf:object ?o .
              OPTIONAL {{ ?st prov:wasDerivedFrom ?src .
                OPTIONAL {{ ?src schema:url ?url }}
                OPTIONAL {{ ?src rcpkg:reflectsDate ?date }}
                OPTIONAL {{ ?src dcterms:publisher ?publisher }} }}
            }}"""
        )
        if not rows:
            return []
        by_prop: dict[str, dict[str, tuple[Link, list[dict]]]] = defaultdict(dict)
        for row in rows:
            prop = q.value(row["p"]) or ""
            key = repr(row["o"])
            if key not in by_prop[prop]:
                by_prop[prop][key] = (self._term_link(row["o"]), [])
            if row.get("src") is not None:
                by_prop[prop][key][1].append(row)
        result = []
        for prop, claims in sorted(by_prop.items()):
            views = [Claim(link, self._source_views(srcs)) for link, srcs in claims.values()]
            own = self._select(f"SELECT ?o WHERE {{ {ref} {sparql_iri(prop)} ?o }}")
            for row in own:
                key = repr(row["o"])
                if key not in claims:
                    views.insert(0, Claim(self._term_link(row["o"]), own_sources))
            result.append(Disagreement(self.link(prop) or Link(prop), views))
        return result

    def conflicts(self, iri: str) -> list[ConflictView]:
        """Conflicts about the thing, or about a role in it (a process's chairs...)."""
        ref = sparql_iri(iri)
        rows = self._select(
            f"""SELECT ?c ?about ?comment ?claim ?src ?url ?date ?publisher WHERE {{
              {{ ?c rcpkg:conflictAbout {ref} BIND({ref} AS ?about) }}
              UNION {{ ?c rcpkg:conflictAbout ?about . ?about org:organization {ref} }}
              OPTIONAL {{ ?c rdfs:comment ?comment }}
              OPTIONAL {{ ?c rcpkg:conflictingClaim ?claim
                OPTIONAL {{ ?claim prov:wasDerivedFrom ?src .
                  OPTIONAL {{ ?src schema:url ?url }}
                  OPTIONAL {{ ?src rcpkg:reflectsDate ?date }}
                  OPTIONAL {{ ?src dcterms:publisher ?publisher }} }} }}
            }}"""
        )
        if not rows:
            return []
        self.prefetch([q.iri(r.get(k)) or "" for r in rows for k in ("c", "about", "claim")])
        found: dict[str, ConflictView] = {}
        claim_rows: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            c = q.iri(r["c"]) or q.value(r["c"]) or ""
            if c not in found:
                found[c] = ConflictView(
                    self.link(q.iri(r["c"])) or Link("(conflict)"),
                    self.link(q.iri(r.get("about"))),
                    q.value(r.get("comment")),
                )
            claim = q.iri(r.get("claim"))
            if claim:
                bucket = claim_rows[c][claim]
                if r.get("src") is not None:
                    bucket.append(r)
        for c, view in found.items():
            for claim, srcs in sorted(claim_rows[c].items()):
                link = self.link(claim) or Link(claim)
                view.claims.append(Claim(link, self._source_views(srcs)))
        return sorted(found.values(), key=lambda v: v.link.text.casefold())

    def _term_link(self, term) -> Link:
        found = q.iri(term)
        if found:
            return self.link(found) or Link(found)
        text = q.value(term) or ""
        dt = q.datatype(term)
        if dt and dt.rsplit("#", 1)[-1] in ("date", "gYear", "gYearMonth", "dateTime"):
            return Link(human_date(text), datetime=text)
        return Link(text, lang=getattr(term, "language", None))

    # roles held by a state or an organization ---------------------------------------

    def roles_held(self, iri: str) -> list[Table]:
        rows = roles.roles(self.store, self.base, f"FILTER(?holder = {sparql_iri(iri)})")
        self.prefetch([r.organization for r in rows] + [f for r in rows for f in r.funded_through])
        tables = []
        grouped = roles.by_kind(rows)
        for kind in roles.ROLE_CLASSES:
            items = grouped.get(kind)
            if not items:
                continue
            items.sort(key=lambda r: (self.label(r.organization).casefold(), r.start or ""))
            columns = ["Process", "Period"]
            if kind == "Membership":
                columns.append("Founding member")
            table = Table(f"held-{kind}", HELD_HEADINGS[kind], columns)
            for r in items:
                row = [Cell.of(self.link(r.organization)), Cell.text(r.period)]
                if kind == "Membership":
                    row.append(Cell.text(_yes_no(r.founding)))
                table.rows.append(row)
            tables.append(table)
        return tables

    # a process -----------------------------------------------------------------------

    def process(self, iri: str) -> ProcessSection:
        section = ProcessSection()
        ref = sparql_iri(iri)
        section.key_facts = self._key_facts(iri)
        all_roles = roles.roles(self.store, self.base, f"FILTER(?org = {ref})")
        self.prefetch(
            [r.holder for r in all_roles]
            + [r.continent or "" for r in all_roles]
            + [f for r in all_roles for f in r.funded_through]
        )
        grouped = roles.by_kind(all_roles)
        members = grouped.get("Membership", [])
        current = sorted(
            (m for m in members if m.current), key=lambda m: self.label(m.holder).casefold()
        )
        former = sorted(
            (m for m in members if not m.current), key=lambda m: self.label(m.holder).casefold()
        )
        section.members = self._members_table("members", "Current member states", current)
        continents: dict[str, int] = defaultdict(int)
        for m in current:
            continents[self.label(m.continent) if m.continent else "not stated"] += 1
        split = ", ".join(f"{n} in {c}" for c, n in sorted(continents.items()))
        declared = self._declared_counts(iri)
        note = f"{len(current)} current member states ({split})." if current else None
        if note and declared:
            note += f" The source declares {declared}."
        section.members.note = note
        if former:
            section.former_members = self._members_table(
                "former-members", "Former member states", former
            )
        chairs = sorted(grouped.get("ChairRole", []), key=lambda r: (r.start or "", r.end or ""))
        if chairs:
            table = Table("chairs", "Chairs", ["Chair", "Period", "Note"])
            periods = []
            for r in reversed(chairs):
                table.rows.append(
                    [Cell.of(self.link(r.holder)), Cell.text(r.period), Cell.text(r.comment)]
                )
            as_of = [charts.end_point(r.as_of) for r in chairs if r.as_of]
            until = max([a for a in as_of if a] or [0.0])
            for r in chairs:
                name = self.label(r.holder)
                current = " (current as of its source)" if r.current else ""
                periods.append(
                    charts.Period(
                        name,
                        self.href(r.holder),
                        r.start,
                        r.end,
                        f"{name}: {r.period}{current}",
                        r.current,
                        charts.end_point(r.as_of) if r.as_of else None,
                    )
                )
            if not until:
                until = max((charts.end_point(r.start or "") or 0.0) for r in chairs)
            section.chairs = table
            section.chairs_chart = charts.timeline(
                "chairs-chart",
                "Chairs over time",
                "Each bar is one chair's term, from its start to its end; a term still running "
                "as of the source reaches the date the source reflects. "
                + "; ".join(f"{p.name}: {r.period}" for p, r in zip(periods, chairs, strict=True))
                + ".",
                periods,
                until,
            )
        for kind in ("SteeringCommitteeSeat", "SecretariatRole", "SupportRole", "ObserverRole"):
            items = grouped.get(kind)
            if items:
                section.role_tables.append(self._role_table(kind, items))
        self._meetings(iri, section)
        section.themes = self._themes(iri)
        section.documents = self._documents(iri)
        needle = f"<{iri}>"
        section.examples = [
            ExampleLink(
                ex.title,
                ex.description,
                "/sparql?format=html&query=" + quote(ex.query, safe=""),
            )
            for ex in self.examples
            if needle in ex.query
        ]
        return section

    def _declared_counts(self, iri: str) -> str | None:
        rows = self._select(
            f"""SELECT ?all ?eu ?af WHERE {{
              OPTIONAL {{ {sparql_iri(iri)} rcpkg:declaredMemberCount ?all }}
              OPTIONAL {{ {sparql_iri(iri)} rcpkg:declaredEuropeanMemberCount ?eu }}
              OPTIONAL {{ {sparql_iri(iri)} rcpkg:declaredAfricanMemberCount ?af }}
            }}"""
        )
        if not rows or rows[0].get("all") is None:
            return None
        r = rows[0]
        parts = []
        if r.get("eu") is not None:
            parts.append(f"{q.value(r['eu'])} European")
        if r.get("af") is not None:
            parts.append(f"{q.value(r['af'])} African")
        extra = f" ({', '.join(parts)})" if parts else ""
        return f"{q.value(r['all'])} members{extra}"

    def _key_facts(self, iri: str) -> list[tuple[str, list[Link]]]:
        props = [
            ("processKind", "Kind"),
            ("established", "Established"),
            ("coversRegion", "Regions"),
            ("formallyAssociatedWith", "Formally associated with"),
            ("declaredMemberCount", "Members (as the source states)"),
        ]
        facts: list[tuple[str, list[Link]]] = []
        alt = self._select(
            f"SELECT ?o WHERE {{ {sparql_iri(iri)} skos:altLabel ?o "
            "FILTER(langMatches(lang(?o), 'en') || lang(?o) = '') }"
        )
        if alt:
            facts.append(
                (
                    "Also called",
                    sorted((Link(q.value(r["o"]) or "") for r in alt), key=lambda link: link.text),
                )
            )
        for local, name in props:
            rows = self._select(f"SELECT ?o WHERE {{ {sparql_iri(iri)} rcpkg:{local} ?o }}")
            self.prefetch([q.iri(r["o"]) or "" for r in rows])
            links = [self._term_link(r["o"]) for r in rows]
            if links:
                facts.append((name, sorted(links, key=lambda link: link.text.casefold())))
        return facts

    def _members_table(self, table_id: str, caption: str, rows: list[roles.RoleRow]) -> Table:
        table = Table(
            table_id,
            caption,
            ["State", "Since", "Until", "Founding member", "Continent", "UN sub-region"],
        )
        for r in rows:
            until = self.date(r.end) or (Link("ended (date not stated)") if r.ended else None)
            table.rows.append(
                [
                    Cell.of(self.link(r.holder)),
                    Cell.of(self.date(r.start)),
                    Cell.of(until),
                    Cell.text(_yes_no(r.founding)),
                    Cell.of(self.link(r.continent)),
                    Cell.text(r.un_region),
                ]
            )
        return table

    def _role_table(self, kind: str, items: list[roles.RoleRow]) -> Table:
        columns = ["Holder", "Period", "Note"]
        if kind == "SupportRole":
            columns.insert(2, "Funded through")
        table = Table(f"role-{kind}", ROLE_HEADINGS[kind], columns)
        items = sorted(items, key=lambda r: (self.label(r.holder).casefold(), r.start or ""))
        for r in items:
            row = [Cell.of(self.link(r.holder)), Cell.text(r.period)]
            if kind == "SupportRole":
                row.append(Cell.of(*(self.link(f) for f in r.funded_through)))
            row.append(Cell.text(r.comment))
            table.rows.append(row)
        table.note = f"{len(items)} {'entry' if len(items) == 1 else 'entries'}."
        return table

    def _meetings(self, iri: str, section: ProcessSection) -> None:
        rows = self._select(
            f"""SELECT ?m ?start ?end ?loc ?country ?online ?cls ?other WHERE {{
              ?m rcpkg:heldBy {sparql_iri(iri)} .
              OPTIONAL {{ ?m schema:startDate ?start }}
              OPTIONAL {{ ?m schema:endDate ?end }}
              OPTIONAL {{ ?m schema:location ?loc OPTIONAL {{ ?loc rcpkg:country ?country }} }}
              OPTIONAL {{ ?m schema:eventAttendanceMode ?online }}
              OPTIONAL {{ ?m a ?cls }}
              OPTIONAL {{ ?m rcpkg:heldBy ?other FILTER(?other != {sparql_iri(iri)}) }}
            }}"""
        )
        meetings: dict[str, dict] = {}
        for row in rows:
            m = q.value(row["m"]) or ""
            entry = meetings.setdefault(
                m,
                {
                    "start": q.value(row.get("start")),
                    "end": q.value(row.get("end")),
                    "loc": q.iri(row.get("loc")),
                    "country": q.iri(row.get("country")),
                    "online": "Online" in (q.value(row.get("online")) or ""),
                    "classes": set(),
                    "others": set(),
                },
            )
            if q.iri(row.get("cls")):
                entry["classes"].add(q.iri(row.get("cls")))
            if q.iri(row.get("other")):
                entry["others"].add(q.iri(row.get("other")))
        self.prefetch(
            list(meetings)
            + [e["loc"] or "" for e in meetings.values()]
            + [e["country"] or "" for e in meetings.values()]
            + [c for e in meetings.values() for c in e["classes"] | e["others"]]
        )
        section.meeting_count = len(meetings)
        by_year: dict[int | None, list[tuple[str, dict]]] = defaultdict(list)
        for m, e in meetings.items():
            by_year[year_of(e["start"]) if e["start"] else None].append((m, e))
        counts = {y: len(v) for y, v in by_year.items() if y is not None}
        section.meetings_chart = charts.bars_by_year(
            "meetings-chart",
            "Meetings by year",
            "Number of meetings held by the process in each year: "
            + ", ".join(f"{y}: {n}" for y, n in sorted(counts.items()))
            + ".",
            counts,
            "meeting",
        )
        years = sorted((y for y in by_year if y is not None), reverse=True)
        if None in by_year:
            years.append(None)  # type: ignore[arg-type]
        for year in years:
            items = sorted(by_year[year], key=lambda me: me[1]["start"] or "", reverse=True)
            caption = f"Meetings in {year}" if year else "Meetings without a date"
            table = Table(
                f"year-{year}" if year else "year-unknown",
                caption,
                ["Date", "Meeting", "Kind", "Where", "Held with"],
            )
            for m, e in items:
                when = self.date(e["start"])
                if when and e["end"] and e["end"] != e["start"]:
                    when.text = f"{human_date(e['start'])} to {human_date(e['end'])}"
                where = Cell.of(self.link(e["loc"]), self.link(e["country"]))
                where.sep = ", "
                if e["online"] and not e["loc"]:
                    where = Cell.text("online")
                kinds = sorted(
                    (self.link(c) for c in e["classes"] if c.startswith(self.ns)),
                    key=lambda link: link.text,  # type: ignore[union-attr]
                )
                table.rows.append(
                    [
                        Cell.of(when),
                        Cell.of(self.link(m)),
                        Cell.of(*kinds),
                        where,
                        Cell.of(*(self.link(o) for o in sorted(e["others"]))),
                    ]
                )
            section.meetings_by_year.append((year, table))

    def _themes(self, iri: str) -> Table | None:
        rows = self._select(
            f"""SELECT ?f ?theme ?origin ?start WHERE {{
              ?f rcpkg:process {sparql_iri(iri)} ; rcpkg:theme ?theme .
              OPTIONAL {{ ?f rcpkg:focusOrigin ?origin }}
              OPTIONAL {{ ?f schema:startDate ?start }}
            }}"""
        )
        if not rows:
            return None
        self.prefetch([q.iri(r.get(k)) or "" for r in rows for k in ("theme", "origin")])
        table = Table("themes", "Themes", ["Theme", "On the agenda", "Since"])
        for r in sorted(rows, key=lambda r: self.label(q.iri(r["theme"]) or "").casefold()):
            table.rows.append(
                [
                    Cell.of(self.link(q.iri(r["theme"]))),
                    Cell.of(self.link(q.iri(r.get("origin")))),
                    Cell.of(self.date(q.value(r.get("start")))),
                ]
            )
        return table

    def _documents(self, iri: str) -> Table | None:
        rows = self._select(
            f"""SELECT ?d ?rel ?issued ?cls WHERE {{
              {{ {sparql_iri(iri)} ?rel ?d .
                 VALUES ?rel {{ rcpkg:keyDocument rcpkg:anchoredIn rcpkg:guidedBy }} }}
              UNION {{ ?d rcpkg:mandatedProcess {sparql_iri(iri)} .
                       BIND(rcpkg:mandatedProcess AS ?rel) }}
              OPTIONAL {{ ?d dcterms:issued ?issued }}
              OPTIONAL {{ ?d a ?cls }}
            }}"""
        )
        if not rows:
            return None
        docs: dict[tuple[str, str], dict] = {}
        for r in rows:
            key = (q.iri(r["d"]) or "", q.iri(r["rel"]) or "")
            entry = docs.setdefault(key, {"issued": q.value(r.get("issued")), "classes": set()})
            if q.iri(r.get("cls")):
                entry["classes"].add(q.iri(r.get("cls")))
        self.prefetch(
            [k for pair in docs for k in pair] + [c for e in docs.values() for c in e["classes"]]
        )
        order = [
            self.ns + "keyDocument",
            self.ns + "anchoredIn",
            self.ns + "mandatedProcess",
            self.ns + "guidedBy",
        ]
        table = Table("documents", "Documents", ["Document", "Relation", "Kind", "Issued"])
        for (doc, rel), e in sorted(
            docs.items(),
            key=lambda kv: (
                order.index(kv[0][1]) if kv[0][1] in order else 9,
                self.label(kv[0][0]).casefold(),
            ),
        ):
            relation = "mandate" if rel.endswith("mandatedProcess") else self.label(rel)
            kinds = sorted(
                (self.link(c) for c in e["classes"] if c.startswith(self.ns)),
                key=lambda link: link.text,  # type: ignore[union-attr]
            )
            table.rows.append(
                [
                    Cell.of(self.link(doc)),
                    Cell.text(relation),
                    Cell.of(*kinds),
                    Cell.of(self.date(e["issued"])),
                ]
            )
        return table

    # a state -------------------------------------------------------------------------

    def state(self, iri: str) -> StateSection:
        section = StateSection()
        ref = sparql_iri(iri)
        rows = self._select(
            f"""SELECT ?p ?o WHERE {{ {ref} ?p ?o .
              VALUES ?p {{ rcpkg:iso3166Alpha2 rcpkg:iso3166Alpha3 rcpkg:iso3166Numeric
                rcpkg:unRegion rcpkg:unRegionCode rcpkg:unSubRegion rcpkg:unSubRegionCode
                rcpkg:unIntermediateRegion rcpkg:unIntermediateRegionCode owl:sameAs }} }}"""
        )
        got: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            got[
                (q.value(r["p"]) or "")[len(self.ns) :]
                if q.value(r["p"]).startswith(self.ns)
                else "sameAs"
            ].append(  # type: ignore[union-attr]
                q.value(r["o"]) or ""
            )
        numeric = (got.get("iso3166Numeric") or [None])[0]
        for key, name in (
            ("iso3166Alpha2", "ISO 3166-1 alpha-2"),
            ("iso3166Alpha3", "ISO 3166-1 alpha-3"),
            ("iso3166Numeric", "ISO 3166-1 numeric"),
        ):
            if got.get(key):
                section.codes.append((name, got[key][0]))
        if numeric:
            section.codes.append(("UN M49", numeric))
        for key, code, name in (
            ("unRegion", "unRegionCode", "UN region"),
            ("unSubRegion", "unSubRegionCode", "UN sub-region"),
            ("unIntermediateRegion", "unIntermediateRegionCode", "UN intermediate region"),
        ):
            if got.get(key):
                text = got[key][0]
                if got.get(code):
                    text += f" (M49 {got[code][0]})"
                section.codes.append((name, text))
        for target in sorted(got.get("sameAs", [])):
            dataset = next((n for p, n in SAME_AS_NAMES if target.startswith(p)), None)
            section.same_as.append(
                Link(
                    f"{dataset}: {q.short_name(target)}" if dataset else target,
                    target,
                    target,
                    external=True,
                )
            )
        meetings = self._select(
            f"""SELECT ?m ?start ?loc ?proc WHERE {{
              {{ ?m schema:location {ref} BIND({ref} AS ?loc) }}
              UNION {{ ?m schema:location ?loc . ?loc rcpkg:country {ref} }}
              OPTIONAL {{ ?m schema:startDate ?start }}
              OPTIONAL {{ ?m rcpkg:heldBy ?proc }}
            }}"""
        )
        if meetings:
            found: dict[str, dict] = {}
            for r in meetings:
                m = q.iri(r["m"]) or ""
                e = found.setdefault(
                    m,
                    {"start": q.value(r.get("start")), "loc": q.iri(r.get("loc")), "procs": set()},
                )
                if q.iri(r.get("proc")):
                    e["procs"].add(q.iri(r.get("proc")))
            self.prefetch(
                list(found)
                + [e["loc"] or "" for e in found.values()]
                + [p for e in found.values() for p in e["procs"]]
            )
            table = Table("hosted", "Meetings hosted", ["Date", "Meeting", "Where", "Held by"])
            for m, e in sorted(found.items(), key=lambda kv: kv[1]["start"] or "", reverse=True):
                table.rows.append(
                    [
                        Cell.of(self.date(e["start"])),
                        Cell.of(self.link(m)),
                        Cell.of(self.link(e["loc"])),
                        Cell.of(*(self.link(p) for p in sorted(e["procs"]))),
                    ]
                )
            table.note = (
                f"{len(found)} meeting{'s' if len(found) != 1 else ''} in the state or its cities."
            )
            section.meetings = table
        return section


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")
