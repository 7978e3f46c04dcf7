"""Schemathesis over every Portainer operation of the contract, against the mock in-process.

All checks, as an administrator and as a standard user, authenticated through an auth provider
(fixed headers make the ignored-auth check report false failures). Both runs have the examples
and fuzzing phases. The coverage phase (boundary and negative cases, the same whoever asks) runs
over HTTP against the same mock and data, as an administrator, in the conformance suite's default
run (rule SCH-PTR-1 in tests/test_conformance_mock.py): once is enough.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from mockserver.app import create_app
from mockserver.config import MockConfig

from .schemathesis_support import HYPOTHESIS_SETTINGS, contract_config

APP = create_app(MockConfig(seed=42, validate_responses=True, rate_limit=False))
SEEDED = APP.runtime.seeded
IDENTITIES = {
    "admin": SEEDED.accounts["admin"].tokens[0],
    "alice": SEEDED.accounts["alice"].tokens[0],
}


def _schema(user: str) -> OpenApiSchema:
    config = contract_config(coverage=False)  # the conformance default run has it (above)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP, config=config)
    token = IDENTITIES[user]

    @schema.auth()
    class PortainerToken:
        def get(self, case: Any, context: Any) -> str:
            return token

        def set(self, case: Any, data: str, context: Any) -> None:
            if case.operation.definition.raw.get("security") == [{"jwt": []}]:
                return  # token creation takes a JWT; leave it unauthenticated
            case.headers = {**(case.headers or {}), "X-API-Key": data}

    schema.config.generation.update(max_examples=6)
    return schema


# The Rancher operations have their own Schemathesis tests (tests/test_rancher_*).
admin_schema = schemathesis.pytest.from_fixture("portainer_as_admin").include(path_regex="^/api/")
alice_schema = schemathesis.pytest.from_fixture("portainer_as_alice").include(path_regex="^/api/")


@pytest.fixture
def portainer_as_admin() -> OpenApiSchema:
    APP.runtime.reset()
    return _schema("admin")


@pytest.fixture
def portainer_as_alice() -> OpenApiSchema:
    APP.runtime.reset()
    return _schema("alice")


@admin_schema.parametrize()
@HYPOTHESIS_SETTINGS
def test_portainer_as_admin(case: Any) -> None:
    case.call_and_validate()


@alice_schema.parametrize()
@HYPOTHESIS_SETTINGS
def test_portainer_as_standard_user(case: Any) -> None:
    case.call_and_validate()
