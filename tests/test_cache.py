"""The LRU cache keeps to its bounds, and the SPARQL service caches only immutable data."""

from __future__ import annotations

from dataclasses import dataclass

from rcpkg.cache import LruCache
from rcpkg.config import Settings
from rcpkg.sparql.service import SparqlService
from rcpkg.store.base import QueryOutcome, QueryRequest, ResultPreference, Store


@dataclass
class Blob:
    body: bytes


def test_entries_bound_drops_the_least_recently_used() -> None:
    cache = LruCache(2)
    cache.put(("a",), Blob(b"1"))
    cache.put(("b",), Blob(b"2"))
    assert cache.get(("a",)) is not None  # a is now more recent than b
    cache.put(("c",), Blob(b"3"))
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None


def test_bytes_bound_holds_and_oversized_values_are_not_kept() -> None:
    cache = LruCache(100, max_bytes=10)
    cache.put(("a",), Blob(b"x" * 6))
    cache.put(("b",), Blob(b"y" * 6))
    assert cache.bytes <= 10 and len(cache) == 1 and cache.get(("b",)) is not None
    cache.put(("huge",), Blob(b"z" * 11))
    assert cache.get(("huge",)) is None and cache.get(("b",)) is not None


class CountingStore(Store):
    """A store that answers every query the same way and counts the calls."""

    fingerprint = "f" * 64

    def __init__(self, immutable: bool) -> None:
        self.immutable = immutable
        self.calls = 0

    def run_query(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        self.calls += 1
        return QueryOutcome(b'{"boolean":true}', "application/sparql-results+json", "ASK", 1)

    def select(self, query: str) -> list:
        return []

    def construct(self, query: str) -> list:
        return []

    def ask(self, query: str) -> bool:
        return True

    def triple_count(self) -> int:
        return 0


def test_answers_of_an_immutable_store_are_reused() -> None:
    store = CountingStore(immutable=True)
    service = SparqlService(store, Settings())
    formats = ResultPreference("json", "ttl")
    for _ in range(3):
        assert service.answer(QueryRequest("ASK {}"), formats).body == b'{"boolean":true}'
    assert store.calls == 1
    service.answer(QueryRequest("ASK {}"), ResultPreference("xml", "ttl"))  # another format
    service.answer(QueryRequest("ASK { }"), formats)  # another query
    assert store.calls == 3


def test_a_store_that_may_change_is_always_asked() -> None:
    store = CountingStore(immutable=False)
    service = SparqlService(store, Settings())
    for _ in range(3):
        service.answer(QueryRequest("ASK {}"), ResultPreference("json", "ttl"))
    assert store.calls == 3


def test_values_that_know_their_size_are_weighed_by_it() -> None:
    @dataclass
    class Sized:
        nbytes: int

    cache = LruCache(100, max_bytes=1000)
    cache.put(("a",), Sized(600))
    cache.put(("b",), Sized(600))
    assert len(cache) == 1 and cache.bytes == 600
