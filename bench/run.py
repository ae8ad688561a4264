"""Benchmark rcpkg's SPARQL endpoint (embedded, and over Oxigraph) against Oxigraph's server
and rdflib-endpoint.

One command (from the checkout, with rcpkg's venv active):

    python bench/run.py                      # sizes S,M; 10 s per test
    python bench/run.py --sizes S,M,L --seconds 10 --doc

For each size it generates the graph (``bench/generate.py``) if missing, starts the four
servers side by side on the same N-Triples file, each bound to 127.0.0.1 on a free port:

* rcpkg: ``rcpkg serve --data FILE`` with a private ``RCPKG_CACHE_DIR`` (first start builds
  the store, second start opens it);
* rcpkg-oxigraph: ``rcpkg serve --endpoint http://127.0.0.1:P/query`` in front of its own
  ``oxigraph serve-read-only --union-default-graph`` (first start: ``oxigraph load`` first);
* Oxigraph's server: ``oxigraph load`` then ``oxigraph serve-read-only`` (second start: serve
  the loaded folder again);
* rdflib-endpoint: ``rdflib-endpoint serve FILE`` (no persistent store: one start, parsing).

rcpkg's embedded store caches answers, so its load runs twice (``--answer-cache both``):
the same text every time ("cached") and a different text every time, by a trailing comment
("uncached", the engine path, which the targets use).

It measures start-up (process start to the first 200 on a health URL) and resident memory
(RSS and PSS summed over the process tree, from /proc), checks that every server gives the
same number of answers to each query in ``bench/queries/``, then drives each server with
``wrk`` from another process: one connection for latency, then 16 connections for
throughput, ``--seconds`` each. With ``--doc`` it also loads ``GET /doc/state/XXX``
(``Accept: text/turtle``) over every state, against rcpkg and against nginx serving the same
pages pre-rendered to files.

The peers are installed in ``bench/.venv-peers`` (created if missing), never in rcpkg's venv.
Every process started is stopped at the end, also on Ctrl-C or an error. Results are printed
as Markdown tables and saved as JSON to ``bench/data/results-*.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is not a package)

PEERS = HERE / ".venv-peers"
PEER_REQUIREMENTS = ["oxigraph==0.5.13", "rdflib-endpoint[cli]==0.6.3"]
QUERY_DIR = HERE / "queries"
SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "text/turtle"
START_TIMEOUT = 600.0  # seconds a server may take to answer its health URL
WRK_TIMEOUT = "30s"
DOC_RENDER_TIMEOUT = 120.0  # seconds for rcpkg to render one /doc/ page the first time

TARGET_LATENCY_RATIO = 1.5  # rcpkg median latency / Oxigraph's, one client, at most
TARGET_THROUGHPUT_RATIO = 15.0  # rcpkg req/s / rdflib-endpoint's, 16 connections, at least
TARGET_START_L = 5.0  # seconds, second start at 1 million triples
TARGET_DOC_RATIO = 0.10  # rcpkg /doc/ req/s / nginx's, 16 connections, at least


class BenchError(Exception):
    """A failure that stops the run with a message (not a traceback)."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- processes


class Processes:
    """Every process this run starts, each in its own session, stopped by its group id."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, argv: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
        handle = log_path.open("ab")
        try:
            proc = subprocess.Popen(
                argv,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=str(log_path.parent),
                start_new_session=True,
            )
        finally:
            handle.close()
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # Children that outlived their parent still carry its group id.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in list(reversed(self.running)):
            self.stop(proc)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def memory_mib(root: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB summed over ``root`` and all its descendants."""
    tree = _children()
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(tree.get(pid, []))
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict | None = None,
    timeout: float = 60,
) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def wait_ready(proc: subprocess.Popen, url: str, started: float, log_path: Path) -> float:
    """Seconds from ``started`` to the first 200 on ``url``."""
    while True:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise BenchError(f"the server exited ({proc.returncode}) before answering:\n{tail}")
        try:
            status, _, _ = http(url, timeout=2)
            if status == 200:
                return time.monotonic() - started
            if status == 404:
                raise BenchError(f"{url} answered 404: not a health URL of this server")
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() - started > START_TIMEOUT:
            raise BenchError(f"no 200 from {url} within {START_TIMEOUT:.0f} s")
        time.sleep(0.02)


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    """One server under test: how to start it, where it answers."""

    name: str
    port: int = 0
    proc: subprocess.Popen | None = None
    starts: list[dict] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    sparql_path = "/sparql"
    health_path = "/healthz"
    #: Whether this server keeps answers: if so, its load is also run with varied query texts.
    answer_cache = False

    def query_url(self) -> str:
        return self.base + self.sparql_path

    def processes(self) -> list[subprocess.Popen]:
        return [self.proc] if self.proc else []

    def memory(self) -> tuple[float, float]:
        """(RSS, PSS) in MiB over all of this server's process trees."""
        rss = pss = 0.0
        for proc in self.processes():
            r, p = memory_mib(proc.pid)
            rss, pss = rss + r, pss + p
        return rss, pss

    def stop(self, procs: Processes) -> None:
        for proc in self.processes():
            procs.stop(proc)


