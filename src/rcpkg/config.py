"""Settings held as data: command-line flags, then ``RCPKG_*`` environment variables, then defaults.

One frozen :class:`Settings` object is built at start-up and stored on the Flask app; nothing
reads the environment after that, so a request never sees settings change under it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_BASE_IRI = "https://w3id.org/rcpkg/"


def find_checkout() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``shapes/``.

    ``RCPKG_CHECKOUT`` wins; else the nearest parent of the working directory that has them;
    else the checkout this package was installed from (``src/rcpkg/../..``).
    """
    env = os.environ.get("RCPKG_CHECKOUT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "ontology").is_dir() and (candidate / "data").is_dir():
            return candidate
    return Path(__file__).resolve().parents[2]


def _cache_home() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "rcpkg" if xdg else Path.home() / ".cache" / "rcpkg"


@dataclass(frozen=True)
class Settings:
    """Everything the server and the commands can be told; see docs/configuration.md."""

    base_iri: str = DEFAULT_BASE_IRI
    #: RDF files or folders to serve; empty means the checkout's ontology/, data/ and shapes/.
    data: tuple[Path, ...] = ()
    #: A remote SPARQL 1.1 query endpoint to serve instead of the embedded store.
    endpoint: str | None = None
    checkout: Path = field(default_factory=find_checkout)
    #: Where persistent embedded stores are kept, one folder per distinct input.
    cache_dir: Path = field(default_factory=_cache_home)
    host: str = "127.0.0.1"
    port: int = 8080
    #: gunicorn worker processes for ``rcpkg serve``.
    workers: int = 2
    #: Threads per gunicorn worker (requests waiting on a query do not block the others).
    threads: int = 4
    #: Wall-clock limit for one SPARQL query, in seconds.
    query_timeout: float = 10.0
    #: Query worker processes per web process (each runs one query at a time), kept warm.
    query_workers: int = 2
    #: Most query workers per web process, started on demand; keep it below ``threads`` so a
    #: web process always has a thread for pages while every query worker is busy.
    query_workers_max: int = 3
    #: Address-space limit of each query worker, in MiB (0: none); a query past it gets 503.
    query_memory_mb: int = 2048
    #: Most solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) a query returns.
    max_rows: int = 10_000
    #: Largest serialized answer to a user query, in bytes; a larger one gets 503.
    max_answer_bytes: int = 64 * 1024 * 1024
    #: Largest request body or query string accepted, in bytes.
    max_request_bytes: int = 256 * 1024
    #: Remote SPARQL endpoints a query may reach through SERVICE (none by default).
    service_allowlist: tuple[str, ...] = ()
    #: A built store folder to open as it is, without looking at the inputs again. Set by
    #: ``rcpkg serve`` for its workers, so every worker serves the same data.
    store_path: Path | None = None
    #: Folder with the built dumps and dataset description (``rcpkg build --out``).
    dist_dir: Path | None = None
    #: Most triples with a thing as object that its description holds (from IRI subjects).
    incoming_limit: int = 500
    #: Serialized documents (thing x format) kept in memory per web process.
    representation_cache_size: int = 4096
    #: Most bytes of cached representations and pages per web process.
    representation_cache_bytes: int = 64 * 1024 * 1024
    #: Most bytes of cached SPARQL answers per web process (embedded store only: its data
    #: cannot change under a running server); 0 turns the cache off.
    answer_cache_bytes: int = 32 * 1024 * 1024
    #: Most bytes of complete /doc/ answers replayed without Flask (0 turns it off).
    replay_cache_bytes: int = 32 * 1024 * 1024

    @property
    def data_paths(self) -> tuple[Path, ...]:
        """The inputs actually served: the given files, or the checkout's graph."""
        if self.data:
            return self.data
        return tuple(self.checkout / name for name in ("ontology", "data", "shapes"))

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-``None`` values of ``overrides`` applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_ENV_CONVERTERS: dict[str, Any] = {
    "base_iri": str,
    "endpoint": str,
    "checkout": Path,
    "cache_dir": Path,
    "host": str,
    "port": int,
    "workers": int,
    "threads": int,
    "query_timeout": float,
    "query_workers": int,
    "query_workers_max": int,
    "query_memory_mb": int,
    "max_rows": int,
    "max_request_bytes": int,
    "max_answer_bytes": int,
    "dist_dir": Path,
    "store_path": Path,
    "incoming_limit": int,
    "representation_cache_size": int,
    "representation_cache_bytes": int,
    "answer_cache_bytes": int,
    "replay_cache_bytes": int,
    "data": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "service_allowlist": lambda v: tuple(u for u in v.split() if u),
}


def settings_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings given as ``RCPKG_<NAME>`` environment variables, converted to their types."""
    environ = dict(os.environ) if environ is None else environ
    found: dict[str, Any] = {}
    for f in fields(Settings):
        raw = environ.get("RCPKG_" + f.name.upper())
        if raw is not None and f.name in _ENV_CONVERTERS:
            try:
                found[f.name] = _ENV_CONVERTERS[f.name](raw)
            except ValueError as exc:
                raise ValueError(f"RCPKG_{f.name.upper()}={raw!r}: {exc}") from None
    return found


def load_settings(environ: dict[str, str] | None = None, **flags: Any) -> Settings:
    """Flags win over environment variables, which win over defaults."""
    merged = settings_from_env(environ)
    merged.update({k: v for k, v in flags.items() if v is not None})
    settings = Settings(**merged)
    if not settings.base_iri.endswith(("/", "#")):
        settings = replace(settings, base_iri=settings.base_iri + "/")
    return settings
