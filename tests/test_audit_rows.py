"""Rows of the audit (../shared/reference/real-behaviour-audit.md) that still differed after the
first fidelity pass, through HTTP: each test is named after its row and asserts the real
product's status and body (Portainer CE 2.23 at cc75167, Rancher 1.6 Cattle at 82d154a)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from mockserver.runtime import Runtime
from tests.conftest import login

REPO = "https://git.example.com/acme/web-stack"  # seeded in fixtures/default.yaml
NOT_A_MANAGER = (
    'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or'
    ' "docker swarm join" to connect this node to swarm and try again.'
)


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def answer(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()


def error(message: str, details: str | None = None) -> dict[str, str]:
    return {"message": message, "details": details if details is not None else message}


def projects(client: TestClient, admin_key: str, env_id: int) -> dict[str, set[str]]:
    """Compose project -> the states of its containers on one environment's Docker."""
    response = client.get(
        f"/api/endpoints/{env_id}/docker/containers/json",
        params={"all": "1"},
        headers=key(admin_key),
    )
    assert response.status_code == 200, response.text
    found: dict[str, set[str]] = {}
    for container in response.json():
        project = container["Labels"].get("com.docker.compose.project")
        if project:
            found.setdefault(project, set()).add(container["State"])
    return found


def stack_named(runtime: Runtime, **wanted: Any) -> Any:
    """The first seeded stack with these attributes."""
    return next(
        s
        for s in sorted(runtime.store.state.stacks.values(), key=lambda s: s.id)
        if all(getattr(s, k) == v for k, v in wanted.items())
    )


# -- row 10: logout clears the cookie as Go's http.SetCookie writes RemoveAuthCookie's cookie
def test_row_10_logout_cookie_expires_at_the_epoch(client: TestClient) -> None:
    jwt = login(client, "alice", "alice-password")
    reply = client.post("/api/auth/logout", headers={"Authorization": f"Bearer {jwt}"})
    assert reply.status_code == 204
    assert reply.headers["set-cookie"] == (
        "portainer_api_key=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly;"
        " SameSite=Strict"
    )


# -- row 21: an unknown access token id (404 is the mock's documented difference; the details
# are Portainer's datastore error)
def test_row_21_unknown_token_details_are_the_datastore_error(
    client: TestClient, alice_key: str
) -> None:
    reply = client.delete("/api/users/2/tokens/999", headers=key(alice_key))
    assert answer(reply) == (
        404,
        error(
            "API Key not found", "Object not found inside the database (bucket=api_key, key=999)"
        ),
    )