def rcpkg_argv(port: int) -> list[str]:
    exe = Path(sys.executable).with_name("rcpkg")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "rcpkg.cli"]
    return [*argv, "serve", "--port", str(port), "--host", "127.0.0.1"]


class Rcpkg(Server):
    """rcpkg over its embedded persistent store (built from the file at the first start)."""

    answer_cache = True

    def __init__(self, data: Path, work: Path, procs: Processes) -> None:
        super().__init__("rcpkg")
        self.data, self.work, self.procs = data, work, procs
        self.cache = work / "rcpkg-cache"

    def start(self, label: str) -> None:
        self.port = free_port()
        argv = [*rcpkg_argv(self.port), "--data", str(self.data)]
        env = dict(os.environ, RCPKG_CACHE_DIR=str(self.cache), RCPKG_CHECKOUT=str(REPO))
        log_path = self.work / f"rcpkg-{label}.log"
        started = time.monotonic()
        self.proc = self.procs.start(argv, log_path, env)
        ready = wait_ready(self.proc, self.base + "/healthz", started, log_path)
        rss, pss = memory_mib(self.proc.pid)
        self.starts.append({"start": label, "seconds": ready, "rss_mib": rss, "pss_mib": pss})


class Oxigraph(Server):
    sparql_path = "/query"
    health_path = "/query?query=ASK%7B%7D"

    def __init__(
        self, data: Path, work: Path, procs: Processes, name: str = "oxigraph", union: bool = False
    ) -> None:
        super().__init__(name)
        self.data, self.work, self.procs = data, work, procs
        self.location = work / f"{name}-store"
        self.exe = str(PEERS / "bin" / "oxigraph")
        self.union = union

    def start(self, label: str) -> None:
        self.port = free_port()
        log_path = self.work / f"{self.name}-{label}.log"
        started = time.monotonic()
        load_seconds = 0.0
        if not self.location.exists():
            loader = self.procs.start(
                [self.exe, "load", "--location", str(self.location), "--file", str(self.data)],
                log_path,
            )
            if loader.wait(timeout=START_TIMEOUT) != 0:
                raise BenchError("oxigraph load failed:\n" + log_path.read_text()[-2000:])
            self.procs.stop(loader)
            load_seconds = time.monotonic() - started
        argv = [self.exe, "serve-read-only", "--location", str(self.location)]
        argv += ["--bind", f"127.0.0.1:{self.port}"]
        if self.union:
            argv.append("--union-default-graph")
        self.proc = self.procs.start(argv, log_path)
        ready = wait_ready(self.proc, self.base + self.health_path, started, log_path)
        rss, pss = memory_mib(self.proc.pid)
        self.starts.append(
            {
                "start": label,
                "seconds": ready,
                "load_seconds": load_seconds,
                "rss_mib": rss,
                "pss_mib": pss,
            }
        )


class RcpkgOverOxigraph(Server):
    """rcpkg with ``--endpoint`` in front of its own Oxigraph server, loaded with the graph.

    First start: ``oxigraph load`` into a new folder, ``oxigraph serve-read-only
    --union-default-graph`` on it, then ``rcpkg serve --endpoint .../query``; ready at rcpkg's
    first 200 on ``/healthz`` (which asks the store). Second start: the same on the loaded
    folder. (``rcpkg load --graph-store`` is not used: at 1 million triples its single PUT
    fails, see bench/README.md.) Memory is summed over both process trees.
    """

    def __init__(self, data: Path, work: Path, procs: Processes) -> None:
        super().__init__("rcpkg-oxigraph")
        self.data, self.work, self.procs = data, work, procs
        self.store = Oxigraph(data, work, procs, name="backend-oxigraph", union=True)

    def processes(self) -> list[subprocess.Popen]:
        return [p for p in (self.proc, self.store.proc) if p]

    def start(self, label: str) -> None:
        started = time.monotonic()
        self.store.start(label)
        store_start = self.store.starts[-1]
        self.port = free_port()
        argv = [*rcpkg_argv(self.port), "--endpoint", f"{self.store.base}/query"]
        env = dict(
            os.environ, RCPKG_CACHE_DIR=str(self.work / "rcpkg-oxigraph-cache"),
            RCPKG_CHECKOUT=str(REPO),
        )  # fmt: skip
        log_path = self.work / f"rcpkg-oxigraph-{label}.log"
        self.proc = self.procs.start(argv, log_path, env)
        ready = wait_ready(self.proc, self.base + "/healthz", started, log_path)
        rss, pss = self.memory()
        self.starts.append(
            {
                "start": label,
                "seconds": ready,
                "load_seconds": store_start["load_seconds"],
                "store_seconds": store_start["seconds"],
                "rss_mib": rss,
                "pss_mib": pss,
                "store_rss_mib": memory_mib(self.store.proc.pid)[0],
            }
        )


