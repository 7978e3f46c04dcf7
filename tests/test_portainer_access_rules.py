"""Portainer's access model as plain Python: first run, user updates and passwords, teams,
resource controls and environment security settings. No server, no HTTP."""

from __future__ import annotations

import pytest

from mockserver.auth import Authenticator, Identity
from mockserver.errors import PortainerError
from mockserver.portainer import permissions
from mockserver.portainer.backend import PortainerBackend
from mockserver.seed import build, load_scenario
from mockserver.state import ResourceControl, Store

# The same clock, store and backend fixtures as the other rule tests (imported: one definition).
from .test_portainer_rules import ADMIN, ALICE, BOB, Clock, backend, clock, error_of, store

__all__ = ["backend", "clock", "store"]  # fixtures pytest finds here


@pytest.fixture
def fresh() -> PortainerBackend:
    store = Store(build(42, load_scenario("fresh")).state)
    return PortainerBackend(store, Authenticator(store), None)


# -- first run
def test_a_fresh_instance_has_no_administrator_until_init(fresh: PortainerBackend) -> None:
    assert fresh.ctx.store.state.users == {}
    assert error_of(fresh.users.check_admin).status_code == 404
    created = fresh.users.init_admin("Root", "long-enough-pass")
    assert (created["Id"], created["Username"], created["Role"]) == (1, "root", 1)
    fresh.users.check_admin()  # no error: 204
    again = error_of(fresh.users.init_admin, "other", "long-enough-pass")
    assert (again.status_code, again.message, again.details) == (
        409,
        "Unable to create administrator user",
        "An administrator user already exists",
    )


def test_admin_init_checks_the_password_length(fresh: PortainerBackend) -> None:
    short = error_of(fresh.users.init_admin, "root", "short")
    assert (short.status_code, short.message) == (400, "Password does not meet the requirements")
    assert not fresh.users.admin_exists()
    assert error_of(fresh.users.init_admin, "", "long-enough-pass").status_code == 400


# -- users
def test_usernames_are_stored_lowercased_and_unique_regardless_of_case(
    backend: PortainerBackend,
) -> None:
    created = backend.users.create_user("MixedCase", "long-enough-pass", 2)
    assert (created["Username"], created["UseCache"]) == ("mixedcase", False)
    assert (
        error_of(backend.users.create_user, "MIXEDCASE", "long-enough-pass", 2).status_code == 409
    )


def test_the_user_list_by_environment_leaves_administrators_out(
    backend: PortainerBackend,
) -> None:
    names = [u["Username"] for u in backend.users.list_users(ADMIN, 2)]
    assert names == ["alice"]
    assert backend.users.list_users(ADMIN, 1) == []


def test_user_update_rules(backend: PortainerBackend) -> None:
    assert error_of(backend.users.update_user, BOB, 2, {"UseCache": True}).status_code == 403
    role = error_of(backend.users.update_user, ALICE, 2, {"Role": 1})
    assert (role.status_code, role.details) == (403, "Access denied to resource")
    rename = error_of(backend.users.update_user, ALICE, 2, {"Username": "alicia"})
    assert (rename.status_code, rename.message) == (
        403,
        "Permission denied. Unable to update username",
    )
    clash = error_of(backend.users.update_user, ADMIN, 2, {"Username": "BOB"})
    assert clash.status_code == 409
    updated = backend.users.update_user(
        ALICE, 2, {"UseCache": True, "Theme": {"color": "dark"}, "Username": "alice"}
    )
    assert (updated["UseCache"], updated["ThemeSettings"]) == (True, {"color": "dark"})
    renamed = backend.users.update_user(ADMIN, 2, {"Username": "Alicia"})
    assert renamed["Username"] == "alicia"


def test_user_update_password_needs_the_current_one_from_a_standard_user(
    backend: PortainerBackend, store: Store, clock: Clock
) -> None:
    wrong = error_of(
        backend.users.update_user, ALICE, 2, {"Password": "nope", "NewPassword": "new-long-pass"}
    )
    assert (wrong.status_code, wrong.message) == (
        403,
        "Current password doesn't match. Password left unchanged",
    )
    short = error_of(
        backend.users.update_user, ALICE, 2, {"Password": "alice-password", "NewPassword": "x"}
    )
    assert short.status_code == 400
    backend.users.update_user(ADMIN, 2, {"NewPassword": "set-by-the-admin"})  # no current one
    assert store.state.users[2].token_issue_at == int(clock.now)
    backend.users.login("alice", "set-by-the-admin")


