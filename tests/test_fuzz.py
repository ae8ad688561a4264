"""Property-based fuzzing of the HTTP surface: whatever a client sends, never a 500, never a
dead server.

Most properties run in-process against the Flask test client (``create_app`` with its own
store cache; user queries still run in query worker processes, with a 1 s time limit), with a
bounded number of examples each. A few run against a real ``rcpkg serve`` (``strict_server``)
and check that it still answers ``/healthz`` afterwards. Inputs: mutations of the example
queries in ``queries/*.rq``, arbitrary text, ``Accept`` headers (valid media types with random
q-values, and garbage), paths under ``/id/`` and ``/doc/`` (unicode, ``..``, ``%2e%2e``,
``%00``, very long), odd body encodings and oversized parameters.

The whole module is meant to take about a minute; ``RCPKG_FUZZ_EXAMPLES`` scales the number of
examples (``RCPKG_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`` for a longer run).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from conftest import ROOT, RunningServer

#: Examples per in-process property (scaled by RCPKG_FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("RCPKG_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the checkout; failures print their input
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: Fewer examples against the real server: each is a real HTTP round trip.
SERVER_FUZZ = settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
TIMEOUT = 15

EXAMPLE_QUERIES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from rcpkg.web import create_app

    application = create_app(
        cache_dir=tmp_path_factory.mktemp("fuzz-cache"),
        query_timeout=1.0,
        max_rows=50,
        query_workers=2,
    )
    application.config["TESTING"] = False  # errors go through the handlers, as in production
    yield application
    application.extensions["rcpkg"].close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def assert_handled(response, what: object) -> None:
    """Not a server error, and no traceback in the body."""
    assert response.status_code != 500, (what, response.get_data(as_text=True)[:500])
    assert response.status_code < 600
    assert b"Traceback" not in response.get_data()


# --- strategies -----------------------------------------------------------------------------

TOKENS = [
    "{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "?x", "$y", "<urn:x:a>", "<>", "<",
    ">", '"s"', "'s'", '"""', "'''", "\\", "\\u0053", "\\U00000041", "#", "\n", "\t", "\x00",
    "a", "^^", "@en", "_:b", "[]", "()", "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE",
    "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "SERVICE SILENT", "FROM",
    "FROM NAMED", "VALUES", "BIND", "AS", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET",
    "LIMIT -1", "OFFSET 99999999999999999999999", "DISTINCT", "REDUCED", "COUNT(*)",
    "GROUP_CONCAT", "REGEX", "CONCAT", "STR", "IRI", "BNODE", "NOW()", "RAND()", "EXISTS",
    "NOT EXISTS", "INSERT DATA", "DELETE", "LOAD", "CLEAR ALL", "PREFIX", "BASE", "rdfs:",
    ":", "ex:a\\#", "1e999999", "-0", "true", "<<", ">>", "|", "/", "^", "!", "+", "?",
    "*)", "(*", "🦄", "\u202e", "\ufeff", "𝔘", "ß", "İ",
]  # fmt: skip


@st.composite
def mutated_queries(draw: st.DrawFn) -> str:
    """An example query with a few random edits: insert, delete, replace, duplicate, cut."""
    query = draw(st.sampled_from(EXAMPLE_QUERIES))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(query)))
        edit = draw(st.sampled_from(["insert", "token", "delete", "replace", "dup", "cut"]))
        if edit == "insert":
            query = query[:position] + draw(st.text(max_size=8)) + query[position:]
        elif edit == "token":
            query = query[:position] + draw(st.sampled_from(TOKENS)) + query[position:]
        elif edit == "delete":
            query = query[:position] + query[position + draw(st.integers(1, 40)) :]
        elif edit == "replace" and position < len(query):
            query = query[:position] + draw(st.characters()) + query[position + 1 :]
        elif edit == "dup":
            end = position + draw(st.integers(1, 80))
            query = query[:end] + query[position:end] * draw(st.integers(1, 4)) + query[end:]
        elif edit == "cut":
            query = query[:position]
    return query


token_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)

MEDIA_TYPES = [
    "text/html", "application/xhtml+xml", "text/turtle", "application/ld+json",
    "application/rdf+xml", "application/n-triples", "application/json", "text/csv",
    "text/tab-separated-values", "application/sparql-results+json",
    "application/sparql-results+xml", "application/xml", "text/xml", "text/plain",
    "image/png", "*/*", "text/*", "application/*", "*/json", "x/y",
]  # fmt: skip

