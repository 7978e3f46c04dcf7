"""The sandbox keeps generated ids away from Portainer's 500s for unknown ids (SCH-PTR-1)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from conformance.identities import Identity
from conformance.sandbox import PortainerSandbox


def _case(operation: str, **parts: Any) -> Any:
    raw = {"operationId": operation}
    definition = SimpleNamespace(raw=raw)
    return SimpleNamespace(
        operation=SimpleNamespace(definition=definition),
        path_parameters=parts.get("path"),
        query=parts.get("query"),
    )


def _sandbox() -> PortainerSandbox:
    world: Any = SimpleNamespace(
        fuzzer=Identity(7, "fuzz", 2),
        admin2=Identity(3, "adm", 1, token_id=41),
        env_a=2,
    )
    return PortainerSandbox(world, pacer=None)  # type: ignore[arg-type]


def test_an_unknown_token_id_becomes_another_users_token() -> None:
    """Portainer answers 500 for a token id it does not know; another user's token is 403 in
    Portainer and in the mock, and the fuzzer's own tokens keep their id."""
    sandbox = _sandbox()
    case = _case("deleteAccessToken", path={"id": 1, "keyID": 99999})
    sandbox.prepare(case)
    assert case.path_parameters == {"id": 7, "keyID": 41}
    sandbox.fuzzer_tokens.add(12)
    case = _case("deleteAccessToken", path={"id": 7, "keyID": 12})
    sandbox.prepare(case)
    assert case.path_parameters["keyID"] == 12
    case = _case("deleteAccessToken", path={"id": 7, "keyID": "abc"})  # a negative case: 400
    sandbox.prepare(case)
    assert case.path_parameters["keyID"] == "abc"


def test_the_users_environment_filter_names_an_existing_environment() -> None:
    sandbox = _sandbox()
    case = _case("listUsers", query={"environmentId": 123456})
    sandbox.prepare(case)
    assert case.query == {"environmentId": 2}
    case = _case("listUsers", query={})
    sandbox.prepare(case)
    assert case.query == {}
