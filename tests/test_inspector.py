"""The inspector page at /__mock__/: its files, the seeded credentials route, the switch.

What the page does in a browser is tested in tests/test_inspector_browser.py."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import banner
from mockserver.config import MockConfig


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(MockConfig(rate_limit=False)))


@pytest.mark.parametrize("path", ["/__mock__/", "/__mock__"])
def test_the_page_is_served_and_loads_only_its_own_files(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert linked, "the page links its script and style sheet"
    for url in linked:
        if url.startswith("data:"):
            continue
        assert url.startswith("/__mock__/static/"), f"{url}: nothing from another site"
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith(("text/javascript", "text/css"))


def test_the_script_uses_only_control_api_routes(client: TestClient) -> None:
    script = client.get("/__mock__/static/inspector.js").text
    assert "http://" not in script and "https://" not in script
    used = set(re.findall(r'call\("(\w+)", [`"](/\w+)', script))
    routes = {(method, path) for method, path in client.app.runtime.control.routes}
    assert used and used <= routes, used - routes


def test_an_unknown_file_is_404(client: TestClient) -> None:
    assert client.get("/__mock__/static/../control.py").status_code == 404
    assert client.get("/__mock__/static/other.js").status_code == 404


def test_seeded_credentials_are_the_banners(client: TestClient) -> None:
    runtime = client.app.runtime
    seeded = client.get("/__mock__/seeded").json()
    shown = banner(runtime, "http://127.0.0.1:9000", None)
    assert [a["username"] for a in seeded["accounts"]] == list(runtime.seeded.accounts)
    for account in seeded["accounts"]:
        assert account["password"] in shown
        for token in account["tokens"][:1]:
            assert token in shown
    for key in seeded["rancherKeys"]:
        assert f"{key['accessKey']}:{key['secretKey']}" in shown


def test_the_banner_prints_the_pages_address(client: TestClient) -> None:
    shown = banner(client.app.runtime, "http://127.0.0.1:9000", None)
    assert "  inspector:   http://127.0.0.1:9000/__mock__/  (" in shown
    assert "static" not in shown


def test_the_page_is_switched_off_with_the_control_api() -> None:
    with TestClient(create_app(MockConfig(control_api=False))) as client:
        assert client.get("/__mock__/").status_code == 404
        assert client.get("/__mock__/seeded").status_code == 404
        assert "inspector" not in banner(client.app.runtime, "http://127.0.0.1:9000", None)
