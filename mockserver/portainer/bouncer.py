"""Portainer's route wrappers that refuse a request before its body is read.

Portainer's bouncer wraps some routes in `AdminAccess` and some in its rate limiter; both act
before the handler decodes the payload, so a standard user sending a malformed body to an
administrators' route gets 403, and every attempt at a limited route counts, malformed or not.
Connexion validates the body before the handler runs, so these checks sit between its security
and validation layers. So do the item lookups and permissions some routes make before decoding
their body (PortainerBackend.check_before_body). The contract marks the routes: `x-portainer-access: admin` (or `team-leader`) and
`x-portainer-rate-limited: true`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.auth import Identity
from mockserver.journal import OPERATION_SLOT, TOKEN_INFO_SLOT

from . import errors, payload, permissions
from .context import Context

ACCESS = "x-portainer-access"
RATE_LIMITED = "x-portainer-rate-limited"


@dataclass(frozen=True)
class RouteGuard:
    """What the bouncer checks on one operation before its body is read."""

    admin_only: bool = False
    leader_only: bool = False  # TeamLeaderAccess: administrators and team leaders
    rate_limited: bool = False


def route_guards(spec: Mapping[str, Any]) -> dict[str, RouteGuard]:
    """operationId -> its guard, for the operations the contract marks."""
    guards = {}
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            guard = RouteGuard(
                admin_only=operation.get(ACCESS) == "admin",
                leader_only=operation.get(ACCESS) == "team-leader",
                rate_limited=bool(operation.get(RATE_LIMITED)),
            )
            if guard != RouteGuard():
                guards[operation["operationId"]] = guard
    return guards


class Bouncer:
    """Connexion middleware (after security, before validation) applying the route guards."""

    def __init__(self, app: ASGIApp, runtime: Any) -> None:
        self.app = app
        self.runtime = runtime  # its `route_guards` say what to check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            routing = scope.get("extensions", {}).get("connexion_routing", {})
            guard_request(self.runtime, scope, routing.get("operation_id"))
        await self.app(scope, receive, send)


def guard_request(runtime: Any, scope: Scope, operation_id: str | None) -> None:
    """The bouncer's checks of one routed request (raises the refusal); also notes the operation
    and the state's generation for the journal and the kept answers."""
    # Connexion routes a copy of the scope; its state is shared (answers.py reads both:
    # the operation, and the state's generation once the caller is authenticated).
    scope.get("state", {})[OPERATION_SLOT] = (operation_id, runtime.store.generation)
    guard = runtime.route_guards.get(operation_id)
    token_info = scope.get("state", {}).get(TOKEN_INFO_SLOT) or {}
    if guard is not None:
        client = scope.get("client")
        check(
            guard,
            token_info.get("identity"),
            client[0] if client else "unknown",
            runtime.portainer.ctx,
        )
    if operation_id in runtime.portainer.checked_before_body:
        runtime.portainer.check_before_body(
            operation_id,
            token_info.get("identity"),
            go_ints(scope.get("path_params") or {}),
            go_ints(dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))),
        )


def go_ints(values: Mapping[str, Any]) -> dict[str, int | None]:
    """Route or query values as Go's strconv.Atoi reads them; None for one it refuses."""
    return {name: _go_int(value) for name, value in values.items()}


def _go_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):  # a route converter's
        return value if payload.INT64_MIN <= value <= payload.INT64_MAX else None
    return int(value) if isinstance(value, str) and payload.is_go_int(value) else None


def check(guard: RouteGuard, identity: Identity | None, address: str, ctx: Context) -> None:
    """Portainer's wrappers, in its order: AdminAccess or TeamLeaderAccess (403), then the rate
    limiter (403)."""
    if guard.admin_only and identity is not None and not permissions.is_admin(identity):
        raise errors.access_denied()
    if (
        guard.leader_only
        and identity is not None
        and not permissions.is_admin_or_team_leader(identity)
    ):
        raise errors.access_denied()
    if guard.rate_limited:
        ctx.check_rate(address)