class RdflibEndpoint(Server):
    sparql_path = "/"  # rdflib-endpoint 0.6 answers SPARQL at its root
    health_path = "/?query=ASK%7B%7D"

    def __init__(self, data: Path, work: Path, procs: Processes) -> None:
        super().__init__("rdflib-endpoint")
        self.data, self.work, self.procs = data, work, procs

    def start(self, label: str) -> None:
        self.port = free_port()
        log_path = self.work / f"rdflib-endpoint-{label}.log"
        argv = [str(PEERS / "bin" / "rdflib-endpoint"), "serve", str(self.data)]
        argv += ["--host", "127.0.0.1", "--port", str(self.port)]
        started = time.monotonic()
        self.proc = self.procs.start(argv, log_path)
        ready = wait_ready(self.proc, self.base + self.health_path, started, log_path)
        rss, pss = memory_mib(self.proc.pid)
        self.starts.append({"start": label, "seconds": ready, "rss_mib": rss, "pss_mib": pss})


def ensure_peers() -> None:
    """Create ``bench/.venv-peers`` with Oxigraph's server and rdflib-endpoint if missing."""
    wanted = [PEERS / "bin" / "oxigraph", PEERS / "bin" / "rdflib-endpoint"]
    if all(p.exists() for p in wanted):
        return
    log(f"installing {', '.join(PEER_REQUIREMENTS)} into {PEERS}")
    if not (PEERS / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    subprocess.run(
        [str(PEERS / "bin" / "python"), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS],
        check=True,
    )


def need_tool(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if not path:
        raise BenchError(f"{name} is not installed: apt-get install -y {package}")
    return path


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    graph: bool  # CONSTRUCT/DESCRIBE

    @property
    def accept(self) -> str:
        return GRAPH_ACCEPT if self.graph else SELECT_ACCEPT


def load_queries(names: list[str] | None) -> list[Query]:
    found = []
    for path in sorted(QUERY_DIR.glob("*.rq")):
        if names and path.stem not in names:
            continue
        text = path.read_text(encoding="utf-8")
        body = "\n".join(
            line for line in text.splitlines() if not line.lstrip().startswith(("#", "PREFIX"))
        )
        graph = body.lstrip().upper().startswith(("CONSTRUCT", "DESCRIBE"))
        found.append(Query(path.stem, text, graph))
    if not found:
        raise BenchError(f"no queries matched in {QUERY_DIR}")
    return found


def answer_size(query: Query, body: bytes) -> int:
    """Solutions of a SELECT, triples of a CONSTRUCT."""
    if not query.graph:
        return len(json.loads(body)["results"]["bindings"])
    import pyoxigraph as ox

    return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.TURTLE))


def check_answers(servers: list[Server], queries: list[Query], method: str) -> dict:
    """Run each query once on each server; the answer sizes must agree."""
    sizes: dict[str, dict[str, int]] = {}
    for query in queries:
        sizes[query.name] = {}
        for server in servers:
            status, _headers, body = send_query(server, query, method)
            if status != 200:
                raise BenchError(f"{server.name} answered {status} to {query.name}: {body[:500]!r}")
            sizes[query.name][server.name] = answer_size(query, body)
        if len(set(sizes[query.name].values())) > 1:
            log(f"WARNING: answers differ for {query.name}: {sizes[query.name]}")
    return sizes


def send_query(server: Server, query: Query, method: str) -> tuple[int, dict, bytes]:
    encoded = urllib.parse.urlencode({"query": query.text})
    headers = {"Accept": query.accept}
    if method == "GET":
        return http(f"{server.query_url()}?{encoded}", headers=headers)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return http(server.query_url(), data=encoded.encode(), headers=headers)


# --------------------------------------------------------------------------- wrk

_WRK_DONE = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p90_us\":%d,"
    .. "\"p99_us\":%d,\"mean_us\":%f,\"connect\":%d,\"read\":%d,\"write\":%d,"
    .. "\"status\":%d,\"timeout\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
