"""Teams and team memberships: Portainer's rules (api/http/handler/teams, teammemberships).

A user is in a team as its leader (role 1) or a member (role 2). Team access policies on an
environment and team accesses on a resource control grant what they grant to every member
(permissions.py); a leader manages the memberships of the teams they lead, and no other.
"""

from __future__ import annotations

from typing import Any

from mockserver.auth import Identity
from mockserver.state import TEAM_LEADER, TEAM_MEMBER, Team, TeamMembership

from . import errors, permissions, views
from . import payload_checks as words
from .context import Context


def check_membership_payload(payload: dict[str, Any]) -> tuple[int, int, int]:
    """(UserID, TeamID, Role) of a membership body, or Portainer's 400."""
    user_id, team_id, role = (payload.get(k) or 0 for k in ("UserID", "TeamID", "Role"))
    if not user_id:
        raise errors.invalid_payload("Invalid UserID")
    if not team_id:
        raise errors.invalid_payload("Invalid TeamID")
    if role not in (TEAM_LEADER, TEAM_MEMBER):
        raise errors.invalid_payload(
            "Invalid role value. Value must be one of: 1 (leader) or 2 (member)"
        )
    return int(user_id), int(team_id), int(role)


class Teams:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _team(self, team_id: int) -> Team:
        team = self.ctx.store.state.teams.get(team_id)
        if team is None:
            raise errors.team_not_found(team_id)
        return team

    def _membership(self, membership_id: int) -> TeamMembership:
        membership = self.ctx.store.state.team_memberships.get(membership_id)
        if membership is None:
            raise errors.membership_not_found(membership_id)
        return membership

    # -- teams
    def list_teams(self, who: Identity, only_led: bool = False) -> list[dict[str, Any]]:
        """Administrators see every team; anyone else the teams they are in (or lead, with
        `onlyLedTeams`)."""
        teams = sorted(self.ctx.store.state.teams.values(), key=lambda t: t.id)
        if only_led:
            teams = [t for t in teams if t.id in who.leads]
        elif not permissions.is_admin(who):
            teams = [t for t in teams if t.id in who.teams]
        return [views.team_view(t) for t in teams]

    def create_team(self, name: str, leaders: list[int] | None = None) -> dict[str, Any]:
        """A new team, its leaders made members with role 1 (administrators only: the bouncer)."""
        if not name:
            raise errors.invalid_payload(words.TEAM_NAME)
        store = self.ctx.store
        with store.lock:
            state = store.state
            if any(t.name.casefold() == name.casefold() for t in state.teams.values()):
                raise errors.conflict(
                    "A team with the same name already exists", "Team already exists"
                )
            for user_id in leaders or []:
                self.ctx.user(user_id)  # every leader must exist before anything is stored
            team = Team(id=state.new_id("team"), name=name)
            state.teams[team.id] = team
            for user_id in dict.fromkeys(leaders or []):
                membership = TeamMembership(
                    id=state.new_id("team_membership"),
                    user_id=user_id,
                    team_id=team.id,
                    role=TEAM_LEADER,
                )
                state.team_memberships[membership.id] = membership
            return views.team_view(team)

    def get_team(self, who: Identity, team_id: int) -> dict[str, Any]:
        if not permissions.may_manage_team(who, team_id):
            raise errors.forbidden("Access denied to team", errors.RESOURCE_DENIED)
        return views.team_view(self._team(team_id))

    def update_team(self, team_id: int, name: str | None) -> dict[str, Any]:
        """Rename a team (administrators only: the bouncer sees to that)."""
        with self.ctx.store.lock:
            team = self._team(team_id)
            if name:
                team.name = name
            return views.team_view(team)

    def delete_team(self, team_id: int) -> None:
        """Remove a team, its memberships and its environment access policies."""
        store = self.ctx.store
        with store.lock:
            self._team(team_id)
            state = store.state
            del state.teams[team_id]
            for membership_id in [
                m.id for m in state.team_memberships.values() if m.team_id == team_id
            ]:
                del state.team_memberships[membership_id]
            for env in state.environments.values():
                env.team_policies.pop(str(team_id), None)

    def team_memberships(self, who: Identity, team_id: int) -> list[dict[str, Any]]:
        if not permissions.may_manage_team(who, team_id):
            raise errors.forbidden("Access denied to team", errors.RESOURCE_DENIED)
        self._team(team_id)
        found = [m for m in self.ctx.store.state.team_memberships.values() if m.team_id == team_id]
        return [views.membership_view(m) for m in sorted(found, key=lambda m: m.id)]

    # -- memberships
    def list_memberships(self, who: Identity) -> list[dict[str, Any]]:
        if not permissions.may_list_memberships(who):
            raise errors.forbidden(
                "Permission denied to list team memberships", errors.RESOURCE_DENIED
            )
        found = sorted(self.ctx.store.state.team_memberships.values(), key=lambda m: m.id)
        return [views.membership_view(m) for m in found]

    def create_membership(self, who: Identity, payload: dict[str, Any]) -> dict[str, Any]:
        user_id, team_id, role = check_membership_payload(payload)
        if not permissions.may_manage_team(who, team_id):
            raise errors.forbidden(
                "Permission denied to manage team memberships", errors.RESOURCE_DENIED
            )
        store = self.ctx.store
        with store.lock:
            self.ctx.user(user_id)
            self._team(team_id)
            state = store.state
            if any(
                m.user_id == user_id and m.team_id == team_id
                for m in state.team_memberships.values()
            ):
                raise errors.conflict(
                    "Team membership already registered",
                    "Team membership already exists for this user and team",
                )
            membership = TeamMembership(
                id=state.new_id("team_membership"), user_id=user_id, team_id=team_id, role=role
            )
            state.team_memberships[membership.id] = membership
            return views.membership_view(membership)

    def update_membership(
        self, who: Identity, membership_id: int, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """Move a membership or change its role: a leader must lead both the old and the new
        team, and only an administrator may change a role."""
        user_id, team_id, role = check_membership_payload(payload)
        if not permissions.may_manage_team(who, team_id):
            raise errors.forbidden(
                "Permission denied to manage team memberships", errors.RESOURCE_DENIED
            )
        store = self.ctx.store
        with store.lock:
            membership = self._membership(membership_id)
            if not permissions.may_manage_team(who, membership.team_id):
                raise errors.forbidden(
                    "Permission denied to update the membership", errors.RESOURCE_DENIED
                )
            if role != membership.role and not permissions.may_change_membership_role(who):
                raise errors.forbidden(
                    "Permission denied to update the role of membership", errors.RESOURCE_DENIED
                )
            self.ctx.user(user_id)
            self._team(team_id)
            membership.user_id, membership.team_id, membership.role = user_id, team_id, role
            return views.membership_view(membership)

    def delete_membership(self, who: Identity, membership_id: int) -> None:
        store = self.ctx.store
        with store.lock:
            membership = self._membership(membership_id)
            if not permissions.may_manage_team(who, membership.team_id):
                raise errors.forbidden(
                    "Permission denied to delete the membership", errors.RESOURCE_DENIED
                )
            del store.state.team_memberships[membership_id]
