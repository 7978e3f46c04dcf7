"""Portainer's rules as plain Python: no server, no HTTP."""

from __future__ import annotations

import pytest

from mockserver import secrets
from mockserver.auth import Authenticator, Identity
from mockserver.durations import parse_go_duration, parse_go_duration_ns
from mockserver.errors import PortainerError
from mockserver.portainer import bouncer, permissions
from mockserver.portainer.backend import PortainerBackend
from mockserver.portainer.settings import is_url, validate
from mockserver.portainer.stacks import normalise_name, parse_filters
from mockserver.ratelimit import RateLimiter
from mockserver.seed import build, load_scenario
from mockserver.spec import load_spec
from mockserver.state import ResourceControl, Store

ADMIN = Identity(1, "admin", 1, "apikey")
ALICE = Identity(2, "alice", 2, "apikey")  # granted environment 2 ("production")
BOB = Identity(3, "bob", 2, "apikey")  # granted nothing


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Store:
    return Store(build(42, load_scenario(None)).state, clock=clock)


@pytest.fixture
def backend(store: Store) -> PortainerBackend:
    return PortainerBackend(store, Authenticator(store), None)


def error_of(call, *args, **kwargs) -> PortainerError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortainerError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- primitives
def test_passwords_are_salted_hashes_checked_in_constant_time() -> None:
    first, second = secrets.hash_password("s3cret"), secrets.hash_password("s3cret")
    assert first != second and "s3cret" not in first
    assert secrets.check_password("s3cret", first)
    assert not secrets.check_password("s3cre", first)
    assert not secrets.check_password("s3cret", None)


def test_token_digest_is_base64_sha256_of_the_raw_token() -> None:
    assert secrets.token_digest("ptr_abc") == "MjoL52VjrmXhhlw7KR6c1LnWuaUeUJNfp4YhHwNP5LI="


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("8h", 28800), ("1h30m", 5400), ("0", 0), ("1.5s", 1.5), ("-2m", -120), ("300ms", 0.3)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "8",
        "h",
        "8 h",
        "1x",
        "1h30",
        "--1s",
        "abc",
        ".s",
        "+",
        "2562048h",  # beyond Go's int64 nanoseconds
        "9223372036854775808ns",
        "9223372036854775807ns1ns",
        "99999999999999999999s",
        "\u0663h",  # ARABIC-INDIC DIGIT THREE: a digit to Python, not to Go
        "\uff11h",  # FULLWIDTH DIGIT ONE
        "1h\u00a0",
        "\ud800",
    ],
)
def test_invalid_go_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_go_duration(text)


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("2562047h", 2562047 * 3600 * 10**9),
        ("9223372036854775807ns", 2**63 - 1),
        ("-9223372036854775808ns", -(2**63)),  # one more when negative, as in Go
        ("1.s", 10**9),
        (".5s", 5 * 10**8),
        ("+0", 0),
        ("1\u00b5s", 1000),  # MICRO SIGN
        ("1\u03bcs", 1000),  # GREEK SMALL LETTER MU
        ("1.0000000000000000000000001s", 10**9),  # fraction digits past int64 are dropped
    ],
)
def test_go_duration_limits(text: str, nanoseconds: int) -> None:
    assert parse_go_duration_ns(text) == nanoseconds


def test_rate_limiter_bursts_refills_and_bans() -> None:
    clock = Clock(0.0)
    limiter = RateLimiter(burst=3, refill_per_second=1, ban_seconds=60, clock=clock)
    assert [limiter.allow("1.2.3.4") for _ in range(3)] == [True, True, True]
    clock.now = 1.0  # one token back
    assert limiter.allow("1.2.3.4")
    assert not limiter.allow("1.2.3.4")  # empty: banned
    clock.now = 30.0
    assert not limiter.allow("1.2.3.4")  # still banned, even though the bucket refilled
    assert limiter.allow("5.6.7.8")  # other addresses are not affected
    clock.now = 62.0
    assert limiter.allow("1.2.3.4")


# -- names and filters
@pytest.mark.parametrize(
    ("name", "normalised"),
    [("My App!", "myapp"), ("web-01_prod", "web-01_prod"), ("Ünïcode", "ncode"), ("!!!", "")],
)
def test_stack_names_are_normalised(name: str, normalised: str) -> None:
    assert normalise_name(name) == normalised


