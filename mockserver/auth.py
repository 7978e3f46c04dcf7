"""Portainer credentials -> identity: access tokens (X-API-Key) and JWTs (Bearer or cookie).

Follows Portainer's bouncer: API key, then cookie JWT, then Bearer JWT; a credential that is present
but invalid fails the request at once; both X-API-Key and Authorization together get 403.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import jwt as pyjwt
from starlette.requests import cookie_parser
from starlette.types import Scope

from mockserver import secrets
from mockserver.durations import parse_go_duration
from mockserver.errors import PortainerError
from mockserver.state import Store, User

COOKIE_NAME = "portainer_api_key"
LAST_USED_GRANULARITY = 60  # seconds between two updates of an access token's lastUsed


class PresentedRequest:
    """What a security function reads of a request: its headers (the first of each name, by
    lower-case name), its cookies (from every Cookie header) and its scope, read from the ASGI
    scope as Starlette's Request reads them, without building one."""

    __slots__ = ("cookies", "headers", "scope")

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.headers: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            self.headers.setdefault(name, value)
            if name == "cookie":
                self.cookies.update(cookie_parser(value))


def missing_token() -> PortainerError:
    return PortainerError(401, "A valid authorization token is missing", "Unauthorized")


def invalid_token() -> PortainerError:
    return PortainerError(401, "Invalid JWT token", "Unauthorized")


def both_credentials() -> PortainerError:
    text = "api key and auth header are not allowed at the same time"
    return PortainerError(403, text, text)


def api_key_not_supported() -> PortainerError:
    return PortainerError(401, "Auth not supported", "Authentication required")


@dataclass(frozen=True)
class Identity:
    """Who a request runs as, and with which kind of credential."""

    user_id: int
    username: str
    role: int
    method: str  # "apikey" or "jwt"
    jti: str | None = None
    force_change_password: bool = False
    teams: frozenset[int] = frozenset()  # the teams the user is in, as at authentication
    leads: frozenset[int] = frozenset()  # the teams the user leads

    @property
    def is_admin(self) -> bool:
        return self.role == 1


class Authenticator:
    """Issues and checks JWTs and access tokens against the store."""

    def __init__(self, store: Store, signing_key: bytes | None = None) -> None:
        self.store = store
        self._key = signing_key or os.urandom(32)  # a new key at each start, like Portainer
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    # -- JWT
    def rotate_key(self) -> None:
        """Sign with a new key: every JWT issued so far is refused from now on."""
        with self._lock:
            self._key = os.urandom(32)
            self._revoked.clear()

    def issue_jwt(self, user: User, force_change_password: bool = False) -> str:
        now = self.store.now()
        timeout = parse_go_duration(self.store.state.settings.values["UserSessionTimeout"])
        claims = {
            "id": user.id,
            "username": user.username,
            "role": user.role,
            "scope": "default",
            "forceChangePassword": force_change_password,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + int(timeout),
        }
        return pyjwt.encode(claims, self._key, algorithm="HS256")

    def jwt_expiry(self, token: str) -> int | None:
        """A valid JWT's `exp` (Unix seconds), or None."""
        claims = self._decode(token)
        return None if claims is None else int(claims["exp"])

    def revoke_jwt(self, token: str) -> bool:
        """Make a JWT unusable; False when it was not a valid token of ours."""
        claims = self._decode(token)
        if claims is None:
            return False
        with self._lock:
            self._revoked.add(str(claims["jti"]))
        return True

    def _decode(self, token: str) -> dict | None:
        try:
            # Times are checked below against the store's clock, which tests can move.
            claims = pyjwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                options={
                    "require": ["exp", "iat", "jti", "id"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except pyjwt.PyJWTError:
            return None
        if not isinstance(claims, dict) or int(claims["exp"]) <= self.store.now():
            return None
        return claims

    def identity_from_jwt(self, token: str) -> Identity:
        claims = self._decode(token)
        if claims is None or str(claims["jti"]) in self._revoked:
            raise invalid_token()
        user = self.store.state.users.get(claims.get("id"))  # type: ignore[arg-type]
        if user is None or int(claims["iat"]) < user.token_issue_at:
            raise invalid_token()
        return Identity(
            user.id,
            user.username,
            user.role,
            "jwt",
            jti=str(claims["jti"]),
            force_change_password=bool(claims.get("forceChangePassword")),
            teams=self.store.state.teams_of(user.id),
            leads=self.store.state.teams_led_by(user.id),
        )

    # -- access tokens
    def identity_from_api_key(self, raw: str) -> Identity:
        digest = secrets.token_digest(raw)
        token = self.store.token_by_digest(digest)
        if token is None or not secrets.same(token.digest, digest):
            raise invalid_token()
        user = self.store.state.users.get(token.user_id)
        if user is None:
            raise PortainerError(401, "An authorization token is invalid", "Unauthorized")
        now = self.store.now()
        if now - token.last_used >= LAST_USED_GRANULARITY:
            with self.store.lock:
                token.last_used = now
        state = self.store.state
        return Identity(
            user.id,
            user.username,
            user.role,
            "apikey",
            teams=state.teams_of(user.id),
            leads=state.teams_led_by(user.id),
        )

    # -- the bouncer
    def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        """The identity a request runs as; raises the PortainerError Portainer would answer."""
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        cookie = cookies.get(COOKIE_NAME)
        if api_key is not None and authorization is not None and cookie is None:
            raise both_credentials()
        if api_key is not None:
            return self.identity_from_api_key(api_key)
        if cookie:
            return self.identity_from_jwt(cookie)
        if authorization is not None:
            scheme, _, value = authorization.partition(" ")
            token = value.strip() if scheme.lower() == "bearer" else authorization.strip()
            return self.identity_from_jwt(token)
        raise missing_token()

    def refusal(
        self, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> PortainerError | None:
        """What authentication would answer a request, or None when it authenticates.

        Portainer authenticates before it parses route variables, so a bad id sent without a
        valid credential gets this 401 rather than the route's 400."""
        try:
            self.authenticate(headers, cookies)
        except PortainerError as error:
            return error
        return None

    def jwt_only_error(
        self, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> PortainerError:
        """The answer of a JWT-only route (token creation) to a request carrying no JWT."""
        try:
            identity = self.authenticate(headers, cookies)
        except PortainerError as error:
            return error
        return api_key_not_supported() if identity.method == "apikey" else missing_token()
