"""Every contract request passes here: the fault rules first, then the app; then a journal entry.

Also the control API's routes for both:

GET    /__mock__/requests   the journal (filters: method, path glob, status, username, credential)
DELETE /__mock__/requests   empty the journal (204)
GET    /__mock__/faults     the active fault rules
POST   /__mock__/faults     add a rule (JSON, see faults.Faults.add_json); 201 with the rule
DELETE /__mock__/faults     remove every rule, or one with ?id=N (204)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import MockError
from mockserver.faults import Fault, FaultError
from mockserver.http_errors import is_rancher, render
from mockserver.journal import TOKEN_INFO_SLOT, presented_credential


class ConnectionDropped(ConnectionError):
    """Raised for a `drop` fault when the server offers no way to close the connection."""


async def observe(runtime: Any, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one request through `app`, applying the first matching fault, and journal it."""
    journal, faults = runtime.journal, runtime.faults
    started, clock = time.time(), time.perf_counter()
    journal_generation, faults_generation = journal.generation, faults.generation
    state = scope.setdefault("state", {})
    state[TOKEN_INFO_SLOT] = None
    status: int | None = None

    async def watch(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    fault = faults.take(scope["method"], scope["path"])
    try:
        if fault is None:
            await app(scope, receive, watch)
        else:
            await _apply(fault, faults, faults_generation, app, scope, receive, send, watch)
    finally:
        journal_request(
            runtime,
            scope,
            started=started,
            clock=clock,
            generation=journal_generation,
            status=status,
            fault=fault.describe() if fault else None,
        )


def journal_request(
    runtime: Any,
    scope: Scope,
    *,
    started: float,
    clock: float,
    generation: int,
    status: int | None,
    fault: str | None = None,
) -> None:
    """The journal entry of one request that began at `started` (wall) and `clock`
    (perf_counter), while the journal was at `generation`."""
    runtime.journal.record(
        started=started,
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b""),
        credential=presented_credential(scope["headers"], rancher=is_rancher(scope["path"])),
        token_info=scope["state"].get(TOKEN_INFO_SLOT),
        status=status,
        duration_ms=(time.perf_counter() - clock) * 1000,
        fault=fault,
        generation=generation,
    )


async def _apply(
    fault: Fault,
    faults: Any,
    generation: int,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    server_send: Send,
    send: Send,
) -> None:
    """Act on one request; `server_send` is the server's own, `send` the journal's watch on it."""
    if fault.latency and not await faults.wait(fault.latency, generation):
        # Cleared (or reset between tests) while waiting: never let the request land late.
        await drop_connection(receive, server_send, scope)
        return
    if fault.drop:
        await drop_connection(receive, server_send, scope)
    elif fault.status is not None:
        await send_error(send, fault.error(scope["path"]), fault.headers)
    else:
        await app(scope, receive, send)


CYCLE_SLOT = "mock.cycle"  # where the outer middleware leaves the server's request cycle


def held_weakly(cycle: Any) -> Callable[[], Any]:
    """A weak reference to the server's request cycle (or a stand-in returning None)."""
    try:
        return weakref.ref(cycle)
    except TypeError:  # None, or an object that cannot be referenced weakly
        return lambda: None


async def drop_connection(receive: Receive, send: Send, scope: Scope | None = None) -> None:
    """Close the client's connection without an answer.

    ASGI has no message for this; under uvicorn the transport is reached through the request's
    own `send` or `receive` (methods of its request cycle). Elsewhere (an in-process test client)
    ConnectionDropped is raised instead.
    """
    held = (scope or {}).get("state", {}).get(CYCLE_SLOT)
    cycle = held() if held is not None else None
    cycle = cycle or getattr(send, "__self__", None) or getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("fault injection: connection dropped")
    # Read the request body first: closing with unread bytes makes the kernel send a reset, and
    # the client would see "connection reset" or "server disconnected" depending on timing.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1):
            while (await receive()).get("more_body"):
                pass
    transport.close()
    for _ in range(100):  # let the server see the loss, so it does not try to answer 500
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)


async def send_error(send: Send, error: MockError, extra_headers: dict[str, str]) -> None:
    response = render(error, extra_headers)
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body)
    headers = [(k.lower().encode(), v.encode()) for k, v in (response.headers or {}).items()]
    if not any(name == b"content-type" for name, _ in headers):
        headers.append((b"content-type", str(response.content_type).encode()))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- the control API's routes
def _query(scope: Scope) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode("latin-1")
    return {name: values[-1] for name, values in parse_qs(raw, encoding="latin-1").items()}


def _encode_entries(entries: list[Any]) -> bytes:
    return orjson.dumps([entry.to_json() for entry in entries])


def _is_number(text: str, max_digits: int) -> bool:
    """ASCII digits only (`str.isdigit` also takes "²", which int() refuses)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def _bad_request(details: str) -> tuple[int, Any]:
    return 400, {"message": "Invalid request", "details": details}


class TrafficControl:
    """Journal and fault routes of the control API, bound to one runtime."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def install(self, control: Any) -> None:
        control.route("GET", "/requests", self.list_requests)
        control.route("DELETE", "/requests", self.clear_requests)
        control.route("GET", "/faults", self.list_faults)
        control.route("POST", "/faults", self.add_fault)
        control.route("DELETE", "/faults", self.remove_faults)

    async def list_requests(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        query = _query(scope)
        status = query.get("status")
        if status is not None and not _is_number(status, 3):
            return _bad_request("status must be an HTTP status (three digits)")
        journal = self.runtime.journal

        def read() -> bytes:
            return _encode_entries(
                journal.entries(
                    query.get("method"),
                    query.get("path"),
                    status=int(status) if status is not None else None,
                    username=query.get("username"),
                    credential=query.get("credential"),
                )
            )

        # Thousands of entries take tens of milliseconds to build and encode: in a worker
        # thread, so the event loop keeps serving (the GIL is handed over every few ms).
        return 200, await asyncio.to_thread(read)

    async def clear_requests(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        self.runtime.journal.clear()
        return 204, None

    async def list_faults(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        return 200, [rule.to_json() for rule in self.runtime.faults.rules()]

    async def add_fault(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        try:
            rule = self.runtime.faults.add_json(json.loads(body or b"null"))
        except RecursionError:
            return _bad_request("Invalid JSON: nested too deeply")
        except ValueError as exc:  # FaultError, or a body that is not JSON (or not UTF-8)
            detail = str(exc) if isinstance(exc, FaultError) else f"Invalid JSON: {exc}"
            return _bad_request(detail)
        return 201, rule.to_json()

    async def remove_faults(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        rule_id = _query(scope).get("id")
        if rule_id is None:
            self.runtime.faults.clear()
            return 204, None
        if not _is_number(rule_id, 18):
            return _bad_request("id must be an integer")
        if not self.runtime.faults.remove(int(rule_id)):
            return 404, {"message": "Not found", "details": f"No fault rule {rule_id}"}
        return 204, None