def test_filters_must_be_a_json_object() -> None:
    assert parse_filters('{"EndpointID": 2}') == {"EndpointID": 2}
    assert parse_filters(None) == {}
    for bad in (
        "{",
        "[1]",
        '{"EndpointID": "2"}',
        '{"SwarmID": 1}',
        '{"IncludeOrphanedStacks": 1}',
    ):
        assert error_of(parse_filters, bad).status_code == 400


# -- permissions
def test_resource_control_rules() -> None:
    private = ResourceControl(id=1, resource_id="2_x", user_accesses=[2])
    admins_only = ResourceControl(id=2, resource_id="2_y", administrators_only=True)
    public = ResourceControl(id=3, resource_id="2_z", public=True)
    assert permissions.resource_control_grants(ALICE, private)
    assert not permissions.resource_control_grants(BOB, private)
    assert not permissions.resource_control_grants(ALICE, admins_only)
    assert permissions.resource_control_grants(ADMIN, admins_only)
    assert permissions.resource_control_grants(BOB, public)
    assert not permissions.resource_control_grants(ALICE, None)
    assert permissions.resource_control_grants(ADMIN, None)


def test_token_permissions() -> None:
    assert permissions.may_create_token(ALICE, 2)
    assert not permissions.may_create_token(ADMIN, 2)  # administrators too: only for oneself
    assert permissions.may_revoke_token(ADMIN, 2) and permissions.may_revoke_token(ALICE, 2)
    assert not permissions.may_revoke_token(BOB, 2)


def test_token_listing_permissions(store: Store) -> None:
    admin_user, alice_user = store.state.users[1], store.state.users[2]
    assert permissions.may_list_tokens(ADMIN, alice_user)
    assert permissions.may_list_tokens(ALICE, alice_user)
    assert not permissions.may_list_tokens(BOB, alice_user)
    assert not permissions.may_list_tokens(Identity(9, "other-admin", 1, "jwt"), admin_user)


def test_environment_grant(store: Store) -> None:
    production, local = store.state.environments[2], store.state.environments[1]
    assert permissions.may_use_environment(ALICE, production)
    assert not permissions.may_use_environment(ALICE, local)
    assert not permissions.may_use_environment(BOB, production)
    assert permissions.may_use_environment(ADMIN, local)


# -- authentication
def test_jwt_round_trip_expiry_and_revocation(store: Store, clock: Clock) -> None:
    auth = Authenticator(store)
    token = auth.issue_jwt(store.state.users[2])
    headers = {"authorization": f"Bearer {token}"}
    assert auth.authenticate(headers, {}).username == "alice"
    assert auth.authenticate({"authorization": token}, {}).user_id == 2  # bare token too
    clock.now += 8 * 3600 + 1  # UserSessionTimeout 8h by default
    assert error_of(auth.authenticate, headers, {}).message == "Invalid JWT token"
    clock.now -= 8 * 3600
    assert auth.revoke_jwt(token)
    assert error_of(auth.authenticate, headers, {}).status_code == 401


def test_jwt_from_another_server_is_refused(store: Store) -> None:
    token = Authenticator(store).issue_jwt(store.state.users[1])
    error = error_of(Authenticator(store).authenticate, {"authorization": f"Bearer {token}"}, {})
    assert (error.status_code, error.message) == (401, "Invalid JWT token")


def test_missing_and_conflicting_credentials(store: Store) -> None:
    auth = Authenticator(store)
    missing = error_of(auth.authenticate, {}, {})
    assert (missing.status_code, missing.message, missing.details) == (
        401,
        "A valid authorization token is missing",
        "Unauthorized",
    )
    both = error_of(auth.authenticate, {"x-api-key": "ptr_x", "authorization": "Bearer y"}, {})
    assert both.status_code == 403


def test_access_token_lookup_updates_last_used_at_most_once_a_minute(
    store: Store, clock: Clock, backend: PortainerBackend
) -> None:
    created = backend.users.create_token(
        Identity(2, "alice", 2, "jwt"), 2, "laptop", "alice-password"
    )
    raw, token_id = created["rawAPIKey"], created["apiKey"]["id"]
    auth = Authenticator(store)
    assert auth.authenticate({"x-api-key": raw}, {}).method == "apikey"
    first = store.state.tokens[token_id].last_used
    assert first == int(clock.now)
    clock.now += 30
    auth.authenticate({"x-api-key": raw}, {})
    assert store.state.tokens[token_id].last_used == first
    clock.now += 31
    auth.authenticate({"x-api-key": raw}, {})
    assert store.state.tokens[token_id].last_used == int(clock.now)


