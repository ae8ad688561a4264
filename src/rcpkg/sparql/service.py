"""The SPARQL service: what the endpoint does with a parsed request, apart from HTTP."""

from __future__ import annotations

from dataclasses import replace

from rcpkg.cache import LruCache
from rcpkg.config import Settings
from rcpkg.sparql.guard import check_nesting, check_service
from rcpkg.store.base import QueryOutcome, QueryRequest, ResultPreference, Store

#: Answers larger than this are not cached: they are rare, and would crowd out the rest.
_LARGEST_CACHED = 1024 * 1024


class SparqlService:
    """Checks a user query against the operator's rules, then runs it on the store.

    On a store whose data cannot change (the embedded one), answers are kept in a small LRU
    cache keyed by the data's fingerprint, the request and the negotiated formats: repeated
    queries (a page's example, a dashboard polling) skip the query worker altogether.
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        enabled = store.immutable and settings.answer_cache_bytes > 0
        self._answers = LruCache(4096, settings.answer_cache_bytes) if enabled else None

    def answer(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        """The serialized answer; raises a :class:`~rcpkg.store.base.StoreError` otherwise."""
        check_nesting(request.query)
        check_service(request.query, self.settings.service_allowlist)
        if request.base_iri is None:
            request = replace(request, base_iri=self.settings.base_iri + "sparql")
        # A query reaching another endpoint (allow-listed SERVICE) may answer differently.
        if self._answers is None or "service" in request.query.lower():
            return self.store.run_query(request, formats)
        key = (self.store.fingerprint, request, formats)
        outcome = self._answers.get(key)
        if outcome is None:
            outcome = self.store.run_query(request, formats)
            if len(outcome.body) <= _LARGEST_CACHED:
                self._answers.put(key, outcome)
        return outcome
