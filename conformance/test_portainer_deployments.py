"""Portainer stacks as people deploy them: uploads, repositories, redeploys, webhooks, failures."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from conformance import gitsource
from conformance.client import Reply, expect, expect_error, expect_status
from conformance.identities import COMPOSE_FILE, PortainerWorld, unique

pytestmark = pytest.mark.usefixtures("portainer")

OTHER_FILE = COMPOSE_FILE.replace("3600", "7200")
BROKEN_FILE = "this: is: not: [valid"
COMPARED = ("Type", "EndpointId", "SwarmId", "EntryPoint", "Env", "Status", "CreatedBy")
BOUNDARY = "conformance-boundary-7d1f"


def _remember(portainer: PortainerWorld, reply: Reply) -> dict[str, Any]:
    stack = reply.json()
    portainer.cleanup.add(
        f"delete stack {stack.get('Id')}",
        lambda: portainer.delete_stack(stack["Id"], stack["EndpointId"]),
    )
    return stack


def multipart(fields: dict[str, str], file: str) -> tuple[bytes, str]:
    """A multipart/form-data body with text fields and `file`, and its Content-Type."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file";'
        f' filename="docker-compose.yml"\r\nContent-Type: application/x-yaml\r\n\r\n{file}\r\n'
    )
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={BOUNDARY}"


def names_listed(portainer: PortainerWorld) -> set[str]:
    reply = portainer.api.get("/api/stacks", auth=portainer.admin.auth)
    return {s["Name"] for s in expect_status(reply, 200, "listing stacks").json()}


def repository_stack(
    portainer: PortainerWorld, source: gitsource.GitSource, **more: Any
) -> dict[str, Any]:
    body = {"Name": unique("git"), "RepositoryURL": source.url, **more}
    if source.ref:
        body["RepositoryReferenceName"] = source.ref
    reply = portainer.api.post(
        "/api/stacks/create/standalone/repository",
        auth=portainer.admin.auth,
        params={"endpointId": portainer.env_a},
        json_body=body,
    )
    expect_status(reply, 200, f"creating a stack from the repository {source.url}")
    return _remember(portainer, reply)


def needs_source(portainer: PortainerWorld, label: str, push: bool = False) -> gitsource.GitSource:
    source = gitsource.find(portainer.api, label)
    if source is None:
        pytest.skip("no Git repository: pass --git-repository (and --git-ref)")
    if push and not source.pushable:
        pytest.skip("needs a repository the suite can push to (the mock's /__mock__/git)")
    return source


@pytest.mark.rule("PTR-DEP-1")
def test_repository_stack_redeploys_to_the_pushed_commit(portainer: PortainerWorld) -> None:
    source = needs_source(portainer, "redeploy")
    stack = repository_stack(portainer, source)
    config = stack.get("GitConfig") or {}
    first = config.get("ConfigHash") or ""
    expect(
        config.get("URL") == source.url.rstrip("/") and len(first) == 40,
        "a repository stack does not record its repository and commit in GitConfig",
    )
    wanted = first
    if source.pushable:
        wanted = source.push(OTHER_FILE)
    reply = portainer.api.put(
        f"/api/stacks/{stack['Id']}/git/redeploy",
        auth=portainer.admin.auth,
        params={"endpointId": stack["EndpointId"]},
        json_body={"RepositoryReferenceName": source.ref},
    )
    expect_status(reply, 200, "redeploying a repository stack")
    expect(
        (reply.json().get("GitConfig") or {}).get("ConfigHash") == wanted,
        f"the redeployed stack's ConfigHash is not the reference's commit {wanted}",
        reply,
    )
    if source.pushable:
        file = portainer.api.get(f"/api/stacks/{stack['Id']}/file", auth=portainer.admin.auth)
        expect(
            file.json().get("StackFileContent") == OTHER_FILE,
            "the redeployed stack's file is not the pushed one",
            file,
        )


