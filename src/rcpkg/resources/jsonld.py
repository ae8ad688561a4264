"""Our JSON-LD context: short keys, so that our JSON-LD reads as plain JSON.

The context is generated from the ontology (``ontology/rcpkg.ttl``) and kept in the package as
``context.jsonld``, served at ``/context.jsonld`` (canonical ``{base}context.jsonld``). Regenerate
it after changing the ontology with::

    python -m rcpkg.resources.jsonld --write

(a test fails while the file and the ontology disagree). What it holds:

- ``id`` and ``type`` for ``@id`` and ``@type``, and the prefixes we use (``rcpkg``, ``schema``...);
- one key per class and property of our ontology, its local name (``ConsultativeProcess``,
  ``heldBy``); object properties are ``"@type": "@id"``, so their values are plain IRI strings;
  a datatype property with one date range (``xsd:date``, ``xsd:gYear``, ``xsd:gYearMonth``) gets
  that ``@type``, so its values are plain strings; values of other types (a date whose
  precision varies, like ``schema:startDate``) stay value objects ``{"@value", "@type"}``;
- keys for the reused terms we use (:data:`REUSED`), the same way; names and labels
  (``label``, ``prefLabel``, ``name``, ``title``...) are language maps: ``{"en": "..."}``.

Documents embed the context rather than refer to its URL, so that any JSON-LD processor reads
them offline; the embedded context is the published one, byte for byte the same terms.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from rcpkg.config import DEFAULT_BASE_IRI
from rcpkg.resources.namespaces import OWL, RDF, RDFS, XSD, prefixes

CONTEXT_FILE = Path(__file__).with_name("context.jsonld")

#: Datatypes a term may coerce its values to (so they are written as plain strings).
COERCIBLE = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime, XSD.anyURI}

_LANG = {"@container": "@language"}
_ID = {"@type": "@id"}

#: Reused terms: key, compact IRI, extra definition. Order matters where local names clash.
REUSED: list[tuple[str, str, dict[str, str]]] = [
    ("label", "rdfs:label", _LANG),
    ("comment", "rdfs:comment", _LANG),
    ("seeAlso", "rdfs:seeAlso", _ID),
    ("isDefinedBy", "rdfs:isDefinedBy", _ID),
    ("subClassOf", "rdfs:subClassOf", _ID),
    ("subPropertyOf", "rdfs:subPropertyOf", _ID),
    ("domain", "rdfs:domain", _ID),
    ("range", "rdfs:range", _ID),
    ("sameAs", "owl:sameAs", _ID),
    ("prefLabel", "skos:prefLabel", _LANG),
    ("altLabel", "skos:altLabel", _LANG),
    ("definition", "skos:definition", _LANG),
    ("notation", "skos:notation", {}),
    ("inScheme", "skos:inScheme", _ID),
    ("topConceptOf", "skos:topConceptOf", _ID),
    ("hasTopConcept", "skos:hasTopConcept", _ID),
    ("broader", "skos:broader", _ID),
    ("narrower", "skos:narrower", _ID),
    ("exactMatch", "skos:exactMatch", _ID),
    ("closeMatch", "skos:closeMatch", _ID),
    ("name", "schema:name", _LANG),
    ("url", "schema:url", _ID),
    ("startDate", "schema:startDate", {}),
    ("endDate", "schema:endDate", {}),
    ("location", "schema:location", _ID),
    ("eventAttendanceMode", "schema:eventAttendanceMode", _ID),
    ("containedInPlace", "schema:containedInPlace", _ID),
    ("latitude", "schema:latitude", {}),
    ("longitude", "schema:longitude", {}),
    ("member", "org:member", _ID),
    ("organization", "org:organization", _ID),
    ("role", "org:role", _ID),
    ("subOrganizationOf", "org:subOrganizationOf", _ID),
    ("title", "dcterms:title", _LANG),
    ("description", "dcterms:description", _LANG),
    ("publisher", "dcterms:publisher", _ID),
    ("creator", "dcterms:creator", _ID),
    ("issued", "dcterms:issued", {}),
    ("created", "dcterms:created", {}),
    ("modified", "dcterms:modified", {}),
    ("subject", "dcterms:subject", _ID),
    ("isPartOf", "dcterms:isPartOf", _ID),
    ("hasPart", "dcterms:hasPart", _ID),
    ("replaces", "dcterms:replaces", _ID),
    ("license", "dcterms:license", _ID),
    ("source", "dcterms:source", _ID),
    ("language", "dcterms:language", {}),
    ("identifier", "dcterms:identifier", {}),
    ("wasDerivedFrom", "prov:wasDerivedFrom", _ID),
    ("homepage", "foaf:homepage", _ID),
    ("primaryTopic", "foaf:primaryTopic", _ID),
]

_PREFIXES = ("rcpkg", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "org", "schema", "prov")
_PREFIXES_MORE = ("foaf", "void", "dcat", "vann", "sh")


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]


def _compact(iri: str, names: dict[str, str]) -> str:
    for prefix, namespace in names.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def generate_context(ontology: Graph, base_iri: str = DEFAULT_BASE_IRI) -> dict[str, Any]:
    """The context document (``{"@context": {...}}``) for the ontology in ``ontology``."""
    names = prefixes(base_iri)
    namespace = names["rcpkg"]
    context: dict[str, Any] = {"@version": 1.1, "id": "@id", "type": "@type"}
    for prefix in (*_PREFIXES, *_PREFIXES_MORE):
        context[prefix] = names[prefix]

    terms: dict[str, Any] = {}
    ours = sorted(
        {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(namespace)}
    )
    for term in ours:
        key = str(term)[len(namespace) :]
        if not key or key in context:
            continue
        kinds = set(ontology.objects(term, RDF.type))
        compact = f"rcpkg:{key}"
        if kinds & {OWL.Class, RDFS.Class}:
            terms[key] = compact
        elif OWL.ObjectProperty in kinds:
            terms[key] = {"@id": compact, "@type": "@id"}
        elif kinds & {OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty}:
            ranges = set(ontology.objects(term, RDFS.range))
            if len(ranges) == 1 and next(iter(ranges)) in COERCIBLE:
                datatype = _compact(str(next(iter(ranges))), names)
                terms[key] = {"@id": compact, "@type": datatype}
            else:
                terms[key] = compact
    for key, compact, extra in REUSED:
        if key not in terms and key not in context:
            terms[key] = {"@id": compact, **extra} if extra else compact
    context.update(terms)
    return {"@context": context}


def render(context: dict[str, Any]) -> str:
    """The context as the file holds it: indented JSON, keys in the generated order."""
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"


@cache
def _packaged() -> str:
    return CONTEXT_FILE.read_text(encoding="utf-8")


def load_context(base_iri: str = DEFAULT_BASE_IRI) -> dict[str, Any]:
    """The published context for ``base_iri`` (the packaged file, rebased when it differs)."""
    text = _packaged()
    if base_iri != DEFAULT_BASE_IRI:
        text = text.replace(DEFAULT_BASE_IRI, base_iri)
    return json.loads(text)


def context_bytes(base_iri: str = DEFAULT_BASE_IRI) -> bytes:
    """The context document served at ``/context.jsonld``."""
    return render(load_context(base_iri)).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    """Print (or ``--write``) the context generated from an ontology folder."""
    parser = argparse.ArgumentParser(description="generate rcpkg's JSON-LD context")
    parser.add_argument("--ontology", type=Path, help="ontology folder (default: checkout's)")
    parser.add_argument("--write", action="store_true", help=f"write {CONTEXT_FILE.name}")
    args = parser.parse_args(argv)
    from rcpkg.config import find_checkout
    from rcpkg.rdf_formats import rdf_files, syntax_for

    folder = args.ontology or find_checkout() / "ontology"
    graph = Graph()
    for path in rdf_files([folder]):
        graph.parse(path, format=syntax_for(path).rdflib)  # type: ignore[union-attr]
    text = render(generate_context(graph))
    if args.write:
        CONTEXT_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {CONTEXT_FILE}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
