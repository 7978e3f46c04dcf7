"""Scoping in every listing and filter: what a caller may list never includes what they may not see.

A server can scope its plain listing and forget a filter, a search, a page or a sort: each
listing is asked here with every documented parameter, by several identities, and every answer
must stay inside the caller's scope.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from conformance.client import expect, expect_status
from conformance.identities import Identity, PortainerWorld, RancherWorld, keys_path

# ---------------------------------------------------------------- Portainer


def _environment_queries(other_name: str) -> list[dict[str, Any]]:
    """GET /api/endpoints with each documented parameter, aimed at another's environment."""
    return [
        {},
        {"start": 0, "limit": 1},
        {"start": 1, "limit": 1},
        {"limit": 100},
        {"search": other_name},
        {"search": other_name[:4]},
        {"name": other_name},
        {"search": ""},
    ]


def _stack_filters(world: PortainerWorld) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [{}]
    for env_id in filter(None, (world.env_a, world.env_b)):
        filters.append({"filters": json.dumps({"EndpointID": env_id})})
    if world.swarm_id:
        filters.append({"filters": json.dumps({"SwarmID": world.swarm_id})})
    return filters


@pytest.mark.rule("PTR-SCOPE-1")
def test_standard_users_list_only_their_scope(portainer: PortainerWorld) -> None:
    api, alice, bob, admin2 = portainer.api, portainer.alice, portainer.bob, portainer.admin2
    assert alice is not None and bob is not None and admin2 is not None
    if portainer.env_b is None:
        pytest.skip("only one Portainer environment: pass --other-environment")
    admin_stack = portainer.new_stack(admin2, portainer.env_a).json()["Id"]
    alice_stack = portainer.new_stack(alice, portainer.env_a).json()["Id"]
    bob_stack = portainer.new_stack(bob, portainer.env_b).json()["Id"]
    callers: list[tuple[Identity, int, int, int, dict[int, str]]] = [
        (alice, portainer.env_a, portainer.env_b, alice_stack, {bob_stack: "another user's"}),
        (bob, portainer.env_b, portainer.env_a, bob_stack, {alice_stack: "another user's"}),
    ]
    for user, granted, other, own, hidden in callers:
        hidden[admin_stack] = "an administrator's"
        other_name = str(portainer.environments[other].get("Name", ""))
        for params in _environment_queries(other_name):
            reply = expect_status(
                api.get("/api/endpoints", auth=user.key, params=params), 200, "list environments"
            )
            seen = {int(e["Id"]) for e in reply.json()}
            expect(
                other not in seen,
                f"{user.username} (granted {granted}) sees environment {other} with {params}",
                reply,
            )
        for params in _stack_filters(portainer):
            reply = expect_status(api.get("/api/stacks", auth=user.key, params=params), 200, "list")
            for stack in reply.json():
                expect(
                    stack.get("Id") not in hidden,
                    f"{user.username} lists {hidden.get(stack.get('Id'))} stack "
                    f"{stack.get('Id')} with {params or 'no filter'}",
                    reply,
                )
        listed = api.get("/api/stacks", auth=user.key).json()
        expect(any(s.get("Id") == own for s in listed), "a user's own stack is not listed to them")


# ---------------------------------------------------------------- Rancher


def _pages(api: Any, path: str, auth: Any, params: dict[str, Any], limit: int = 20) -> list[Any]:
    """Every item of a listing, following Rancher's `pagination.next` links."""
    items: list[Any] = []
    for _ in range(limit):
        reply = expect_status(api.get(path, auth=auth, params=params), 200, f"list {params}")
        body = reply.json()
        items += [(item, reply) for item in body.get("data", [])]
        following = (body.get("pagination") or {}).get("next")
        if not following:
            break
        params = dict(parse_qsl(urlsplit(following).query))
    return items


@pytest.mark.rule("RCH-SCOPE-1")
def test_keys_are_listed_only_in_their_project(rancher: RancherWorld) -> None:
    api, key_a, key_b = rancher.api, rancher.key_a, rancher.key_b
    if rancher.project_b is None or key_a is None or key_b is None:
        pytest.skip("only one Rancher environment: pass --rancher-other-project")
    b_body = expect_status(rancher.read_key(key_b), 200, "read the other project's key").json()
    queries: list[dict[str, Any]] = [
        {},
        {"limit": 1},
        {"name": b_body.get("name")},
        {"publicValue": key_b.access},
        {"uuid": b_body.get("uuid")},
        {"state": "active"},
        {"_removed": "true"},
        {"sort": "name", "order": "desc", "limit": 2},
        {"accountId": key_b.project},
    ]
    for who, auth in (("an environment key", key_a.basic), ("the account key", rancher.account)):
        for params in queries:
            for item, reply in _pages(api, keys_path(key_a.project), auth, params):
                expect(
                    item.get("id") != key_b.id and item.get("accountId") in (None, key_a.project),
                    f"{who} listing {key_a.project} with {params} gets {item.get('id')} of "
                    f"{item.get('accountId')}",
                    reply,
                )
