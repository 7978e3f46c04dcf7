"""How uvicorn serves the mock: one place for the server settings that `mockserver run` and
MockServer share, and the connection guard that enforces mockserver/limits.py at the socket.

The guard is uvicorn's httptools protocol with these additions:

* a request head (request line and headers) past its limits is answered 414 or 431 in the family's
  body shape as soon as the limit is crossed, without reading the rest; the rest is discarded
  while the answer drains, then the connection is closed;
* a head must arrive within `head_timeout` (408, or a silent close when nothing came at all), an
  idle keep-alive connection closes after `idle_timeout` (uvicorn's own keep-alive timer);
* past `max_connections` open connections a new one is answered 503 and closed at once, with one
  warning per 10 s, not one per connection;
* the event loop's "socket.accept() out of system resource" (EMFILE) report is logged once per
  10 s with a count, instead of once per failed accept.

The access log (uvicorn.access) is filtered so that credentials in a query string are replaced by
`[redacted]`, whatever their form (mockserver/journal.py decides what a credential looks like).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import limits
from mockserver.errors import MockError, RancherError
from mockserver.journal import redact_target

log = logging.getLogger("mockserver")

LINGER = 1.0  # seconds a refused connection's remaining input is discarded before closing
_WARN_EVERY = 10.0  # seconds between two warnings of the same kind


class _Throttled:
    """Logs one warning of a kind per `_WARN_EVERY` seconds, counting the ones left out."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def warn(self, kind: str, text: str) -> None:
        now = time.monotonic()
        if now - self._last.get(kind, -_WARN_EVERY) < _WARN_EVERY:
            self._skipped[kind] = self._skipped.get(kind, 0) + 1
            return
        skipped = self._skipped.pop(kind, 0)
        self._last[kind] = now
        log.warning("%s%s", text, f" ({skipped} more since the last warning)" if skipped else "")


_throttled = _Throttled()


def _loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    message = str(context.get("message", ""))
    if "out of system resource" in message or isinstance(context.get("exception"), OSError):
        _throttled.warn("accept", f"{message}: {context.get('exception')}")
        return
    loop.default_exception_handler(context)


def _encode(error: MockError) -> bytes:
    status = error.status_code
    body = json.dumps(error.body(), separators=(",", ":")).encode()
    content_type = (
        b"application/json; charset=utf-8"
        if isinstance(error, RancherError)
        else b"application/json"
    )
    return b"".join(
        [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode(),
            b"content-type: " + content_type + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, bounded by `limits` (set on the subclass `protocol_class`
    makes)."""

    limits: limits.Limits = limits.Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.loop.get_exception_handler() is not _loop_exception_handler:
            self.loop.set_exception_handler(_loop_exception_handler)
        self._refused = False
        self._in_head = False
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    # -- connections
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            _throttled.warn(
                "connections", f"refused a connection: {len(self.connections) - 1} already open"
            )
            self._refuse(limits.too_many_connections(self.limits))
            return
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # discarded while the refusal drains
        cycle = self.cycle
        between_requests = cycle is None or (cycle.response_complete and not cycle.more_body)
        if self._in_head or between_requests:  # a head (not a body the app left unread)
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            not self._refused
            and self._in_head
            and self._head_bytes > self.limits.max_url_bytes + self.limits.max_header_bytes
        ):
            self._refuse(limits.headers_too_large(self.limits, self._path()))

    # -- parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.max_url_bytes:
            self._refuse(limits.url_too_long(self.limits, self._path()))

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._stop_head_timer()
        if self._refused:
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    # -- helpers
    def _path(self) -> str:
        url = getattr(self, "url", b"") or b""
        return url.split(b"?", 1)[0].decode("latin-1")

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._refused or self.transport.is_closing():
            return
        if self._in_head:
            self._refuse(limits.refusal(408, self._path(), "The request head came too slowly"))
        elif self.cycle is None:
            self.transport.close()  # connected, and never sent anything

    def _refuse(self, error: MockError) -> None:
        """Answer `error` and close, without reading the rest of the request."""
        if self._refused:
            return
        self._refused = True
        self._stop_head_timer()
        self._unset_keepalive_if_required()
        transport = self.transport
        if transport.is_closing():
            return
        transport.write(_encode(error))
        if transport.can_write_eof():
            transport.write_eof()  # the answer is sent; what the client still sends is dropped
        self.loop.call_later(LINGER, transport.close)


def protocol_class(bounds: limits.Limits) -> type[GuardedProtocol]:
    """The guarded protocol bound to these limits, for uvicorn's `http=`."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": bounds})


class RedactCredentials(logging.Filter):
    """Replaces credentials in the request target of uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactCredentials) for f in access.filters):
        access.addFilter(RedactCredentials())


def uvicorn_config(app: Any, bounds: limits.Limits, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for the mock: the guarded protocol, its timeouts and caps."""
    redact_access_log()
    return uvicorn.Config(
        app,
        http=protocol_class(bounds),
        lifespan="off",
        # Portainer keys its rate limiter on the connection's address and ignores
        # X-Forwarded-For; uvicorn would trust that header from 127.0.0.1.
        proxy_headers=False,
        timeout_keep_alive=bounds.idle_timeout,
        **options,
    )
