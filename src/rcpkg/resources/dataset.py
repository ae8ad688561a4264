"""The dataset description at ``{base}dataset``: VoID and DCAT, computed from the data.

Titles and the licence are fixed here; everything else is asked of the store by SPARQL
(statistics, vocabularies, sources, example resources, the ontology's creation date) or read
from the dumps (byte sizes), so no number is ever typed by hand.

Statistics count distinct triples of the union of all graphs (what the SPARQL endpoint's
default graph shows, ontology and shapes included), as the dumps hold them:

- ``void:triples``: distinct triples; ``void:distinctSubjects``, ``void:distinctObjects``;
- ``void:entities``: distinct IRIs under ``void:uriSpace`` ``{base}id/`` used as subjects;
- ``void:classPartition``: per class, ``void:entities`` = distinct instances (``rdf:type``);
- ``void:propertyPartition``: per property, ``void:triples`` = distinct triples.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from rcpkg import __version__
from rcpkg.resources.describe import to_rdflib
from rcpkg.resources.namespaces import DCAT, DCTERMS, FOAF, RDF, RDFS, SCHEMA, VOID, XSD
from rcpkg.store.base import Store

TITLE = "rcpkg: a knowledge graph of inter-state migration dialogues"
DESCRIPTION = (
    "Regional consultative processes and interregional forums on migration (such as the "
    "Khartoum Process): their member states and organizations, the roles they hold over time, "
    "their meetings, themes, mandates and reference documents, with the source of every fact."
)
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Dump:
    """One dump file as the dataset description names it."""

    name: str
    media_type: str
    title: str
    compress_format: str | None = None


DUMPS: tuple[Dump, ...] = (
    Dump("rcpkg.ttl", "text/turtle", "Turtle"),
    Dump("rcpkg.nt", "application/n-triples", "N-Triples"),
    Dump("rcpkg.nt.gz", "application/n-triples", "N-Triples, gzip", "application/gzip"),
    Dump("rcpkg.jsonld", "application/ld+json", "JSON-LD"),
)


def _int(store: Store, query: str) -> int:
    rows = store.select(query)
    return int(rows[0]["n"].value) if rows else 0


@dataclass(frozen=True)
class Statistics:
    """The counts of the dataset description."""

    triples: int
    entities: int
    subjects: int
    objects: int
    classes: dict[str, int]
    properties: dict[str, int]


def statistics(store: Store, base_iri: str) -> Statistics:
    """Counts of the union of all graphs, by SPARQL."""
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    triples = _int(store, f"SELECT (COUNT(*) AS ?n) WHERE {distinct}")
    subjects = _int(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    objects = _int(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")
    entities = _int(
        store,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base_iri}id/")) }}',
    )
    classes = {
        r["c"].value: int(r["n"].value)
        for r in store.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c"
        )
    }
    properties = {
        r["p"].value: int(r["n"].value)
        for r in store.select(f"SELECT ?p (COUNT(*) AS ?n) WHERE {distinct} GROUP BY ?p")
    }
    return Statistics(triples, entities, subjects, objects, classes, properties)


def vocabulary_of(iri: str) -> str:
    """The vocabulary (namespace document) a term belongs to: up to its last ``#`` or ``/``."""
    if "#" in iri:
        return iri.rsplit("#", 1)[0]
    return iri.rsplit("/", 1)[0] + "/"


def _git_date(checkout: Path, args: Iterable[str]) -> date | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(checkout), "log", *args, "--format=%cs", "--", "ontology", "data"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return date.fromisoformat(out[0]) if out else None
    except ValueError:
        return None


def modified_date(inputs: Iterable[Path], checkout: Path | None) -> date | None:
    """When the data last changed: the newest input file's date, or the last commit's.

    The later of the two wins, so uncommitted edits count; ``None`` without local files.
    """
    files = [p for p in inputs if p.is_file()]
    newest = max((p.stat().st_mtime for p in files), default=None)
    found = datetime.fromtimestamp(newest, UTC).date() if newest else None
    committed = _git_date(checkout, ["-1"]) if checkout else None
    candidates = [d for d in (found, committed) if d]
    return max(candidates) if candidates else None


