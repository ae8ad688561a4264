"""The embedded store: pyoxigraph on disk, built once per distinct input, opened read-only.

Parsing a million triples takes seconds; opening a built store takes milliseconds. So the
input files are fingerprinted, a store is built for each fingerprint the first time it is
seen (into a temporary folder, renamed into place when complete, so no reader ever sees half
a graph), and every later start, every gunicorn worker and every query worker opens that
folder read-only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from rcpkg import rdf_formats
from rcpkg.config import Settings
from rcpkg.sparql.workers import QueryWorkerPool
from rcpkg.store.base import QueryOutcome, QueryRequest, ResultPreference, Store, Term

log = logging.getLogger(__name__)

#: Bump when the way inputs are laid out in the store changes, so old stores are rebuilt.
LAYOUT_VERSION = "1"
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


def build_store(plan: list[Input], target: Path) -> None:
    """Load ``plan`` into a new store at ``target``, atomically: all of it or nothing.

    A failed build removes its temporary folder and leaves any existing ``target`` as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        store = ox.Store(str(tmp))
        for item in plan:
            syntax = rdf_formats.syntax_for(item.path)
            assert syntax is not None  # plan_inputs only lists RDF files
            graph = ox.NamedNode(item.graph) if item.graph else None
            try:
                store.bulk_load(
                    path=str(item.path),
                    format=syntax.oxigraph,
                    base_iri=item.path.resolve().as_uri(),
                    to_graph=graph,
                )
            except SyntaxError as exc:
                raise DataLoadError(f"{item.path}: {syntax.name} syntax error: {exc}") from None
            except (ValueError, OSError) as exc:
                raise DataLoadError(f"{item.path}: could not be loaded: {exc}") from None
        store.flush()
        store.optimize()
        del store
        (tmp / _READY).write_text("ok\n")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / _READY).exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process built it first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def ensure_store(settings: Settings) -> tuple[Path, str]:
    """The folder of a complete store for the settings' inputs, building it if needed."""
    plan = plan_inputs(settings)
    if not plan:
        raise DataLoadError("No RDF files to serve in: " + ", ".join(map(str, settings.data_paths)))
    print_ = fingerprint(plan)
    target = settings.cache_dir / "stores" / print_[:24]
    if not (target / _READY).exists():
        log.info("building the store for %d files in %s", len(plan), target)
        build_store(plan, target)
    return target, print_


class EmbeddedStore(Store):
    """Service queries on a read-only handle in this process; user queries in workers."""

    def __init__(self, path: Path, fingerprint: str, settings: Settings) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self._store = ox.Store.read_only(str(path))
        self._pool = QueryWorkerPool(
            path, settings.query_workers, settings.query_timeout, settings.max_rows
        )

    @classmethod
    def open(cls, settings: Settings) -> EmbeddedStore:
        """Build the store if this input was never seen, then open it."""
        path, digest = ensure_store(settings)
        return cls(path, digest, settings)

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
