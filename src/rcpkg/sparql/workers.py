"""Query worker processes: the process boundary that makes the time limit real.

A running pyoxigraph query cannot be interrupted from inside its process (it ignores signals
and has no timeout), so user queries run in child processes that each open the persistent
store read-only. The web process waits for an answer up to the time limit, then kills the
child, starts a fresh one in the background, and answers with an error. Other requests are
served meanwhile by the other workers and by the web process itself.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from rcpkg.sparql import results
from rcpkg.sparql.guard import declares_dataset, looks_like_update
from rcpkg.store.base import (
    QueryOutcome,
    QueryRequest,
    QuerySyntaxError,
    QueryTimeout,
    ResultPreference,
    StoreBusy,
    StoreError,
)

log = logging.getLogger(__name__)

_MAX_SYNTAX_MESSAGE = 400


@dataclass(frozen=True)
class Job:
    """What the web process sends a worker: picklable and small."""

    request: QueryRequest
    formats: ResultPreference
    max_rows: int


def execute(store: ox.Store, job: Job) -> QueryOutcome:
    """Run one user query on ``store`` and serialize its answer (in the worker process)."""
    request = job.request
    options: dict = {"base_iri": request.base_iri}
    try:
        if request.default_graphs or request.named_graphs:
            # The protocol's dataset replaces the query's and the store's: only the graphs
            # named are visible, and an empty default graph if none is named for it.
            options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
            options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
        elif not declares_dataset(request.query):
            # No dataset named anywhere: the default graph is the union of all graphs.
            # (The union option would override a query's FROM / FROM NAMED, so not then.)
            options["use_default_graph_as_union"] = True
        answer = store.query(request.query, **options)
    except SyntaxError as exc:
        if looks_like_update(request.query):
            raise QuerySyntaxError(
                "This endpoint is read-only: SPARQL Update requests are not accepted."
            ) from None
        message = str(exc)
        if len(message) > _MAX_SYNTAX_MESSAGE:
            message = message[:_MAX_SYNTAX_MESSAGE] + "…"
        raise QuerySyntaxError(f"Syntax error in the query: {message}") from None
    except ValueError as exc:  # e.g. an IRI in default-graph-uri that is not valid
        raise QuerySyntaxError(f"Invalid query request: {exc}") from None

    return results.serialize_answer(answer, job.formats, job.max_rows)


def _worker_main(store_path: str, jobs: Connection, answers: Connection) -> None:
    """The loop of one worker process: receive a job, send back an outcome or an error."""
    store = ox.Store.read_only(store_path)
    while True:
        try:
            job = jobs.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return  # the web process has gone: so do we
        try:
            answers.send(("ok", execute(store, job)))
        except StoreError as exc:
            answers.send(("error", exc))
        except Exception as exc:  # a failure inside the engine: report, keep serving
            log.warning("query failed in the engine: %r", exc)
            message = _hide_paths(str(exc)) or type(exc).__name__
            answers.send(("error", StoreError(f"The query failed: {message}", 500)))


_LOCAL_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.+@-]+){2,}/?")


def _hide_paths(message: str) -> str:
    """An engine message without the server's file paths (e.g. of the store folder)."""
    return _LOCAL_PATH.sub("(a local path)", message)[:_MAX_SYNTAX_MESSAGE]


class _Worker:
    """One child process and the web process's ends of its two pipes.

    A plain ``python -m rcpkg.sparql.workers`` child, not a ``multiprocessing`` one: it never
    forks the multi-threaded web process and never re-imports the parent's ``__main__``.
    """

    def __init__(self, store_path: Path) -> None:
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rcpkg.sparql.workers",
                str(store_path),
                str(job_read),
                str(answer_write),
            ],
            pass_fds=(job_read, answer_write),
            stdin=subprocess.DEVNULL,
        )
        os.close(job_read)
        os.close(answer_write)
        self.jobs = Connection(job_write, readable=False)
        self.answers = Connection(answer_read, writable=False)

    def stop(self) -> None:
        """Kill the process outright: a query that overran cannot be asked to stop."""
        self.process.kill()
        self.process.wait(timeout=5)
        self.jobs.close()
        self.answers.close()


class QueryWorkerPool:
    """A fixed number of query workers over one persistent store folder."""

    def __init__(self, store_path: Path, size: int, timeout: float, max_rows: int) -> None:
        self.store_path = store_path
        self.timeout = timeout
        self.max_rows = max_rows
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(max(1, size)):
            self._add_worker()

    def _add_worker(self) -> None:
        worker = _Worker(self.store_path)
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        threading.Thread(target=self._add_worker, name="rcpkg-respawn", daemon=True).start()

    def run(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        """Run a query on an idle worker; wait for one at most the time limit."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise StoreBusy(
                "All query workers stayed busy; try again shortly or simplify the query."
            ) from None
        try:
            worker.jobs.send(Job(request, formats, self.max_rows))
            if not worker.answers.poll(self.timeout):
                self._replace(worker)
                raise QueryTimeout(
                    f"The query was stopped after the time limit of {self.timeout:g} s."
                )
            status, payload = worker.answers.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise StoreError("The query worker stopped unexpectedly; please retry.", 500) from None
        else:
            self._idle.put(worker)
        if status == "ok":
            return payload
        raise payload

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()


if __name__ == "__main__":
    _worker_main(
        sys.argv[1],
        Connection(int(sys.argv[2]), writable=False),
        Connection(int(sys.argv[3]), readable=False),
    )
