"""Query worker processes: the process boundary that makes the time limit real.

A running pyoxigraph query cannot be interrupted from inside its process (it ignores signals
and has no timeout), so user queries run in child processes that each open the persistent
store read-only. The web process waits for an answer up to the time limit, then kills the
child, starts a fresh one in the background, and answers with an error. Other requests are
served meanwhile by the other workers and by the web process itself.

Two more bounds keep one hostile query from hurting the others:

- **Memory.** Each worker limits its own address space (``RLIMIT_AS``, setting
  ``query_memory_mb``) when it starts, so a query that builds huge intermediate results (a
  sorted cartesian product, a string doubled many times) fails inside its worker instead of
  pushing the machine into swap or the kernel's OOM killer; the worker dies or reports the
  failure, and the client gets ``503``. A worker that grew large on a query that did finish is
  retired after it, so idle workers stay small.
- **Concurrency.** The pool starts ``size`` workers and grows on demand up to ``max_size``, so
  a few runaway queries do not make simple ones queue behind them for a whole time limit.
  Beyond ``max_size`` a request waits briefly (:data:`QUEUE_WAIT`) for a free worker, then
  gets ``503`` with ``Retry-After``: the web process's threads stay free for pages.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import resource
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from rcpkg.config import Settings
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

#: Longest wait for a free query worker when the pool is at its largest, in seconds (capped by
#: the time limit). Simple queries take milliseconds, so a short wait rides out a burst; a
#: longer one only means every worker runs a slow query, and the client hears so quickly.
QUEUE_WAIT = 2.0

#: The smallest address-space limit a worker accepts: the interpreter, the engine, the store's
#: threads and the query thread's stack take about 700 MiB of address space before any query.
MIN_MEMORY_MB = 1024

#: A worker whose resident memory is above this share of its limit after a query is retired.
RETIRE_SHARE = 0.25

#: Stack of the thread that runs queries in a worker, in MiB. The engine's parser and
#: optimizer recurse once per nesting level or chained operator; on the main thread's 8 MiB a
#: few thousand levels overflow it and the process dies (SIGSEGV). 256 MiB moves that far past
#: what fits in a request (and :func:`rcpkg.sparql.guard.check_nesting` refuses deep nesting).
QUERY_STACK_MB = 256


class QueryMemoryExceeded(StoreError):
    """A query needed more memory than a query worker may use (503, like the time limit)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 503)


CRASH_MESSAGE = (
    "The query stopped the process that ran it (a query nested or chained very deeply can do "
    "this); it cannot be answered here. Simplify it."
)


def memory_message(limit_mb: int) -> str:
    """What a client is told when its query ran out of the workers' memory."""
    return (
        f"The query was stopped: it needed more memory than the limit of {limit_mb} MB "
        "for one query. Narrow it (fewer variables, LIMIT, no ORDER BY over everything)."
    )


@dataclass(frozen=True)
class Job:
    """What the web process sends a worker: picklable and small."""

    request: QueryRequest
    formats: ResultPreference
    max_rows: int
    #: Largest serialized answer sent back, in bytes (0: no limit).
    max_answer_bytes: int = 0


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

    outcome = results.serialize_answer(answer, job.formats, job.max_rows)
    if job.max_answer_bytes and len(outcome.body) > job.max_answer_bytes:
        # Few rows can still be huge (strings built with CONCAT): such an answer would sit in
        # the web process's memory, so it is refused here, before it crosses the pipe.
        raise StoreError(
            f"The answer is larger than the limit of {job.max_answer_bytes // (1024 * 1024)} MB "
            f"({len(outcome.body) // (1024 * 1024)} MB); ask for fewer or shorter values.",
            503,
        )
    return outcome


