"""HTTP Basic credentials (access key : secret key) -> the Rancher caller.

As Cattle's AuthDaoImpl.getAccountByKeys: only a key in state `active` whose account is active
authenticates; an inactive, removed, still-registering, unknown or wrong-secret key gets the same
401. The key settles first (a key created by the previous request is active by now). The secret
is compared as a hash, in constant time, and never logged or stored.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from mockserver import secrets
from mockserver.errors import RancherError

from . import errors
from .backend import Caller, RancherBackend, anonymous_admin, parse_id

_NO_MATCH = secrets.secret_digest("no key has this secret")
ENFORCE_HEADER = "x-enforce-authentication"


def authenticate(backend: RancherBackend, access_key: str, secret_key: str) -> Caller:
    """The caller a key pair stands for, or 401."""
    offered = secrets.secret_digest(secret_key)
    with backend.store.reading:  # a read; settle() records a change
        state = backend.store.state
        found = None
        for key in state.rancher_keys.values():
            if key.public_value == access_key:
                backend.settle(key)
                if key.state == "active" and found is None:
                    found = key
        # Compare even when nothing matched, so timing does not tell which access keys exist.
        valid = secrets.same(offered, found.secret_hash if found is not None else _NO_MATCH)
        if found is None or not valid:
            raise errors.unauthorized()
        admin = found.account_id == state.rancher_admin_account
        if not admin:
            environment_id = parse_id(found.account_id)
            if environment_id not in state.environments:
                raise errors.unauthorized()  # the key's environment is gone
        return Caller(
            account_id=found.account_id, admin=admin, key_id=found.id, access_key=found.public_value
        )


def token_info(caller: Caller) -> dict[str, Any]:
    """What the security function hands Connexion (it needs `sub`; the journal reads the rest)."""
    return {
        "sub": caller.account_id,
        "rancher": caller,
        "access_key": caller.access_key,
        "account_id": caller.account_id,
    }


def caller_of(
    token_info: Mapping[str, Any], backend: RancherBackend, headers: Mapping[str, str]
) -> Caller:
    """The caller of a request. No key (open mode only) means the administrator account, unless
    the request sent `X-ENFORCE-AUTHENTICATION: true`, which turns that fallback off."""
    caller = token_info.get("rancher")
    if isinstance(caller, Caller):
        return caller
    if headers.get(ENFORCE_HEADER, "").lower() == "true":
        raise errors.unauthorized()
    return anonymous_admin(backend.admin_account)


def basic_pair(authorization: str | None) -> tuple[str, str] | None:
    """The access and secret key of an `Authorization: Basic` header, or None."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    access, sep, secret = decoded.partition(":")
    return (access, secret) if sep else None


def refusal(
    backend: RancherBackend, headers: Mapping[str, str], access_control: bool
) -> RancherError | None:
    """What Cattle's authentication, which runs before its routing and validation, answers a
    request the mock could not route (wrong method, unknown path); None when it passes."""
    pair = basic_pair(headers.get("authorization"))
    if pair is not None:
        try:
            authenticate(backend, *pair)
            return None
        except RancherError as error:
            if access_control:
                return error
    if access_control or headers.get(ENFORCE_HEADER, "").lower() == "true":
        return errors.unauthorized()
    return None
