"""Shared fixtures: the mock app in-process (response validation on) and sync HTTP clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.runtime import Runtime


@pytest.fixture
def config() -> MockConfig:
    """Response validation on, so the mock can never drift from its contract; no rate limiter."""
    return MockConfig(seed=42, validate_responses=True, rate_limit=False)


@pytest.fixture
def app(config: MockConfig):  # type: ignore[no-untyped-def]
    return create_app(config)


@pytest.fixture
def runtime(app) -> Runtime:  # type: ignore[no-untyped-def]
    return app.runtime


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin_key(runtime: Runtime) -> str:
    """The seeded administrator's access token."""
    return runtime.seeded.accounts["admin"].tokens[0]


@pytest.fixture
def alice_key(runtime: Runtime) -> str:
    """Alice: a standard user granted the `production` environment (id 2)."""
    return runtime.seeded.accounts["alice"].tokens[0]


def login(client: TestClient, username: str, password: str) -> str:
    """Log in and return the JWT for `Authorization: Bearer`. The client forgets the login
    cookie, as a script sending the JWT does: with the cookie kept, Portainer's CSRF check
    would want an X-CSRF-Token on every POST, PUT and DELETE (see tests on cookie sessions)."""
    response = client.post("/api/auth", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.delete("portainer_api_key")
    return response.json()["jwt"]
