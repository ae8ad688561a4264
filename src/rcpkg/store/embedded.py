"""The embedded store: pyoxigraph on disk, built once per distinct input, opened read-only.

Parsing a million triples takes seconds; opening a built store takes milliseconds. So the
input files are fingerprinted, a store is built for each fingerprint the first time it is
seen (into a temporary folder, renamed into place when complete, so no reader ever sees half
a graph), and every later start, every gunicorn worker and every query worker opens that
folder read-only.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from rcpkg import rdf_formats
from rcpkg.config import Settings
from rcpkg.store.base import QueryOutcome, QueryRequest, ResultPreference, Store, Term
from rcpkg.store.progress import CountingReader, Progress
from rcpkg.store.workers import QueryWorkerPool

log = logging.getLogger(__name__)

#: Bump when the way inputs are laid out in the store changes, so old stores are rebuilt.
LAYOUT_VERSION = "3"
_READY = "rcpkg-store-complete"


class DataLoadError(Exception):
    """An input file could not be read: names the file and, where the parser says, the line."""


@dataclass(frozen=True)
class Input:
    """One file to load, and the named graph its triples go to (``None``: the default graph)."""

    path: Path
    graph: str | None


def plan_inputs(settings: Settings) -> list[Input]:
    """Which files go into which graph.

    The checkout's ontology and shapes get named graphs of their own IRIs, so users can query
    them apart (``GRAPH <…/ontology>``); data goes to the default graph. Files given with
    ``--data`` keep their own graph names (TriG, N-Quads) and put triples in the default graph.
    The default graph seen by queries is always the union of all graphs.
    """
    try:
        if settings.data:
            return [Input(p, None) for p in rdf_formats.rdf_files(list(settings.data))]
        checkout = settings.checkout
        plan = [Input(p, settings.base_iri + "ontology") for p in _files(checkout / "ontology")]
        plan += [Input(p, None) for p in _files(checkout / "data")]
        plan += [Input(p, settings.base_iri + "shapes") for p in _files(checkout / "shapes")]
        return plan
    except (FileNotFoundError, ValueError) as exc:
        raise DataLoadError(str(exc)) from None


def _files(folder: Path) -> list[Path]:
    return rdf_formats.rdf_files([folder]) if folder.is_dir() else []


def fingerprint(plan: list[Input]) -> str:
    """A digest of the inputs' bytes, names and target graphs, and of the engine version."""
    digest = hashlib.sha256(f"{LAYOUT_VERSION}|{ox.__version__}".encode())
    for item in plan:
        digest.update(f"|{item.path.name}|{item.graph}|".encode())
        with item.path.open("rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


#: Inputs smaller than this load without progress reports.
PROGRESS_THRESHOLD = 8 * 1024 * 1024


def read_quads(item: Input, progress: Progress | None = None) -> Iterator[ox.Quad]:
    """The quads of one input file, triples moved to the input's target graph.

    Blank node labels are renamed per file, so ``_:b1`` in two files are two nodes.
    """
    syntax = rdf_formats.syntax_for(item.path)
    assert syntax is not None  # plan_inputs only lists RDF files
    graph = ox.NamedNode(item.graph) if item.graph else None
    try:
        with item.path.open("rb") as raw:
            quads = ox.parse(
                CountingReader(raw, progress),
                format=syntax.oxigraph,
                base_iri=item.path.resolve().as_uri(),
                rename_blank_nodes=True,
            )
            for quad in quads:
                if graph is not None and isinstance(quad.graph_name, ox.DefaultGraph):
                    quad = ox.Quad(quad.subject, quad.predicate, quad.object, graph)
                yield quad
    except SyntaxError as exc:
        raise DataLoadError(f"{item.path}: {syntax.name} syntax error: {exc}") from None
    except (ValueError, OSError) as exc:
        raise DataLoadError(f"{item.path}: could not be loaded: {exc}") from None


def build_store(plan: list[Input], target: Path, digest: str) -> None:
    """Load ``plan`` into a new store at ``target``, atomically: all of it or nothing.

    The store is written in a temporary folder beside ``target`` and renamed into place when
    complete; a failed or interrupted build leaves any existing store as it was (and its
    temporary folder is removed now, or by the next build if the process was killed).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(target.parent)
    total = sum(item.path.stat().st_size for item in plan)
    progress = Progress(total, f"loading {len(plan)} files") if total > PROGRESS_THRESHOLD else None
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    # Held for the whole build; the kernel releases it when the builder dies, however it dies.
    lock = (tmp.parent / f"{tmp.name}.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        store = ox.Store(str(tmp / "store"))
        for item in plan:
            store.bulk_extend(read_quads(item, progress))
        if progress:
            progress.finish()
        store.flush()
        store.optimize()
        del store
        (tmp / _READY).write_text(digest + "\n")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / _READY).exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process built it first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        Path(lock.name).unlink(missing_ok=True)
        lock.close()


def _remove_stale_builds(folder: Path) -> None:
    """Delete temporary build folders whose builder died (its lock is free)."""
    for lock_path in folder.glob(".*.lock"):
        with lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a build still running
            shutil.rmtree(folder / lock_path.name.removesuffix(".lock"), ignore_errors=True)
            lock_path.unlink(missing_ok=True)


def ensure_store(settings: Settings) -> tuple[Path, str]:
    """The folder of a complete store for the settings' inputs, built if needed, and its
    fingerprint. With ``settings.store_path`` set, that folder is used as it is."""
    if settings.store_path is not None:
        return settings.store_path, read_fingerprint(settings.store_path)
    plan = plan_inputs(settings)
    if not plan:
        raise DataLoadError("No RDF files to serve in: " + ", ".join(map(str, settings.data_paths)))
    digest = fingerprint(plan)
    target = settings.cache_dir / "stores" / digest[:24]
    if not (target / _READY).exists():
        log.info("building the store for %d files in %s", len(plan), target)
        build_store(plan, target, digest)
    return target, digest


def read_fingerprint(target: Path) -> str:
    """The fingerprint a built store folder was made for."""
    try:
        return (target / _READY).read_text().strip()
    except OSError:
        raise DataLoadError(f"{target}: not a complete rcpkg store") from None


class EmbeddedStore(Store):
    """Service queries on a read-only handle in this process; user queries in workers."""

    #: A built store folder is never written again: a new input gets a new folder.
    immutable = True

    def __init__(self, folder: Path, fingerprint: str, settings: Settings) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self._store = ox.Store.read_only(str(folder / "store"))
        self._pool = QueryWorkerPool.for_settings(folder / "store", settings)

    @classmethod
    def open(cls, settings: Settings) -> EmbeddedStore:
        """Build the store if this input was never seen, then open it."""
        folder, digest = ensure_store(settings)
        return cls(folder, digest, settings)

    def run_query(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        return self._pool.run(request, formats)

    def select(self, query: str) -> list[dict[str, Term]]:
        answer = self._store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in answer.variables]  # type: ignore[union-attr]
        return [
            {n: s[n] for n in names if s[n] is not None}
            for s in answer  # type: ignore[union-attr]
        ]

    def construct(self, query: str) -> list[ox.Triple]:
        return list(self._store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]

    def ask(self, query: str) -> bool:
        return bool(self._store.query(query, use_default_graph_as_union=True))

    def triple_count(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"].value)

    @property
    def handle(self) -> ox.Store:
        """The read-only pyoxigraph store, for services that export whole graphs."""
        return self._store

    def close(self) -> None:
        self._pool.close()