# -- users and tokens
def test_login(backend: PortainerBackend) -> None:
    assert backend.users.login("ALICE", "alice-password")  # user names are case-insensitive
    for user, password in (("alice", "wrong"), ("nobody", "alice-password")):
        error = error_of(backend.users.login, user, password)
        assert (error.status_code, error.message) == (422, "Invalid credentials")


def test_login_is_rate_limited_by_the_bouncer_only(store: Store) -> None:
    backend = PortainerBackend(store, Authenticator(store), RateLimiter(burst=2, clock=Clock(0)))
    for _ in range(3):  # the bouncer counts each attempt before the body is read; login does not
        backend.users.login("alice", "alice-password")
    limited = bouncer.RouteGuard(rate_limited=True)
    bouncer.check(limited, None, "10.0.0.1", backend.ctx)
    bouncer.check(limited, None, "10.0.0.1", backend.ctx)
    error = error_of(bouncer.check, limited, None, "10.0.0.1", backend.ctx)
    assert (error.status_code, error.message, error.details) == (
        403,
        "Access denied",
        "Access denied to resource",
    )
    bouncer.check(limited, None, "10.0.0.2", backend.ctx)  # per address


def test_the_contract_marks_portainer_s_admin_and_rate_limited_routes() -> None:
    guards = bouncer.route_guards(load_spec())
    assert {op for op, g in guards.items() if g.admin_only} == {
        "createUser",
        "deleteUser",
        "updateEnvironment",
        "updateEnvironmentSettings",
        "createEnvironment",
        "deleteEnvironment",
        "createTeam",
        "updateTeam",
        "deleteTeam",
        "createResourceControl",
        "deleteResourceControl",
        "getSettings",
        "updateSettings",
    }
    assert {op for op, g in guards.items() if g.rate_limited} == {
        "authenticateUser",
        "createAccessToken",
        "updateUserPassword",
    }


def test_administrators_only_routes_refuse_standard_users(backend: PortainerBackend) -> None:
    admin_only = bouncer.RouteGuard(admin_only=True)
    bouncer.check(admin_only, ADMIN, "a", backend.ctx)
    denied = error_of(bouncer.check, admin_only, ALICE, "a", backend.ctx)
    assert (denied.status_code, denied.message, denied.details) == (
        403,
        "Access denied",
        "Unauthorized",
    )


def test_token_creation_rules(backend: PortainerBackend, store: Store) -> None:
    alice_jwt = Identity(2, "alice", 2, "jwt")
    create = backend.users.create_token
    assert error_of(create, alice_jwt, 2, "", "alice-password").status_code == 400
    assert error_of(create, alice_jwt, 2, "   ", "alice-password").details.endswith("whitespaces")
    assert error_of(create, alice_jwt, 2, "x" * 128, "alice-password").status_code == 400
    assert error_of(create, alice_jwt, 2, "ok", "wrong").status_code == 403
    assert error_of(create, Identity(1, "admin", 1, "jwt"), 2, "ok", "x").message == (
        "Permission denied to create user access token"
    )
    created = create(alice_jwt, 2, "é" * 127, "alice-password")
    raw = created["rawAPIKey"]
    assert raw.startswith("ptr_") and len(raw) == 48
    assert created["apiKey"]["prefix"] == raw[:7]
    stored = store.state.tokens[created["apiKey"]["id"]]
    assert stored.digest == secrets.token_digest(raw) and raw not in repr(stored)


def test_token_listing_never_shows_raw_token_or_digest(backend: PortainerBackend) -> None:
    created = backend.users.create_token(
        Identity(2, "alice", 2, "jwt"), 2, "laptop", "alice-password"
    )
    listed = backend.users.list_tokens(ADMIN, 2)
    assert created["rawAPIKey"] not in repr(listed)
    assert all("digest" not in token for token in listed)
    assert error_of(backend.users.list_tokens, BOB, 2).status_code == 403
    assert error_of(backend.users.list_tokens, ADMIN, 999).status_code == 404


