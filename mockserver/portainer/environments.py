"""Environments ("endpoints") and the access policies that grant them: Portainer's rules."""

from __future__ import annotations

from typing import Any

from mockserver.auth import Identity

from . import errors, payload, permissions, views
from .context import Context

SECURITY_SETTINGS = (
    "allowBindMountsForRegularUsers",
    "allowPrivilegedModeForRegularUsers",
    "allowVolumeBrowserForRegularUsers",
    "allowHostNamespaceForRegularUsers",
    "allowDeviceMappingForRegularUsers",
    "allowStackManagementForRegularUsers",
    "allowContainerCapabilitiesForRegularUsers",
    "allowSysctlSettingForRegularUsers",
    "enableHostManagementFeatures",
)


class Environments:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def visible(self, who: Identity) -> list[Any]:
        """The environments `who` may use, by id."""
        envs = sorted(self.ctx.store.state.environments.values(), key=lambda e: e.id)
        return [e for e in envs if permissions.may_use_environment(who, e)]

    def list_environments(
        self,
        who: Identity,
        start: int | None = None,
        limit: int | None = None,
        search: str | None = None,
        name: str | None = None,
    ) -> tuple[list[dict[str, Any]], int, int]:
        """A page of environments, the count after filtering and the count before it."""
        envs = self.visible(who)
        available = len(envs)
        if search:
            needle = search.casefold()
            envs = [e for e in envs if needle in e.name.casefold() or needle in e.url.casefold()]
        if name is not None:
            envs = [e for e in envs if e.name == name]
        total = len(envs)
        first = max((start or 0) - 1, 0)
        envs = envs[first:]
        if limit:
            envs = envs[:limit]
        # Portainer's FilterEndpoints blanks UserAccessPolicies (only) for standard users.
        hide = not permissions.is_admin(who)
        page = [views.environment_view(e, hide_user_policies=hide) for e in envs]
        return page, total, available

    def get_environment(self, who: Identity, environment_id: int) -> dict[str, Any]:
        env = self.ctx.environment(environment_id)
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()
        # Inspect hides no access policy, for anyone (endpoint_inspect.go only calls hideFields).
        return views.environment_view(env)

    def update_environment(self, environment_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Rename, or change access policies (administrators only: the bouncer sees to that)."""
        payload.check_integers([changes.get("GroupID"), changes.get("TagIDs")])
        for field in ("UserAccessPolicies", "TeamAccessPolicies"):
            for key, policy in (changes.get(field) or {}).items():
                if not payload.is_int64_id(str(key)):
                    raise errors.invalid_payload(f"Invalid {field} key: {key}")
                payload.check_integers((policy or {}).get("RoleId"))
        store = self.ctx.store
        with store.lock:
            env = self.ctx.environment(environment_id)
            name = changes.get("Name")
            if name is not None:
                if not name:
                    raise errors.invalid_payload("Invalid environment name")
                clash = any(
                    e.name == name and e.id != env.id for e in store.state.environments.values()
                )
                if clash:
                    raise errors.conflict("Name is not unique")
                env.name = name
            if "PublicURL" in changes and changes["PublicURL"] is not None:
                env.public_url = changes["PublicURL"]
            if changes.get("GroupID") is not None:
                env.group_id = int(changes["GroupID"])
            if changes.get("TagIDs") is not None:
                env.tag_ids = [int(t) for t in changes["TagIDs"]]
            for field, attr in (
                ("UserAccessPolicies", "user_policies"),
                ("TeamAccessPolicies", "team_policies"),
            ):
                # A null map leaves the grants alone (Go: `if payload.UserAccessPolicies != nil`).
                policies = changes.get(field)
                if policies is not None:
                    setattr(
                        env,
                        attr,
                        {
                            str(k): {"RoleId": int((v or {}).get("RoleId", 0))}
                            for k, v in policies.items()
                        },
                    )
            return views.environment_view(env)

    def update_security_settings(
        self, environment_id: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """`PUT /api/endpoints/{id}/settings` (administrators only: the bouncer sees to that):
        each security toggle sent replaces the stored one; the others stay as they are."""
        store = self.ctx.store
        with store.lock:
            env = self.ctx.environment(environment_id)
            for name in SECURITY_SETTINGS:
                if changes.get(name) is not None:
                    env.security[name] = bool(changes[name])
            return views.environment_view(env)
