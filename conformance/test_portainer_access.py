"""Portainer's access model: first run, password changes, teams, resource controls and the
environment switch that turns stack management off for standard users."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.client import Bearer, expect, expect_error, expect_status
from conformance.identities import Identity, PortainerWorld, new_password, unique

pytestmark = pytest.mark.usefixtures("portainer")

STACK_MANAGEMENT = "allowStackManagementForRegularUsers"


@contextmanager
def new_team(portainer: PortainerWorld, **body: Any) -> Iterator[int]:
    """A new team for the length of the block: memberships and leadership change what users
    may do, so the team goes as soon as the rule is checked."""
    reply = expect_status(
        portainer.api.post(
            "/api/teams", auth=portainer.admin.auth, json_body={"Name": unique("team"), **body}
        ),
        200,
        "an administrator creating a team",
    )
    team_id = int(reply.json()["Id"])
    try:
        yield team_id
    finally:
        portainer.api.delete(f"/api/teams/{team_id}", auth=portainer.admin.auth)


def add_member(portainer: PortainerWorld, user: Identity, team_id: int, role: int = 2) -> None:
    expect_status(
        portainer.api.post(
            "/api/team_memberships",
            auth=portainer.admin.auth,
            json_body={"UserID": user.id, "TeamID": team_id, "Role": role},
        ),
        200,
        f"an administrator adding {user.username} to team {team_id}",
    )


@contextmanager
def admin_stack(portainer: PortainerWorld) -> Iterator[dict[str, Any]]:
    """An administrator's stack for the length of the block (its control will be widened)."""
    stack = portainer.new_stack(portainer.admin, portainer.env_a).json()
    try:
        yield stack
    finally:
        portainer.delete_stack(stack["Id"], stack["EndpointId"])


def set_control(portainer: PortainerWorld, stack: dict[str, Any], body: dict[str, Any]) -> None:
    control = stack["ResourceControl"]["Id"]
    expect_status(
        portainer.api.put(
            f"/api/resource_controls/{control}", auth=portainer.admin.auth, json_body=body
        ),
        200,
        f"an administrator changing resource control {control}",
    )


def listed_ids(portainer: PortainerWorld, who: Identity) -> list[int]:
    reply = expect_status(portainer.api.get("/api/stacks", auth=who.auth), 200, "the stack list")
    return [s.get("Id") for s in reply.json()]


@pytest.mark.rule("PTR-ACC-1")
def test_first_run_init_works_once(portainer: PortainerWorld) -> None:
    api = portainer.api
    expect_status(api.get("/api/users/admin/check"), 204, "the administrator check")
    before = len(api.get("/api/users", auth=portainer.admin.auth).json())
    reply = api.post(
        "/api/users/admin/init",
        json_body={"Username": unique("root"), "Password": new_password()},
    )
    if reply.status == 200:  # do not leave a second administrator behind
        portainer.cleanup.add("delete it", lambda: portainer.delete_user(reply.json()["Id"]))
    expect_error(reply, 409, "initialising an instance that has an administrator")
    after = len(api.get("/api/users", auth=portainer.admin.auth).json())
    expect(after == before, "a refused initialisation created a user anyway", reply)


@pytest.mark.rule("PTR-ACC-2")
def test_password_change_refuses_the_old_jwt(portainer: PortainerWorld) -> None:
    api = portainer.api
    user = portainer.new_user("pw", login=True)
    old = user.jwt or ""
    time.sleep(1.1)  # Portainer compares the JWT's iat with TokenIssueAt in whole seconds
    new = new_password()
    changed = api.put(
        f"/api/users/{user.id}/passwd",
        auth=Bearer(old),
        json_body={"Password": user.password, "NewPassword": new},
    )
    expect_status(changed, 204, "changing one's own password")
    expect_error(
        api.get("/api/users/me", auth=Bearer(old)), 401, "the JWT issued before the change"
    )
    user.password = new
    fresh = portainer.login(user)
    expect_status(api.get("/api/users/me", auth=Bearer(fresh)), 200, "a JWT issued after it")


@pytest.mark.rule("PTR-ACC-3")
def test_team_access_shows_a_stack_to_members_only(portainer: PortainerWorld) -> None:
    alice, bob = portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    with new_team(portainer) as team:
        add_member(portainer, alice, team)
        team_sees_the_stack(portainer, team)