# -- row 34: `filters` decoded as Go decodes it into stackListOperationFilters
def test_row_34_filters_null_and_keys_in_any_case(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    every = client.get("/api/stacks", headers=key(admin_key)).json()
    assert client.get("/api/stacks?filters=null", headers=key(admin_key)).json() == every
    lower = client.get(
        "/api/stacks", params={"filters": '{"endpointid":1}'}, headers=key(admin_key)
    ).json()
    assert lower and {s["EndpointId"] for s in lower} == {1}
    assert {s["Type"] for s in lower} == {2}
    bad = client.get("/api/stacks", params={"filters": "{bad"}, headers=key(admin_key))
    assert bad.status_code == 400
    assert bad.json()["message"] == "Invalid query parameter: filters"


# -- row 44: DELETE /api/stacks/{id}?external=true deletes a stack Portainer did not deploy
def test_row_44_admin_deletes_external_stack_by_name(client: TestClient, admin_key: str) -> None:
    # Environment 3 is a swarm: `docker stack rm` of a name nothing uses succeeds.
    reply = client.delete("/api/stacks/Outside?external=true&endpointId=3", headers=key(admin_key))
    assert reply.status_code == 204, reply.text
    assert reply.content == b""


def test_row_44_external_delete_is_for_administrators_only(
    client: TestClient, alice_key: str
) -> None:
    reply = client.delete("/api/stacks/outside?external=true&endpointId=2", headers=key(alice_key))
    assert answer(reply) == (401, error("Permission denied to delete the stack", "Unauthorized"))


def test_row_44_external_delete_needs_endpoint_id_before_the_role(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    missing = error("Invalid query parameter: endpointId", "Missing query parameter")
    for token in (admin_key, alice_key):
        reply = client.delete("/api/stacks/outside?external=true", headers=key(token))
        assert answer(reply) == (400, missing)


def test_row_44_external_delete_refuses_a_portainer_stack_name(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    stack = stack_named(runtime, endpoint_id=2)
    # Portainer looks the name up across every environment, before the environment named.
    reply = client.delete(
        f"/api/stacks/{stack.name}?external=true&endpointId=99", headers=key(admin_key)
    )
    assert answer(reply) == (
        400,
        error(
            "A stack with this name exists inside the database. Cannot use external delete method",
            "A tag already exists with this name",
        ),
    )
    assert client.get(f"/api/stacks/{stack.id}", headers=key(admin_key)).status_code == 200


def test_row_44_external_delete_unknown_environment_and_not_a_swarm(
    client: TestClient, admin_key: str
) -> None:
    unknown = client.delete(
        "/api/stacks/outside?external=true&endpointId=99", headers=key(admin_key)
    )
    assert answer(unknown) == (
        404,
        error(
            "Unable to find the endpoint associated to the stack inside the database",
            "Object not found inside the database (bucket=endpoints, key=99)",
        ),
    )
    standalone = client.delete(
        "/api/stacks/outside?external=true&endpointId=1", headers=key(admin_key)
    )
    assert answer(standalone) == (500, error("Unable to delete stack", NOT_A_MANAGER))


def test_row_44_only_the_text_true_means_external(client: TestClient, admin_key: str) -> None:
    for value in ("1", "True", ""):
        reply = client.delete(
            f"/api/stacks/outside?external={value}&endpointId=3", headers=key(admin_key)
        )
        assert answer(reply) == (
            400,
            error(
                "Invalid stack identifier route variable",
                'Strconv.Atoi: parsing "outside": invalid syntax',
            ),
        )
    # The other methods of the route still read the id as a number, as Portainer does.
    reply = client.get("/api/stacks/outside", headers=key(admin_key))
    assert answer(reply)[0] == 400
    assert client.get("/api/stacks/outside").status_code == 401


# -- row 39: an endpointId other than the stack's environment
def test_row_39_update_moves_the_stack_to_the_environment_given(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    stack = stack_named(runtime, endpoint_id=1, type=2, status=1)
    assert stack.name in projects(client, admin_key, 1)
    body = {"StackFileContent": "services:\n  web:\n    image: nginx\n"}
    reply = client.put(f"/api/stacks/{stack.id}?endpointId=2", json=body, headers=key(admin_key))
    assert reply.status_code == 200, reply.text
    assert reply.json()["EndpointId"] == 2
    read = client.get(f"/api/stacks/{stack.id}", headers=key(admin_key)).json()
    assert read["EndpointId"] == 2
    # Environment 2 has no control for `2_<name>`: the moved stack is administrators-only.
    assert read["ResourceControl"] is None
    assert projects(client, admin_key, 2)[stack.name] == {"running"}
    assert stack.name not in projects(client, admin_key, 1)


def test_row_39_update_checks_the_environment_given_before_the_body(
    client: TestClient, runtime: Runtime, alice_key: str
) -> None:
    stack = stack_named(runtime, endpoint_id=2)
    # Alice may not use environment 1: 403 before the (empty, invalid) body is read.
    reply = client.put(f"/api/stacks/{stack.id}?endpointId=1", json={}, headers=key(alice_key))
    assert answer(reply) == (
        403,
        error("Permission denied to access environment", "Access denied to environment"),
    )
    assert (
        client.put("/api/stacks/999?endpointId=2", json={}, headers=key(alice_key)).status_code
        == 404
    )


def test_row_39_a_failed_update_does_not_move_the_stack(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    stack = stack_named(runtime, endpoint_id=1, type=2)
    reply = client.put(f"/api/stacks/{stack.id}?endpointId=2", json={}, headers=key(admin_key))
    assert answer(reply) == (400, error("Invalid request payload", "Invalid stack file content"))
    assert client.get(f"/api/stacks/{stack.id}", headers=key(admin_key)).json()["EndpointId"] == 1


def test_row_39_start_and_stop_act_on_the_environment_given(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    stack = stack_named(runtime, endpoint_id=1, type=2, status=2)
    started = client.post(f"/api/stacks/{stack.id}/start?endpointId=2", headers=key(admin_key))
    assert started.status_code == 200, started.text
    assert (started.json()["Status"], started.json()["EndpointId"]) == (1, 1)
    assert projects(client, admin_key, 2)[stack.name] == {"running"}
    assert stack.name not in projects(client, admin_key, 1)
    # Its containers now run on environment 2: starting it there again is a name clash.
    again = client.post(f"/api/stacks/{stack.id}/start?endpointId=2", headers=key(admin_key))
    message = f"A stack with the name '{stack.name}' is already running"
    assert answer(again) == (409, error(message))
    stopped = client.post(f"/api/stacks/{stack.id}/stop?endpointId=2", headers=key(admin_key))
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["Status"], stopped.json()["EndpointId"]) == (2, 1)
    back = client.post(f"/api/stacks/{stack.id}/start?endpointId=1", headers=key(admin_key))
    assert back.status_code == 200, back.text
    assert projects(client, admin_key, 1)[stack.name] == {"running"}
    assert stack.name not in projects(client, admin_key, 2)


def test_row_39_start_on_another_environment_of_a_running_stack_is_already_active(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    stack = stack_named(runtime, endpoint_id=2, type=2, status=1)
    reply = client.post(f"/api/stacks/{stack.id}/start?endpointId=1", headers=key(admin_key))
    assert answer(reply) == (400, error("Stack is already active"))


def test_row_39_git_settings_and_redeploy_move_the_stack(
    client: TestClient, admin_key: str
) -> None:
    created = client.post(
        "/api/stacks/create/standalone/repository?endpointId=1",
        json={"Name": "moved", "RepositoryURL": REPO},
        headers=key(admin_key),
    )
    assert created.status_code == 200, created.text
    sid = created.json()["Id"]
    settings = client.post(f"/api/stacks/{sid}/git?endpointId=2", json={}, headers=key(admin_key))
    assert settings.status_code == 200, settings.text
    assert settings.json()["EndpointId"] == 2
    # Nothing was deployed: its containers are still on environment 1.
    assert "moved" in projects(client, admin_key, 1)
    assert "moved" not in projects(client, admin_key, 2)
    redeploy = client.put(
        f"/api/stacks/{sid}/git/redeploy?endpointId=2", json={}, headers=key(admin_key)
    )
    assert redeploy.status_code == 200, redeploy.text
    assert redeploy.json()["EndpointId"] == 2
    assert projects(client, admin_key, 2)["moved"] == {"running"}
    assert "moved" not in projects(client, admin_key, 1)


# -- Rancher
KEYS = "/v2-beta/projects/1a2/apikeys"


def rancher_pair(runtime: Runtime) -> tuple[str, str]:
    """The seeded environment key of `production` (project 1a2)."""
    seeded = runtime.seeded.rancher_keys[0]
    return seeded.access_key, seeded.secret_key


def rancher_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["type"], body["status"], body["code"]) == ("error", status, code)
    return body


# -- row 59: Cattle converts a non-string name or description to text
def test_row_59_non_string_name_and_description_are_converted(
    client: TestClient, runtime: Runtime
) -> None:
    pair = rancher_pair(runtime)
    created = client.post(KEYS, auth=pair, json={"name": 123, "description": True})
    assert created.status_code == 201, created.text
    assert (created.json()["name"], created.json()["description"]) == ("123", "true")
    url = f"{KEYS}/{created.json()['id']}"
    for sent, stored in (
        (1.5, "1.5"),
        (1e7, "1.0E7"),
        (False, "false"),
        ({"a": 1, "b": [2, "x"], "c": None}, "{a=1, b=[2, x], c=null}"),
        (["first", "second"], "first"),
        ([7], "7"),
        ("text", "text"),
    ):
        reply = client.put(url, auth=pair, json={"name": sent})
        assert reply.status_code == 200, reply.text
        assert reply.json()["name"] == stored
        assert client.get(url, auth=pair).json()["name"] == stored
    assert client.put(url, auth=pair, json={"name": None}).json()["name"] is None


def test_row_59_what_cattle_cannot_convert_or_is_too_long(
    client: TestClient, runtime: Runtime
) -> None:
    pair = rancher_pair(runtime)
    empty = client.post(KEYS, auth=pair, json={"name": []})
    assert rancher_error(empty, 422, "InvalidFormat")["fieldName"] == "name"
    # The length limit applies to the converted text.
    long_number = client.post(KEYS, auth=pair, json={"description": 10**1024})
    assert rancher_error(long_number, 422, "MaxLengthExceeded")["fieldName"] == "description"
    assert client.post(KEYS, auth=pair, json={"description": 10**1023}).status_code == 201


# -- row 64: Cattle authenticates before it routes
def test_row_64_unauthenticated_wrong_method_is_401(client: TestClient, runtime: Runtime) -> None:
    reply = client.delete(KEYS)
    rancher_error(reply, 401, "Unauthorized")
    assert reply.headers["www-authenticate"].startswith("Basic realm=")
    wrong_secret = client.delete(KEYS, auth=(rancher_pair(runtime)[0], "wrong"))
    rancher_error(wrong_secret, 401, "Unauthorized")
    rancher_error(client.get("/v2-beta/nothing-here"), 401, "Unauthorized")


def test_row_64_authenticated_wrong_method_stays_405(client: TestClient, runtime: Runtime) -> None:
    reply = client.delete(KEYS, auth=rancher_pair(runtime))
    rancher_error(reply, 405, "Method not allowed")
    assert reply.headers["allow"] == "GET, POST"
    rancher_error(client.get("/v2-beta/nothing-here", auth=rancher_pair(runtime)), 404, "Not Found")
