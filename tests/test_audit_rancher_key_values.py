"""Rancher 1.6 key values as permissive as Cattle's (audit section 2, Rancher apiKey; row 59):
the admin role may choose a key's `publicValue` and `secretValue` on create, a duplicate access
key is 422 NotUnique, and no answer is held to the generated keys' formats."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.runtime import Runtime

Pair = tuple[str, str]
KEYS = "/v2-beta/projects/1a2/apikeys"


@pytest.fixture
def account(runtime: Runtime) -> Pair:
    """The seeded account key: Cattle's admin role."""
    admin = runtime.seeded.rancher_admin
    return admin.access_key, admin.secret_key


@pytest.fixture
def deploy(runtime: Runtime) -> Pair:
    """The seeded environment key of `production` (project 1a2)."""
    key = runtime.seeded.rancher_keys[0]
    return key.access_key, key.secret_key


def create(client: TestClient, auth: Pair, **body: Any) -> httpx.Response:
    return client.post(KEYS, auth=auth, json=body)


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def test_the_admin_role_chooses_its_own_key_values(client: TestClient, account: Pair) -> None:
    response = create(client, account, publicValue="ci-deploy:key", secretValue="not base64 !")
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["publicValue"], made["secretValue"]) == ("ci-deploy:key", "not base64 !")
    again = client.get(f"{KEYS}/{made['id']}", auth=account).json()
    assert (again["publicValue"], again["secretValue"], again["state"]) == (
        "ci-deploy:key",
        None,
        "active",
    )


def test_a_chosen_pair_authenticates(client: TestClient, account: Pair) -> None:
    made = create(client, account, publicValue="MYOWNACCESSKEY", secretValue="my-secret")
    assert made.status_code == 201, made.text
    assert client.get(KEYS, auth=("MYOWNACCESSKEY", "my-secret")).status_code == 200
    assert client.get(KEYS, auth=("MYOWNACCESSKEY", "wrong")).status_code == 401


def test_a_key_made_with_a_null_secret_never_authenticates(
    client: TestClient, account: Pair
) -> None:
    # Cattle's test_api_key_null_secret: publicValue given, secretValue null.
    response = create(client, account, publicValue="foo", secretValue=None)
    assert response.status_code == 201, response.text
    assert (response.json()["publicValue"], response.json()["secretValue"]) == ("foo", None)
    client.get(KEYS, auth=account)  # settles it: active
    assert client.get(KEYS, auth=("foo", "")).status_code == 401
    assert client.get(KEYS, auth=("foo", "None")).status_code == 401


def test_a_duplicate_public_value_is_not_unique_in_any_case(
    client: TestClient, account: Pair
) -> None:
    # Cattle's test_api_key_422_on_identical_keys; the check ignores letter case.
    assert create(client, account, publicValue="shared", secretValue="one").status_code == 201
    body = error_of(create(client, account, publicValue="SHARED", secretValue="two"), 422)
    assert (body["code"], body["fieldName"]) == ("NotUnique", "publicValue")
    seeded_access = client.get(KEYS, auth=account).json()["data"][0]["publicValue"]
    body = error_of(create(client, account, publicValue=seeded_access.lower()), 422)
    assert body["code"] == "NotUnique"


def test_a_removed_keys_public_value_may_be_taken_again(client: TestClient, account: Pair) -> None:
    made = create(client, account, publicValue="reused", secretValue="s").json()
    path = f"{KEYS}/{made['id']}"
    client.get(path, auth=account)  # active
    assert client.post(path, params={"action": "deactivate"}, auth=account).status_code == 202
    client.get(path, auth=account)  # inactive
    assert client.delete(path, auth=account).status_code == 200
    client.get(path, auth=account)  # removed
    assert create(client, account, publicValue="reused", secretValue="t").status_code == 201


def test_key_values_over_4096_characters_exceed_the_column(
    client: TestClient, account: Pair
) -> None:
    body = error_of(create(client, account, publicValue="A" * 4097), 422)
    assert (body["code"], body["fieldName"]) == ("MaxLengthExceeded", "publicValue")
    body = error_of(create(client, account, publicValue="B", secretValue="s" * 4097), 422)
    assert (body["code"], body["fieldName"]) == ("MaxLengthExceeded", "secretValue")
    assert create(client, account, publicValue="C" * 4096).status_code == 201


def test_an_environment_keys_chosen_values_are_ignored(client: TestClient, deploy: Pair) -> None:
    response = create(client, deploy, publicValue="mine", secretValue="mine too")
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["publicValue"] != "mine" and len(made["publicValue"]) == 20
    assert made["secretValue"] != "mine too" and len(made["secretValue"]) == 40


def test_put_ignores_key_values_even_for_the_admin_role_row_59(
    client: TestClient, account: Pair
) -> None:
    made = create(client, account, name="ci").json()
    path = f"{KEYS}/{made['id']}"
    response = client.put(
        path, auth=account, json={"name": "renamed", "publicValue": "XXXX", "secretValue": "y"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["publicValue"]) == (
        "renamed",
        made["publicValue"],
    )
    assert response.json()["secretValue"] is None
