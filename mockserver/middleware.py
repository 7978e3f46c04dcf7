"""The outermost ASGI layer: refuses requests past a limit (mockserver/limits.py) before anything
else, reads a body in full (bounded, chunked or not) so every later layer sees one body with its
length, puts the runtime in reach of the handlers, normalises what real clients send (Rancher's
trailing slashes and spellings, Portainer's bare JWTs) and serves the control API before the
request reaches Connexion. Whatever escapes below still leaves as a shaped 500."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from connexion.context import _scope as _connexion_scope
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import http_errors, limits, traffic
from mockserver.answers import CachedReads
from mockserver.auth import COOKIE_NAME
from mockserver.direct import DirectWrites, replay_body
from mockserver.errors import MockError, PortainerError, RancherError
from mockserver.portainer.csrf import CsrfGuard
from mockserver.rancher.links import VERSION_SCOPE_KEY
from mockserver.rancher.wire import RancherWire
from mockserver.replay import Replays

log = logging.getLogger("mockserver")

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
            # Latin-1 both ways: any byte a client escapes (`%ff`) survives as that byte.
            for name, value in reversed(parse_qsl(query.decode("latin-1"), encoding="latin-1"))
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


def _server_error(path: str) -> MockError:
    if http_errors.is_rancher(path):
        return RancherError(500, detail="Internal Server Error")
    return PortainerError(500, "Internal Server Error", "Internal Server Error")


def _may_carry_body(scope: Scope) -> bool:
    """A request that announces a body: a Content-Length above 0, or a chunked one."""
    length = limits.declared_length(scope["headers"])
    if length is not None:
        return length > 0
    encoding = _header(scope, b"transfer-encoding")
    return encoding is not None and b"chunked" in encoding.lower()


async def _read_bounded_body(scope: Scope, receive: Receive, bounds: limits.Limits) -> Any:
    """The whole body (chunked or not), or the error when it is too large or too slow.

    A declared length past the limit is refused before a byte of the body is read; a chunked body
    is read only up to the limit. The body then carries its Content-Length (Connexion reads a
    body only when one is declared), so chunked bodies work on every route."""
    declared = limits.declared_length(scope["headers"])
    if declared is not None and declared > bounds.max_body_bytes:
        return limits.body_too_large(bounds, scope["path"])
    chunks: list[bytes] = []
    size = 0
    # A body the server already holds whole cannot be slow: no timer for it.
    waits = not _arrived(receive)
    try:
        async with asyncio.timeout(bounds.body_timeout) if waits else contextlib.nullcontext():
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break  # the client left: the app sees an empty rest, as before
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > bounds.max_body_bytes:
                    return limits.body_too_large(bounds, scope["path"])
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
    except TimeoutError:
        return limits.body_too_slow(bounds, scope["path"])
    body = b"".join(chunks)
    scope["headers"] = [
        (k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")
    ] + [(b"content-length", str(len(body)).encode())]
    return body


def _arrived(receive: Receive) -> bool:
    """True when reading the body cannot wait: the server's request cycle (uvicorn's) already
    holds all of it, its message complete and its event set."""
    cycle = getattr(receive, "__self__", None)
    event = getattr(cycle, "message_event", None)
    return getattr(cycle, "more_body", True) is False and event is not None and event.is_set()


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
        # Repeated reads answered from bytes, inside every per-request layer (answers.py).
        self.reads = CachedReads(DirectWrites(app, app, runtime), runtime)
        self.replays = Replays(runtime, self.reads)  # the same reads again, from the door
        self._csrf_app = CsrfGuard(self.reads)
        self._rancher_app = RancherWire(self.reads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replay_key = self.replays.key(scope) if scope["method"] == "GET" else None
        start: Message | None = None

        async def watch(message: Message) -> None:
            nonlocal start
            if start is None and message["type"] == "http.response.start":
                start = message
            await send(message)

        try:
            if replay_key is not None and await self.replays.replay(replay_key, scope, watch):
                return
            # The server's request cycle, for a `drop` fault (the wrappers below hide it); held
            # weakly, as the cycle holds the scope: a strong reference made every request a
            # reference cycle, left for the garbage collector's full passes (20-50 ms each).
            cycle = getattr(send, "__self__", None) or getattr(receive, "__self__", None)
            scope.setdefault("state", {})[traffic.CYCLE_SLOT] = traffic.held_weakly(cycle)
            await self._serve(scope, receive, watch)
            if replay_key is not None and start is not None:
                self.replays.learn(replay_key, scope, start)
        except traffic.ConnectionDropped:
            raise  # in-process, a `drop` fault is this exception (see traffic.drop_connection)
        except Exception as exc:  # a bug below: still the family's body, never a bare 500
            log.error("unexpected error on %s %s", scope["method"], scope["path"], exc_info=exc)
            if start is None:
                await traffic.send_error(send, _server_error(scope["path"]), {})

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        bounds: limits.Limits = self.runtime.config.limits
        refused = limits.head_refusal(
            bounds,
            path,
            scope.get("raw_path") or path.encode(),
            scope.get("query_string", b""),
            scope["headers"],
        )
        declared = limits.declared_length(scope["headers"])
        if refused is None and declared is not None and declared > bounds.max_body_bytes:
            refused = limits.body_too_large(bounds, path)
        control = self.runtime.control
        if refused is None and control is not None and path.startswith(control.prefix):
            denied = control.refusal(scope)  # token, Host, Origin: before a body is read
            if denied is not None:
                await control(scope, receive, send)  # answers the refusal
                return
        if refused is None and _may_carry_body(scope):
            body = await _read_bounded_body(scope, receive, bounds)
            if isinstance(body, MockError):
                refused = body
            else:
                receive = replay_body(body, receive)
        if refused is not None:  # answered before authentication, and not journaled
            await traffic.send_error(send, refused, {"Connection": "close"})
            return
        scope.setdefault("state", {})["mock"] = self.runtime
        # Connexion binds its request context only just before the handler; security functions
        # run earlier and reach the runtime through `runtime.current()` too.
        _connexion_scope.set(scope)
        if control is not None and path.startswith(control.prefix):
            await control(scope, receive, send)
            return
        app: ASGIApp = self.reads
        if path.startswith(RANCHER_PREFIX) or _is_v1(path):
            self._normalise_rancher(scope)
            app = self._rancher_app  # body before auth, charset on answers (rancher/wire.py)
        else:
            if self.runtime.config.csrf:
                app = self._csrf_app  # Portainer's CSRF layer wraps every route
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
