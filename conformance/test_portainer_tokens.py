"""Portainer access tokens: who creates, lists and revokes them, and their format."""

from __future__ import annotations

import base64
import re

import pytest

from conformance.client import ApiKey, expect, expect_error, expect_status
from conformance.identities import PortainerWorld

pytestmark = pytest.mark.usefixtures("portainer")

INVALID = "Invalid JWT token"
RAW_TOKEN = re.compile(r"^ptr_[A-Za-z0-9+/]{43}=$")


def tokens_path(user_id: int, key_id: int | None = None) -> str:
    path = f"/api/users/{user_id}/tokens"
    return f"{path}/{key_id}" if key_id is not None else path


@pytest.mark.rule("PTR-TOK-1")
def test_token_creation_needs_a_jwt(portainer: PortainerWorld) -> None:
    alice = portainer.alice
    assert alice is not None
    reply = portainer.api.post(
        tokens_path(alice.id),
        auth=alice.key,
        json_body={"description": "made with a token", "password": alice.password},
    )
    expect_error(
        reply,
        401,
        "token creation with an access token",
        message="Auth not supported",
        details="Authentication required",
    )


@pytest.mark.rule("PTR-TOK-2")
def test_tokens_are_created_for_oneself_only(portainer: PortainerWorld) -> None:
    api, alice, bob, admin2 = portainer.api, portainer.alice, portainer.bob, portainer.admin2
    assert alice is not None and bob is not None and admin2 is not None
    reply = api.post(
        tokens_path(alice.id),
        auth=bob.bearer,
        json_body={"description": "for someone else", "password": bob.password},
    )
    expect_error(reply, 403, f"{bob.username} creating a token for {alice.username}")
    reply = api.post(
        tokens_path(alice.id),
        auth=admin2.bearer,
        json_body={"description": "admin for a user", "password": admin2.password},
    )
    expect_error(
        reply,
        403,
        "an administrator creating a token for a standard user",
        message="Permission denied to create user access token",
    )


@pytest.mark.rule("PTR-TOK-3")
def test_token_creation_checks_the_password(portainer: PortainerWorld) -> None:
    bob = portainer.bob
    assert bob is not None
    reply = portainer.api.post(
        tokens_path(bob.id),
        auth=bob.bearer,
        json_body={"description": "wrong password", "password": f"{bob.password}-wrong"},
    )
    expect_error(reply, 403, "token creation with a wrong password")
    listed = portainer.api.get(tokens_path(bob.id), auth=bob.key).json()
    expect(
        all(t.get("description") != "wrong password" for t in listed),
        "a token was created although the password was wrong",
    )


@pytest.mark.rule("PTR-TOK-4")
def test_token_description_is_validated(portainer: PortainerWorld) -> None:
    api, bob = portainer.api, portainer.bob
    assert bob is not None

    def create(description: str):  # type: ignore[no-untyped-def]
        return api.post(
            tokens_path(bob.id),
            auth=bob.bearer,
            json_body={"description": description, "password": bob.password},
        )

    for bad, label in (("", "an empty"), ("   \t ", "a blank"), ("d" * 128, "a 128-character")):
        expect_error(create(bad), 400, f"{label} token description")
    reply = expect_status(create("é" * 127), 201, "a 127-character token description")
    expect(
        reply.json()["apiKey"]["description"] == "é" * 127,
        "the 127-character description was not kept as sent",
        reply,
    )


@pytest.mark.rule("PTR-TOK-5")
def test_new_token_format(portainer: PortainerWorld) -> None:
    api, bob = portainer.api, portainer.bob
    assert bob is not None
    reply = api.post(
        tokens_path(bob.id),
        auth=bob.bearer,
        json_body={"description": "format check", "password": bob.password},
    )
    expect_status(reply, 201, "token creation")
    body = reply.json()
    raw = body.get("rawAPIKey", "")
    expect(RAW_TOKEN.match(raw), f"rawAPIKey {raw!r} is not ptr_ + base64 of 32 bytes", reply)
    expect(len(base64.b64decode(raw[4:])) == 32, "rawAPIKey does not encode 32 bytes", reply)
    key = body.get("apiKey", {})
    expect(key.get("prefix") == raw[:7], "prefix is not the first 7 characters", reply)
    expect(key.get("userId") == bob.id, "the token does not belong to its creator", reply)
    me = api.get("/api/users/me", auth=ApiKey(raw))
    expect_status(me, 200, "the new token as X-API-Key")
    expect(me.json().get("Id") == bob.id, "the new token acts as someone else", me)


