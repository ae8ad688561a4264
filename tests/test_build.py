"""``rcpkg build`` and what the server publishes from it: dumps, ``/download``, the sitemap.

The dumps are read back by rdflib and, for Turtle and N-Triples, by an independent parser
(Debian's ``rapper``, package ``raptor2-utils``), and compared with the store's graph.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from conftest import ROOT
from rcpkg.config import Settings
from rcpkg.resources.build import export_graph, read_build_info
from rcpkg.resources.sitemap import SITEMAP_NS, things
from rcpkg.store.embedded import EmbeddedStore

BASE = "https://w3id.org/rcpkg/"
T = 60
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SYNTAX = {"rcpkg.ttl": "turtle", "rcpkg.nt": "nt", "rcpkg.jsonld": "json-ld"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    settings = Settings(checkout=ROOT, cache_dir=tmp_path_factory.mktemp("build-store"))
    opened = EmbeddedStore.open(settings)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def store_graph(store) -> Graph:
    return export_graph(store)


def run_build(out: Path, cache: Path, checkout: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "RCPKG_CACHE_DIR": str(cache), "RCPKG_CHECKOUT": str(checkout)}
    return subprocess.run(
        [sys.executable, "-m", "rcpkg.cli", "build", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
        timeout=600,
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("build")
    done = run_build(tmp / "dist", tmp / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp / "dist"


def test_build_writes_the_dumps_and_the_description(dist, store):
    for name in ("rcpkg.ttl", "rcpkg.nt", "rcpkg.nt.gz", "rcpkg.jsonld", "dataset.ttl"):
        assert (dist / name).stat().st_size > 0, name
    info = read_build_info(dist)
    assert info and info["fingerprint"] == store.fingerprint


@pytest.mark.parametrize("name", ["rcpkg.ttl", "rcpkg.nt", "rcpkg.jsonld", "rcpkg.nt.gz"])
def test_dumps_parse_and_equal_the_store(dist, store_graph, name):
    data = (dist / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
        assert data == (dist / "rcpkg.nt").read_bytes()
        name = name[: -len(".gz")]
    graph = Graph().parse(data=data, format=SYNTAX[name])
    assert len(graph) == len(store_graph)
    assert isomorphic(graph, store_graph)


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper (raptor2-utils) not installed")
@pytest.mark.parametrize(("name", "syntax"), [("rcpkg.ttl", "turtle"), ("rcpkg.nt", "ntriples")])
def test_rapper_reads_the_dumps(dist, store_graph, name, syntax):
    done = subprocess.run(
        ["rapper", "-q", "-i", syntax, "-o", "ntriples", str(dist / name), BASE],
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    graph = Graph().parse(data=done.stdout, format="nt")
    assert isomorphic(graph, store_graph)


def test_dataset_description_has_the_real_sizes(dist):
    graph = Graph().parse(dist / "dataset.ttl", format="turtle")
    sizes = {}
    for dist_node in graph.subjects(DCAT.downloadURL, None):
        url = str(graph.value(dist_node, DCAT.downloadURL))
        sizes[url.rsplit("/", 1)[1]] = int(graph.value(dist_node, DCAT.byteSize))
    assert sizes == {name: (dist / name).stat().st_size for name in sizes}
    assert set(sizes) == {"rcpkg.ttl", "rcpkg.nt", "rcpkg.nt.gz", "rcpkg.jsonld"}


def test_build_stops_when_the_data_does_not_validate(tmp_path):
    checkout = tmp_path / "checkout"
    for folder in ("ontology", "shapes"):
        shutil.copytree(ROOT / folder, checkout / folder)
    (checkout / "data").mkdir()
    (checkout / "data" / "bad.ttl").write_text(
        "@prefix rcpkg: <https://w3id.org/rcpkg/ontology#> .\n"
        "<https://w3id.org/rcpkg/id/state/XXX> a rcpkg:State .\n"  # no label, no codes
    )
    done = run_build(checkout / "dist", tmp_path / "cache", checkout)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "nothing was built" in done.stderr
    assert not (checkout / "dist").exists()


def test_build_reports_unreadable_data(tmp_path):
    checkout = tmp_path / "checkout"
    for folder in ("ontology", "shapes"):
        shutil.copytree(ROOT / folder, checkout / folder)
    (checkout / "data").mkdir()
    (checkout / "data" / "broken.ttl").write_text("this is not turtle .\n")
    done = run_build(checkout / "dist", tmp_path / "cache", checkout)
    assert done.returncode == 2
    assert not (checkout / "dist").exists()


# --- served by the server -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["rcpkg.ttl", "rcpkg.nt", "rcpkg.jsonld", "rcpkg.nt.gz"])
def test_download_serves_the_dumps(server, store_graph, name):
    response = requests.get(f"{server.url}/download/{name}", timeout=T)
    assert response.status_code == 200
    data = response.content
    if name.endswith(".gz"):
        assert response.headers["Content-Type"] == "application/gzip"
        data = gzip.decompress(data)
        name = name[: -len(".gz")]
    graph = Graph().parse(data=data, format=SYNTAX[name])
    assert isomorphic(graph, store_graph)
    etag = response.headers["ETag"]
    again = requests.get(
        f"{server.url}/download/{name}", headers={"If-None-Match": etag}, timeout=T
    )
    assert again.status_code in (200, 304)
    assert requests.head(f"{server.url}/download/{name}", timeout=T).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/download/rcpkg.xml",
        "/download/dataset.ttl",
        "/download/build.json",
        "/download/..%2F..%2Fpyproject.toml",
        "/download/%2e%2e/pyproject.toml",
        "/download/../pyproject.toml",
    ],
)
def test_download_serves_nothing_else(server, path):
    response = requests.get(server.url + path, timeout=T)
    assert response.status_code == 404
    assert b"[project]" not in response.content


def test_sitemap_lists_every_thing(server, store):
    response = requests.get(server.url + "/sitemap.xml", timeout=T)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    urls = {loc.text for loc in root.iter(f"{{{SITEMAP_NS}}}loc")}
    expected = {BASE + "doc/" + iri[len(BASE + "id/") :] for iri in things(store, BASE)}
    assert len(expected) > 100
    assert expected <= urls
    assert BASE + "doc/process/khartoum-process" in urls
    assert BASE + "doc/state/ERI" in urls
    # every listed page exists on this server (a sample of the thing pages)
    pages = sorted(u for u in urls if u.startswith(BASE + "doc/"))
    for url in pages[:: max(1, len(pages) // 25)]:
        local = server.url + "/" + url[len(BASE) :]
        assert requests.head(local, timeout=T).status_code == 200, url


def test_store_graph_holds_the_data(store_graph):
    assert (URIRef(BASE + "id/process/khartoum-process"), None, None) in store_graph
