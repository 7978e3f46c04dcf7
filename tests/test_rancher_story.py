"""The seed document's story ("API & Keys", Rancher 1.x), end to end through HTTP.

Add an environment API key to the environment you work in, use it with HTTP Basic (access key as
user name, secret key as password), deactivate it (its credentials are refused), activate it
(they work again), edit its name and description, then deactivate and delete it.
"""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver.runtime import Runtime

ENDPOINT = "/v2-beta/projects/1a2"  # the "endpoint URL" of the production environment
KEYS = f"{ENDPOINT}/apikeys"


def test_the_whole_story(client: TestClient, runtime: Runtime) -> None:
    admin = runtime.seeded.rancher_admin
    logged_in = (admin.access_key, admin.secret_key)  # the account key stands for the UI user

    # Access control is on: without a key the endpoint asks for one.
    refused = client.get(ENDPOINT)
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")

    # Add Environment API Key: a name and a description; the pair is shown this once.
    created = client.post(KEYS, auth=logged_in, json={"name": "laptop", "description": "my cli"})
    assert created.status_code == 201, created.text
    key = created.json()
    access, secret = key["publicValue"], key["secretValue"]
    assert secret and key["state"] == "registering" and key["accountId"] == "1a2"
    key_url = key["links"]["self"]

    # Using the key: -u access:secret on the endpoint URL and the links it gives.
    mine = (access, secret)
    project = client.get(ENDPOINT, auth=mine)
    assert project.status_code == 200 and project.json()["name"] == "production"
    listed = client.get(project.json()["links"]["apiKeys"], auth=mine).json()["data"]
    assert [k["name"] for k in listed] == ["deploy", "laptop"]
    assert all(k["secretValue"] is None for k in listed)
    shown = client.get(key_url, auth=mine).json()
    assert (shown["state"], shown["secretValue"]) == ("active", None)
    assert client.get("/v2-beta/projects/1a3", auth=mine).status_code == 403

    # Deactivate: the credentials are prohibited; the key is labelled Inactive.
    deactivated = client.post(shown["actions"]["deactivate"], auth=logged_in, json={})
    assert (deactivated.status_code, deactivated.json()["state"]) == (202, "deactivating")
    assert client.get(ENDPOINT, auth=mine).status_code == 401
    inactive = client.get(key_url, auth=logged_in).json()
    assert inactive["state"] == "inactive"
    assert sorted(inactive["actions"]) == ["activate", "remove", "update"]

    # Activate: the credentials access the API again.
    activated = client.post(inactive["actions"]["activate"], auth=logged_in, json={})
    assert (activated.status_code, activated.json()["state"]) == (202, "activating")
    assert client.get(ENDPOINT, auth=mine).status_code == 200

    # Edit: name and description change; the key pair cannot.
    edited = client.put(
        key_url, auth=mine, json={"name": "old laptop", "description": "", "publicValue": "0" * 20}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["publicValue"]) == ("old laptop", access)

    # An active key cannot be deleted; deactivate it, then delete it.
    assert client.delete(key_url, auth=logged_in).status_code == 405
    client.post(edited.json()["actions"]["deactivate"], auth=logged_in, json={})
    deleted = client.delete(key_url, auth=logged_in)
    assert (deleted.status_code, deleted.json()["state"]) == (200, "removing")

    # The credentials are gone from the environment.
    remaining = client.get(KEYS, auth=logged_in).json()["data"]
    assert [k["name"] for k in remaining] == ["deploy"]
    assert client.get(ENDPOINT, auth=mine).status_code == 401
    assert client.get(key_url, auth=logged_in).json()["state"] == "removed"
