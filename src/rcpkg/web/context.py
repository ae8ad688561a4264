"""What a request handler can reach: the services of this process, kept on the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from flask import current_app

from rcpkg.config import Settings
from rcpkg.examples import Example, load_examples
from rcpkg.pages.service import Pages
from rcpkg.resources.service import LinkedData
from rcpkg.sparql.description import service_description
from rcpkg.sparql.service import SparqlService
from rcpkg.store import Store, open_store


@dataclass
class AppServices:
    """The store and the services built on it, opened once per process."""

    settings: Settings
    store: Store
    sparql: SparqlService
    examples: list[Example]
    #: Serialized service descriptions by RDF format key, made once.
    service_description: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def open(cls, settings: Settings) -> AppServices:
        store = open_store(settings)
        description = service_description(
            settings.base_iri,
            settings.query_timeout,
            settings.max_rows,
            federated=bool(settings.service_allowlist),
        )
        formats = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
        return cls(
            settings=settings,
            store=store,
            sparql=SparqlService(store, settings),
            examples=load_examples(settings.checkout / "queries"),
            service_description={
                k: description.serialize(format=v, encoding="utf-8") for k, v in formats.items()
            },
        )

    @cached_property
    def triples(self) -> int:
        """Triples in the union of all graphs, counted once (a failure is not remembered)."""
        return self.store.triple_count()

    @cached_property
    def linked_data(self) -> LinkedData:
        """Descriptions, representations, dumps and the dataset description (made lazily)."""
        return LinkedData(self.store, self.settings)

    @cached_property
    def pages(self) -> Pages:
        """The HTML pages: things, home, ontology, search (made lazily, cached per release)."""
        return Pages(self.linked_data, self.examples)

    def close(self) -> None:
        self.store.close()


def services() -> AppServices:
    """The services of the running app."""
    return current_app.extensions["rcpkg"]
