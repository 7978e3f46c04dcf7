"""What every Portainer rule module shares: the store, the authenticator and the rate limiter."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.auth import Authenticator
from mockserver.ratelimit import RateLimiter
from mockserver.state import Environment, Stack, Store, User

from . import errors


@dataclass
class Context:
    store: Store
    authenticator: Authenticator
    limiter: RateLimiter | None = None

    def check_rate(self, address: str) -> None:
        """Count one login or token-creation attempt; a banned address gets 403."""
        if self.limiter is not None and not self.limiter.allow(address):
            raise errors.rate_limited()

    def user(self, user_id: int) -> User:
        user = self.store.state.users.get(user_id)
        if user is None:
            raise errors.user_not_found(user_id)
        return user

    def environment(self, environment_id: int) -> Environment:
        env = self.store.state.environments.get(environment_id)
        if env is None:
            raise errors.environment_not_found(environment_id)
        return env

    def stack(self, stack_id: int) -> Stack:
        stack = self.store.state.stacks.get(stack_id)
        if stack is None:
            raise errors.stack_not_found(stack_id)
        return stack