def test_token_revocation(backend: PortainerBackend, store: Store) -> None:
    alice_token = next(t for t in store.state.tokens.values() if t.user_id == 2)
    assert error_of(backend.users.delete_token, BOB, 2, alice_token.id).status_code == 403
    assert error_of(backend.users.delete_token, ADMIN, 2, 999).status_code == 404
    admin_token = next(t for t in store.state.tokens.values() if t.user_id == 1)
    assert error_of(backend.users.delete_token, ADMIN, 2, admin_token.id).message == (
        "Permission denied to remove api-key"
    )
    backend.users.delete_token(ADMIN, 2, alice_token.id)
    assert store.token_by_digest(alice_token.digest) is None


def test_user_rules(backend: PortainerBackend, store: Store) -> None:
    users = backend.users
    assert error_of(users.create_user, "ALICE", "long-enough-pw", 2).status_code == 409
    assert error_of(users.create_user, "carol", "short", 2).status_code == 400
    assert error_of(users.create_user, "ca rol", "long-enough-pw", 2).status_code == 400
    carol = users.create_user("carol", "long-enough-pw", 2)
    assert "Password" not in carol and carol["Role"] == 2
    assert error_of(users.get_user, BOB, carol["Id"]).status_code == 403
    assert (
        error_of(users.delete_user, ADMIN, 1).message == "Cannot remove the initial admin account"
    )
    users.delete_user(ADMIN, 2)
    assert all(t.user_id != 2 for t in store.state.tokens.values())  # their tokens go too


def test_only_the_space_character_makes_a_user_name_invalid(backend: PortainerBackend) -> None:
    # Portainer: strings.Contains(Username, " "); a tab or other whitespace is accepted.
    assert backend.users.create_user("tab\tuser", "long-enough-pw", 2)["Id"]
    refused = error_of(backend.users.create_user, "space user", "long-enough-pw", 2)
    assert refused.details == "Invalid username. Must not contain any whitespace"


def test_a_short_password_is_its_own_message(backend: PortainerBackend) -> None:
    error = error_of(backend.users.create_user, "carol", "short", 2)
    assert (error.status_code, error.message, error.details) == (
        400,
        "Password does not meet the requirements",
        "Password does not meet the requirements",
    )


@pytest.mark.parametrize("method", [2, 3])
def test_no_password_for_new_users_under_ldap_or_oauth(
    backend: PortainerBackend, store: Store, method: int
) -> None:
    store.state.settings.values["AuthenticationMethod"] = method
    error = error_of(backend.users.create_user, "carol", "long-enough-pw", 2)
    assert (error.status_code, error.message, error.details) == (
        400,
        "a user with password can not be created when authentication method is Oauth or LDAP",
        "A user with password can not be created when authentication method is Oauth or LDAP",
    )
    assert backend.users.create_user("carol", "", 2)["Username"] == "carol"


def test_oauth_mode_refuses_everyone_but_user_1_whatever_the_password(
    backend: PortainerBackend, store: Store
) -> None:
    store.state.settings.values["AuthenticationMethod"] = 3
    for user, password in (("alice", "wrong"), ("alice", "alice-password"), ("nobody", "x")):
        error = error_of(backend.users.login, user, password)
        assert (error.status_code, error.message) == (
            422,
            "Only initial admin is allowed to login without oauth",
        )
    assert backend.users.login("admin", "mockadmin-pass")
    wrong = error_of(backend.users.login, "admin", "wrong")
    assert (wrong.status_code, wrong.message) == (422, "Invalid credentials")


# -- environments
def test_a_null_access_policy_map_leaves_the_grants_alone(
    backend: PortainerBackend, store: Store
) -> None:
    envs = backend.environments
    store.state.environments[2].team_policies = {"7": {"RoleId": 0}}
    answer = envs.update_environment(2, {"UserAccessPolicies": None, "TeamAccessPolicies": None})
    assert answer["UserAccessPolicies"] == {"2": {"RoleId": 0}}
    assert answer["TeamAccessPolicies"] == {"7": {"RoleId": 0}}
    assert envs.get_environment(ALICE, 2)["Id"] == 2
    assert envs.update_environment(2, {"TeamAccessPolicies": {}})["TeamAccessPolicies"] == {}


