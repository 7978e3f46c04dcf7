"""Portainer environments: who sees them, and grants that take effect at once."""

from __future__ import annotations

import pytest

from conformance.client import expect, expect_error, expect_status
from conformance.identities import Identity, PortainerWorld

pytestmark = pytest.mark.usefixtures("portainer")


def visible_ids(portainer: PortainerWorld, who: Identity) -> set[int]:
    reply = expect_status(
        portainer.api.get("/api/endpoints", auth=who.auth), 200, f"list as {who.username}"
    )
    return {int(e["Id"]) for e in reply.json()}


@pytest.mark.rule("PTR-ENV-1")
def test_users_see_only_granted_environments(portainer: PortainerWorld) -> None:
    api, alice, bob = portainer.api, portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    env_a, env_b = portainer.env_a, portainer.env_b
    seen = visible_ids(portainer, alice)
    expect(env_a in seen, f"{alice.username} does not see the environment granted to them")
    expect(
        seen <= {e for e in portainer.environments if _grants(portainer, e, alice.id)},
        f"{alice.username} sees environments never granted to them: {sorted(seen)}",
    )
    expect_status(api.get(f"/api/endpoints/{env_a}", auth=alice.key), 200, "a granted environment")
    if env_b is not None:
        expect(env_b not in seen, f"{alice.username} sees an environment granted only to another")
        expect_error(
            api.get(f"/api/endpoints/{env_b}", auth=alice.key),
            403,
            "reading an environment not granted",
            message="Permission denied to access environment",
        )
        expect(env_a not in visible_ids(portainer, bob), f"{bob.username} sees {alice.username}'s")
    loner = portainer.new_user("nogrant", login=True)
    expect(
        not (visible_ids(portainer, loner) & {env_a, env_b}),
        "a user granted nothing sees the suite's environments",
    )


def _grants(portainer: PortainerWorld, env_id: int, user_id: int) -> bool:
    reply = portainer.api.get(f"/api/endpoints/{env_id}", auth=portainer.admin.auth)
    policies = reply.json().get("UserAccessPolicies") or {}
    return str(user_id) in policies


@pytest.mark.rule("PTR-ENV-2")
def test_grant_and_revoke_take_effect_at_once(portainer: PortainerWorld) -> None:
    api, env_a = portainer.api, portainer.env_a
    carol = portainer.new_user("carol", login=True)
    expect_error(api.get(f"/api/endpoints/{env_a}", auth=carol.bearer), 403, "before the grant")
    portainer.grant(carol, env_a)
    expect_status(
        api.get(f"/api/endpoints/{env_a}", auth=carol.bearer), 200, "right after the grant"
    )
    expect(env_a in visible_ids(portainer, carol), "the granted environment is not listed")
    portainer.revoke(carol, env_a)
    expect_error(api.get(f"/api/endpoints/{env_a}", auth=carol.bearer), 403, "right after revoking")
    expect(env_a not in visible_ids(portainer, carol), "a revoked environment is still listed")


@pytest.mark.rule("PTR-ENV-3")
def test_standard_users_cannot_manage_environments(portainer: PortainerWorld) -> None:
    api, alice, env_a = portainer.api, portainer.alice, portainer.env_a
    assert alice is not None
    before = expect_status(
        api.get(f"/api/endpoints/{env_a}", auth=portainer.admin.auth), 200, "read as admin"
    ).json()
    reply = api.put(
        f"/api/endpoints/{env_a}",
        auth=alice.key,
        json_body={"UserAccessPolicies": {str(alice.id): {"RoleId": 0}, "999999": {"RoleId": 0}}},
    )
    expect_error(reply, 403, "a standard user changing an environment")
    after = api.get(f"/api/endpoints/{env_a}", auth=portainer.admin.auth).json()
    expect(
        after.get("UserAccessPolicies") == before.get("UserAccessPolicies"),
        "a refused environment update changed the access policies",
    )
    listed = expect_status(api.get("/api/endpoints", auth=alice.key), 200, "list as a user")
    for env in listed.json():
        expect(
            not env.get("UserAccessPolicies"),
            f"a standard user sees the access policies of environment {env.get('Id')}",
            listed,
        )
