"""One running mock: its configuration, store, authenticator and the backends of both families."""

from __future__ import annotations

from typing import Any

from connexion.context import scope as _request_scope

from mockserver import seed as seeding
from mockserver.auth import Authenticator, Identity
from mockserver.config import MockConfig
from mockserver.faults import Faults
from mockserver.journal import Journal
from mockserver.portainer.backend import PortainerBackend
from mockserver.portainer.bouncer import RouteGuard
from mockserver.ratelimit import RateLimiter
from mockserver.state import Store


class Runtime:
    """Everything one mock server holds; the handlers reach it through `current()`."""

    def __init__(self, config: MockConfig) -> None:
        self.config = config
        self.seeded = seeding.build(config.seed, seeding.load_scenario(config.scenario))
        self.store = Store(self.seeded.state, adopt=True)  # built for this store alone
        self.authenticator = Authenticator(self.store)
        self.limiter = RateLimiter() if config.rate_limit else None
        self.portainer = PortainerBackend(self.store, self.authenticator, self.limiter)
        self.rancher: Any = None  # set by the Rancher family when it is installed
        self.control: Any = None  # the /__mock__ control API, when switched on
        bounds = config.limits
        # every contract request, without bodies or secrets; bounded in entries and bytes
        self.journal = Journal(bounds.journal_entries, bounds.journal_bytes)
        # injected latency, error statuses and dropped connections
        self.faults = Faults(bounds.max_fault_rules, bounds.max_fault_pattern)
        # Portainer's route wrappers by operationId (administrators only, rate limited), read
        # from the contract by the app; the bouncer applies them before a body is read.
        self.route_guards: dict[str, RouteGuard] = {}

    def reset(self, *, journal: bool = False, faults: bool = False) -> None:
        """Back to the seeded state. JWTs issued before are refused from then on (a new signing
        key, as after a restart): a user id may belong to someone else after the reset.

        The journal and the fault rules are kept unless asked for: they describe the test, not the
        data, and a test that resets mid-way can still assert on what was called before.
        """
        self.store.reset()
        self.authenticator.rotate_key()
        if self.limiter is not None:
            self.limiter.clear()
        if journal:
            self.journal.clear()
        if faults:
            self.faults.clear()

    def git_push(self, url: str, files: dict[str, str], ref: str | None = None) -> str:
        """A new commit on a mocked Git repository; its hash (see portainer/stacks/git.py)."""
        with self.store.lock:
            return self.portainer.stacks.repositories.push(url, files, ref).hash


def current() -> Runtime:
    """The runtime serving the request being handled."""
    return _request_scope["state"]["mock"]


def identity(token_info: dict[str, Any]) -> Identity:
    """The Portainer identity a security function attached to the request."""
    return token_info["identity"]
