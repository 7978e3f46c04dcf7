"""Portainer authentication: logins, JWTs, logout and the bouncer's answers."""

from __future__ import annotations

import pytest

from conformance.client import ApiKey, Bearer, expect, expect_error, expect_status
from conformance.identities import PortainerWorld

pytestmark = pytest.mark.usefixtures("portainer")

MISSING = "A valid authorization token is missing"
INVALID = "Invalid JWT token"
# A well-formed HS256 JWT signed with a key no server has.
FORGED_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpZCI6MSwidXNlcm5hbWUiOiJhZG1pbiIsInJvbGUiOjEsImp0aSI6ImNmIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjQxMDAwMDAwMDB9."
    "c2lnbmF0dXJlLW9mLW5vLXNlcnZlci1hdC1hbGwtMTIzNA"
)


@pytest.mark.rule("PTR-AUTH-1")
def test_wrong_password_is_refused(portainer: PortainerWorld) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    reply = api.post(
        "/api/auth", json_body={"username": alice.username, "password": alice.password + "x"}
    )
    expect_error(
        reply, 422, "a wrong password", message="Invalid credentials", details="Unauthorized"
    )
    reply = api.post(
        "/api/auth", json_body={"username": alice.username + "-nobody", "password": "whatever-1234"}
    )
    expect_error(
        reply, 422, "an unknown user", message="Invalid credentials", details="Unauthorized"
    )


@pytest.mark.rule("PTR-AUTH-2")
def test_jwt_works_as_bearer(portainer: PortainerWorld) -> None:
    api, bob = portainer.api, portainer.bob
    assert bob is not None
    reply = expect_status(api.get("/api/users/me", auth=bob.bearer), 200, "a fresh JWT as Bearer")
    body = reply.json()
    expect(
        body.get("Id") == bob.id and body.get("Username") == bob.username,
        f"the JWT of {bob.username} answered as {body.get('Username')!r}",
        reply,
    )


@pytest.mark.rule("PTR-AUTH-3")
def test_logout_revokes_the_jwt(portainer: PortainerWorld) -> None:
    api = portainer.api
    user = portainer.new_user("logout", login=True)
    jwt = user.jwt
    expect_status(api.get("/api/users/me", auth=Bearer(jwt or "")), 200, "before logout")
    reply = portainer.logout(user)
    expect_status(reply, 204, "logout")
    reply = api.get("/api/users/me", auth=Bearer(jwt or ""))
    expect_error(reply, 401, "the JWT after logout", message=INVALID)


@pytest.mark.rule("PTR-AUTH-4")
def test_missing_credential_is_refused(portainer: PortainerWorld) -> None:
    api = portainer.api
    for path in ("/api/users/me", "/api/stacks", "/api/endpoints", "/api/settings"):
        expect_error(api.get(path), 401, f"GET {path} without a credential", message=MISSING)


@pytest.mark.rule("PTR-AUTH-5")
def test_invalid_credential_is_refused(portainer: PortainerWorld) -> None:
    api = portainer.api
    unknown = ApiKey("ptr_" + "A" * 43 + "=")
    expect_error(
        api.get("/api/users/me", auth=unknown), 401, "an unknown access token", message=INVALID
    )
    expect_error(
        api.get("/api/users/me", auth=Bearer(FORGED_JWT)), 401, "a forged JWT", message=INVALID
    )
    expect_error(
        api.get("/api/stacks", auth=Bearer("not-a-jwt")), 401, "a garbage JWT", message=INVALID
    )


@pytest.mark.rule("PTR-AUTH-6")
def test_two_credentials_are_refused(portainer: PortainerWorld) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    headers = {**alice.key.headers(), **alice.bearer.headers()}
    reply = api.get("/api/users/me", headers=headers)
    expect_error(
        reply,
        403,
        "X-API-Key and Authorization in one request",
        message="api key and auth header are not allowed at the same time",
    )