def test_password_change_checks_the_current_one_even_for_administrators(
    backend: PortainerBackend,
) -> None:
    wrong = error_of(backend.users.update_password, ADMIN, 2, "nope", "new-long-password")
    assert (wrong.status_code, wrong.message) == (403, "Current password doesn't match")
    assert error_of(backend.users.update_password, BOB, 2, "x", "y").status_code == 403
    short = error_of(backend.users.update_password, ALICE, 2, "alice-password", "short")
    assert (short.status_code, short.message) == (400, "Password does not meet the requirements")
    backend.users.update_password(ALICE, 2, "alice-password", "a-new-long-password")
    assert error_of(backend.users.login, "alice", "alice-password").status_code == 422
    backend.users.login("alice", "a-new-long-password")


def test_a_password_change_refuses_the_jwts_issued_before_it(
    backend: PortainerBackend, clock: Clock
) -> None:
    auth = backend.ctx.authenticator
    old = backend.users.login("alice", "alice-password")
    clock.now += 1  # TokenIssueAt and iat are whole seconds, as in Portainer
    backend.users.update_password(ALICE, 2, "alice-password", "a-new-long-password")
    assert error_of(auth.identity_from_jwt, old).status_code == 401
    new = backend.users.login("alice", "a-new-long-password")
    assert auth.identity_from_jwt(new).user_id == 2


def test_resource_control_grants_through_teams_and_public() -> None:
    member = Identity(3, "bob", 2, "apikey", teams=frozenset({7}))
    shared = ResourceControl(id=1, resource_id="1_web", team_accesses=[7])
    assert permissions.resource_control_grants(member, shared)
    assert not permissions.resource_control_grants(BOB, shared)
    public = ResourceControl(id=2, resource_id="1_db", public=True)
    assert permissions.resource_control_grants(BOB, public)
    assert not permissions.resource_control_grants(
        BOB, ResourceControl(id=3, resource_id="1_x", public=True, administrators_only=True)
    )


# -- system and environment security settings
def test_system_version_and_info_shapes(backend: PortainerBackend) -> None:
    version = backend.system.version()
    assert (version["ServerVersion"], version["ServerEdition"]) == ("2.23.0", "CE")
    assert version["UpdateAvailable"] is False
    info = backend.system.info()
    assert info == {"platform": "Docker Standalone", "agents": 3, "edgeAgents": 0}


def test_security_settings_are_a_partial_update(backend: PortainerBackend, store: Store) -> None:
    view = backend.environments.update_security_settings(
        2, {"allowStackManagementForRegularUsers": False, "allowBindMountsForRegularUsers": None}
    )
    assert view["SecuritySettings"]["allowStackManagementForRegularUsers"] is False
    assert view["SecuritySettings"]["allowBindMountsForRegularUsers"] is True
    assert error_of(backend.environments.update_security_settings, 99, {}).status_code == 404


COMPOSE = "services:\n  web:\n    image: nginx:1.27\n"


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("create", "Stack creation is disabled for non-admin users"),
        ("update", "Stack editing is disabled for non-admin users"),
        ("delete", "stack deletion is disabled for non-admin users"),
        ("start", "stack management is disabled for non-admin users"),
        ("stop", "stack management is disabled for non-admin users"),
    ],
)
def test_disabled_stack_management_refuses_standard_users_per_route(
    backend: PortainerBackend, store: Store, route: str, message: str
) -> None:
    stack = next(s for s in store.state.stacks.values() if s.created_by == "alice")
    backend.environments.update_security_settings(
        stack.endpoint_id, {"allowStackManagementForRegularUsers": False}
    )
    stacks = backend.stacks
    calls = {
        "create": lambda who: stacks.create_stack(
            who, stack.endpoint_id, {"Name": "n", "StackFileContent": COMPOSE}, swarm=False
        ),
        "update": lambda who: stacks.update_stack(
            who, stack.id, stack.endpoint_id, {"StackFileContent": COMPOSE}
        ),
        "delete": lambda who: stacks.delete_stack(who, stack.id, stack.endpoint_id),
        "start": lambda who: stacks.start_stack(who, stack.id, stack.endpoint_id),
        "stop": lambda who: stacks.stop_stack(who, stack.id, stack.endpoint_id),
    }
    refused = error_of(calls[route], ALICE)
    assert (refused.status_code, refused.message) == (403, message)
    # Inspect and file read check the toggle too, with the general wording (stack_inspect.go,
    # stack_file.go: userCanManageStacks).
    read = error_of(lambda who: stacks.get_stack(who, stack.id), ALICE)
    assert (read.status_code, read.message) == (
        403,
        "Stack management is disabled for non-admin users",
    )
    try:
        calls[route](ADMIN)  # administrators are never refused by the toggle
    except PortainerError as error:  # a state error (already running or active), not the toggle
        assert error.status_code in (400, 409)


# -- teams
def identity_of(store: Store, user_id: int) -> Identity:
    """The identity a request by this user runs as, teams included (as authentication builds it)."""
    user = store.state.users[user_id]
    return Identity(
        user.id,
        user.username,
        user.role,
        "apikey",
        teams=store.state.teams_of(user.id),
        leads=store.state.teams_led_by(user.id),
    )


