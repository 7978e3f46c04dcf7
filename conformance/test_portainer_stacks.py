"""Portainer stacks: resource control, environment access, names, filters, states, audit fields."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from conformance.client import Reply, expect, expect_error, expect_status
from conformance.identities import COMPOSE_FILE, RUN_ID, Identity, PortainerWorld, unique

pytestmark = pytest.mark.usefixtures("portainer")

OTHER_FILE = COMPOSE_FILE.replace("3600", "7200")


def running(stack: dict[str, Any]) -> str:
    """Portainer's 409 for starting a stack whose containers exist (stack_start.go)."""
    return f"A stack with the name '{stack['Name']}' is already running"


def normalised(name: str) -> str:
    return re.sub(r"[^-_a-z0-9]", "", name.lower())


def ids_listed(
    portainer: PortainerWorld, who: Identity, filters: dict[str, Any] | None = None
) -> set[int]:
    params = {"filters": json.dumps(filters)} if filters is not None else None
    reply = expect_status(
        portainer.api.get("/api/stacks", auth=who.auth, params=params),
        200,
        f"list stacks as {who.username}" + (f" with filters {filters}" if filters else ""),
    )
    return {int(s["Id"]) for s in reply.json()}


def item_calls(
    portainer: PortainerWorld, who: Identity, stack: dict[str, Any]
) -> list[tuple[str, Reply]]:
    """Every item operation on `stack` as `who`, each answer labelled."""
    api, sid, env = portainer.api, stack["Id"], stack["EndpointId"]
    where = {"endpointId": env}
    body = {"StackFileContent": OTHER_FILE}
    return [
        ("read", api.get(f"/api/stacks/{sid}", auth=who.auth)),
        ("read the file of", api.get(f"/api/stacks/{sid}/file", auth=who.auth)),
        ("update", api.put(f"/api/stacks/{sid}", auth=who.auth, params=where, json_body=body)),
        ("stop", api.post(f"/api/stacks/{sid}/stop", auth=who.auth, params=where)),
        ("start", api.post(f"/api/stacks/{sid}/start", auth=who.auth, params=where)),
        ("delete", api.delete(f"/api/stacks/{sid}", auth=who.auth, params=where)),
    ]


def still_intact(portainer: PortainerWorld, stack: dict[str, Any]) -> None:
    """The stack exists, unchanged, as the administrator sees it."""
    api, sid = portainer.api, stack["Id"]
    reply = api.get(f"/api/stacks/{sid}", auth=portainer.admin.auth)
    expect_status(reply, 200, "the stack after refused operations (it must still exist)")
    now = reply.json()
    for key in ("Name", "Status", "UpdateDate", "UpdatedBy", "EndpointId"):
        expect(
            now.get(key) == stack.get(key), f"a refused operation changed the stack's {key}", reply
        )
    file = api.get(f"/api/stacks/{sid}/file", auth=portainer.admin.auth)
    expect(
        file.json().get("StackFileContent") == stack.get("_file", COMPOSE_FILE),
        "a refused update changed the stack's file",
        file,
    )


def refused_everywhere(
    portainer: PortainerWorld, who: Identity, stack: dict[str, Any], why: str
) -> None:
    for label, reply in item_calls(portainer, who, stack):
        if label == "start" and reply.status == 409:
            # Portainer looks for the running stack's containers before its resource control
            # (stack_start.go): a running stack answers 409 to anyone who may use the environment.
            expect_error(
                reply, 409, f"{who.username} trying to start {why}", message=running(stack)
            )
            continue
        expect_error(reply, 403, f"{who.username} trying to {label} {why}")
    still_intact(portainer, stack)


def stack_of(
    portainer: PortainerWorld, owner: Identity, env_id: int, **kwargs: Any
) -> dict[str, Any]:
    return portainer.new_stack(owner, env_id, **kwargs).json()


def needs_user_stacks(portainer: PortainerWorld, env_id: int) -> None:
    if not portainer.stack_management_allowed(env_id):
        pytest.skip(f"environment {env_id} forbids stack management to standard users")


def needs_env_b(portainer: PortainerWorld) -> int:
    if portainer.env_b is None:
        pytest.skip("only one environment: pass --other-environment for cross-environment rules")
    return portainer.env_b


