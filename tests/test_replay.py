"""Repeated /doc/ requests are answered from the replay cache, and only those."""

from __future__ import annotations

from rcpkg.web.replay import ReplayMiddleware


class CountingApp:
    """A WSGI app whose answers say how often it was called."""

    def __init__(self, status: str = "200 OK", cache_control: str = "public, max-age=60"):
        self.calls = 0
        self.status = status
        self.cache_control = cache_control

    def __call__(self, environ, start_response):
        self.calls += 1
        accept = environ.get("HTTP_ACCEPT", "")
        start_response(
            self.status,
            [("Content-Type", "text/plain"), ("Cache-Control", self.cache_control)],
        )
        return [f"{environ['PATH_INFO']} {accept}".encode()]


def call(app, path="/doc/state/ERI", **extra):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", **extra}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    body = b"".join(app(environ, start_response))
    return seen["status"], dict(seen["headers"]), body


def test_the_same_request_is_replayed_with_the_same_answer() -> None:
    inner = CountingApp()
    app = ReplayMiddleware(inner, 1 << 20)
    first = call(app, HTTP_ACCEPT="text/turtle")
    second = call(app, HTTP_ACCEPT="text/turtle")
    assert first == second and inner.calls == 1
    other = call(app, HTTP_ACCEPT="text/html")  # another Accept: another answer
    assert other[2].endswith(b"text/html") and inner.calls == 2


def test_conditional_and_other_requests_reach_the_app() -> None:
    inner = CountingApp()
    app = ReplayMiddleware(inner, 1 << 20)
    for _ in range(2):
        call(app, HTTP_IF_NONE_MATCH='"x"')
        call(app, QUERY_STRING="a=1")
        call(app, path="/sparql")
        call(app, REQUEST_METHOD="HEAD")
    assert inner.calls == 8


def test_only_public_200_answers_are_kept() -> None:
    for inner in (CountingApp(status="404 NOT FOUND"), CountingApp(cache_control="no-store")):
        app = ReplayMiddleware(inner, 1 << 20)
        call(app)
        call(app)
        assert inner.calls == 2


def test_a_real_page_is_replayed_identically(server) -> None:
    import requests

    url = server.url + "/doc/process/khartoum-process"
    answers = [requests.get(url, headers={"Accept": "text/turtle"}, timeout=60) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    first, last = answers[0].headers, answers[-1].headers
    for name in ("Content-Type", "ETag", "Vary", "Content-Location", "Link", "Cache-Control"):
        assert first.get(name) == last.get(name), name
    assert "Content-Security-Policy" in last and last["Access-Control-Allow-Origin"] == "*"
    etag = last["ETag"]
    again = requests.get(url, headers={"Accept": "text/turtle", "If-None-Match": etag}, timeout=60)
    assert again.status_code == 304
