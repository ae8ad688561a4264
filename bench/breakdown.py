"""Where the time of one rcpkg SPARQL request goes, layer by layer (no network, one client).

    python bench/breakdown.py --size M [--repeat 2000] [--queries describe,chair-in-year]

For each query in ``bench/queries/`` it times, per request (median and mean, in ms):

1. ``engine``: ``pyoxigraph.Store.query`` on the read-only store, answer iterated;
2. ``execute``: the worker's own function (engine + rcpkg's serialization), in-process;
3. ``pool``: ``EmbeddedStore.run_query``: the same through the pipe to a query worker;
4. ``flask``: a POST through the whole Flask app (test client), which adds the web layer;
   every request's text differs by a trailing comment, so the answer cache never hits;
5. ``cached``: the same POST with the same text every time: answered from the per-process
   answer cache (the web layer alone).

The differences are the cost of each layer: ``pool - execute`` is the worker IPC (pickle,
two pipe writes, two context switches), ``flask - pool`` the request/response handling
(including the cache look-up and insertion). Add ``--profile`` to write a cProfile of the
Flask layer (uncached) to ``bench/data/``, and ``--doc`` for ``/doc/state/`` pages: first
rendering, cached answer, and the floor of a bare Flask app sending the same bytes.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import run  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float]:
    for _ in range(min(50, repeat)):  # warm up
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), statistics.fmean(samples)


def doc_breakdown(app, client, store, repeat: int, pages: int) -> None:
    """``/doc/state/XXX`` in Turtle: first rendering, cached answer, and a bare Flask floor.

    ``render`` is the first GET of each of ``pages`` states (the description's queries, the
    rdflib graph, the Turtle serialization); ``cached`` a repeated GET of one page (the
    representation cache hits: routing, the existence check, negotiation, the conditional
    and security headers, compression checks); ``floor`` the same bytes from a bare Flask
    app with one route and no hooks, through the same test client.
    """
    from flask import Flask, Response

    prefix = "https://w3id.org/rcpkg/id/"
    rows = store.query(
        "SELECT ?s WHERE { ?s a <https://w3id.org/rcpkg/ontology#State> } ORDER BY ?s",
        use_default_graph_as_union=True,
    )
    paths = ["/doc/" + r["s"].value[len(prefix) :] for r in rows][:pages]
    headers = {"Accept": "text/turtle"}
    firsts = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        firsts.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    body = client.get(paths[0], headers=headers).data

    bare = Flask("bare")

    @bare.get("/doc/<path:path>")
    def page(path: str) -> Response:
        return Response(body, content_type="text/turtle; charset=utf-8")

    bare_client = bare.test_client()
    cached = timed(lambda: client.get(paths[0], headers=headers), repeat)
    floor = timed(lambda: bare_client.get(paths[0], headers=headers), repeat)
    print(
        f"\n/doc/ pages ({len(paths)} states, {len(body):,} bytes for {paths[0]}): "
        f"render median {statistics.median(firsts):.1f} ms, max {max(firsts):.1f} ms; "
        f"cached {cached[0]:.3f}/{cached[1]:.3f} ms; bare Flask floor "
        f"{floor[0]:.3f}/{floor[1]:.3f} ms (median/mean)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M")
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--queries", type=lambda v: v.split(","))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--doc", action="store_true", help="also the /doc/state/ pages (Accept: text/turtle)"
    )
    parser.add_argument("--doc-pages", type=int, default=20, help="pages rendered for --doc")
    args = parser.parse_args(argv)

    data, triples = generate.ensure(args.size)
    cache = Path(tempfile.mkdtemp(prefix="rcpkg-breakdown-"))
    os.environ["RCPKG_CACHE_DIR"] = str(cache)

    from rcpkg.config import load_settings
    from rcpkg.store.base import QueryRequest, ResultPreference
    from rcpkg.store.workers import Job, execute
    from rcpkg.web import create_app

    settings = load_settings(data=(data,), cache_dir=cache)
    app = create_app(settings)
    client = app.test_client()
    embedded = app.extensions["rcpkg"].store  # the app's own EmbeddedStore
    store = embedded.handle  # its read-only pyoxigraph store
    print(f"{data.name}: {triples:,} triples; median / mean ms per request, {args.repeat} each")
    print(f"{'query':20} {'engine':>13} {'execute':>13} {'pool':>13} {'flask':>13} {'cached':>13}")
    counter = itertools.count()
    try:
        for query in run.load_queries(args.queries):
            formats = ResultPreference(None if query.graph else "json", "ttl")
            request = QueryRequest(query.text)
            job = Job(request, formats, settings.max_rows)
            body = urllib.parse.urlencode({"query": query.text})
            headers = {
                "Accept": query.accept,
                "Content-Type": "application/x-www-form-urlencoded",
            }

            def engine(q=query.text):
                for _ in store.query(q, use_default_graph_as_union=True):
                    pass

            def post(body=body, headers=headers, vary=True):
                if vary:  # a different text every time: "\n# <n>" after the query
                    body = body + urllib.parse.urlencode({"": f"\n# {next(counter)}"})[1:]
                response = client.post("/sparql", data=body, headers=headers)
                assert response.status_code == 200, response.data[:300]

            cells = [
                timed(engine, args.repeat),
                timed(lambda job=job: execute(store, job), args.repeat),
                timed(lambda r=request, f=formats: embedded.run_query(r, f), args.repeat),
                timed(post, args.repeat),
                timed(lambda: post(vary=False), args.repeat),
            ]
            print(f"{query.name:20} " + " ".join(f"{m:6.3f}/{a:6.3f}" for m, a in cells))
            if args.profile:
                out = generate.DATA_DIR / f"profile-flask-{query.name}.pstats"
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.repeat):
                    post()
                profiler.disable()
                profiler.dump_stats(out)
                stats = pstats.Stats(str(out))
                stats.sort_stats("cumulative").print_stats(25)
        if args.doc:
            doc_breakdown(app, client, store, args.repeat, args.doc_pages)
    finally:
        app.extensions["rcpkg"].close()
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
