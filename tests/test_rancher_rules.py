"""Rancher's rules without a server: the key state machine, scoping, Basic auth and listing."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from mockserver import secrets
from mockserver.errors import RancherError
from mockserver.rancher import auth
from mockserver.rancher.backend import (
    PROCESSES,
    STATES,
    TRANSITIONING_STATES,
    Caller,
    RancherBackend,
    actions_for,
    anonymous_admin,
    parse_id,
)
from mockserver.rancher.listing import MAX_LIMIT, parse_limit, parse_marker
from mockserver.seed import build, load_scenario
from mockserver.state import Environment, RancherKey, Store

PRODUCTION = "1a2"  # the seeded environment with a key ("deploy")
STAGING = "1a3"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def seeded() -> Any:
    return build(42, load_scenario(None))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def backend(seeded: Any, clock: Clock) -> RancherBackend:
    return RancherBackend(Store(seeded.state, clock=clock))


@pytest.fixture
def admin(backend: RancherBackend) -> Caller:
    return anonymous_admin(backend.admin_account)


@pytest.fixture
def env_key(backend: RancherBackend, seeded: Any) -> Caller:
    """The seeded key of `production`, authenticated."""
    key = seeded.rancher_keys[0]
    return auth.authenticate(backend, key.access_key, key.secret_key)


def error_of(call: Any, *args: Any) -> RancherError:
    with pytest.raises(RancherError) as caught:
        call(*args)
    return caught.value


def code(call: Any, *args: Any) -> tuple[int, str]:
    error = error_of(call, *args)
    return error.status_code, error.code


def new_key(backend: RancherBackend, caller: Caller, project: str = PRODUCTION) -> RancherKey:
    key, _ = backend.create_key(caller, project, {"name": "ci"})
    return key


def settled(backend: RancherBackend, caller: Caller, key: RancherKey) -> RancherKey:
    return backend.get_key(caller, key.account_id, f"1c{key.id}")


def in_state(backend: RancherBackend, caller: Caller, wanted: str) -> RancherKey:
    """A key of production brought to `wanted` (settled) through the public rules."""
    key = new_key(backend, caller)
    kid = f"1c{key.id}"
    if wanted in ("inactive", "removed", "purged"):
        backend.run_action(caller, PRODUCTION, kid, "deactivate")
    if wanted in ("removed", "purged"):
        backend.run_action(caller, PRODUCTION, kid, "remove")
    if wanted == "purged":
        backend.run_action(caller, PRODUCTION, kid, "purge")
    found = backend.get_key(caller, PRODUCTION, kid)
    assert found.state == wanted
    return found


# -- the state machine as data (reference 2.1 and 2.2)
ACTIONS_BY_STATE = {
    "requested": ["create", "deactivate", "remove"],
    "registering": ["activate", "deactivate", "remove"],
    "activating": ["deactivate"],
    "active": ["deactivate", "update"],
    "deactivating": [],
    "removing": [],
    "purging": [],
    "purged": [],
    "inactive": ["activate", "remove", "update"],
    "updating-active": ["deactivate", "remove"],
    "updating-inactive": ["deactivate", "remove"],
    "removed": ["purge"],
}


@pytest.mark.parametrize("state", STATES)
def test_actions_listed_are_those_valid_in_the_state(state: str) -> None:
    assert sorted(actions_for(state)) == sorted(ACTIONS_BY_STATE[state])


def test_twelve_states_and_which_are_transitioning() -> None:
    assert set(STATES) == set(ACTIONS_BY_STATE)
    assert {
        "registering",
        "activating",
        "deactivating",
        "removing",
        "purging",
        "updating-active",
        "updating-inactive",
    } == TRANSITIONING_STATES
    assert "restore" not in PROCESSES


# -- create, and the secret shown once
def test_create_answers_registering_with_a_fresh_pair(
    backend: RancherBackend, admin: Caller
) -> None:
    key, secret = backend.create_key(admin, PRODUCTION, {"name": "ci", "description": "pipeline"})
    assert (key.state, key.settles_to) == ("registering", "active")
    assert (key.account_id, key.name, key.description) == (PRODUCTION, "ci", "pipeline")
    assert re.fullmatch(r"[0-9A-F]{20}", key.public_value)
    assert re.fullmatch(r"[A-HJ-NP-Za-km-z1-9]{40}", secret)
    assert key.secret_hash == secrets.secret_digest(secret)


def test_only_a_hash_of_the_secret_is_stored(backend: RancherBackend, admin: Caller) -> None:
    key, secret = backend.create_key(admin, PRODUCTION, {})
    stored = backend.store.state.rancher_keys[key.id]
    assert secret not in repr(dataclasses.asdict(stored))
    assert secret not in repr(backend.store.snapshot())


def test_create_ignores_everything_but_name_and_description(
    backend: RancherBackend, env_key: Caller
) -> None:
    fields = {
        "publicValue": "0" * 20,
        "secretValue": "x",
        "accountId": STAGING,
        "state": "inactive",
    }
    key, _ = backend.create_key(env_key, PRODUCTION, fields)
    assert key.public_value != "0" * 20
    assert (key.account_id, key.state, key.name, key.description) == (
        PRODUCTION,
        "registering",
        None,
        None,
    )


def test_pairs_are_unique(backend: RancherBackend, admin: Caller) -> None:
    pairs = [backend.create_key(admin, PRODUCTION, {}) for _ in range(20)]
    assert len({k.public_value for k, _ in pairs}) == 20
    assert len({s for _, s in pairs}) == 20


# -- settling on the next request
def test_a_new_key_settles_active_on_the_next_read(backend: RancherBackend, admin: Caller) -> None:
    key = new_key(backend, admin)
    again = settled(backend, admin, key)
    assert (again.state, again.settles_to) == ("active", None)


def test_transitions_settle_at_the_next_touch_not_before(
    backend: RancherBackend, admin: Caller
) -> None:
    key = in_state(backend, admin, "active")
    answered = backend.run_action(admin, PRODUCTION, f"1c{key.id}", "deactivate")
    assert answered.state == "deactivating"
    assert backend.store.state.rancher_keys[key.id].state == "deactivating"  # nothing touched it
    assert settled(backend, admin, key).state == "inactive"


@pytest.mark.parametrize(
    ("start", "action", "via", "end"),
    [
        ("active", "deactivate", "deactivating", "inactive"),
        ("inactive", "activate", "activating", "active"),
        ("inactive", "remove", "removing", "removed"),
        ("removed", "purge", "purging", "purged"),
        ("active", "update", "updating-active", "active"),
        ("inactive", "update", "updating-inactive", "inactive"),
    ],
)
def test_actions_go_through_their_transitioning_state(
    backend: RancherBackend, admin: Caller, start: str, action: str, via: str, end: str
) -> None:
    key = in_state(backend, admin, start)
    answered = backend.run_action(admin, PRODUCTION, f"1c{key.id}", action)
    assert answered.state == via
    assert settled(backend, admin, key).state == end


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("active", "activate"),
        ("active", "remove"),
        ("active", "purge"),
        ("active", "create"),
        ("inactive", "deactivate"),
        ("inactive", "purge"),
        ("removed", "activate"),
        ("removed", "remove"),
        ("purged", "purge"),
    ],
)
def test_an_action_not_valid_now_is_action_not_available(
    backend: RancherBackend, admin: Caller, state: str, action: str
) -> None:
    key = in_state(backend, admin, state)
    error = error_of(backend.run_action, admin, PRODUCTION, f"1c{key.id}", action)
    assert (error.status_code, error.code, error.field_name) == (
        422,
        "ActionNotAvailable",
        "action",
    )
    assert settled(backend, admin, key).state == state


@pytest.mark.parametrize("action", ["bogus", "Deactivate", "restore", ""])
def test_an_unknown_action_is_invalid_action(
    backend: RancherBackend, admin: Caller, action: str
) -> None:
    key = in_state(backend, admin, "active")
    error = error_of(backend.run_action, admin, PRODUCTION, f"1c{key.id}", action)
    assert (error.status_code, error.code, error.field_name) == (422, "InvalidAction", "action")


def test_invalid_action_comes_before_not_found(backend: RancherBackend, admin: Caller) -> None:
    assert code(backend.run_action, admin, PRODUCTION, "1c999", "bogus") == (422, "InvalidAction")
    assert code(backend.run_action, admin, PRODUCTION, "1c999", "activate") == (404, "Not Found")


@pytest.mark.parametrize("action", ["anything", "create", "activate", ""])
def test_a_collection_action_is_invalid_action_and_creates_nothing(
    backend: RancherBackend, admin: Caller, action: str
) -> None:
    before = len(backend.list_keys(admin, PRODUCTION, [("_removed", "")]).items)
    error = error_of(backend.create_key, admin, PRODUCTION, {"name": "x" * 300}, action)
    assert (error.status_code, error.code, error.field_name) == (422, "InvalidAction", "action")
    assert len(backend.list_keys(admin, PRODUCTION, [("_removed", "")]).items) == before


def test_another_project_is_refused_before_a_collection_action(
    backend: RancherBackend, env_key: Caller
) -> None:
    assert code(backend.create_key, env_key, STAGING, {}, "anything") == (403, "Forbidden")


def test_removed_key_gets_its_removed_time_when_it_settles(
    backend: RancherBackend, admin: Caller, clock: Clock
) -> None:
    key = in_state(backend, admin, "inactive")
    backend.delete_key(admin, PRODUCTION, f"1c{key.id}")
    assert backend.store.state.rancher_keys[key.id].removed is None  # still removing
    clock.now += 5
    assert settled(backend, admin, key).removed == int(clock.now * 1000)


# -- DELETE
def test_delete_of_an_active_key_is_405(backend: RancherBackend, admin: Caller) -> None:
    key = in_state(backend, admin, "active")
    assert code(backend.delete_key, admin, PRODUCTION, f"1c{key.id}") == (405, "Method not allowed")
    assert settled(backend, admin, key).state == "active"


def test_delete_of_an_inactive_key_removes_it(backend: RancherBackend, admin: Caller) -> None:
    key = in_state(backend, admin, "inactive")
    answered = backend.delete_key(admin, PRODUCTION, f"1c{key.id}")
    assert answered.state == "removing"
    assert settled(backend, admin, key).state == "removed"


def test_delete_right_after_create_meets_the_settled_active_key(
    backend: RancherBackend, admin: Caller
) -> None:
    """registering may be removed, but the key has settled active by the next request."""
    key = new_key(backend, admin)
    assert code(backend.delete_key, admin, PRODUCTION, f"1c{key.id}")[0] == 405


def test_delete_again_answers_the_removed_key_unchanged(
    backend: RancherBackend, admin: Caller
) -> None:
    key = in_state(backend, admin, "removed")
    assert backend.delete_key(admin, PRODUCTION, f"1c{key.id}").state == "removed"


def test_delete_of_a_purged_key_is_405(backend: RancherBackend, admin: Caller) -> None:
    key = in_state(backend, admin, "purged")
    assert code(backend.delete_key, admin, PRODUCTION, f"1c{key.id}")[0] == 405


# -- PUT
def test_update_changes_name_and_description_only(backend: RancherBackend, admin: Caller) -> None:
    key = in_state(backend, admin, "inactive")
    changed = backend.update_key(
        admin,
        PRODUCTION,
        f"1c{key.id}",
        {"name": "renamed", "publicValue": "F" * 20, "state": "active", "accountId": STAGING},
    )
    assert (changed.name, changed.description) == ("renamed", None)
    assert (changed.public_value, changed.state, changed.account_id) == (
        key.public_value,
        "inactive",
        PRODUCTION,
    )
    cleared = backend.update_key(admin, PRODUCTION, f"1c{key.id}", {"name": None})
    assert cleared.name is None


@pytest.mark.parametrize(("field", "limit"), [("name", 255), ("description", 1024)])
def test_lengths_are_rancher_s(
    backend: RancherBackend, admin: Caller, field: str, limit: int
) -> None:
    key = in_state(backend, admin, "active")
    kid = f"1c{key.id}"
    assert getattr(backend.update_key(admin, PRODUCTION, kid, {field: "x" * limit}), field)
    error = error_of(backend.update_key, admin, PRODUCTION, kid, {field: "x" * (limit + 1)})
    assert (error.status_code, error.code, error.field_name) == (422, "MaxLengthExceeded", field)
    error = error_of(backend.create_key, admin, PRODUCTION, {field: "x" * (limit + 1)})
    assert (error.status_code, error.code, error.field_name) == (422, "MaxLengthExceeded", field)


def test_scalar_names_become_text_as_in_rancher(backend: RancherBackend, admin: Caller) -> None:
    key, _ = backend.create_key(admin, PRODUCTION, {"name": 123, "description": True})
    assert (key.name, key.description) == ("123", "true")
    assert code(backend.create_key, admin, PRODUCTION, {"name": {"a": 1}}) == (422, "InvalidFormat")


# -- ids
@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1c3", 3),
        ("1a3", 3),  # the type letter is not checked
        ("1c03", 3),
        ("1c!3", 3),
        ("1ab12", 12),
        ("2c3", None),
        ("1C3", None),
        ("1c3x", None),
        ("c3", None),
        ("13", None),
        ("1c", None),
        ("", None),
    ],
)
def test_ids_parse_as_gdapi_s_formatter(text: str, number: int | None) -> None:
    assert parse_id(text) == number


# -- scoping
def test_an_environment_key_is_confined_to_its_project(
    backend: RancherBackend, env_key: Caller
) -> None:
    assert env_key.account_id == PRODUCTION and not env_key.admin
    assert code(backend.list_keys, env_key, STAGING, []) == (403, "Forbidden")
    assert code(backend.create_key, env_key, STAGING, {}) == (403, "Forbidden")
    assert code(backend.get_key, env_key, STAGING, "1c2") == (403, "Forbidden")
    assert code(backend.get_project, env_key, STAGING) == (403, "Forbidden")
    assert backend.get_project(env_key, PRODUCTION).name == "production"


def test_another_environment_s_key_id_is_not_found(
    backend: RancherBackend, admin: Caller, env_key: Caller
) -> None:
    other = new_key(backend, admin, STAGING)
    assert code(backend.get_key, env_key, PRODUCTION, f"1c{other.id}") == (404, "Not Found")
    assert code(backend.delete_key, admin, PRODUCTION, f"1c{other.id}") == (404, "Not Found")
    admin_key = f"1c{next(iter(backend.store.state.rancher_keys))}"  # the account key
    assert code(backend.get_key, env_key, PRODUCTION, admin_key) == (404, "Not Found")


def test_an_account_key_may_address_any_project(backend: RancherBackend, admin: Caller) -> None:
    key = new_key(backend, admin, STAGING)
    assert key.account_id == STAGING
    assert [k.id for k in backend.list_keys(admin, STAGING, []).items] == [key.id]


@pytest.mark.parametrize("who", ["admin", "env_key"])
def test_unknown_and_unparsable_projects(
    backend: RancherBackend, who: str, request: pytest.FixtureRequest
) -> None:
    caller = request.getfixturevalue(who)
    assert code(backend.list_keys, caller, "1a99", []) == (403, "Forbidden")
    assert code(backend.list_keys, caller, "xyz", []) == (400, "InvalidFormat")
    assert code(backend.get_project, caller, "xyz") == (404, "Not Found")
    wanted = (404, "Not Found") if who == "admin" else (403, "Forbidden")
    assert code(backend.get_project, caller, "1a99") == wanted


def test_projects_are_the_portainer_environments(
    backend: RancherBackend, admin: Caller, env_key: Caller
) -> None:
    environments = backend.store.state.environments
    listed = backend.list_projects(admin, []).items
    assert [e.id for e in listed] == sorted(environments)
    assert [e.id for e in backend.list_projects(env_key, []).items] == [2]
    environments[2] = dataclasses.replace(environments[2], name="prod-renamed")
    assert backend.get_project(env_key, PRODUCTION).name == "prod-renamed"


# -- authentication
def test_only_an_active_key_with_its_secret_authenticates(
    backend: RancherBackend, seeded: Any, admin: Caller
) -> None:
    account = seeded.rancher_admin
    caller = auth.authenticate(backend, account.access_key, account.secret_key)
    assert caller.admin and caller.account_id == "1a0"
    assert code(auth.authenticate, backend, account.access_key, account.secret_key + "x") == (
        401,
        "Unauthorized",
    )
    assert code(auth.authenticate, backend, "0" * 20, account.secret_key)[0] == 401
    assert code(auth.authenticate, backend, "", "")[0] == 401


def test_a_new_key_authenticates_once_it_settled(backend: RancherBackend, admin: Caller) -> None:
    key, secret = backend.create_key(admin, PRODUCTION, {})
    caller = auth.authenticate(backend, key.public_value, secret)
    assert (caller.account_id, caller.admin, caller.key_id) == (PRODUCTION, False, key.id)


def test_deactivated_key_refused_and_reactivated_key_accepted(
    backend: RancherBackend, admin: Caller
) -> None:
    key, secret = backend.create_key(admin, PRODUCTION, {})
    kid = f"1c{key.id}"
    auth.authenticate(backend, key.public_value, secret)
    backend.run_action(admin, PRODUCTION, kid, "deactivate")
    assert code(auth.authenticate, backend, key.public_value, secret)[0] == 401
    backend.run_action(admin, PRODUCTION, kid, "activate")
    assert auth.authenticate(backend, key.public_value, secret).key_id == key.id
    backend.run_action(admin, PRODUCTION, kid, "deactivate")
    backend.delete_key(admin, PRODUCTION, kid)
    assert code(auth.authenticate, backend, key.public_value, secret)[0] == 401


def test_a_key_of_a_vanished_environment_is_refused(backend: RancherBackend, seeded: Any) -> None:
    key = seeded.rancher_keys[0]
    del backend.store.state.environments[2]
    assert code(auth.authenticate, backend, key.access_key, key.secret_key)[0] == 401


def test_secrets_are_compared_in_constant_time(
    backend: RancherBackend, seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[str, str]] = []
    real = secrets.same

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(secrets, "same", spy)
    key = seeded.rancher_keys[0]
    auth.authenticate(backend, key.access_key, key.secret_key)
    with pytest.raises(RancherError):
        auth.authenticate(backend, "0" * 20, "whatever")  # unknown: compared all the same
    assert len(compared) == 2
    assert all(len(a) == len(b) == 64 for a, b in compared)  # digests, never the secret itself


def test_open_mode_caller_is_the_administrator_unless_enforced(backend: RancherBackend) -> None:
    caller = auth.caller_of({}, backend, {})
    assert caller.admin and caller.key_id is None
    error = error_of(auth.caller_of, {}, backend, {"x-enforce-authentication": "true"})
    assert error.status_code == 401


# -- listing
def test_list_hides_removed_keys_unless_asked(backend: RancherBackend, admin: Caller) -> None:
    gone = in_state(backend, admin, "removed")
    kept = new_key(backend, admin)
    listed = [k.id for k in backend.list_keys(admin, PRODUCTION, []).items]
    assert gone.id not in listed and kept.id in listed
    with_removed = backend.list_keys(admin, PRODUCTION, [("_removed", "")]).items
    assert gone.id in [k.id for k in with_removed]


def _names(backend: RancherBackend, caller: Caller, *params: tuple[str, str]) -> list[Any]:
    return [k.name for k in backend.list_keys(caller, STAGING, list(params)).items]


@pytest.fixture
def named(backend: RancherBackend, admin: Caller) -> RancherBackend:
    """Staging holds keys named alpha, beta, alphabet and one without a name; beta inactive."""
    for name in ("alpha", "beta", "alphabet", None):
        backend.create_key(admin, STAGING, {"name": name})
    beta = backend.list_keys(admin, STAGING, [("name", "beta")]).items[0]
    backend.run_action(admin, STAGING, f"1c{beta.id}", "deactivate")
    return backend


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ([], ["alpha", "beta", "alphabet", None]),
        ([("name", "alpha")], ["alpha"]),
        # Cattle ANDs every value of a repeated filter (listToCondition), so these conflict
        ([("name", "alpha"), ("name", "beta")], []),
        ([("name", "alpha"), ("name", "alpha")], ["alpha"]),
        ([("name_ne", "alpha"), ("name_ne", "beta")], ["alphabet"]),
        ([("name_like", "alpha%"), ("name_like", "%bet")], ["alphabet"]),
        # different modifiers of one field: all of them must hold too
        ([("name_prefix", "alpha"), ("name_ne", "alpha")], ["alphabet"]),
        ([("name_notlike", "beta"), ("name_notnull", "")], ["alpha", "alphabet"]),
        ([("name_ne", "alpha")], ["beta", "alphabet"]),
        ([("name_prefix", "alpha")], ["alpha", "alphabet"]),
        ([("name_like", "%ph_")], ["alpha"]),
        ([("name_notlike", "alpha%")], ["beta"]),
        ([("name_null", "")], [None]),
        ([("name_notnull", "")], ["alpha", "beta", "alphabet"]),
        ([("state", "inactive")], ["beta"]),
        ([("state_ne", "inactive"), ("name_prefix", "al")], ["alpha", "alphabet"]),
        ([("state", "bogus")], []),
        ([("state_prefix", "in")], ["alpha", "beta", "alphabet", None]),  # not for enums
        ([("colour", "red"), ("name_sounds", "x")], ["alpha", "beta", "alphabet", None]),
        ([("sort", "name")], [None, "alpha", "alphabet", "beta"]),
        ([("sort", "name"), ("order", "desc")], ["beta", "alphabet", "alpha", None]),
        ([("sort", "colour"), ("order", "desc")], ["alpha", "beta", "alphabet", None]),
    ],
)
def test_filters_and_sorting(
    named: RancherBackend, admin: Caller, params: list[tuple[str, str]], names: list[Any]
) -> None:
    assert _names(named, admin, *params) == names


def test_id_and_date_filters(named: RancherBackend, admin: Caller) -> None:
    ids = [k.id for k in named.list_keys(admin, STAGING, []).items]
    assert _names(named, admin, ("id_gt", f"1c{ids[1]}")) == ["alphabet", None]
    assert _names(named, admin, ("id", "nonsense")) == []
    assert _names(named, admin, ("created_gte", "2027-01-15T08:00:00Z")) == [
        "alpha",
        "beta",
        "alphabet",
        None,
    ]
    assert _names(named, admin, ("created_lt", "2027-01-15T08:00:00Z")) == []


def test_pages(named: RancherBackend, admin: Caller) -> None:
    first = named.list_keys(admin, STAGING, [("limit", "3")])
    assert ([k.name for k in first.items], first.partial, first.next_offset) == (
        ["alpha", "beta", "alphabet"],
        True,
        3,
    )
    last = named.list_keys(admin, STAGING, [("limit", "3"), ("marker", "m3")])
    assert ([k.name for k in last.items], last.partial) == ([None], False)


@pytest.mark.parametrize(
    ("text", "limit"),
    [(None, 100), ("7", 7), ("+7", 7), ("0", MAX_LIMIT), ("-1", MAX_LIMIT), ("9999", MAX_LIMIT)],
)
def test_limits(text: str | None, limit: int) -> None:
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["\t4", "1_0", "4.0", "four"])
def test_a_limit_that_is_not_an_integer_is_invalid_format(text: str) -> None:
    error = error_of(parse_limit, text)
    assert (error.status_code, error.code, error.field_name) == (400, "InvalidFormat", "limit")


@pytest.mark.parametrize(
    ("text", "offset"), [(None, 0), ("m5", 5), ("5", 0), ("mx", 0), ("m-1", 0)]
)
def test_markers(text: str | None, offset: int) -> None:
    assert parse_marker(text) == offset


def test_environment_record_is_not_changed_by_reads(backend: RancherBackend, admin: Caller) -> None:
    project = backend.get_project(admin, PRODUCTION)
    project.name = "changed on a copy"
    assert backend.store.state.environments[2].name == "production"
    assert isinstance(project, Environment)
