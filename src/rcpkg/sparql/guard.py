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
_PN_LOCAL_ESCAPE = re.compile(r"\\(.)")
_PROLOGUE = r"(?:\s|#[^\n]*\n|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>))*"
_UPDATE = re.compile(
    _PROLOGUE + r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)


def unescape_codepoints(text: str) -> str:
    """Apply SPARQL's codepoint escapes (backslash-u and four hex digits, backslash-U and
    eight), which a parser resolves before reading keywords."""
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
            # Prefixed names may hold escapes (PN_LOCAL_ESC: "ex:a\\#b" is a name, not a comment).
            r"(?P<name>[?$]?[^\W\d][\w-]*(?::(?:[\w.:%-]|\\.)*)?|:(?:[\w.:%-]|\\.)*)",
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


#: Deepest nesting of ``{``, ``(`` and ``[`` a query may have. Real queries stay far below;
#: the engine's parser recurses once per level, and a few thousand levels overflow its stack.
MAX_NESTING = 256


def nesting_depth(query: str) -> int:
    """The deepest nesting of brackets in ``query``, outside strings, IRIs and comments."""
    depth = deepest = 0
    for match in _TOKENS.finditer(query):
        if match.lastgroup != "other":
            continue
        char = match.group()
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth = max(0, depth - 1)
    return deepest


def check_nesting(query: str, limit: int = MAX_NESTING) -> None:
    """Refuse (400) a query nested deeper than ``limit``: a cheap count rules most out."""
    if sum(query.count(c) for c in "{([") <= limit:
        return
    depth = nesting_depth(unescape_codepoints(query))
    if depth > limit:
        raise QueryRefused(
            f"The query is nested {depth} levels deep; this endpoint accepts at most {limit} "
            "levels of braces, parentheses and brackets.",
            400,
        )


def looks_like_update(query: str) -> bool:
    """True when the text is a SPARQL Update (used to explain why it was not run)."""
    return bool(_UPDATE.match(unescape_codepoints(query)))


def service_iris(query: str) -> list[str | None] | None:
    """The endpoints named by SERVICE clauses (``None`` for a variable endpoint).

    Returns ``None`` when a SERVICE keyword is followed by something this scan cannot resolve
    (an undeclared or twice-declared prefix, a name glued to the keyword), so the caller must
    refuse rather than guess. Most queries never say "service" and cost one regex search.

    The scan reads tokens (strings, IRIs, comments, names), so it takes time linear in the
    query's length: it runs in the web process before any time limit applies, so it must not
    be a full parser (rdflib's takes tens of seconds on some 30 KB queries).
    """
    text = unescape_codepoints(query)
    if not _SERVICE.search(text):
        return []
    tokens = [
        (m.lastgroup, m.group())
        for m in _TOKENS.finditer(text)
        if m.lastgroup != "comment" and not (m.lastgroup == "other" and m.group().isspace())
    ]
    prefixes: dict[str, str] = {}
    for i, (kind, value) in enumerate(tokens[:-2]):
        if kind == "name" and value.upper() == "PREFIX":
            (name_kind, name), (iri_kind, iri) = tokens[i + 1], tokens[i + 2]
            if name_kind != "name" or not name.endswith(":") or iri_kind != "iri":
                return None
            if prefixes.get(name, iri[1:-1]) != iri[1:-1]:
                return None  # declared twice, differently: refuse rather than guess
            prefixes[name] = iri[1:-1]
    found: list[str | None] = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "name" or not value.upper().startswith("SERVICE"):
            continue
        if value.upper() != "SERVICE":
            if value.upper().startswith("SERVICE:"):
                return None  # "SERVICE:x": a prefixed name, or the keyword glued to ":x"
            continue  # another word that starts with "service"
        rest = tokens[i + 1 : i + 3]
        if rest and rest[0][0] == "name" and rest[0][1].upper() == "SILENT":
            rest = rest[1:]
        if not rest:
            return None
        target_kind, target = rest[0]
        if target_kind == "iri":
            found.append(target[1:-1])
        elif target_kind == "name" and target[0] in "?$":
            found.append(None)
        elif target_kind == "name" and ":" in target:
            prefix, _, local = target.partition(":")
            if prefix + ":" not in prefixes:
                return None
            found.append(prefixes[prefix + ":"] + _PN_LOCAL_ESCAPE.sub(r"\1", local))
        else:
            return None
    return found


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
