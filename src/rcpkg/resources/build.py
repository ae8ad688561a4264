"""The dumps and the dataset description: ``rcpkg build`` and the server's ``/download``.

``rcpkg build [--out dist]`` validates the checkout first and stops if it does not conform;
then it writes, into ``dist/``:

- ``rcpkg.ttl`` (Turtle, our prefixes), ``rcpkg.nt`` (N-Triples, sorted lines),
  ``rcpkg.nt.gz`` (the same, gzip), ``rcpkg.jsonld`` (JSON-LD compacted with our context):
  every triple of the union of all graphs (data, ontology, shapes), as the SPARQL endpoint's
  default graph shows it;
- ``dataset.ttl``: the VoID/DCAT description, with the real byte sizes of the dumps;
- ``build.json``: the store fingerprint the dumps were made from, and the sizes.

The server serves the dumps from ``Settings.dist_dir`` (default ``{checkout}/dist``) when its
``build.json`` names the data being served; otherwise (never built, or built from older data)
it generates them once, at the first request that needs them, into
``{cache_dir}/dist/{fingerprint}/``, atomically (a temporary folder renamed into place), so
several worker processes never see half a dump. Stale dumps are never served.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Graph

from rcpkg.resources import dataset as dataset_module
from rcpkg.resources.describe import new_graph, to_rdflib
from rcpkg.resources.representations import bind_prefixes, serialize, sorted_ntriples
from rcpkg.store.base import Store

log = logging.getLogger(__name__)

BUILD_INFO = "build.json"
DATASET_FILE = "dataset.ttl"
#: Dump file names and their media types (also the only names ``/download/`` answers).
DUMP_FILES: dict[str, str] = {d.name: d.media_type for d in dataset_module.DUMPS}
#: The CSV tables live in this sub-folder of the dumps, served at ``/download/csv/``.
CSV_FOLDER = "csv"
CSV_METADATA = "csv-metadata.json"


def export_graph(store: Store) -> Graph:
    """Every distinct triple of the union of all graphs, as one rdflib graph."""
    graph = new_graph()
    for row in store.select("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"):
        graph.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
    return graph


def write_dumps(
    store: Store, out: Path, base_iri: str, context: dict[str, Any], modified: date | None
) -> dict[str, int]:
    """Write the dumps, ``dataset.ttl`` and ``build.json`` into ``out``; return the sizes."""
    out.mkdir(parents=True, exist_ok=True)
    graph = export_graph(store)
    ntriples = sorted_ntriples(graph)
    bodies = {
        "rcpkg.ttl": serialize(graph, "ttl", base_iri, context),
        "rcpkg.nt": ntriples,
        "rcpkg.nt.gz": gzip.compress(ntriples, mtime=0),
        "rcpkg.jsonld": serialize(graph, "jsonld", base_iri, context),
    }
    sizes: dict[str, int] = {}
    for name, body in bodies.items():
        (out / name).write_bytes(body)
        sizes[name] = len(body)
    # The tidy CSV tables and their CSV on the Web metadata, beside the dumps.
    from rcpkg.export import write_tables

    write_tables(store, out / CSV_FOLDER, base_iri)
    description = dataset_module.describe_dataset(store, base_iri, sizes, modified)
    bind_prefixes(description, base_iri)
    (out / DATASET_FILE).write_bytes(description.serialize(format="turtle", encoding="utf-8"))
    info = {"fingerprint": store.fingerprint, "base_iri": base_iri, "sizes": sizes}
    (out / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return sizes


def read_build_info(folder: Path) -> dict[str, Any] | None:
    """The ``build.json`` of a dump folder, or ``None`` when there is none (or it is broken)."""
    try:
        return json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def matches(folder: Path, fingerprint: str, base_iri: str) -> bool:
    """True when ``folder`` holds complete dumps of the data ``fingerprint`` for ``base_iri``."""
    info = read_build_info(folder)
    return bool(
        info
        and info.get("fingerprint") == fingerprint
        and info.get("base_iri") == base_iri
        and all((folder / name).is_file() for name in DUMP_FILES)
        and (folder / CSV_FOLDER / CSV_METADATA).is_file()
    )


class Dumps:
    """Where the dumps of the served data are, generating them once when needed."""

    def __init__(
        self,
        store: Store,
        base_iri: str,
        dist_dir: Path,
        cache_dir: Path,
        context: Callable[[], dict[str, Any]],
        modified: date | None,
    ) -> None:
        self.store = store
        self.base_iri = base_iri
        self.dist_dir = dist_dir
        self.cache_dir = cache_dir
        self._context = context
        self.modified = modified
        self._lock = threading.Lock()
        self._folder: Path | None = None

    def folder(self) -> Path:
        """The folder holding dumps of the served data (built on the first call if needed)."""
        if self._folder is not None:
            return self._folder
        with self._lock:
            if self._folder is None:
                self._folder = self._locate()
        return self._folder

    def _locate(self) -> Path:
        fingerprint = self.store.fingerprint
        if matches(self.dist_dir, fingerprint, self.base_iri):
            return self.dist_dir
        target = self.cache_dir / "dist" / fingerprint[:24]
        if matches(target, fingerprint, self.base_iri):
            return target
        log.info("writing the dumps into %s", target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            write_dumps(self.store, tmp, self.base_iri, self._context(), self.modified)
            try:
                os.rename(tmp, target)
            except OSError:
                if not matches(target, fingerprint, self.base_iri):
                    shutil.rmtree(target, ignore_errors=True)
                    os.rename(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    def path(self, name: str) -> Path | None:
        """The dump file ``name`` (one of :data:`DUMP_FILES`), or ``None`` for any other."""
        if name not in DUMP_FILES:
            return None
        return self.folder() / name

    def csv_path(self, name: str) -> Path | None:
        """A CSV table or the CSVW metadata, by file name; ``None`` for anything else."""
        folder = self.folder() / CSV_FOLDER
        published = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        if name not in published or not (name.endswith(".csv") or name == CSV_METADATA):
            return None
        return folder / name

    def sizes(self) -> dict[str, int]:
        folder = self.folder()
        return {name: (folder / name).stat().st_size for name in DUMP_FILES}


def run(settings: Any, out: Path | None = None) -> int:
    """``rcpkg build``: validate the checkout, then write the dumps; the exit code.

    0 built; 1 the data does not conform (nothing is written); 2 it could not be read, or
    validation is not available.
    """
    import sys

    from rcpkg.resources.jsonld import load_context
    from rcpkg.resources.service import input_files
    from rcpkg.store import open_store
    from rcpkg.store.base import StoreError
    from rcpkg.store.embedded import DataLoadError

    try:
        from rcpkg import validation
    except ImportError as exc:
        print(f"rcpkg build: cannot validate ({exc}); nothing was built", file=sys.stderr)
        return 2
    target = Path(out) if out else (settings.dist_dir or settings.checkout / "dist")
    code = validation.run(None, settings.checkout)
    if code != 0:
        print("rcpkg build: the data does not validate; nothing was built", file=sys.stderr)
        return code
    try:
        store = open_store(settings)
    except DataLoadError as exc:
        print(f"rcpkg build: {exc}", file=sys.stderr)
        return 2
    try:
        modified = dataset_module.modified_date(
            input_files(settings), None if settings.data else settings.checkout
        )
        sizes = write_dumps(
            store, target, settings.base_iri, load_context(settings.base_iri), modified
        )
    except (StoreError, OSError) as exc:
        print(f"rcpkg build: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for name, size in sizes.items():
        print(f"{target / name}  {size} bytes")
    print(target / DATASET_FILE)
    return 0