def limit_memory(limit_mb: int) -> None:
    """Cap this process's address space at ``limit_mb`` MiB (0: no limit of ours).

    Allocations past it fail: in Python as :class:`MemoryError`, in the engine (Rust) by
    aborting the process. Either way only this worker and its one query are affected.
    """
    if limit_mb <= 0:
        return
    limit = max(limit_mb, MIN_MEMORY_MB) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_main(
    store_path: str, jobs: Connection, answers: Connection, memory_mb: int = 0
) -> None:
    """The loop of one worker process: receive a job, send back an outcome or an error."""
    limit_memory(memory_mb)
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
        except MemoryError:
            # Whatever the query held is garbage now; the pool retires this worker anyway.
            answers.send(("error", QueryMemoryExceeded(memory_message(memory_mb))))
        except Exception as exc:  # a failure inside the engine: report, keep serving
            log.warning("query failed in the engine: %r", exc)
            message = _hide_paths(str(exc)) or type(exc).__name__
            answers.send(("error", StoreError(f"The query failed: {message}", 500)))


_LOCAL_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.+@-]+){2,}/?")


def _hide_paths(message: str) -> str:
    """An engine message without the server's file paths (e.g. of the store folder)."""
    return _LOCAL_PATH.sub("(a local path)", message)[:_MAX_SYNTAX_MESSAGE]


def _death(code: int | None, memory_mb: int) -> StoreError:
    """The error for a worker that died while running a query, by how it died.

    The engine aborts (SIGABRT) when an allocation fails under the address-space limit, and
    the kernel's OOM killer sends SIGKILL: the query needed too much memory. A SIGSEGV is a
    stack overflow in the engine (a query too deeply nested for it). Both come from the query,
    not from the server, which goes on: 503 with an explanation, not 500.
    """
    if code in (-signal.SIGABRT, -signal.SIGKILL) and memory_mb > 0:
        return QueryMemoryExceeded(memory_message(memory_mb))
    if code is not None and code < 0:
        log.warning("a query worker died of signal %d", -code)
        return StoreError(CRASH_MESSAGE, 503)
    return StoreError("The query worker stopped unexpectedly; please retry.", 500)