def test_seeded_teams_are_deterministic_and_named_by_the_scenario(store: Store) -> None:
    again = build(42, load_scenario(None)).state
    assert store.state.teams == again.teams and store.state.teams[1].name == "developers"
    assert store.state.teams_of(3) == {1}  # bob is a member of developers


def test_team_crud_and_memberships(backend: PortainerBackend, store: Store) -> None:
    team = backend.teams.create_team("Ops", leaders=[2])
    assert error_of(backend.teams.create_team, "ops").status_code == 409
    assert error_of(backend.teams.create_team, "").status_code == 400
    assert error_of(backend.teams.create_team, "x", leaders=[999]).status_code == 404
    alice = identity_of(store, 2)
    assert team["Id"] in alice.leads
    assert backend.teams.get_team(alice, team["Id"]) == team
    made = backend.teams.create_membership(alice, {"UserID": 3, "TeamID": team["Id"], "Role": 2})
    duplicate = error_of(
        backend.teams.create_membership, alice, {"UserID": 3, "TeamID": team["Id"], "Role": 2}
    )
    assert duplicate.status_code == 409
    assert [m["UserID"] for m in backend.teams.team_memberships(alice, team["Id"])] == [2, 3]
    assert backend.users.memberships_of(BOB, 3)[-1] == made
    backend.teams.delete_team(team["Id"])
    assert all(m.team_id != team["Id"] for m in store.state.team_memberships.values())


def test_a_leaders_rights_stop_at_their_team(backend: PortainerBackend, store: Store) -> None:
    led = backend.teams.create_team("led", leaders=[2])["Id"]
    other = backend.teams.create_team("other")["Id"]
    alice = identity_of(store, 2)
    refused = error_of(backend.teams.get_team, alice, other)
    assert (refused.status_code, refused.message) == (403, "Access denied to team")
    into_other = error_of(
        backend.teams.create_membership, alice, {"UserID": 3, "TeamID": other, "Role": 2}
    )
    assert (into_other.status_code, into_other.message) == (
        403,
        "Permission denied to manage team memberships",
    )
    made = backend.teams.create_membership(alice, {"UserID": 3, "TeamID": led, "Role": 2})
    move = {"UserID": 3, "TeamID": other, "Role": 2}
    assert error_of(backend.teams.update_membership, alice, made["Id"], move).status_code == 403
    promote = {"UserID": 3, "TeamID": led, "Role": 1}
    role = error_of(backend.teams.update_membership, alice, made["Id"], promote)
    assert role.message == "Permission denied to update the role of membership"
    assert backend.teams.update_membership(ADMIN, made["Id"], promote)["Role"] == 1
    outsider = backend.teams.create_membership(ADMIN, {"UserID": 4, "TeamID": other, "Role": 2})
    assert error_of(backend.teams.delete_membership, alice, outsider["Id"]).status_code == 403
    # a leader may list standard users, never administrators
    assert "admin" not in [u["Username"] for u in backend.users.list_users(alice, None)]
    assert error_of(backend.users.list_users, BOB, None).status_code == 403


def test_team_policies_on_an_environment_grant_it_to_members(
    backend: PortainerBackend, store: Store
) -> None:
    bob = identity_of(store, 3)  # member of "developers" (team 1)
    assert error_of(backend.environments.get_environment, bob, 2).status_code == 403
    backend.environments.update_environment(2, {"TeamAccessPolicies": {"1": {"RoleId": 0}}})
    assert backend.environments.get_environment(bob, 2)["Id"] == 2
    assert [u["Username"] for u in backend.users.list_users(ADMIN, 2)] == ["alice", "bob"]


def test_membership_payload_rules() -> None:
    from mockserver.portainer.teams import check_membership_payload

    assert check_membership_payload({"UserID": 1, "TeamID": 2, "Role": 1}) == (1, 2, 1)
    for bad in ({"TeamID": 2, "Role": 1}, {"UserID": 1, "Role": 1}, {"UserID": 1, "TeamID": 2}):
        assert error_of(check_membership_payload, bad).status_code == 400


# -- resource controls
def admin_stack(store: Store):  # type: ignore[no-untyped-def]
    return next(
        s
        for s in sorted(store.state.stacks.values(), key=lambda s: s.id)
        if store.state.resource_controls[s.resource_control_id].administrators_only
    )


