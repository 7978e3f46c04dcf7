"""The Rancher family through HTTP, with every answer checked against the contract."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.runtime import Runtime

Pair = tuple[str, str]
PRODUCTION = "/v2-beta/projects/1a2"
KEYS = f"{PRODUCTION}/apikeys"
STAGING_KEYS = "/v2-beta/projects/1a3/apikeys"
REALM = 'Basic realm="Enter API access key and secret key as username and password"'
ERROR_FIELDS = {"id", "type", "links", "actions", "status", "code", "message", "detail", "baseType"}
KEY_FIELDS = {
    "id", "type", "baseType", "links", "actions", "accountId", "name", "description",
    "publicValue", "secretValue", "kind", "state", "created", "createdTS", "removed",
    "transitioning", "transitioningMessage", "transitioningProgress", "uuid",
}  # fmt: skip


@pytest.fixture
def account(runtime: Runtime) -> Pair:
    """The seeded account key: acts as administrator."""
    admin = runtime.seeded.rancher_admin
    return admin.access_key, admin.secret_key


@pytest.fixture
def deploy(runtime: Runtime) -> Pair:
    """The seeded environment key of `production` (project 1a2)."""
    key = runtime.seeded.rancher_keys[0]
    return key.access_key, key.secret_key


def create(client: TestClient, auth: Pair, path: str = KEYS, **body: Any) -> dict[str, Any]:
    response = client.post(path, auth=auth, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def pair_of(created: dict[str, Any]) -> Pair:
    return created["publicValue"], created["secretValue"]


def act(client: TestClient, auth: Pair, key: dict[str, Any], action: str) -> httpx.Response:
    return client.post(f"{KEYS}/{key['id']}", params={"action": action}, auth=auth, json={})


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) >= ERROR_FIELDS
    assert (body["type"], body["baseType"], body["status"], body["code"]) == (
        "error",
        "error",
        status,
        code,
    )
    assert body["links"] == {} and body["actions"] == {}
    return body


# -- create, and the secret shown once
def test_create_returns_the_pair_once(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy, name="ci", description="pipeline")
    assert re.fullmatch(r"[0-9A-F]{20}", created["publicValue"])
    assert re.fullmatch(r"[A-HJ-NP-Za-km-z1-9]{40}", created["secretValue"])
    assert (created["name"], created["description"], created["accountId"]) == (
        "ci",
        "pipeline",
        "1a2",
    )
    key_url = f"{KEYS}/{created['id']}"
    later = [
        client.get(key_url, auth=deploy),
        client.put(key_url, auth=deploy, json={"name": "ci2"}),
        act(client, deploy, created, "deactivate"),
        client.delete(key_url, auth=deploy),
    ]
    for response in later:
        assert response.status_code < 300, response.text
        assert "secretValue" in response.json() and response.json()["secretValue"] is None
    listed = client.get(KEYS, auth=deploy, params={"_removed": "1"}).json()["data"]
    assert all(k["secretValue"] is None for k in listed) and len(listed) == 2
    assert created["secretValue"] not in client.get("/__mock__/state").text


def test_create_shows_registering_then_active(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    assert set(created) >= KEY_FIELDS
    assert (created["type"], created["baseType"], created["kind"]) == (
        "apiKey",
        "credential",
        "apiKey",
    )
    assert (created["state"], created["transitioning"], created["transitioningMessage"]) == (
        "registering",
        "yes",
        "In Progress",
    )
    assert (created["name"], created["description"], created["removed"]) == (None, None, None)
    assert sorted(created["actions"]) == ["activate", "deactivate", "remove"]
    again = client.get(f"{KEYS}/{created['id']}", auth=deploy).json()
    assert (again["state"], again["transitioning"]) == ("active", "no")
    assert again["transitioningMessage"] is None and again["transitioningProgress"] is None
    assert sorted(again["actions"]) == ["deactivate", "update"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", again["created"])
    assert isinstance(again["createdTS"], int)


def test_create_without_a_body_and_with_null(client: TestClient, deploy: Pair) -> None:
    assert client.post(KEYS, auth=deploy).status_code == 201
    assert client.post(KEYS, auth=deploy, content=b"null").status_code == 201


def test_create_ignores_read_only_fields(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy, publicValue="0" * 20, secretValue="x" * 40, state="inactive")
    assert created["publicValue"] != "0" * 20 and created["secretValue"] != "x" * 40
    assert created["state"] == "registering"


# -- links
def test_links_are_absolute_lower_case_and_followable(client: TestClient, deploy: Pair) -> None:
    client.base_url = httpx.URL("http://MOCK.Example:9000")
    created = client.post("/v2-beta/projects/1a2/apiKeys", auth=deploy, json={}).json()
    links = created["links"]
    self_url = f"http://mock.example:9000/v2-beta/projects/1a2/apikeys/{created['id']}"
    assert links["self"] == self_url
    assert links["account"] == "http://mock.example:9000/v2-beta/projects/1a2/accounts/1a2"
    assert links["certificate"] == self_url + "/certificate"
    assert created["actions"]["deactivate"] == self_url + "/?action=deactivate"
    assert client.get(links["self"], auth=deploy).status_code == 200
    answered = client.post(created["actions"]["deactivate"], auth=deploy, json={})
    assert (answered.status_code, answered.json()["state"]) == (202, "deactivating")


def test_projects_link_to_their_keys(client: TestClient, deploy: Pair) -> None:
    project = client.get(PRODUCTION, auth=deploy).json()
    assert project["links"]["self"] == "http://testserver/v2-beta/projects/1a2"
    keys = client.get(project["links"]["apiKeys"], auth=deploy)
    assert keys.status_code == 200 and keys.json()["resourceType"] == "apiKey"


# -- collections
def test_collection_shape(client: TestClient, deploy: Pair) -> None:
    body = client.get(KEYS, auth=deploy, params={"name": "deploy"}).json()
    assert (body["type"], body["resourceType"]) == ("collection", "apiKey")
    assert body["links"] == {"self": "http://testserver" + KEYS}
    assert (body["createTypes"], body["actions"], body["createDefaults"]) == ({}, {}, {})
    assert [k["name"] for k in body["data"]] == ["deploy"]
    assert body["filters"]["name"] == [{"modifier": "eq", "value": "deploy"}]
    assert body["filters"]["state"] is None and "publicValue" in body["filters"]
    assert body["sortLinks"]["name"] == "http://testserver" + KEYS + "?name=deploy&sort=name"
    assert body["pagination"] == {
        "first": None,
        "previous": None,
        "next": None,
        "limit": 100,
        "total": None,
        "partial": False,
    }
    assert body["sort"] is None


def test_pages_follow_next_links(client: TestClient, deploy: Pair) -> None:
    for name in ("a", "b", "c"):
        create(client, deploy, name=name)
    seen: list[str] = []
    url: str | None = KEYS + "?limit=2"
    while url:
        page = client.get(url, auth=deploy).json()
        seen += [k["name"] for k in page["data"]]
        assert page["pagination"]["limit"] == 2
        url = page["pagination"]["next"]
        assert page["pagination"]["partial"] == (url is not None)
    assert seen == ["deploy", "a", "b", "c"]


def test_filters_on_name_and_state_and_sorting(client: TestClient, deploy: Pair) -> None:
    idle = create(client, deploy, name="idle")
    act(client, deploy, idle, "deactivate")
    create(client, deploy, name="busy")

    def names(**params: str) -> list[str]:
        response = client.get(KEYS, auth=deploy, params=params)
        assert response.status_code == 200, response.text
        return [k["name"] for k in response.json()["data"]]

    assert names(state="inactive") == ["idle"]
    assert names(state="active") == ["deploy", "busy"]
    assert names(name="busy") == ["busy"]
    assert names(state="bogus") == []
    assert names(name_prefix="b") == ["busy"]
    assert names(sort="name", order="desc") == ["idle", "deploy", "busy"]
    body = client.get(KEYS, auth=deploy, params={"sort": "name"}).json()
    assert body["sort"]["name"] == "name" and body["sort"]["order"] == "asc"
    assert body["sort"]["reverse"].endswith("?sort=name&order=desc")


def test_repeated_filters_must_all_hold(client: TestClient, deploy: Pair) -> None:
    for name in ("alpha", "beta", "alphabet"):
        create(client, deploy, name=name)

    def names(*params: tuple[str, str]) -> list[str]:
        response = client.get(KEYS, auth=deploy, params=list(params))
        assert response.status_code == 200, response.text
        return [k["name"] for k in response.json()["data"]]

    assert names(("name", "alpha"), ("name", "beta")) == []
    assert names(("name_prefix", "alpha"), ("name_ne", "alpha")) == ["alphabet"]
    assert names(("name_ne", "alpha"), ("name_ne", "beta"), ("name_ne", "deploy")) == ["alphabet"]
    body = client.get(KEYS, auth=deploy, params=[("name", "alpha"), ("name", "beta")]).json()
    assert body["filters"]["name"] == [
        {"modifier": "eq", "value": "alpha"},
        {"modifier": "eq", "value": "beta"},
    ]


def test_a_bad_limit_is_invalid_format(client: TestClient, deploy: Pair) -> None:
    assert_error(client.get(KEYS, auth=deploy, params={"limit": "ten"}), 400, "InvalidFormat")


# -- edit
def test_put_changes_name_and_description_only(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy, name="old")
    response = client.put(
        f"{KEYS}/{created['id']}",
        auth=deploy,
        json={
            "name": "new",
            "description": "d",
            "publicValue": "F" * 20,
            "secretValue": "s",
            "state": "inactive",
            "accountId": "1a3",
            "id": "1c999",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["description"]) == ("new", "d")
    assert (body["publicValue"], body["accountId"], body["id"], body["state"]) == (
        created["publicValue"],
        "1a2",
        created["id"],
        "active",
    )
    assert (
        client.put(f"{KEYS}/{created['id']}", auth=deploy, json={"name": None}).json()["name"]
        is None
    )


@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 1024)])
def test_too_long_is_max_length_exceeded(
    client: TestClient, deploy: Pair, field: str, limit: int
) -> None:
    created = create(client, deploy)
    url = f"{KEYS}/{created['id']}"
    assert client.put(url, auth=deploy, json={field: "x" * limit}).status_code == 200
    for response in (
        client.put(url, auth=deploy, json={field: "x" * (limit + 1)}),
        client.post(KEYS, auth=deploy, json={field: "x" * (limit + 1)}),
    ):
        body = assert_error(response, 422, "MaxLengthExceeded")
        assert body["fieldName"] == field and body["message"] is None
    # Java counts UTF-16 units: a character outside the BMP counts twice.
    emoji = "\U0001f600"
    fits = client.put(url, auth=deploy, json={field: emoji * (limit // 2)})
    assert fits.status_code == 200, fits.text
    too_long = client.put(url, auth=deploy, json={field: emoji * (limit // 2 + 1)})
    assert_error(too_long, 422, "MaxLengthExceeded")


# -- actions and delete
def test_actions_answer_202_with_the_transitioning_state(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    deactivated = act(client, deploy, created, "deactivate")
    assert deactivated.status_code == 202
    assert (deactivated.json()["state"], deactivated.json()["transitioning"]) == (
        "deactivating",
        "yes",
    )
    assert deactivated.json()["actions"] == {}
    inactive = client.get(f"{KEYS}/{created['id']}", auth=deploy).json()
    assert inactive["state"] == "inactive"
    assert sorted(inactive["actions"]) == ["activate", "remove", "update"]
    activated = act(client, deploy, created, "activate")
    assert (activated.status_code, activated.json()["state"]) == (202, "activating")
    assert sorted(activated.json()["actions"]) == ["deactivate"]


def test_illegal_and_unknown_actions_are_422(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    body = assert_error(act(client, deploy, created, "activate"), 422, "ActionNotAvailable")
    assert body["fieldName"] == "action"
    body = assert_error(act(client, deploy, created, "explode"), 422, "InvalidAction")
    assert body["fieldName"] == "action"
    act(client, deploy, created, "deactivate")
    assert_error(act(client, deploy, created, "deactivate"), 422, "ActionNotAvailable")


def test_post_to_a_key_without_an_action_is_405(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    response = client.post(f"{KEYS}/{created['id']}", auth=deploy, json={})
    assert_error(response, 405, "Method not allowed")
    assert "PUT" in response.headers["allow"]


@pytest.mark.parametrize("query", ["action=anything", "action=create", "action=", "action"])
def test_a_collection_action_is_invalid_action(
    client: TestClient, deploy: Pair, query: str
) -> None:
    before = len(client.get(KEYS, auth=deploy).json()["data"])
    response = client.post(f"{KEYS}?{query}", auth=deploy, json={"name": "x" * 300})
    body = assert_error(response, 422, "InvalidAction")
    assert (body["fieldName"], body["message"], body["detail"]) == ("action", None, None)
    assert_error(client.post(f"{KEYS}?{query}", auth=deploy, json={}), 422, "InvalidAction")
    assert len(client.get(KEYS, auth=deploy).json()["data"]) == before
    malformed = client.post(f"{KEYS}?{query}", auth=deploy, content=b"{")
    assert_error(malformed, 400, "InvalidBodyContent")
    assert_error(client.post(f"{STAGING_KEYS}?{query}", auth=deploy, json={}), 403, "Forbidden")
    assert client.post(f"{KEYS}?{query}", json={}).status_code == 401


def test_delete_only_an_inactive_key(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    url = f"{KEYS}/{created['id']}"
    assert_error(client.delete(url, auth=deploy), 405, "Method not allowed")
    act(client, deploy, created, "deactivate")
    deleted = client.delete(url, auth=deploy)
    assert (deleted.status_code, deleted.json()["state"]) == (200, "removing")
    listed = [k["id"] for k in client.get(KEYS, auth=deploy).json()["data"]]
    assert created["id"] not in listed
    removed = client.get(url, auth=deploy).json()
    assert (removed["state"], sorted(removed["actions"])) == ("removed", ["purge"])
    assert removed["removed"] is not None and isinstance(removed["removedTS"], int)
    assert client.delete(url, auth=deploy).json()["state"] == "removed"


# -- authentication
def test_no_credentials_get_a_basic_challenge(client: TestClient) -> None:
    response = client.get("/v2-beta/projects")
    body = assert_error(response, 401, "Unauthorized")
    assert body["message"] == "Unauthorized" and body["detail"] is None
    assert response.headers["www-authenticate"] == REALM
    quiet = client.get("/v2-beta/projects", headers={"X-API-No-Challenge": "true"})
    assert quiet.status_code == 401 and "www-authenticate" not in quiet.headers


@pytest.mark.parametrize(
    "authorization",
    ["Basic " + "bm90OmtleQ==", "Basic %%%", "Bearer abc", "Basic"],
)
def test_bad_credentials_are_401(client: TestClient, authorization: str) -> None:
    response = client.get("/v2-beta/projects", headers={"Authorization": authorization})
    assert_error(response, 401, "Unauthorized")
    assert response.headers["www-authenticate"] == REALM


def test_wrong_secret_is_401(client: TestClient, deploy: Pair) -> None:
    assert_error(
        client.get(PRODUCTION, auth=(deploy[0], deploy[1][:-1] + "Z")), 401, "Unauthorized"
    )


def test_deactivated_key_refused_reactivated_key_accepted(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    new = pair_of(created)
    assert client.get(KEYS, auth=new).status_code == 200
    act(client, deploy, created, "deactivate")
    assert_error(client.get(KEYS, auth=new), 401, "Unauthorized")
    act(client, deploy, created, "activate")
    assert client.get(KEYS, auth=new).status_code == 200


def test_a_key_can_deactivate_itself(client: TestClient, deploy: Pair) -> None:
    created = create(client, deploy)
    new = pair_of(created)
    assert act(client, new, created, "deactivate").status_code == 202
    assert_error(client.get(KEYS, auth=new), 401, "Unauthorized")


def test_who_answered_headers(client: TestClient, deploy: Pair, account: Pair) -> None:
    mine = client.get(KEYS, auth=deploy).headers
    assert (mine["x-api-account-id"], mine["x-api-user-id"]) == ("1a2", "1a2")
    admin = client.get(KEYS, auth=account).headers
    assert (admin["x-api-account-id"], admin["x-api-user-id"]) == ("1a2", "1a0")
    assert mine["content-type"] == "application/json; charset=utf-8"


# -- scoping
def test_an_environment_key_is_refused_other_projects(client: TestClient, deploy: Pair) -> None:
    assert_error(client.get(STAGING_KEYS, auth=deploy), 403, "Forbidden")
    assert_error(client.post(STAGING_KEYS, auth=deploy, json={}), 403, "Forbidden")
    assert_error(client.get(f"{STAGING_KEYS}/1c1", auth=deploy), 403, "Forbidden")
    assert_error(client.get("/v2-beta/projects/1a3", auth=deploy), 403, "Forbidden")
    assert_error(client.get("/v2-beta/projects/1a99", auth=deploy), 403, "Forbidden")
    projects = client.get("/v2-beta/projects", auth=deploy).json()["data"]
    assert [p["id"] for p in projects] == ["1a2"]


def test_another_environment_s_key_id_is_404(
    client: TestClient, deploy: Pair, account: Pair
) -> None:
    staging_key = create(client, account, STAGING_KEYS)
    assert staging_key["accountId"] == "1a3"
    assert_error(client.get(f"{KEYS}/{staging_key['id']}", auth=deploy), 404, "Not Found")
    assert_error(client.delete(f"{KEYS}/{staging_key['id']}", auth=deploy), 404, "Not Found")
    assert_error(act(client, deploy, staging_key, "deactivate"), 404, "Not Found")


def test_the_account_key_addresses_every_project(
    client: TestClient, account: Pair, runtime: Runtime
) -> None:
    projects = client.get("/v2-beta/projects", auth=account).json()["data"]
    assert [p["id"] for p in projects] == [
        f"1a{n}" for n in sorted(runtime.store.state.environments)
    ]
    assert client.get(STAGING_KEYS, auth=account).status_code == 200
    assert_error(client.get("/v2-beta/projects/1a99", auth=account), 404, "Not Found")
    assert_error(client.get("/v2-beta/projects/1a99/apikeys", auth=account), 403, "Forbidden")


@pytest.mark.parametrize(
    "path", ["/v2-beta/projects/zz/apikeys", "/v2-beta/projects/2a2/apikeys/1c1"]
)
def test_an_unparsable_project_in_the_path_is_400(
    client: TestClient, account: Pair, path: str
) -> None:
    assert_error(client.get(path, auth=account), 400, "InvalidFormat")


@pytest.mark.parametrize(
    "key_id", ["zz", "2c2", "1C2", "1c2x", "1c9223372036854775808", "1c" + "9" * 5000]
)
def test_an_unparsable_key_id_is_404(client: TestClient, deploy: Pair, key_id: str) -> None:
    assert_error(client.get(f"{KEYS}/{key_id}", auth=deploy), 404, "Not Found")


def test_unparsable_project_id_on_its_own_is_404(client: TestClient, account: Pair) -> None:
    assert_error(client.get("/v2-beta/projects/zz", auth=account), 404, "Not Found")


@pytest.mark.parametrize(
    "query",
    [
        "marker=m" + "9" * 5000,
        "id=1c" + "9" * 5000,
        "id_gt=1c" + "9" * 5000,
        "created_gt=" + "9" * 5000,
    ],
)
def test_numbers_past_java_s_long_match_nothing_and_break_nothing(
    client: TestClient, deploy: Pair, query: str
) -> None:
    response = client.get(f"{KEYS}?{query}", auth=deploy)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("limit", ["2147483648", "-2147483649", "9" * 30])
def test_a_limit_past_java_s_int_keeps_the_default(
    client: TestClient, deploy: Pair, limit: str
) -> None:
    response = client.get(f"{KEYS}?limit={limit}", auth=deploy)
    assert (response.status_code, response.json()["pagination"]["limit"]) == (200, 100)


def test_one_environment_store(client: TestClient, deploy: Pair, admin_key: str) -> None:
    """Renaming the Portainer environment renames the Rancher project."""
    response = client.put(
        "/api/endpoints/2", headers={"X-API-Key": admin_key}, json={"Name": "prod-eu"}
    )
    assert response.status_code == 200, response.text
    assert client.get(PRODUCTION, auth=deploy).json()["name"] == "prod-eu"


# -- bodies
@pytest.mark.parametrize("auth", [True, False])
def test_malformed_json_is_400_even_before_authentication(
    client: TestClient, deploy: Pair, auth: bool
) -> None:
    credentials = deploy if auth else None
    for response in (
        client.post(KEYS, auth=credentials, content=b"{name:"),
        client.put(f"{KEYS}/1c2", auth=credentials, content=b"\xff\xfe"),
        client.post(f"{KEYS}/1c2?action=deactivate", auth=credentials, content=b"[1,"),
    ):
        body = assert_error(response, 400, "InvalidBodyContent")
        assert body["message"] is None


def test_bodies_are_json_whatever_the_content_type(client: TestClient, deploy: Pair) -> None:
    response = client.post(
        KEYS, auth=deploy, content=b'{"name":"plain"}', headers={"Content-Type": "text/plain"}
    )
    assert (response.status_code, response.json()["name"]) == (201, "plain")


def test_too_deep_nesting_is_invalid_body_content(client: TestClient, deploy: Pair) -> None:
    deep = b'{"name": "x", "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for credentials in (deploy, None):
        assert_error(client.post(KEYS, auth=credentials, content=deep), 400, "InvalidBodyContent")


def test_a_lone_surrogate_is_stored_as_a_replacement_character(
    client: TestClient, deploy: Pair
) -> None:
    response = client.post(KEYS, auth=deploy, content=rb'{"name": "a\ud800b", "description": "ok"}')
    assert (response.status_code, response.json()["name"]) == (201, "a\ufffdb")
    key_id = response.json()["id"]
    response = client.put(f"{KEYS}/{key_id}", auth=deploy, content=rb'{"description": "\udfff"}')
    assert (response.status_code, response.json()["description"]) == (200, "\ufffd")
    assert client.get(KEYS, auth=deploy).status_code == 200
    assert client.get(f"{KEYS}/{key_id}", auth=deploy).status_code == 200


def test_a_non_object_body_is_refused(client: TestClient, deploy: Pair) -> None:
    assert_error(client.post(KEYS, auth=deploy, json=["x"]), 422, "InvalidFormat")


# -- secrets stay out of logs and the journal
def test_no_secret_in_logs(
    client: TestClient, deploy: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = create(client, deploy)
    client.get(KEYS, auth=pair_of(created))
    client.get(KEYS, auth=(created["publicValue"], "wrong-secret"))
    journal = client.get("/__mock__/requests").text
    for secret in (created["secretValue"], deploy[1], "wrong-secret"):
        assert secret not in caplog.text
        assert secret not in journal


# -- open mode
@pytest.fixture
def open_client() -> Iterator[TestClient]:
    config = MockConfig(
        seed=42, validate_responses=True, rate_limit=False, rancher_access_control=False
    )
    with TestClient(create_app(config), raise_server_exceptions=False) as test_client:
        yield test_client


def test_open_mode_acts_as_administrator_without_a_key(open_client: TestClient) -> None:
    projects = open_client.get("/v2-beta/projects")
    assert projects.status_code == 200 and len(projects.json()["data"]) > 1
    assert projects.headers["x-api-account-id"] == "1a0"
    created = open_client.post(STAGING_KEYS, json={"name": "anon"})
    assert (created.status_code, created.json()["accountId"]) == (201, "1a3")


def test_open_mode_falls_back_to_administrator_for_a_bad_key(open_client: TestClient) -> None:
    assert open_client.get(STAGING_KEYS, auth=("0" * 20, "nope")).status_code == 200


def test_open_mode_still_confines_a_valid_key(open_client: TestClient, deploy: Pair) -> None:
    assert open_client.get(KEYS, auth=deploy).status_code == 200
    assert_error(open_client.get(STAGING_KEYS, auth=deploy), 403, "Forbidden")
    projects = open_client.get("/v2-beta/projects", auth=deploy).json()["data"]
    assert [p["id"] for p in projects] == ["1a2"]


def test_open_mode_honours_enforce_authentication(open_client: TestClient) -> None:
    response = open_client.get("/v2-beta/projects", headers={"X-ENFORCE-AUTHENTICATION": "true"})
    assert_error(response, 401, "Unauthorized")


# -- discovery, the unscoped route and /v1
def test_x_api_schemas_is_on_every_answer_errors_included(client: TestClient, deploy: Pair) -> None:
    scoped = "http://testserver/v2-beta/projects/1a2/schemas"
    assert client.get(KEYS, auth=deploy).headers["x-api-schemas"] == scoped
    assert client.get(KEYS).headers["x-api-schemas"] == scoped  # 401
    malformed = client.post(KEYS, content=b"{bad")
    assert malformed.status_code == 400 and malformed.headers["x-api-schemas"] == scoped
    root = client.get("/v2-beta", auth=deploy)
    assert root.headers["x-api-schemas"] == "http://testserver/v2-beta/schemas"
    assert root.headers["x-api-account-name"] == "production"


def test_unscoped_keys_take_the_project_from_the_header_or_the_query(
    client: TestClient, account: Pair, deploy: Pair
) -> None:
    def ids(**kwargs: Any) -> list[str]:
        answer = client.get("/v2-beta/apikeys", auth=account, **kwargs)
        assert answer.status_code == 200, answer.text
        return [k["accountId"] for k in answer.json()["data"]]

    assert set(ids()) == {"1a0", "1a2"}  # the administrator account, as itself, sees every key
    assert set(ids(params={"accountId": "1a0"})) == {"1a0"}  # its own: the account keys
    assert set(ids(headers={"X-API-Project-Id": "1a2"})) == {"1a2"}
    acting = client.get("/v2-beta/apikeys", auth=account, headers={"X-API-Project-Id": "1a2"})
    assert (acting.headers["x-api-account-id"], acting.headers["x-api-user-id"]) == ("1a2", "1a0")
    # Kind and name are the authenticated account's (ApiAuthenticator.saveInContext).
    assert (acting.headers["x-api-account-kind"], acting.headers["x-api-account-name"]) == (
        "admin",
        "admin",
    )
    assert set(ids(params={"projectId": "1a2"})) == {"1a2"}
    assert set(ids(headers={"X-API-Project-Id": "1a2"}, params={"projectId": "1a3"})) == {"1a2"}
    own = client.get("/v2-beta/apikeys", auth=deploy).json()["data"]
    assert {k["accountId"] for k in own} == {"1a2"}
    refused = client.get("/v2-beta/apikeys", auth=deploy, headers={"X-API-Project-Id": "1a3"})
    assert refused.status_code == 403


def test_v1_is_an_alias_with_v1_links(client: TestClient, deploy: Pair) -> None:
    answer = client.get("/v1/projects/1a2/apikeys", auth=deploy)
    assert answer.status_code == 200
    assert answer.json()["links"]["self"] == "http://testserver/v1/projects/1a2/apikeys"
    assert answer.json()["data"][0]["links"]["self"].startswith(
        "http://testserver/v1/projects/1a2/"
    )
    assert answer.headers["x-api-schemas"] == "http://testserver/v1/projects/1a2/schemas"
    root = client.get("/v1", auth=deploy).json()
    assert root["id"] == "v1" and root["links"]["apiKeys"] == "http://testserver/v1/apikeys"
