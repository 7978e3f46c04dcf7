"""HTTP for the behavioural rules: credentials, a recording client, pacing, and failures that
carry the request that broke a rule with a curl line to reproduce it."""

from __future__ import annotations

import base64
import json
import re
import shlex
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

# Routes a real Portainer rate-limits per client address (burst 10, 1/s, then a one-hour ban).
RATE_LIMITED = re.compile(
    r"^(POST /api/auth|POST /api/users/[^/]+/tokens|PUT /api/users/[^/]+/passwd)/?$"
)


# ---------------------------------------------------------------- credentials
@dataclass(frozen=True)
class ApiKey:
    """A Portainer access token, sent as X-API-Key."""

    token: str

    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.token}


@dataclass(frozen=True)
class Bearer:
    """A Portainer JWT, sent as Authorization: Bearer."""

    jwt: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt}"}


@dataclass(frozen=True)
class Basic:
    """A Rancher key pair, sent as HTTP Basic (access key : secret key)."""

    access: str
    secret: str

    def headers(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.access}:{self.secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}


Credential = ApiKey | Bearer | Basic


# ---------------------------------------------------------------- pacing
class Pacer:
    """A client-side token bucket for the rate-limited routes, so a server's limiter never trips.

    Portainer allows a burst of 10 attempts refilled at 1 per second per address, and bans the
    address for an hour when the bucket runs dry. The suite keeps below that: a burst of 8 and
    `rate` attempts per second (0 switches pacing off).
    """

    def __init__(self, rate: float, burst: int = 8) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = threading.Lock()
        self.waited = 0.0
        self.calls = 0

    def wait(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            self.calls += 1
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1:
                delay = (1 - self._tokens) / self.rate
                time.sleep(delay)
                self.waited += delay
                self._tokens = 1.0
                self._updated = time.monotonic()
            self._tokens -= 1

    def needed_for(self, method: str, path: str) -> bool:
        return bool(RATE_LIMITED.match(f"{method.upper()} {path}"))


# ---------------------------------------------------------------- the record of what was sent
@dataclass
class Exchange:
    """One request and its answer, as the report shows them."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_text: str = ""
    insecure: bool = False

    def curl(self, secrets: Mapping[str, str] | None = None) -> str:
        """A curl command that sends the same request; secrets become their env-var names."""
        parts = ["curl", "-sS"]
        if self.insecure:
            parts.append("-k")
        parts += ["-X", self.method]
        for name, value in self.headers.items():
            parts += ["-H", f"{name}: {value}"]
        if self.body:
            parts += ["--data-raw", self.body.decode("utf-8", "replace")]
        parts.append(self.url)
        line = " ".join(shlex.quote(p) for p in parts)
        for secret, placeholder in (secrets or {}).items():
            line = line.replace(secret, placeholder)
            encoded = base64.b64encode(secret.encode()).decode()
            line = line.replace(encoded, placeholder)
        return line

    def describe(self, secrets: Mapping[str, str] | None = None, limit: int = 600) -> str:
        text = self.response_text
        if len(text) > limit:
            text = text[:limit] + "..."
        return (
            f"request:   {self.method} {self.url}\n"
            f"answer:    {self.status} {text}\n"
            f"reproduce: {self.curl(secrets)}"
        )


class Journal:
    """The exchanges of the running test; the last one is what a failed rule points at."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.secrets: dict[str, str] = {}

    def clear(self) -> None:
        self.exchanges.clear()

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        if len(self.exchanges) > 200:
            del self.exchanges[:100]

    @property
    def last(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


JOURNAL = Journal()


# ---------------------------------------------------------------- failures
class RuleViolation(AssertionError):
    """A rule the server broke, with the exchange that shows it."""

    def __init__(self, why: str, exchange: Exchange | None) -> None:
        self.why = why
        self.exchange = exchange
        text = why
        if exchange is not None:
            text += "\n" + exchange.describe(JOURNAL.secrets)
        super().__init__(text)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # RFC 9110 §9.2.1


class WriteRefused(RuntimeError):
    """A request that could change the server, refused before it is sent (--read-only)."""


# ---------------------------------------------------------------- the client
class Reply:
    """An answer, tied to the exchange that produced it."""

    def __init__(self, response: httpx.Response, exchange: Exchange) -> None:
        self.response = response
        self.exchange = exchange

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def text(self) -> str:
        return self.response.text

    def json(self) -> Any:
        try:
            return self.response.json()
        except ValueError:
            raise RuleViolation("the answer is not JSON", self.exchange) from None

    def __repr__(self) -> str:
        return f"<Reply {self.exchange.method} {self.exchange.url} -> {self.status}>"


class Api:
    """A small recording HTTP client over one base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool = True,
        pacer: Pacer | None = None,
        journal: Journal = JOURNAL,
        timeout: float = 30.0,
        read_only: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.read_only = read_only
        self.verify = verify
        self.pacer = pacer
        self.journal = journal
        self._client = httpx.Client(verify=verify, timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: Credential | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        method = method.upper()
        if self.read_only and method not in SAFE_METHODS:
            raise WriteRefused(f"{method} {path} not sent: --read-only allows only safe methods")
        send_headers: dict[str, str] = {"Accept": "application/json"}
        if auth is not None:
            send_headers.update(auth.headers())
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        send_headers.update(headers or {})
        if self.pacer is not None and self.pacer.needed_for(method, path):
            self.pacer.wait()
        request = self._client.build_request(
            method,
            self.base_url + path,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers=send_headers,
            content=body,
        )
        exchange = Exchange(method, str(request.url), send_headers, body, insecure=not self.verify)
        self.journal.add(exchange)
        response = self._client.send(request)
        # Sessions are what each request says: a cookie kept from a login would silently win
        # over the credential a rule sends (Portainer reads the cookie first).
        self._client.cookies.clear()
        exchange.status = response.status_code
        exchange.response_headers = dict(response.headers)
        exchange.response_text = response.text
        return Reply(response, exchange)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


# ---------------------------------------------------------------- expectations
def expect(condition: Any, why: str, reply: Reply | None = None) -> None:
    """Fail the rule with `why` unless `condition` holds; point at `reply` (or the last request)."""
    if not condition:
        exchange = reply.exchange if reply is not None else JOURNAL.last
        raise RuleViolation(why, exchange)


def expect_status(reply: Reply, statuses: int | Iterable[int], why: str) -> Reply:
    wanted = {statuses} if isinstance(statuses, int) else set(statuses)
    if reply.status not in wanted:
        shown = " or ".join(str(s) for s in sorted(wanted))
        raise RuleViolation(f"{why}: expected {shown}, got {reply.status}", reply.exchange)
    return reply


def expect_error(
    reply: Reply,
    status: int,
    why: str,
    *,
    message: str | None = None,
    details: str | None = None,
) -> dict[str, Any]:
    """A Portainer error: this status and a `{"message", "details"}` body with these texts."""
    expect_status(reply, status, why)
    body = reply.json()
    expect(isinstance(body, dict), f"{why}: the error body is not a JSON object", reply)
    _expect_field(body, "message", message, why, reply)
    _expect_field(body, "details", details, why, reply)
    return body


def _expect_field(body: dict[str, Any], name: str, wanted: Any, why: str, reply: Reply) -> None:
    """When `wanted` is given, the error body's field `name` must equal it."""
    if wanted is not None:
        expect(
            body.get(name) == wanted,
            f"{why}: expected {name} {wanted!r}, got {body.get(name)!r}",
            reply,
        )


RANCHER_ERROR_FIELDS = ("id", "type", "links", "actions", "status", "code", "message", "detail")


def expect_rancher_error(
    reply: Reply, status: int, why: str, *, code: str | None = None, field_name: str | None = None
) -> dict[str, Any]:
    """A Rancher error: this status and Rancher's error resource with this code."""
    expect_status(reply, status, why)
    body = reply.json()
    expect(isinstance(body, dict), f"{why}: the error body is not a JSON object", reply)
    missing = [name for name in RANCHER_ERROR_FIELDS if name not in body]
    expect(not missing, f"{why}: the error lacks Rancher's fields {missing}", reply)
    expect(body.get("type") == "error", f"{why}: the error's type is not 'error'", reply)
    expect(body.get("status") == status, f"{why}: the error's status is not {status}", reply)
    _expect_field(body, "code", code, why, reply)
    _expect_field(body, "fieldName", field_name, why, reply)
    return body