@pytest.mark.rule("PTR-STK-1")
def test_stack_creation_answer(portainer: PortainerWorld) -> None:
    alice, env_a = portainer.alice, portainer.env_a
    assert alice is not None
    needs_user_stacks(portainer, env_a)
    for who in (alice, portainer.admin):
        started = time.time()
        reply = portainer.new_stack(who, env_a)
        stack = reply.json()
        expect(stack.get("CreatedBy") == who.username, f"CreatedBy is not {who.username}", reply)
        expect(
            abs(int(stack.get("CreationDate", 0)) - started) < 24 * 3600,
            "CreationDate is not the time of creation",
            reply,
        )
        expect(
            stack.get("UpdateDate") == 0 and stack.get("UpdatedBy") == "",
            "a new stack reads as updated",
            reply,
        )
        expect(
            (stack.get("EndpointId"), stack.get("Type"), stack.get("Status")) == (env_a, 2, 1),
            "a new Compose stack is not an active type-2 stack of its environment",
            reply,
        )
        control = stack.get("ResourceControl") or {}
        if who.is_admin:
            expect(
                control.get("AdministratorsOnly") is True,
                "an administrator's stack is not administrators-only",
                reply,
            )
        else:
            users = [a.get("UserId") for a in control.get("UserAccesses") or []]
            expect(
                users == [who.id] and not control.get("Public"),
                "a user's stack is not private to them",
                reply,
            )


@pytest.mark.rule("PTR-STK-2")
def test_stack_names_are_normalised(portainer: PortainerWorld) -> None:
    env_a = portainer.env_a
    raw = f"CF {RUN_ID.upper()} My App! #{unique('n')[-2:]}"
    reply = portainer.new_stack(portainer.admin, env_a, name=raw)
    stack = reply.json()
    expect(
        stack.get("Name") == normalised(raw),
        f"{raw!r} was stored as {stack.get('Name')!r}, not {normalised(raw)!r}",
        reply,
    )
    read = portainer.api.get(f"/api/stacks/{stack['Id']}", auth=portainer.admin.auth)
    expect(read.json().get("Name") == normalised(raw), "the stored name is not normalised", read)


@pytest.mark.rule("PTR-STK-3")
def test_duplicate_stack_name_is_refused(portainer: PortainerWorld) -> None:
    env_a, admin = portainer.env_a, portainer.admin
    name = unique("dup")
    portainer.new_stack(admin, env_a, name=name)
    reply = portainer.new_stack(admin, env_a, name=name.upper() + "!", expect_status=(200, 409))
    expect_error(
        reply,
        409,
        "a second stack of the same normalised name in the same environment",
        message=f"A stack with the normalized name '{name}' already exists",
    )
    if portainer.env_b is not None:
        portainer.new_stack(admin, portainer.env_b, name=name)  # 200, or the rule fails


@pytest.mark.rule("PTR-STK-4")
def test_admin_stacks_are_hidden_from_users(portainer: PortainerWorld) -> None:
    alice, env_a = portainer.alice, portainer.env_a
    assert alice is not None
    stack = stack_of(portainer, portainer.admin, env_a)
    expect(
        stack["Id"] not in ids_listed(portainer, alice),
        "an administrator's stack is listed to a user",
    )
    expect(
        stack["Id"] not in ids_listed(portainer, alice, {"EndpointID": env_a}),
        "an administrator's stack is listed to a user filtering on its environment",
    )
    refused_everywhere(portainer, alice, stack, "an administrator's stack")


@pytest.mark.rule("PTR-STK-5")
def test_user_stacks_are_private(portainer: PortainerWorld) -> None:
    alice, env_a = portainer.alice, portainer.env_a
    assert alice is not None
    needs_user_stacks(portainer, env_a)
    stack = stack_of(portainer, alice, env_a)
    expect(stack["Id"] in ids_listed(portainer, alice), "a user's own stack is not listed to them")
    expect_status(portainer.api.get(f"/api/stacks/{stack['Id']}", auth=alice.key), 200, "own stack")
    dave = portainer.new_user("dave", login=True)
    portainer.grant(dave, env_a)  # same environment: only the stack's privacy stands in the way
    expect(stack["Id"] not in ids_listed(portainer, dave), "another user's stack is listed")
    expect(
        stack["Id"] not in ids_listed(portainer, dave, {"EndpointID": env_a}),
        "another user's stack is listed when filtering on its environment",
    )
    refused_everywhere(portainer, dave, stack, f"{alice.username}'s stack")


