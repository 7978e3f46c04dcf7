"""Login, logout, users and access tokens: Portainer's rules, without HTTP."""

from __future__ import annotations

import base64
import os
from typing import Any

from mockserver import secrets
from mockserver.auth import Identity
from mockserver.state import ADMIN, STANDARD, AccessToken, User

from . import errors, permissions, views
from .context import Context

INTERNAL, LDAP, OAUTH = 1, 2, 3  # Settings.AuthenticationMethod
TOKEN_DESCRIPTION_MAX = 127  # Portainer refuses 128 runes and more


def new_raw_token() -> str:
    """`ptr_` + base64 of 32 random bytes: 48 characters."""
    return "ptr_" + base64.b64encode(os.urandom(32)).decode()


class Users:
    """Authentication, user accounts and access tokens."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- auth
    def login(self, username: str, password: str) -> str:
        """A JWT for valid credentials (the bouncer has counted the attempt: rate limiting)."""
        if not username:
            raise errors.invalid_payload("Invalid username")
        if not password:
            raise errors.invalid_payload("Invalid password")
        state = self.ctx.store.state
        user = next(
            (u for u in state.users.values() if u.username.casefold() == username.casefold()), None
        )
        method = state.settings.values["AuthenticationMethod"]
        # User 1 always logs in internally; under OAuth anyone else (even an unknown user) is
        # refused before any password check, and there is no LDAP server behind the mock.
        if method == OAUTH and (user is None or user.id != 1):
            raise errors.oauth_only()
        if method == LDAP and (user is None or user.id != 1):
            raise errors.invalid_credentials()
        # The hash is checked even for an unknown user, so timing does not tell who exists.
        valid = secrets.check_password(password, user.password_hash if user else None)
        if user is None or not valid:
            raise errors.invalid_credentials()
        required = state.settings.values["InternalAuthSettings"]["RequiredPasswordLength"]
        weak = len(password.encode()) < required
        return self.ctx.authenticator.issue_jwt(user, force_change_password=weak)

    def logout(self, token: str | None) -> None:
        if token:
            self.ctx.authenticator.revoke_jwt(token)

    # -- users
    def list_users(self, who: Identity, environment_id: int | None) -> list[dict[str, Any]]:
        if not permissions.is_admin(who):
            raise errors.forbidden("Permission denied to access users list")
        users = sorted(self.ctx.store.state.users.values(), key=lambda u: u.id)
        if environment_id is not None:
            env = self.ctx.environment(environment_id)
            users = [u for u in users if u.is_admin or env.grants(u.id)]
        return [views.user_summary_view(u) for u in users]

    def create_user(self, username: str, password: str, role: int) -> dict[str, Any]:
        """A new user (administrators only: the bouncer sees to that)."""
        if not username or " " in username:  # only the space character, as Portainer
            raise errors.invalid_payload("Invalid username. Must not contain any whitespace")
        if role not in (ADMIN, STANDARD):
            raise errors.invalid_payload(
                "Invalid role value. Value must be one of: 1 (administrator) or 2 (regular user)"
            )
        store = self.ctx.store
        # Hashed before the lock is taken: other requests never wait for the hash.
        password_hash = secrets.hash_password(password)
        with store.lock:
            state = store.state
            if any(u.username.casefold() == username.casefold() for u in state.users.values()):
                raise errors.conflict(
                    "Another user with the same username already exists", "User already exists"
                )
            settings = state.settings.values
            if settings["AuthenticationMethod"] in (LDAP, OAUTH) and password:
                raise errors.bad_request(
                    "a user with password can not be created when authentication method is "
                    "Oauth or LDAP"
                )
            if settings["AuthenticationMethod"] == INTERNAL:
                required = settings["InternalAuthSettings"]["RequiredPasswordLength"]
                if len(password.encode()) < required:
                    raise errors.bad_request("Password does not meet the requirements")
            user = User(
                id=state.new_id("user"),
                username=username,
                role=role,
                password_hash=password_hash,
            )
            state.users[user.id] = user
        return views.user_view(user)

    def get_user(self, who: Identity, user_id: int) -> dict[str, Any]:
        if not permissions.may_read_user(who, user_id):
            raise errors.forbidden("Permission denied inspect user")
        return views.user_view(self.ctx.user(user_id))

    def current_user(self, who: Identity) -> dict[str, Any]:
        view = views.user_view(self.ctx.user(who.user_id))
        view["forceChangePassword"] = who.force_change_password
        return view

    def delete_user(self, who: Identity, user_id: int) -> None:
        """Remove a user and their tokens (administrators only: the bouncer sees to that)."""
        if user_id == 1:
            raise errors.forbidden("Cannot remove the initial admin account")
        if user_id == who.user_id:
            raise errors.forbidden(
                "Cannot remove your own user account. Contact another administrator"
            )
        store = self.ctx.store
        with store.lock:
            self.ctx.user(user_id)
            del store.state.users[user_id]
            for token in [t for t in store.state.tokens.values() if t.user_id == user_id]:
                store.remove_token(token.id)

    # -- access tokens
    def list_tokens(self, who: Identity, user_id: int) -> list[dict[str, Any]]:
        owner = self.ctx.user(user_id)
        if not permissions.may_list_tokens(who, owner):
            raise errors.forbidden("Permission denied to get user access tokens")
        tokens = sorted(
            (t for t in self.ctx.store.state.tokens.values() if t.user_id == user_id),
            key=lambda t: t.id,
        )
        return [views.token_view(t) for t in tokens]

    def create_token(
        self, who: Identity, user_id: int, description: str, password: str
    ) -> dict[str, Any]:
        """A new access token, shown raw this once (the bouncer has counted the attempt)."""
        if not description:
            raise errors.invalid_payload("Invalid description: cannot be empty")
        if not description.strip():
            raise errors.invalid_payload("Invalid description: cannot contain only whitespaces")
        if len(description) > TOKEN_DESCRIPTION_MAX:
            raise errors.invalid_payload(
                "Invalid description: cannot be longer than 128 characters"
            )
        if not permissions.may_create_token(who, user_id):
            raise errors.forbidden("Permission denied to create user access token")
        owner = self.ctx.user(user_id)
        if self._uses_internal_auth(owner):
            if not password:
                raise errors.invalid_payload("Invalid password: cannot be empty")
            if not secrets.check_password(password, owner.password_hash):
                raise errors.forbidden(
                    "Current password doesn't match",
                    "Current password does not match the password provided. Please try again",
                )
        raw = new_raw_token()
        store = self.ctx.store
        with store.lock:
            token = AccessToken(
                id=store.state.new_id("token"),
                user_id=owner.id,
                description=description,
                prefix=raw[:7],
                digest=secrets.token_digest(raw),
                date_created=store.now(),
            )
            store.add_token(token)
        return {"rawAPIKey": raw, "apiKey": views.token_view(token, with_digest=True)}

    def delete_token(self, who: Identity, user_id: int, key_id: int) -> None:
        if not permissions.may_revoke_token(who, user_id):
            raise errors.forbidden("Permission denied to get user access tokens")
        store = self.ctx.store
        with store.lock:
            self.ctx.user(user_id)
            token = store.state.tokens.get(key_id)
            if token is None:
                raise errors.token_not_found()
            if token.user_id != user_id:
                raise errors.forbidden("Permission denied to remove api-key")
            store.remove_token(key_id)

    def _uses_internal_auth(self, user: User) -> bool:
        method = self.ctx.store.state.settings.values["AuthenticationMethod"]
        return user.id == 1 or method == INTERNAL
