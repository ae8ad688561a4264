"""The store interface every backend implements, and the errors it may raise.

Two kinds of query go through a store. *User queries* come from the SPARQL endpoint: they are
untrusted, so they run under a time limit and a row cap and come back already serialized.
*Service queries* are the ones rcpkg writes itself (a thing's description, counts for a page):
they are known to be cheap and come back as terms for the caller to work with.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import pyoxigraph as ox

#: A term as the services see it, whatever the backend.
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class QueryRequest:
    """A user query and the RDF dataset the protocol request named for it."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: The base IRI relative IRIs in the query resolve against, when the query has no BASE.
    #: The SPARQL Protocol lets the service choose it; rcpkg uses the endpoint's IRI.
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryOutcome:
    """A serialized answer to a user query."""

    body: bytes
    media_type: str
    #: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (CONSTRUCT and DESCRIBE both say GRAPH).
    form: str
    #: Solutions or triples in ``body``.
    count: int = 0
    #: True when the row cap cut the answer short.
    truncated: bool = False


@dataclass(frozen=True)
class ResultPreference:
    """The formats the client accepts, negotiated before the query form is known.

    ``tabular`` is used for SELECT and ASK, ``graph`` for CONSTRUCT and DESCRIBE; ``None``
    means the client accepts nothing rcpkg can send for that family (answer 406).
    """

    tabular: str | None
    graph: str | None


class StoreError(Exception):
    """A failure the client should hear about, with the HTTP status that fits it."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __reduce__(self) -> tuple:
        # Errors cross the pipe from query workers; subclasses take other arguments.
        return (_restore_error, (type(self), self.message, self.status))


def _restore_error(cls: type[StoreError], message: str, status: int) -> StoreError:
    error = cls.__new__(cls)
    StoreError.__init__(error, message, status)
    return error


class QuerySyntaxError(StoreError):
    """The query does not parse (400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 400)


class QueryRefused(StoreError):
    """The query parses but asks for something the endpoint does not do (400 or 403)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status)


class QueryTimeout(StoreError):
    """The query ran past the time limit and was stopped (503)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 503)


class NotAcceptable(StoreError):
    """No format the client accepts fits the query form (406)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 406)


class StoreBusy(StoreError):
    """Every query worker stayed busy for as long as a request may wait (503)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 503)


class StoreUnavailable(StoreError):
    """The backing store cannot be reached or broke (502), or did not answer in time (504)."""


class Store(ABC):
    """What the services need from a triple store."""

    #: Changes whenever the data changes; used in ETags and cache keys.
    fingerprint: str
    #: True when the data cannot change while the store is open, so answers may be cached.
    immutable: bool = False

    @abstractmethod
    def run_query(self, request: QueryRequest, formats: ResultPreference) -> QueryOutcome:
        """Answer a user query under the time limit and row cap, serialized as negotiated."""

    @abstractmethod
    def select(self, query: str) -> list[dict[str, Term]]:
        """Run a trusted SELECT over the union of all graphs; rows map variable to term."""

    @abstractmethod
    def construct(self, query: str) -> list[ox.Triple]:
        """Run a trusted CONSTRUCT or DESCRIBE over the union of all graphs."""

    @abstractmethod
    def ask(self, query: str) -> bool:
        """Run a trusted ASK over the union of all graphs."""

    @abstractmethod
    def triple_count(self) -> int:
        """Triples in the union of all graphs."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release processes and handles; the store is unusable afterwards."""
