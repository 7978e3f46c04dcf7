"""The control API under /__mock__: outside the contract, for test isolation.

POST /__mock__/reset   back to the seeded state (204)
GET  /__mock__/state   a JSON snapshot of the state, without secrets or hashes
POST /__mock__/git     push a commit to a mocked Git repository (201 with its hash)

The request journal and fault injection add their routes (`/requests`, `/faults`) through
`ControlAPI.route`; see mockserver/traffic.py. So does the inspector page (`/`, `/seeded`; see
mockserver/inspector).

Who may call it (checked before a route runs, in this order):
* a browser page of another site may not: a request whose `Host` is neither a loopback name or
  address nor the address the connection came in on is refused 403 unless it carries the
  control token (a DNS-rebinding page names its own domain), and so is one whose `Origin` or
  `Sec-Fetch-Site` says it comes from another site;
* with a control token set (`--control-token`, `MockServer(control_token=...)`), every call must
  present it as `Authorization: Bearer TOKEN` or `X-Mock-Control-Token: TOKEN` (401 otherwise);
* a body must be JSON: a request with a body, or with one of the content types a cross-site form
  may send, whose Content-Type is not JSON gets 415.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

log = logging.getLogger("mockserver")

PREFIX = "/__mock__"
TOKEN_HEADER = b"x-mock-control-token"
_FORM_TYPES = (b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data")


def is_loopback(host: str) -> bool:
    """`localhost` (and names under it), or a loopback address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The host of a Host header or of an Origin's authority (without port or brackets)."""
    value = value.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0]
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


@dataclass(frozen=True)
class Raw:
    """An answer that is not JSON: the inspector's page and files (mockserver/inspector)."""

    content_type: str
    body: bytes


async def send_json(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    if isinstance(body, Raw):
        payload, head = body.body, [(b"content-type", body.content_type.encode())]
    else:
        # bytes: JSON already encoded (a large journal is encoded off the event loop)
        encoded = body if isinstance(body, bytes) else None
        payload = encoded or (b"" if body is None else orjson.dumps(body))
        head = [(b"content-type", b"application/json")] if body is not None else []
    head.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": head + (headers or [])})
    await send({"type": "http.response.body", "body": payload})


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class ControlAPI:
    """A tiny ASGI app of its own; routes are (method, sub-path) -> coroutine."""

    prefix = PREFIX

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        token = runtime.config.control_token
        self.token: bytes | None = token.encode() if token else None
        self.routes: dict[tuple[str, str], Any] = {
            ("POST", "/reset"): self.reset,
            ("GET", "/state"): self.state,
            ("POST", "/git"): self.git_push,
        }

    def route(self, method: str, path: str, handler: Any) -> None:
        """Add a route (used by other control features, e.g. the journal)."""
        self.routes[(method, path)] = handler

    def refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        """(status, message, details) when the caller may not use the control API, else None."""
        presented = self._presented_token(scope)
        token_ok = self.token is not None and presented is not None
        token_ok = token_ok and hmac.compare_digest(presented or b"", self.token or b"")
        host = _host_name(_header(scope, b"host") or "")
        server = scope.get("server") or ("", None)
        own = host == str(server[0]).lower()  # the address the connection came in on
        if not token_ok and host and not is_loopback(host) and not own:
            return 403, "Forbidden", f"Host {host!r} is not this mock's (DNS rebinding?)"
        origin = _header(scope, b"origin")
        if origin is not None and origin != "null" and _host_name(origin) != host:
            return 403, "Forbidden", "Cross-origin requests may not use the control API"
        if origin == "null" or (_header(scope, b"sec-fetch-site") or "") == "cross-site":
            return 403, "Forbidden", "Cross-site requests may not use the control API"
        if self.token is not None and not token_ok:
            return 401, "Unauthorized", "The control API needs its token (X-Mock-Control-Token)"
        content_type = (_header(scope, b"content-type") or "").lower().encode()
        has_body = scope["method"] in ("POST", "PUT", "PATCH", "DELETE") and (
            _header(scope, b"content-length") not in (None, "0")
        )
        if (has_body and b"json" not in content_type) or content_type.startswith(_FORM_TYPES):
            return 415, "Unsupported Media Type", "Control API bodies must be application/json"
        return None

    def _presented_token(self, scope: Scope) -> bytes | None:
        for name, value in scope["headers"]:
            if name == TOKEN_HEADER:
                return value.strip()
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                return value[7:].strip()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self.refusal(scope)
        if refused is not None:
            status, message, details = refused
            await send_json(send, status, {"message": message, "details": details})
            return
        sub = scope["path"][len(PREFIX) :].rstrip("/") or "/"
        handler = self.routes.get((scope["method"], sub))
        if handler is None:
            allowed = sorted(m for (m, p) in self.routes if p == sub)
            if allowed:
                await send_json(
                    send,
                    405,
                    {"message": "Method Not Allowed", "details": f"Allowed: {', '.join(allowed)}"},
                    [(b"allow", ", ".join(allowed).encode())],
                )
            else:
                await send_json(
                    send, 404, {"message": "Not found", "details": f"No control route {sub}"}
                )
            return
        status, body = await handler(scope, await read_body(receive))
        await send_json(send, status, body)

    async def reset(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        self.runtime.reset()
        return 204, None

    async def state(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        return 200, self.runtime.store.snapshot()

    async def git_push(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        """`{"url", "files": {path: content}, "ref"?}` -> 201 `{"url", "ref", "hash"}`."""
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        files = data.get("files") if isinstance(data, dict) else None
        url = data.get("url") if isinstance(data, dict) else None
        ref = data.get("ref") if isinstance(data, dict) else None
        valid = (
            isinstance(url, str)
            and url
            and isinstance(files, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
            and (ref is None or isinstance(ref, str))
        )
        if not valid:
            return 400, {
                "message": "Invalid request payload",
                "details": 'Expected {"url": str, "files": {path: content}, "ref": str (optional)}',
            }
        commit_hash = self.runtime.git_push(url, files, ref)
        return 201, {"url": url.rstrip("/"), "ref": ref, "hash": commit_hash}
