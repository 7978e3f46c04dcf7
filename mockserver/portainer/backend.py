"""The Portainer backend: one object holding every Portainer rule module over one store."""

from __future__ import annotations

from mockserver.auth import Authenticator
from mockserver.ratelimit import RateLimiter
from mockserver.state import Store

from .context import Context
from .environments import Environments
from .settings import SettingsRules
from .stacks import Stacks
from .users import Users

PORTAINER_VERSION = "2.23.0"


class PortainerBackend:
    """Rules for users and tokens, environments, stacks and settings."""

    def __init__(
        self, store: Store, authenticator: Authenticator, limiter: RateLimiter | None
    ) -> None:
        self.ctx = Context(store, authenticator, limiter)
        self.users = Users(self.ctx)
        self.environments = Environments(self.ctx)
        self.stacks = Stacks(self.ctx)
        self.settings = SettingsRules(self.ctx)

    def status(self) -> dict[str, str]:
        return {"Version": PORTAINER_VERSION, "InstanceID": self.ctx.store.state.instance_id}
