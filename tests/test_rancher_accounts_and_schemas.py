"""Rancher rules added for clients: the acting account, account keys, settle time and 409, and
the schemas generated from the contract. Plain Python, no server."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import spec
from mockserver.errors import RancherError
from mockserver.rancher import auth, schemas
from mockserver.rancher.backend import PROCESSES, Caller, RancherBackend, anonymous_admin
from mockserver.rancher.links import Links, schemas_url
from mockserver.seed import build, load_scenario
from mockserver.state import Store

PRODUCTION, STAGING = "1a2", "1a3"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def seeded() -> Any:
    return build(42, load_scenario(None))


def backend_of(seeded: Any, clock: Clock, settle: float = 0.0) -> RancherBackend:
    return RancherBackend(Store(seeded.state, clock=clock), settle)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def backend(seeded: Any, clock: Clock) -> RancherBackend:
    return backend_of(seeded, clock)


@pytest.fixture
def admin(backend: RancherBackend) -> Caller:
    return anonymous_admin(backend.admin_account)


@pytest.fixture
def env_key(backend: RancherBackend, seeded: Any) -> Caller:
    key = seeded.rancher_keys[0]
    return auth.authenticate(backend, key.access_key, key.secret_key)


def status(call: Any, *args: Any) -> tuple[int, str]:
    with pytest.raises(RancherError) as raised:
        call(*args)
    return raised.value.status_code, raised.value.body()["code"]


# -- the acting account (Cattle's getAccountRequested)
def test_no_project_named_acts_as_the_callers_own_account(
    backend: RancherBackend, admin: Caller, env_key: Caller
) -> None:
    assert backend.acting_account(admin, None) == "1a0"
    assert backend.acting_account(env_key, None) == PRODUCTION
    assert backend.acting_account(env_key, "") == PRODUCTION


def test_a_named_project_is_checked(
    backend: RancherBackend, admin: Caller, env_key: Caller
) -> None:
    assert backend.acting_account(admin, STAGING) == STAGING
    assert backend.acting_account(env_key, PRODUCTION) == PRODUCTION
    assert status(backend.acting_account, env_key, STAGING) == (403, "Forbidden")
    assert status(backend.acting_account, admin, "1a999") == (403, "Forbidden")
    assert status(backend.acting_account, admin, "x") == (400, "InvalidFormat")


def test_account_keys_are_the_admin_accounts_own(backend: RancherBackend, admin: Caller) -> None:
    mine = [("accountId", "1a0")]
    assert [k.account_id for k in backend.list_keys(admin, None, mine).items] == ["1a0"]
    key, _ = backend.create_key(admin, None, {"name": "account cli"})
    assert key.account_id == "1a0"
    assert [k.name for k in backend.list_keys(admin, None, mine).items][-1] == "account cli"
    assert key.id not in [k.id for k in backend.list_keys(admin, PRODUCTION, []).items]


def test_the_admin_account_as_itself_sees_every_accounts_keys(
    backend: RancherBackend, admin: Caller, env_key: Caller
) -> None:
    everyone = {k.account_id for k in backend.list_keys(admin, None, []).items}
    assert everyone == {"1a0", PRODUCTION}
    production_key = f"1c{backend.list_keys(admin, PRODUCTION, []).items[0].id}"
    assert backend.get_key(admin, None, production_key).account_id == PRODUCTION
    # Acting in a project, it sees that project's keys only (Cattle: the project's policy).
    assert status(backend.get_key, admin, PRODUCTION, "1c1") == (404, "Not Found")
    # An environment key never sees beyond its environment.
    assert {k.account_id for k in backend.list_keys(env_key, None, []).items} == {PRODUCTION}


def test_an_account_key_may_name_the_keys_account(backend: RancherBackend, admin: Caller) -> None:
    key, _ = backend.create_key(admin, None, {"accountId": STAGING})
    assert key.account_id == STAGING
    assert status(backend.create_key, admin, None, {"accountId": "1a999"}) == (
        422,
        "InvalidReference",
    )


def test_an_environment_key_cannot_name_another_account(
    backend: RancherBackend, env_key: Caller
) -> None:
    key, _ = backend.create_key(env_key, None, {"accountId": STAGING})
    assert key.account_id == PRODUCTION


def test_account_name_is_admin_or_the_environments(backend: RancherBackend) -> None:
    assert backend.account_name("1a0") == "admin"
    assert backend.account_name(PRODUCTION) == "production"


# -- settle time and Cattle's 409
def test_with_a_settle_time_a_process_runs_that_long(seeded: Any, clock: Clock) -> None:
    backend = backend_of(seeded, clock, settle=2.0)
    admin = anonymous_admin(backend.admin_account)
    key, _ = backend.create_key(admin, PRODUCTION, {})
    rid = f"1c{key.id}"
    assert backend.get_key(admin, PRODUCTION, rid).state == "registering"
    # A second process while the first runs is 409 Conflict.
    assert status(backend.run_action, admin, PRODUCTION, rid, "deactivate") == (409, "Conflict")
    assert status(backend.delete_key, admin, PRODUCTION, rid) == (409, "Conflict")
    clock.now += 2.0
    assert backend.get_key(admin, PRODUCTION, rid).state == "active"
    assert backend.run_action(admin, PRODUCTION, rid, "deactivate").state == "deactivating"


def test_without_a_settle_time_the_next_request_settles(backend: RancherBackend) -> None:
    admin = anonymous_admin(backend.admin_account)
    key, _ = backend.create_key(admin, PRODUCTION, {})
    rid = f"1c{key.id}"
    assert backend.run_action(admin, PRODUCTION, rid, "deactivate").state == "deactivating"


# -- schemas generated from the contract
def test_every_rancher_component_with_the_extension_is_a_type() -> None:
    components = spec.contract()["components"]["schemas"]
    wanted = {c["x-rancher-schema"]["id"] for c in components.values() if "x-rancher-schema" in c}
    assert {t.id for t in schemas.catalogue("project")} == wanted
    assert {"apiKey", "project", "schema"} <= wanted


def test_api_key_schema_follows_the_contract_and_the_rules() -> None:
    api_key = schemas.find("project", "apikeys")
    assert api_key is not None and api_key.listable
    doc = api_key.document
    assert doc["collectionMethods"] == ["GET", "POST"]
    assert doc["resourceMethods"] == ["GET", "PUT", "DELETE"]
    assert set(doc["resourceActions"]) == set(PROCESSES)
    assert doc["resourceActions"]["deactivate"] == {"output": "credential"}
    fields = doc["resourceFields"]
    assert fields["name"] == {
        "type": "string",
        "create": True,
        "update": True,
        "nullable": True,
        "required": False,
        "unique": False,
        "maxLength": 255,
    }
    assert fields["description"]["maxLength"] == 1024
    assert fields["secretValue"]["type"] == "password"
    assert fields["created"]["type"] == "date"
    assert fields["state"]["type"] == "enum" and "active" in fields["state"]["options"]
    assert "createdTS" not in fields and "links" not in fields
    assert doc["collectionFilters"]["name"]["modifiers"][:2] == ["eq", "ne"]


def test_schemas_are_filtered_by_role() -> None:
    project = schemas.find("project", "apiKey")
    admin = schemas.find("admin", "apiKey")
    assert project is not None and admin is not None
    assert project.document["resourceFields"]["accountId"]["create"] is False
    assert admin.document["resourceFields"]["accountId"]["create"] is True
    # Cattle's admin role may choose a key's values on create; an environment's may not.
    for field in ("publicValue", "secretValue"):
        assert admin.document["resourceFields"][field]["create"] is True
        assert project.document["resourceFields"][field]["create"] is False
        assert admin.document["resourceFields"][field]["maxLength"] == 4096


def test_links_carry_the_sub_context_where_the_type_has_one() -> None:
    links = Links(
        base="http://H:9000", path="/v2-beta/projects/1a2/schemas", sub_context="/projects/1a2"
    )
    by_id = {s["id"]: s for s in schemas.schemas_view("project", links)["data"]}
    assert by_id["apiKey"]["links"] == {
        "self": "http://h:9000/v2-beta/projects/1a2/schemas/apikey",
        "collection": "http://h:9000/v2-beta/projects/1a2/apikeys",
    }
    assert by_id["project"]["links"]["collection"] == "http://h:9000/v2-beta/projects"
    assert "collection" not in by_id["error"]["links"]


@pytest.mark.parametrize(
    ("path", "version", "expected"),
    [
        ("/v2-beta/projects/1a2/apikeys", "v2-beta", "http://h/v2-beta/projects/1a2/schemas"),
        ("/v2-beta/projects/1a2", "v2-beta", "http://h/v2-beta/schemas"),
        ("/v2-beta/apikeys", "v2-beta", "http://h/v2-beta/schemas"),
        ("/v2-beta/projects/1a2/schemas", "v1", "http://h/v1/projects/1a2/schemas"),
        ("/v2-beta", "v2-beta", "http://h/v2-beta/schemas"),
    ],
)
def test_schemas_header_follows_the_path(path: str, version: str, expected: str) -> None:
    assert schemas_url("http://H", path, version) == expected