def test_standard_users_lose_only_the_user_policies_in_the_list(
    backend: PortainerBackend, store: Store
) -> None:
    store.state.environments[2].team_policies = {"7": {"RoleId": 0}}
    page, _, _ = backend.environments.list_environments(ALICE)
    assert page[0]["UserAccessPolicies"] is None
    assert page[0]["TeamAccessPolicies"] == {"7": {"RoleId": 0}}
    # Inspect blanks neither (endpoint_inspect.go only hides credentials and raw snapshots).
    inspected = backend.environments.get_environment(ALICE, 2)
    assert inspected["UserAccessPolicies"] == {"2": {"RoleId": 0}}


def test_environment_listing_and_grants(backend: PortainerBackend) -> None:
    envs = backend.environments
    page, total, available = envs.list_environments(ALICE)
    assert [e["Name"] for e in page] == ["production"] and total == available == 1
    assert page[0]["UserAccessPolicies"] is None
    assert error_of(envs.get_environment, BOB, 2).status_code == 403
    envs.update_environment(1, {"UserAccessPolicies": {"3": {"RoleId": 0}}})
    assert envs.get_environment(BOB, 1)["Id"] == 1  # takes effect at once
    envs.update_environment(1, {"UserAccessPolicies": {}})
    assert error_of(envs.get_environment, BOB, 1).status_code == 403
    assert error_of(envs.update_environment, 1, {"Name": "production"}).status_code == 409


# -- stacks
WEB = "services:\n  web:\n    image: nginx:1.27\n"
WEB2 = WEB.replace("1.27", "1.28")
WEB3 = WEB.replace("1.27", "1.29")


def test_stack_creation_and_resource_control(backend: PortainerBackend) -> None:
    stacks = backend.stacks
    body = {"Name": "My Web!", "StackFileContent": WEB}
    mine = stacks.create_stack(ALICE, 2, body, swarm=False)
    assert mine["Name"] == "myweb" and mine["CreatedBy"] == "alice"
    assert mine["ResourceControl"]["UserAccesses"] == [{"UserId": 2, "AccessLevel": 1}]
    conflict = error_of(stacks.create_stack, ADMIN, 2, {**body, "Name": "MYWEB"}, swarm=False)
    assert (conflict.status_code, conflict.message) == (
        409,
        "A stack with the normalized name 'myweb' already exists",
    )
    assert stacks.create_stack(ADMIN, 1, body, swarm=False)["ResourceControl"]["AdministratorsOnly"]
    assert error_of(stacks.create_stack, BOB, 2, body, swarm=False).message == (
        "Permission denied to access environment"
    )
    assert error_of(
        stacks.create_stack, ALICE, 2, {"Name": "", "StackFileContent": WEB}, swarm=False
    ).details == ("Invalid stack name")
    assert error_of(
        stacks.create_stack, ALICE, 2, {"Name": "s", "StackFileContent": WEB}, swarm=True
    ).details == ("Invalid Swarm ID")


def test_standard_users_see_only_what_resource_control_grants(
    backend: PortainerBackend, store: Store
) -> None:
    visible = backend.stacks.list_stacks(ALICE, None)
    assert visible and all(s["ResourceControl"]["UserAccesses"][0]["UserId"] == 2 for s in visible)
    admin_stack = next(
        s for s in store.state.stacks.values() if s.created_by == "admin" and s.endpoint_id == 2
    )
    assert (
        error_of(backend.stacks.get_stack, ALICE, admin_stack.id).message
        == "Access denied to resource"
    )
    assert len(backend.stacks.list_stacks(ADMIN, None)) == len(store.state.stacks)


def test_item_routes_need_the_environment_too(backend: PortainerBackend) -> None:
    created = backend.stacks.create_stack(
        ALICE, 2, {"Name": "api", "StackFileContent": WEB}, swarm=False
    )
    backend.environments.update_environment(2, {"UserAccessPolicies": {}})
    assert [s["Id"] for s in backend.stacks.list_stacks(ALICE, None)].count(created["Id"]) == 1
    assert error_of(backend.stacks.get_stack, ALICE, created["Id"]).message == (
        "Permission denied to access environment"
    )


