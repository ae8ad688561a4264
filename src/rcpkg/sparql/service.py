"""The SPARQL service: what the endpoint does with a parsed request, apart from HTTP."""

from __future__ import annotations

from dataclasses import replace

from rcpkg.config import Settings
from rcpkg.sparql.guard import check_nesting, check_service
from rcpkg.store.base import QueryOutcome, QueryRequest, ResultPreference, Store


class SparqlService:
    """Checks a user query against the operator's rules, then runs it on the store."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def answer(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        """The serialized answer; raises a :class:`~rcpkg.store.base.StoreError` otherwise."""
        check_nesting(request.query)
        check_service(request.query, self.settings.service_allowlist)
        if request.base_iri is None:
            request = replace(request, base_iri=self.settings.base_iri + "sparql")
        return self.store.run_query(request, formats)
