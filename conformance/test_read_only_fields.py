"""Read-only and scope-bearing fields sent in a body change nothing, now or in later reads.

A server that copies a request body onto its record lets a client rename what it may not, take
another's authorship, or move an object into another environment or project.
"""

from __future__ import annotations

import pytest

from conformance.client import expect, expect_status
from conformance.identities import (
    COMPOSE_FILE,
    KeyPair,
    PortainerWorld,
    RancherWorld,
    keys_path,
    unique,
)

STACK_READ_ONLY = ("Id", "Name", "EndpointId", "SwarmId", "Type", "CreatedBy", "CreationDate")


@pytest.mark.rule("PTR-RO-1")
def test_stack_read_only_fields_are_ignored(portainer: PortainerWorld) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    other_env = portainer.env_b if portainer.env_b is not None else portainer.env_a + 1000
    name = unique("ro")
    # On create: the environment comes from the query, the author from the credential.
    reply = portainer.api.post(
        "/api/stacks/create/standalone/string",
        auth=alice.key,
        params={"endpointId": portainer.env_a},
        json_body={
            "Name": name,
            "StackFileContent": COMPOSE_FILE,
            "EndpointId": other_env,
            "CreatedBy": "someone-else",
            "Id": 999_999,
        },
    )
    expect_status(reply, 200, "a create carrying read-only fields")
    created = reply.json()
    portainer.cleanup.add(
        f"delete stack {created['Id']}",
        lambda: portainer.delete_stack(created["Id"], created["EndpointId"]),
    )
    expect(created.get("EndpointId") == portainer.env_a, "the body moved the stack", reply)
    expect(created.get("CreatedBy") == alice.username, "the body chose the stack's author", reply)
    expect(created.get("Id") != 999_999, "the body chose the stack's id", reply)
    # On update: none of them changes, in the answer or in a later read.
    before = created
    reply = api.put(
        f"/api/stacks/{before['Id']}",
        auth=alice.key,
        params={"endpointId": portainer.env_a},
        json_body={
            "StackFileContent": COMPOSE_FILE,
            "Id": before["Id"] + 1,
            "Name": name + "-renamed",
            "EndpointId": other_env,
            "SwarmId": "not-a-swarm",
            "Type": 1,
            "CreatedBy": "someone-else",
            "CreationDate": 1,
        },
    )
    expect_status(reply, 200, "an update carrying read-only fields")
    read = expect_status(
        api.get(f"/api/stacks/{before['Id']}", auth=alice.key), 200, "the stack after the update"
    )
    for answer in (reply, read):
        body = answer.json()
        changed = [f for f in STACK_READ_ONLY if body.get(f) != before.get(f)]
        expect(not changed, f"the update changed read-only fields {changed}", answer)


@pytest.mark.rule("RCH-RO-1")
def test_key_read_only_fields_are_ignored(rancher: RancherWorld) -> None:
    api, key_a = rancher.api, rancher.key_a
    assert key_a is not None
    other = rancher.project_b or "1a999999"
    name = unique("ro")
    reply = api.post(
        keys_path(key_a.project),
        auth=key_a.basic,
        json_body={"name": name, "accountId": other, "kind": "agentApiKey", "state": "inactive"},
    )
    if reply.status == 201:
        body = reply.json()
        pair_id = body["id"]
        rancher.cleanup.add(
            f"remove API key {pair_id}",
            lambda: rancher.remove_key(rancher_pair(body, key_a.project)),
        )
        expect(body.get("accountId") == key_a.project, "the body moved the key", reply)
        expect(body.get("kind") == "apiKey", "the body chose the key's kind", reply)
    else:
        expect(400 <= reply.status < 500, f"a create with another accountId got {reply.status}")
    if rancher.project_b is not None:
        listed = api.get(keys_path(rancher.project_b), auth=rancher.account).json()
        expect(
            all(k.get("name") != name for k in listed.get("data", [])),
            "a key created in one project appeared in another",
        )
    # An update: only name and description may change.
    before = expect_status(rancher.read_key(key_a), 200, "read the key").json()
    reply = api.put(
        keys_path(key_a.project, key_a.id),
        auth=rancher.account,
        json_body={
            "description": "updated by the conformance suite",
            "id": "1c999999",
            "accountId": other,
            "publicValue": "0" * 20,
            "kind": "agentApiKey",
            "uuid": "00000000-0000-0000-0000-000000000000",
        },
    )
    expect_status(reply, 200, "an update carrying read-only fields")
    read = expect_status(rancher.read_key(key_a), 200, "the key after the update")
    for answer in (reply, read):
        body = answer.json()
        fields = ("id", "accountId", "publicValue", "kind", "uuid")
        changed = [f for f in fields if body.get(f) != before.get(f)]
        expect(not changed, f"the update changed read-only fields {changed}", answer)


def rancher_pair(body: dict[str, object], project: str) -> KeyPair:
    return KeyPair(str(body["id"]), project, str(body.get("publicValue", "")), "")
