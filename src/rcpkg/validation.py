"""Validate the rcpkg data against its SHACL shapes (`rcpkg validate`).

The checks live in `shapes/` as SHACL Core and SHACL-SPARQL, so that anyone with a SHACL
engine can run them; this module only loads the files, runs pyshacl with the ontology mixed
in (so that `sh:class` and targets see the class hierarchy) and turns the results into a
report a person can act on. Exit codes follow the contract: 0 conforms, 1 violations,
2 input that could not be read.
"""

from __future__ import annotations

import json
import sys
import warnings
import xml.sax
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from rcpkg.config import find_checkout
from rcpkg.rdf_formats import BY_SUFFIX

__all__ = [
    "DataReadError",
    "Finding",
    "ValidationReport",
    "find_checkout",
    "format_report",
    "load_graph",
    "run",
    "validate",
]

BASE = "https://w3id.org/rcpkg/"
SH = Namespace("http://www.w3.org/ns/shacl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = Namespace("https://schema.org/")

#: File extensions read as RDF, and the rdflib parser for each (shared with the server, so
#: both read the same files). Other files in a folder (README.md, CSV tables...) are skipped.
RDF_FORMATS: dict[str, str] = {suffix: syntax.rdflib for suffix, syntax in BY_SUFFIX.items()}

#: Prefixes used to show IRIs in reports, so that a path reads `rcpkg:established`.
PREFIXES: dict[str, str] = {
    "rcpkg": BASE + "ontology#",
    "shapes": BASE + "shapes#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


class DataReadError(Exception):
    """An input file could not be read; carries the file and line so the user can fix it."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Finding:
    """One SHACL result, with the IRIs already shortened for people."""

    severity: str  # "Violation", "Warning" or "Info"
    focus_node: str  # the thing at fault, as an IRI relative to the base where possible
    label: str | None  # its rdfs:label (or skos:prefLabel / schema:name), if it has one
    path: str | None  # the property at fault, as a prefixed name
    value: str | None  # the offending value, if the constraint names one
    message: str
    shape: str | None  # the shape that was not met, as a prefixed name
    component: str | None = None  # the SHACL constraint component, e.g. sh:MinCount...


@dataclass
class ValidationReport:
    """The outcome of `validate`: conforms unless there is at least one violation."""

    conforms: bool
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]


# --------------------------------------------------------------------------------------------
# Loading


def _rdf_files(path: Path) -> list[Path]:
    """The RDF files under `path` (itself if a file), in a stable order."""
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in RDF_FORMATS
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    return [path]


def _format_for(path: Path) -> str:
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataReadError(
            path, None, f"unknown RDF format (use one of {', '.join(sorted(RDF_FORMATS))})"
        )
    return fmt


def _line_from_oxigraph(path: Path, fmt: str) -> tuple[int | None, str | None]:
    """Ask pyoxigraph where the syntax error is, for parsers (N-Triples) that do not say."""
    try:
        import pyoxigraph as ox
    except ImportError:  # pragma: no cover - pyoxigraph is a dependency
        return None, None
    ox_formats = {
        "turtle": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "nquads": ox.RdfFormat.N_QUADS,
        "trig": ox.RdfFormat.TRIG,
        "xml": ox.RdfFormat.RDF_XML,
        "json-ld": getattr(ox.RdfFormat, "JSON_LD", None),
    }
    ox_fmt = ox_formats.get(fmt)
    if ox_fmt is None:
        return None, None
    try:
        for _ in ox.parse(path=str(path), format=ox_fmt):
            pass
    except SyntaxError as exc:
        return exc.lineno, exc.msg
    except Exception:  # only a hint; the rdflib message is the answer
        return None, None
    return None, None


def _line_of_text(path: Path, text: str) -> int | None:
    """The first line of `path` that contains `text` (N-Triples errors quote the bad line)."""
    text = text.strip()
    if not text:
        return None
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip() == text or text in line:
                    return number
    except OSError:
        return None
    return None


def _read_error(path: Path, fmt: str, exc: Exception) -> DataReadError:
    """Turn a parser's exception into `path:line: message`, whatever parser raised it."""
    if isinstance(exc, BadSyntax):
        # notation3.BadSyntax counts newlines before the error, so the line is one more.
        return DataReadError(path, exc.lines + 1, f"syntax error: {exc._why}")
    if isinstance(exc, json.JSONDecodeError):
        return DataReadError(path, exc.lineno, f"JSON syntax error: {exc.msg}")
    if isinstance(exc, xml.sax.SAXParseException):
        return DataReadError(path, exc.getLineNumber(), f"XML syntax error: {exc.getMessage()}")
    message = str(getattr(exc, "msg", "") or exc).strip() or type(exc).__name__
    line, ox_message = _line_from_oxigraph(path, fmt)
    if line is None and isinstance(exc, ParserError):
        bad = message.split("\n")[-1].strip("'\" ")
        if ":" in bad and bad.startswith("Invalid line"):
            bad = bad.split(":", 1)[1]
        line = _line_of_text(path, bad)
    if line is not None and ox_message and isinstance(exc, ParserError):
        # rdflib's N-Triples/N-Quads messages quote the line but not where in it; Oxigraph's say.
        message = ox_message
    return DataReadError(path, line, f"syntax error: {' '.join(message.split())}")


def _parse_file(path: Path) -> Graph:
    """One file as a graph; the named graphs of TriG and N-Quads are merged into it."""
    fmt = _format_for(path)
    quads = fmt in ("trig", "nquads")
    target: Graph = rdflib.Dataset() if quads else Graph()
    try:
        with warnings.catch_warnings():
            # rdflib's own Dataset.parse uses its deprecated default_context (rdflib 7.x).
            warnings.simplefilter("ignore", DeprecationWarning)
            target.parse(str(path), format=fmt)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataReadError(path, None, f"cannot read: {exc}") from exc
    except Exception as exc:  # every parser has its own exception types
        raise _read_error(path, fmt, exc) from exc
    if not quads:
        return target
    graph = Graph()
    for prefix, namespace in target.namespaces():
        graph.bind(prefix, namespace, override=False)
    for s, p, o, _g in target.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def load_graph(paths: Iterable[Path | str]) -> Graph:
    """Read RDF files and folders into one graph (named graphs are merged into it).

    Raises DataReadError with the file and line for a syntax error, and for a path that
    does not exist, so that `rcpkg validate` can exit 2 with a message the user can act on.
    """
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DataReadError(path, None, "no such file or directory")
        for file in _rdf_files(path):
            part = _parse_file(file)
            for prefix, namespace in part.namespaces():
                graph.bind(prefix, namespace, override=False)
            graph += part
    return graph


# --------------------------------------------------------------------------------------------
# Validating


def _short(term: object) -> str | None:
    """An IRI as a prefixed name (`rcpkg:established`) or relative to the base (`id/...`)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in PREFIXES.items():
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace) :]}"
        if text.startswith(BASE):
            return text[len(BASE) :]
        return f"<{text}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = str(term)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None:
            return f'"{text}"^^{_short(term.datatype)}'
        return f'"{text}"'
    return str(term)


def _path_text(results: Graph, path: object) -> str | None:
    """A property path as text: a prefixed name, `^p` for inverse, `p/q` for sequences."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _short(path)
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_path_text(results, inverse) or "?")
    if (path, RDF.first, None) in results:
        items = Collection(results, path)
        return "/".join(_path_text(results, item) or "?" for item in items)
    for key, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = results.value(path, key)
        if inner is not None:
            return f"({_path_text(results, inner)}){mark}"
    return _short(path)


def _label(graph: Graph, node: object) -> str | None:
    """The name people know a thing by: English rdfs:label, else skos:prefLabel, schema:name."""
    for prop in (RDFS.label, SKOS.prefLabel, SCHEMA.name):
        labels = list(graph.objects(node, prop))
        if labels:
            english = [x for x in labels if isinstance(x, Literal) and x.language == "en"]
            return str(sorted(english or labels)[0])
    return None


def _result_messages(results: Graph, shapes: Graph, result: object) -> list[str]:
    """The messages of a result, the most specific first.

    pyshacl gives a SHACL-SPARQL result both the constraint's message and its shape's; the
    constraint's says what is wrong in this case, so the shape's is kept only as a fallback.
    """
    messages = [m for m in results.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    english = [m for m in messages if m.language in (None, "en")] or messages
    shape = results.value(result, SH.sourceShape)
    generic = {str(m) for m in shapes.objects(shape, SH.message)} if shape is not None else set()
    if results.value(result, SH.sourceConstraint) is not None:
        specific = [m for m in english if str(m) not in generic]
        english = specific or english
    return sorted(str(m) for m in english)


def _as_paths(paths: Path | str | Sequence[Path | str]) -> list[Path | str]:
    if isinstance(paths, (str, Path)):
        return [paths]
    return list(paths)


def validate(
    data_paths: Path | str | Sequence[Path | str],
    ontology_paths: Path | str | Sequence[Path | str],
    shapes_paths: Path | str | Sequence[Path | str],
) -> ValidationReport:
    """Validate data against the shapes with the ontology mixed in.

    The ontology is passed as pyshacl's `ont_graph`, so subclass links (a `Membership` is a
    `Role` is an `org:Membership`) count for targets and `sh:class` without RDFS inference
    over the whole data. `advanced=True` enables the SHACL-SPARQL constraints. Warnings and
    information never make the data non-conforming; only violations do.
    """
    import pyshacl

    data = load_graph(_as_paths(data_paths))
    ontology = load_graph(_as_paths(ontology_paths))
    shapes = load_graph(_as_paths(shapes_paths))
    from pyshacl.errors import (
        ConstraintLoadError,
        ReportableRuntimeError,
        ShapeLoadError,
        ValidationFailure,
    )

    shape_errors = (ValidationFailure, ShapeLoadError, ConstraintLoadError, ReportableRuntimeError)
    try:
        _conforms, results, _text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            ont_graph=ontology if len(ontology) else None,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
            abort_on_first=False,
            meta_shacl=False,
            debug=False,
        )
        if isinstance(results, shape_errors):  # pyshacl returns some failures, raises others
            raise results
    except shape_errors as exc:
        # A shape pyshacl cannot evaluate (e.g. a SHACL-SPARQL query it cannot run): the
        # shapes, not the data, must be fixed; say which, and do not pretend to a verdict.
        where = ", ".join(str(p) for p in _as_paths(shapes_paths))
        message = getattr(exc, "message", None) or str(exc)
        raise DataReadError(where, None, f"the shapes could not be evaluated: {message}") from None
    label_graph = data + ontology
    findings: list[Finding] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity_iri = results.value(result, SH.resultSeverity)
        severity = str(severity_iri).rsplit("#", 1)[-1] if severity_iri else "Violation"
        focus = results.value(result, SH.focusNode)
        messages = _result_messages(results, shapes, result)
        component = results.value(result, SH.sourceConstraintComponent)
        value = results.value(result, SH.value)
        findings.append(
            Finding(
                severity=severity,
                focus_node=_short(focus) or "?",
                label=_label(label_graph, focus) if focus is not None else None,
                path=_path_text(results, results.value(result, SH.resultPath)),
                value=_short(value) if value is not None else None,
                message=sorted(messages)[0] if messages else (_short(component) or "failed"),
                shape=_short(results.value(result, SH.sourceShape)),
                component=_short(component),
            )
        )
    findings = sorted(
        set(findings),
        key=lambda f: (
            SEVERITY_ORDER.get(f.severity, 9),
            (f.label or f.focus_node).casefold(),
            f.focus_node,
            f.path or "",
            f.message,
            f.value or "",
        ),
    )
    return ValidationReport(
        conforms=not any(f.severity == "Violation" for f in findings), findings=findings
    )


# --------------------------------------------------------------------------------------------
# Reporting


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_report(report: ValidationReport) -> str:
    """A report grouped by severity and by thing, one line per problem.

    Each line reads `Label (id/kind/key): property: message`, so a person sees which thing
    to open, which property to change and why; the value and the shape follow indented.
    """
    if not report.findings:
        return "Conforms: no violations.\n"
    lines: list[str] = []
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in SEVERITY_ORDER}
    summary = ", ".join(
        _count(n, s.lower() if s != "Info" else "information") for s, n in counts.items() if n
    ).replace("informations", "information")
    focus_count = len({f.focus_node for f in report.findings})
    verdict = "Conforms" if report.conforms else "Does not conform"
    lines.append(f"{verdict}: {summary} on {_count(focus_count, 'thing')}.")
    for severity in SEVERITY_ORDER:
        group = [f for f in report.findings if f.severity == severity]
        if not group:
            continue
        title = {"Violation": "Violations", "Warning": "Warnings", "Info": "Information"}
        lines.append("")
        lines.append(f"{title[severity]} ({len(group)})")
        lines.append("")
        current: str | None = None
        for finding in group:
            who = f"{finding.label} ({finding.focus_node})" if finding.label else finding.focus_node
            if who != current:
                if current is not None:
                    lines.append("")
                current = who
            where = f"{finding.path}: " if finding.path else ""
            lines.append(f"{who}: {where}{finding.message}")
            details = []
            if finding.value is not None:
                details.append(f"value {finding.value}")
            if finding.shape:
                details.append(f"shape {finding.shape}")
            if details:
                lines.append("    " + "; ".join(details))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Command


def run(paths: list[str] | None, checkout: Path) -> int:
    """Run `rcpkg validate`: 0 conforms, 1 violations (report on stdout), 2 unreadable input."""
    checkout = Path(checkout)
    data_paths: list[Path | str] = list(paths) if paths else [checkout / "data"]
    try:
        report = validate(data_paths, [checkout / "ontology"], [checkout / "shapes"])
    except DataReadError as exc:
        print(f"rcpkg validate: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(format_report(report))
    return 0 if report.conforms else 1