"""


def _lua_string(text: str) -> str:
    level = "=" * 3
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def query_script(
    server: Server, query: Query, method: str, varied: bool = False
) -> tuple[str, str]:
    """(Lua script, URL) for wrk sending ``query`` to ``server``.

    ``varied``: every request's text differs by a trailing comment (``# <thread>-<counter>``),
    so an answer cache never hits and every request goes through the query engine.
    """
    encoded = urllib.parse.urlencode({"query": query.text})
    lines = [f'wrk.headers["Accept"] = "{query.accept}"']
    url = server.query_url()
    if method == "GET":
        url = f"{url}?{encoded}"
    else:
        lines += [
            'wrk.method = "POST"',
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
            f"wrk.body = {_lua_string(encoded)}",
        ]
    if varied:
        # "%0A%23+" is the form encoding of a new line and "# ": a comment after the query.
        lines += [
            "local threads = 0",
            "setup = function(thread) threads = threads + 1; thread:set('tag', threads) end",
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            "  local suffix = '%0A%23+' .. tostring(tag or 0) .. '-' .. n",
        ]
        if method == "GET":
            lines.append("  return wrk.format(nil, wrk.path .. suffix)")
        else:
            lines.append("  return wrk.format(nil, nil, nil, wrk.body .. suffix)")
        lines.append("end")
    return "\n".join(lines) + "\n" + _WRK_DONE, url


def pages_script(paths: list[str], accept: str) -> str:
    listed = ",\n".join(f'  "{p}"' for p in paths)
    return (
        f"local paths = {{\n{listed}\n}}\n"
        "local counter = 0\n"
        "setup = function(thread) thread:set('id', 0) end\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  return wrk.format('GET', paths[(counter % #paths) + 1], "
        f"{{['Accept'] = '{accept}'}})\n"
        "end\n" + _WRK_DONE
    )


def run_wrk(wrk: str, script: str, url: str, connections: int, seconds: float, work: Path) -> dict:
    path = work / "wrk.lua"
    path.write_text(script)
    threads = 1 if connections == 1 else 2
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    argv += ["--timeout", WRK_TIMEOUT, "-s", str(path), url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            raw = json.loads(line[len("WRKJSON ") :])
            errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
            return {
                "connections": connections,
                "requests": raw["requests"],
                "rps": raw["requests"] / (raw["duration_us"] / 1e6),
                "p50_ms": raw["p50_us"] / 1000,
                "p90_ms": raw["p90_us"] / 1000,
                "p99_ms": raw["p99_us"] / 1000,
                "mean_ms": raw["mean_us"] / 1000,
                "errors": errors,
                "non_2xx_3xx": raw["status"],
            }
    raise BenchError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")


# --------------------------------------------------------------------------- /doc/ and nginx


def doc_paths(rcpkg: Rcpkg) -> list[str]:
    query = Query(
        "states",
        "SELECT ?s WHERE { ?s a <https://w3id.org/rcpkg/ontology#State> } ORDER BY ?s",
        False,
    )
    status, _, body = send_query(rcpkg, query, "POST")
    if status != 200:
        raise BenchError(f"rcpkg could not list the states ({status})")
    prefix = "https://w3id.org/rcpkg/id/"
    iris = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
    return ["/doc/" + i[len(prefix) :] for i in iris if i.startswith(prefix)]


def check_doc_route(rcpkg: Rcpkg, paths: list[str]) -> None:
    status, headers, _body = http(rcpkg.base + paths[0], headers={"Accept": "text/turtle"})
    content_type = headers.get("Content-Type", "")
    if status != 200 or "turtle" not in content_type:
        raise BenchError(
            f"--doc needs rcpkg's /doc/ pages, and GET {paths[0]} (Accept: text/turtle) "
            f"answered {status} {content_type or '(no content type)'}: the /doc/ route does "
            "not exist yet (or does not serve Turtle). Run without --doc until it lands."
        )


def prerender(rcpkg: Rcpkg, paths: list[str], root: Path) -> int:
    """Fetch every page from rcpkg into files under ``root``; return the bytes written."""
    total = 0
    for path in paths:
        status, _, body = http(
            rcpkg.base + path, headers={"Accept": "text/turtle"}, timeout=DOC_RENDER_TIMEOUT
        )
        if status != 200:
            raise BenchError(f"GET {path} answered {status} while pre-rendering")
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        total += len(body)
    return total


def start_nginx(procs: Processes, work: Path, root: Path) -> tuple[subprocess.Popen, int]:
    nginx = need_tool("nginx", "nginx")
    port = free_port()
    prefix = work / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    temp = prefix / "tmp"
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""daemon off;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {prefix}/logs/access.log combined buffer=64k;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  sendfile on;
  keepalive_requests 1000000;
  default_type text/turtle;
  charset utf-8;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ try_files $uri =404; }}
  }}
}}
"""
    )
    log_path = prefix / "logs" / "stdout.log"
    proc = procs.start([nginx, "-e", str(prefix / "logs" / "error.log"), "-p", str(prefix),
                        "-c", str(conf)], log_path)  # fmt: skip
    return proc, port


