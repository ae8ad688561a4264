"""Hostile queries against a real ``rcpkg serve``: each is stopped or answered within limits.

A server with a short time limit (4 s), one web worker, two warm query workers (three at
most), a 1280 MiB address-space limit per query worker and an 8 MiB answer cap. Each hostile
query must come back as an answer (200), a refusal (400, 413) or a stop (503) within the time
limit plus a margin; never 500. While it runs, the resident memory of every query worker is
sampled from /proc and must stay under the limit; afterwards simple queries are answered.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import RunningServer, start_server

TIME_LIMIT = 4
MEMORY_MB = 1280
ANSWER_BYTES = 8 * 1024 * 1024
MAX_ROWS = 100
#: Seconds a hostile query may take beyond the time limit (kill, respawn, write the answer).
MARGIN = 4
REQUEST_TIMEOUT = 30


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("hostile"),
        "--query-timeout",
        str(TIME_LIMIT),
        "--max-rows",
        str(MAX_ROWS),
        "--workers",
        "1",
        env={
            "RCPKG_QUERY_MEMORY_MB": str(MEMORY_MB),
            "RCPKG_QUERY_WORKERS": "2",
            "RCPKG_QUERY_WORKERS_MAX": "3",
            "RCPKG_MAX_ANSWER_BYTES": str(ANSWER_BYTES),
        },
    )
    yield running
    running.stop()


# --- watching the query workers' memory ----------------------------------------------------


def descendants(pid: int) -> list[int]:
    """``pid``'s child processes, their children, and so on (Linux /proc)."""
    found: list[int] = []
    children: list[str] = []
    # Each thread has its own list: the web process starts query workers from many threads.
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += (task / "children").read_text().split()
        except OSError:
            continue
    for child in map(int, children):
        found.append(child)
        found.extend(descendants(child))
    return found


