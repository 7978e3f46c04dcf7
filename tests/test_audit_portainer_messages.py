"""Portainer's own validation messages and order of checks, through HTTP: one test per row of
the audit (../shared/reference/real-behaviour-audit.md) that issue 16 changes, each asserting the
real product's status and body."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import jwt as pyjwt
import pytest
from starlette.testclient import TestClient

from tests.conftest import login

COMPOSE = "services:\n  web:\n    image: nginx\n"


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def payload_error(details: str) -> dict[str, str]:
    return {"message": "Invalid request payload", "details": details}


def answer(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()


# -- row 2: the login cookie expires with the JWT
def test_row_2_login_cookie_expires_with_the_jwt(client: TestClient) -> None:
    response = client.post("/api/auth", json={"username": "admin", "password": "mockadmin-pass"})
    assert response.status_code == 200
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("portainer_api_key=")
    )
    token = response.json()["jwt"]
    assert cookie.startswith(f"portainer_api_key={token}; Path=/; Expires=")
    assert cookie.endswith("; HttpOnly; SameSite=Strict")
    expires = cookie.split("Expires=")[1].split(";")[0]
    assert expires.endswith(" GMT")
    exp = pyjwt.decode(token, options={"verify_signature": False})["exp"]
    assert parsedate_to_datetime(expires).timestamp() == exp


# -- row 4: login payload
@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"username": "", "password": "x"}, "Invalid username"),
        ({"username": "x", "password": ""}, "Invalid password"),
        ({"password": "x"}, "Invalid username"),
        ({"username": "x"}, "Invalid password"),
        ({"username": "", "password": ""}, "Invalid username"),  # Validate's order
    ],
)
def test_row_4_empty_username_or_password_details(
    client: TestClient, body: dict, details: str
) -> None:
    assert answer(client.post("/api/auth", json=body)) == (400, payload_error(details))


# -- rows 16, 17, 18: access-token creation
@pytest.fixture
def alice_jwt(client: TestClient) -> str:
    return login(client, "alice", "alice-password")


@pytest.fixture
def admin_jwt(client: TestClient) -> str:
    return login(client, "admin", "mockadmin-pass")


def create_token(client: TestClient, jwt: str, user_id: int, body: dict):  # type: ignore[no-untyped-def]
    return client.post(f"/api/users/{user_id}/tokens", json=body, headers=bearer(jwt))


def test_row_16_empty_description_details(client: TestClient, alice_jwt: str) -> None:
    body = {"description": "", "password": "alice-password"}
    assert answer(create_token(client, alice_jwt, 2, body)) == (
        400,
        payload_error("Invalid description: cannot be empty"),
    )


@pytest.mark.parametrize("blank", ["   ", "\t\n", "\v\f\r "])
def test_row_16_whitespace_only_description_details(
    client: TestClient, alice_jwt: str, blank: str
) -> None:
    body = {"description": blank, "password": "alice-password"}
    assert answer(create_token(client, alice_jwt, 2, body)) == (
        400,
        payload_error("Invalid description: cannot contain only whitespaces"),
    )


@pytest.mark.parametrize("unicode_space", ["\u00a0", "\u2003", "\u3000"])
def test_row_16_unicode_space_description_is_accepted(
    client: TestClient, alice_jwt: str, unicode_space: str
) -> None:
    body = {"description": unicode_space, "password": "alice-password"}
    response = create_token(client, alice_jwt, 2, body)
    assert response.status_code == 201, response.text
    assert response.json()["apiKey"]["description"] == unicode_space


def test_row_16_too_long_description_details(client: TestClient, alice_jwt: str) -> None:
    body = {"description": "é" * 128, "password": "alice-password"}
    assert answer(create_token(client, alice_jwt, 2, body)) == (
        400,
        payload_error("Invalid description: cannot be longer than 128 characters"),
    )
    body["description"] = "é" * 127
    assert create_token(client, alice_jwt, 2, body).status_code == 201


@pytest.mark.parametrize("body", [{"description": "x", "password": ""}, {"description": "x"}])
def test_row_16_empty_password_details(client: TestClient, alice_jwt: str, body: dict) -> None:
    assert answer(create_token(client, alice_jwt, 2, body)) == (
        400,
        payload_error("Invalid password: cannot be empty"),
    )


def test_row_17_description_is_checked_before_the_permission(
    client: TestClient, alice_jwt: str
) -> None:
    body = {"description": "", "password": "alice-password"}
    assert answer(create_token(client, alice_jwt, 3, body)) == (
        400,
        payload_error("Invalid description: cannot be empty"),
    )


@pytest.mark.parametrize("body", [{"description": "x", "password": ""}, {"description": "x"}])
def test_row_18_permission_is_checked_before_the_password(
    client: TestClient, admin_jwt: str, body: dict
) -> None:
    assert answer(create_token(client, admin_jwt, 2, body)) == (
        403,
        {
            "message": "Permission denied to create user access token",
            "details": "Unauthorized",
        },
    )


# -- row 25: 403 details on user routes
def test_row_25_user_routes_forbidden_details(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    listed = "Permission denied to access users list"
    assert answer(client.get("/api/users", headers=key(alice_key))) == (
        403,
        {"message": listed, "details": listed},
    )
    assert answer(client.get("/api/users/3", headers=key(alice_key))) == (
        403,
        {"message": "Permission denied inspect user", "details": "Access denied to resource"},
    )
    initial = "Cannot remove the initial admin account"
    assert answer(client.delete("/api/users/1", headers=key(admin_key))) == (
        403,
        {"message": initial, "details": initial},
    )


# -- row 29: stack create details
@pytest.mark.parametrize(
    ("route", "body", "details"),
    [
        ("standalone/string?endpointId=1", {"Name": "", "StackFileContent": COMPOSE}, "name"),
        ("standalone/string?endpointId=1", {"StackFileContent": COMPOSE}, "name"),
        ("standalone/string?endpointId=1", {"Name": "ok", "StackFileContent": ""}, "file"),
        ("standalone/string?endpointId=1", {"Name": "", "StackFileContent": ""}, "name"),
        ("swarm/string?endpointId=3", {"Name": "ok", "StackFileContent": COMPOSE}, "swarm"),
        (
            "swarm/string?endpointId=3",
            {"Name": "ok", "SwarmID": "", "StackFileContent": ""},
            "swarm",
        ),
    ],
)
def test_row_29_create_body_details(
    client: TestClient, admin_key: str, route: str, body: dict, details: str
) -> None:
    text = {
        "name": "Invalid stack name",
        "file": "Invalid stack file content",
        "swarm": "Invalid Swarm ID",
    }[details]
    response = client.post(f"/api/stacks/create/{route}", json=body, headers=key(admin_key))
    assert answer(response) == (400, payload_error(text))


# -- row 30: Env entries in any key case
def test_row_30_env_entries_in_any_key_case(client: TestClient, admin_key: str) -> None:
    body = {
        "Name": "envcase",
        "StackFileContent": COMPOSE,
        "Env": [{"Name": "A", "Value": "1"}, {"NAME": "B", "vAlUe": "2"}],
    }
    response = client.post(
        "/api/stacks/create/standalone/string?endpointId=1", json=body, headers=key(admin_key)
    )
    assert response.status_code == 200, response.text
    assert response.json()["Env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


# -- row 39: lookups and permissions before the body
def test_row_39_bad_body_on_a_missing_stack_is_404(client: TestClient, alice_key: str) -> None:
    response = client.put("/api/stacks/999?endpointId=2", json={}, headers=key(alice_key))
    assert answer(response) == (
        404,
        {
            "message": "Unable to find a stack with the specified identifier inside the database",
            "details": "Object not found inside the database (bucket=stacks, key=999)",
        },
    )


def test_row_39_bad_body_on_a_forbidden_stack_is_403(client: TestClient, alice_key: str) -> None:
    response = client.put("/api/stacks/6?endpointId=2", json={}, headers=key(alice_key))
    assert answer(response) == (
        403,
        {"message": "Access denied to resource", "details": "Access denied to resource"},
    )


def test_row_39_bad_body_on_a_forbidden_environment_is_403(
    client: TestClient, alice_key: str
) -> None:
    response = client.post(
        "/api/stacks/create/standalone/string?endpointId=1", json={}, headers=key(alice_key)
    )
    assert answer(response) == (
        403,
        {
            "message": "Permission denied to access environment",
            "details": "Access denied to environment",
        },
    )
    missing = client.post(
        "/api/stacks/create/standalone/string?endpointId=99", json={}, headers=key(alice_key)
    )
    assert missing.status_code == 404


def test_row_39_bad_body_on_another_users_update_is_403(client: TestClient, alice_key: str) -> None:
    for path in ("/api/users/3", "/api/users/3/passwd"):
        response = client.put(path, json={"Username": "a b", "Role": 9}, headers=key(alice_key))
        assert answer(response) == (
            403,
            {"message": "Permission denied to update user", "details": "Unauthorized"},
        ), path


def test_row_39_a_good_stack_still_gets_the_body_checked(
    client: TestClient, alice_key: str
) -> None:
    response = client.put("/api/stacks/2?endpointId=2", json={}, headers=key(alice_key))
    assert answer(response) == (400, payload_error("Invalid stack file content"))


# -- rows 50 to 53: settings
@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"LogoURL": "not a url"}, "Invalid logo URL. Must correspond to a valid URL format"),
        ({"UserSessionTimeout": "8 hours"}, "Invalid user session timeout"),
        ({"KubeconfigExpiry": "x"}, "Invalid Kubeconfig Expiry"),
    ],
)
def test_row_50_settings_details(
    client: TestClient, admin_key: str, body: dict, details: str
) -> None:
    response = client.put("/api/settings", json=body, headers=key(admin_key))
    assert answer(response) == (400, payload_error(details))


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"AuthenticationMethod": 9},
            "Invalid authentication method value. Value must be one of: 1 (internal), "
            "2 (LDAP/AD) or 3 (OAuth)",
        ),
        ({"OAuthSettings": {"AuthStyle": 5}}, "Invalid OAuth AuthStyle"),
        ({"AuthenticationMethod": 0, "OAuthSettings": {"AuthStyle": 5}}, None),
    ],
)
def test_row_51_settings_enum_details(
    client: TestClient, admin_key: str, body: dict, details: str | None
) -> None:
    details = details or (
        "Invalid authentication method value. Value must be one of: 1 (internal), "
        "2 (LDAP/AD) or 3 (OAuth)"
    )  # both wrong: Validate checks the method first
    response = client.put("/api/settings", json=body, headers=key(admin_key))
    assert answer(response) == (400, payload_error(details))


def test_row_52_invalid_snapshot_interval_is_500(client: TestClient, admin_key: str) -> None:
    before = client.get("/api/settings", headers=key(admin_key)).json()
    response = client.put(
        "/api/settings",
        json={"SnapshotInterval": "soon", "EnableTelemetry": not before["EnableTelemetry"]},
        headers=key(admin_key),
    )
    assert answer(response) == (
        500,
        {
            "message": "Unable to update snapshot interval",
            "details": 'Time: invalid duration "soon"',
        },
    )
    assert client.get("/api/settings", headers=key(admin_key)).json() == before  # nothing kept


def test_row_53_helm_repository_url_is_normalised(client: TestClient, admin_key: str) -> None:
    response = client.put(
        "/api/settings",
        json={"HelmRepositoryURL": "https://Charts.Example.com/Repo/"},
        headers=key(admin_key),
    )
    assert response.status_code == 200, response.text
    assert response.json()["HelmRepositoryURL"] == "https://charts.example.com/repo"


def test_row_53_null_settings_fields_are_unchanged(client: TestClient, admin_key: str) -> None:
    before = client.get("/api/settings", headers=key(admin_key)).json()
    nulls = {
        name: None
        for name in (
            "LogoURL",
            "BlackListedLabels",
            "AuthenticationMethod",
            "InternalAuthSettings",
            "LDAPSettings",
            "OAuthSettings",
            "SnapshotInterval",
            "TemplatesURL",
            "GlobalDeploymentOptions",
            "EdgeAgentCheckinInterval",
            "EnableEdgeComputeFeatures",
            "UserSessionTimeout",
            "KubeconfigExpiry",
            "EnableTelemetry",
            "HelmRepositoryURL",
            "KubectlShellImage",
            "TrustOnFirstConnect",
            "EnforceEdgeID",
            "EdgePortainerURL",
        )
    }
    response = client.put("/api/settings", json=nulls, headers=key(admin_key))
    assert response.status_code == 200, response.text
    assert response.json() == before


def test_row_39_missing_endpoint_id_on_a_missing_stack_is_404(
    client: TestClient, alice_key: str
) -> None:
    assert client.put("/api/stacks/999", json={}, headers=key(alice_key)).status_code == 404
    missing = client.put("/api/stacks/2", json={}, headers=key(alice_key))
    assert answer(missing) == (
        400,
        {"message": "Invalid query parameter: endpointId", "details": "Missing query parameter"},
    )


def test_row_30_keys_in_any_case_in_a_composed_schema(client: TestClient, admin_key: str) -> None:
    body = {"name": "lower", "repositoryURL": "https://git.example.com/acme/web-stack"}
    response = client.post(
        "/api/stacks/create/standalone/repository?endpointId=1", json=body, headers=key(admin_key)
    )
    assert response.status_code == 200, response.text
    assert response.json()["Name"] == "lower"


# -- the datastore's not-found error: ErrObjectNotFound with its bucket and key (tx.go GetObject)
@pytest.mark.parametrize(
    ("path", "message", "details"),
    [
        ("/api/users/77", "a user", "bucket=users, key=77"),
        ("/api/endpoints/77", "an environment", "bucket=endpoints, key=77"),
        ("/api/stacks/77", "a stack", "bucket=stacks, key=77"),
        ("/api/teams/77", "a team", "bucket=teams, key=77"),
        ("/api/team_memberships/77", "a team membership", "bucket=team_membership, key=77"),
        ("/api/resource_controls/77", "a resource control", "bucket=resource_control, key=77"),
    ],
)
def test_not_found_details_name_the_bucket_and_the_key(
    client: TestClient, admin_key: str, path: str, message: str, details: str
) -> None:
    # Memberships and resource controls are read by their delete (their GET is not covered).
    method = "DELETE" if "resource_controls" in path or "team_memberships" in path else "GET"
    response = client.request(method, path, headers=key(admin_key))
    assert answer(response) == (
        404,
        {
            "message": f"Unable to find {message} with the specified identifier inside the database",
            "details": f"Object not found inside the database ({details})",
        },
    )


def test_a_key_past_max_int32_is_shown_as_its_raw_bytes(client: TestClient, admin_key: str) -> None:
    """keyToString prints ids up to MaxInt32 in decimal, larger ones as their 8 bytes."""
    response = client.get("/api/stacks/9999999999", headers=key(admin_key))
    assert response.status_code == 404
    assert response.json()["details"] == (
        "Object not found inside the database (bucket=stacks,"
        " key=\x00\x00\x00\x02T\x0b\ufffd\ufffd)"
    )
