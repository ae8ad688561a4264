"""Load test: a gunicorn-served rcpkg under a mix of page and query requests.

Starts ``rcpkg serve`` on 127.0.0.1 (free port, its own store cache), builds a list of
requests (HTML and RDF pages of things found in the graph, 303s, the ontology and dataset
documents, and every example query of ``queries/*.rq`` plus a few simple ones), drives it with
``wrk`` and ``bench/load/mix.lua`` for ``--duration`` seconds at ``--connections``
connections, samples the resident memory of the server's whole process tree (gunicorn
master, web workers, query workers) from /proc every second, then stops the server and
prints requests per second, p50/p99 latency, errors (non-2xx/3xx answers and socket errors),
peak memory, and the memory in the first and last 10 s.

    python bench/load.py            # 60 s, 64 connections; needs wrk (apt-get install wrk)
    python bench/load.py --duration 20 --connections 16

Exit status 0 when there was no error and no memory growth between the first and last 10 s
(at most 10% and 32 MiB more), else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LUA = ROOT / "bench" / "load" / "mix.lua"
BASE = "https://w3id.org/rcpkg/"
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/sparql-results+json"
#: Memory growth tolerated between the first and the last 10 s.
GROWTH_SHARE = 0.10
GROWTH_MB = 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, accept: str = "*/*", timeout: float = 10) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.read()


def start_server(port: int, cache: Path, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "RCPKG_CACHE_DIR": str(cache), "RCPKG_CHECKOUT": str(ROOT)}
    command = [sys.executable, "-m", "rcpkg.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"rcpkg serve exited with {process.returncode}; see {log}")
        try:
            get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"rcpkg serve did not answer within 120 s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (every thread's children)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.extend(tree(child))
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Sampler(threading.Thread):
    """RSS of the server's process tree, once a second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        while not self.stop_event.is_set():
            self.samples.append((time.monotonic() - start, rss_mb(tree(self.pid))))
            self.stop_event.wait(1.0)


def request_list(url: str) -> list[tuple[str, str, str]]:
    """(method, path, Accept) for the mix: pages of things from the graph, and queries."""
    query = (
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        f'FILTER(STRSTARTS(STR(?s), "{BASE}id/")) }} ORDER BY ?s LIMIT 120'
    )
    answer = json.loads(
        get(f"{url}/sparql?query={urllib.parse.quote(query)}", accept=JSON, timeout=30)
    )
    paths = [b["s"]["value"].removeprefix(BASE) for b in answer["results"]["bindings"]]
    mix: list[tuple[str, str, str]] = []
    for i, path in enumerate(paths):
        local = "/" + urllib.parse.quote(path)
        doc = local.replace("/id/", "/doc/", 1)
        mix.append(("GET", doc, HTML if i % 2 else "text/turtle"))
        if i % 3 == 0:
            mix.append(("GET", local, "text/turtle"))  # 303
        if i % 4 == 0:
            mix.append(("GET", doc, "application/ld+json"))
    mix += [
        ("GET", "/", HTML),
        ("GET", "/ontology", "text/turtle"),
        ("GET", "/dataset", HTML),
        ("GET", "/sparql", "text/turtle"),
        ("GET", "/healthz", "application/json"),
    ]
    queries = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    queries += [
        "ASK {}",
        "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{BASE}ontology#Membership> }}",
    ]
    # Interleave: about one request in three is a query.
    with_queries: list[tuple[str, str, str]] = []
    for i, item in enumerate(mix):
        with_queries.append(item)
        if i % 2 == 0:
            q = queries[(i // 2) % len(queries)]
            with_queries.append(("GET", "/sparql?query=" + urllib.parse.quote(q, safe=""), JSON))
    return with_queries


def check_mix(url: str, mix: list[tuple[str, str, str]]) -> None:
    """Every request of the mix answers 2xx/3xx before the load starts (else the figures lie)."""
    opener = urllib.request.build_opener(NoRedirect())
    for method, path, accept in dict.fromkeys(mix):
        request = urllib.request.Request(url + path, method=method, headers={"Accept": accept})
        try:
            with opener.open(request, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status >= 400:
            raise SystemExit(f"{method} {path} answers {status} before any load")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def run_wrk(url: str, paths_file: Path, args: argparse.Namespace) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        url,
    ]
    env = {**os.environ, "RCPKG_LOAD_PATHS": str(paths_file)}
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=args.duration + 120
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    figures: dict[str, float] = {}
    for key, value in re.findall(r"(\w+)=(\d+)", " ".join(re.findall(r"RCPKG (.*)", done.stdout))):
        figures[key] = float(value)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    figures["rps"] = float(rps.group(1)) if rps else 0.0
    if args.verbose:
        print(done.stdout)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (60)")
    parser.add_argument("--connections", type=int, default=64, help="open connections (64)")
    parser.add_argument("--threads", type=int, default=4, help="wrk threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web workers (2)")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own report")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="rcpkg-load-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start_server(port, tmp / "cache", args.workers, tmp / "server.log")
        try:
            mix = request_list(url)
            check_mix(url, mix)
            paths_file = tmp / "paths.tsv"
            paths_file.write_text("".join(f"{m}\t{p}\t{a}\n" for m, p, a in mix))
            sampler = Sampler(process.pid)
            sampler.start()
            figures = run_wrk(url, paths_file, args)
            sampler.stop_event.set()
            sampler.join(timeout=5)
            alive = process.poll() is None
            try:
                get(url + "/healthz", timeout=10)
                healthy = True
            except OSError:
                healthy = False
        finally:
            stop_server(process)
            log_tail = (tmp / "server.log").read_text(errors="replace")[-2000:]

    samples = sampler.samples
    first = [mb for t, mb in samples if t < 10]
    last = [mb for t, mb in samples if t >= samples[-1][0] - 10] if samples else []
    first_mb = sum(first) / len(first) if first else 0.0
    last_mb = sum(last) / len(last) if last else 0.0
    peak_mb = max((mb for _, mb in samples), default=0.0)
    socket_errors = sum(figures.get(k, 0) for k in ("connect", "read", "write", "timeout"))
    errors = figures.get("non_2xx_3xx", 0) + socket_errors
    growth_ok = last_mb <= first_mb * (1 + GROWTH_SHARE) and last_mb - first_mb <= GROWTH_MB

    print(f"rcpkg load test: {args.duration} s, {args.connections} connections, ", end="")
    print(f"{args.workers} web workers, {len(mix)} distinct requests in the mix")
    print(f"requests:          {figures.get('requests', 0):.0f}")
    print(f"requests/s:        {figures.get('rps', 0):.0f}")
    print(f"latency p50:       {figures.get('p50_us', 0) / 1000:.1f} ms")
    print(f"latency p99:       {figures.get('p99_us', 0) / 1000:.1f} ms")
    print(
        f"errors:            {errors:.0f} (non-2xx/3xx {figures.get('non_2xx_3xx', 0):.0f}, "
        f"socket {socket_errors:.0f})"
    )
    print(f"peak RSS (tree):   {peak_mb:.0f} MiB")
    print(f"RSS first 10 s:    {first_mb:.0f} MiB")
    print(f"RSS last 10 s:     {last_mb:.0f} MiB")
    print(f"server alive:      {alive and healthy}")
    ok = errors == 0 and growth_ok and alive and healthy
    print("result:            " + ("PASS" if ok else "FAIL"))
    if not ok:
        print("--- end of the server log ---\n" + log_tail)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
