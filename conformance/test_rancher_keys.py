"""Rancher environment API keys: format, the secret shown once, updates, actions and deletion."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conformance.client import Reply, expect, expect_rancher_error, expect_status
from conformance.identities import KeyPair, RancherWorld, keys_path, unique

pytestmark = pytest.mark.usefixtures("rancher")

ACCESS_KEY = re.compile(r"^[0-9A-F]{20}$")
SECRET_KEY = re.compile(r"^[A-HJ-NP-Za-km-z1-9]{40}$")
# Which actions a key must and must not offer in a settled state (rancher-apikeys.md §2.2).
OFFERED = {
    "active": ({"deactivate"}, {"activate", "remove", "purge", "create"}),
    "inactive": ({"activate", "remove"}, {"deactivate", "purge", "create"}),
}


def no_secret(reply: Reply, what: str) -> dict[str, Any]:
    body = reply.json()
    expect(
        isinstance(body, dict) and "secretValue" in body,
        f"{what}: the key has no secretValue field",
        reply,
    )
    expect(body["secretValue"] is None, f"{what}: secretValue is shown again", reply)
    return body


@pytest.mark.rule("RCH-KEY-1")
def test_new_key_format(rancher: RancherWorld) -> None:
    reply = rancher.api.post(
        keys_path(rancher.project_a), auth=rancher.account, json_body={"name": unique("fmt")}
    )
    expect_status(reply, 201, "creating an environment key")
    body = reply.json()
    pair = KeyPair(
        body.get("id", ""),
        rancher.project_a,
        body.get("publicValue", ""),
        body.get("secretValue") or "",
    )
    rancher.cleanup.add(f"remove API key {pair.id}", lambda: rancher.remove_key(pair))
    expect(
        ACCESS_KEY.match(pair.access),
        f"publicValue {pair.access!r} is not 20 upper-case hex",
        reply,
    )
    expect(
        SECRET_KEY.match(pair.secret),
        "secretValue is not 40 characters of Rancher's alphabet",
        reply,
    )
    expect(
        body.get("accountId") == rancher.project_a, "the key does not belong to its project", reply
    )
    expect(
        body.get("type") == "apiKey" and body.get("kind") == "apiKey",
        "the key is not an apiKey",
        reply,
    )
    settled = rancher.settle(pair)
    expect(
        settled.get("state") == "active",
        f"a new key settles as {settled.get('state')!r}, not active",
    )
    expect_status(
        rancher.api.get(keys_path(pair.project), auth=pair.basic), 200, "the new key's own pair"
    )


@pytest.mark.rule("RCH-KEY-2")
def test_secret_is_never_shown_again(rancher: RancherWorld) -> None:
    api = rancher.api
    pair = rancher.new_key(rancher.project_a)
    path = keys_path(pair.project, pair.id)
    no_secret(expect_status(api.get(path, auth=rancher.account), 200, "read"), "a read")
    no_secret(
        expect_status(api.get(path, auth=pair.basic), 200, "read with itself"), "a read by the key"
    )
    listed = expect_status(api.get(keys_path(pair.project), auth=rancher.account), 200, "list")
    mine = [k for k in listed.json().get("data", []) if k.get("id") == pair.id]
    expect(mine, "the new key is not listed", listed)
    expect(mine[0].get("secretValue", "absent") is None, "secretValue is shown in the list", listed)
    expect(pair.secret not in listed.text, "the secret appears in the list", listed)
    update = api.put(path, auth=rancher.account, json_body={"description": "renamed"})
    no_secret(expect_status(update, 200, "update"), "an update answer")
    act = expect_status(rancher.action(pair, "deactivate"), 202, "deactivate")
    # An action is a POST, and Cattle nulls a read-on-create-only field for every other method
    # only (WrappedResource): its answer may carry the stored hash, never the secret itself.
    expect(pair.secret not in act.text, "the secret appears in an action answer", act)
    rancher.settle(pair)
    deleted = expect_status(api.delete(path, auth=rancher.account), (200, 204), "delete")
    if deleted.status == 200:
        no_secret(deleted, "a delete answer")
    no_secret(
        expect_status(api.get(path, auth=rancher.account), 200, "read removed"), "a removed key"
    )


@pytest.mark.rule("RCH-KEY-3")
def test_update_changes_only_name_and_description(rancher: RancherWorld) -> None:
    api = rancher.api
    pair = rancher.new_key(rancher.project_a)
    path = keys_path(pair.project, pair.id)
    before = rancher.settle(pair)
    other = rancher.project_b or "1a999999"
    reply = api.put(
        path,
        auth=rancher.account,
        json_body={
            "name": "cf renamed",
            "description": "cf described",
            "publicValue": "0" * 20,
            "accountId": other,
            "state": "inactive",
            "kind": "agentApiKey",
        },
    )
    expect_status(reply, 200, "an update with read-only fields")
    after = reply.json()
    expect(
        after.get("name") == "cf renamed" and after.get("description") == "cf described",
        "name or description not changed",
        reply,
    )
    for key in ("publicValue", "accountId", "kind", "id", "uuid", "created"):
        expect(
            after.get(key) == before.get(key), f"an update changed the read-only field {key}", reply
        )
    expect(
        after.get("state") in ("active", "updating-active"),
        f"an update changed the state to {after.get('state')!r}",
        reply,
    )
    for field, limit in (("name", 255), ("description", 1024)):
        reply = api.put(path, auth=rancher.account, json_body={field: "x" * (limit + 1)})
        expect_rancher_error(
            reply,
            422,
            f"a {field} of {limit + 1} characters",
            code="MaxLengthExceeded",
            field_name=field,
        )
    reply = expect_status(
        api.put(path, auth=rancher.account, json_body={"name": "y" * 255}),
        200,
        "a 255-character name",
    )
    expect(reply.json().get("name") == "y" * 255, "the 255-character name was not kept", reply)
    kept = api.get(path, auth=rancher.account).json()
    expect(kept.get("description") == "cf described", "a refused update changed the description")


def offered(body: dict[str, Any]) -> set[str]:
    return set((body.get("actions") or {}).keys())


def check_offered(reply: Reply, state: str) -> None:
    body = reply.json()
    must, must_not = OFFERED[state]
    names = offered(body)
    expect(must <= names, f"an {state} key does not offer {sorted(must - names)}", reply)
    expect(not (names & must_not), f"an {state} key offers {sorted(names & must_not)}", reply)
    for name, url in (body.get("actions") or {}).items():
        expect(
            f"action={name}" in str(url) and str(url) == str(url).lower(),
            f"action link {url!r} is not Rancher's",
            reply,
        )


@pytest.mark.rule("RCH-KEY-4")
def test_actions_follow_the_state(rancher: RancherWorld) -> None:
    pair = rancher.new_key(rancher.project_a)
    path = keys_path(pair.project, pair.id)
    check_offered(rancher.api.get(path, auth=rancher.account), "active")
    reply = expect_status(rancher.action(pair, "deactivate"), 202, "deactivate an active key")
    expect(
        reply.json().get("state") in ("deactivating", "inactive"),
        "deactivate does not lead to inactive",
        reply,
    )
    expect(
        rancher.settle(pair).get("state") == "inactive",
        "the deactivated key does not settle as inactive",
    )
    check_offered(rancher.api.get(path, auth=rancher.account), "inactive")
    reply = expect_status(rancher.action(pair, "activate"), 202, "activate an inactive key")
    expect(
        reply.json().get("state") in ("activating", "active"),
        "activate does not lead to active",
        reply,
    )
    expect(
        rancher.settle(pair).get("state") == "active", "the activated key does not settle as active"
    )
    check_offered(rancher.api.get(path, auth=rancher.account), "active")


@pytest.mark.rule("RCH-KEY-5")
def test_invalid_actions_are_refused(rancher: RancherWorld) -> None:
    pair = rancher.new_key(rancher.project_a)
    expect_rancher_error(
        rancher.action(pair, "activate"),
        422,
        "activate on an active key",
        code="ActionNotAvailable",
        field_name="action",
    )
    expect_rancher_error(
        rancher.action(pair, "remove"),
        422,
        "remove on an active key",
        code="ActionNotAvailable",
        field_name="action",
    )
    expect_rancher_error(
        rancher.action(pair, "explode"),
        422,
        "an unknown action",
        code="InvalidAction",
        field_name="action",
    )
    expect(
        rancher.settle(pair).get("state") == "active", "a refused action changed the key's state"
    )
    expect_status(rancher.action(pair, "deactivate"), 202, "deactivate")
    rancher.settle(pair)
    expect_rancher_error(
        rancher.action(pair, "deactivate"),
        422,
        "deactivate on an inactive key",
        code="ActionNotAvailable",
        field_name="action",
    )


@pytest.mark.rule("RCH-KEY-6")
def test_active_key_cannot_be_deleted(rancher: RancherWorld) -> None:
    api = rancher.api
    pair = rancher.new_key(rancher.project_a)
    path = keys_path(pair.project, pair.id)
    expect_rancher_error(api.delete(path, auth=rancher.account), 405, "deleting an active key")
    body = rancher.settle(pair)
    expect(body.get("state") == "active", f"a refused delete left the key {body.get('state')!r}")
    expect_status(
        api.get(keys_path(pair.project), auth=pair.basic), 200, "the key after a refused delete"
    )


@pytest.mark.rule("RCH-KEY-7")
def test_deleted_key_is_not_listed(rancher: RancherWorld) -> None:
    api = rancher.api
    pair = rancher.new_key(rancher.project_a)
    path = keys_path(pair.project, pair.id)
    expect_status(rancher.action(pair, "deactivate"), 202, "deactivate")
    rancher.settle(pair)
    reply = expect_status(api.delete(path, auth=rancher.account), 200, "deleting an inactive key")
    expect(
        reply.json().get("state") in ("removing", "removed"),
        "a deleted key is not being removed",
        reply,
    )
    listed = expect_status(api.get(keys_path(pair.project), auth=rancher.account), 200, "list")
    expect(
        all(k.get("id") != pair.id for k in listed.json().get("data", [])),
        "a deleted key is still listed",
        listed,
    )
    body = rancher.settle(pair)
    expect(
        body.get("state") == "removed", f"a deleted key reads as {body.get('state')!r}, not removed"
    )