@pytest.mark.rule("PTR-TOK-6")
def test_raw_token_is_shown_once(portainer: PortainerWorld) -> None:
    api, alice, admin = portainer.api, portainer.alice, portainer.admin
    assert alice is not None
    raw, token_id = portainer.new_token(alice, "shown once")
    for who, auth in (("its owner", alice.key), ("an administrator", admin.auth)):
        reply = expect_status(api.get(tokens_path(alice.id), auth=auth), 200, f"list as {who}")
        text = reply.text
        expect(raw not in text, f"the raw token appears in the list shown to {who}", reply)
        expect(raw[7:] not in text, f"the raw token appears in the list shown to {who}", reply)
        listed = {t["id"]: t for t in reply.json()}
        expect(token_id in listed, f"the new token is missing from the list shown to {who}", reply)
        expect(
            not listed[token_id].get("digest"),
            f"the list shown to {who} gives the token's digest",
            reply,
        )
        expect(
            "rawAPIKey" not in listed[token_id],
            f"the list shown to {who} has a rawAPIKey",
            reply,
        )


@pytest.mark.rule("PTR-TOK-7")
def test_token_list_is_private(portainer: PortainerWorld) -> None:
    api, alice, bob = portainer.api, portainer.alice, portainer.bob
    admin, admin2 = portainer.admin, portainer.admin2
    assert alice is not None and bob is not None and admin2 is not None
    reply = expect_status(api.get(tokens_path(alice.id), auth=alice.key), 200, "own tokens")
    expect(all(t.get("userId") == alice.id for t in reply.json()), "someone else's token listed")
    expect_error(
        api.get(tokens_path(alice.id), auth=bob.key),
        403,
        f"{bob.username} listing {alice.username}'s tokens",
    )
    expect_error(
        api.get(tokens_path(admin2.id), auth=alice.key),
        403,
        "a standard user listing an administrator's tokens",
    )
    expect_status(
        api.get(tokens_path(alice.id), auth=admin.auth),
        200,
        "an administrator listing a standard user's tokens",
    )
    expect_error(
        api.get(tokens_path(admin2.id), auth=admin.auth),
        403,
        "an administrator listing another administrator's tokens",
    )


@pytest.mark.rule("PTR-TOK-8")
def test_other_users_cannot_revoke_a_token(portainer: PortainerWorld) -> None:
    api, alice, bob = portainer.api, portainer.alice, portainer.bob
    assert alice is not None and bob is not None
    raw, token_id = portainer.new_token(alice, "not bob's to revoke")
    for path in (tokens_path(alice.id, token_id), tokens_path(bob.id, token_id)):
        reply = api.delete(path, auth=bob.key)
        expect_error(reply, 403, f"{bob.username} revoking {alice.username}'s token")
    expect_status(
        api.get("/api/users/me", auth=ApiKey(raw)), 200, "the token after the refused revocation"
    )
    listed = api.get(tokens_path(alice.id), auth=alice.key).json()
    expect(any(t["id"] == token_id for t in listed), "the token vanished from its owner's list")


@pytest.mark.rule("PTR-TOK-9")
def test_revoked_token_is_refused_at_once(portainer: PortainerWorld) -> None:
    api, alice, admin = portainer.api, portainer.alice, portainer.admin
    assert alice is not None
    for who, auth in (("its owner", None), ("an administrator", admin.auth)):
        raw, token_id = portainer.new_token(alice, f"revoked by {who}")
        token = ApiKey(raw)
        expect_status(api.get("/api/stacks", auth=token), 200, "the token before revocation")
        reply = api.delete(tokens_path(alice.id, token_id), auth=auth or token)
        expect_status(reply, 204, f"revocation by {who}")
        expect_error(
            api.get("/api/stacks", auth=token),
            401,
            f"the token right after revocation by {who}",
            message=INVALID,
        )
        listed = api.get(tokens_path(alice.id), auth=alice.key).json()
        expect(all(t["id"] != token_id for t in listed), "a revoked token is still listed")
