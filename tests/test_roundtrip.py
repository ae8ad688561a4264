"""The data survive Turtle, N-Triples and JSON-LD round trips unchanged (as graphs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
FORMATS = ("turtle", "nt", "json-ld")


def roundtrip(g: Graph, fmt: str) -> Graph:
    text = g.serialize(format=fmt)
    return Graph().parse(data=text, format=fmt)


@pytest.fixture(scope="module")
def union() -> Graph:
    g = Graph()
    for path in DATA_FILES:
        g.parse(path, format="turtle")
    return g


def test_data_files_exist():
    names = {p.name for p in DATA_FILES}
    assert {
        "sources.ttl",
        "vocabularies.ttl",
        "khartoum-process.ttl",
        "roles.ttl",
        "meetings.ttl",
        "organizations.ttl",
        "frameworks.ttl",
        "places.ttl",
        "corrections.ttl",
        "states.ttl",
    } <= names


@pytest.mark.parametrize("fmt", FORMATS)
def test_union_roundtrip(union, fmt):
    assert len(union) > 2500
    back = roundtrip(union, fmt)
    assert len(back) == len(union)
    assert isomorphic(union, back)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_file_roundtrip(path, fmt):
    g = Graph().parse(path, format="turtle")
    assert len(g) > 0
    back = roundtrip(g, fmt)
    assert to_isomorphic(g) == to_isomorphic(back)


def test_roundtrip_detects_a_change(union):
    """The comparison used above is not vacuous: a graph with one triple less differs."""
    changed = roundtrip(union, "nt")
    changed.remove(next(iter(changed)))
    assert not isomorphic(union, changed)
