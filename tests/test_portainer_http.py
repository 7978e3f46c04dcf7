"""Portainer's rules through HTTP, against the app in-process (response validation on)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig

from .conftest import login

DENIED = {"message": "Access denied", "details": "Unauthorized"}


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def bearer(jwt: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt}"}


def new_token(client: TestClient, username: str, password: str, user_id: int) -> str:
    jwt = login(client, username, password)
    response = client.post(
        f"/api/users/{user_id}/tokens",
        json={"description": "test", "password": password},
        headers=bearer(jwt),
    )
    assert response.status_code == 201, response.text
    return response.json()["rawAPIKey"]


# -- the seed document's story
def test_the_seed_documents_walk_through(client: TestClient) -> None:
    token = new_token(client, "alice", "alice-password", 2)
    stacks = client.get("/api/stacks", headers=key(token))
    assert stacks.status_code == 200 and stacks.json()
    settings = client.get("/api/settings", headers=key(token))
    assert (settings.status_code, settings.json()) == (403, DENIED)


# -- authentication
def test_login_answers_a_jwt_and_a_cookie(client: TestClient) -> None:
    response = client.post("/api/auth", json={"username": "admin", "password": "mockadmin-pass"})
    assert response.status_code == 200
    assert response.cookies.get("portainer_api_key") == response.json()["jwt"]
    assert (
        client.get("/api/users/me", headers=bearer(response.json()["jwt"])).json()["Username"]
        == "admin"
    )


def test_bodies_are_json_whatever_the_content_type(client: TestClient) -> None:
    # `curl -d '{...}'` sends application/x-www-form-urlencoded; Portainer decodes JSON anyway.
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        response = client.post(
            "/api/auth",
            content=b'{"username": "admin", "password": "mockadmin-pass"}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, response.text
        assert response.json()["jwt"]
        client.cookies.clear()  # a cookie session would need the CSRF token for the next POST


def test_too_deep_nesting_is_a_bad_payload(client: TestClient) -> None:
    deep = b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post("/api/auth", content=deep)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid request payload"


def test_a_lone_surrogate_becomes_a_replacement_character(
    client: TestClient, admin_key: str
) -> None:
    response = client.post(
        "/api/users",
        content=rb'{"username": "sur\ud800rogate", "password": "a-long-password", "role": 2}',
        headers=key(admin_key),
    )
    assert (response.status_code, response.json()["Username"]) == (200, "sur\ufffdrogate")
    assert client.get("/api/users", headers=key(admin_key)).status_code == 200


def test_wrong_credentials(client: TestClient) -> None:
    response = client.post("/api/auth", json={"username": "admin", "password": "nope"})
    assert (response.status_code, response.json()) == (
        422,
        {"message": "Invalid credentials", "details": "Unauthorized"},
    )


def test_missing_invalid_and_conflicting_credentials(client: TestClient, admin_key: str) -> None:
    missing = client.get("/api/stacks")
    assert (missing.status_code, missing.json()["message"]) == (
        401,
        "A valid authorization token is missing",
    )
    for headers in (key("ptr_unknown"), bearer("not.a.jwt"), {"Authorization": "Basic YTpi"}):
        invalid = client.get("/api/stacks", headers=headers)
        assert (invalid.status_code, invalid.json()["message"]) == (401, "Invalid JWT token"), (
            headers
        )
    both = client.get("/api/stacks", headers={**key(admin_key), **bearer("x")})
    assert both.status_code == 403
    assert both.json()["message"] == "api key and auth header are not allowed at the same time"


def test_a_bare_jwt_is_accepted_like_portainer(client: TestClient) -> None:
    jwt = login(client, "alice", "alice-password")
    assert client.get("/api/users/me", headers={"Authorization": jwt}).status_code == 200


def test_logout_makes_the_jwt_unusable(client: TestClient) -> None:
    jwt = login(client, "alice", "alice-password")
    assert client.post("/api/auth/logout", headers=bearer(jwt)).status_code == 204
    refused = client.get("/api/users/me", headers=bearer(jwt))
    assert (refused.status_code, refused.json()["message"]) == (401, "Invalid JWT token")


def test_jwt_expires_after_the_session_timeout(client: TestClient, runtime, admin_key: str) -> None:  # type: ignore[no-untyped-def]
    jwt = login(client, "alice", "alice-password")
    now = runtime.store.now()
    runtime.store.clock = lambda: now + 8 * 3600 + 1
    assert client.get("/api/users/me", headers=bearer(jwt)).status_code == 401
    runtime.store.clock = lambda: now
    assert (
        client.put(
            "/api/settings", json={"UserSessionTimeout": "1m"}, headers=key(admin_key)
        ).status_code
        == 200
    )
    short = login(client, "alice", "alice-password")
    runtime.store.clock = lambda: now + 61
    assert client.get("/api/users/me", headers=bearer(short)).status_code == 401


# -- access tokens
def test_token_creation_needs_a_jwt(client: TestClient, alice_key: str) -> None:
    response = client.post(
        "/api/users/2/tokens",
        json={"description": "x", "password": "alice-password"},
        headers=key(alice_key),
    )
    assert (response.status_code, response.json()) == (
        401,
        {"message": "Auth not supported", "details": "Authentication required"},
    )


def test_token_is_shown_once_and_works_at_once(client: TestClient) -> None:
    jwt = login(client, "bob", "bob-password-1")
    created = client.post(
        "/api/users/3/tokens",
        json={"description": "ci", "password": "bob-password-1"},
        headers=bearer(jwt),
    )
    assert created.status_code == 201
    body = created.json()
    raw = body["rawAPIKey"]
    assert raw.startswith("ptr_") and len(raw) == 48 and body["apiKey"]["prefix"] == raw[:7]
    listed = client.get("/api/users/3/tokens", headers=key(raw))
    assert listed.status_code == 200 and raw not in listed.text and "digest" not in listed.text
    assert client.get("/api/users/me", headers=key(raw)).json()["Username"] == "bob"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"description": "", "password": "alice-password"}, 400),
        ({"description": "   ", "password": "alice-password"}, 400),
        ({"description": "x" * 128, "password": "alice-password"}, 400),
        ({"description": "ok", "password": "wrong-password"}, 403),
        ({"description": "ok"}, 400),
    ],
)
def test_token_creation_validation(client: TestClient, body: dict, status: int) -> None:  # type: ignore[type-arg]
    jwt = login(client, "alice", "alice-password")
    response = client.post("/api/users/2/tokens", json=body, headers=bearer(jwt))
    assert response.status_code == status, response.text
    assert set(response.json()) == {"message", "details"}


def test_tokens_only_for_oneself_even_for_admins(client: TestClient) -> None:
    jwt = login(client, "admin", "mockadmin-pass")
    response = client.post(
        "/api/users/2/tokens",
        json={"description": "x", "password": "mockadmin-pass"},
        headers=bearer(jwt),
    )
    assert (response.status_code, response.json()["message"]) == (
        403,
        "Permission denied to create user access token",
    )


def test_token_listing_and_revocation_rights(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    bob = new_token(client, "bob", "bob-password-1", 3)
    assert client.get("/api/users/2/tokens", headers=key(bob)).status_code == 403
    assert client.get("/api/users/2/tokens", headers=key(admin_key)).status_code == 200
    assert client.get("/api/users/1/tokens", headers=key(alice_key)).status_code == 403
    alice_tokens = client.get("/api/users/2/tokens", headers=key(alice_key)).json()
    token_id = alice_tokens[0]["id"]
    assert client.delete(f"/api/users/2/tokens/{token_id}", headers=key(bob)).status_code == 403
    assert client.delete("/api/users/2/tokens/9999", headers=key(admin_key)).status_code == 404
    assert (
        client.delete(f"/api/users/2/tokens/{token_id}", headers=key(admin_key)).status_code == 204
    )
    refused = client.get("/api/stacks", headers=key(alice_key))
    assert (refused.status_code, refused.json()["message"]) == (401, "Invalid JWT token")


def test_last_used_is_recorded(client: TestClient, alice_key: str) -> None:
    client.get("/api/stacks", headers=key(alice_key))
    tokens = client.get("/api/users/2/tokens", headers=key(alice_key)).json()
    assert tokens[0]["lastUsed"] > 0


# -- users
def test_only_admins_create_and_delete_users(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    body = {"Username": "carol", "Password": "carol-password", "Role": 2}
    assert client.post("/api/users", json=body, headers=key(alice_key)).json() == DENIED
    created = client.post("/api/users", json=body, headers=key(admin_key))
    assert created.status_code == 200 and created.json()["Username"] == "carol"
    duplicate = client.post(
        "/api/users", json={**body, "Username": "CAROL"}, headers=key(admin_key)
    )
    assert (duplicate.status_code, duplicate.json()["message"]) == (
        409,
        "Another user with the same username already exists",
    )
    carol = created.json()["Id"]
    assert client.delete(f"/api/users/{carol}", headers=key(alice_key)).status_code == 403
    assert client.delete(f"/api/users/{carol}", headers=key(admin_key)).status_code == 204
    assert client.get(f"/api/users/{carol}", headers=key(admin_key)).status_code == 404


def test_me_and_user_reads(client: TestClient, alice_key: str) -> None:
    me = client.get("/api/users/me", headers=key(alice_key)).json()
    assert (me["Id"], me["Username"], me["Role"], me["forceChangePassword"]) == (
        2,
        "alice",
        2,
        False,
    )
    assert client.get("/api/users/2", headers=key(alice_key)).status_code == 200
    assert client.get("/api/users/1", headers=key(alice_key)).status_code == 403
    assert client.get("/api/users", headers=key(alice_key)).status_code == 403


def test_weak_password_login_flags_force_change(client: TestClient, admin_key: str) -> None:
    client.put(
        "/api/settings",
        json={"InternalAuthSettings": {"RequiredPasswordLength": 18}},
        headers=key(admin_key),
    )
    jwt = login(client, "alice", "alice-password")
    assert client.get("/api/users/me", headers=bearer(jwt)).json()["forceChangePassword"] is True


# -- environments
def test_environment_visibility_and_grants(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    listed = client.get("/api/endpoints", headers=key(alice_key))
    assert [e["Name"] for e in listed.json()] == ["production"]
    assert listed.headers["X-Total-Count"] == "1" and listed.headers["X-Total-Available"] == "1"
    assert client.get("/api/endpoints/1", headers=key(alice_key)).status_code == 403
    grant = {"UserAccessPolicies": {"2": {"RoleId": 0}, "3": {"RoleId": 0}}}
    assert client.put("/api/endpoints/1", json=grant, headers=key(admin_key)).status_code == 200
    assert client.get("/api/endpoints/1", headers=key(alice_key)).status_code == 200
    assert (
        client.put(
            "/api/endpoints/1", json={"UserAccessPolicies": {}}, headers=key(admin_key)
        ).status_code
        == 200
    )
    assert client.get("/api/endpoints/1", headers=key(alice_key)).status_code == 403
    assert (
        client.put("/api/endpoints/1", json={"Name": "x"}, headers=key(alice_key)).json() == DENIED
    )


def test_environment_paging(client: TestClient, admin_key: str) -> None:
    page = client.get("/api/endpoints?start=2&limit=2", headers=key(admin_key))
    assert [e["Id"] for e in page.json()] == [2, 3]
    assert page.headers["X-Total-Count"] == "4"
    assert [
        e["Name"] for e in client.get("/api/endpoints?search=STAG", headers=key(admin_key)).json()
    ] == ["staging"]


# -- stacks
STACK = {"Name": "Web App", "StackFileContent": "services:\n  web:\n    image: nginx\n"}


def test_stack_lifecycle(client: TestClient, alice_key: str) -> None:
    created = client.post(
        "/api/stacks/create/standalone/string?endpointId=2", json=STACK, headers=key(alice_key)
    )
    assert created.status_code == 200
    stack = created.json()
    assert (stack["Name"], stack["CreatedBy"], stack["Status"], stack["Type"]) == (
        "webapp",
        "alice",
        1,
        2,
    )
    sid = stack["Id"]
    assert client.get(f"/api/stacks/{sid}/file", headers=key(alice_key)).json() == {
        "StackFileContent": STACK["StackFileContent"]
    }
    stopped = client.post(f"/api/stacks/{sid}/stop?endpointId=2", headers=key(alice_key))
    assert stopped.json()["Status"] == 2
    again = client.post(f"/api/stacks/{sid}/stop?endpointId=2", headers=key(alice_key))
    assert (again.status_code, again.json()["message"]) == (400, "Stack is already inactive")
    assert (
        client.post(f"/api/stacks/{sid}/start?endpointId=2", headers=key(alice_key)).json()[
            "Status"
        ]
        == 1
    )
    updated = client.put(
        f"/api/stacks/{sid}?endpointId=2",
        json={"StackFileContent": "services:\n  web:\n    image: nginx:2\n"},
        headers=key(alice_key),
    )
    assert (
        updated.json()["UpdatedBy"] == "alice"
        and updated.json()["UpdateDate"] >= stack["CreationDate"]
    )
    assert (
        client.delete(f"/api/stacks/{sid}?endpointId=2", headers=key(alice_key)).status_code == 204
    )
    assert client.get(f"/api/stacks/{sid}", headers=key(alice_key)).status_code == 404


def test_duplicate_stack_name_in_one_environment(
    client: TestClient, alice_key: str, admin_key: str
) -> None:
    client.post(
        "/api/stacks/create/standalone/string?endpointId=2", json=STACK, headers=key(alice_key)
    )
    clash = client.post(
        "/api/stacks/create/swarm/string?endpointId=2",
        json={**STACK, "Name": "WEBAPP", "SwarmID": "s1"},
        headers=key(admin_key),
    )
    assert (clash.status_code, clash.json()["message"]) == (
        409,
        "A stack with the normalized name 'webapp' already exists",
    )
    elsewhere = client.post(
        "/api/stacks/create/standalone/string?endpointId=1", json=STACK, headers=key(admin_key)
    )
    assert elsewhere.status_code == 200


def test_standard_user_cannot_see_or_touch_an_admins_stack(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    admin_stack = client.post(
        "/api/stacks/create/standalone/string?endpointId=2", json=STACK, headers=key(admin_key)
    )
    sid = admin_stack.json()["Id"]
    assert sid not in [s["Id"] for s in client.get("/api/stacks", headers=key(alice_key)).json()]
    for method, url in (
        ("GET", f"/api/stacks/{sid}"),
        ("GET", f"/api/stacks/{sid}/file"),
        ("POST", f"/api/stacks/{sid}/stop?endpointId=2"),
        ("DELETE", f"/api/stacks/{sid}?endpointId=2"),
    ):
        response = client.request(method, url, headers=key(alice_key))
        assert (response.status_code, response.json()["message"]) == (
            403,
            "Access denied to resource",
        ), url


def test_stack_in_an_environment_the_user_may_not_use(client: TestClient, alice_key: str) -> None:
    refused = client.post(
        "/api/stacks/create/standalone/string?endpointId=1", json=STACK, headers=key(alice_key)
    )
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "message": "Permission denied to access environment",
            "details": "Access denied to environment",
        },
    )


def test_endpoint_id_is_required_on_item_changes(client: TestClient, admin_key: str) -> None:
    for method, url in (
        ("PUT", "/api/stacks/1"),
        ("POST", "/api/stacks/1/start"),
        ("POST", "/api/stacks/1/stop"),
    ):
        response = client.request(
            method, url, headers=key(admin_key), json={"StackFileContent": "x"}
        )
        assert (response.status_code, response.json()["message"]) == (
            400,
            "Invalid query parameter: endpointId",
        )


def test_filters(client: TestClient, admin_key: str, alice_key: str) -> None:
    compose = client.get('/api/stacks?filters={"EndpointID":3}', headers=key(admin_key)).json()
    assert compose and {(s["EndpointId"], s["Type"]) for s in compose} == {(3, 2)}
    for wrong in ("nope", "[" * 5000):  # not JSON; nested past what a parser follows
        bad = client.get(f"/api/stacks?filters={wrong}", headers=key(admin_key))
        assert (bad.status_code, bad.json()["message"]) == (
            400,
            "Invalid query parameter: filters",
        )
    orphans = client.get(
        '/api/stacks?filters={"IncludeOrphanedStacks":true}', headers=key(alice_key)
    )
    assert (orphans.status_code, orphans.json()["message"]) == (
        403,
        "Permission denied to access orphaned stacks",
    )


# -- settings
def test_settings_for_admins_only(client: TestClient, admin_key: str, alice_key: str) -> None:
    assert client.get("/api/settings", headers=key(admin_key)).json()["UserSessionTimeout"] == "8h"
    for method in ("GET", "PUT"):
        denied = client.request(method, "/api/settings", headers=key(alice_key), json={})
        assert (denied.status_code, denied.json()) == (403, DENIED)


def test_settings_update_is_partial_and_validated(client: TestClient, admin_key: str) -> None:
    changed = client.put(
        "/api/settings", json={"SnapshotInterval": "10m"}, headers=key(admin_key)
    ).json()
    assert changed["SnapshotInterval"] == "10m" and changed["UserSessionTimeout"] == "8h"
    bad = client.put("/api/settings", json={"UserSessionTimeout": "soon"}, headers=key(admin_key))
    assert (bad.status_code, bad.json()) == (
        400,
        {"message": "Invalid request payload", "details": "Invalid user session timeout"},
    )
    assert (
        client.put(
            "/api/settings", json={"AuthenticationMethod": 9}, headers=key(admin_key)
        ).status_code
        == 400
    )


def test_secrets_in_settings_are_never_returned(client: TestClient, admin_key: str) -> None:
    body = {
        "OAuthSettings": {"ClientSecret": "oauth-secret-value"},
        "LDAPSettings": {"Password": "ldap-secret-value"},
    }
    answer = client.put("/api/settings", json=body, headers=key(admin_key))
    assert answer.status_code == 200
    for text in (
        answer.text,
        client.get("/api/settings", headers=key(admin_key)).text,
        client.get("/api/settings/public").text,
    ):
        assert "secret-value" not in text


def test_public_settings_need_no_credential(client: TestClient) -> None:
    public = client.get("/api/settings/public")
    assert public.status_code == 200 and public.json()["RequiredPasswordLength"] == 12
    assert "LDAPSettings" not in public.json()


def test_status_routes(client: TestClient) -> None:
    assert client.get("/api/system/status").json()["Version"] == "2.23.0"
    assert client.get("/api/status").json() == client.get("/api/system/status").json()


# -- bad input never gives a 500
@pytest.mark.parametrize(
    ("method", "url", "content"),
    [
        ("POST", "/api/stacks/create/standalone/string?endpointId=2", b"\xff\xfe\x00"),
        ("POST", "/api/stacks/create/standalone/string?endpointId=2", b'{"Name": '),
        (
            "POST",
            "/api/stacks/create/standalone/string?endpointId=2",
            b'{"Name": 5, "StackFileContent": "x"}',
        ),
        (
            "POST",
            "/api/stacks/create/standalone/string?endpointId=abc",
            b'{"Name": "a", "StackFileContent": "x"}',
        ),
        ("POST", "/api/stacks/create/standalone/string?endpointId=2", b"[]"),
        ("PUT", "/api/settings", b'{"UserSessionTimeout": 5}'),
        ("POST", "/api/auth", b"{}"),
        ("POST", "/api/auth", b""),
    ],
)
def test_bad_input_gets_a_clear_400(
    client: TestClient, admin_key: str, method: str, url: str, content: bytes
) -> None:
    response = client.request(
        method, url, content=content, headers={**key(admin_key), "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"message", "details"} and response.json()["details"]


def test_non_numeric_id(client: TestClient, admin_key: str) -> None:
    response = client.get("/api/stacks/abc", headers=key(admin_key))
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Invalid stack identifier route variable",
    )


@pytest.mark.parametrize(
    ("path", "thing"),
    [
        ("/api/stacks/9223372036854775808", "stack"),
        ("/api/stacks/" + "9" * 5000 + "/file", "stack"),
        ("/api/endpoints/" + "9" * 30, "environment"),
        ("/api/users/" + "9" * 5000, "user"),
        ("/api/users/1/tokens/" + "9" * 5000, "api-key"),
    ],
)
def test_an_id_past_64_bits_is_out_of_range(
    client: TestClient, admin_key: str, path: str, thing: str
) -> None:
    response = client.request("DELETE" if "tokens" in path else "GET", path, headers=key(admin_key))
    assert (response.status_code, response.json()["message"]) == (
        400,
        f"Invalid {thing} identifier route variable",
    )
    assert response.json()["details"].endswith("value out of range")


def test_wrong_method_gets_405_with_the_right_allow_header(
    client: TestClient, admin_key: str
) -> None:
    response = client.patch("/api/stacks/1", headers=key(admin_key))
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PUT"


def test_unknown_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["message"] == "Not found"


def test_response_validation_catches_a_drifting_answer(
    client: TestClient, runtime, admin_key: str
) -> None:  # type: ignore[no-untyped-def]
    runtime.store.state.settings.values["EnableTelemetry"] = "yes"  # not a boolean
    response = client.get("/api/settings", headers=key(admin_key))
    assert response.status_code == 500
    assert "does not conform" in response.json()["details"]


def test_rate_limiter_on_login() -> None:
    app = create_app(MockConfig(rate_limit=True, validate_responses=True))
    with TestClient(app) as client:
        statuses = [
            client.post("/api/auth", json={"username": "alice", "password": "x"}).status_code
            for _ in range(12)
        ]
    assert statuses[:10] == [422] * 10
    assert statuses[-1] == 403


def test_credentials_from_the_cookie_and_the_query_as_portainer_reads_them(
    client: TestClient, alice_key: str
) -> None:
    jwt = login(client, "alice", "alice-password")
    client.cookies.clear()  # the login answer set the cookie; send it explicitly below
    for how in (
        {"cookies": {"portainer_api_key": jwt}},
        {"params": {"token": jwt}},
        {"params": {"X-Api-Key": alice_key}},
    ):
        response = client.get("/api/users/me", **how)  # type: ignore[arg-type]
        assert (response.status_code, response.json().get("Username")) == (200, "alice"), how
    wrong = client.get("/api/users/me", params={"token": "not-a-jwt"})
    assert (wrong.status_code, wrong.json()["message"]) == (401, "Invalid JWT token")


@pytest.mark.parametrize(
    "path", ["/api/stacks/abc", "/api/users/x/tokens", "/api/stacks/" + "9" * 30]
)
def test_authentication_comes_before_route_variables(client: TestClient, path: str) -> None:
    client.cookies.clear()
    response = client.get(path)
    assert (response.status_code, response.json()["message"]) == (
        401,
        "A valid authorization token is missing",
    )


def test_nan_and_infinity_are_not_json(client: TestClient) -> None:
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        response = client.post(
            "/api/auth", content=b'{"username": "admin", "password": ' + literal + b"}"
        )
        assert (response.status_code, response.json()["message"]) == (
            400,
            "Invalid request payload",
        )


def test_a_deep_body_that_breaks_the_contract_is_a_400(client: TestClient) -> None:
    deep = b'{"username": ' + b"[" * 300 + b"]" * 300 + b', "password": "x"}'
    response = client.post("/api/auth", content=deep)
    assert (response.status_code, response.json()["message"]) == (400, "Invalid request payload")


def test_malformed_attempts_count_against_the_limiter_too() -> None:
    app = create_app(MockConfig(rate_limit=True, validate_responses=True))
    with TestClient(app) as client:
        statuses = [
            client.post("/api/auth", json={"username": ["not", "text"]}).status_code
            for _ in range(11)
        ]
        assert statuses == [400] * 10 + [403]
        valid = client.post("/api/auth", json={"username": "admin", "password": "mockadmin-pass"})
        assert (valid.status_code, valid.json()["details"]) == (403, "Access denied to resource")


def test_token_creation_counts_authenticated_attempts_only() -> None:
    app = create_app(MockConfig(rate_limit=True, validate_responses=True))
    with TestClient(app) as client:
        jwt = login(client, "alice", "alice-password")  # one attempt from this address
        client.cookies.clear()
        for _ in range(5):  # refused before the limiter: not counted
            assert client.post("/api/users/2/tokens", json={}).status_code == 401
        statuses = [
            client.post("/api/users/2/tokens", json={"description": 7}, headers=bearer(jwt))
            for _ in range(10)
        ]
        assert [r.status_code for r in statuses] == [400] * 9 + [403]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PUT", "/api/settings", b'{"AuthenticationMethod": "nine"}'),
        ("POST", "/api/users", b"{}"),
        ("PUT", "/api/endpoints/1", b'{"Name": 5}'),
        ("DELETE", "/api/users/3", b""),
    ],
)
def test_administrators_routes_refuse_a_standard_user_before_reading_the_body(
    client: TestClient, alice_key: str, method: str, url: str, body: bytes
) -> None:
    response = client.request(method, url, content=body, headers=key(alice_key))
    assert (response.status_code, response.json()) == (403, DENIED)


def test_a_users_access_is_the_same_whichever_credential(
    client: TestClient, alice_key: str
) -> None:
    jwt = login(client, "alice", "alice-password")
    for url in (
        "/api/stacks",
        "/api/endpoints",
        "/api/users/me",
        "/api/settings",
        "/api/endpoints/1",
        "/api/users",
    ):
        by_token = client.get(url, headers=key(alice_key))
        by_jwt = client.get(url, headers=bearer(jwt))
        assert (by_token.status_code, _untimed(by_token.json())) == (
            by_jwt.status_code,
            _untimed(by_jwt.json()),
        ), url


def _untimed(body: Any) -> Any:
    """An answer without its environments' snapshot times (the time of the answer: two reads
    a second apart differ there, whoever asks)."""
    for env in body if isinstance(body, list) else [body]:
        for snapshot in env.get("Snapshots") or [] if isinstance(env, dict) else []:
            snapshot.pop("Time", None)
    return body


def test_body_keys_match_case_insensitively_like_portainer(
    client: TestClient, alice_key: str
) -> None:
    login_answer = client.post(
        "/api/auth", json={"Username": "alice", "Password": "alice-password"}
    )
    assert login_answer.status_code == 200
    client.cookies.clear()  # a cookie session would need the CSRF token
    created = client.post(
        "/api/stacks/create/standalone/string?endpointId=2",
        json={"name": "Lower Case Keys", "stackFileContent": "services:\n  a:\n    image: x\n"},
        headers=key(alice_key),
    )
    assert (created.status_code, created.json()["Name"]) == (200, "lowercasekeys")
