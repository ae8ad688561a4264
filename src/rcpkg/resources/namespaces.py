"""The namespaces the linked-data services name, once."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def rcpkg_namespace(base_iri: str) -> Namespace:
    """Our ontology's namespace for a base IRI: ``{base}ontology#``."""
    return Namespace(base_iri + "ontology#")


def prefixes(base_iri: str) -> dict[str, str]:
    """The prefixes written in Turtle output, in the order they are declared."""
    return {
        "rcpkg": base_iri + "ontology#",
        "id": base_iri + "id/",
        "shapes": base_iri + "shapes#",
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "owl": str(OWL),
        "xsd": str(XSD),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "org": str(ORG),
        "schema": str(SCHEMA),
        "prov": str(PROV),
        "foaf": str(FOAF),
        "void": str(VOID),
        "dcat": str(DCAT),
        "vann": str(VANN),
        "sh": str(SH),
    }


__all__ = [
    "DCAT",
    "DCTERMS",
    "FOAF",
    "ORG",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SH",
    "SKOS",
    "VANN",
    "VOID",
    "XSD",
    "prefixes",
    "rcpkg_namespace",
]
