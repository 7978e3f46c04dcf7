"""The control API under /__mock__: outside the contract, for test isolation.

POST /__mock__/reset   back to the seeded state (204)
GET  /__mock__/state   a JSON snapshot of the state, without secrets or hashes
POST /__mock__/git     push a commit to a mocked Git repository (201 with its hash)

The request journal and fault injection add their routes (`/requests`, `/faults`) through
`ControlAPI.route`; see mockserver/traffic.py. So does the inspector page (`/`, `/seeded`; see
mockserver/inspector).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

PREFIX = "/__mock__"


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
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
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
        self.routes: dict[tuple[str, str], Any] = {
            ("POST", "/reset"): self.reset,
            ("GET", "/state"): self.state,
            ("POST", "/git"): self.git_push,
        }

    def route(self, method: str, path: str, handler: Any) -> None:
        """Add a route (used by other control features, e.g. the journal)."""
        self.routes[(method, path)] = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
