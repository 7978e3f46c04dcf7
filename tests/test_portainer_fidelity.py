"""Portainer's behaviour at the edges, through HTTP: null policy maps, zero-valued filters,
OAuth logins, password and user-name rules, Go durations, orphaned-stack removal."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def stacks_with(client: TestClient, token: str, filters: dict[str, object]) -> list[dict]:
    response = client.get(
        "/api/stacks", params={"filters": json.dumps(filters)}, headers=key(token)
    )
    assert response.status_code == 200, response.text
    return response.json()


# -- environments
def test_null_access_policies_leave_the_grants_unchanged(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    teams = {"TeamAccessPolicies": {"7": {"RoleId": 0}}}
    assert client.put("/api/endpoints/2", json=teams, headers=key(admin_key)).status_code == 200
    response = client.put(
        "/api/endpoints/2",
        json={"UserAccessPolicies": None, "TeamAccessPolicies": None},
        headers=key(admin_key),
    )
    assert response.status_code == 200, response.text
    assert response.json()["UserAccessPolicies"] == {"2": {"RoleId": 0}}
    assert response.json()["TeamAccessPolicies"] == {"7": {"RoleId": 0}}
    assert client.get("/api/endpoints/2", headers=key(alice_key)).status_code == 200


def test_standard_users_see_team_policies_in_the_list(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    teams = {"TeamAccessPolicies": {"7": {"RoleId": 0}}}
    assert client.put("/api/endpoints/2", json=teams, headers=key(admin_key)).status_code == 200
    listed = client.get("/api/endpoints", headers=key(alice_key)).json()
    assert [(e["UserAccessPolicies"], e["TeamAccessPolicies"]) for e in listed] == [
        (None, {"7": {"RoleId": 0}})
    ]


# -- stacks
@pytest.mark.parametrize("zero", [{"EndpointID": 0}, {"SwarmID": ""}])
def test_zero_valued_stack_filters_do_not_filter(
    client: TestClient, admin_key: str, zero: dict[str, object]
) -> None:
    everything = stacks_with(client, admin_key, {})
    assert {s["Type"] for s in everything} == {1, 2}  # Swarm stacks too
    assert stacks_with(client, admin_key, zero) == everything


def test_an_administrator_deletes_a_stack_through_another_environment(
    client: TestClient, admin_key: str
) -> None:
    stack = client.get("/api/stacks/2", headers=key(admin_key)).json()
    assert stack["EndpointId"] == 2
    response = client.delete("/api/stacks/2", params={"endpointId": 1}, headers=key(admin_key))
    assert response.status_code == 204, response.text
    assert client.get("/api/stacks/2", headers=key(admin_key)).status_code == 404


def test_a_standard_user_may_not_delete_through_another_environment(
    client: TestClient, alice_key: str
) -> None:
    response = client.delete("/api/stacks/2", params={"endpointId": 1}, headers=key(alice_key))
    assert (response.status_code, response.json()) == (
        403,
        {
            "message": "Permission denied to remove orphaned stack",
            "details": "Permission denied to remove orphaned stack",
        },
    )
    assert client.get("/api/stacks/2", headers=key(alice_key)).status_code == 200


# -- authentication and users
def test_oauth_mode_refuses_other_users_before_checking_the_password(
    client: TestClient, admin_key: str
) -> None:
    oauth = {"AuthenticationMethod": 3}
    assert client.put("/api/settings", json=oauth, headers=key(admin_key)).status_code == 200
    for username, password in (("alice", "wrong-password"), ("nobody", "whatever")):
        response = client.post("/api/auth", json={"username": username, "password": password})
        assert (response.status_code, response.json()["message"]) == (
            422,
            "Only initial admin is allowed to login without oauth",
        )
    admin = client.post("/api/auth", json={"username": "admin", "password": "mockadmin-pass"})
    assert admin.status_code == 200


def test_a_short_password_answer(client: TestClient, admin_key: str) -> None:
    response = client.post(
        "/api/users",
        json={"Username": "carol", "Password": "short", "Role": 2},
        headers=key(admin_key),
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "message": "Password does not meet the requirements",
            "details": "Password does not meet the requirements",
        },
    )


# -- settings
@pytest.mark.parametrize(
    ("field", "details"),
    [
        ("UserSessionTimeout", "Invalid user session timeout"),
        ("KubeconfigExpiry", "Invalid Kubeconfig Expiry"),
    ],
)
@pytest.mark.parametrize("value", ["2562048h", "\u0663h", "9223372036854775808ns"])
def test_durations_go_rejects_are_rejected(
    client: TestClient, admin_key: str, field: str, details: str, value: str
) -> None:
    response = client.put("/api/settings", json={field: value}, headers=key(admin_key))
    assert (response.status_code, response.json()) == (
        400,
        {"message": "Invalid request payload", "details": details},
    )
    settings = client.get("/api/settings", headers=key(admin_key)).json()
    assert settings[field] != value


def test_only_the_space_character_is_refused_in_a_user_name(
    client: TestClient, admin_key: str
) -> None:
    body = {"Password": "long-enough-pw", "Role": 2}
    tab = client.post("/api/users", json={"Username": "tab\tuser", **body}, headers=key(admin_key))
    assert tab.status_code == 200, tab.text
    space = client.post("/api/users", json={"Username": "a b", **body}, headers=key(admin_key))
    assert space.status_code == 400
