"""Security rules swept over every route family, and credentials compared exactly.

A server can refuse a revoked token on the route a rule happens to try and accept it on another.
The sweeps call every credentialed operation of the contract (`conformance.sweep`) with each dead
credential, so a route added to the contract is covered without a new test. Path ids are the
suite's own objects, so a server that wrongly lets a call through acts only on what the suite made.
"""

from __future__ import annotations

import pytest

from conformance import sweep
from conformance.client import (
    ApiKey,
    Basic,
    Bearer,
    Credential,
    expect_error,
    expect_rancher_error,
    expect_status,
)
from conformance.identities import PortainerWorld, RancherWorld, keys_path

NOWHERE = "999999"  # an id no object has: for a resource the sweep has no object of


def _swapcase_one(text: str, start: int) -> str:
    """`text` with the first letter at or after `start` in the other case."""
    for i in range(start, len(text)):
        if text[i].isalpha():
            return text[:i] + text[i].swapcase() + text[i + 1 :]
    raise ValueError(f"no letter after position {start}")


def variants(secret: str, label: str) -> list[tuple[str, str]]:
    """Near misses of a valid secret: one letter's case, one character short or long."""
    return [
        (_swapcase_one(secret, len(secret) // 2), f"{label} with one letter's case changed"),
        (secret[:-1], f"{label} without its last character"),
        (secret + "A", f"{label} with a character added"),
    ]


# ---------------------------------------------------------------- Portainer
def _dead_portainer_credentials(portainer: PortainerWorld) -> list[tuple[str, Credential]]:
    api = portainer.api
    # One user's revoked token and logged-out JWT (fewer logins to pace), another user deleted.
    user = portainer.new_user("swdead", login=True, token=True)
    expect_status(
        api.delete(f"/api/users/{user.id}/tokens/{user.token_id}", auth=user.bearer),
        204,
        "revoking an access token",
    )
    expect_status(portainer.logout(user), 204, "logout")
    deleted = portainer.new_user("swdel", login=True, token=True)
    expect_status(
        api.delete(f"/api/users/{deleted.id}", auth=portainer.admin.auth), 204, "deleting a user"
    )
    return [
        ("a revoked access token", user.key),
        ("a logged-out JWT", user.bearer),
        ("a deleted user's JWT", deleted.bearer),
        ("a deleted user's access token", deleted.key),
    ]


@pytest.mark.rule("PTR-SWEEP-1")
def test_dead_credentials_are_refused_on_every_route(portainer: PortainerWorld) -> None:
    alice = portainer.alice
    assert alice is not None and alice.token_id is not None
    stack = portainer.new_stack(alice, portainer.env_a).json()
    ids = {
        "users": str(alice.id),
        "tokens": str(alice.token_id),
        "endpoints": str(portainer.env_a),
        "stacks": str(stack["Id"]),
        "endpointId": str(portainer.env_a),
    }
    operations = sweep.credentialed("portainer")
    for label, credential in _dead_portainer_credentials(portainer):
        for op in operations:
            reply = sweep.call(portainer.api, op, ids, auth=credential, default=NOWHERE)
            expect_error(reply, 401, f"{op} with {label}")


@pytest.mark.rule("PTR-AUTH-7")
def test_credentials_are_compared_exactly(portainer: PortainerWorld) -> None:
    api = portainer.api
    near_misses: list[tuple[str, Credential]] = []
    # The given administrator (its token under --read-only) and a user the suite made.
    for user in (portainer.admin, portainer.bob):
        if user is None:
            continue
        if user.token:
            expect_status(api.get("/api/users/me", auth=user.key), 200, "an access token")
            near_misses += [(label, ApiKey(t)) for t, label in variants(user.token, "a token")]
            near_misses.append(("an access token's prefix alone", ApiKey(user.token[:7])))
        if user.jwt:
            expect_status(api.get("/api/users/me", auth=user.bearer), 200, "a JWT")
            header, payload, signature = user.jwt.split(".")
            near_misses += [
                (label, Bearer(f"{header}.{payload}.{sig}"))
                for sig, label in variants(signature, "a JWT's signature")
            ]
    for label, credential in near_misses:
        expect_error(api.get("/api/users/me", auth=credential), 401, label)


# ---------------------------------------------------------------- Rancher
@pytest.mark.rule("RCH-SWEEP-1")
def test_dead_keys_are_refused_on_every_route(rancher: RancherWorld) -> None:
    api = rancher.api
    pair = rancher.new_key(rancher.project_a)
    ids = {"projects": pair.project, "apikeys": pair.id, "action": "deactivate"}
    operations = sweep.credentialed("rancher")
    expect_status(rancher.action(pair, "deactivate"), 202, "deactivate")
    rancher.settle(pair)
    for state in ("deactivated", "removed"):
        if state == "removed":
            reply = api.delete(keys_path(pair.project, pair.id), auth=rancher.account)
            expect_status(reply, (200, 204), "delete")
            rancher.settle(pair)
        for op in operations:
            reply = sweep.call(api, op, ids, auth=pair.basic, default=NOWHERE)
            expect_rancher_error(reply, 401, f"{op} with a {state} key")


@pytest.mark.rule("RCH-AUTH-4")
def test_keys_are_compared_exactly(rancher: RancherWorld) -> None:
    api = rancher.api
    pairs = [rancher.account] + ([rancher.key_a.basic] if rancher.key_a else [])
    for pair in pairs:
        own = keys_path(rancher.project_a)
        expect_status(api.get(own, auth=pair), 200, "the key pair as it is")
        # Only the secret varies by case: Cattle looks the access key up in MySQL, whose default
        # collation compares case-insensitively.
        near_misses = [
            (label, Basic(pair.access, s)) for s, label in variants(pair.secret, "a secret")
        ]
        near_misses += [
            ("an access key without its last character", Basic(pair.access[:-1], pair.secret)),
            ("an access key with a character added", Basic(pair.access + "A", pair.secret)),
            ("the secret alone", Basic("", pair.secret)),
        ]
        for label, credential in near_misses:
            expect_rancher_error(api.get(own, auth=credential), 401, label)
