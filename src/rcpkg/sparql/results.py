"""SPARQL result formats: media types, and writers for SELECT/ASK results.

pyoxigraph writes whole result streams but cannot stop after N rows, and the row cap needs
exactly that; these writers follow the W3C result format specifications and take any list of
rows. Graph results (CONSTRUCT, DESCRIBE) are written by pyoxigraph's own serializers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from rcpkg import rdf_formats
from rcpkg.store.base import NotAcceptable, QueryOutcome, ResultPreference

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Result formats for SELECT and ASK, by short name (the ``format=`` parameter).
TABULAR_MEDIA_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}

#: Result formats for CONSTRUCT and DESCRIBE, by short name.
GRAPH_SYNTAXES: dict[str, rdf_formats.RdfSyntax] = {
    "ttl": rdf_formats.TURTLE,
    "nt": rdf_formats.NTRIPLES,
    "jsonld": rdf_formats.JSONLD,
    "rdf": rdf_formats.RDFXML,
}
GRAPH_MEDIA_TYPES: dict[str, str] = {k: v.media_type for k, v in GRAPH_SYNTAXES.items()}

#: Other names clients use for the same formats in ``format=``.
FORMAT_ALIASES: dict[str, str] = {
    "srj": "json",
    "srx": "xml",
    "turtle": "ttl",
    "n3": "ttl",  # Turtle is N3's RDF subset; clients such as SPARQLWrapper ask for "n3"
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "rdfxml": "rdf",
    "rdf+xml": "rdf",
}

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]


def content_type(media_type: str) -> str:
    """The Content-Type header value: text and JSON/XML types say their charset."""
    if media_type in ("application/n-triples", "application/ld+json"):
        return media_type
    return f"{media_type}; charset=utf-8"


def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def write_json(variables: Sequence[str], rows: Sequence[Row] | None, boolean: bool | None) -> bytes:
    """SPARQL 1.1 Query Results JSON Format (https://www.w3.org/TR/sparql11-results-json/)."""
    if rows is None:
        return json.dumps({"head": {}, "boolean": bool(boolean)}).encode()
    bindings = [{k: _json_term(v) for k, v in row.items()} for row in rows]
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def write_xml(variables: Sequence[str], rows: Sequence[Row] | None, boolean: bool | None) -> bytes:
    """SPARQL Query Results XML Format (https://www.w3.org/TR/rdf-sparql-XMLres/)."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    ]
    out.append("<head>")
    out.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    out.append("</head>")
    if rows is None:
        out.append(f"<boolean>{'true' if boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in rows:
            out.append("<result>")
            out.extend(
                f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>" for k, v in row.items()
            )
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>\n")
    return "".join(out).encode()


def _csv_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def write_csv(variables: Sequence[str], rows: Sequence[Row] | None, boolean: bool | None) -> bytes:
    """SPARQL 1.1 CSV results (https://www.w3.org/TR/sparql11-results-csv-tsv/): values only."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if rows is None:
        writer.writerow(["_askResult"])
        writer.writerow(["true" if boolean else "false"])
    else:
        writer.writerow(variables)
        for row in rows:
            writer.writerow([_csv_value(row.get(v)) for v in variables])
    return buf.getvalue().encode()


def write_tsv(variables: Sequence[str], rows: Sequence[Row] | None, boolean: bool | None) -> bytes:
    """SPARQL 1.1 TSV results: terms in their Turtle/N-Triples form, so nothing is lost."""
    if rows is None:
        return f"?_askResult\n{'true' if boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join(str(row[v]) if v in row else "" for v in variables))
    return ("\n".join(lines) + "\n").encode()


TABULAR_WRITERS = {"json": write_json, "xml": write_xml, "csv": write_csv, "tsv": write_tsv}


def write_graph(triples: Sequence[ox.Triple], fmt: str) -> bytes:
    """A CONSTRUCT or DESCRIBE answer in one of :data:`GRAPH_SYNTAXES`."""
    syntax = GRAPH_SYNTAXES[fmt]
    return ox.serialize(triples, format=syntax.oxigraph) or b""


def serialize_answer(
    answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterable[ox.Triple] | bool,
    formats: ResultPreference,
    max_rows: int,
) -> QueryOutcome:
    """Write a query answer (from the engine, or parsed from a remote store) as negotiated,
    keeping at most ``max_rows`` solutions or triples.
    """
    if isinstance(answer, ox.QueryBoolean | bool):
        if formats.tabular is None:
            raise NotAcceptable("ASK results")
        body = TABULAR_WRITERS[formats.tabular]([], None, bool(answer))
        return QueryOutcome(body, TABULAR_MEDIA_TYPES[formats.tabular], "ASK", 1)

    if isinstance(answer, ox.QuerySolutions):
        if formats.tabular is None:
            raise NotAcceptable("SELECT results")
        variables = [v.value for v in answer.variables]
        rows: list[dict] = []
        truncated = False
        for solution in answer:
            if len(rows) == max_rows:
                truncated = True
                break
            rows.append({v: solution[v] for v in variables if solution[v] is not None})
        body = TABULAR_WRITERS[formats.tabular](variables, rows, None)
        media_type = TABULAR_MEDIA_TYPES[formats.tabular]
        return QueryOutcome(body, media_type, "SELECT", len(rows), truncated)

    if formats.graph is None:
        raise NotAcceptable("CONSTRUCT or DESCRIBE results")
    triples: list[ox.Triple] = []
    truncated = False
    for triple in answer:
        if len(triples) == max_rows:
            truncated = True
            break
        triples.append(triple)
    body = write_graph(triples, formats.graph)
    media_type = GRAPH_MEDIA_TYPES[formats.graph]
    return QueryOutcome(body, media_type, "GRAPH", len(triples), truncated)
