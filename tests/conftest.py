"""Shared fixtures: a real rcpkg server on 127.0.0.1, started as users start it.

Servers are started with ``rcpkg serve`` (gunicorn, real sockets) in a child process, with a
private store cache, and stopped at the end of the test session. Each test that needs one asks
for a fixture; starting is bounded in time and a server that does not come up fails the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The server of this checkout's graph (ontology, data, shapes), default settings."""
    running = start_server(tmp_path_factory.mktemp("server"))
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