def test_a_public_control_shows_an_administrators_stack_to_everyone(
    backend: PortainerBackend, store: Store
) -> None:
    stack = admin_stack(store)
    bob = identity_of(store, 3)
    assert stack.id not in [s["Id"] for s in backend.stacks.list_stacks(bob, None)]
    control_id = stack.resource_control_id
    backend.resource_controls.update(ADMIN, control_id, {"Public": True})
    assert stack.id in [s["Id"] for s in backend.stacks.list_stacks(bob, None)]
    backend.resource_controls.delete(control_id)
    assert stack.id not in [s["Id"] for s in backend.stacks.list_stacks(bob, None)]
    made = backend.resource_controls.create(
        {"ResourceID": f"{stack.endpoint_id}_{stack.name}", "Type": 6, "Public": True}
    )
    assert store.state.stacks[stack.id].resource_control_id == made["Id"]
    assert stack.id in [s["Id"] for s in backend.stacks.list_stacks(bob, None)]
    again = error_of(
        backend.resource_controls.create,
        {"ResourceID": f"{stack.endpoint_id}_{stack.name}", "Type": 6, "Public": True},
    )
    assert again.status_code == 409


def test_team_access_shows_a_stack_to_members_only(backend: PortainerBackend, store: Store) -> None:
    stack = admin_stack(store)
    backend.resource_controls.update(ADMIN, stack.resource_control_id, {"Teams": [1]})
    bob, alice = identity_of(store, 3), identity_of(store, 2)  # bob is in team 1, alice is not
    assert stack.id in [s["Id"] for s in backend.stacks.list_stacks(bob, None)]
    assert stack.id not in [s["Id"] for s in backend.stacks.list_stacks(alice, None)]


@pytest.mark.parametrize(
    ("payload", "details"),
    [
        ({}, "Invalid payload: must specify Users, Teams, Public or AdministratorsOnly"),
        (
            {"Public": True, "AdministratorsOnly": True},
            "Invalid payload: cannot set both public and administrators only flags to true",
        ),
    ],
)
def test_resource_control_payload_rules(
    backend: PortainerBackend, payload: dict, details: str
) -> None:
    refused = error_of(
        backend.resource_controls.create, {"ResourceID": "1_x", "Type": 6, **payload}
    )
    assert (refused.status_code, refused.details) == (400, details)


def test_what_a_standard_user_may_make_of_their_control(
    backend: PortainerBackend, store: Store
) -> None:
    own = next(s for s in store.state.stacks.values() if s.created_by == "alice")
    alice = identity_of(store, 2)  # a member of team 2 in the seed, not of team 1
    rc = own.resource_control_id
    update = backend.resource_controls.update
    for widened in (
        {"AdministratorsOnly": True},
        {"Users": [2, 3]},
        {"Users": [3]},
        {"Teams": [1]},
    ):
        refused = error_of(update, alice, rc, widened)
        assert (refused.status_code, refused.message) == (
            403,
            "You are not authorized to update this resource control",
        ), widened
    assert update(alice, rc, {"Teams": [2]})["TeamAccesses"] == [{"TeamId": 2, "AccessLevel": 1}]
    assert update(alice, rc, {"Public": True})["Public"] is True
    other = admin_stack(store).resource_control_id
    assert error_of(update, alice, other, {"Users": [2]}).status_code == 403  # not hers
    assert error_of(update, alice, 9999, {"Public": True}).status_code == 404


# -- environments: create and delete
def test_environment_create_rules(backend: PortainerBackend) -> None:
    made = backend.environments.create_environment({"Name": "dev", "EndpointCreationType": 1})
    assert (made["URL"], made["Type"]) == ("unix:///var/run/docker.sock", 1)
    assert made["SecuritySettings"]["allowVolumeBrowserForRegularUsers"] is False
    assert made["SecuritySettings"]["allowStackManagementForRegularUsers"] is True
    create = backend.environments.create_environment
    assert error_of(create, {"Name": "dev", "EndpointCreationType": 1}).status_code == 409
    assert error_of(create, {"Name": "", "EndpointCreationType": 1}).status_code == 400
    assert error_of(create, {"Name": "a", "EndpointCreationType": 2}).status_code == 400
    assert error_of(create, {"Name": "a", "EndpointCreationType": 9}).status_code == 400
    backend.environments.delete_environment(made["Id"])
    assert error_of(backend.environments.delete_environment, made["Id"]).status_code == 404


# -- CSRF
def test_csrf_refusal_reasons() -> None:
    from mockserver.portainer.csrf import refusal

    session = {"portainer_api_key": "jwt", "_gorilla_csrf": "tok"}
    assert refusal("GET", session, {}) is None
    assert refusal("POST", {}, {}) is None  # no login cookie: an API client, not checked
    assert refusal("POST", session, {}) == "CSRF token not found in request"
    assert refusal("DELETE", session, {"x-csrf-token": "bad"}) == "CSRF token invalid"
    assert refusal("PUT", session, {"x-csrf-token": "tok"}) is None
    assert refusal("POST", {"portainer_api_key": "jwt"}, {"x-csrf-token": "tok"}) is not None
