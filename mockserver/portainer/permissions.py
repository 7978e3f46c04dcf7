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
    """A standard user may use an environment only if its access policies name them."""
    return is_admin(identity) or environment.grants(identity.user_id)


def may_manage_stacks_in(identity: Identity, environment: Environment) -> bool:
    """Stack management may be switched off for standard users per environment."""
    return is_admin(identity) or environment.security.get(
        "allowStackManagementForRegularUsers", True
    )


def resource_control_grants(identity: Identity, control: ResourceControl | None) -> bool:
    """Resource control: administrators always; others through a user access or a public control.

    A resource without a control, or with an administrators-only one, is for administrators only.
    """
    if is_admin(identity):
        return True
    if control is None or control.administrators_only:
        return False
    return control.public or identity.user_id in control.user_accesses


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
