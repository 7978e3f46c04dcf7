"""The request journal: what each contract request was, who it came from and what it got.

Thread-safe and bounded (the oldest entries go first). It keeps no body, no header and no secret:
query values that look like credentials are replaced by `[redacted]`, and a caller is named by
Portainer username or Rancher access key (Rancher's public value), never by a token or secret.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

REDACTED = "[redacted]"
# Where the security functions leave the token_info of the request (in `scope["state"]`).
TOKEN_INFO_SLOT = "mock.token_info"

_SECRET_NAME = re.compile(
    r"pass|secret|token|key|auth|jwt|session|signature|credential|cookie", re.IGNORECASE
)
_SECRET_VALUE = re.compile(
    r"ptr_[A-Za-z0-9+/]{43}="  # a Portainer access token: ptr_ + base64 of 32 bytes
    r"|ptr_[A-Za-z0-9+/=_-]{8,}"  # any other token-like ptr_ value (to the end of it)
    r"|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT
    r"|Basic\s+[A-Za-z0-9+/=]{8,}|Bearer\s+\S+",  # an Authorization header value
)


def remember(request: Any, token_info: dict[str, Any]) -> dict[str, Any]:
    """Keep the token_info a security function returns where the journal will find it."""
    state = request.scope.get("state")
    if isinstance(state, dict):
        state[TOKEN_INFO_SLOT] = token_info
    return token_info


@dataclass(frozen=True)
class Caller:
    """Who sent a request, named without any secret.

    `credential` is the kind presented: "apikey" (X-API-Key), "jwt" (Bearer or cookie) or
    "basic" (Rancher); `authenticated` is whether the mock accepted it on a secured route.
    """

    credential: str
    authenticated: bool = False
    username: str | None = None
    user_id: int | None = None
    access_key: str | None = None  # Rancher: the key's public value
    account_id: str | None = None  # Rancher: the project (or admin account) the key belongs to

    def to_json(self) -> dict[str, Any]:
        return {
            "credential": self.credential,
            "authenticated": self.authenticated,
            "username": self.username,
            "userId": self.user_id,
            "accessKey": self.access_key,
            "accountId": self.account_id,
        }


@dataclass(frozen=True)
class Entry:
    """One request as the mock saw it; `status` is None when a fault dropped the connection."""

    seq: int
    time: float  # unix seconds when the request arrived
    method: str
    path: str  # as served: Rancher's spellings and trailing slashes normalised
    query: dict[str, str | list[str]]
    caller: Caller | None
    status: int | None
    duration_ms: float
    fault: str | None = None  # the injected fault that shaped the answer, if any

    @property
    def username(self) -> str | None:
        return self.caller.username if self.caller else None

    @property
    def credential(self) -> str | None:
        return self.caller.credential if self.caller else None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds"),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "caller": self.caller.to_json() if self.caller else None,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "fault": self.fault,
        }


def redact_value(value: str) -> str:
    return _SECRET_VALUE.sub(REDACTED, value)


def redact_path(path: str) -> str:
    """A path with anything that looks like a credential replaced (a token may hold `/`)."""
    return redact_value(path)


def redact_query(raw: bytes | str) -> dict[str, str | list[str]]:
    """The query string as a dict (a repeated name gives a list), credentials redacted."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    query: dict[str, str | list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        name = redact_value(name)
        value = REDACTED if _SECRET_NAME.search(name) else redact_value(value)
        if name not in query:
            query[name] = value
        else:
            previous = query[name]
            query[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return query


def presented_credential(headers: Mapping[str, str], rancher: bool = False) -> str | None:
    """The kind of credential a request carries for its family (header names in lower case)."""
    authorization = headers.get("authorization", "").strip()
    if authorization.lower().startswith("basic "):
        return "basic"
    if rancher:
        return None
    if "x-api-key" in headers:
        return "apikey"
    if authorization or "portainer_api_key=" in headers.get("cookie", ""):
        return "jwt"
    return None


def caller_from(credential: str | None, token_info: Any) -> Caller | None:
    """A Caller from the credential kind and what a security function returned, if anything."""
    if not isinstance(token_info, Mapping):
        return Caller(credential) if credential else None
    who = token_info.get("identity")
    if who is not None and hasattr(who, "username"):  # Portainer's auth.Identity
        return Caller(
            credential=getattr(who, "method", None) or credential or "unknown",
            authenticated=True,
            username=who.username,
            user_id=who.user_id,
        )
    rancher = token_info.get("rancher")
    if rancher is not None:  # mockserver.rancher.backend.Caller
        return Caller(
            credential=credential or "basic",
            authenticated=True,
            access_key=getattr(rancher, "access_key", None),
            account_id=getattr(rancher, "account_id", None),
        )
    return Caller(credential) if credential else None


def method_matches(pattern: str | None, method: str) -> bool:
    """None or "*" match any method; otherwise the same method in any letter case."""
    return pattern is None or pattern == "*" or pattern.upper() == method.upper()


def path_matches(pattern: str | re.Pattern[str] | None, path: str) -> bool:
    """A glob (`*` crosses slashes; no wildcard means the exact path) or a compiled regex."""
    if pattern is None:
        return True
    if isinstance(pattern, re.Pattern):
        return pattern.fullmatch(path) is not None
    return fnmatch.fnmatchcase(path, pattern)


class Journal:
    """The last `maxlen` requests, oldest first."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._entries: deque[Entry] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._seq = 0
        self.generation = 0  # bumped by clear(): requests begun before it are not recorded

    def record(
        self,
        *,
        started: float,
        method: str,
        path: str,
        query: bytes | str,
        caller: Caller | None,
        status: int | None,
        duration_ms: float,
        fault: str | None = None,
        generation: int | None = None,
    ) -> Entry | None:
        """Add an entry; None (nothing kept) when the journal was cleared since `generation`."""
        with self._lock:
            if generation is not None and generation != self.generation:
                return None
            self._seq += 1
            entry = Entry(
                seq=self._seq,
                time=started,
                method=method.upper(),
                path=redact_path(path),
                query=redact_query(query),
                caller=caller,
                status=status,
                duration_ms=duration_ms,
                fault=fault,
            )
            self._entries.append(entry)
            return entry

    def entries(
        self,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        *,
        status: int | None = None,
        username: str | None = None,
        credential: str | None = None,
    ) -> list[Entry]:
        """The entries matching every filter given, oldest first."""
        with self._lock:
            entries = list(self._entries)
        return [
            e
            for e in entries
            if method_matches(method, e.method)
            and path_matches(path, e.path)
            and (status is None or e.status == status)
            and (username is None or e.username == username)
            and (credential is None or e.credential == credential)
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
