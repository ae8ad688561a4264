"""Shared fixtures: a real rcpkg server on 127.0.0.1, started as users start it.

Servers are started with ``rcpkg serve`` (gunicorn, real sockets) in a child process, with a
private store cache, and stopped at the end of the test session. Each test that needs one asks
for a fixture; starting is bounded in time and a server that does not come up fails the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
SERVE = [sys.executable, "-m", "rcpkg.cli", "serve", "--host", "127.0.0.1"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    """A started ``rcpkg serve``: its base URL and process."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    tmp: Path, *args: str, env: dict[str, str] | None = None, wait: bool = True
) -> RunningServer:
    """Start ``rcpkg serve`` with ``args`` on a free port and wait until /healthz answers."""
    port = free_port()
    log_path = tmp / f"server-{port}.log"
    environ = {
        **os.environ,
        "RCPKG_CACHE_DIR": str(tmp / "cache"),
        "RCPKG_CHECKOUT": str(ROOT),
        **(env or {}),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=ROOT,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", process, log_path)
    if not wait:
        return server
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rcpkg serve exited with {process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.url + "/healthz", timeout=2).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"rcpkg serve did not answer within {START_TIMEOUT} s:\n{server.log()}")


class Oxigraph:
    """Oxigraph's own server (PyPI ``oxigraph``) on 127.0.0.1, with a folder of its own.

    Used as the remote SPARQL store behind ``rcpkg serve --endpoint``. It can be stopped and
    started again on the same port and folder, to test how rcpkg lives through an outage.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str:
        found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        assert Path(found).exists(), "the oxigraph CLI (PyPI package oxigraph) is not installed"
        return found

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary(),
                "serve",
                *("--location", str(self.folder)),
                *("--bind", f"127.0.0.1:{self.port}"),
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/query", params={"query": "ASK {}"}, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph did not start")

    def load_checkout(self) -> None:
        """Push this checkout's graph into the store, as users do: ``rcpkg load``."""
        loaded = subprocess.run(
            [sys.executable, "-m", "rcpkg.cli", "load", "--graph-store", self.url + "/store"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "RCPKG_CHECKOUT": str(ROOT)},
        )
        assert loaded.returncode == 0, loaded.stderr

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


#: The backends every HTTP test of the ``server`` fixture runs on (docs/testing.md).
BACKENDS = ["embedded", "oxigraph"]


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """The server of this checkout's graph (ontology, data, shapes), default settings, on
    each backend: the embedded store, and Oxigraph's server behind ``--endpoint``."""
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "embedded":
        running = start_server(tmp)
        yield running
        running.stop()
        return
    store = Oxigraph(tmp / "oxigraph")
    store.start()
    try:
        store.load_checkout()
        running = start_server(tmp, "--endpoint", store.url + "/query")
        yield running
        running.stop()
    finally:
        store.stop()


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The checkout's graph on the embedded store only, for tests about that store."""
    running = start_server(tmp_path_factory.mktemp("embedded"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The checkout's graph with a short time limit and a small row cap, to test the limits."""
    running = start_server(
        tmp_path_factory.mktemp("strict"),
        "--query-timeout",
        "2",
        "--max-rows",
        "5",
        "--workers",
        "1",
    )
    yield running
    running.stop()


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections made to it: the stand-in
    for any host a query might try to reach, so a test can check that none was reached."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()
