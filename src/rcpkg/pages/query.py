"""Small helpers for the page services' own SPARQL: rows as plain strings, labels in bulk."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from rcpkg.resources.describe import sparql_iri
from rcpkg.store.base import Store, Term

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = f"""PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX schema: <{SCHEMA}>
PREFIX org: <{ORG}>
PREFIX prov: <{PROV}>
PREFIX dcterms: <{DCTERMS}>
PREFIX owl: <{OWL}>
"""
#: Label properties, best first (as in :mod:`rcpkg.resources.view`).
LABEL_ORDER = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name")
_CHUNK = 200


def value(term: Term | None) -> str | None:
    """The lexical value of a term (IRI string, literal text), or ``None``."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return None


def iri(term: Term | None) -> str | None:
    """The IRI of a term when it is one."""
    return term.value if isinstance(term, ox.NamedNode) else None


def is_true(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.value in ("true", "1")


def datatype(term: Term | None) -> str | None:
    return term.datatype.value if isinstance(term, ox.Literal) else None


def select(store: Store, query: str, rcpkg_ns: str) -> list[dict[str, Term]]:
    """A trusted SELECT with our prefixes (``rcpkg:`` is the served base's namespace)."""
    return store.select(f"{PREFIXES}PREFIX rcpkg: <{rcpkg_ns}>\n{query}")


def labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """The best label of each IRI: English, then untagged, then any; by property order."""
    ordered = sorted({i for i in iris if i})
    best: dict[str, tuple[int, int, str]] = {}
    props = " ".join(f"<{p}>" for p in LABEL_ORDER)
    for start in range(0, len(ordered), _CHUNK):
        values = " ".join(sparql_iri(i) for i in ordered[start : start + _CHUNK])
        rows = store.select(
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} "
            "?s ?p ?l FILTER(isLiteral(?l)) }"
        )
        for row in rows:
            lit = row["l"]
            assert isinstance(lit, ox.Literal)
            lang = lit.language
            rank = (LABEL_ORDER.index(row["p"].value), 0 if lang == "en" else 1 if not lang else 2)
            key = row["s"].value
            if key not in best or rank < best[key][:2]:
                best[key] = (*rank, lit.value)
    return {k: v[2] for k, v in best.items()}


def short_name(iri_text: str) -> str:
    """A readable fallback name for an IRI without a label: its last segment."""
    tail = iri_text.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri_text
