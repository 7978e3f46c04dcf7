"""Login, logout, users and access tokens: Portainer's rules, without HTTP."""

from __future__ import annotations

import base64
import os
from email.utils import formatdate
from typing import Any

from mockserver import secrets
from mockserver.auth import COOKIE_NAME, Identity
from mockserver.state import ADMIN, STANDARD, AccessToken, User

from . import errors, permissions, views
from . import payload_checks as words
from .context import Context

INTERNAL, LDAP, OAUTH = 1, 2, 3  # Settings.AuthenticationMethod
TOKEN_DESCRIPTION_MAX = 127  # Portainer refuses 128 runes and more
GO_SPACE = "\t\n\v\f\r "  # [[:space:]] in Go's regexp: ASCII whitespace only


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
            raise errors.invalid_payload(words.INVALID_USERNAME)
        if not password:
            raise errors.invalid_payload(words.INVALID_PASSWORD)
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

    def login_cookie(self, token: str) -> str:
        """The `Set-Cookie` of a login (bouncer.go AddAuthCookie): the JWT, expiring with it."""
        cookie = f"{COOKIE_NAME}={token}; Path=/"
        expiry = self.ctx.authenticator.jwt_expiry(token)
        if expiry is not None:
            cookie += f"; Expires={formatdate(expiry, usegmt=True)}"  # Go's http.TimeFormat
        return cookie + "; HttpOnly; SameSite=Strict"

    def logout(self, token: str | None) -> None:
        if token:
            self.ctx.authenticator.revoke_jwt(token)

    # -- users
    def list_users(self, who: Identity, environment_id: int | None) -> list[dict[str, Any]]:
        """Administrators and team leaders; a leader sees standard users only. With an
        environment, only the users its policies grant (directly or through a team): never
        administrators, whose access comes from their role (Portainer's user_list_test.go)."""
        if not permissions.may_list_users(who):
            message = "Permission denied to access users list"
            raise errors.forbidden(message, message)
        state = self.ctx.store.state
        users = sorted(state.users.values(), key=lambda u: u.id)
        if not permissions.is_admin(who):
            users = [u for u in users if not u.is_admin]
        if environment_id is not None:
            env = self.ctx.environment(environment_id)
            users = [u for u in users if env.grants(u.id, state.teams_of(u.id))]
        return [views.user_summary_view(u) for u in users]

    # -- first run
    def admin_exists(self) -> bool:
        """`GET /api/users/admin/check`: whether an administrator account exists."""
        return any(u.is_admin for u in self.ctx.store.state.users.values())

    def check_admin(self) -> None:
        if not self.admin_exists():
            raise errors.no_administrator()

    def init_admin(self, username: str, password: str) -> dict[str, Any]:
        """The first administrator (public route; refused once any administrator exists)."""
        if not username or " " in username:
            raise errors.invalid_payload(words.USERNAME_WHITESPACE)
        if not password:
            raise errors.invalid_payload(words.INVALID_PASSWORD)
        store = self.ctx.store
        with store.lock:
            if self.admin_exists():
                raise errors.conflict(
                    "Unable to create administrator user", "An administrator user already exists"
                )
            if not self._strong_enough(password):
                raise errors.bad_request("Password does not meet the requirements")
            state = store.state
            user = User(
                id=state.new_id("user"),
                username=username.lower(),
                role=ADMIN,
                password_hash=secrets.hash_password(password),
            )
            state.users[user.id] = user
        # Portainer's answer also carries the bcrypt hash (admin_init.go); the mock never shows it.
        return views.user_view(user)

    def create_user(self, username: str, password: str, role: int) -> dict[str, Any]:
        """A new user (administrators only: the bouncer sees to that)."""
        if not username or " " in username:  # only the space character, as Portainer
            raise errors.invalid_payload(words.USERNAME_WHITESPACE)
        if role not in (ADMIN, STANDARD):
            raise errors.invalid_payload(words.INVALID_ROLE)
        store = self.ctx.store
        # Hashed before the lock is taken: other requests never wait for the hash.
        password_hash = secrets.hash_password(password)
        with store.lock:
            state = store.state
            if self._username_taken(username):
                raise errors.conflict(
                    "Another user with the same username already exists", "User already exists"
                )
            settings = state.settings.values
            if settings["AuthenticationMethod"] in (LDAP, OAUTH) and password:
                raise errors.bad_request(
                    "a user with password can not be created when authentication method is "
                    "Oauth or LDAP"
                )
            if settings["AuthenticationMethod"] == INTERNAL and not self._strong_enough(password):
                raise errors.bad_request("Password does not meet the requirements")
            user = User(
                id=state.new_id("user"),
                username=username.lower(),  # Portainer's datastore stores usernames lowercased
                role=role,
                password_hash=password_hash,
            )
            state.users[user.id] = user
        return views.user_view(user)

    def get_user(self, who: Identity, user_id: int) -> dict[str, Any]:
        if not permissions.may_read_user(who, user_id):
            raise errors.forbidden("Permission denied inspect user", errors.RESOURCE_DENIED)
        return views.user_view(self.ctx.user(user_id))

    def update_user(self, who: Identity, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """`PUT /api/users/{id}`, in user_update.go's order: who may, the body, the role rule,
        the user, then username, password, theme, cache and role."""
        self.check_update_target(who, user_id)
        username = changes.get("Username") or ""
        if " " in username:
            raise errors.invalid_payload(words.USERNAME_WHITESPACE)
        role = changes.get("Role") or 0
        if role not in (0, ADMIN, STANDARD):
            raise errors.invalid_payload(words.INVALID_ROLE)
        if role and not permissions.may_change_role(who):
            raise errors.forbidden(
                "Permission denied to update user to administrator role", errors.RESOURCE_DENIED
            )
        store = self.ctx.store
        with store.lock:
            user = self.ctx.user(user_id)
            if username and username != user.username:
                if not permissions.may_rename_user(who):
                    raise errors.forbidden(
                        "Permission denied. Unable to update username", errors.RESOURCE_DENIED
                    )
                if self._username_taken(username, but=user.id):
                    raise errors.conflict(
                        "Another user with the same username already exists",
                        "User already exists",
                    )
            new_password = changes.get("NewPassword") or ""
            if new_password:
                if not permissions.is_admin(who) and not secrets.check_password(
                    changes.get("Password") or "", user.password_hash
                ):
                    raise errors.forbidden(
                        "Current password doesn't match. Password left unchanged",
                        "Current password does not match the password provided. Please try again",
                    )
                if not self._strong_enough(new_password):
                    raise errors.bad_request(
                        "Password does not meet the minimum strength requirements"
                    )
            # Every check passed: apply the changes together.
            if username:
                user.username = username.lower()
            if new_password:
                user.password_hash = secrets.hash_password(new_password)
                user.token_issue_at = store.now()
            theme = changes.get("Theme") or {}
            if theme.get("color") is not None:
                user.theme_color = theme["color"]
            if changes.get("UseCache") is not None:
                user.use_cache = bool(changes["UseCache"])
            if role:
                user.role = role
                user.token_issue_at = store.now()
            return views.user_view(user)

    def check_update_target(self, who: Identity, user_id: int) -> None:
        """user_update.go, user_update_password.go: who may, before the body is decoded."""
        if not permissions.may_update_user(who, user_id):
            raise errors.forbidden("Permission denied to update user")

    def update_password(
        self, who: Identity, user_id: int, password: str, new_password: str
    ) -> None:
        """`PUT /api/users/{id}/passwd` (the bouncer has counted the attempt): the current
        password is checked for everyone, administrators included; JWTs issued before the change
        are refused from then on."""
        self.check_update_target(who, user_id)
        if not password:
            raise errors.invalid_payload("Invalid current password")
        if not new_password:
            raise errors.invalid_payload("Invalid new password")
        store = self.ctx.store
        with store.lock:
            user = self.ctx.user(user_id)
            if not secrets.check_password(password, user.password_hash):
                raise errors.forbidden(
                    "Current password doesn't match",
                    "Current password does not match the password provided. Please try again",
                )
            if not self._strong_enough(new_password):
                raise errors.bad_request("Password does not meet the requirements")
            user.password_hash = secrets.hash_password(new_password)
            user.token_issue_at = store.now()

    def memberships_of(self, who: Identity, user_id: int) -> list[dict[str, Any]]:
        """`GET /api/users/{id}/memberships`: the user themself or an administrator."""
        if not permissions.may_update_user(who, user_id):
            raise errors.forbidden("Permission denied to update user memberships")
        self.ctx.user(user_id)  # Portainer answers [] for an unknown user; the mock 404
        memberships = self.ctx.store.state.team_memberships.values()
        found = sorted((m for m in memberships if m.user_id == user_id), key=lambda m: m.id)
        return [views.membership_view(m) for m in found]

    def current_user(self, who: Identity) -> dict[str, Any]:
        view = views.user_view(self.ctx.user(who.user_id))
        view["forceChangePassword"] = who.force_change_password
        return view

    def delete_user(self, who: Identity, user_id: int) -> None:
        """Remove a user and their tokens (administrators only: the bouncer sees to that)."""
        if user_id == 1:
            message = "Cannot remove the initial admin account"
            raise errors.forbidden(message, message)  # user_delete.go: details repeat it
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
            raise errors.invalid_payload(words.DESCRIPTION_EMPTY)
        if not description.strip(GO_SPACE):  # U+00A0 and other Unicode spaces are content
            raise errors.invalid_payload(words.DESCRIPTION_WHITESPACE)
        if len(description) > TOKEN_DESCRIPTION_MAX:  # runes: Python counts code points
            raise errors.invalid_payload(words.DESCRIPTION_TOO_LONG)
        # The password is checked after the permission and the user (a payload violation the
        # validation layer leaves to this rule: payload_checks.DEFERRED).
        if not permissions.may_create_token(who, user_id):
            raise errors.forbidden("Permission denied to create user access token")
        owner = self.ctx.user(user_id)
        if self._uses_internal_auth(owner):
            if not password:
                raise errors.invalid_payload(words.TOKEN_PASSWORD_EMPTY)
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
                raise errors.token_not_found(key_id)
            if token.user_id != user_id:
                raise errors.forbidden("Permission denied to remove api-key")
            store.remove_token(key_id)

    def _username_taken(self, username: str, but: int | None = None) -> bool:
        """Usernames are unique regardless of case."""
        wanted = username.casefold()
        return any(
            u.username.casefold() == wanted and u.id != but
            for u in self.ctx.store.state.users.values()
        )

    def _strong_enough(self, password: str) -> bool:
        """Portainer's only password rule: at least RequiredPasswordLength bytes."""
        settings = self.ctx.store.state.settings.values
        return len(password.encode()) >= settings["InternalAuthSettings"]["RequiredPasswordLength"]

    def _uses_internal_auth(self, user: User) -> bool:
        method = self.ctx.store.state.settings.values["AuthenticationMethod"]
        return user.id == 1 or method == INTERNAL
