"""The ``rcpkg`` command: serve, validate, build, query, export.

Each subcommand reads its flags, turns them into :class:`~rcpkg.config.Settings` (flags, then
``RCPKG_*`` variables, then defaults) and calls the module that does the work. Exit codes:
0 success, 1 the data or query is wrong, 2 the input could not be read or used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rcpkg import __version__
from rcpkg.config import Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    flags: dict[str, Any] = {}
    for name in ("host", "port", "base_iri", "endpoint", "workers", "query_timeout", "max_rows"):
        value = getattr(args, name, None)
        if value is not None:
            flags[name] = value
    if getattr(args, "data", None):
        flags["data"] = tuple(Path(p) for p in args.data)
    return load_settings(**flags)


def cmd_serve(args: argparse.Namespace) -> int:
    """Build or open the store, then serve it with gunicorn."""
    from rcpkg.serving import serve
    from rcpkg.store.embedded import DataLoadError

    settings = _settings(args)
    try:
        return serve(settings)
    except DataLoadError as exc:
        print(f"rcpkg serve: {exc}", file=sys.stderr)
        return 2


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate data files against the checkout's shapes."""
    from rcpkg import validation

    settings = load_settings()
    return validation.run(args.paths or None, settings.checkout)


def cmd_load(args: argparse.Namespace) -> int:
    """Build the persistent embedded store, or push the graph into a remote store."""
    from rcpkg.store.base import StoreError
    from rcpkg.store.embedded import DataLoadError, ensure_store, plan_inputs

    settings = _settings(args)
    try:
        if args.graph_store:
            from rcpkg.store.remote import push_to_graph_store

            sent = push_to_graph_store(plan_inputs(settings), args.graph_store)
            for graph, count in sent.items():
                print(f"{count} triples -> {graph or 'default graph'}")
            return 0
        path, digest = ensure_store(settings)
    except DataLoadError as exc:
        print(f"rcpkg load: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"rcpkg load: {exc.message}", file=sys.stderr)
        return 1
    print(f"store {digest[:16]} ready in {path}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """Run one query on the embedded store and print the answer."""
    from rcpkg.sparql.service import SparqlService
    from rcpkg.store import open_store
    from rcpkg.store.base import QueryRequest, ResultPreference, StoreError
    from rcpkg.store.embedded import DataLoadError

    if args.file:
        text = Path(args.file).read_text(encoding="utf-8")
    elif args.query:
        text = args.query
    else:
        print("rcpkg query: give a query or -f FILE", file=sys.stderr)
        return 2
    settings = _settings(args)
    tabular = {"table": "json", "json": "json", "csv": "csv", "ttl": "json"}[args.format]
    graph = "ttl" if args.format in ("table", "ttl") else "jsonld"
    try:
        store = open_store(settings)
    except DataLoadError as exc:
        print(f"rcpkg query: {exc}", file=sys.stderr)
        return 2
    try:
        # Through the same service as the endpoint: the SERVICE allow-list holds here too.
        service = SparqlService(store, settings)
        outcome = service.answer(QueryRequest(text), ResultPreference(tabular, graph))
    except StoreError as exc:
        print(f"rcpkg query: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.format == "table" and outcome.form in ("SELECT", "ASK"):
        print(render_table(json.loads(outcome.body)))
    else:
        sys.stdout.write(outcome.body.decode())
    if outcome.truncated:
        print(f"(cut at {settings.max_rows} rows)", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the tidy CSV tables and their CSVW metadata (``rcpkg export csv --out DIR``)."""
    from rcpkg.export import write_tables
    from rcpkg.store import open_store
    from rcpkg.store.base import StoreError
    from rcpkg.store.embedded import DataLoadError

    settings = _settings(args)
    try:
        store = open_store(settings)
    except DataLoadError as exc:
        print(f"rcpkg export: {exc}", file=sys.stderr)
        return 2
    try:
        paths = write_tables(store, Path(args.out))
    except (StoreError, OSError) as exc:
        print(f"rcpkg export: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for path in paths:
        print(path)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then write the dumps and the dataset description (``rcpkg build``)."""
    from rcpkg.resources import build

    settings = _settings(args)
    return build.run(settings, Path(args.out) if args.out else None)


def render_table(data: dict) -> str:
    """SPARQL JSON results as aligned text columns for a terminal."""
    if "boolean" in data:
        return "true" if data["boolean"] else "false"
    names = data["head"]["vars"]
    rows = [[b.get(n, {}).get("value", "") for n in names] for b in data["results"]["bindings"]]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate from :func:`main` so tests and docs can inspect it."""
    parser = argparse.ArgumentParser(prog="rcpkg", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"rcpkg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the graph over HTTP (SPARQL and linked data)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8080)")
    serve.add_argument("--base-iri", dest="base_iri", help="base IRI of the data")
    serve.add_argument("--data", nargs="+", metavar="PATH", help="RDF files or folders to serve")
    serve.add_argument("--endpoint", help="serve a remote SPARQL 1.1 endpoint instead")
    serve.add_argument("--workers", type=int, help="gunicorn worker processes (default 2)")
    serve.add_argument("--query-timeout", dest="query_timeout", type=float, help="seconds")
    serve.add_argument("--max-rows", dest="max_rows", type=int, help="row cap of answers")
    serve.set_defaults(func=cmd_serve)

    validate = sub.add_parser("validate", help="validate data against the shapes")
    validate.add_argument("paths", nargs="*", help="data files or folders (default: data/)")
    validate.set_defaults(func=cmd_validate)

    build = sub.add_parser("build", help="validate, then write the dumps and dataset description")
    build.add_argument("--out", metavar="DIR", help="folder to write into (default: dist/)")
    build.add_argument("--base-iri", dest="base_iri", help="base IRI of the data")
    build.set_defaults(func=cmd_build)

    load = sub.add_parser(
        "load", help="build the persistent store, or push the graph to a remote store"
    )
    load.add_argument("--data", nargs="+", metavar="PATH", help="RDF files or folders to load")
    load.add_argument("--base-iri", dest="base_iri", help="base IRI of the data")
    load.add_argument(
        "--graph-store", dest="graph_store", help="a SPARQL 1.1 Graph Store Protocol URL to push to"
    )
    load.set_defaults(func=cmd_load)

    query = sub.add_parser("query", help="run a SPARQL query on the embedded store")
    query.add_argument("query", nargs="?", help="the query text")
    query.add_argument("-f", "--file", help="read the query from a file")
    query.add_argument("--format", choices=["table", "csv", "json", "ttl"], default="table")
    query.add_argument("--data", nargs="+", metavar="PATH", help="RDF files or folders to query")
    query.set_defaults(func=cmd_query)

    export = sub.add_parser("export", help="write the graph as tidy tables")
    export.add_argument("format", choices=["csv"], help="csv: CSV tables with CSVW metadata")
    export.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    export.add_argument("--data", nargs="+", metavar="PATH", help="RDF files or folders to export")
    export.add_argument("--endpoint", help="export a remote SPARQL 1.1 endpoint instead")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rcpkg`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # a bad setting (e.g. RCPKG_PORT=abc)
        print(f"rcpkg: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