#: Header-safe text: what a client can put in a header value (no CR, LF or NUL).
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=200,
)


@st.composite
def accept_headers(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(header_text)
    entries = []
    for _ in range(draw(st.integers(0, 6))):
        entry = draw(st.sampled_from(MEDIA_TYPES))
        if draw(st.booleans()):
            q = draw(
                st.one_of(
                    st.floats(0, 1).map(lambda f: f"{f:.3f}"),
                    st.sampled_from(["0", "1", "1.0", "0.0001", "-1", "2", "abc", "", "1e3"]),
                )
            )
            entry += f";q={q}"
        if draw(st.booleans()):
            entry += draw(st.sampled_from([";charset=utf-8", ";level=1", ";;", ";=", "; x"]))
        entries.append(entry)
    return draw(st.sampled_from([",", ", ", " ,", ",,"])).join(entries)


SEGMENTS = [
    "..", ".", "%2e%2e", "%2E%2E", "%2e%2e%2f", "%2f", "%00", "%ff", "%c3%28", "%0d%0a",
    "state", "ERI", "process", "khartoum-process", "organization", "iom", "ERI.ttl",
    "x.html", ".jsonld", ".nt", ".rdf", "~", "%7e", "a b", "<script>", '"', "'", "{}", "|",
    "\\", "^", "`", "?", "#", ";", "&", "=", "%", "%%", "%g0",
]  # fmt: skip


@st.composite
def thing_paths(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(SEGMENTS),
                st.text(min_size=1, max_size=20).map(lambda t: quote(t, safe="")),
                st.text(
                    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]),
                    min_size=1,
                    max_size=10,
                ),
                st.integers(100, 5000).map(lambda n: "a" * n),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return "/".join(parts)


# --- in-process properties -------------------------------------------------------------------


def send_query(client: FlaskClient, query: str, how: str, accept: str = "*/*"):
    headers = {"Accept": accept}
    if how == "get":
        return client.get("/sparql", query_string={"query": query}, headers=headers)
    if how == "form":
        return client.post("/sparql", data={"query": query}, headers=headers)
    return client.post(
        "/sparql",
        data=query.encode("utf-8", "surrogatepass"),
        headers={**headers, "Content-Type": "application/sparql-query"},
    )


HOW = st.sampled_from(["get", "form", "direct"])


@FUZZ
@given(query=mutated_queries(), how=HOW)
def test_mutated_example_queries(client, query, how):
    assert_handled(send_query(client, query, how), query)


@FUZZ
@given(query=st.one_of(token_soup, st.text(max_size=300)), how=HOW)
def test_generated_queries(client, query, how):
    assert_handled(send_query(client, query, how), query)


@FUZZ
@given(
    accept=accept_headers(),
    path=st.sampled_from(
        [
            "/",
            "/doc/state/ERI",
            "/doc/process/khartoum-process",
            "/id/state/ERI",
            "/ontology",
            "/shapes",
            "/dataset",
            "/sparql",
            "/sparql?query=ASK%7B%7D",
            "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%202",
            "/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%202",
            "/doc/no/such/thing",
            "/healthz",
        ]
    ),
)
def test_accept_headers(client, accept, path):
    response = client.get(path, headers={"Accept": accept})
    assert_handled(response, (path, accept))
    if response.status_code == 200:
        assert response.headers.get("Content-Type")


@FUZZ
@given(path=thing_paths(), prefix=st.sampled_from(["/id/", "/doc/", "/download/", "/"]))
def test_paths(client, path, prefix):
    response = client.get(prefix + path, headers={"Accept": "*/*"})
    assert_handled(response, prefix + path)
    assert response.status_code in (200, 303, 308, 400, 404, 405, 406, 414), response.status_code


