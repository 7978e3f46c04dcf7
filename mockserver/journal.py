"""The request journal: what each contract request was, who it came from and what it got.

Thread-safe and bounded in entries and in bytes (the oldest entries go first). Each entry keeps a
bounded form of the request: at most `QUERY_PARAMS_KEPT` query parameters, names and values cut to
`QUERY_TEXT_KEPT` characters and the path to `PATH_KEPT`; an entry with anything cut says so
(`truncated`). It keeps no body, no header and no secret: query values that look like credentials
are replaced by `[redacted]`, and a caller is named by Portainer username or Rancher access key
(Rancher's public value), never by a token or secret.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

REDACTED = "[redacted]"
QUERY_PARAMS_KEPT = 100
QUERY_TEXT_KEPT = 1024
PATH_KEPT = 2048
CUT = "...[cut]"
_ENTRY_OVERHEAD = 400  # bytes an entry takes besides its path and query (a fair estimate)
# A query string up to this long is kept as it came until the journal is read; a longer one
# is bounded (QUERY_PARAMS_KEPT, QUERY_TEXT_KEPT) as it is recorded.
_QUERY_RAW_KEPT = 8 * 1024
# Where the security functions leave the token_info of the request (in `scope["state"]`).
TOKEN_INFO_SLOT = "mock.token_info"
# Where the bouncer leaves the operationId Connexion routed the request to, with the state's
# generation after authentication (which may stamp a token's lastUsed).
OPERATION_SLOT = "mock.operation"

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
    truncated: bool = False  # the path or query was cut to the journal's bounds

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
            "truncated": self.truncated,
        }

    def size(self) -> int:
        """About how many bytes the entry holds (for the journal's byte bound)."""
        return _ENTRY_OVERHEAD + len(self.path) + _query_size(self.query)


def _query_size(query: dict[str, str | list[str]]) -> int:
    text = sum(
        len(k) + (sum(map(len, v)) if isinstance(v, list) else len(v)) for k, v in query.items()
    )
    return text + 40 * len(query)


class _Pending(NamedTuple):
    """What Journal.record keeps of a request until the journal is read (then an Entry)."""

    seq: int
    started: float
    method: str
    path: str  # cut to PATH_KEPT, not yet redacted
    path_cut: bool
    query: Any  # the raw query string, or already its bounded form (`raw_query` False)
    raw_query: bool
    query_cut: bool
    caller: Caller | None
    credential: str | None
    token_info: Any
    status: int | None
    duration_ms: float
    fault: str | None


def _entry(record: list[Any]) -> Entry:
    """The Entry of a journal record ([Entry or None, size, _Pending or None]), built on first
    reading; then only the Entry and the size are kept. Two readers may build it at once (a
    worker thread and a test): the Entry is set before the pending fields are dropped, so a
    reader that finds them gone finds the Entry."""
    built, _, pending = record
    if built is not None or pending is None:
        return record[0]
    query, query_cut = pending.query, pending.query_cut
    if pending.raw_query:
        query, query_cut = bounded_query(query)
    record[0] = Entry(
        seq=pending.seq,
        time=pending.started,
        method=pending.method,
        path=redact_path(pending.path),
        query=query,
        caller=pending.caller
        if pending.caller is not None
        else caller_from(pending.credential, pending.token_info),
        status=pending.status,
        duration_ms=pending.duration_ms,
        fault=pending.fault,
        truncated=pending.path_cut or query_cut,
    )
    record[2] = None
    return record[0]


def _cut(text: str, keep: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= keep else (text[:keep] + CUT, True)


def redact_target(target: str) -> str:
    """A request target (`/path?query`, as access logs show it) with credentials redacted."""
    path, mark, query = target.partition("?")
    if not mark:
        return redact_path(path)
    if _SECRET_NAME.search(query) is None and _SECRET_VALUE.search(target) is None:
        return target  # no secret name in the query, no secret value anywhere: nothing to hide
    parts = []
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        if equals and _SECRET_NAME.search(name):
            value = REDACTED
        parts.append(f"{redact_value(name)}{equals}{redact_value(value)}")
    return f"{redact_path(path)}?{'&'.join(parts)}"


def redact_value(value: str) -> str:
    return _SECRET_VALUE.sub(REDACTED, value)


def redact_path(path: str) -> str:
    """A path with anything that looks like a credential replaced (a token may hold `/`)."""
    return redact_value(path)


def redact_query(raw: bytes | str) -> dict[str, str | list[str]]:
    """The query string as a dict (a repeated name gives a list), credentials redacted."""
    return bounded_query(raw, limit=None)[0]


def bounded_query(
    raw: bytes | str, limit: int | None = QUERY_PARAMS_KEPT
) -> tuple[dict[str, str | list[str]], bool]:
    """The query as `redact_query` gives it, bounded: at most `limit` parameters (None: all),
    names and values cut to QUERY_TEXT_KEPT characters; and whether anything was cut."""
    if not raw:
        return {}, False  # most requests: nothing to parse
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    query: dict[str, str | list[str]] = {}
    cut = False
    pairs = parse_qsl(text, keep_blank_values=True)
    if limit is not None and len(pairs) > limit:
        pairs, cut = pairs[:limit], True
    for name, value in pairs:
        if limit is not None:
            name, cut_name = _cut(name, QUERY_TEXT_KEPT)
            value, cut_value = _cut(value, QUERY_TEXT_KEPT)
            cut = cut or cut_name or cut_value
        name = redact_value(name)
        value = REDACTED if _SECRET_NAME.search(name) else redact_value(value)
        if name not in query:
            query[name] = value
        else:
            previous = query[name]
            query[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return query, cut


def presented_credential(
    headers: Iterable[tuple[bytes, bytes]], rancher: bool = False
) -> str | None:
    """The kind of credential a request carries for its family (its ASGI headers; of a repeated
    header, the last counts)."""
    authorization = cookie = b""
    api_key = False
    for name, value in headers:
        name = name.lower()
        if name == b"authorization":
            authorization = value
        elif name == b"x-api-key":
            api_key = True
        elif name == b"cookie":
            cookie = value
    shown = authorization.decode("latin-1").strip()
    if shown.lower().startswith("basic "):
        return "basic"
    if rancher:
        return None
    if api_key:
        return "apikey"
    if shown or b"portainer_api_key=" in cookie:
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


def path_matcher(pattern: str | re.Pattern[str] | None) -> Callable[[str], bool]:
    """A test for paths: a glob (`*` crosses slashes; no wildcard means the exact path) or a
    compiled regex. Compiled once by the caller (fnmatch's own cache would keep every glob)."""
    if pattern is None:
        return lambda path: True
    if isinstance(pattern, re.Pattern):
        regex = pattern
    elif not any(c in pattern for c in "*?["):
        return pattern.__eq__
    else:
        regex = re.compile(fnmatch.translate(pattern))
    return lambda path: regex.fullmatch(path) is not None


def path_matches(pattern: str | re.Pattern[str] | None, path: str) -> bool:
    """Whether `path` matches a glob or a compiled regex (see path_matcher)."""
    return path_matcher(pattern)(path)


class Journal:
    """The last requests, oldest first: at most `maxlen` entries and about `max_bytes` bytes."""

    def __init__(self, maxlen: int = 10_000, max_bytes: int = 16 * 1024 * 1024) -> None:
        self._entries: deque[list[Any]] = deque()  # [Entry or None, size, _Pending or None]
        self.maxlen = maxlen
        self.max_bytes = max_bytes
        self._bytes = 0
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
        status: int | None,
        duration_ms: float,
        caller: Caller | None = None,
        credential: str | None = None,
        token_info: Any = None,
        fault: str | None = None,
        generation: int | None = None,
    ) -> bool:
        """Add an entry; False (nothing kept) when the journal was cleared since `generation`.

        The caller is `caller`, or the one `caller_from(credential, token_info)` names. What
        only reading the journal needs (redaction, the query's parsed form, the caller) is
        worked out when the entry is first read: recording is on every request's path."""
        kept_path, path_cut = _cut(path, PATH_KEPT)
        if len(query) <= _QUERY_RAW_KEPT:
            parsed, query_cut = None, False  # read into its bounded form when first read
            size = 2 * len(query) + 50 * (query.count("&" if isinstance(query, str) else b"&") + 1)
        else:
            parsed, query_cut = bounded_query(query)
            size = _query_size(parsed)
        size += _ENTRY_OVERHEAD + 2 * len(kept_path)  # redaction may lengthen a short token
        with self._lock:
            if generation is not None and generation != self.generation:
                return False
            self._seq += 1
            pending = _Pending(
                self._seq,
                started,
                method.upper()[:32],
                kept_path,
                path_cut,
                query if parsed is None else parsed,
                parsed is None,
                query_cut,
                caller,
                credential,
                token_info,
                status,
                duration_ms,
                fault,
            )
            record = [None, size, pending]  # the Entry once built (_entry), the size
            self._entries.append(record)
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.maxlen or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft()[1]
            return True

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
            records = list(self._entries)
        entries = [_entry(record) for record in records]  # outside the lock: recording goes on
        matches = path_matcher(path)
        return [
            e
            for e in entries
            if method_matches(method, e.method)
            and matches(e.path)
            and (status is None or e.status == status)
            and (username is None or e.username == username)
            and (credential is None or e.credential == credential)
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