def describe_dataset(
    store: Store,
    base_iri: str,
    dump_sizes: dict[str, int] | None = None,
    modified: date | None = None,
) -> Graph:
    """The VoID and DCAT description of the served data (``dump_sizes``: bytes by file name)."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in (
        ("void", VOID),
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("foaf", FOAF),
        ("rdfs", RDFS),
        ("xsd", XSD),
        ("schema", SCHEMA),
    ):
        g.bind(prefix, ns)
    ds = URIRef(base_iri + "dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((ds, RDFS.label, Literal(TITLE, lang="en")))
    g.add((ds, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((ds, DCTERMS.license, LICENSE))
    g.add((ds, DCTERMS.publisher, URIRef(base_iri)))
    g.add((ds, URIRef(str(DCAT) + "version"), Literal(__version__)))
    g.add((ds, FOAF.homepage, URIRef(base_iri)))
    g.add((ds, DCAT.landingPage, URIRef(base_iri)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(base_iri + "sparql")))
    g.add((ds, VOID.uriSpace, Literal(base_iri + "id/")))
    g.add((ds, VOID.rootResource, URIRef(base_iri + "id/process/khartoum-process")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Triples")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/RDF_XML")))

    ontology = URIRef(base_iri + "ontology")
    for row in store.select(f"SELECT ?d WHERE {{ <{ontology}> <{DCTERMS.created}> ?d }} LIMIT 1"):
        g.add((ds, DCTERMS.created, to_rdflib(row["d"])))
    if modified:
        g.add((ds, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.date)))
    else:
        # No local files to date (a remote store): the ontology's own modification date.
        query = f"SELECT ?d WHERE {{ <{ontology}> <{DCTERMS.modified}> ?d }} LIMIT 1"
        for row in store.select(query):
            g.add((ds, DCTERMS.modified, to_rdflib(row["d"])))

    # Sources: the pages the facts come from.
    for row in store.select(
        f"SELECT DISTINCT ?url WHERE {{ ?src a <{base_iri}ontology#Source> ; <{SCHEMA.url}> ?url }}"
    ):
        url = row["url"].value
        g.add((ds, DCTERMS.source, URIRef(url)))

    # Example resources: of a few central classes (subclasses included), the instance that
    # most other things point to; ties go to the first IRI, so the choice is stable.
    for cls in ("ConsultativeProcess", "State", "Meeting", "Organization"):
        rows = store.select(
            f"SELECT ?s (COUNT(?x) AS ?n) WHERE {{ "
            f"?s a/<{RDFS.subClassOf}>* <{base_iri}ontology#{cls}> . "
            f'FILTER(STRSTARTS(STR(?s), "{base_iri}id/")) '
            f"OPTIONAL {{ ?x ?p ?s }} }} GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT 1"
        )
        for row in rows:
            g.add((ds, VOID.exampleResource, to_rdflib(row["s"])))

    stats = statistics(store, base_iri)
    g.add((ds, VOID.triples, Literal(stats.triples)))
    g.add((ds, VOID.entities, Literal(stats.entities)))
    g.add((ds, VOID.distinctSubjects, Literal(stats.subjects)))
    g.add((ds, VOID.distinctObjects, Literal(stats.objects)))
    g.add((ds, VOID.classes, Literal(len(stats.classes))))
    g.add((ds, VOID.properties, Literal(len(stats.properties))))
    for cls, count in sorted(stats.classes.items()):
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count)))
    for prop, count in sorted(stats.properties.items()):
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count)))
    vocabularies = {vocabulary_of(c) for c in stats.classes} | {
        vocabulary_of(p) for p in stats.properties
    }
    for vocabulary in sorted(vocabularies):
        g.add((ds, VOID.vocabulary, URIRef(vocabulary)))

    # The dumps, as DCAT distributions and VoID data dumps.
    for dump in DUMPS:
        url = URIRef(f"{base_iri}download/{dump.name}")
        g.add((ds, VOID.dataDump, url))
        dist = URIRef(f"{base_iri}download/{dump.name}#distribution")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{TITLE} ({dump.title})", lang="en")))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + dump.media_type)))
        g.add((dist, DCTERMS.license, LICENSE))
        if dump.compress_format:
            g.add((dist, DCAT.compressFormat, URIRef(IANA + dump.compress_format)))
        if dump_sizes and dump.name in dump_sizes:
            g.add(
                (
                    dist,
                    DCAT.byteSize,
                    Literal(str(dump_sizes[dump.name]), datatype=XSD.nonNegativeInteger),
                )
            )
    # The tidy CSV tables, described by their CSV on the Web metadata.
    tables = URIRef(f"{base_iri}download/csv/csv-metadata.json")
    csv_dist = URIRef(f"{base_iri}download/csv/csv-metadata.json#distribution")
    g.add((ds, DCAT.distribution, csv_dist))
    g.add((csv_dist, RDF.type, DCAT.Distribution))
    g.add((csv_dist, DCTERMS.title, Literal(f"{TITLE} (CSV tables)", lang="en")))
    # Several files, reached through their metadata: an access URL, not one download URL.
    g.add((csv_dist, DCAT.accessURL, tables))
    g.add((csv_dist, DCAT.mediaType, URIRef(IANA + "text/csv")))
    g.add((csv_dist, DCTERMS.conformsTo, URIRef("http://www.w3.org/ns/csvw")))
    g.add((csv_dist, DCTERMS.license, LICENSE))
    # The SPARQL endpoint as a DCAT data service.
    service = URIRef(base_iri + "sparql")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.title, Literal("rcpkg SPARQL 1.1 endpoint", lang="en")))
    g.add((ds, DCAT.distribution, URIRef(base_iri + "sparql#distribution")))
    access = URIRef(base_iri + "sparql#distribution")
    g.add((access, RDF.type, DCAT.Distribution))
    g.add((access, DCAT.accessURL, service))
    g.add((access, DCAT.accessService, service))
    g.add((access, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    return g
