"""Stack deployment routes through HTTP, against the app in-process (response validation on):
uploads, the deprecated create route, repositories, redeploys, webhooks and the Git control route."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from mockserver.runtime import Runtime

WEB = "services:\n  web:\n    image: nginx:1.27\n"
REPO = "https://git.example.com/acme/web-stack"
HOOK = "0b8e2f47-8a55-4a5f-9c0e-3c8a4d1b6e21"
SAME_FIELDS = ("Name", "Type", "EndpointId", "SwarmId", "EntryPoint", "Env", "Status", "CreatedBy")


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def upload(client: TestClient, token: str, kind: str, fields: dict[str, str], file: str | None):
    # Without a file, another part keeps the body multipart.
    files = {"file" if file is not None else "notes": ("docker-compose.yml", (file or "").encode())}
    return client.post(
        f"/api/stacks/create/{kind}/file?endpointId={'3' if kind == 'swarm' else '2'}",
        data=fields,
        files=files,
        headers=key(token),
    )


def test_upload_and_string_give_the_same_stack(client: TestClient, alice_key: str) -> None:
    env = [{"name": "TZ", "value": "UTC"}]
    uploaded = upload(client, alice_key, "standalone", {"Name": "Up!", "Env": json.dumps(env)}, WEB)
    assert uploaded.status_code == 200, uploaded.text
    client.delete(f"/api/stacks/{uploaded.json()['Id']}?endpointId=2", headers=key(alice_key))
    typed = client.post(
        "/api/stacks/create/standalone/string?endpointId=2",
        json={"Name": "Up!", "StackFileContent": WEB, "Env": env},
        headers=key(alice_key),
    )
    assert typed.status_code == 200
    assert {f: uploaded.json()[f] for f in SAME_FIELDS} == {f: typed.json()[f] for f in SAME_FIELDS}
    assert client.get(f"/api/stacks/{typed.json()['Id']}/file", headers=key(alice_key)).json() == {
        "StackFileContent": WEB
    }


def test_upload_failures(client: TestClient, admin_key: str) -> None:
    cases = [
        ({"Name": ""}, WEB, 400, "Invalid stack name"),
        (
            {"Name": "x"},
            None,
            400,
            "Invalid Compose file. Ensure that the Compose file is uploaded correctly",
        ),
        ({"Name": "x", "Env": "not json"}, WEB, 400, "Invalid Env parameter"),
        ({"Name": "x"}, "this: is: not: [valid", 500, None),
    ]
    for fields, file, status, details in cases:
        answer = upload(client, admin_key, "standalone", fields, file)
        assert answer.status_code == status, (fields, answer.text)
        if details:
            assert answer.json()["details"] == details
    swarm = upload(client, admin_key, "swarm", {"Name": "x"}, WEB)
    assert (swarm.status_code, swarm.json()["details"]) == (400, "Invalid Swarm ID")
    ok = upload(
        client, admin_key, "swarm", {"Name": "x", "SwarmID": "jpofkc0i9uo9wtx1zesuk649w"}, WEB
    )
    assert (ok.status_code, ok.json()["Type"]) == (200, 1)


def test_the_deprecated_create_route_is_served(
    client: TestClient, admin_key: str, runtime: Runtime
) -> None:
    string = client.post(
        "/api/stacks?type=2&method=string&endpointId=1",
        json={"Name": "old-script", "StackFileContent": WEB},
        headers=key(admin_key),
    )
    assert (string.status_code, string.json()["Type"]) == (200, 2)
    uploaded = client.post(
        "/api/stacks?type=2&method=file&endpointId=1",
        data={"Name": "old-upload"},
        files={"file": ("dc.yml", WEB.encode())},
        headers=key(admin_key),
    )
    assert uploaded.status_code == 200, uploaded.text
    swarm = client.post(
        "/api/stacks?type=1&method=string&endpointId=1",
        json={"Name": "old-swarm", "StackFileContent": WEB, "SwarmID": "x"},
        headers=key(admin_key),
    )
    assert swarm.status_code == 500  # environment 1 is not a swarm
    assert (
        client.post(
            "/api/stacks?type=9&method=string&endpointId=1", json={}, headers=key(admin_key)
        ).status_code
        == 400
    )
    assert client.post("/api/stacks?type=2&method=string&endpointId=1", json={}).status_code == 401
    # The journal keeps the path the client sent.
    assert [e.path for e in runtime.journal.entries("POST")][:1] == ["/api/stacks"]


def create_from_repo(client: TestClient, token: str, **more: Any):
    body = {"Name": "web", "RepositoryURL": REPO, "AutoUpdate": {"Webhook": HOOK}, **more}
    return client.post(
        "/api/stacks/create/standalone/repository?endpointId=2", json=body, headers=key(token)
    )


def test_repository_stack_redeploys_to_a_pushed_commit(
    client: TestClient, alice_key: str, runtime: Runtime
) -> None:
    created = create_from_repo(client, alice_key, Env=[{"name": "A", "value": "1"}])
    assert created.status_code == 200, created.text
    stack = created.json()
    assert stack["GitConfig"]["URL"] == REPO and stack["AutoUpdate"]["Webhook"] == HOOK
    pushed = client.post("/__mock__/git", json={"url": REPO, "files": {"docker-compose.yml": WEB}})
    assert pushed.status_code == 201
    new_hash = pushed.json()["hash"]
    assert new_hash != stack["GitConfig"]["ConfigHash"]
    redeployed = client.put(
        f"/api/stacks/{stack['Id']}/git/redeploy?endpointId=2", json={}, headers=key(alice_key)
    )
    assert redeployed.status_code == 200, redeployed.text
    assert redeployed.json()["GitConfig"]["ConfigHash"] == new_hash
    assert redeployed.json()["Env"] is None  # redeploy replaces Env too
    assert (
        client.get(f"/api/stacks/{stack['Id']}/file", headers=key(alice_key)).json()[
            "StackFileContent"
        ]
        == WEB
    )
    # Without endpointId the environment is 0, as in Portainer.
    lost = client.put(f"/api/stacks/{stack['Id']}/git/redeploy", json={}, headers=key(alice_key))
    assert lost.status_code == 404


def test_webhooks_are_public_and_redeploy(
    client: TestClient, alice_key: str, runtime: Runtime
) -> None:
    stack = create_from_repo(client, alice_key).json()
    assert create_from_repo(client, alice_key, Name="again").status_code == 409
    new_hash = runtime.git_push(REPO, {"docker-compose.yml": WEB})
    hooked = client.post(f"/api/stacks/webhooks/{HOOK}")  # no credential
    assert hooked.status_code == 204
    after = client.get(f"/api/stacks/{stack['Id']}", headers=key(alice_key)).json()
    assert after["GitConfig"]["ConfigHash"] == new_hash
    bad = client.post("/api/stacks/webhooks/not-a-uuid")
    assert (bad.status_code, bad.json()["message"]) == (
        400,
        "Invalid webhook identifier route variable",
    )
    unknown = client.post("/api/stacks/webhooks/11111111-2222-4333-8444-555555555555")
    assert (unknown.status_code, unknown.json()["message"]) == (
        404,
        "Unable to find the stack by webhook ID",
    )


def test_git_settings_update(client: TestClient, alice_key: str) -> None:
    stack = create_from_repo(client, alice_key, Env=[{"name": "A", "value": "1"}]).json()
    changed = client.post(
        f"/api/stacks/{stack['Id']}/git?endpointId=2",
        json={"RepositoryReferenceName": "refs/heads/staging", "AutoUpdate": {"Interval": "5m"}},
        headers=key(alice_key),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["GitConfig"]["ReferenceName"] == "refs/heads/staging"
    assert body["AutoUpdate"]["Interval"] == "5m" and body["Env"] is None
    invalid = client.post(
        f"/api/stacks/{stack['Id']}/git?endpointId=2",
        json={"AutoUpdate": {"Interval": "soon"}},
        headers=key(alice_key),
    )
    assert (invalid.status_code, invalid.json()["details"]) == (400, "Invalid Interval format")
    plain = client.get("/api/stacks/2", headers=key(alice_key)).json()
    not_git = client.post("/api/stacks/2/git?endpointId=2", json={}, headers=key(alice_key))
    assert (not_git.status_code, not_git.json()["message"]) == (
        500,
        "No Git config in the found stack",
    )
    assert plain["GitConfig"] is None


def test_private_repositories_need_their_password(
    client: TestClient, admin_key: str, runtime: Runtime
) -> None:
    body = {"Name": "private", "RepositoryURL": "https://git.example.com/acme/private-stack"}
    url = "/api/stacks/create/standalone/repository?endpointId=1"
    refused = client.post(url, json=body, headers=key(admin_key))
    assert (refused.status_code, refused.json()["message"]) == (500, "Invalid git credential")
    auth = {
        "RepositoryAuthentication": True,
        "RepositoryUsername": "ci",
        "RepositoryPassword": "deploy-token-123",
    }
    created = client.post(url, json={**body, **auth}, headers=key(admin_key))
    assert created.status_code == 200
    git_auth = created.json()["GitConfig"]["Authentication"]
    assert git_auth == {"Username": "ci", "Password": "", "GitCredentialID": 0}
    assert "deploy-token-123" not in json.dumps(runtime.store.snapshot())


def test_delete_without_endpoint_id(client: TestClient, admin_key: str, alice_key: str) -> None:
    user = client.delete("/api/stacks/2", headers=key(alice_key))
    assert (user.status_code, user.json()["message"]) == (
        403,
        "Permission denied to remove orphaned stack",
    )
    admin = client.delete("/api/stacks/2", headers=key(admin_key))
    assert (admin.status_code, admin.json()["message"]) == (
        404,
        "Unable to find the endpoint associated to the stack inside the database",
    )


def test_control_route_validates_pushes(client: TestClient) -> None:
    assert client.post("/__mock__/git", json={"url": REPO}).status_code == 400
    malformed = {"Content-Type": "application/json"}
    assert client.post("/__mock__/git", content=b"{nope", headers=malformed).status_code == 400
    assert client.post("/__mock__/git", content=b"{nope").status_code == 415  # JSON bodies only
    made = client.post(
        "/__mock__/git",
        json={"url": "https://new.example/r", "files": {"a.yml": WEB}, "ref": "dev"},
    )
    assert made.status_code == 201 and len(made.json()["hash"]) == 40
