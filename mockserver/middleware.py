"""The outermost ASGI layer: puts the runtime in reach of the handlers, normalises what real
clients send (Rancher's trailing slashes and spellings, Portainer's bare JWTs) and serves the
control API before the request reaches Connexion."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from connexion.context import _scope as _connexion_scope
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import http_errors, traffic
from mockserver.auth import COOKIE_NAME
from mockserver.errors import MockError
from mockserver.portainer.csrf import CsrfGuard
from mockserver.rancher.links import VERSION_SCOPE_KEY
from mockserver.rancher.wire import RancherWire

RANCHER_PREFIX = "/v2-beta"
RANCHER_V1 = "/v1"  # Rancher's older API version: an alias of /v2-beta here
ENVIRONMENT_CREATE = "/api/endpoints"
_APIKEY_SEGMENT = re.compile(r"/(apikey|apiKey|apiKeys)(?=/|$)")
# Docker clients put the API version first (`/v1.47/containers/json`); Portainer's proxy drops
# it (api/http/proxy/factory/docker/transport.go, apiVersionRe).
_DOCKER_API_VERSION = re.compile(r"^(/api/endpoints/[^/]+/docker)/v[0-9]+\.[0-9]+(?=/)")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def _replace_header(scope: Scope, name: bytes, value: bytes) -> None:
    scope["headers"] = [(k, v) for k, v in scope["headers"] if k != name] + [(name, value)]


def _read_body_as_json(scope: Scope) -> None:
    """Both products decode a POST or PUT body as JSON whatever its Content-Type says (so
    `curl -d '{...}'` works without `-H`); tell Connexion the same."""
    if scope["method"] in ("POST", "PUT"):
        content_type = _header(scope, b"content-type") or b""
        if b"json" not in content_type and not content_type.startswith(b"multipart/form-data"):
            _replace_header(scope, b"content-type", b"application/json")


def _credentials_as_headers(scope: Scope) -> None:
    """Portainer also reads an access token from `?x-api-key=` (any case), a JWT from `?token=`
    and from its `portainer_api_key` cookie. The contract declares the headers only, so a
    credential found elsewhere is handed on as the header it stands for (the header wins)."""
    if _header(scope, b"x-api-key") is not None or _header(scope, b"authorization") is not None:
        return
    query: bytes = scope.get("query_string", b"")
    lowered = query.lower()
    if b"x-api-key=" in lowered or b"token=" in lowered:
        found = {
            name.lower() if name.lower() == "x-api-key" else name: value
            for name, value in reversed(parse_qsl(query.decode("latin-1")))
            if value
        }  # the first of each name wins, as Go's Query().Get takes it
        if "x-api-key" in found:
            _replace_header(scope, b"x-api-key", found["x-api-key"].encode("latin-1"))
            return
        if "token" in found:
            _replace_header(scope, b"authorization", b"Bearer " + found["token"].encode("latin-1"))
            return
    cookie = _header(scope, b"cookie")
    if cookie is not None and COOKIE_NAME.encode() in cookie:
        for part in cookie.split(b";"):
            name, _, value = part.strip().partition(b"=")
            if name == COOKIE_NAME.encode() and value:
                _replace_header(scope, b"authorization", b"Bearer " + value)
                return


def _is_v1(path: str) -> bool:
    return path == RANCHER_V1 or path.startswith(RANCHER_V1 + "/")


_DEPRECATED_TYPES = {"1": "swarm", "2": "standalone"}


def deprecated_stack_route(scope: Scope) -> str | None:
    """Portainer still serves `POST /api/stacks?type=1|2&method=...&endpointId=N` by handing it
    to `/api/stacks/create/{swarm|standalone}/{method}` (stack_create.go
    `deprecatedStackCreateUrlParser`); the path it stands for, or None."""
    if scope["method"] != "POST" or scope["path"].rstrip("/") != "/api/stacks":
        return None
    query = dict(reversed(parse_qsl(scope.get("query_string", b"").decode("latin-1"))))
    kind = _DEPRECATED_TYPES.get(query.get("type", ""))
    method = query.get("method", "")
    if kind is None or method not in ("string", "file", "repository"):
        return None  # the contract's parameter checks answer it (400)
    return f"/api/stacks/create/{kind}/{method}"


class _Rerouted:
    """An app that serves a request under another path (the journal keeps the one sent)."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "path": self.path, "raw_path": self.path.encode()}
        await self.app(scope, receive, send)


class _Refusal:
    """An app that answers one error: a request refused before it reaches Connexion."""

    def __init__(self, error: MockError) -> None:
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await traffic.send_error(send, self.error, {})


class MockMiddleware:
    """Wraps the Connexion app; `runtime` is the mock's state and rules."""

    def __init__(self, app: ASGIApp, runtime: Any) -> None:
        self.app = app
        self.runtime = runtime
        self._rancher_app = RancherWire(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["mock"] = self.runtime
        # Connexion binds its request context only just before the handler; security functions
        # run earlier and reach the runtime through `runtime.current()` too.
        _connexion_scope.set(scope)
        path: str = scope["path"]
        control = self.runtime.control
        if control is not None and path.startswith(control.prefix):
            await control(scope, receive, send)
            return
        app = self.app
        if path.startswith(RANCHER_PREFIX) or _is_v1(path):
            self._normalise_rancher(scope)
            app = self._rancher_app  # body before auth, charset on answers (rancher/wire.py)
        else:
            if self.runtime.config.csrf:
                app = CsrfGuard(app)  # Portainer's CSRF layer wraps every route
            self._normalise_portainer(scope)
            rerouted = deprecated_stack_route(scope)
            if rerouted is not None:
                app = _Rerouted(app, rerouted)
            out_of_range = http_errors.route_variable_out_of_range(path)
            if out_of_range is not None:  # before routing, whose int() would choke on it
                request = Request(scope)
                refusal = self.runtime.authenticator.refusal(request.headers, request.cookies)
                app = _Refusal(refusal or out_of_range)
        await traffic.observe(self.runtime, app, scope, receive, send)  # journal, faults

    @staticmethod
    def _normalise_rancher(scope: Scope) -> None:
        path = scope["path"]
        if _is_v1(path):
            scope[VERSION_SCOPE_KEY] = "v1"
            if path.startswith(RANCHER_V1 + "/") and path != RANCHER_V1 + "/":
                path = RANCHER_PREFIX + path[len(RANCHER_V1) :]  # /v1/... answers as /v2-beta/...
        path = _APIKEY_SEGMENT.sub("/apikeys", path)
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        if path != scope["path"]:
            scope["path"] = path
            scope["raw_path"] = path.encode()
        _read_body_as_json(scope)

    @staticmethod
    def _normalise_portainer(scope: Scope) -> None:
        path = scope["path"]
        if "/docker/v" in path:
            stripped = _DOCKER_API_VERSION.sub(r"\1", path)
            if stripped != path:
                scope["path"] = stripped
                scope["raw_path"] = stripped.encode()
        auth = _header(scope, b"authorization")
        if auth is not None and auth.strip() and b" " not in auth.strip():
            # Portainer accepts a bare JWT without the "Bearer " prefix.
            _replace_header(scope, b"authorization", b"Bearer " + auth.strip())
        _credentials_as_headers(scope)
        if scope["path"] != ENVIRONMENT_CREATE:  # a multipart form, as Portainer reads it
            _read_body_as_json(scope)