@pytest.mark.rule("PTR-STK-6")
def test_stacks_need_environment_access(portainer: PortainerWorld) -> None:
    api, env_a = portainer.api, portainer.env_a
    needs_user_stacks(portainer, env_a)
    erin = portainer.new_user("erin", login=True)
    reply = portainer.new_stack(erin, env_a, expect_status=(200, 403))
    expect_error(
        reply,
        403,
        "creating a stack in an environment not granted",
        message="Permission denied to access environment",
    )
    portainer.grant(erin, env_a)
    stack = stack_of(portainer, erin, env_a)
    portainer.revoke(erin, env_a)
    refused_everywhere(
        portainer, erin, stack, "their own stack in an environment no longer granted"
    )
    reply = api.get("/api/stacks", auth=erin.bearer)
    expect_status(reply, 200, "listing stacks after the revocation")


@pytest.mark.rule("PTR-STK-7")
def test_foreign_stacks_are_unreachable(portainer: PortainerWorld) -> None:
    api, alice, env_a = portainer.api, portainer.alice, portainer.env_a
    assert alice is not None
    env_b = needs_env_b(portainer)
    stack = stack_of(portainer, portainer.admin, env_b)
    expect_error(api.get(f"/api/stacks/{stack['Id']}", auth=alice.key), 403, "reading by id")
    for filters in ({"EndpointID": env_b}, {"EndpointID": env_a}, {}):
        expect(
            stack["Id"] not in ids_listed(portainer, alice, filters),
            f"a stack outside the user's environments is listed with filters {filters}",
        )
    body = {"StackFileContent": OTHER_FILE}
    for env_id in (env_b, env_a):
        reply = api.put(
            f"/api/stacks/{stack['Id']}",
            auth=alice.key,
            params={"endpointId": env_id},
            json_body=body,
        )
        expect(
            reply.status in (400, 403, 404),
            f"updating a stack outside the user's environments (endpointId={env_id}) answered "
            f"{reply.status}",
            reply,
        )
    still_intact(portainer, stack)


@pytest.mark.rule("PTR-STK-8")
def test_item_operations_need_endpoint_id(portainer: PortainerWorld) -> None:
    api, admin, env_a = portainer.api, portainer.admin, portainer.env_a
    stack = stack_of(portainer, admin, env_a)
    sid = stack["Id"]
    calls = (
        (
            "update",
            api.put(
                f"/api/stacks/{sid}", auth=admin.auth, json_body={"StackFileContent": OTHER_FILE}
            ),
        ),
        ("stop", api.post(f"/api/stacks/{sid}/stop", auth=admin.auth)),
        ("start", api.post(f"/api/stacks/{sid}/start", auth=admin.auth)),
    )
    for label, reply in calls:
        expect_error(reply, 400, f"{label} without endpointId")
    # DELETE reads endpointId as optional: without it the stack counts as orphaned.
    expect_error(
        api.delete(f"/api/stacks/{sid}", auth=admin.auth),
        404,
        "an administrator deleting without endpointId (environment 0)",
    )
    alice = portainer.alice
    if alice is not None and portainer.stack_management_allowed(env_a):
        own = stack_of(portainer, alice, env_a)
        expect_error(
            api.delete(f"/api/stacks/{own['Id']}", auth=alice.key),
            403,
            "a standard user deleting without endpointId",
            message="Permission denied to remove orphaned stack",
        )
        still_intact(portainer, own)
    still_intact(portainer, stack)


@pytest.mark.rule("PTR-STK-9")
def test_stack_filters(portainer: PortainerWorld) -> None:
    api, admin, alice, env_a = portainer.api, portainer.admin, portainer.alice, portainer.env_a
    assert alice is not None
    compose = stack_of(portainer, admin, env_a)["Id"]
    swarm_id = portainer.swarm_id or f"cfswarm{RUN_ID}"
    swarm_reply = portainer.new_stack(
        admin, env_a, swarm_id=swarm_id, expect_status=(200, 400, 403, 404, 409, 500)
    )
    if portainer.swarm_id:
        expect_status(swarm_reply, 200, f"creating a Swarm stack on swarm {swarm_id}")
    swarm = swarm_reply.json()["Id"] if swarm_reply.status == 200 else None
    other = (
        stack_of(portainer, admin, portainer.env_b)["Id"] if portainer.env_b is not None else None
    )
    everything = ids_listed(portainer, admin)
    expect({compose, swarm, other} - {None} <= everything, "without filters, a stack is missing")
    by_env = ids_listed(portainer, admin, {"EndpointID": env_a})
    expect(compose in by_env, "EndpointID drops a Compose stack of that environment")
    expect(swarm is None or swarm not in by_env, "EndpointID alone keeps a Swarm stack")
    expect(other is None or other not in by_env, "EndpointID keeps another environment's stack")
    if other is not None:
        expect(
            other in ids_listed(portainer, admin, {"EndpointID": portainer.env_b}),
            "EndpointID of the other environment drops its stack",
        )
    if swarm is not None:
        by_swarm = ids_listed(portainer, admin, {"SwarmID": swarm_id})
        expect(swarm in by_swarm, "SwarmID drops a Swarm stack of that swarm")
        expect(compose not in by_swarm, "SwarmID keeps a Compose stack")
    reply = api.get(
        "/api/stacks",
        auth=alice.key,
        params={"filters": json.dumps({"IncludeOrphanedStacks": True})},
    )
    expect_error(reply, 403, "a standard user asking for orphaned stacks")
    reply = api.get("/api/stacks", auth=admin.auth, params={"filters": "{not json"})
    expect_error(reply, 400, "filters that are not JSON")


