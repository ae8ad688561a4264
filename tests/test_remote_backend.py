"""rcpkg over a real remote store (Oxigraph's server), and the persistent store's atomic builds.

The remote half starts Oxigraph's own server (PyPI ``oxigraph``) on 127.0.0.1, pushes the
checkout's graph into it with ``rcpkg load --graph-store``, and serves it with
``rcpkg serve --endpoint``. The answers must equal the embedded store's; a store that goes away
gives 502 with a message, one that hangs gives 504, and rcpkg recovers when the store returns.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import ROOT, Oxigraph, RunningServer, start_server

QUERY = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    " ORDER BY ?s ?label"
)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    store = Oxigraph(tmp_path_factory.mktemp("oxigraph"))
    store.start()
    store.load_checkout()
    yield store
    store.stop()


@pytest.fixture(scope="module")
def remote_server(
    oxigraph: Oxigraph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("remote"),
        "--endpoint",
        oxigraph.url + "/query",
        "--query-timeout",
        "3",
    )
    yield running
    running.stop()


def _select(url: str, query: str) -> list[dict]:
    response = requests.post(
        url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_remote_answers_equal_embedded(
    embedded_server: RunningServer, remote_server: RunningServer
) -> None:
    embedded = _select(embedded_server.url, QUERY)
    remote = _select(remote_server.url, QUERY)
    assert embedded, "the checkout's graph has labels"
    assert remote == embedded


def test_remote_example_queries_equal_embedded(
    embedded_server: RunningServer, remote_server: RunningServer
) -> None:
    examples = sorted((ROOT / "queries").glob("*.rq"))
    assert examples, "queries/ holds example queries"
    for path in examples:
        query = path.read_text(encoding="utf-8")
        embedded = requests.post(
            embedded_server.url + "/sparql",
            data={"query": query},
            headers={"Accept": "text/csv"},
            timeout=30,
        )
        remote = requests.post(
            remote_server.url + "/sparql",
            data={"query": query},
            headers={"Accept": "text/csv"},
            timeout=30,
        )
        assert embedded.status_code == remote.status_code == 200, path.name
        # Without ORDER BY two engines may order rows differently: compare as sets of lines.
        assert sorted(remote.text.splitlines()) == sorted(embedded.text.splitlines()), path.name


def test_remote_syntax_error_is_400(remote_server: RunningServer) -> None:
    response = requests.get(
        remote_server.url + "/sparql", params={"query": "SELECT * {"}, timeout=30
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_store_down_gives_502_then_recovers(
    oxigraph: Oxigraph, remote_server: RunningServer
) -> None:
    oxigraph.stop()
    try:
        response = requests.get(
            remote_server.url + "/sparql", params={"query": "ASK {}"}, timeout=30
        )
        assert response.status_code == 502
        assert "cannot be reached" in response.text
        assert requests.get(remote_server.url + "/healthz", timeout=30).status_code == 502
    finally:
        oxigraph.start()
    response = requests.get(
        remote_server.url + "/sparql",
        params={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["boolean"] is True


def test_store_that_hangs_gives_504(tmp_path: Path) -> None:
    """A store that accepts connections and never answers: 504 after the time limit."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    running = start_server(
        tmp_path,
        "--endpoint",
        f"http://127.0.0.1:{port}/sparql",
        "--query-timeout",
        "1",
        wait=False,
    )
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            try:
                response = requests.get(
                    running.url + "/sparql", params={"query": "ASK {}"}, timeout=30
                )
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert response is not None, running.log()
        assert response.status_code == 504
        assert "did not answer" in response.text
    finally:
        running.stop()
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def _write_triples(path: Path, count: int) -> None:
    with path.open("w") as out:
        for i in range(count):
            out.write(f'<https://example.org/t/{i}> <https://example.org/p> "value {i}" .\n')


def test_interrupted_rebuild_leaves_served_store_unchanged(tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    _write_triples(data, 10)
    running = start_server(tmp_path, "--data", str(data))
    try:
        before = requests.get(running.url + "/healthz", timeout=10).json()
        assert before["triples"] == 10
        stores = tmp_path / "cache" / "stores"
        published = sorted(p.name for p in stores.iterdir() if not p.name.startswith("."))

        # Change the input and rebuild, killing the builder half-way through.
        _write_triples(data, 400_000)
        builder = subprocess.Popen(
            [sys.executable, "-m", "rcpkg.cli", "load", "--data", str(data)],
            env={**os.environ, "RCPKG_CACHE_DIR": str(tmp_path / "cache")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert builder.stderr is not None
        line = builder.stderr.readline()  # the first progress line: the build is under way
        assert "loading" in line
        builder.kill()
        builder.wait(timeout=10)

        after = sorted(p.name for p in stores.iterdir() if not p.name.startswith("."))
        assert after == published, "no half-built store was published"
        assert requests.get(running.url + "/healthz", timeout=10).json() == before
        answer = requests.get(
            running.url + "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
            headers={"Accept": "text/csv"},
            timeout=10,
        )
        assert answer.text.splitlines()[1] == "10"

        # The next build cleans up the killed one's leftovers and publishes the new store.
        done = subprocess.run(
            [sys.executable, "-m", "rcpkg.cli", "load", "--data", str(data)],
            env={**os.environ, "RCPKG_CACHE_DIR": str(tmp_path / "cache")},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        leftovers = [p.name for p in stores.iterdir() if p.name.startswith(".")]
        assert leftovers == []
        assert len([p for p in stores.iterdir() if not p.name.startswith(".")]) == 2
    finally:
        running.stop()
