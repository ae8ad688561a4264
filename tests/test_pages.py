"""The HTML pages people read: home, a process, a state, the ontology, search; escaping.

Runs against real ``rcpkg serve`` processes: the checkout's graph (``server``) and, for the
escaping tests, a small graph with hostile labels served with ``--data``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from conftest import RunningServer, start_server

BASE = "https://w3id.org/rcpkg/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
T = 60
HOSTILE = "<script>alert(1)</script>"
BREAKOUT = "</script><!-- & \u2028 'quoted' \"double\""


def page(server: RunningServer, path: str, accept: str = BROWSER, **kw) -> requests.Response:
    headers = {"Accept": accept, **kw.pop("headers", {})}
    return requests.get(server.url + path, headers=headers, timeout=T, **kw)


class Tables(HTMLParser):
    """Every ``<table id=…>`` of a page: its body rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._stack: list[str | None] = []
        self._body = False
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append(a.get("id"))
            if a.get("id"):
                self.tables[a["id"]] = []
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body and self._stack and self._stack[-1]:
            self.tables[self._stack[-1]].append([])
        elif tag in ("td", "th") and self._body and self._stack and self._stack[-1]:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self._stack.pop()
        elif tag == "tbody":
            self._body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._stack[-1]][-1].append(" ".join(self._cell.split()))  # type: ignore[index]
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def tables(text: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(text)
    return parser.tables


def jsonld_blocks(text: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)


def assert_no_inline_code(text: str) -> None:
    """No executable inline script, no event handler attributes, no inline styles."""
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert 'type="application/ld+json"' in tag, tag
    assert not re.search(r"\s(on[a-z]+|style)\s*=", text, re.I)
    assert "javascript:" not in text.lower()


# --- the home page ------------------------------------------------------------------------


def test_home_page(server):
    response = page(server, "/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    text = response.text
    assert '<html lang="en">' in text and "<main" in text and 'role="search"' in text
    for href in ("/sparql", "/dataset", "/ontology", "/download/rcpkg.ttl", "/download/rcpkg.nt"):
        assert f'href="{href}"' in text, href
    assert 'href="/id/process/khartoum-process"' in text
    processes = tables(text)["processes"]
    names = [row[0] for row in processes]
    assert "Khartoum Process" in names
    khartoum = processes[names.index("Khartoum Process")]
    assert "2014" in khartoum[2] and khartoum[3] == "40"
    # counts come from the data: the triples are those /healthz counts
    triples = requests.get(server.url + "/healthz", timeout=T).json()["triples"]
    assert f"{triples:,}" in text
    counts = dict(
        (name, int(n.replace(",", "")))
        for n, name in re.findall(r'<span class="n">([\d,]+)</span> (\w+)', text)
    )
    assert counts["processes"] == len(processes)
    assert counts["states"] >= 40 and counts["meetings"] >= 29
    assert_no_inline_code(text)
    # the ETag makes a second request cheap
    again = page(server, "/", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# --- a process's page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def khartoum(server) -> str:
    response = page(server, "/doc/process/khartoum-process")
    assert response.status_code == 200
    return response.text


def test_process_page_members_table(khartoum):
    members = tables(khartoum)["members"]
    assert len(members) == 40  # the IOM page: 40 member states
    by_state = {row[0]: row for row in members}
    assert "Eritrea" in by_state and "Norway" in by_state
    eritrea = by_state["Eritrea"]
    assert eritrea[1] == "2014" and eritrea[3] == "yes" and eritrea[4] == "Africa"
    assert by_state["Norway"][3] == "no"
    assert "United Kingdom" not in by_state  # left: in the former members' table
    former = {row[0]: row for row in tables(khartoum)["former-members"]}
    assert "ended (date not stated)" in former["United Kingdom"][2]
    assert 'href="/id/state/ERI"' in khartoum


def test_process_page_chairs_and_meetings(khartoum):
    chairs = {row[0]: row[1] for row in tables(khartoum)["chairs"]}
    assert chairs["Eritrea"] == "2019"
    assert chairs["Netherlands"] == "2020 to March 2022"
    assert chairs["South Sudan"] == "since March 2022"
    # the timeline and the bar chart: inline SVG with a title and description
    for chart in ("chairs-chart", "meetings-chart"):
        svg = re.search(rf'<svg id="{chart}"[^>]*>(.*?)</svg>', khartoum, re.S)
        assert svg, chart
        assert 'role="img"' in svg.group(0) and f'aria-labelledby="{chart}-title' in svg.group(0)
        assert "<title" in svg.group(1) and "<desc" in svg.group(1) and "<rect" in svg.group(1)
    assert "Eritrea: 2019" in khartoum
    assert '<time datetime="2014-11-28">28 November 2014</time>' in khartoum
    year = tables(khartoum)["year-2014"]
    assert any("Rome" in " ".join(row) or "Ministerial" in row[1] for row in year)


def test_process_page_sections(khartoum):
    for heading in (
        "Key facts",
        "Members",
        "Chairs",
        "Steering committee",
        "Secretariat",
        "Observers",
        "Meetings",
        "Themes",
        "Documents",
        "Example queries about it",
        "Where the facts come from",
        "All facts",
        "Referred to by",
        "Other formats",
    ):
        assert heading in khartoum, heading
    # example queries about it run on the query page
    assert 'href="/sparql?format=html&amp;query=' in khartoum
    # where sources disagree, both claims are shown with their sources
    if "What the sources say" in khartoum:
        assert "sources disagree" in khartoum
    # links to every other format
    for ext in ("ttl", "jsonld", "rdf", "nt"):
        assert f'href="/doc/process/khartoum-process.{ext}"' in khartoum
    # property labels from the ontology, never the bare IRI where a label exists
    assert ">declared member count<" in khartoum
    assert_no_inline_code(khartoum)


def test_process_page_corrections_and_sources(server):
    text = page(server, "/doc/event/2015-11-11-valletta-summit-on-migration").text
    assert "Corrections we made to the source" in text
    assert "Valletta Summit on Mmigration" in text and "Valletta Summit on Migration" in text
    assert "https://www.iom.int/eu-horn-africa-migration-route-initiative-khartoum-process" in text
    assert "April 2023" in text  # the date the source reflects, as people write it


# --- a state's page --------------------------------------------------------------------------


def test_state_page(server):
    text = page(server, "/doc/state/ERI").text
    assert "<h1>Eritrea</h1>" in text
    for code in ("ER", "ERI", "232"):
        assert f"<code>{code}</code>" in text
    assert "UN M49" in text
    assert 'href="http://www.wikidata.org/entity/Q986"' in text
    assert 'href="https://sws.geonames.org/338010/"' in text
    assert 'href="http://publications.europa.eu/resource/authority/country/ERI"' in text
    found = tables(text)
    assert [r[0] for r in found["held-Membership"]] == ["Khartoum Process"]
    assert any(r[0] == "Khartoum Process" and r[1] == "2019" for r in found["held-ChairRole"])
    assert "held-SteeringCommitteeSeat" in found
    hosted = found["hosted"]
    assert hosted and any("Asmara" in r[2] for r in hosted)
    assert_no_inline_code(text)


# --- the ontology ---------------------------------------------------------------------------


def test_ontology_page(server):
    text = page(server, "/ontology").text
    assert 'id="State"' in text and 'id="ConsultativeProcess"' in text and 'id="heldBy"' in text
    state = text[text.index('id="State"') :]
    state = state[: state.index("</section>")]
    assert "A sovereign country" in state  # its definition
    assert "Subclass of" in state and "org:FormalOrganization" in state
    held_by = text[text.index('id="heldBy"') :]
    held_by = held_by[: held_by.index("</section>")]
    assert "Domain" in held_by or "Range" in held_by
    assert_no_inline_code(text)


# --- search ---------------------------------------------------------------------------------


def test_search_json_ranks_exact_first(server):
    response = page(server, "/search?q=SUDAN", "application/json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    hits = response.json()
    assert hits[0] == {
        "iri": BASE + "id/state/SDN",
        "label": "Sudan",
        "kind": "state",
        "href": "/id/state/SDN",
    }
    assert BASE + "id/state/SSD" in [h["iri"] for h in hits]
    assert [h["label"] for h in hits].index("South Sudan") > 0
    same = page(server, "/search?q=sudan&format=json", BROWSER).json()
    assert same == hits


def test_search_is_accent_and_case_insensitive(server):
    hits = page(server, "/search?q=erythree&format=json").json()  # "Érythrée (l')" in French
    assert hits[0]["iri"] == BASE + "id/state/ERI"
    ivory = page(server, "/search?q=cote&format=json").json()
    if any("Ivoire" in h["label"] for h in ivory):
        assert ivory[0]["label"].startswith("Côte")
    nothing = page(server, "/search?q=zzzqqq&format=json").json()
    assert nothing == []


def test_search_html(server):
    response = page(server, "/search?q=Khartoum+process")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    text = response.text
    first = re.search(r'<ol class="hits">\s*<li><a href="([^"]+)">([^<]+)</a>', text)
    assert first and first.group(1) == "/id/process/khartoum-process"
    assert 'value="Khartoum process"' in text  # the search box keeps the query
    assert page(server, "/search?q=" + "x" * 500).status_code == 400


# --- embedded JSON-LD and escaping ----------------------------------------------------------


def test_jsonld_block_is_the_description(server):
    text = page(server, "/doc/state/ERI").text
    blocks = jsonld_blocks(text)
    assert len(blocks) == 1
    embedded = Graph().parse(data=blocks[0], format="json-ld")
    served = Graph().parse(data=page(server, "/doc/state/ERI.jsonld").content, format="json-ld")
    assert len(embedded) > 0 and isomorphic(embedded, served)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("hostile")
    data = tmp / "hostile.ttl"
    label = json.dumps(HOSTILE + BREAKOUT, ensure_ascii=False)
    data.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"<{BASE}id/test/evil> rdfs:label {label}@en ;\n"
        f"  rdfs:comment {json.dumps(HOSTILE)} ;\n"
        f"  rdfs:seeAlso <{BASE}id/test/other> .\n"
        f'<{BASE}id/test/other> rdfs:label "Other <b>bold</b>"@en .\n',
        encoding="utf-8",
    )
    running = start_server(tmp, "--data", str(data), "--workers", "1")
    yield running
    running.stop()


def test_hostile_label_is_escaped(hostile_server):
    response = page(hostile_server, "/doc/test/evil")
    assert response.status_code == 200
    text = response.text
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    # the JSON-LD block is one data block that the label cannot close
    blocks = jsonld_blocks(text)
    assert len(blocks) == 1
    assert "</" not in blocks[0] and "<!--" not in blocks[0]
    graph = Graph().parse(data=blocks[0], format="json-ld")
    evil = URIRef(BASE + "id/test/evil")
    assert (
        evil,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal(HOSTILE + BREAKOUT, lang="en"),
    ) in graph
    assert len(re.findall(r"<script\b", text)) == 1
    assert_no_inline_code(text)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    # the title and the search page escape it as well
    assert html.escape(HOSTILE) in re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    found = page(hostile_server, "/search?q=alert")
    assert "<script>alert" not in found.text and "&lt;script&gt;alert(1)" in found.text
    as_json = page(hostile_server, "/search?q=alert&format=json").json()
    assert as_json[0]["label"] == HOSTILE + BREAKOUT
    home = page(hostile_server, "/")
    assert home.status_code == 200 and "<script>alert" not in home.text
