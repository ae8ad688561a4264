"""Coverage-guided fuzz target (atheris/libFuzzer) for request parsing and negotiation.

Feeds arbitrary requests to the code that reads what a client sends before any query runs:
``rcpkg.sparql.protocol.parse_request`` and ``result_preference`` (inside a Flask test request
context, as in the server), ``rcpkg.negotiation.choose`` / ``prefers_html`` on the parsed
``Accept`` header, and the query guards of ``rcpkg.sparql.guard`` (SERVICE scan, FROM scan,
update detection, nesting depth). A request may be refused with a ``ProtocolError`` or a
``QueryRefused``; any other exception, or a broken invariant, is a finding.

    pip install -e '.[fuzz]'
    python fuzz/fuzz_protocol.py -max_total_time=60 fuzz/corpus/protocol

See fuzz/README.md.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["rcpkg", "werkzeug.datastructures", "werkzeug.http"]):
    from flask import Flask, request

    from rcpkg import negotiation
    from rcpkg.sparql import guard, protocol
    from rcpkg.store.base import QueryRefused

#: Small on purpose, so that the size checks are reached by short inputs.
MAX_BYTES = 2048

METHODS = ["GET", "POST", "HEAD", "PUT"]
CONTENT_TYPES = [
    protocol.FORM,
    protocol.DIRECT,
    protocol.UPDATE,
    protocol.DIRECT + "; charset=utf-8",
    protocol.FORM + "; charset=latin-1",
    "multipart/form-data; boundary=x",
    "text/plain",
    "",
]
OFFERS = [protocol.TABULAR_OFFERS, protocol.GRAPH_OFFERS]

app = Flask("rcpkg-fuzz")
app.config["MAX_CONTENT_LENGTH"] = MAX_BYTES


def header_value(text: str) -> str:
    """What a WSGI server can hand over as a header value: Latin-1, no CR, LF or NUL."""
    cleaned = text.encode("latin-1", "replace").decode("latin-1")
    return "".join(c for c in cleaned if c not in "\r\n\x00")


def check_query_guards(query: str) -> None:
    guard.declares_dataset(query)
    guard.looks_like_update(query)
    depth = guard.nesting_depth(query)
    assert depth >= 0
    endpoints = guard.service_iris(query)
    assert endpoints is None or all(e is None or isinstance(e, str) for e in endpoints)
    try:
        guard.check_nesting(query)
        guard.check_service(query, ("http://example.org/sparql",))
    except QueryRefused as refused:
        assert refused.status in (400, 403)


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    method = METHODS[fdp.ConsumeIntInRange(0, len(METHODS) - 1)]
    content_type = CONTENT_TYPES[fdp.ConsumeIntInRange(0, len(CONTENT_TYPES) - 1)]
    if fdp.ConsumeBool():
        content_type = header_value(fdp.ConsumeUnicodeNoSurrogates(40))
    accept = header_value(fdp.ConsumeUnicodeNoSurrogates(120))
    # As a WSGI server hands it over: the raw bytes of the request line, read as Latin-1.
    query_string = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 400)).decode("latin-1")
    body = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 4 * MAX_BYTES))
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        context = app.test_request_context(
            "/sparql",
            method=method,
            query_string=query_string,
            data=body if method not in ("GET", "HEAD") else None,
            headers=headers,
        )
    except ValueError:
        return  # the test client refuses to build it: no server could receive it either
    with context:
        try:
            parsed = protocol.parse_request(request, MAX_BYTES)
        except protocol.ProtocolError as refused:
            assert 400 <= refused.status < 500, refused
            assert refused.message
            parsed = None
        if parsed is not None:
            assert len(parsed.query.encode("utf-8", "surrogatepass")) <= MAX_BYTES
            check_query_guards(parsed.query)
        try:
            preference = protocol.result_preference(request)
        except protocol.ProtocolError as refused:
            assert refused.status == 400, refused
        else:
            assert preference.tabular in (None, *protocol.TABULAR_OFFERS.values(), "tsv", "csv")
        accept_parsed = request.accept_mimetypes
        negotiation.prefers_html(accept_parsed)
        for offers in OFFERS:
            chosen = negotiation.choose(accept_parsed, offers)
            assert chosen is None or chosen in offers.values()
    check_query_guards(fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()))


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
