"""The Portainer backend: one object holding every Portainer rule module over one store."""

from __future__ import annotations

from mockserver.auth import Authenticator
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

    def status(self) -> dict[str, str]:
        return self.system.status()