CONTENT_TYPES = [
    "application/sparql-query",
    "application/sparql-query; charset=utf-8",
    "application/sparql-query; charset=UTF8",
    "application/sparql-query; charset=latin-1",
    "application/sparql-query; charset=nonsense",
    "application/sparql-query; charset=",
    "application/sparql-query;;;",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/sparql-update",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "text/plain",
    "",
    "garbage",
    "/",
    "application/json",
]


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=400),
        mutated_queries().map(lambda q: q.encode("utf-8", "surrogatepass")),
        st.binary(max_size=40).map(lambda b: b"query=" + b),
        st.binary(max_size=40).map(lambda b: b"query=ASK%7B%7D&" + b),
        st.binary(max_size=40).map(lambda b: b"--x\r\n" + b + b"\r\n--x--"),
    ),
    content_type=st.sampled_from(CONTENT_TYPES),
    args=st.sampled_from(["", "?update=x", "?query=ASK%7B%7D", "?format=json", "?%ff=%fe"]),
)
def test_odd_bodies_and_encodings(client, body, content_type, args):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql" + args, data=body, headers=headers)
    assert_handled(response, (body, content_type, args))


@FUZZ
@given(
    name=st.sampled_from(
        ["default-graph-uri", "named-graph-uri", "format", "query", "update", "x", ""]
    ),
    value=st.one_of(
        st.integers(1, 300_000).map(lambda n: "urn:x:" + "a" * n),
        header_text,
        st.text(max_size=50),
    ),
    repeat=st.integers(1, 2000),
    how=st.sampled_from(["get", "form"]),
)
def test_oversized_and_repeated_parameters(client, name, value, repeat, how):
    params = MultiDict([("query", "ASK {}")] if name != "query" else [])
    for _ in range(repeat if len(value) * repeat < 2_000_000 else 1):
        params.add(name, value)
    if how == "get":
        response = client.get("/sparql", query_string=params)
    else:
        response = client.post("/sparql", data=params)
    assert_handled(response, (name, len(value), repeat))


@FUZZ
@given(
    term=st.one_of(st.text(max_size=100), token_soup, st.integers(1, 20_000).map("a".__mul__)),
    accept=st.sampled_from(["text/html", "*/*", "application/json"]),
)
def test_search_terms(client, term, accept):
    response = client.get("/search", query_string={"q": term}, headers={"Accept": accept})
    assert_handled(response, term)


def test_server_still_answers_in_process(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


# --- against a real server ---------------------------------------------------------------------


@SERVER_FUZZ
@given(query=st.one_of(mutated_queries(), token_soup), how=HOW, accept=accept_headers())
def test_real_server_mutated_queries(strict_server, query, how, accept):
    url = strict_server.url + "/sparql"
    headers = {"Accept": accept}
    try:
        requests.Request("GET", url, headers=headers).prepare()
    except requests.exceptions.InvalidHeader:
        reject()  # a value requests will not send (the in-process tests send those)
    if how == "get":
        response = requests.get(url, params={"query": query}, headers=headers, timeout=TIMEOUT)
    elif how == "form":
        response = requests.post(url, data={"query": query}, headers=headers, timeout=TIMEOUT)
    else:
        response = requests.post(
            url,
            data=query.encode("utf-8", "surrogatepass"),
            headers={**headers, "Content-Type": "application/sparql-query"},
            timeout=TIMEOUT,
        )
    assert response.status_code != 500, (query, response.text[:300])


def raw_exchange(server: RunningServer, data: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            return sock.recv(4096)
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            return b""


REQUEST_LINES = st.one_of(
    st.binary(max_size=300),
    st.tuples(
        st.sampled_from([b"GET", b"POST", b"HEAD", b"OPTIONS", b"PUT", b"BREW", b"get", b""]),
        st.one_of(
            thing_paths().map(lambda p: ("/doc/" + p).encode("utf-8", "surrogatepass")),
            st.binary(max_size=100).map(lambda b: b"/id/" + b),
        ),
        st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9.9", b"HTTP/1.1 x", b""]),
        st.lists(st.binary(max_size=60), max_size=4),
    ).map(lambda t: b" ".join(t[:3]) + b"\r\n" + b"\r\n".join(t[3]) + b"\r\n\r\n"),
)


@SERVER_FUZZ
@given(data=REQUEST_LINES)
def test_real_server_raw_requests(strict_server, data):
    answer = raw_exchange(strict_server, data)
    if answer:
        status_line = answer.split(b"\r\n", 1)[0]
        assert b" 500 " not in status_line, (data, status_line)


def test_real_server_still_answers(strict_server):
    assert strict_server.process.poll() is None
    assert requests.get(strict_server.url + "/healthz", timeout=TIMEOUT).status_code == 200
    response = requests.get(
        strict_server.url + "/sparql", params={"query": "ASK {}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200
