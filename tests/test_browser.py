"""A person's visit in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
home page, the Khartoum Process (chairs timeline, members table), a member state, the search
box, an example on the query page. Screenshots go to ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, RunningServer, start_server

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("browser"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_visit(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site.url) else external.append(r.url))

    # the home page, then the Khartoum Process
    page.goto(site.url + "/")
    assert page.locator("h1").first.inner_text() == "Inter-state migration dialogues"
    shot(page, "01-home")
    page.get_by_role("link", name="Khartoum Process", exact=True).first.click()
    page.wait_for_url("**/doc/process/khartoum-process")
    assert page.locator("h1").inner_text() == "Khartoum Process"

    # the chairs timeline: one bar per chair, each with an accessible title
    chart = page.locator("svg#chairs-chart")
    assert chart.get_attribute("role") == "img"
    titles = chart.locator("rect title").all_text_contents()
    assert any(t.startswith("Eritrea: 2019") for t in titles), titles
    assert any(t.startswith("South Sudan: since March 2022") for t in titles), titles
    # the chairs later sources report, each ongoing only as of its own source
    assert any(t.startswith("Germany: 2023 to April 2024") for t in titles), titles
    assert any(t.startswith("Egypt: since 17 April 2024") for t in titles), titles
    assert chart.bounding_box()["width"] > 300
    chart.scroll_into_view_if_needed()
    page.locator("#chairs-section").screenshot(path=str(ARTIFACTS / "02-chairs.png"))

    # where sources disagree, both claims side by side, each with its source
    conflicts = page.locator("section#conflicts")
    assert conflicts.is_visible()
    member_counts = conflicts.locator(".claims", has_text="How many member states")
    assert member_counts.count() == 1
    text = member_counts.inner_text()
    assert "Egypt Today" in text and "IOM profile of the Khartoum Process" in text
    assert member_counts.locator("a[href^='https://www.egypttoday.com/']").count() >= 1
    conflicts.scroll_into_view_if_needed()
    conflicts.screenshot(path=str(ARTIFACTS / "02b-conflicts.png"))

    # the members table: 40 current members
    rows = page.locator("table#members tbody tr")
    assert rows.count() == 40
    page.locator("#members-section").screenshot(path=str(ARTIFACTS / "03-members.png"))
    shot(page, "04-process")

    # follow a member state
    eritrea = page.locator("table#members tbody tr", has_text="Eritrea").locator("a").first
    eritrea.click()
    page.wait_for_url("**/doc/state/ERI")
    assert page.locator("h1").inner_text() == "Eritrea"
    assert page.locator("table#held-Membership").inner_text().count("Khartoum Process") == 1
    shot(page, "05-state")

    # the search box of every page
    page.fill("#site-search", "ethiopie")  # French, without its accents
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search?q=ethiopie")
    first = page.locator("ol.hits li a").first
    assert first.inner_text() == "Ethiopia"
    shot(page, "06-search")
    first.click()
    page.wait_for_url("**/doc/state/ETH")

    # an example on the query page, and its table of results
    page.goto(site.url + "/sparql")
    page.locator('a[data-example="current-members"]').click()
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == 40
    shot(page, "07-query")

    # a narrow screen: the page still fits its width
    narrow = browser.new_context(viewport={"width": 390, "height": 844})
    small = narrow.new_page()
    small.goto(site.url + "/doc/process/khartoum-process")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    small.screenshot(path=str(ARTIFACTS / "08-process-phone.png"))
    narrow.close()

    assert not problems, problems  # no script error, no CSP violation
    assert not external, external  # nothing is fetched from elsewhere
    context.close()
