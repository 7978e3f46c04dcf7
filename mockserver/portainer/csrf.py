"""Portainer's CSRF layer (api/http/csrf/csrf.go, gorilla/csrf, since Portainer 2.20).

A request that carries the `portainer_api_key` login cookie is a browser session: its unsafe
methods (anything but GET, HEAD, OPTIONS, TRACE) must send the token in `X-CSRF-Token`, matching
the `_gorilla_csrf` cookie, or get gorilla's plain-text 403. A request without that cookie (an
`X-API-Key` or `Authorization` client) skips the check. Every 2xx answer carries `X-CSRF-Token`,
and a request without the CSRF cookie is given one, as gorilla does.

The mock's token is simpler than gorilla's (gorilla signs the cookie and masks the header value
anew on each answer): the header repeats the cookie's random value, compared in constant time.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import secrets
from mockserver.auth import COOKIE_NAME

CSRF_COOKIE = "_gorilla_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_COOKIE_MAX_AGE = 12 * 3600  # gorilla's default
_HEADER_NAME = CSRF_HEADER.lower().encode()
# Where CsrfGuard leaves an answer's headers as they were before it stamped them (replay.py).
UNSTAMPED_SLOT = "mock.csrf_unstamped"


def new_token() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def refusal(method: str, cookies: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """Why gorilla would refuse this request (its failure reason), or None when it passes."""
    if method.upper() in SAFE_METHODS or not cookies.get(COOKIE_NAME):
        return None  # safe method, or not a cookie session: ShouldSkipCSRFCheck
    sent = headers.get(CSRF_HEADER.lower(), "")
    if not sent:
        return "CSRF token not found in request"
    expected = cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.same(sent, expected):
        return "CSRF token invalid"
    return None


def cookies_of(scope: Scope) -> dict[str, str]:
    """The request's cookies by name (as Python's cookie parser reads them)."""
    values = [value for name, value in scope["headers"] if name == b"cookie"]
    if not values:
        return {}
    jar: SimpleCookie = SimpleCookie()
    for value in values:
        try:
            jar.load(value.decode("latin-1"))
        except Exception:
            continue
    return {key: morsel.value for key, morsel in jar.items()}


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


class CsrfGuard:
    """ASGI wrapper for Portainer routes: refuses cookie sessions' unsafe requests without the
    token, and hands the token out on every 2xx answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cookies = cookies_of(scope)
        # refusal() needs no headers for a safe method, or for a request that is no session
        skips = scope["method"] in SAFE_METHODS or not cookies.get(COOKIE_NAME)
        reason = None if skips else refusal(scope["method"], cookies, _headers(scope))
        if reason is not None:
            body = f"Forbidden - {reason}\n".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"x-content-type-options", b"nosniff"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        token, fresh = token_for(cookies)
        scope["state"][UNSTAMPED_SLOT] = None

        async def hand_out(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                scope["state"][UNSTAMPED_SLOT] = headers
                message = {**message, "headers": stamped(headers, message["status"], token, fresh)}
            await send(message)

        await self.app(scope, receive, hand_out)


def token_for(cookies: Mapping[str, str]) -> tuple[str, bool]:
    """The CSRF token an answer hands out, and whether it is new (then also set as a cookie):
    the one the `_gorilla_csrf` cookie holds, or a new one."""
    token = cookies.get(CSRF_COOKIE)
    return (token, False) if token else (new_token(), True)


def stamped(
    headers: list[tuple[bytes, bytes]], status: int, token: str, fresh: bool
) -> list[tuple[bytes, bytes]]:
    """An answer's headers with what gorilla adds: the token on a 2xx, the cookie when new."""
    headers = list(headers)
    if 200 <= status < 300:
        headers.append((_HEADER_NAME, token.encode()))
    if fresh:
        cookie = (
            f"{CSRF_COOKIE}={token}; Path=/; Max-Age={CSRF_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax"
        )
        headers.append((b"set-cookie", cookie.encode()))
    return headers
