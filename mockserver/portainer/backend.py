"""The Portainer backend: one object holding every Portainer rule module over one store."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mockserver.auth import Authenticator, Identity
from mockserver.ratelimit import RateLimiter
from mockserver.state import Store

from .context import Context
from .environments import Environments
from .resource_controls import ResourceControls
from .settings import SettingsRules
from .stacks import Stacks
from .system import PORTAINER_VERSION, System
from .teams import Teams
from .users import Users

__all__ = ["PORTAINER_VERSION", "PortainerBackend"]


class PortainerBackend:
    """Rules for users and tokens, teams, environments, stacks, resource controls and settings."""

    def __init__(
        self, store: Store, authenticator: Authenticator, limiter: RateLimiter | None
    ) -> None:
        self.ctx = Context(store, authenticator, limiter)
        self.users = Users(self.ctx)
        self.environments = Environments(self.ctx)
        self.stacks = Stacks(self.ctx)
        self.settings = SettingsRules(self.ctx)
        self.system = System(store)
        self.teams = Teams(self.ctx)
        self.resource_controls = ResourceControls(self.ctx)
        self._checks_before_body = self._before_body()
        self.checked_before_body = frozenset(self._checks_before_body)

    def status(self) -> dict[str, str]:
        return self.system.status()

    def check_before_body(
        self,
        operation_id: str | None,
        who: Identity | None,
        path: Mapping[str, int | None],
        query: Mapping[str, int | None],
    ) -> None:
        """The lookups and permissions Portainer makes on a route before it decodes the body,
        so a bad body on a missing stack is 404 and on a forbidden one 403 (the bouncer calls
        this before validation). `path` and `query` hold the ids as Go would parse them (None:
        absent or not a number, which the parameter's own check answers afterwards)."""
        check = self._checks_before_body.get(operation_id or "")
        if check is not None and who is not None:
            check(who, path, query)

    def _before_body(self) -> dict[str, Callable[[Identity, Mapping, Mapping], None]]:
        stacks, users = self.stacks, self.users

        def create(who: Identity, path: Mapping, query: Mapping) -> None:
            stacks.check_create_target(who, query.get("endpointId"))

        def update_stack(who: Identity, path: Mapping, query: Mapping) -> None:
            if path.get("id") is not None:
                stacks.check_update_target(who, path["id"], query.get("endpointId"))

        def redeploy(who: Identity, path: Mapping, query: Mapping) -> None:
            if path.get("id") is not None:
                stacks.check_redeploy_target(who, path["id"], query.get("endpointId"))

        def update_user(who: Identity, path: Mapping, query: Mapping) -> None:
            if path.get("id") is not None:
                users.check_update_target(who, path["id"])

        return {
            "createStandaloneStackFromString": create,
            "createSwarmStackFromString": create,
            "createStandaloneStackFromFile": create,
            "createSwarmStackFromFile": create,
            "createStandaloneStackFromRepository": create,
            "createSwarmStackFromRepository": create,
            "updateStack": update_stack,
            "redeployStackFromGit": redeploy,
            "updateUser": update_user,
            "updateUserPassword": update_user,
        }