def _rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (0 when it cannot be read, e.g. not Linux)."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _Worker:
    """One child process and the web process's ends of its two pipes.

    A plain ``python -m rcpkg.store.workers`` child, not a ``multiprocessing`` one: it never
    forks the multi-threaded web process and never re-imports the parent's ``__main__``.
    """

    def __init__(self, store_path: Path, memory_mb: int) -> None:
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rcpkg.store.workers",
                    str(store_path),
                    str(job_read),
                    str(answer_write),
                    str(memory_mb),
                ],
                pass_fds=(job_read, answer_write),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            for fd in (job_write, answer_read):
                os.close(fd)
            raise
        finally:
            os.close(job_read)
            os.close(answer_write)
        self.jobs = Connection(job_write, readable=False)
        self.answers = Connection(answer_read, writable=False)

    def rss(self) -> int:
        return _rss_bytes(self.process.pid)

    def exit_code(self) -> int | None:
        """How the process ended (``-N`` for signal N), or ``None`` if it still runs."""
        try:
            return self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Kill the process outright: a query that overran cannot be asked to stop."""
        self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process in D state
            log.warning("query worker %s did not stop", self.process.pid)
        self.jobs.close()
        self.answers.close()


class QueryWorkerPool:
    """Query workers over one persistent store folder: ``size`` kept warm, up to ``max_size``.

    Every worker in ``_all`` is either idle (in ``_idle``) or running one query for one
    request thread. A request takes an idle worker; when there is none and the pool is below
    ``max_size`` it starts one for itself; otherwise it waits at most ``QUEUE_WAIT`` seconds.
    """

    def __init__(
        self,
        store_path: Path,
        size: int,
        timeout: float,
        max_rows: int,
        *,
        max_size: int | None = None,
        memory_mb: int = 0,
        max_answer_bytes: int = 0,
    ) -> None:
        self.store_path = store_path
        self.timeout = timeout
        self.max_rows = max_rows
        self.size = max(1, size)
        self.max_size = max(self.size, max_size or self.size)
        self.memory_mb = memory_mb
        self.max_answer_bytes = max_answer_bytes
        self.queue_wait = min(timeout, QUEUE_WAIT)
        #: Resident memory above which a worker is retired after its query (0: never).
        self.retire_bytes = int(memory_mb * RETIRE_SHARE * 1024 * 1024) if memory_mb > 0 else 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        #: Workers being started, counted against ``max_size`` before they exist.
        self._starting = 0
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._reserve()
            self._add_worker()

    @classmethod
    def for_settings(cls, store_path: Path, settings: Settings) -> QueryWorkerPool:
        """The pool that ``settings`` describe (sizes, time limit, row cap, memory)."""
        return cls(
            store_path,
            settings.query_workers,
            settings.query_timeout,
            settings.max_rows,
            max_size=settings.query_workers_max,
            memory_mb=settings.query_memory_mb,
            max_answer_bytes=settings.max_answer_bytes,
        )

    @property
    def workers(self) -> int:
        """Workers alive now (idle or busy)."""
        with self._lock:
            return len(self._all)

    def _reserve(self) -> bool:
        """Count one more worker against ``max_size``; False when the pool is full."""
        with self._lock:
            if self._closed or len(self._all) + self._starting >= self.max_size:
                return False
            self._starting += 1
            return True

    def _start(self) -> _Worker | None:
        """Start a worker for a reservation made with :meth:`_reserve`."""
        try:
            worker = _Worker(self.store_path, self.memory_mb)
        except OSError:
            log.exception("could not start a query worker")
            with self._lock:
                self._starting -= 1
            return None
        with self._lock:
            self._starting -= 1
            if self._closed:
                closed = True
            else:
                closed = False
                self._all.add(worker)
        if closed:
            worker.stop()
            return None
        return worker

    def _add_worker(self) -> None:
        worker = self._start()
        if worker is not None:
            self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        """Stop ``worker``; start a replacement in the background if the pool fell below
        ``size`` (workers grown on demand are not replaced: the pool shrinks back)."""
        with self._lock:
            self._all.discard(worker)
            refill = not self._closed and len(self._all) + self._starting < self.size
            if refill:
                self._starting += 1
        worker.stop()
        if refill:
            threading.Thread(target=self._add_worker, name="rcpkg-respawn", daemon=True).start()

    def _acquire(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        if self._reserve():
            worker = self._start()
            if worker is not None:
                return worker
        try:
            return self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise StoreBusy(
                f"All {self.max_size} query workers are busy with other queries; "
                "try again shortly or simplify the query."
            ) from None

    def run(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        """Run a query on a worker; wait for one at most :attr:`queue_wait` seconds."""
        worker = self._acquire()
        try:
            worker.jobs.send(Job(request, formats, self.max_rows, self.max_answer_bytes))
            if not worker.answers.poll(self.timeout):
                self._retire(worker)
                raise QueryTimeout(
                    f"The query was stopped after the time limit of {self.timeout:g} s."
                )
            status, payload = worker.answers.recv()
        except (EOFError, OSError):
            code = worker.exit_code()
            self._retire(worker)
            raise _death(code, self.memory_mb) from None
        if isinstance(payload, QueryMemoryExceeded) or (
            self.retire_bytes and worker.rss() > self.retire_bytes
        ):
            self._retire(worker)  # it may hold on to the memory it grew into
        else:
            self._idle.put(worker)
        if status == "ok":
            return payload
        raise payload

    def close(self) -> None:
        """Stop every worker and wait for them."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()


def main(argv: list[str]) -> None:
    """``python -m rcpkg.store.workers STORE JOB_FD ANSWER_FD [MEMORY_MB]``."""
    threading.stack_size(QUERY_STACK_MB * 1024 * 1024)
    thread = threading.Thread(
        target=_worker_main,
        args=(
            argv[0],
            Connection(int(argv[1]), writable=False),
            Connection(int(argv[2]), readable=False),
            int(argv[3]) if len(argv) > 3 else 0,
        ),
        name="rcpkg-query",
    )
    thread.start()
    thread.join()


if __name__ == "__main__":
    main(sys.argv[1:])