def query_workers(server: RunningServer) -> list[int]:
    pids = []
    for pid in descendants(server.process.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"rcpkg.store.workers" in cmdline:
            pids.append(pid)
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch:
    """Samples the RSS of every query worker of ``server`` every 50 ms, in a thread."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in query_workers(self.server):
                self.peak = max(self.peak, rss_mb(pid))
            time.sleep(0.05)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def post_query(server: RunningServer, query: str, **headers: str) -> requests.Response:
    """The query as the whole body (the most compact way to send a big one)."""
    return requests.post(
        server.url + "/sparql",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query", **headers},
        timeout=REQUEST_TIMEOUT,
    )


def ask_is_answered(server: RunningServer) -> bool:
    response = requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=10)
    return response.status_code == 200 and json.loads(response.content)["boolean"] is True


# --- the hostile queries --------------------------------------------------------------------


def doubled(times: int, seed: str = "a" * 64, var: str = "s") -> str:
    """BINDs that make ``?{var}{times}`` a string of ``len(seed) * 4**times`` characters."""
    binds = [f'BIND("{seed}" AS ?{var}0)']
    binds += [
        f"BIND(CONCAT(?{var}{i}, ?{var}{i}, ?{var}{i}, ?{var}{i}) AS ?{var}{i + 1})"
        for i in range(times)
    ]
    return " ".join(binds)


def nested_subqueries(depth: int) -> str:
    return "SELECT * WHERE " + "{ SELECT * WHERE " * depth + "{ ?s ?p ?o }" + " }" * depth


def nested_optionals(depth: int) -> str:
    inner = "".join(f"OPTIONAL {{ ?s{i} ?p{i} ?o{i} " for i in range(depth))
    return "SELECT * WHERE { ?s ?p ?o " + inner + "}" * depth + "} LIMIT 5"


HOSTILE: dict[str, str] = {
    "cartesian product, counted": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o }"
    ),
    "cartesian product, sorted": (
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"
    ),
    "closure of everything": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b . "
        "?c (<urn:x:q>|!<urn:x:q>)* ?d }"
    ),
    "repeated path sequence": (
        "SELECT * WHERE { ?a (!<urn:x:p>/!<urn:x:p>/!<urn:x:p>)* ?b . "
        "?b (!<urn:x:q>/!<urn:x:q>)* ?c } ORDER BY ?a ?c"
    ),
    "regex catastrophe over long strings": (
        "SELECT ?s WHERE { ?s ?p ?label . "
        + doubled(5, seed="a" * 64, var="t")
        + ' BIND(CONCAT(?t5, STR(?label), "!") AS ?long) FILTER regex(?long, "(a+)+$") }'
    ),
    "regex with nested quantifiers on every pair": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?l . ?t ?q ?m . FILTER(isLiteral(?l)) "
        'FILTER regex(CONCAT(STR(?l), STR(?m), STR(?l)), "^(([a-z])+.)+[A-Z]([a-z])+$") }'
    ),
    "strings doubled past the memory limit": (
        f"SELECT (STRLEN(?s14) AS ?n) WHERE {{ {doubled(14)} }}"
    ),
    "a few rows, each huge": (
        "SELECT ?s7 WHERE { VALUES ?i { 1 2 3 4 5 6 7 8 9 10 11 12 } "
        + doubled(7)
        + " }"  # 12 rows of 1 MiB: over the 8 MiB answer cap
    ),
    "big GROUP_CONCAT": (
        "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?a), STR(?c), STR(?f)))) AS ?n) "
        "WHERE { ?a ?b ?c . ?d ?e ?f }"
    ),
    "subqueries nested 120 deep": nested_subqueries(120),
    "OPTIONALs nested 60 deep": nested_optionals(60),
    "subqueries nested past the limit": nested_subqueries(2000),
    "parentheses nested past the limit": "SELECT (" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) {}",
    "a long chain of UNIONs": "ASK { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + " }",
    "a long chain of additions": "SELECT (" + "+".join(["1"] * 100_000) + " AS ?x) {}",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_query_is_stopped_or_answered_within_limits(hostile_server, name):
    query = HOSTILE[name]
    with MemoryWatch(hostile_server) as watch:
        start = time.monotonic()
        response = post_query(hostile_server, query)
        seconds = time.monotonic() - start
    assert response.status_code in (200, 400, 413, 503), (response.status_code, response.text)
    assert seconds < TIME_LIMIT + MARGIN, seconds
    assert 0 < watch.peak < MEMORY_MB, f"a query worker reached {watch.peak:.0f} MiB"
    if response.status_code == 200:
        assert len(response.content) <= ANSWER_BYTES
    else:
        assert "Traceback" not in response.text
        assert len(response.text) < 1000
    # The server goes on: killed or crashed workers are replaced.
    deadline = time.monotonic() + 10
    while not ask_is_answered(hostile_server):
        assert time.monotonic() < deadline, "simple queries are not answered after " + name
        time.sleep(0.2)


def test_each_limit_says_what_stopped_the_query(hostile_server):
    memory = post_query(hostile_server, HOSTILE["strings doubled past the memory limit"])
    assert memory.status_code == 503 and f"{MEMORY_MB} MB" in memory.text, memory.text
    answer = post_query(hostile_server, HOSTILE["a few rows, each huge"])
    assert answer.status_code == 503 and "larger than the limit" in answer.text, answer.text
    nested = post_query(hostile_server, HOSTILE["parentheses nested past the limit"])
    assert nested.status_code == 400 and "nested" in nested.text, nested.text
    time_limit = post_query(hostile_server, HOSTILE["cartesian product, counted"])
    assert time_limit.status_code == 503 and f"{TIME_LIMIT} s" in time_limit.text


def values_query(size: int) -> str:
    """A SELECT with a VALUES block that makes the query about ``size`` bytes long."""
    head, tail = "SELECT ?x WHERE { VALUES ?x { ", " } }"
    item = "<urn:x:%07d> "
    count = (size - len(head) - len(tail)) // len(item % 0)
    return head + "".join(item % i for i in range(count)) + tail


def test_huge_values_under_the_size_cap_is_answered_over_it_refused(hostile_server):
    cap = 256 * 1024
    response = post_query(hostile_server, values_query(cap - 1024))
    assert response.status_code == 200, response.text
    assert len(json.loads(response.content)["results"]["bindings"]) == MAX_ROWS
    assert response.headers.get("X-Rcpkg-Truncated") == f"max-rows={MAX_ROWS}"
    over = post_query(hostile_server, values_query(cap + 1024))
    assert over.status_code == 413, over.text
    get_over = requests.get(
        hostile_server.url + "/sparql",
        params={"query": values_query(cap + 1024)},
        timeout=REQUEST_TIMEOUT,
    )
    assert get_over.status_code in (413, 414), get_over.status_code
    assert "<html" not in get_over.text.lower() or "rcpkg" in get_over.text


# --- concurrency: runaway queries do not starve the others ---------------------------------

RUNAWAY = HOSTILE["cartesian product, counted"]


def start_runaways(server: RunningServer, n: int) -> tuple[list[threading.Thread], list[int]]:
    statuses: list[int] = []

    def run() -> None:
        statuses.append(post_query(server, RUNAWAY).status_code)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    time.sleep(0.7)  # they are running now
    return threads, statuses


def wait_for_pool(server: RunningServer) -> None:
    """Until killed workers are replaced and two queries run side by side again."""
    deadline = time.monotonic() + 15
    while len(query_workers(server)) < 2 or not ask_is_answered(server):
        assert time.monotonic() < deadline, "the query workers were not replaced"
        time.sleep(0.2)


def test_two_runaway_queries_do_not_delay_a_simple_one(hostile_server):
    wait_for_pool(hostile_server)
    threads, statuses = start_runaways(hostile_server, 2)
    try:
        start = time.monotonic()
        assert ask_is_answered(hostile_server)  # the pool grew a third worker for it
        assert time.monotonic() - start < 2, "a simple query waited behind runaway ones"
        assert requests.get(hostile_server.url + "/healthz", timeout=5).status_code == 200
    finally:
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT)
    assert statuses == [503, 503]


def wait_for_workers(server: RunningServer, count: int, within: float) -> None:
    """Until ``count`` query worker processes exist: with the two warm workers taken, a third
    is only started by a request that found none idle, so the pool is then full."""
    deadline = time.monotonic() + within
    while len(query_workers(server)) < count:
        assert time.monotonic() < deadline, f"the pool did not grow to {count} query workers"
        time.sleep(0.05)


def test_beyond_the_largest_pool_a_query_gets_503_quickly_and_pages_still_answer(
    hostile_server,
):
    wait_for_pool(hostile_server)
    threads, statuses = start_runaways(hostile_server, 3)
    try:
        # Ask only once the three runaways hold all three workers: on a loaded machine the
        # third runaway may arrive late, and a query sent before it would take that worker.
        wait_for_workers(hostile_server, 3, within=1.5)
        # A fourth query hears quickly that every query worker is busy (a query never asked
        # before, so no cached answer stands in for a worker).
        fresh = f"ASK {{ BIND({time.time_ns()} AS ?n) }}"
        start = time.monotonic()
        busy = requests.get(
            hostile_server.url + "/sparql", params={"query": fresh}, timeout=REQUEST_TIMEOUT
        )
        waited = time.monotonic() - start
        assert busy.status_code == 503, (busy.status_code, busy.text)
        assert busy.headers.get("Retry-After")
        assert "busy" in busy.text
        assert waited < TIME_LIMIT - 0.7, waited
        # ...while the web process's fourth thread is free for pages.
        page = requests.get(hostile_server.url + "/doc/state/ERI.ttl", timeout=5)
        assert page.status_code == 200
        assert requests.get(hostile_server.url + "/healthz", timeout=5).status_code == 200
    finally:
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT)
    assert statuses == [503, 503, 503]
    wait_for_pool(hostile_server)
