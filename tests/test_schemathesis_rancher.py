"""Schemathesis over every Rancher operation of the contract, against the mock in-process.

All checks, with access control on (as the account key and as an environment key, sent as HTTP
Basic through an auth provider, because fixed headers make the ignored-auth check report false
failures) and in open mode (no credentials: the administrator). A stateful run follows the
contract's links from a created key to reading, changing, acting on and deleting it.
"""

from __future__ import annotations

import base64
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from mockserver.app import create_app
from mockserver.config import MockConfig

from .schemathesis_support import HYPOTHESIS_SETTINGS, contract_config

APP = create_app(MockConfig(seed=42, validate_responses=True, rate_limit=False))
OPEN_APP = create_app(
    MockConfig(seed=42, validate_responses=True, rate_limit=False, rancher_access_control=False)
)
RANCHER = "^/v2-beta"
SEEDED = APP.runtime.seeded
KEYS = {
    "account": (SEEDED.rancher_admin.access_key, SEEDED.rancher_admin.secret_key),
    "environment": (SEEDED.rancher_keys[0].access_key, SEEDED.rancher_keys[0].secret_key),
}
# Checks left out, each because the real Rancher behaves this way on purpose:
EXCLUDED_CHECKS = {
    # A deleted key can still be read by id (state `removed`), as in Rancher 1.6.
    "use_after_free",
}


def _basic(pair: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()


def _schema(app: Any, who: str | None) -> OpenApiSchema:
    # The coverage phase's boundary and negative cases are the same whoever asks: the account
    # key's run has them (and the conformance default run's SCH-RCH-1, over HTTP).
    config = contract_config(coverage=who == "account")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    schema = schema.include(path_regex=RANCHER)
    if who is not None:
        header = _basic(KEYS[who])

        @schema.auth()
        class RancherKey:
            def get(self, case: Any, context: Any) -> str:
                return header

            def set(self, case: Any, data: str, context: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": data}

    schema.config.generation.update(max_examples=10)
    schema.config.checks.update(excluded_check_names=sorted(EXCLUDED_CHECKS))
    return schema


# A fixture schema's own include() is not applied to its operations: filter the lazy schema.
account_schema = schemathesis.pytest.from_fixture("rancher_as_account_key").include(
    path_regex=RANCHER
)
environment_schema = schemathesis.pytest.from_fixture("rancher_as_environment_key").include(
    path_regex=RANCHER
)
open_schema = schemathesis.pytest.from_fixture("rancher_open_mode").include(path_regex=RANCHER)


@pytest.fixture
def rancher_as_account_key() -> OpenApiSchema:
    APP.runtime.reset()
    return _schema(APP, "account")


@pytest.fixture
def rancher_as_environment_key() -> OpenApiSchema:
    APP.runtime.reset()
    return _schema(APP, "environment")


@pytest.fixture
def rancher_open_mode() -> OpenApiSchema:
    OPEN_APP.runtime.reset()
    return _schema(OPEN_APP, None)


@account_schema.parametrize()
@HYPOTHESIS_SETTINGS
def test_rancher_as_account_key(case: Any) -> None:
    case.call_and_validate()


@environment_schema.parametrize()
@HYPOTHESIS_SETTINGS
def test_rancher_as_environment_key(case: Any) -> None:
    case.call_and_validate()


@open_schema.parametrize()
@HYPOTHESIS_SETTINGS
def test_rancher_open_mode(case: Any) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("who", ["account", "environment"])
def test_rancher_stateful_links(who: str) -> None:
    APP.runtime.reset()
    schema = _schema(APP, who)
    machine = schema.as_state_machine()
    machine.run(
        settings=hypothesis.settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            derandomize=True,
            database=None,
        )
    )
