"""Portainer's Docker proxy: what a deploy started, seen as scripts see it after a deploy.

Sources ([P] github.com/portainer/portainer): `api/http/handler/endpointproxy/proxy_docker.go`
(environment 404 and 403 before anything is proxied), `api/http/proxy/factory/docker/
transport.go` and `access_control.go` (resource controls filter lists, found through the
`com.docker.compose.project` / `com.docker.stack.namespace` labels), `swarm.go`.
A real server needs time to pull images and start containers, so the listing rules wait up to
`--wait` seconds (default 60) for the state they expect; the mock answers at once, so the
suite's own runs against it use a few seconds.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from conformance import settings
from conformance.client import expect, expect_error, expect_status
from conformance.identities import Identity, PortainerWorld

pytestmark = pytest.mark.usefixtures("portainer")

PROJECT = "com.docker.compose.project"
NAMESPACE = "com.docker.stack.namespace"


def docker(env_id: int, path: str) -> str:
    return f"/api/endpoints/{env_id}/docker/{path}"


def containers(
    portainer: PortainerWorld, who: Identity, env_id: int, project: str
) -> list[dict[str, Any]]:
    """Every container (running or not) with the stack's Compose project label, as `who`."""
    reply = expect_status(
        portainer.api.get(
            docker(env_id, "containers/json"),
            auth=who.auth,
            params={"all": "1", "filters": json.dumps({"label": [f"{PROJECT}={project}"]})},
        ),
        200,
        f"list the containers of project {project} as {who.username}",
    )
    body = reply.json()
    expect(isinstance(body, list), "the container list is not a JSON array", reply)
    return body


def wait_for(
    portainer: PortainerWorld, who: Identity, env_id: int, project: str, done: Any
) -> list[dict[str, Any]]:
    """The project's containers once `done(containers)` holds, or the last list after --wait."""
    deadline = time.monotonic() + settings.current().wait
    while True:
        found = containers(portainer, who, env_id, project)
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(min(1.0, settings.current().wait / 10))


def running(found: list[dict[str, Any]]) -> bool:
    return bool(found) and all(c.get("State") == "running" for c in found)


def deployed(portainer: PortainerWorld) -> tuple[Identity, int, dict[str, Any]]:
    """A stack the suite's administrator deployed on env_a, and its running containers."""
    admin, env_a = portainer.admin, portainer.env_a
    stack = portainer.new_stack(admin, env_a).json()
    found = wait_for(portainer, admin, env_a, stack["Name"], running)
    expect(found, f"no container carries {PROJECT}={stack['Name']} after the deploy")
    return admin, env_a, stack


@pytest.mark.rule("PTR-DOCK-1")
def test_a_deployed_stack_s_containers_are_listed(portainer: PortainerWorld) -> None:
    admin, env_a, stack = deployed(portainer)
    found = containers(portainer, admin, env_a, stack["Name"])
    expect(running(found), f"the stack's containers are not all running: {found}")
    for container in found:
        labels = container.get("Labels") or {}
        expect(labels.get(PROJECT) == stack["Name"], "a listed container lacks the project label")
        expect(labels.get("com.docker.compose.service"), "a container lacks its service label")
    running_only = portainer.api.get(
        docker(env_a, "containers/json"),
        auth=admin.auth,
        params={"filters": json.dumps({"label": [f"{PROJECT}={stack['Name']}"]})},
    )
    expect(
        {c["Id"] for c in running_only.json()} == {c["Id"] for c in found},
        "without all=1 the running containers are not the ones listed",
        running_only,
    )


@pytest.mark.rule("PTR-DOCK-2")
def test_a_stopped_stack_s_containers_are_not_running(portainer: PortainerWorld) -> None:
    admin, env_a, stack = deployed(portainer)
    expect_status(
        portainer.api.post(
            f"/api/stacks/{stack['Id']}/stop", auth=admin.auth, params={"endpointId": env_a}
        ),
        200,
        "stop the stack",
    )
    found = wait_for(
        portainer,
        admin,
        env_a,
        stack["Name"],
        lambda cs: all(c.get("State") != "running" for c in cs),
    )
    states = sorted({c.get("State") for c in found})
    expect(
        all(c.get("State") == "exited" for c in found),
        f"after the stop the stack's containers are {states}, not exited (or gone)",
    )