def test_list_filters_follow_portainer(backend: PortainerBackend, store: Store) -> None:
    by_env = backend.stacks.list_stacks(ADMIN, '{"EndpointID": 3}')
    assert by_env and all(s["EndpointId"] == 3 and s["Type"] == 2 for s in by_env)
    swarm_id = store.state.environments[3].swarm_id
    by_swarm = backend.stacks.list_stacks(ADMIN, f'{{"SwarmID": "{swarm_id}"}}')
    assert by_swarm and all(s["Type"] == 1 for s in by_swarm)
    assert (
        error_of(backend.stacks.list_stacks, ALICE, '{"IncludeOrphanedStacks": true}').status_code
        == 403
    )


@pytest.mark.parametrize(
    "zero",
    [
        '{"EndpointID": 0}',
        '{"SwarmID": ""}',
        '{"EndpointID": 0, "SwarmID": ""}',
        '{"EndpointID": null}',
    ],
)
def test_zero_filters_mean_no_filter(backend: PortainerBackend, store: Store, zero: str) -> None:
    assert len(backend.stacks.list_stacks(ADMIN, zero)) == len(store.state.stacks)


def test_zero_endpoint_with_a_swarm_id_keeps_only_that_swarm(
    backend: PortainerBackend, store: Store
) -> None:
    swarm_id = store.state.environments[3].swarm_id
    listed = backend.stacks.list_stacks(ADMIN, f'{{"EndpointID": 0, "SwarmID": "{swarm_id}"}}')
    assert listed and all(s["Type"] == 1 for s in listed)


def test_deleting_through_another_environment(backend: PortainerBackend, store: Store) -> None:
    stacks = backend.stacks
    alices = stacks.create_stack(ALICE, 2, {"Name": "api", "StackFileContent": WEB}, swarm=False)
    denied = error_of(stacks.delete_stack, ALICE, alices["Id"], 1)
    assert (denied.status_code, denied.message, denied.details) == (
        403,
        "Permission denied to remove orphaned stack",
        "Permission denied to remove orphaned stack",
    )
    assert error_of(stacks.delete_stack, ADMIN, alices["Id"], 999).status_code == 404
    stacks.delete_stack(ADMIN, alices["Id"], 1)  # an administrator removes it anyway
    assert alices["Id"] not in store.state.stacks
    assert not any(c.resource_id == "2_api" for c in store.state.resource_controls.values())


def test_update_start_stop_delete(backend: PortainerBackend, store: Store, clock: Clock) -> None:
    stacks = backend.stacks
    created = stacks.create_stack(ALICE, 2, {"Name": "api", "StackFileContent": WEB}, swarm=False)
    stack_id = created["Id"]
    running = error_of(stacks.start_stack, ALICE, stack_id, 2)  # Docker's name check first
    assert (running.status_code, running.message) == (
        409,
        "A stack with the name 'api' is already running",
    )
    assert stacks.stop_stack(ALICE, stack_id, 2)["Status"] == 2
    assert error_of(stacks.stop_stack, ALICE, stack_id, 2).message == "Stack is already inactive"
    clock.now += 100
    updated = stacks.update_stack(
        ADMIN, stack_id, 2, {"StackFileContent": WEB2, "Env": [{"name": "A", "value": "1"}]}
    )
    assert (updated["UpdatedBy"], updated["UpdateDate"], updated["Status"]) == (
        "admin",
        int(clock.now),
        1,
    )
    assert updated["CreatedBy"] == "alice" and updated["CreationDate"] == created["CreationDate"]
    assert updated["ResourceControl"] is None  # Portainer answers with the stored stack
    assert stacks.get_stack_file(ALICE, stack_id) == {"StackFileContent": WEB2}
    assert (
        error_of(stacks.update_stack, ALICE, stack_id, 1, {"StackFileContent": WEB3}).status_code
        == 403
    )
    assert (
        error_of(stacks.delete_stack, ALICE, stack_id, 1).message
        == "Permission denied to remove orphaned stack"
    )
    stacks.delete_stack(ALICE, stack_id, 2)
    assert stack_id not in store.state.stacks
    assert error_of(stacks.get_stack, ADMIN, stack_id).status_code == 404


# -- settings
def test_settings_validation() -> None:
    validate({"UserSessionTimeout": "1h", "LogoURL": "https://example.com/logo.png"})
    cases = {
        "AuthenticationMethod": 4,
        "LogoURL": "not a url",
        "TemplatesURL": "http://",
        "UserSessionTimeout": "forever",
        "KubeconfigExpiry": "1d",
        "OAuthSettings": {"AuthStyle": 3},
    }
    for key, value in cases.items():
        assert error_of(validate, {key: value}).status_code == 400, key
    validate({"SnapshotInterval": "5"})  # not Validate's: applying it fails later, with a 500


