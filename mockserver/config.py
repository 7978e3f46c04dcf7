"""How a mock server is set up: the seed, the scenario and the switches."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockserver.limits import Limits


@dataclass(frozen=True)
class MockConfig:
    """Settings of one mock server.

    `validate_responses` checks every answer against the contract (always on in tests);
    `rate_limit` is Portainer's login and token-creation limiter; `control_api` serves
    `/__mock__/...`; `rancher_access_control` off gives Rancher's open mode;
    `rancher_settle_seconds` is how long a Rancher key's process runs (0: until the next request);
    `csrf` is Portainer's CSRF check on cookie sessions (unsafe methods need `X-CSRF-Token`);
    `control_token`, when set, must accompany every control API call; `limits` bounds what a
    client may send.
    """

    seed: int = 42
    scenario: str | None = None
    validate_responses: bool = False
    rate_limit: bool = True
    control_api: bool = True
    rancher_access_control: bool = True
    rancher_settle_seconds: float = 0.0
    csrf: bool = True
    control_token: str | None = None
    limits: Limits = field(default_factory=Limits)
