"""Schemathesis over every Portainer operation of the contract, against the mock in-process.

All checks, as an administrator and as a standard user, authenticated through an auth provider
(fixed headers make the ignored-auth check report false failures).
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.spec import business_rule_statuses

POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

APP = create_app(MockConfig(seed=42, validate_responses=True, rate_limit=False))
SEEDED = APP.runtime.seeded
IDENTITIES = {
    "admin": SEEDED.accounts["admin"].tokens[0],
    "alice": SEEDED.accounts["alice"].tokens[0],
}


def _config() -> schemathesis.config.SchemathesisConfig:
    """Schema-valid input may still be refused for the contract's declared business rules."""
    operations = [
        {
            "include-operation-id": operation_id,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": POSITIVE_ACCEPTED + [str(s) for s in statuses]
                }
            },
        }
        for operation_id, statuses in business_rule_statuses().items()
    ]
    return schemathesis.config.SchemathesisConfig.from_dict({"operations": operations})


def _schema(user: str) -> OpenApiSchema:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP, config=_config())
    token = IDENTITIES[user]

    @schema.auth()
    class PortainerToken:
        def get(self, case: Any, context: Any) -> str:
            return token

        def set(self, case: Any, data: str, context: Any) -> None:
            if case.operation.definition.raw.get("security") == [{"jwt": []}]:
                return  # token creation takes a JWT; leave it unauthenticated
            case.headers = {**(case.headers or {}), "X-API-Key": data}

    schema.config.generation.update(max_examples=12)
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


_SETTINGS = hypothesis.settings(
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)


@admin_schema.parametrize()
@_SETTINGS
def test_portainer_as_admin(case: Any) -> None:
    case.call_and_validate()


@alice_schema.parametrize()
@_SETTINGS
def test_portainer_as_standard_user(case: Any) -> None:
    case.call_and_validate()
