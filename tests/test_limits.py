"""Issue 17, findings 1, 2, 5, 7 and 8: bounded requests, refused early, in the family's shape.

In-process tests call the ASGI app with a `receive` that fails if the body is read, so "answered
without reading the rest" is asserted, not timed. Socket tests send a head that never ends: an
answer can then only come from the guard, before the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.datastructures import QueryParams
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.limits import Limits, query_parameter_count
from mockserver.testing import MockServer

SMALL = Limits(
    max_body_bytes=1000,
    max_header_bytes=2000,
    max_url_bytes=500,
    max_query_params=10,
    max_connections=3,
    head_timeout=1.0,
    body_timeout=1.0,
)


def call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], **kw: Any) -> Any:
    """One request straight through the ASGI app; the body must never be read."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": kw.get("query", b""),
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 9000),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


@pytest.fixture(scope="module")
def small_app() -> Any:
    return create_app(MockConfig(rate_limit=False, limits=SMALL))


@pytest.mark.parametrize("path", ["/api/auth", "/v2-beta/projects/1a2/apikeys", "/__mock__/faults"])
def test_a_body_past_the_limit_is_refused_unread_before_authentication(
    small_app: Any, path: str
) -> None:
    status, body = call(small_app, "POST", path, [(b"content-length", b"500000000")])
    assert status == 413
    if path.startswith("/v2-beta"):
        assert body["type"] == "error" and body["code"] == "RequestEntityTooLarge"
    else:
        assert body == {
            "message": "Request body too large",
            "details": "The request body exceeds 1000 bytes",
        }


def test_a_chunked_body_past_the_limit_is_refused(small_app: Any) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 100

    with TestClient(small_app) as client:
        answer = client.post("/api/auth", content=chunks())
    assert answer.status_code == 413
    assert answer.json()["message"] == "Request body too large"


def test_chunked_bodies_are_accepted_everywhere(client: TestClient, runtime: Any) -> None:
    """Finding 7: a complete chunked body got `400 RequestBody is required`."""

    def chunked(data: dict[str, Any]) -> Iterator[bytes]:
        raw = json.dumps(data).encode()
        yield raw[:5]
        yield raw[5:]

    login = client.post(
        "/api/auth", content=chunked({"username": "alice", "password": "alice-password"})
    )
    assert login.status_code == 200, login.text
    admin = runtime.seeded.rancher_admin
    key = client.post(
        "/v2-beta/projects/1a2/apikeys",
        content=chunked({"name": "chunked"}),
        auth=(admin.access_key, admin.secret_key),
    )
    assert key.status_code == 201, key.text
    rule = client.post(
        "/__mock__/faults",
        content=chunked({"path": "/nowhere", "status": 503}),
        headers={"Content-Type": "application/json"},
    )
    assert rule.status_code == 201, rule.text


@pytest.mark.parametrize(
    ("path", "query", "headers", "status"),
    [
        ("/api/status", b"a=" + b"x" * 600, [], 414),
        ("/api/status", b"", [(b"x-big", b"y" * 2500)], 431),
        ("/api/status", b"&".join(b"p%d=1" % i for i in range(11)), [], 400),
        ("/v2-beta/projects", b"&".join(b"p%d=1" % i for i in range(11)), [], 400),
        ("/__mock__/state", b"", [(b"x-big", b"y" * 2500)], 431),
    ],
)
def test_request_heads_past_a_limit_are_refused_before_authentication(
    small_app: Any, path: str, query: bytes, headers: list[tuple[bytes, bytes]], status: int
) -> None:
    got, body = call(small_app, "GET", path, headers, query=query)
    assert got == status
    if path.startswith("/v2-beta"):
        assert body["type"] == "error" and body["status"] == status
    else:
        assert set(body) == {"message", "details"}


def test_defaults_are_what_the_issue_names() -> None:
    limits = Limits()
    assert (limits.max_body_bytes, limits.max_header_bytes) == (16 * 2**20, 64 * 2**10)
    assert (limits.max_query_params, limits.max_url_bytes) == (1000, 16 * 2**10)
    with pytest.raises(ValueError, match="max_body_bytes"):
        Limits(max_body_bytes=0)


