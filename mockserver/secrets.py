"""Hashing and comparison of secrets: passwords, access tokens, Rancher secret keys.

Secrets are stored only as hashes and always compared in constant time.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import functools
import hashlib
import hmac
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_PBKDF2_ROUNDS = 20_000
_DUMMY_SALT = b"\x00" * 16
# One worker: hashing never holds the event loop, and many logins at once queue here instead of
# taking every core from the requests being served.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mock-hashing")


async def off_loop(func: Callable[..., T], *args: Any) -> T:
    """Run `func` (which hashes or checks a password) in the hashing thread, with the request's
    context (so `runtime.current()` works there), and await its result."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args)
    return await asyncio.get_running_loop().run_in_executor(_HASHING, call)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A salted PBKDF2-SHA256 hash, as `pbkdf2$rounds$salt$hash` (base64)."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ROUNDS)
    return f"pbkdf2${_PBKDF2_ROUNDS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`; spends the same time when `stored` is None."""
    if stored is None:
        hashlib.pbkdf2_hmac("sha256", password.encode(), _DUMMY_SALT, _PBKDF2_ROUNDS)
        return False
    _, rounds, salt_b64, hash_b64 = stored.split("$")
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt_b64), int(rounds)
    )
    return hmac.compare_digest(digest, base64.b64decode(hash_b64))


def token_digest(raw: str) -> str:
    """Portainer's access-token digest: base64(SHA-256(raw token)), 44 characters."""
    return base64.b64encode(hashlib.sha256(raw.encode()).digest()).decode()


def secret_digest(secret: str) -> str:
    """The stored form of a Rancher secret key (hex SHA-256)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