# --------------------------------------------------------------------------- the run


def environment() -> dict:
    def out(argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (done.stdout + done.stderr).strip()
        except (OSError, subprocess.TimeoutExpired):
            return "(not available)"

    from importlib import metadata

    def versions(python: str, names: list[str]) -> dict:
        code = (
            "import json, importlib.metadata as m\n"
            f"names = {names!r}\n"
            "out = {}\n"
            "for n in names:\n"
            "    try: out[n] = m.version(n)\n"
            "    except m.PackageNotFoundError: out[n] = None\n"
            "print(json.dumps(out))"
        )
        try:
            return json.loads(out([python, "-c", code]))
        except json.JSONDecodeError:
            return {}

    own = {}
    for name in ("rcpkg", "pyoxigraph", "flask", "gunicorn", "werkzeug", "flask-compress"):
        try:
            own[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            own[name] = None
    peers = versions(
        str(PEERS / "bin" / "python"),
        ["oxigraph", "rdflib-endpoint", "rdflib", "fastapi", "uvicorn", "uvloop", "httptools"],
    )
    return {
        "date": out(["date"]),
        "nproc": out(["nproc"]),
        "free_g": out(["free", "-g"]),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        ),
        "loadavg": Path("/proc/loadavg").read_text().strip(),
        "python": platform.python_version(),
        "rcpkg_commit": out(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
        "rcpkg_src_changes": out(["git", "-C", str(REPO), "status", "--porcelain", "src"]),
        "rcpkg_packages": own,
        "peer_packages": peers,
        "wrk": out(["wrk", "-v"]).splitlines()[0] if shutil.which("wrk") else None,
        "nginx": out([need_tool("nginx", "nginx"), "-v"]) if shutil.which("nginx") else None,
    }


def load_runs(servers: list[Server], mode: str) -> list[tuple[Server, str, bool]]:
    """(server, label, varied texts?) for each load run.

    A server with an answer cache (rcpkg's embedded store) runs twice with ``--answer-cache
    both``: the same text every time ("cached": after the first request, answers come from
    the cache) and a different text every time ("uncached": every request runs the query).
    rcpkg over Oxigraph has no answer cache; it gets varied texts unless ``cached``. The
    peers have no answer cache and get the same text every time.
    """
    out = []
    for server in servers:
        if server.answer_cache:
            if mode in ("both", "cached"):
                out.append((server, f"{server.name} cached", False))
            if mode in ("both", "uncached"):
                out.append((server, f"{server.name} uncached", True))
        elif server.name.startswith("rcpkg"):
            out.append((server, server.name, mode != "cached"))
        else:
            out.append((server, server.name, False))
    return out


def bench_size(args: argparse.Namespace, size: str, procs: Processes, wrk: str) -> dict:
    log(f"size {size}: generating or reusing the data")
    data, triples = generate.ensure(size)
    log(f"size {size}: {data} ({triples:,} triples)")
    work = Path(tempfile.mkdtemp(prefix=f"rcpkg-bench-{size}-"))
    result: dict = {"size": size, "triples": triples, "data": str(data), "work": str(work)}
    servers: list[Server] = []
    try:
        # Start-ups one at a time, on a quiet machine: first start (build/load), stop, second.
        rcpkg = Rcpkg(data, work, procs)
        oxigraph = Oxigraph(data, work, procs)
        remote = RcpkgOverOxigraph(data, work, procs)
        with_rdflib = size.upper() in args.rdflib_sizes
        rdflib = RdflibEndpoint(data, work, procs) if with_rdflib else None
        for server in [rcpkg, remote, oxigraph]:
            log(f"size {size}: {server.name} first start")
            server.start("first")
            server.stop(procs)
            log(f"size {size}: {server.name} second start")
            server.start("second")
            servers.append(server)
        if rdflib:
            log(f"size {size}: rdflib-endpoint start (parses the file at every start)")
            rdflib.start("only")
            servers.append(rdflib)
        else:
            log(f"size {size}: rdflib-endpoint skipped at this size (--rdflib-sizes)")

        paths: list[str] = []
        if args.doc:
            paths = doc_paths(rcpkg)[: args.doc_pages]
            check_doc_route(rcpkg, paths)

        queries = load_queries(args.queries)
        log(f"size {size}: checking answers")
        result["answers"] = check_answers(servers, queries, args.method)

        result["sparql"] = {}
        for query in queries:
            result["sparql"][query.name] = {}
            for server, label, varied in load_runs(servers, args.answer_cache):
                script, url = query_script(server, query, args.method, varied)
                runs: dict = {"server": server.name, "varied": varied}
                for connections in (1, 16):
                    log(f"size {size}: {query.name} on {label}, {connections} conn.")
                    runs[f"c{connections}"] = run_wrk(
                        wrk, script, url, connections, args.seconds, work
                    )
                result["sparql"][query.name][label] = runs

        if args.doc:
            result["doc"] = bench_doc(args, size, rcpkg, paths, procs, wrk, work)

        result["after_load"] = {s.name: s.memory() for s in servers if s.proc}
        result["starts"] = {s.name: s.starts for s in servers}
    finally:
        for server in servers:
            server.stop(procs)
        if args.keep:
            log(f"size {size}: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result


def bench_doc(
    args: argparse.Namespace,
    size: str,
    rcpkg: Rcpkg,
    paths: list[str],
    procs: Processes,
    wrk: str,
    work: Path,
) -> dict:
    root = work / "www"
    work.chmod(0o755)  # nginx's workers run as an unprivileged user: they must read the files
    total = prerender(rcpkg, paths, root)
    log(f"size {size}: pre-rendered {len(paths)} pages ({total:,} bytes) for nginx")
    nginx, port = start_nginx(procs, work, root)
    try:
        log_path = work / "nginx" / "logs" / "stdout.log"
        wait_ready(nginx, f"http://127.0.0.1:{port}{paths[0]}", time.monotonic(), log_path)
        script = pages_script(paths, "text/turtle")
        out: dict = {"pages": len(paths), "bytes": total}
        for name, base in (("rcpkg", rcpkg.base), ("nginx", f"http://127.0.0.1:{port}")):
            out[name] = {}
            for connections in (1, 16):
                log(f"size {size}: /doc/ pages on {name}, {connections} conn.")
                out[name][f"c{connections}"] = run_wrk(
                    wrk, script, base + "/", connections, args.seconds, work
                )
        return out
    finally:
        procs.stop(nginx)


# --------------------------------------------------------------------------- report


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


def _pick(by_server: dict, *labels: str) -> dict | None:
    """The first run of ``labels`` present (older results have a plain "rcpkg")."""
    return next((by_server[x] for x in labels if x in by_server), None)


def _uncached(by_server: dict) -> dict | None:
    return _pick(by_server, "rcpkg uncached", "rcpkg")


def _cached(by_server: dict) -> dict | None:
    return _pick(by_server, "rcpkg cached", "rcpkg")


def _p50(run: dict | None) -> float | None:
    return run["c1"]["p50_ms"] if run else None


def _rps(run: dict | None) -> float | None:
    return run["c16"]["rps"] if run else None


def report(results: list[dict]) -> str:
    lines: list[str] = []
    for res in results:
        lines.append(f"\n### Size {res['size']} ({res['triples']:,} triples)\n")
        lines.append(
            "| query | server | answer | 1 conn. p50 ms | 1 conn. p99 ms | 16 conn. req/s "
            "| 16 conn. p50 ms | 16 conn. p99 ms | errors |"
        )
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for query, by_server in res["sparql"].items():
            for label, runs in by_server.items():
                c1, c16 = runs["c1"], runs["c16"]
                errors = c1["errors"] + c16["errors"]
                answer = res["answers"][query].get(runs.get("server", label), "")
                lines.append(
                    f"| {query} | {label} | {answer} "
                    f"| {_ms(c1['p50_ms'])} | {_ms(c1['p99_ms'])} | {c16['rps']:,.0f} "
                    f"| {_ms(c16['p50_ms'])} | {_ms(c16['p99_ms'])} | {errors} |"
                )
        lines.append("")
        lines.append(
            "| query | rcpkg uncached / Oxigraph, p50 1 conn. (target <= 1.5) "
            "| rcpkg cached / Oxigraph | rcpkg-oxigraph / Oxigraph "
            "| rcpkg uncached / rdflib-endpoint, req/s 16 conn. (target >= 15) "
            "| rcpkg cached / rdflib-endpoint |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|")
        for query, by_server in res["sparql"].items():
            unc, cac = _uncached(by_server), _cached(by_server)
            ox_, rd = by_server.get("oxigraph"), by_server.get("rdflib-endpoint")
            remote = by_server.get("rcpkg-oxigraph")
            lines.append(
                f"| {query} | {_ratio(_p50(unc), _p50(ox_))} | {_ratio(_p50(cac), _p50(ox_))} "
                f"| {_ratio(_p50(remote), _p50(ox_))} | {_ratio(_rps(unc), _rps(rd))} "
                f"| {_ratio(_rps(cac), _rps(rd))} |"
            )
        if any("rcpkg-oxigraph" in b for b in res["sparql"].values()):
            lines.append("")
            lines.append(
                "| query | embedded (uncached) p50 ms | over Oxigraph p50 ms "
                "| over Oxigraph / embedded, p50 | embedded (uncached) req/s 16 conn. "
                "| over Oxigraph req/s 16 conn. | over Oxigraph / embedded, req/s |"
            )
            lines.append("|---|---:|---:|---:|---:|---:|---:|")
            for query, by_server in res["sparql"].items():
                unc, remote = _uncached(by_server), by_server.get("rcpkg-oxigraph")
                if not (unc and remote):
                    continue
                lines.append(
                    f"| {query} | {_ms(_p50(unc))} | {_ms(_p50(remote))} "
                    f"| {_ratio(_p50(remote), _p50(unc))} | {_rps(unc):,.0f} "
                    f"| {_rps(remote):,.0f} | {_ratio(_rps(remote), _rps(unc))} |"
                )
        lines.append("")
        lines.append(
            "| server | start | load s | ready s | RSS MiB at ready | PSS MiB at ready "
            "| RSS MiB after the load | of which the Oxigraph backend, at ready |"
        )
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for server, starts in res["starts"].items():
            after = res["after_load"].get(server, (0, 0))[0]
            for start in starts:
                load = start.get("load_seconds")
                backend = start.get("store_rss_mib")
                lines.append(
                    f"| {server} | {start['start']} | {f'{load:.2f}' if load else ''} "
                    f"| {start['seconds']:.2f} | {start['rss_mib']:.0f} | {start['pss_mib']:.0f} "
                    f"| {after:.0f} | {f'{backend:.0f}' if backend else ''} |"
                )
        if "doc" in res:
            doc = res["doc"]
            lines.append("")
            lines.append(f"/doc/ pages: {doc['pages']} states, {doc['bytes']:,} bytes in all.\n")
            lines.append("| server | 1 conn. p50 ms | 1 conn. req/s | 16 conn. req/s | errors |")
            lines.append("|---|---:|---:|---:|---:|")
            for name in ("rcpkg", "nginx"):
                c1, c16 = doc[name]["c1"], doc[name]["c16"]
                lines.append(
                    f"| {name} | {_ms(c1['p50_ms'])} | {c1['rps']:,.0f} | {c16['rps']:,.0f} "
                    f"| {c1['errors'] + c16['errors']} |"
                )
            ratio = _ratio(doc["rcpkg"]["c16"]["rps"], doc["nginx"]["c16"]["rps"])
            lines.append(f"\nrcpkg /doc/ throughput / nginx at 16 connections: {ratio}")
    lines.append("\n" + targets(results))
    return "\n".join(lines)


def _verdict(name: str, pairs: list[tuple[float, str, str]], bad: list[str]) -> str:
    if not pairs:
        return f"- {name}: not measured"
    listed = ", ".join(bad)
    return f"- {name}: " + (
        "MET" if not bad else f"NOT MET for {len(bad)} of {len(pairs)}: {listed}"
    )


def targets(results: list[dict]) -> str:
    out = ["Targets (rcpkg's figures: uncached, every request runs the query):"]
    lat, thr, lat_c, thr_c = [], [], [], []
    for res in results:
        for query, by_server in res["sparql"].items():
            unc, cac = _uncached(by_server), _cached(by_server)
            ox_, rd = by_server.get("oxigraph"), by_server.get("rdflib-endpoint")
            if ox_:
                lat.append((_p50(unc) / _p50(ox_), res["size"], query))
                lat_c.append((_p50(cac) / _p50(ox_), res["size"], query))
            if rd:
                thr.append((_rps(unc) / _rps(rd), res["size"], query))
                thr_c.append((_rps(cac) / _rps(rd), res["size"], query))
    for label, pairs in (("", lat), (" [cached, for reference]", lat_c)):
        bad = [f"{s}/{q} {r:.2f}" for r, s, q in pairs if r > TARGET_LATENCY_RATIO]
        line = _verdict(
            f"(a) median latency within {TARGET_LATENCY_RATIO}x of Oxigraph (1 conn.){label}",
            pairs,
            bad,
        )
        if pairs:
            median = statistics.median(r for r, _, _ in pairs)
            line += f" (worst {max(pairs)[0]:.2f}, median {median:.2f})"
        out.append(line)
    for label, pairs in (("", thr), (" [cached, for reference]", thr_c)):
        bad = [f"{s}/{q} {r:.1f}" for r, s, q in pairs if r < TARGET_THROUGHPUT_RATIO]
        name = f"(b) at least {TARGET_THROUGHPUT_RATIO:g}x rdflib-endpoint's req/s (16 conn.)"
        out.append(_verdict(name + label, pairs, bad))
    large = [r for r in results if r["triples"] >= 900_000]
    for res in large:
        for server in ("rcpkg", "rcpkg-oxigraph"):
            second = next(
                (s for s in res["starts"].get(server, []) if s["start"] == "second"), None
            )
            if second:
                verdict = "MET" if second["seconds"] < TARGET_START_L else "NOT MET"
                out.append(
                    f"- (c) {server}: second start at {res['triples']:,} triples under "
                    f"{TARGET_START_L:g} s: {verdict} ({second['seconds']:.2f} s)"
                )
    if not large:
        out.append("- (c) start-up at 1 million triples: not measured (run with --sizes ...,L)")
    docs = [(r["size"], r["doc"]) for r in results if "doc" in r]
    if docs:
        cells = [
            (size, d["rcpkg"]["c16"]["rps"] / d["nginx"]["c16"]["rps"])
            for size, d in docs
            if d["nginx"]["c16"]["rps"]
        ]
        bad = [f"{size} {r:.2f}" for size, r in cells if r < TARGET_DOC_RATIO]
        every = ", ".join(f"{size} {r:.2f}" for size, r in cells)
        out.append(
            f"- (d) /doc/ throughput at least {TARGET_DOC_RATIO:.0%} of nginx's (16 conn.): "
            + ("MET" if not bad else f"NOT MET for {len(bad)} of {len(cells)}")
            + f" ({every})"
        )
    else:
        out.append("- (d) /doc/ throughput: not measured (run with --doc)")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M", help="comma-separated: S, M, L or counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument(
        "--rdflib-sizes",
        default="S,M",
        type=lambda v: {p.strip().upper() for p in v.split(",")},
        help="sizes at which rdflib-endpoint runs (default S,M: it loads L slowly)",
    )
    parser.add_argument("--queries", type=lambda v: v.split(","), help="query names to run")
    parser.add_argument("--method", choices=["POST", "GET"], default="POST")
    parser.add_argument(
        "--answer-cache",
        choices=["both", "uncached", "cached"],
        default="both",
        help="rcpkg's SPARQL load: both (default), uncached only (every request a different "
        "text, so the engine runs), or cached only (the same text every time)",
    )
    parser.add_argument("--doc", action="store_true", help="also load /doc/ pages vs nginx")
    parser.add_argument(
        "--doc-pages",
        type=int,
        default=100,
        help="how many /doc/state/ pages to load (default 100; each is rendered once first)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--json", type=Path, help="where to save the results as JSON")
    parser.add_argument("--report", type=Path, help="only print the tables of a saved JSON")
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        print(f"## Environment\n\n```\n{json.dumps(saved['environment'], indent=2)}\n```")
        print(report(saved["results"]))
        return 0

    def interrupted(signum, frame):  # SIGTERM behaves like Ctrl-C: clean up, then leave
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)  # also when started with SIGINT ignored (&)
    procs = Processes()
    sizes = list(generate.iter_sizes(args.sizes))
    n_queries = len(load_queries(args.queries))
    # oxigraph, rcpkg-oxigraph, rdflib-endpoint, and rcpkg once or twice
    runs_per_size = 3 + (2 if args.answer_cache == "both" else 1)
    estimate = sum(
        n_queries
        * (runs_per_size - (0 if s.upper() in args.rdflib_sizes else 1))
        * 2
        * args.seconds
        + (4 * args.seconds if args.doc else 0)
        for s in sizes
    )
    try:
        wrk = need_tool("wrk", "wrk")
        if args.doc:
            need_tool("nginx", "nginx")
        ensure_peers()
        env = environment()
        log(f"load tests will take about {estimate / 60:.0f} min plus start-ups")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = args.json or generate.DATA_DIR / f"results-{stamp}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        results: list[dict] = []
        for size in sizes:
            results.append(bench_size(args, size, procs, wrk))
            # Saved after every size, so an interrupted run keeps what it measured.
            out.write_text(json.dumps({"environment": env, "results": results}, indent=2))
    except BenchError as exc:
        print(f"bench/run.py: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench/run.py: interrupted; every server started was stopped", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
    print(f"## Environment\n\n```\n{json.dumps(env, indent=2)}\n```")
    print(report(results))
    log(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
