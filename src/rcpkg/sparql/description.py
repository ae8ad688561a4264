"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/)."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, VOID

from rcpkg.sparql import results

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

_RESULT_FORMATS = {
    "json": FORMATS["SPARQL_Results_JSON"],
    "xml": FORMATS["SPARQL_Results_XML"],
    "csv": FORMATS["SPARQL_Results_CSV"],
    "tsv": FORMATS["SPARQL_Results_TSV"],
    "ttl": FORMATS["Turtle"],
    "nt": FORMATS["N-Triples"],
    "jsonld": FORMATS["JSON-LD"],
    "rdf": FORMATS["RDF_XML"],
}


def service_description(
    base_iri: str, timeout: float, max_rows: int, federated: bool = False
) -> Graph:
    """Describe the endpoint ``{base}sparql``; its default dataset links to ``{base}dataset``."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(base_iri + "sparql")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if federated:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for key in [*results.TABULAR_MEDIA_TYPES, *results.GRAPH_MEDIA_TYPES]:
        graph.add((service, SD.resultFormat, _RESULT_FORMATS[key]))
    graph.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only SPARQL 1.1 query service of rcpkg. Queries stop after "
                f"{timeout:g} s; answers hold at most {max_rows} rows or triples "
                "(a cut answer carries the header X-Rcpkg-Truncated). SERVICE reaches only "
                "endpoints the operator lists.",
                lang="en",
            ),
        )
    )
    dataset = BNode()
    default_graph = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, RDFS.seeAlso, URIRef(base_iri + "dataset")))
    graph.add((dataset, VOID.inDataset, URIRef(base_iri + "dataset")))
    return graph