def test_snapshot_interval_is_parsed_only_when_it_changes() -> None:
    from mockserver.portainer.settings import check_snapshot_interval

    check_snapshot_interval("5m", "5m")
    check_snapshot_interval("soon", "soon")  # unchanged: never parsed
    error = error_of(check_snapshot_interval, "soon", "5m")
    assert (error.status_code, error.body()) == (
        500,
        {
            "message": "Unable to update snapshot interval",
            "details": 'Time: invalid duration "soon"',
        },
    )


def test_url_check() -> None:
    assert is_url("example.com") and is_url("https://charts.bitnami.com/bitnami")
    assert not is_url("") and not is_url("a b") and not is_url("http://localhost:0")


def test_settings_hide_secrets_and_update_partially(
    backend: PortainerBackend, store: Store
) -> None:
    settings = backend.settings
    updated = settings.update_settings(
        {
            "UserSessionTimeout": "1h",
            "LDAPSettings": {"Password": "ldap-secret", "URL": "ldap:389"},
        },
    )
    assert updated["UserSessionTimeout"] == "1h" and updated["LDAPSettings"]["URL"] == "ldap:389"
    assert "ldap-secret" not in repr(updated) and "ldap-secret" not in repr(
        backend.settings.public_settings()
    )
    assert store.state.settings.ldap_password == "ldap-secret"
    settings.update_settings({"LDAPSettings": {"Password": ""}})
    assert (
        store.state.settings.ldap_password == "ldap-secret"
    )  # an empty secret keeps the stored one
    assert updated["EnableTelemetry"] is False  # absent keys keep their value


def test_fold_keys_renames_only_other_cases_of_declared_fields() -> None:
    from mockserver.validation import fold_keys

    names = {"username": "username", "password": "password"}
    body = {"Username": "a", "PASSWORD": "b", "extra": 1}
    assert fold_keys(body, names) == {"username": "a", "password": "b", "extra": 1}
    exact = {"username": "a", "Username": "b"}
    assert fold_keys(exact, names) is exact  # the exact spelling wins; nothing renamed


def test_fold_keys_deep_follows_the_schema_into_lists_and_objects() -> None:
    from mockserver.validation import fold_keys_deep

    pair = {"type": "object", "properties": {"name": {}, "value": {}}}
    schema = {
        "type": "object",
        "properties": {
            "Env": {"type": "array", "nullable": True, "items": pair},
            "Opts": {"anyOf": [pair, {"enum": [None]}]},
            "Free": {"type": "object"},
        },
    }
    body = {"env": [{"Name": "A", "VALUE": "1"}], "opts": {"NAME": "x"}, "Free": {"Name": 1}}
    assert fold_keys_deep(body, schema) == {
        "Env": [{"name": "A", "value": "1"}],
        "Opts": {"name": "x"},
        "Free": {"Name": 1},  # free-form: kept as sent
    }
    exact = {"Env": [{"name": "A", "value": "1"}], "Free": {"Name": 1}}
    assert fold_keys_deep(exact, schema) is exact


def test_payload_checks_answer_in_validate_order() -> None:
    from mockserver.portainer.payload_checks import deferred, details
    from mockserver.validation import Violation

    name, content = Violation("minLength", ("Name",)), Violation("required", ("StackFileContent",))
    op = "createSwarmStackFromString"
    assert details(op, [content, name]) == "Invalid stack name"  # Validate checks the name first
    assert details(op, [content]) == "Invalid stack file content"
    assert details(op, [content, Violation("type", ("Env",))]) is None  # the decoder's error
    assert details(op, [Violation("required", ("Env", "0", "name"))]) is None  # not Validate's
    assert details("unknownOperation", [name]) is None
    token = "createAccessToken"
    assert details(token, [Violation("pattern", ("description",))]) == (
        "Invalid description: cannot contain only whitespaces"
    )
    assert deferred(token, Violation("minLength", ("password",)))
    assert not deferred(token, Violation("minLength", ("description",)))
    assert not deferred(token, Violation("type", ("password",)))  # the decoder refuses it
    assert not deferred("authenticateUser", Violation("minLength", ("password",)))
