"""Environments ("endpoints") and the access policies that grant them: Portainer's rules."""

from __future__ import annotations

import uuid
from typing import Any

from mockserver.auth import Identity
from mockserver.state import Environment

from . import environment_filters, errors, payload, permissions, views
from .context import Context
from .docker.snapshots import environment_snapshots
from .environment_filters import EnvironmentQuery

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


DOCKER, AGENT = 1, 2  # EndpointCreationType -> the environment's Type (the mock makes these two)
LOCAL_SOCKET = "unix:///var/run/docker.sock"
CREATION_TYPES = range(1, 7)  # Portainer's EndpointCreationType 1..6


def default_security() -> dict[str, bool]:
    """The security settings of a new environment (endpoint_create.go)."""
    return {name: name not in _OFF_BY_DEFAULT for name in SECURITY_SETTINGS}


_OFF_BY_DEFAULT = {"allowVolumeBrowserForRegularUsers", "enableHostManagementFeatures"}


class Environments:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _snapshots(self, envs: list[Any]) -> dict[int, list[dict[str, Any]]]:
        store = self.ctx.store
        return environment_snapshots(store.state, envs, store.now())

    def visible(self, who: Identity) -> list[Any]:
        """The environments `who` may use, by id."""
        envs = sorted(self.ctx.store.state.environments.values(), key=lambda e: e.id)
        return [e for e in envs if permissions.may_use_environment(who, e)]

    def list_environments(
        self, who: Identity, query: EnvironmentQuery = environment_filters.NO_QUERY
    ) -> tuple[list[dict[str, Any]], int, int]:
        """A page of environments, the count after filtering and the count before it
        (environment_filters.py has Portainer's query rules)."""
        page, total, available = environment_filters.select(self.visible(who), query)
        # Portainer's FilterEndpoints blanks UserAccessPolicies (only) for standard users.
        hide = not permissions.is_admin(who)
        snapshots = self._snapshots(page)
        # endpoint_list.go: an environment without its own check-in interval shows the settings'.
        interval = int(self.ctx.store.state.settings.values["EdgeAgentCheckinInterval"])
        views_ = [
            views.environment_view(
                e,
                hide_user_policies=hide,
                snapshots=snapshots[e.id],
                edge_checkin_interval=interval,
            )
            for e in page
        ]
        return views_, total, available

    def get_environment(self, who: Identity, environment_id: int) -> dict[str, Any]:
        env = self.ctx.environment(environment_id)
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()
        # Inspect hides no access policy, for anyone (endpoint_inspect.go only calls hideFields).
        return views.environment_view(env, snapshots=self._snapshots([env])[env.id])

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
            return views.environment_view(env, snapshots=self._snapshots([env])[env.id])

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
            return views.environment_view(env, snapshots=self._snapshots([env])[env.id])

    def create_environment(self, form: dict[str, Any]) -> dict[str, Any]:
        """`POST /api/endpoints` (a multipart form; administrators only: the bouncer sees to that).
        A Docker environment by URL (the local socket when no URL is given) or an agent; the mock
        cannot reach either, so it never answers Portainer's 500 for an unreachable host."""
        name = str(form.get("Name") or "")
        if not name:
            raise errors.invalid_payload("Invalid environment name")
        kind = int(form.get("EndpointCreationType") or 0)
        if kind not in CREATION_TYPES:
            raise errors.invalid_payload(
                "Invalid environment type value. Value must be one of: 1 (Docker environment), "
                "2 (Agent environment), 3 (Azure environment), 4 (Edge Agent environment) or "
                "5 (Local Kubernetes environment)"
            )
        if kind not in (DOCKER, AGENT):
            raise errors.invalid_payload(
                "The mock creates Docker (1) and Agent (2) environments only"
            )
        url = str(form.get("URL") or "")
        if kind == AGENT and not url:
            raise errors.invalid_payload("Invalid environment URL")
        if url and "://" not in url:
            url = "tcp://" + url
        store = self.ctx.store
        with store.lock:
            state = store.state
            if any(e.name == name for e in state.environments.values()):
                raise errors.conflict("Name is not unique")
            env = Environment(
                id=state.new_id("environment"),
                name=name,
                type=kind,
                url=url or LOCAL_SOCKET,
                public_url=str(form.get("PublicURL") or ""),
                group_id=int(form.get("GroupID") or 1),
                security=default_security(),
                uuid=str(uuid.uuid4()),
                created=store.now(),
            )
            state.environments[env.id] = env
            return views.environment_view(env, snapshots=self._snapshots([env])[env.id])

    def delete_environment(self, environment_id: int) -> None:
        """`DELETE /api/endpoints/{id}` (administrators only). Its stacks stay, orphaned: only
        `IncludeOrphanedStacks` lists them and only administrators may remove them.

        Deleting one with access policies makes Portainer recompute every user's deprecated
        `EndpointAuthorizations`: an empty map in CE (policies carry role 0, no authorization).
        """
        state = self.ctx.store.state
        with self.ctx.store.lock:
            env = self.ctx.environment(environment_id)
            del state.environments[environment_id]
            if env.user_policies or env.team_policies:
                for user in state.users.values():
                    user.endpoint_authorizations = {}
