"""Finding things by name: an index of every label, built once per data release.

The index holds, for every IRI under ``{base}id/``, its labels (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel`` in every language, ``schema:name``), normalized so that
case and accents do not matter (Unicode NFKD, combining marks dropped, casefolded). A query is
normalized the same way and each thing gets the best rank of its labels:

0. exact: the whole label;
1. prefix: the label starts with the query;
2. word prefix: a word of the label starts with the query;
3. substring: the query is anywhere in the label.

Ties go by kind (processes, states, organizations, meetings, places... in :data:`KIND_ORDER`),
then by the thing's label.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from rcpkg.store.base import Store

LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "http://www.w3.org/2004/02/skos/core#altLabel",
)
#: Kinds (the ``{kind}`` of ``id/{kind}/{key}``) in the order ties are broken.
KIND_ORDER = (
    "process",
    "state",
    "organization",
    "event",
    "place",
    "region",
    "document",
    "theme",
    "programme",
    "mandate",
    "focus",
    "role",
    "link",
    "source",
    "correction",
)
#: How a kind is named to people.
KIND_NAMES = {
    "process": "process",
    "state": "state",
    "organization": "organization",
    "event": "meeting or event",
    "place": "place",
    "region": "region",
    "document": "document",
    "theme": "theme",
    "programme": "programme",
    "mandate": "mandate",
    "focus": "thematic focus",
    "role": "role",
    "link": "related link",
    "source": "source",
    "correction": "correction",
    "process-kind": "kind of process",
    "role-kind": "kind of role",
    "focus-origin": "focus origin",
    "correction-kind": "kind of correction",
}
RANKS = ("exact", "prefix", "word prefix", "substring")
MAX_RESULTS = 100
_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class Hit:
    """A thing found: its IRI, display label, kind, local link; and the label that matched."""

    iri: str
    label: str
    kind: str
    href: str
    matched: str
    rank: int

    def as_json(self) -> dict[str, str]:
        return {"iri": self.iri, "label": self.label, "kind": self.kind, "href": self.href}


@dataclass(frozen=True)
class _Entry:
    iri: str
    label: str
    kind_key: str
    kind_order: int
    #: (normalized label, words of it, original label)
    names: tuple[tuple[str, tuple[str, ...], str], ...]


class SearchIndex:
    """Every thing's labels, normalized; built from the store by :meth:`build`."""

    def __init__(self, entries: list[_Entry], base: str) -> None:
        self.entries = entries
        self.base = base

    @classmethod
    def build(cls, store: Store, base: str) -> SearchIndex:
        values = " ".join(f"<{p}>" for p in LABELS)
        rows = store.select(
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?l "
            f'FILTER(isIRI(?s) && isLiteral(?l) && STRSTARTS(STR(?s), "{base}id/")) }}'
        )
        names: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for row in rows:
            lit = row["l"]
            if not isinstance(lit, ox.Literal):
                continue
            lang = lit.language
            rank = LABELS.index(row["p"].value), 0 if lang == "en" else 1 if not lang else 2
            names[row["s"].value].append((*rank, lit.value))
        entries = []
        for iri, found in names.items():
            found.sort()
            label = found[0][2]
            kind_key = iri[len(base) + 3 :].split("/", 1)[0]
            order = KIND_ORDER.index(kind_key) if kind_key in KIND_ORDER else len(KIND_ORDER)
            seen: dict[str, tuple[str, tuple[str, ...], str]] = {}
            for *_, text in found:
                norm = normalize(text)
                if norm and norm not in seen:
                    seen[norm] = (norm, tuple(_WORD.findall(norm)), text)
            entries.append(_Entry(iri, label, kind_key, order, tuple(seen.values())))
        entries.sort(key=lambda e: (e.kind_order, e.label.casefold(), e.iri))
        return cls(entries, base)

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, text: str, limit: int = MAX_RESULTS) -> tuple[list[Hit], int]:
        """The best ``limit`` hits for ``text`` and how many things matched in all."""
        query = normalize(text)
        if not query:
            return [], 0
        scored: list[tuple[int, int, str, str, _Entry, str]] = []
        for entry in self.entries:
            best: tuple[int, str] | None = None
            for norm, words, original in entry.names:
                rank = _rank(query, norm, words)
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, original)
                    if rank == 0:
                        break
            if best is not None:
                scored.append(
                    (best[0], entry.kind_order, entry.label.casefold(), entry.iri, entry, best[1])
                )
        scored.sort(key=lambda s: s[:4])
        hits = [
            Hit(
                e.iri,
                e.label,
                KIND_NAMES.get(e.kind_key, e.kind_key.replace("-", " ")),
                "/" + e.iri[len(self.base) :],
                matched,
                rank,
            )
            for rank, _, _, _, e, matched in scored[:limit]
        ]
        return hits, len(scored)


def _rank(query: str, norm: str, words: tuple[str, ...]) -> int | None:
    if norm == query:
        return 0
    if norm.startswith(query):
        return 1
    if any(w.startswith(query) for w in words) or f" {query}" in f" {norm}":
        return 2
    if query in norm:
        return 3
    return None
