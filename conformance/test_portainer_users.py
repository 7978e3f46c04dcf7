"""Portainer users: only administrators manage them; /api/users/me is the caller."""

from __future__ import annotations

import pytest

from conformance.client import ApiKey, expect, expect_error, expect_status
from conformance.identities import PortainerWorld, new_password, unique

pytestmark = pytest.mark.usefixtures("portainer")


@pytest.mark.rule("PTR-USR-1")
def test_only_admins_create_users(portainer: PortainerWorld) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    name = unique("nope")
    reply = api.post(
        "/api/users",
        auth=alice.key,
        json_body={"Username": name, "Password": new_password(), "Role": 2},
    )
    expect_error(reply, 403, "a standard user creating a user")
    listed = api.get("/api/users", auth=portainer.admin.auth).json()
    expect(all(u.get("Username") != name for u in listed), "the refused user exists anyway")
    user = portainer.new_user("made")  # answers 200, or setup fails
    reply = expect_status(
        api.get(f"/api/users/{user.id}", auth=portainer.admin.auth), 200, "the new user"
    )
    body = reply.json()
    expect(
        body.get("Username") == user.username and body.get("Role") == 2,
        "the new user was not stored as created",
        reply,
    )


@pytest.mark.rule("PTR-USR-2")
def test_duplicate_user_name_is_refused(portainer: PortainerWorld) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    for name in (alice.username, alice.username.upper()):
        reply = api.post(
            "/api/users",
            auth=portainer.admin.auth,
            json_body={"Username": name, "Password": new_password(), "Role": 2},
        )
        if reply.status == 200:  # do not leave the duplicate behind
            portainer.cleanup.add(
                "delete duplicate", lambda r=reply: portainer.delete_user(r.json()["Id"])
            )
        expect_error(reply, 409, f"creating user {name!r} again")


@pytest.mark.rule("PTR-USR-3")
def test_only_admins_delete_users(portainer: PortainerWorld) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    victim = portainer.new_user("victim", login=True, token=True)
    expect_error(
        api.delete(f"/api/users/{victim.id}", auth=alice.key), 403, "a standard user deleting"
    )
    expect_status(api.get("/api/users/me", auth=victim.key), 200, "the user after a refused delete")
    expect_status(
        api.delete(f"/api/users/{victim.id}", auth=portainer.admin.auth), 204, "admin delete"
    )
    expect_status(
        api.get(f"/api/users/{victim.id}", auth=portainer.admin.auth), 404, "the deleted user"
    )
    expect_status(
        api.get("/api/users/me", auth=ApiKey(victim.token or "")),
        401,
        "the deleted user's access token",
    )
    expect_status(api.get("/api/users/me", auth=victim.bearer), 401, "the deleted user's JWT")
    reply = api.post(
        "/api/auth", json_body={"username": victim.username, "password": victim.password}
    )
    expect_error(reply, 422, "logging in as the deleted user", message="Invalid credentials")


@pytest.mark.rule("PTR-USR-4")
def test_me_is_the_caller(portainer: PortainerWorld) -> None:
    api = portainer.api
    for who in (portainer.admin, portainer.admin2, portainer.alice, portainer.bob):
        assert who is not None
        creds = [("access token", who.key)] if who.token else []
        if who.jwt:
            creds.append(("JWT", who.bearer))
        for label, auth in creds:
            reply = expect_status(
                api.get("/api/users/me", auth=auth), 200, f"{label} of {who.username}"
            )
            body = reply.json()
            expect(
                (body.get("Id"), body.get("Username"), body.get("Role"))
                == (who.id, who.username, who.role),
                f"/api/users/me with the {label} of {who.username} answered someone else",
                reply,
            )


@pytest.mark.rule("PTR-USR-5")
def test_standard_users_cannot_browse_users(portainer: PortainerWorld) -> None:
    api, alice, bob = portainer.api, portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    expect_error(api.get("/api/users", auth=alice.key), 403, "a standard user listing users")
    expect_error(
        api.get(f"/api/users/{bob.id}", auth=alice.key),
        403,
        "a standard user reading another user's record",
    )
    expect_status(api.get(f"/api/users/{alice.id}", auth=alice.key), 200, "reading oneself")
