"""The RDF syntaxes rcpkg reads and writes, named once: file extensions, media types, parsers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfSyntax:
    """One RDF syntax as both pyoxigraph and rdflib know it."""

    name: str
    media_type: str
    extension: str
    oxigraph: ox.RdfFormat
    rdflib: str
    datasets: bool = False


TURTLE = RdfSyntax("Turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE, "turtle")
NTRIPLES = RdfSyntax("N-Triples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, "nt")
JSONLD = RdfSyntax("JSON-LD", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, "json-ld")
RDFXML = RdfSyntax("RDF/XML", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, "xml")
TRIG = RdfSyntax("TriG", "application/trig", "trig", ox.RdfFormat.TRIG, "trig", True)
NQUADS = RdfSyntax("N-Quads", "application/n-quads", "nq", ox.RdfFormat.N_QUADS, "nquads", True)

ALL = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)

#: File name endings recognised when reading folders (several per syntax).
BY_SUFFIX: dict[str, RdfSyntax] = {
    ".ttl": TURTLE,
    ".turtle": TURTLE,
    ".nt": NTRIPLES,
    ".ntriples": NTRIPLES,
    ".jsonld": JSONLD,
    ".json-ld": JSONLD,
    ".rdf": RDFXML,
    ".owl": RDFXML,
    ".xml": RDFXML,
    ".trig": TRIG,
    ".nq": NQUADS,
    ".nquads": NQUADS,
}


def syntax_for(path: Path) -> RdfSyntax | None:
    """The syntax of a file by its name, or ``None`` for a file that is not RDF."""
    return BY_SUFFIX.get(path.suffix.lower())


def rdf_files(paths: tuple[Path, ...] | list[Path]) -> list[Path]:
    """The RDF files among ``paths``, walking folders in a stable (sorted) order.

    A named file that is not RDF is an error; inside folders such files (README, CSV) are skipped.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and syntax_for(p))
        elif path.is_file():
            if syntax_for(path) is None:
                raise ValueError(f"{path}: not a known RDF file type ({', '.join(BY_SUFFIX)})")
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found
