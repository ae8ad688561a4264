"""What a user query may not do here: update the data, or reach another server.

pyoxigraph sends an HTTP request for every ``SERVICE`` clause it evaluates, so a SERVICE to a
host that the operator has not listed must be refused before the query runs. Updates never
reach the store (it is opened read-only); here they are only recognised to explain the refusal.
"""

from __future__ import annotations

import re

from rcpkg.store.base import QueryRefused

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SERVICE = re.compile(r"service", re.IGNORECASE)
_PROLOGUE = r"(?:\s|#[^\n]*\n|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>))*"
_UPDATE = re.compile(
    _PROLOGUE + r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)


def unescape_codepoints(text: str) -> str:
    """Apply SPARQL's ``\\uXXXX`` escapes, which a parser resolves before reading keywords."""
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


#: The tokens that can hide the word FROM without it being a keyword: strings, IRIs, comments,
#: variables and prefixed names; anything else is skipped one character at a time.
_TOKENS = re.compile(
    "|".join(
        [
            r'(?P<string>"{3}(?:[^"\\]|\\.|"(?!""))*"{3}',  # long strings first
            r"'{3}(?:[^'\\]|\\.|'(?!''))*'{3}",
            r'"(?:[^"\\\n\r]|\\.)*"',
            r"'(?:[^'\\\n\r]|\\.)*')",
            r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
            r"(?P<comment>#[^\n\r]*)",
            r"(?P<name>[?$]?[^\W\d][\w-]*(?::[\w.:%\\-]*)?|:[\w.:%\\-]*)",
            r"(?P<other>.)",
        ]
    ),
    re.DOTALL,
)


def declares_dataset(query: str) -> bool:
    """True when the query names its own dataset with ``FROM`` or ``FROM NAMED``.

    Such a query must see the graphs it names, not the union of all graphs this endpoint uses
    as the default graph otherwise. A cheap search rules most queries out; the others are
    scanned token by token so that "from" in a string, an IRI, a comment, a variable or a
    prefixed name does not count.
    """
    text = unescape_codepoints(query)
    if "from" not in text.lower():
        return False
    for match in _TOKENS.finditer(text):
        if match.lastgroup == "name" and match.group().upper() == "FROM":
            return True
    return False


def looks_like_update(query: str) -> bool:
    """True when the text is a SPARQL Update (used to explain why it was not run)."""
    return bool(_UPDATE.match(unescape_codepoints(query)))


def service_iris(query: str) -> list[str | None] | None:
    """The endpoints named by SERVICE clauses (``None`` for a variable endpoint).

    Returns ``None`` when the query cannot be read by rdflib's parser, so the caller must
    refuse rather than guess. Most queries never say "service" and cost one regex search.
    """
    text = unescape_codepoints(query)
    if not _SERVICE.search(text):
        return []
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.term import URIRef

    try:
        parsed = parseQuery(text)
    except Exception:
        return None
    found: list[str | None] = []

    def walk(node: object) -> None:
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            term = node.get("term")  # type: ignore[attr-defined]
            found.append(str(term) if isinstance(term, URIRef) else _resolve_pname(term, parsed))
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple | ParseResults):
            for value in node:
                walk(value)

    walk(parsed)
    return found


def _resolve_pname(term: object, parsed: object) -> str | None:
    """Expand a prefixed-name SERVICE endpoint with the query's own PREFIX declarations."""
    if getattr(term, "name", None) != "pname":
        return None
    prefixes: dict[str, str] = {}
    for decl in parsed[0]:  # type: ignore[index]
        if getattr(decl, "name", None) == "PrefixDecl":
            prefixes[str(decl.get("prefix") or "")] = str(decl["iri"])
    prefix = str(term.get("prefix") or "")  # type: ignore[attr-defined]
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + str(term.get("localname") or "")  # type: ignore[attr-defined]


def check_service(query: str, allowlist: tuple[str, ...]) -> None:
    """Refuse (403) a query whose SERVICE clauses name endpoints outside ``allowlist``."""
    endpoints = service_iris(query)
    if endpoints is None:
        raise QueryRefused(
            "The query mentions SERVICE but could not be checked; "
            "this endpoint makes no outbound request it cannot verify.",
            403,
        )
    for endpoint in endpoints:
        if endpoint is None or endpoint not in allowlist:
            shown = f"<{endpoint}>" if endpoint else "a variable endpoint"
            raise QueryRefused(
                f"SERVICE {shown} is not allowed: this endpoint makes no outbound requests "
                "except to the endpoints its operator lists (RCPKG_SERVICE_ALLOWLIST).",
                403,
            )
