"""The inspector page and Swagger UI in a real browser: the system's headless Chromium, driven by
Playwright's Python package (which is only a driver here: it never downloads a browser).

Needs Chromium at /usr/bin/chromium (Debian's `chromium`; `.ci/run` installs it when missing) or
at $CONTRACT_MOCK_CHROMIUM. Without it these tests fail and say so, unless
CONTRACT_MOCK_NO_BROWSER=1 asks to skip them. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.testing import MockServer

CHROMIUM = os.environ.get("CONTRACT_MOCK_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
# No GPU, no sandbox (root in CI), and no calls home: the machines here have no internet.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if os.environ.get("CONTRACT_MOCK_NO_BROWSER") == "1":
        pytest.skip("CONTRACT_MOCK_NO_BROWSER=1: browser tests skipped on purpose")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` (as .ci/run "
            "does), point CONTRACT_MOCK_CHROMIUM at one, or set CONTRACT_MOCK_NO_BROWSER=1 to skip"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, mock_server: MockServer) -> Iterator[Any]:
    """A new page that records console errors and any request leaving the mock."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.errors = []  # console errors and uncaught exceptions
    page.foreign = []  # requests to anywhere but the mock
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def only_the_mock(route: Any) -> None:
        url = route.request.url
        if url.startswith(mock_server.url) or url.startswith("data:"):
            route.continue_()
        else:
            page.foreign.append(url)
            route.abort()

    page.route("**/*", only_the_mock)
    yield page
    context.close()


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _open_inspector(page: Any, mock_server: MockServer) -> None:
    page.goto(mock_server.url + "/__mock__/")
    page.wait_for_selector("#seeded table")  # the seeded credentials: every script ran
    page.wait_for_selector("#status:text-matches('^live')")


def test_journal_shows_a_request_within_a_second(page: Any, mock_server: MockServer) -> None:
    _open_inspector(page, mock_server)
    alice = mock_server.users["alice"]
    answer = httpx.get(mock_server.url + "/api/stacks", headers={"X-API-Key": alice.api_key})
    assert answer.status_code == 200
    (entry,) = mock_server.requests("GET", "/api/stacks")
    # Locators, not element handles: the page redraws the journal when it changes.
    row = page.locator(f"tr.entry[data-seq='{entry.seq}']")
    row.wait_for(timeout=1000)  # the promise: within a second
    assert "/api/stacks" in row.inner_text() and "alice" in row.inner_text()
    row.click()  # expandable: the whole entry
    assert '"credential": "apikey"' in page.locator(f"tr[data-detail='{entry.seq}']").inner_text()
    # Filters: a caller who made no request shows nothing; the method and status that match do.
    page.fill("#filters input[name=caller]", "bob")
    page.wait_for_selector("#journal tbody tr", state="detached")
    page.fill("#filters input[name=caller]", "ali")
    page.select_option("#filters select[name=method]", "GET")
    page.fill("#filters input[name=path]", "/api/stack*")
    page.fill("#filters input[name=status]", "200")
    page.wait_for_selector(f"tr.entry[data-seq='{entry.seq}']")
    page.fill("#filters input[name=status]", "404")
    page.wait_for_selector(f"tr.entry[data-seq='{entry.seq}']", state="detached")
    assert page.errors == [] and page.foreign == []


def test_a_fault_added_on_the_page_answers_the_next_request(
    page: Any, mock_server: MockServer
) -> None:
    _open_inspector(page, mock_server)
    page.select_option("#fault-form select[name=method]", "GET")
    page.fill("#fault-form input[name=path]", "/api/stacks")
    page.fill("#fault-form input[name=status]", "503")
    page.fill("#fault-form input[name=times]", "1")
    page.click("#fault-form button[type=submit]")
    page.wait_for_selector("#faults li[data-fault]")
    _screenshot(page, "inspector-fault")
    headers = {"X-API-Key": mock_server.admin.api_key}
    assert httpx.get(mock_server.url + "/api/stacks", headers=headers).status_code == 503
    assert httpx.get(mock_server.url + "/api/stacks", headers=headers).status_code == 200
    # Delete, from the page, a rule that would answer every request.
    page.fill("#fault-form input[name=path]", "/api/settings")
    page.fill("#fault-form input[name=status]", "500")
    page.click("#fault-form button[type=submit]")
    page.locator("#faults li[data-fault]:has-text('/api/settings') button").click()
    page.wait_for_selector("#faults li[data-fault]:has-text('/api/settings')", state="detached")
    assert httpx.get(mock_server.url + "/__mock__/faults").json() == []  # the used-up one too
    assert httpx.get(mock_server.url + "/api/settings", headers=headers).status_code == 200
    assert page.errors == [] and page.foreign == []
    # A rule the control API refuses is explained on the page, not added; the browser itself
    # logs the refused call, and nothing else.
    page.fill("#fault-form input[name=path]", "/api/x")
    page.fill("#fault-form input[name=status]", "99")
    page.click("#fault-form button[type=submit]")
    page.wait_for_selector("#fault-error:text-matches('400')")
    assert len(page.errors) == 1 and "status of 400" in page.errors[0], page.errors


def test_reset_restores_the_seeded_state(page: Any, mock_server: MockServer) -> None:
    _open_inspector(page, mock_server)
    headers = {"X-API-Key": mock_server.admin.api_key}
    made = httpx.post(
        mock_server.url + "/api/users",
        headers=headers,
        json={"username": "inspected", "password": "a-long-password", "role": 2},
    )
    assert made.status_code == 200
    page.wait_for_selector("#state li:has-text('inspected')")
    _screenshot(page, "inspector")
    page.click("#reset")
    page.wait_for_selector("#state li:has-text('inspected')", state="detached")
    users = httpx.get(mock_server.url + "/api/users", headers=headers).json()
    assert "inspected" not in [user["Username"] for user in users]
    assert page.errors == [] and page.foreign == []


def test_swagger_ui_renders_every_operation_offline(page: Any, mock_server: MockServer) -> None:
    from mockserver.spec import operations

    page.goto(mock_server.url + "/api/docs/")
    page.wait_for_selector(".opblock-tag")
    tags = page.locator(".opblock-tag")
    for index in range(tags.count()):  # docExpansion none: open every tag
        tags.nth(index).click()
    page.wait_for_function(
        f"document.querySelectorAll('.opblock').length >= {len(operations())}", timeout=5000
    )
    shown = page.eval_on_selector_all(
        ".opblock-summary",
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').textContent,
            b.querySelector('[data-path]').getAttribute('data-path'),
        ])""",
    )
    _screenshot(page, "swagger-ui")
    assert page.foreign == [], "Swagger UI must fetch nothing from another site"
    assert page.errors == []
    expected = sorted((method.upper(), path) for method, path, _ in operations().values())
    assert sorted(tuple(block) for block in shown) == expected