@pytest.mark.rule("PTR-STK-10")
def test_start_and_stop(portainer: PortainerWorld) -> None:
    api, alice, env_a = portainer.api, portainer.alice, portainer.env_a
    assert alice is not None
    needs_user_stacks(portainer, env_a)
    stack = stack_of(portainer, alice, env_a)
    sid, where = stack["Id"], {"endpointId": env_a}

    def act(action: str) -> Reply:
        return api.post(f"/api/stacks/{sid}/{action}", auth=alice.key, params=where)

    expect_error(act("start"), 409, "starting a running stack", message=running(stack))
    reply = expect_status(act("stop"), 200, "stopping a running stack")
    expect(reply.json().get("Status") == 2, "a stopped stack's Status is not 2", reply)
    expect_error(act("stop"), 400, "stopping a stopped stack", message="Stack is already inactive")
    reply = expect_status(act("start"), 200, "starting a stopped stack")
    expect(reply.json().get("Status") == 1, "a started stack's Status is not 1", reply)
    read = api.get(f"/api/stacks/{sid}", auth=alice.key)
    expect(read.json().get("Status") == 1, "the stack does not read as active", read)


@pytest.mark.rule("PTR-STK-11")
def test_stack_audit_fields(portainer: PortainerWorld) -> None:
    api, alice, admin, env_a = portainer.api, portainer.alice, portainer.admin, portainer.env_a
    assert alice is not None
    needs_user_stacks(portainer, env_a)
    stack = stack_of(portainer, alice, env_a)
    sid, where = stack["Id"], {"endpointId": env_a}
    for who in (alice, admin):
        reply = api.put(
            f"/api/stacks/{sid}",
            auth=who.auth,
            params=where,
            json_body={"StackFileContent": OTHER_FILE},
        )
        expect_status(reply, 200, f"updating the stack as {who.username}")
        read = api.get(f"/api/stacks/{sid}", auth=admin.auth)
        now = read.json()
        expect(now.get("CreatedBy") == alice.username, "an update changed CreatedBy", read)
        expect(
            now.get("CreationDate") == stack.get("CreationDate"),
            "an update changed CreationDate",
            read,
        )
        expect(
            now.get("UpdatedBy") == who.username,
            f"UpdatedBy is not {who.username} after their update",
            read,
        )
        expect(
            int(now.get("UpdateDate") or 0) >= int(stack.get("CreationDate") or 0) > 0,
            "UpdateDate was not set",
            read,
        )
    expect_status(api.post(f"/api/stacks/{sid}/stop", auth=alice.key, params=where), 200, "stop")
    read = api.get(f"/api/stacks/{sid}", auth=admin.auth)
    expect(read.json().get("CreatedBy") == alice.username, "stopping changed CreatedBy", read)


@pytest.mark.rule("PTR-STK-12")
def test_deleted_stack_is_gone(portainer: PortainerWorld) -> None:
    api, alice, env_a = portainer.api, portainer.alice, portainer.env_a
    assert alice is not None
    needs_user_stacks(portainer, env_a)
    stack = stack_of(portainer, alice, env_a)
    sid = stack["Id"]
    reply = api.delete(f"/api/stacks/{sid}", auth=alice.key, params={"endpointId": env_a})
    expect_status(reply, 204, "deleting one's own stack")
    for who in (alice, portainer.admin):
        expect_status(api.get(f"/api/stacks/{sid}", auth=who.auth), 404, "the deleted stack")
        expect_status(api.get(f"/api/stacks/{sid}/file", auth=who.auth), 404, "its file")
        expect(
            sid not in ids_listed(portainer, who), f"the deleted stack is listed to {who.username}"
        )
    reply = api.post(
        f"/api/stacks/{sid}/stop", auth=portainer.admin.auth, params={"endpointId": env_a}
    )
    expect_status(reply, 404, "stopping the deleted stack")
