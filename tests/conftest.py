"""Shared fixtures: the mock app in-process (response validation on) and sync HTTP clients."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.runtime import Runtime

# Scheduling for `make test` (pytest -n 2 --dist loadgroup --no-loadscope-reorder): the modules
# that cost the most start first, so that the two workers end together instead of one waiting
# on a long test collected last. Modules whose module-scoped fixture is expensive (a venv with
# the package installed, generated clients, a browser) run whole on one worker, built once.
HEAVIEST_FIRST = (
    "test_conformance_mock.py",
    "test_installed_package.py",
    "test_schemathesis_portainer.py",
    "test_conformance_proofs.py",
    "test_generated_client.py",
    "test_schemathesis_rancher.py",
    "test_conformance_interrupted.py",
    "test_conformance_modes.py",
    "test_inspector_browser.py",
    "test_lazy_contract.py",
    "test_mock_server.py",
)
ONE_WORKER = {"test_installed_package.py", "test_generated_client.py", "test_inspector_browser.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return HEAVIEST_FIRST.index(name) if name in HEAVIEST_FIRST else len(HEAVIEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order
    for item in items:
        if item.path.name in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


@pytest.fixture
def config() -> MockConfig:
    """Response validation on, so the mock can never drift from its contract; no rate limiter."""
    return MockConfig(seed=42, validate_responses=True, rate_limit=False)


# One app per configuration and worker, put back to its seeded state for each test.
_APPS: dict[MockConfig, Any] = {}


@pytest.fixture
def app(config: MockConfig):  # type: ignore[no-untyped-def]
    """The mock for `config`, as a new one: the seeded state, no journal, no fault rules, JWTs
    issued before refused (a new signing key). Built once per configuration and put back with
    `runtime.reset`, as `POST /__mock__/reset` does: 3 ms instead of 70 ms for a new app."""
    try:
        built = _APPS.get(config)
    except TypeError:  # a configuration that cannot be a key: build it for this test only
        return create_app(config)
    if built is None:
        built = _APPS[config] = create_app(config)
    else:
        built.runtime.reset(journal=True, faults=True)
        built.runtime.store.clock = time.time  # a test may have set the clock
    return built


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
