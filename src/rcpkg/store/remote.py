"""The remote store: any SPARQL 1.1 query service, reached over HTTP.

For users who outgrow one machine: they load the graph into an established triple store and
point rcpkg at its endpoint (``--endpoint URL``). Every answer is parsed and written again by
rcpkg, so the row cap, the result formats and the error statuses are the same as with the
embedded store. The time limit is enforced on the HTTP call; a store that cannot be reached
is a 502, one that does not answer in time a 504.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import requests

from rcpkg import __version__
from rcpkg.config import Settings
from rcpkg.sparql import results
from rcpkg.store.base import (
    QueryOutcome,
    QueryRefused,
    QueryRequest,
    QuerySyntaxError,
    ResultPreference,
    Store,
    StoreUnavailable,
    Term,
)

_SELECT_ACCEPT = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
_CONNECT_TIMEOUT = 5.0


class RemoteStore(Store):
    """A :class:`Store` over a remote SPARQL 1.1 query endpoint."""

    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        assert settings.endpoint
        self.endpoint = settings.endpoint
        self.timeout = settings.query_timeout
        self.max_rows = settings.max_rows
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = f"rcpkg/{__version__}"
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:  # type: ignore[override]
        """The remote data has no version we can read; its size stands in for one.

        Asked on first use, not at start-up, so rcpkg starts (and recovers) while the store
        is down; ETags change when triples are added or removed.
        """
        if self._fingerprint is None:
            count = self.triple_count()
            self._fingerprint = hashlib.sha256(f"{self.endpoint}|{count}".encode()).hexdigest()
        return self._fingerprint

    def _post(self, request: QueryRequest, accept: str, timeout: float) -> requests.Response:
        params = [("default-graph-uri", g) for g in request.default_graphs]
        params += [("named-graph-uri", g) for g in request.named_graphs]
        try:
            response = self._session.post(
                self.endpoint,
                params=params,
                data=request.query.encode(),
                headers={"Content-Type": "application/sparql-query", "Accept": accept},
                timeout=(_CONNECT_TIMEOUT, timeout),
            )
        except requests.Timeout:
            raise StoreUnavailable(
                f"The SPARQL store did not answer within {timeout:g} s.", 504
            ) from None
        except requests.RequestException:
            raise StoreUnavailable(
                "The SPARQL store cannot be reached; try again later.", 502
            ) from None
        if response.status_code == 400:
            message = response.text.strip()[:400] or "the store rejected the query"
            raise QuerySyntaxError(f"The query was rejected: {message}")
        if response.status_code in (401, 403):
            raise QueryRefused("The SPARQL store refused the query.", 403)
        if response.status_code >= 500 or not response.ok:
            raise StoreUnavailable(
                f"The SPARQL store failed to answer (HTTP {response.status_code}).", 502
            )
        return response

    def _answer(self, request: QueryRequest, timeout: float):
        """The store's answer as pyoxigraph objects, whatever the query form."""
        response = self._post(request, f"{_SELECT_ACCEPT}, {_GRAPH_ACCEPT}", timeout)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            if media_type in ("application/n-triples", "text/turtle", "text/plain"):
                fmt = ox.RdfFormat.TURTLE if media_type == "text/turtle" else ox.RdfFormat.N_TRIPLES
                return [q.triple for q in ox.parse(response.content, format=fmt)]
            return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError):
            raise StoreUnavailable(
                "The SPARQL store sent an answer rcpkg cannot read.", 502
            ) from None

    def run_query(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        answer = self._answer(request, self.timeout)
        return results.serialize_answer(answer, formats, self.max_rows)

    def select(self, query: str) -> list[dict[str, Term]]:
        answer = self._answer(QueryRequest(query), self.timeout)
        if not isinstance(answer, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in answer.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in answer]

    def construct(self, query: str) -> list[ox.Triple]:
        answer = self._answer(QueryRequest(query), self.timeout)
        if not isinstance(answer, list):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        return answer

    def ask(self, query: str) -> bool:
        return bool(self._answer(QueryRequest(query), self.timeout))

    def triple_count(self) -> int:
        # The store's default graph should be the union of its graphs, as rcpkg's own is
        # (Oxigraph: ``serve --union-default-graph``); see docs/configuration.md.
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"].value)

    def close(self) -> None:
        self._session.close()


def push_to_graph_store(plan: list, graph_store: str, timeout: float = 300.0) -> dict[str, int]:
    """Replace each graph of ``plan`` in a remote store by the SPARQL 1.1 Graph Store Protocol.

    ``plan`` is :func:`rcpkg.store.embedded.plan_inputs`' list. Triples are grouped by target
    graph (quads keep theirs) and each graph is sent with one ``PUT`` as N-Triples, so a graph
    is replaced whole or, if the request fails, left as it was. Returns triples per graph.
    """
    from rcpkg.store.embedded import read_quads

    graphs: dict[str | None, list[ox.Triple]] = {}
    for item in plan:
        for quad in read_quads(item):
            name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            graphs.setdefault(name, []).append(quad.triple)
    sent: dict[str, int] = {}
    with requests.Session() as session:
        for name, triples in graphs.items():
            params = {"graph": name} if name else {"default": ""}
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            try:
                response = session.put(
                    graph_store,
                    params=params,
                    data=body,
                    headers={"Content-Type": "application/n-triples"},
                    # One timeout for both: urllib3 sends the body under the connect timeout,
                    # and a large graph takes longer than a connection does to open.
                    timeout=timeout,
                )
            except requests.RequestException as exc:
                raise StoreUnavailable(f"The graph store cannot be reached: {exc}", 502) from None
            if not response.ok:
                raise StoreUnavailable(
                    f"The graph store refused graph {name or '(default)'}: "
                    f"HTTP {response.status_code} {response.text[:200]}",
                    502,
                )
            sent[name or ""] = len(triples)
    return sent
