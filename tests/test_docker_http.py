"""Portainer's Docker proxy through HTTP (response validation on): the routes, Docker's shapes
and errors, Portainer's access rules over them, and container actions that later reads show."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from mockserver.runtime import Runtime

COMPOSE = "services:\n  web:\n    image: nginx:1.27\n  cache:\n    image: redis:7\n"


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def docker(env: int, path: str) -> str:
    return f"/api/endpoints/{env}/docker/{path}"


def deploy(client: TestClient, token: str, name: str = "shop", env: int = 2) -> dict:
    answer = client.post(
        f"/api/stacks/create/standalone/string?endpointId={env}",
        json={"Name": name, "StackFileContent": COMPOSE},
        headers=key(token),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def project(client: TestClient, token: str, name: str, env: int = 2, all_: bool = True) -> list:
    label = json.dumps({"label": [f"com.docker.compose.project={name}"]})
    answer = client.get(
        docker(env, "containers/json"),
        params={"all": "1" if all_ else "0", "filters": label},
        headers=key(token),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize(
    "path",
    ["_ping", "version", "info", "containers/json", "images/json", "networks", "volumes"],
)
def test_every_engine_route_answers(client: TestClient, admin_key: str, path: str) -> None:
    answer = client.get(docker(2, path), headers=key(admin_key))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", ["services", "tasks", "nodes", "swarm"])
def test_swarm_routes_on_a_swarm_and_elsewhere(
    client: TestClient, admin_key: str, path: str
) -> None:
    assert client.get(docker(3, path), headers=key(admin_key)).status_code == 200
    answer = client.get(docker(2, path), headers=key(admin_key))
    assert answer.status_code == 503
    assert answer.json()["message"].startswith("This node is not a swarm manager")


def test_deploy_stop_start_delete_seen_through_the_proxy(
    client: TestClient, alice_key: str
) -> None:
    stack = deploy(client, alice_key)
    listed = project(client, alice_key, "shop")
    assert sorted(c["Names"][0] for c in listed) == ["/shop-cache-1", "/shop-web-1"]
    web = next(c for c in listed if c["Names"] == ["/shop-web-1"])
    assert web["State"] == "running" and web["Image"] == "nginx:1.27"
    assert web["Labels"]["com.docker.compose.service"] == "web"
    assert web["Portainer"]["ResourceControl"]["ResourceId"] == "2_shop"
    stop = client.post(f"/api/stacks/{stack['Id']}/stop?endpointId=2", headers=key(alice_key))
    assert stop.status_code == 200
    assert {c["State"] for c in project(client, alice_key, "shop")} == {"exited"}
    assert project(client, alice_key, "shop", all_=False) == []
    client.post(f"/api/stacks/{stack['Id']}/start?endpointId=2", headers=key(alice_key))
    assert {c["State"] for c in project(client, alice_key, "shop", all_=False)} == {"running"}
    delete = client.delete(f"/api/stacks/{stack['Id']}?endpointId=2", headers=key(alice_key))
    assert delete.status_code == 204
    assert project(client, alice_key, "shop") == []


def test_container_actions_change_later_reads(client: TestClient, alice_key: str) -> None:
    deploy(client, alice_key)
    path = docker(2, "containers/shop-web-1")
    assert client.post(path + "/stop", headers=key(alice_key)).status_code == 204
    assert client.post(path + "/stop", headers=key(alice_key)).status_code == 304
    state = client.get(path + "/json", headers=key(alice_key)).json()["State"]
    assert (state["Status"], state["Running"]) == ("exited", False)
    assert client.post(path + "/start", headers=key(alice_key)).status_code == 204
    assert client.post(path + "/start", headers=key(alice_key)).status_code == 304
    assert client.post(path + "/restart", headers=key(alice_key)).status_code == 204
    inspected = client.get(path + "/json", headers=key(alice_key)).json()
    assert inspected["State"]["Running"] is True and inspected["RestartCount"] == 1


def test_docker_errors(client: TestClient, admin_key: str) -> None:
    missing = client.get(docker(2, "containers/nope/json"), headers=key(admin_key))
    assert (missing.status_code, missing.json()) == (404, {"message": "No such container: nope"})
    unknown = client.get(docker(2, "plugins"), headers=key(admin_key))
    assert (unknown.status_code, unknown.json()) == (404, {"message": "page not found"})
    bad = client.get(docker(2, "containers/json?filters=nope"), headers=key(admin_key))
    assert bad.status_code == 400 and "message" in bad.json()
    versioned = client.get(docker(2, "v1.47/containers/json"), headers=key(admin_key))
    assert versioned.status_code == 200


def test_the_environment_comes_first(client: TestClient, admin_key: str, alice_key: str) -> None:
    assert client.get(docker(2, "plugins")).status_code == 401
    gone = client.get(docker(99, "info"), headers=key(admin_key))
    assert gone.status_code == 404 and gone.json()["message"].startswith("Unable to find an env")
    assert client.get(docker(99, "plugins"), headers=key(admin_key)).status_code == 404
    for path in ("info", "containers/json", "plugins"):
        denied = client.get(docker(1, path), headers=key(alice_key))
        assert denied.status_code == 403
        assert denied.json() == {
            "message": "Permission denied to access environment",
            "details": "Access denied to environment",
        }


def test_resource_controls_filter_containers(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    deploy(client, admin_key, "adminonly")
    admin_sees = project(client, admin_key, "adminonly")
    assert len(admin_sees) == 2
    assert project(client, alice_key, "adminonly") == []
    denied = client.get(docker(2, "containers/adminonly-web-1/json"), headers=key(alice_key))
    assert (denied.status_code, denied.json()) == (403, {"message": "access denied to resource"})
    stop = client.post(docker(2, "containers/adminonly-web-1/stop"), headers=key(alice_key))
    assert stop.status_code == 403
    everything = client.get(docker(2, "containers/json?all=1"), headers=key(alice_key)).json()
    assert all(c["Portainer"]["ResourceControl"]["UserAccesses"] for c in everything)


def test_swarm_id_and_services_for_a_standard_user(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    swarm = client.get(docker(3, "swarm"), headers=key(admin_key)).json()
    assert swarm["ID"] == runtime.store.state.environments[3].swarm_id
    assert "JoinTokens" in swarm
    created = client.post(
        "/api/stacks/create/swarm/string?endpointId=3",
        json={"Name": "queue", "StackFileContent": COMPOSE, "SwarmID": swarm["ID"]},
        headers=key(admin_key),
    )
    assert created.status_code == 200, created.text
    services = client.get(docker(3, "services"), headers=key(admin_key)).json()
    assert {"queue_web", "queue_cache"} <= {s["Spec"]["Name"] for s in services}
    tasks = client.get(docker(3, "tasks"), headers=key(admin_key)).json()
    queue_ids = {s["ID"] for s in services if s["Spec"]["Name"].startswith("queue_")}
    assert len([t for t in tasks if t["ServiceID"] in queue_ids]) == 2


def test_snapshots_follow_the_engine(client: TestClient, alice_key: str) -> None:
    before = client.get("/api/endpoints/2", headers=key(alice_key)).json()["Snapshots"][0]
    deploy(client, alice_key)
    after = client.get("/api/endpoints/2", headers=key(alice_key)).json()["Snapshots"][0]
    assert after["RunningContainerCount"] == before["RunningContainerCount"] + 2
    assert after["StackCount"] == before["StackCount"] + 1
    assert after["Swarm"] is False
    swarm = client.get("/api/endpoints?name=staging", headers=key(alice_key)).json()
    assert swarm == []  # alice may not use staging