def test_query_parameters_are_counted_as_parsed() -> None:
    assert query_parameter_count(b"a=1&b=2") == 2
    assert query_parameter_count(b"a=1&&&b=2&") == 2


def test_query_parsing_is_linear(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 2: Connexion called `getlist` once per parameter name, each a full scan."""

    def quadratic(self: QueryParams, key: str) -> list[str]:
        raise AssertionError("getlist scans every parameter: quadratic over all names")

    monkeypatch.setattr(QueryParams, "getlist", quadratic)
    query = "&".join(f"p{i}=v" for i in range(999))
    assert client.get(f"/api/status?{query}").status_code == 200
    assert client.get(f"/api/stacks?{query}", headers={"X-API-Key": "nope"}).status_code == 401


def test_a_credential_that_is_not_utf8_gets_a_shaped_401(client: TestClient) -> None:
    """Finding 8: `?x-api-key=%ff` answered a plain-text 500."""
    for query in ("x-api-key=%ff", "token=%ff%fe", "X-API-KEY=%c3%28"):
        answer = client.get(f"/api/stacks?{query}")
        assert answer.status_code == 401, query
        assert answer.json() == {"message": "Invalid JWT token", "details": "Unauthorized"}


# -- at the socket: a real server with small limits
@pytest.fixture(scope="module")
def guarded() -> Iterator[MockServer]:
    with MockServer(limits=SMALL) as server:
        yield server


def _connect(server: MockServer) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=5)
    return sock


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_an_endless_header_is_answered_431_before_it_ends(guarded: MockServer) -> None:
    with _connect(guarded) as sock:
        sock.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000)
        answer = _read_answer(sock)  # the head never ended: only the guard can answer
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert json.loads(body)["message"] == "Request header fields too large"


def test_an_endless_url_is_answered_414_before_it_ends(guarded: MockServer) -> None:
    with _connect(guarded) as sock:
        sock.sendall(b"GET /v2-beta/projects?" + b"a" * 2000)
        answer = _read_answer(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 ")
    assert json.loads(body)["code"] == "RequestURITooLong"  # Rancher's error resource


def test_a_slow_head_gets_408_and_a_silent_connection_is_closed(guarded: MockServer) -> None:
    with _connect(guarded) as sock:
        sock.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        assert _read_answer(sock).startswith(b"HTTP/1.1 408 ")
    with _connect(guarded) as sock:
        assert _read_answer(sock) == b""  # closed by the server, not left open for ever


def test_a_body_that_stops_arriving_gets_408_and_a_whole_one_its_answer(
    guarded: MockServer,
) -> None:
    head = b"POST /api/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    whole = b'{"username":"admin","password":"not-this-one"}'
    with _connect(guarded) as sock:
        sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(whole) + whole[:10])
        assert _read_answer(sock).startswith(b"HTTP/1.1 408 ")  # the rest never came
    with _connect(guarded) as sock:
        sock.sendall(head + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(whole) + whole)
        assert _read_answer(sock).startswith(b"HTTP/1.1 422 ")  # all there: no wait, no 408


def test_connections_past_the_cap_are_refused_cleanly(guarded: MockServer) -> None:
    held = [_connect(guarded) for _ in range(SMALL.max_connections)]
    try:
        for sock in held:  # each is accepted and idle in its head
            sock.sendall(b"GET /api/status HTTP/1.1\r\n")
        with _connect(guarded) as extra:
            answer = _read_answer(extra)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 ")
        assert json.loads(body)["message"] == "Too many connections"
    finally:
        for sock in held:
            sock.close()


def test_running_out_of_file_descriptors_is_logged_once_not_per_accept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Finding 5: every failed accept() under EMFILE wrote a traceback to stderr."""
    from mockserver import serving

    serving._throttled = serving._Throttled()  # a fresh throttle for this test
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.WARNING, logger="mockserver"):
            for _ in range(500):
                serving._loop_exception_handler(
                    loop,
                    {
                        "message": "socket.accept() out of system resource",
                        "exception": OSError(24, "Too many open files"),
                    },
                )
    finally:
        loop.close()
    assert len(caplog.records) == 1
    assert "Too many open files" in caplog.records[0].getMessage()
