"""Portainer's access model over HTTP, against the app in-process (response validation on)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig

from .conftest import login
from .test_portainer_http import bearer, key


@pytest.fixture
def fresh_client() -> Iterator[TestClient]:
    app = create_app(MockConfig(validate_responses=True, rate_limit=False, scenario="fresh"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


# -- first run
def test_first_run_bootstrap(fresh_client: TestClient) -> None:
    check = fresh_client.get("/api/users/admin/check")
    assert (check.status_code, check.json()["message"]) == (
        404,
        "No administrator account found inside the database",
    )
    short = fresh_client.post("/api/users/admin/init", json={"Username": "root", "Password": "x"})
    assert short.status_code == 400
    made = fresh_client.post(
        "/api/users/admin/init", json={"Username": "Root", "Password": "long-enough-pass"}
    )
    assert made.status_code == 200, made.text
    assert (made.json()["Username"], made.json()["Role"]) == ("root", 1)
    assert "Password" not in made.json()
    assert fresh_client.get("/api/users/admin/check").status_code == 204
    again = fresh_client.post(
        "/api/users/admin/init", json={"Username": "other", "Password": "long-enough-pass"}
    )
    assert (again.status_code, again.json()["details"]) == (
        409,
        "An administrator user already exists",
    )
    assert login(fresh_client, "root", "long-enough-pass")


# -- users
def test_created_usernames_are_lowercased_without_cache(client: TestClient, admin_key: str) -> None:
    made = client.post(
        "/api/users",
        json={"Username": "MixedCase", "Password": "long-enough-pass", "Role": 2},
        headers=key(admin_key),
    )
    assert (made.json()["Username"], made.json()["UseCache"]) == ("mixedcase", False)
    clash = client.post(
        "/api/users",
        json={"Username": "MIXEDcase", "Password": "long-enough-pass", "Role": 2},
        headers=key(admin_key),
    )
    assert clash.status_code == 409


def test_users_by_environment_leave_out_administrators(client: TestClient, admin_key: str) -> None:
    listed = client.get("/api/users", params={"environmentId": 2}, headers=key(admin_key))
    assert [u["Username"] for u in listed.json()] == ["alice"]


def test_user_update_over_http(client: TestClient, admin_key: str, alice_key: str) -> None:
    mine = client.put("/api/users/2", json={"Theme": {"color": "dark"}}, headers=key(alice_key))
    assert (mine.status_code, mine.json()["ThemeSettings"]["color"]) == (200, "dark")
    other = client.put("/api/users/3", json={"UseCache": True}, headers=key(alice_key))
    assert (other.status_code, other.json()["message"]) == (403, "Permission denied to update user")
    promote = client.put("/api/users/2", json={"Role": 1}, headers=key(alice_key))
    assert promote.status_code == 403
    clash = client.put("/api/users/2", json={"Username": "Bob"}, headers=key(admin_key))
    assert clash.status_code == 409
    missing = client.put("/api/users/999", json={}, headers=key(admin_key))
    assert missing.status_code == 404


def test_password_change_refuses_the_old_jwt(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    old = login(client, "alice", "alice-password")
    client.cookies.clear()
    now = runtime.store.now()
    runtime.store.clock = lambda: now + 1  # a later second than the JWT's iat
    wrong = client.put(
        "/api/users/2/passwd",
        json={"Password": "nope", "NewPassword": "a-new-long-password"},
        headers=bearer(old),
    )
    assert (wrong.status_code, wrong.json()["message"]) == (403, "Current password doesn't match")
    changed = client.put(
        "/api/users/2/passwd",
        json={"Password": "alice-password", "NewPassword": "a-new-long-password"},
        headers=bearer(old),
    )
    assert changed.status_code == 204, changed.text
    refused = client.get("/api/users/me", headers=bearer(old))
    assert (refused.status_code, refused.json()["message"]) == (401, "Invalid JWT token")
    new = login(client, "alice", "a-new-long-password")
    assert client.get("/api/users/me", headers=bearer(new)).status_code == 200


def test_password_change_is_rate_limited() -> None:
    app = create_app(MockConfig(validate_responses=True, rate_limit=True))
    with TestClient(app, raise_server_exceptions=False) as client:
        alice = app.runtime.seeded.accounts["alice"].tokens[0]
        answers = [
            client.put(
                "/api/users/2/passwd",
                json={"Password": "nope", "NewPassword": "a-new-long-password"},
                headers=key(alice),
            ).json()["details"]
            for _ in range(12)
        ]
    assert answers[0] == "Current password does not match the password provided. Please try again"
    assert answers[-1] == "Access denied to resource"


def test_user_memberships_are_for_self_or_administrators(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    assert client.get("/api/users/2/memberships", headers=key(alice_key)).status_code == 200
    assert client.get("/api/users/3/memberships", headers=key(alice_key)).status_code == 403
    assert client.get("/api/users/3/memberships", headers=key(admin_key)).status_code == 200


# -- system and environment security settings
def test_system_version_and_info_need_a_credential(client: TestClient, alice_key: str) -> None:
    assert client.get("/api/system/version").status_code == 401
    version = client.get("/api/system/version", headers=key(alice_key))
    assert (version.status_code, version.json()["ServerVersion"]) == (200, "2.23.0")
    info = client.get("/api/system/info", headers=key(alice_key))
    assert (info.status_code, info.json()["platform"]) == (200, "Docker Standalone")


def test_environment_settings_switch_stack_management_off(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    body = {"allowStackManagementForRegularUsers": False}
    refused = client.put("/api/endpoints/2/settings", json=body, headers=key(alice_key))
    assert (refused.status_code, refused.json()["message"]) == (403, "Access denied")
    done = client.put("/api/endpoints/2/settings", json=body, headers=key(admin_key))
    assert done.json()["SecuritySettings"]["allowStackManagementForRegularUsers"] is False
    create = client.post(
        "/api/stacks/create/standalone/string",
        params={"endpointId": 2},
        json={"Name": "web", "StackFileContent": "services: {}\n"},
        headers=key(alice_key),
    )
    assert (create.status_code, create.json()) == (
        403,
        {
            "message": "Stack creation is disabled for non-admin users",
            "details": "Stack creation is disabled for non-admin users",
        },
    )
    assert (
        client.put("/api/endpoints/99/settings", json={}, headers=key(admin_key)).status_code == 404
    )


# -- teams
def test_teams_over_http(client: TestClient, admin_key: str, alice_key: str) -> None:
    refused = client.post("/api/teams", json={"Name": "ops"}, headers=key(alice_key))
    assert (refused.status_code, refused.json()["message"]) == (403, "Access denied")
    made = client.post(
        "/api/teams", json={"Name": "ops", "TeamLeaders": [2]}, headers=key(admin_key)
    )
    assert made.status_code == 200, made.text
    team = made.json()["Id"]
    # alice leads "ops" from her next request on: she may now list users and manage "ops"
    assert client.get("/api/users", headers=key(alice_key)).status_code == 200
    add = client.post(
        "/api/team_memberships",
        json={"UserID": 3, "TeamID": team, "Role": 2},
        headers=key(alice_key),
    )
    assert add.status_code == 200, add.text
    members = client.get(f"/api/teams/{team}/memberships", headers=key(alice_key))
    assert [m["UserID"] for m in members.json()] == [2, 3]
    other = client.get("/api/teams/1", headers=key(alice_key))
    assert (other.status_code, other.json()["message"]) == (403, "Access denied to team")
    mine = client.get("/api/teams", headers=key(alice_key)).json()
    assert team in [t["Id"] for t in mine]
    led = client.get("/api/teams", params={"onlyLedTeams": "true"}, headers=key(alice_key))
    assert [t["Id"] for t in led.json()] == [team]
    assert client.delete(f"/api/teams/{team}", headers=key(admin_key)).status_code == 204
    assert client.get("/api/users", headers=key(alice_key)).status_code == 403


def test_a_standard_user_is_refused_the_leader_routes(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    bob = login(client, "bob", "bob-password-1")
    client.cookies.clear()
    listed = client.get("/api/team_memberships", headers=bearer(bob))
    assert (listed.status_code, listed.json()) == (
        403,
        {"message": "Access denied", "details": "Unauthorized"},
    )


def test_a_team_policy_grants_the_environment(client: TestClient, admin_key: str) -> None:
    bob = login(client, "bob", "bob-password-1")  # a member of "developers" (team 1)
    client.cookies.clear()
    assert client.get("/api/endpoints/2", headers=bearer(bob)).status_code == 403
    granted = client.put(
        "/api/endpoints/2",
        json={"TeamAccessPolicies": {"1": {"RoleId": 0}}},
        headers=key(admin_key),
    )
    assert granted.status_code == 200
    assert client.get("/api/endpoints/2", headers=bearer(bob)).status_code == 200


# -- resource controls
def test_resource_controls_over_http(client: TestClient, admin_key: str, alice_key: str) -> None:
    stacks = client.get("/api/stacks", headers=key(admin_key)).json()
    target = next(s for s in stacks if s["ResourceControl"]["AdministratorsOnly"])
    rc = target["ResourceControl"]["Id"]
    hidden = client.get(f"/api/stacks/{target['Id']}", headers=key(alice_key))
    assert hidden.status_code == 403
    refused = client.put(
        f"/api/resource_controls/{rc}", json={"Public": True}, headers=key(alice_key)
    )
    assert (refused.status_code, refused.json()["message"]) == (
        403,
        "You are not authorized to update this resource control",
    )
    shared = client.put(f"/api/resource_controls/{rc}", json={"Users": [2]}, headers=key(admin_key))
    assert shared.json()["UserAccesses"] == [{"UserId": 2, "AccessLevel": 1}]
    listed = client.get("/api/stacks", headers=key(alice_key)).json()
    assert target["Id"] in [s["Id"] for s in listed]
    assert client.delete(f"/api/resource_controls/{rc}", headers=key(alice_key)).status_code == 403
    assert client.delete(f"/api/resource_controls/{rc}", headers=key(admin_key)).status_code == 204
    made = client.post(
        "/api/resource_controls",
        json={"ResourceID": f"{target['EndpointId']}_{target['Name']}", "Type": 6, "Public": True},
        headers=key(admin_key),
    )
    assert made.status_code == 200, made.text
    inspected = client.get(f"/api/stacks/{target['Id']}", headers=key(admin_key)).json()
    assert inspected["ResourceControl"]["Public"] is True
    bad = client.post(
        "/api/resource_controls", json={"ResourceID": "1_x", "Type": 6}, headers=key(admin_key)
    )
    assert bad.status_code == 400


# -- environments: create and delete
def test_create_a_docker_environment_by_url_then_delete_it(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    form = {"Name": "dev", "EndpointCreationType": "1", "URL": "tcp://10.0.0.5:2375"}
    refused = client.post(
        "/api/endpoints", files={k: (None, v) for k, v in form.items()}, headers=key(alice_key)
    )
    assert refused.status_code == 403
    made = client.post(
        "/api/endpoints", files={k: (None, v) for k, v in form.items()}, headers=key(admin_key)
    )
    assert made.status_code == 200, made.text
    env = made.json()
    assert (env["Type"], env["URL"]) == (1, "tcp://10.0.0.5:2375")
    assert env["SecuritySettings"]["allowStackManagementForRegularUsers"] is True
    clash = client.post(
        "/api/endpoints", files={k: (None, v) for k, v in form.items()}, headers=key(admin_key)
    )
    assert clash.status_code == 409
    agent = client.post(
        "/api/endpoints",
        files={
            "Name": (None, "agent"),
            "EndpointCreationType": (None, "2"),
            "URL": (None, "10.0.0.6:9001"),
        },
        headers=key(admin_key),
    )
    assert agent.json()["URL"] == "tcp://10.0.0.6:9001"
    kube = client.post(
        "/api/endpoints",
        files={"Name": (None, "k"), "EndpointCreationType": (None, "5")},
        headers=key(admin_key),
    )
    assert kube.status_code == 400
    assert client.delete(f"/api/endpoints/{env['Id']}", headers=key(alice_key)).status_code == 403
    assert client.delete(f"/api/endpoints/{env['Id']}", headers=key(admin_key)).status_code == 204
    assert client.get(f"/api/endpoints/{env['Id']}", headers=key(admin_key)).status_code == 404


def test_deleting_an_environment_orphans_its_stacks(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    own = [
        s for s in client.get("/api/stacks", headers=key(alice_key)).json() if s["EndpointId"] == 2
    ]
    assert own
    assert client.delete("/api/endpoints/2", headers=key(admin_key)).status_code == 204
    stack = own[0]["Id"]
    assert client.get(f"/api/stacks/{stack}", headers=key(admin_key)).status_code == 200
    orphan = client.delete(f"/api/stacks/{stack}", params={"endpointId": 1}, headers=key(alice_key))
    assert (orphan.status_code, orphan.json()["message"]) == (
        403,
        "Permission denied to remove orphaned stack",
    )
    removed = client.delete(
        f"/api/stacks/{stack}", params={"endpointId": 1}, headers=key(admin_key)
    )
    assert removed.status_code == 204


# -- CSRF on cookie sessions
def test_a_cookie_session_needs_the_csrf_token_on_unsafe_methods(client: TestClient) -> None:
    logged_in = client.post("/api/auth", json={"username": "alice", "password": "alice-password"})
    token = logged_in.headers["X-CSRF-Token"]  # every 2xx answer hands it out
    assert client.cookies.get("portainer_api_key") and client.cookies.get("_gorilla_csrf")
    body = {"description": "from a session", "password": "alice-password"}
    refused = client.post("/api/users/2/tokens", json=body)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/plain")
    assert refused.text == "Forbidden - CSRF token not found in request\n"
    wrong = client.post("/api/users/2/tokens", json=body, headers={"X-CSRF-Token": "nope"})
    assert (wrong.status_code, wrong.text) == (403, "Forbidden - CSRF token invalid\n")
    assert client.get("/api/users/me").status_code == 200  # safe methods need no token
    made = client.post("/api/users/2/tokens", json=body, headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    # the cookie alone decides: an X-API-Key request sent with the cookie is checked too
    raw = made.json()["rawAPIKey"]
    assert client.delete("/api/users/2/tokens/99", headers={"X-API-Key": raw}).status_code == 403


def test_requests_without_the_cookie_skip_the_check(client: TestClient, alice_key: str) -> None:
    answer = client.put("/api/users/2", json={"UseCache": True}, headers=key(alice_key))
    assert answer.status_code == 200 and answer.headers["X-CSRF-Token"]


def test_csrf_can_be_switched_off() -> None:
    app = create_app(MockConfig(validate_responses=True, rate_limit=False, csrf=False))
    with TestClient(app) as client:
        client.post("/api/auth", json={"username": "alice", "password": "alice-password"})
        made = client.post(
            "/api/users/2/tokens", json={"description": "d", "password": "alice-password"}
        )
        assert made.status_code == 201 and "X-CSRF-Token" not in made.headers


def test_a_malformed_form_is_a_bad_payload(client: TestClient, admin_key: str) -> None:
    answer = client.post(
        "/api/endpoints",
        content=b"--bb\r\n4391--bb--\r\n",
        headers={**key(admin_key), "Content-Type": "multipart/form-data; boundary=bb"},
    )
    assert (answer.status_code, answer.json()["message"]) == (400, "Invalid request payload")