@pytest.mark.rule("PTR-DEP-2")
def test_webhook_redeploys(portainer: PortainerWorld) -> None:
    source = needs_source(portainer, "webhook", push=True)
    hook = str(uuid.uuid4())
    stack = repository_stack(portainer, source, AutoUpdate={"Webhook": hook})
    reused = portainer.api.post(
        "/api/stacks/create/standalone/repository",
        auth=portainer.admin.auth,
        params={"endpointId": portainer.env_a},
        json_body={
            "Name": unique("git"),
            "RepositoryURL": source.url,
            "AutoUpdate": {"Webhook": hook},
        },
    )
    if reused.status == 200:
        _remember(portainer, reused)
    expect_error(
        reused,
        409,
        "a second stack reusing a webhook id",
        message=f"Webhook ID: {hook} already exists",
    )
    pushed = source.push(OTHER_FILE)
    expect_status(portainer.api.post(f"/api/stacks/webhooks/{hook}"), 204, "calling the webhook")
    deadline = time.monotonic() + 20  # Portainer redeploys in the background
    while True:
        read = portainer.api.get(f"/api/stacks/{stack['Id']}", auth=portainer.admin.auth)
        if (read.json().get("GitConfig") or {}).get("ConfigHash") == pushed:
            break
        expect(time.monotonic() < deadline, "the webhook did not redeploy the pushed commit", read)
        time.sleep(0.5)
    expect_error(
        portainer.api.post("/api/stacks/webhooks/not-a-uuid"), 400, "a malformed webhook id"
    )
    expect_error(
        portainer.api.post(f"/api/stacks/webhooks/{uuid.uuid4()}"), 404, "an unknown webhook id"
    )


@pytest.mark.rule("PTR-DEP-3")
def test_invalid_compose_file_is_refused_and_leaves_no_stack(portainer: PortainerWorld) -> None:
    name = unique("bad")
    reply = portainer.api.post(
        "/api/stacks/create/standalone/string",
        auth=portainer.admin.auth,
        params={"endpointId": portainer.env_a},
        json_body={"Name": name, "StackFileContent": BROKEN_FILE},
    )
    if reply.status == 200:
        _remember(portainer, reply)
    expect_error(reply, 500, "deploying a compose file that is not YAML")
    expect(name not in names_listed(portainer), "a refused deployment left a stack behind")


@pytest.mark.rule("PTR-DEP-4")
def test_env_left_out_of_an_update_is_cleared(portainer: PortainerWorld) -> None:
    env = [{"name": "CONFORMANCE", "value": "1"}]
    reply = portainer.api.post(
        "/api/stacks/create/standalone/string",
        auth=portainer.admin.auth,
        params={"endpointId": portainer.env_a},
        json_body={"Name": unique("env"), "StackFileContent": COMPOSE_FILE, "Env": env},
    )
    stack = _remember(portainer, expect_status(reply, 200, "creating a stack with Env"))
    expect(stack.get("Env") == env, "the new stack does not carry its Env", reply)
    updated = portainer.api.put(
        f"/api/stacks/{stack['Id']}",
        auth=portainer.admin.auth,
        params={"endpointId": stack["EndpointId"]},
        json_body={"StackFileContent": OTHER_FILE},
    )
    expect_status(updated, 200, "updating the stack without Env")
    read = portainer.api.get(f"/api/stacks/{stack['Id']}", auth=portainer.admin.auth)
    expect(not read.json().get("Env"), "Env left out of an update kept the old variables", read)


@pytest.mark.rule("PTR-DEP-5")
def test_upload_and_string_creation_give_the_same_stack(portainer: PortainerWorld) -> None:
    env = [{"name": "TZ", "value": "UTC"}]
    body, content_type = multipart(
        {"Name": unique("up"), "Env": '[{"name":"TZ","value":"UTC"}]'}, COMPOSE_FILE
    )
    uploaded = portainer.api.post(
        "/api/stacks/create/standalone/file",
        auth=portainer.admin.auth,
        params={"endpointId": portainer.env_a},
        content=body,
        headers={"Content-Type": content_type},
    )
    up = _remember(portainer, expect_status(uploaded, 200, "creating a stack by upload"))
    typed = portainer.api.post(
        "/api/stacks/create/standalone/string",
        auth=portainer.admin.auth,
        params={"endpointId": portainer.env_a},
        json_body={"Name": unique("str"), "StackFileContent": COMPOSE_FILE, "Env": env},
    )
    text = _remember(portainer, expect_status(typed, 200, "creating the same stack from a string"))
    differ = [f for f in COMPARED if up.get(f) != text.get(f)]
    expect(not differ, f"upload and string creation differ in {differ}", uploaded)
    for stack in (up, text):
        file = portainer.api.get(f"/api/stacks/{stack['Id']}/file", auth=portainer.admin.auth)
        expect(file.json().get("StackFileContent") == COMPOSE_FILE, "the stored file differs", file)