def team_sees_the_stack(portainer: PortainerWorld, team: int) -> None:
    alice, bob = portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    with admin_stack(portainer) as stack:
        expect(stack["Id"] not in listed_ids(portainer, alice), "an admin stack listed to a user")
        set_control(portainer, stack, {"Teams": [team]})
        expect(
            stack["Id"] in listed_ids(portainer, alice),
            "a team member does not see a stack shared with the team",
        )
        expect_status(
            portainer.api.get(f"/api/stacks/{stack['Id']}", auth=alice.auth),
            200,
            "a team member reading a stack shared with the team",
        )
        expect(
            stack["Id"] not in listed_ids(portainer, bob),
            "a user outside the team sees a stack shared with the team",
        )


@pytest.mark.rule("PTR-ACC-4")
def test_a_leaders_rights_stop_at_their_team(portainer: PortainerWorld) -> None:
    alice, bob = portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    with new_team(portainer, TeamLeaders=[alice.id]) as led, new_team(portainer) as other:
        leader_limits(portainer, led, other)


def leader_limits(portainer: PortainerWorld, led: int, other: int) -> None:
    alice, bob = portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    api = portainer.api
    refused = api.post(
        "/api/team_memberships",
        auth=alice.auth,
        json_body={"UserID": bob.id, "TeamID": other, "Role": 2},
    )
    expect_error(refused, 403, "a leader adding a user to a team they do not lead")
    expect_error(
        api.get(f"/api/teams/{other}", auth=alice.auth), 403, "a leader reading another team"
    )
    expect_status(
        api.post(
            "/api/team_memberships",
            auth=alice.auth,
            json_body={"UserID": bob.id, "TeamID": led, "Role": 2},
        ),
        200,
        "a leader adding a user to their own team",
    )


@pytest.mark.rule("PTR-ACC-5")
def test_a_public_control_shows_the_stack_to_everyone(portainer: PortainerWorld) -> None:
    alice, bob = portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    with admin_stack(portainer) as stack:
        set_control(portainer, stack, {"Public": True})
        for who in (alice, bob):  # the list checks the control only, not environment access
            expect(
                stack["Id"] in listed_ids(portainer, who),
                f"{who.username} does not see a stack whose resource control is public",
            )
        expect_status(
            portainer.api.get(f"/api/stacks/{stack['Id']}", auth=alice.auth),
            200,
            "a user of the environment reading a public stack",
        )


@pytest.mark.rule("PTR-ACC-6")
def test_disabled_stack_management_gives_the_403_of_each_route(
    portainer: PortainerWorld,
) -> None:
    alice, env = portainer.alice, portainer.env_a
    assert alice is not None
    if not portainer.stack_management_allowed(env):
        pytest.skip(f"environment {env} already forbids stack management to standard users")
    api = portainer.api
    stack = portainer.new_stack(alice, env).json()

    def switch(allowed: bool) -> None:
        expect_status(
            api.put(
                f"/api/endpoints/{env}/settings",
                auth=portainer.admin.auth,
                json_body={STACK_MANAGEMENT: allowed},
            ),
            200,
            f"an administrator setting {STACK_MANAGEMENT}={allowed}",
        )

    switch(False)
    try:
        refused_per_route(portainer, stack)
    finally:
        switch(True)


def refused_per_route(portainer: PortainerWorld, stack: dict[str, Any]) -> None:
    alice, env, api = portainer.alice, portainer.env_a, portainer.api
    assert alice is not None
    path, params = f"/api/stacks/{stack['Id']}", {"endpointId": env}
    calls = [
        (
            "Stack creation is disabled for non-admin users",
            api.post(
                "/api/stacks/create/standalone/string",
                auth=alice.auth,
                params=params,
                json_body={"Name": unique("stk"), "StackFileContent": "services: {}\n"},
            ),
        ),
        (
            "Stack editing is disabled for non-admin users",
            api.put(path, auth=alice.auth, params=params, json_body={"StackFileContent": "x"}),
        ),
        (
            "stack management is disabled for non-admin users",
            api.post(f"{path}/stop", auth=alice.auth, params=params),
        ),
        (
            "stack deletion is disabled for non-admin users",
            api.delete(path, auth=alice.auth, params=params),
        ),
    ]
    for message, reply in calls:
        expect_error(reply, 403, f"a standard user while stack management is off ({message})")
        expect(reply.json().get("message") == message, f"the 403 should say {message!r}", reply)
