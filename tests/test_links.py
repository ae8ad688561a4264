"""A link checker: from ``/``, follow every local ``href`` and ``src`` of the HTML pages and get
no 4xx or 5xx. Bounded in count (:data:`MAX_URLS`), breadth first, so the pages nearest the
home page (processes, states, the ontology, the query page and examples) are always checked.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import requests

from conftest import RunningServer, start_server

MAX_URLS = 3000
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
THREADS = 4


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            elif name == "id" and value:
                self.ids.add(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("links"), "--workers", "2")
    yield running
    running.stop()


def _local(base: str, page_url: str, link: str) -> str | None:
    """The absolute URL of ``link`` without its fragment when it stays on this server."""
    url, _ = urldefrag(urljoin(page_url, link))
    return url if urlsplit(url).netloc == urlsplit(base).netloc else None


def test_every_local_link_answers(site):
    session = requests.Session()
    session.headers["Accept"] = BROWSER
    start = site.url + "/"
    seen = {start}
    queue: deque[str] = deque([start])
    failures: list[tuple[str, int, str]] = []
    fragments: list[tuple[str, str]] = []
    checked = 0
    began = time.monotonic()

    def fetch(url: str) -> tuple[str, requests.Response]:
        return url, session.get(url, timeout=60)

    with ThreadPoolExecutor(THREADS) as pool:
        while queue and checked < MAX_URLS:
            batch = [queue.popleft() for _ in range(min(len(queue), THREADS * 4))]
            for url, response in pool.map(fetch, batch):
                checked += 1
                if response.status_code >= 400:
                    failures.append((url, response.status_code, response.text[:200]))
                    continue
                if not response.headers.get("Content-Type", "").startswith("text/html"):
                    continue
                parser = Links()
                parser.feed(response.text)
                for link in parser.links:
                    if link.startswith("#") and link[1:] and link[1:] not in parser.ids:
                        fragments.append((url, link))
                    target = _local(site.url, response.url, link)
                    if target and target not in seen:
                        seen.add(target)
                        queue.append(target)
    assert not failures, failures[:20]
    assert not fragments, fragments[:20]  # in-page anchors land on an element
    assert checked >= 100, f"only {checked} URLs reached from /"
    print(f"checked {checked} URLs of {len(seen)} found in {time.monotonic() - began:.0f} s")
