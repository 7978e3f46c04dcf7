"""Who may do what on the Portainer side: every permission rule, each defined once.

Plain predicates over the state; the backend calls them and raises the matching error.
"""

from __future__ import annotations

from mockserver.auth import Identity
from mockserver.state import Environment, ResourceControl, User


def is_admin(identity: Identity) -> bool:
    """Administrators (role 1) pass every role and access check."""
    return identity.role == 1


def may_use_environment(identity: Identity, environment: Environment) -> bool:
    """A standard user may use an environment only if its access policies name them or one of
    their teams (security/authorization.go AuthorizedEndpointAccess)."""
    return is_admin(identity) or environment.grants(identity.user_id, identity.teams)


def may_manage_stacks_in(identity: Identity, environment: Environment) -> bool:
    """Stack management may be switched off for standard users per environment."""
    return is_admin(identity) or environment.security.get(
        "allowStackManagementForRegularUsers", True
    )


def resource_control_grants(identity: Identity, control: ResourceControl | None) -> bool:
    """Resource control: administrators always; others through a public control, a user access
    or a team access of one of their teams (AuthorizedResourceControlAccess).

    A resource without a control, or with an administrators-only one, is for administrators only.
    """
    if is_admin(identity):
        return True
    if control is None or control.administrators_only:
        return False
    return (
        control.public
        or identity.user_id in control.user_accesses
        or any(team in identity.teams for team in control.team_accesses)
    )


def may_set_resource_control(identity: Identity, control: ResourceControl) -> bool:
    """What a standard user may turn a control into (AuthorizedResourceControlUpdate): public,
    private to themself alone, or shared with teams of which they are a member; never
    administrators-only, never empty, never another user, never a user and a team at once."""
    if is_admin(identity) or control.public:
        return True
    if control.administrators_only:
        return False
    users, teams = control.user_accesses, control.team_accesses
    if not users and not teams:
        return False
    if len(users) > 1 or (len(users) == 1 and len(teams) == 1):
        return False
    if len(users) == 1 and users[0] == identity.user_id:
        return True
    return any(team in identity.teams for team in teams)


def is_admin_or_team_leader(identity: Identity) -> bool:
    """Portainer's TeamLeaderAccess: administrators, and users who lead at least one team."""
    return is_admin(identity) or bool(identity.leads)


def may_list_users(identity: Identity) -> bool:
    """The user list: administrators and team leaders (user_list.go)."""
    return is_admin_or_team_leader(identity)


def may_update_user(identity: Identity, user_id: int) -> bool:
    """Update a user, change their password, read their memberships: administrators or self."""
    return is_admin(identity) or identity.user_id == user_id


def may_change_role(identity: Identity) -> bool:
    """Only administrators may send a role in a user update."""
    return is_admin(identity)


def may_rename_user(identity: Identity) -> bool:
    """Only administrators may change a username."""
    return is_admin(identity)


def may_manage_team(identity: Identity, team_id: int) -> bool:
    """A team's details and memberships: administrators, or a leader of that very team
    (AuthorizedTeamManagement); a leader's rights stop at their own teams."""
    return is_admin(identity) or team_id in identity.leads


def may_list_memberships(identity: Identity) -> bool:
    """The list of every membership: administrators and team leaders."""
    return is_admin_or_team_leader(identity)


def may_change_membership_role(identity: Identity) -> bool:
    """A leader may move members between teams they lead but not change a role."""
    return is_admin(identity)


def may_read_user(identity: Identity, user_id: int) -> bool:
    """A user's record: administrators, or the user themself."""
    return is_admin(identity) or identity.user_id == user_id


def may_list_tokens(identity: Identity, owner: User) -> bool:
    """Token list: one's own, or an administrator listing a standard user's."""
    return identity.user_id == owner.id or (is_admin(identity) and not owner.is_admin)


def may_create_token(identity: Identity, owner_id: int) -> bool:
    """Token creation: only for oneself, administrators included."""
    return identity.user_id == owner_id


def may_revoke_token(identity: Identity, owner_id: int) -> bool:
    """Token revocation: the owner or any administrator."""
    return is_admin(identity) or identity.user_id == owner_id