@pytest.mark.rule("PTR-DOCK-3")
def test_a_deleted_stack_s_containers_are_gone(portainer: PortainerWorld) -> None:
    admin, env_a, stack = deployed(portainer)
    expect_status(
        portainer.api.delete(
            f"/api/stacks/{stack['Id']}", auth=admin.auth, params={"endpointId": env_a}
        ),
        204,
        "delete the stack",
    )
    found = wait_for(portainer, admin, env_a, stack["Name"], lambda cs: not cs)
    expect(not found, f"{len(found)} container(s) of the deleted stack are still listed")


def _swarm_environment(portainer: PortainerWorld) -> tuple[int, str] | None:
    """An environment whose engine is a swarm manager, and the cluster id /info reports."""
    for env_id in sorted(portainer.environments):
        reply = portainer.api.get(docker(env_id, "info"), auth=portainer.admin.auth)
        if reply.status != 200:
            continue
        swarm = reply.json().get("Swarm") or {}
        cluster = (swarm.get("Cluster") or {}).get("ID")
        if swarm.get("LocalNodeState") == "active" and swarm.get("ControlAvailable") and cluster:
            return env_id, cluster
    return None


@pytest.mark.rule("PTR-DOCK-4")
def test_the_swarm_id_creates_a_swarm_stack(portainer: PortainerWorld) -> None:
    found = _swarm_environment(portainer)
    if found is None:
        pytest.skip("no environment is a swarm manager")
    env_id, cluster = found
    admin, api = portainer.admin, portainer.api
    reply = expect_status(api.get(docker(env_id, "swarm"), auth=admin.auth), 200, "read the swarm")
    swarm_id = reply.json().get("ID")
    expect(swarm_id == cluster, f"/docker/swarm ID {swarm_id!r} is not /info's {cluster!r}", reply)
    stack = portainer.new_stack(admin, env_id, swarm_id=swarm_id).json()
    expect(
        (stack.get("Type"), stack.get("SwarmId")) == (1, swarm_id),
        "the stack made with the swarm id is not a swarm stack of that swarm",
    )
    listed = api.get(
        "/api/stacks", auth=admin.auth, params={"filters": json.dumps({"SwarmID": swarm_id})}
    )
    expect(stack["Id"] in {s["Id"] for s in listed.json()}, "SwarmID does not find it", listed)
    deadline = time.monotonic() + settings.current().wait
    while True:
        services = expect_status(
            api.get(docker(env_id, "services"), auth=admin.auth), 200, "list services"
        )
        mine = [
            s
            for s in services.json()
            if ((s.get("Spec") or {}).get("Labels") or {}).get(NAMESPACE) == stack["Name"]
        ]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    expect(mine, f"no service carries {NAMESPACE}={stack['Name']}", services)


@pytest.mark.rule("PTR-DOCK-5")
def test_a_user_without_the_environment_gets_403(portainer: PortainerWorld) -> None:
    api, env_a = portainer.api, portainer.env_a
    loner = portainer.new_user("nodocker", login=True)
    for path in ("_ping", "info", "containers/json", "no-such-docker-route"):
        expect_error(
            api.get(docker(env_a, path), auth=loner.bearer),
            403,
            f"GET /docker/{path} on an environment not granted",
            message="Permission denied to access environment",
        )


@pytest.mark.rule("PTR-DOCK-6")
def test_containers_are_filtered_by_resource_control(portainer: PortainerWorld) -> None:
    alice, env_a = portainer.alice, portainer.env_a
    assert alice is not None
    admin, _, stack = deployed(portainer)  # administrators only: no user access
    hidden = containers(portainer, alice, env_a, stack["Name"])
    expect(not hidden, f"{alice.username} sees the containers of an administrators' stack")
    every = portainer.api.get(
        docker(env_a, "containers/json"), auth=alice.auth, params={"all": "1"}
    )
    names = {(c.get("Labels") or {}).get(PROJECT) for c in every.json()}
    expect(stack["Name"] not in names, "the unfiltered list shows them too", every)
    some_id = containers(portainer, admin, env_a, stack["Name"])[0]["Id"]
    refused = portainer.api.get(docker(env_a, f"containers/{some_id}/json"), auth=alice.auth)
    expect_status(refused, 403, f"{alice.username} inspecting an administrators' container")
