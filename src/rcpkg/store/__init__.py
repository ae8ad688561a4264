"""The store: one small interface over an embedded pyoxigraph store or a remote SPARQL service.

The web layer and the services depend only on :class:`~rcpkg.store.base.Store`; which
implementation backs it is decided once, by :func:`open_store`, from the settings.
"""

from __future__ import annotations

from rcpkg.config import Settings
from rcpkg.store.base import QueryOutcome, QueryRequest, Store, StoreError


def open_store(settings: Settings) -> Store:
    """The store the settings ask for: remote when an endpoint is given, else embedded."""
    if settings.endpoint:
        from rcpkg.store.remote import RemoteStore

        return RemoteStore(settings)
    from rcpkg.store.embedded import EmbeddedStore

    return EmbeddedStore.open(settings)


__all__ = ["QueryOutcome", "QueryRequest", "Store", "StoreError", "open_store"]
