"""Reads answered from bytes: each answer is computed (and validated) once per state and caller.

A GET of a cacheable operation is served in full the first time: authentication, the bouncer,
request validation, the handler, response validation. A 200 it gives is kept as bytes, keyed by
everything the request says (path, query, every header, credentials included) and stamped with
the store's generation (mockserver/state.py), which every change of the state moves. The same
request again, while the generation stays the same, is answered from those bytes after its
credential is checked again (so an expired or revoked credential, or a token's `lastUsed` stamp,
is handled as on the full path, and the caller must be the one the answer was made for).

Everything around this layer still runs on every request: faults and the journal
(mockserver/traffic.py), Portainer's CSRF token, Rancher's wire handling. Only operations whose
answer depends on nothing but the request and the state are cacheable (CACHEABLE); those that
show the clock (environment snapshots, the Docker proxy, status: CLOCKED) are kept only for the
second of the clock they show, and Rancher answers only while no key has a timed state change
pending.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.auth import PresentedRequest
from mockserver.errors import MockError
from mockserver.journal import OPERATION_SLOT, TOKEN_INFO_SLOT
from mockserver.rancher import auth as rancher_auth
from mockserver.rancher.backend import Caller as RancherCaller
from mockserver.rancher.links import VERSION_SCOPE_KEY

# Operations whose 200 depends only on the request and the state (no clock, no randomness).
PORTAINER_CACHEABLE = frozenset(
    {
        "listStacks",
        "getStack",
        "getStackFile",
        "getSettings",
        "listUsers",
        "getUser",
        "getCurrentUser",
        "listUserMemberships",
        "listTeams",
        "getTeam",
        "listTeamMembershipsOfTeam",
        "listTeamMemberships",
        "listAccessTokens",
    }
)
RANCHER_CACHEABLE = frozenset(
    {
        "listProjects",
        "getProject",
        "listApiKeys",
        "getApiKey",
        "listAccountApiKeys",
        "getAccountApiKey",
    }
)
# Operations whose answer shows the clock in whole seconds (container uptimes, snapshot times):
# kept only for the second they were computed in, so a read never shows a time gone by.
CLOCKED = frozenset(
    {
        "getStatus",
        "listEnvironments",
        "getEnvironment",
        "dockerPing",
        "dockerVersion",
        "dockerInfo",
        "dockerListContainers",
        "dockerInspectContainer",
        "dockerListImages",
        "dockerListNetworks",
        "dockerListVolumes",
        "dockerListServices",
        "dockerListTasks",
        "dockerListNodes",
        "dockerInspectSwarm",
    }
)
CACHEABLE = PORTAINER_CACHEABLE | RANCHER_CACHEABLE | CLOCKED

MAX_ENTRIES = 4096
MAX_BYTES = 64 * 1024 * 1024  # a 100,000-stack list is ~55 MB


@dataclass(eq=False)
class Answer:
    """One kept answer: who it was made for, and what was sent."""

    caller: Hashable  # the Portainer Identity or the Rancher Caller the credential stood for
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    second: int | None = None  # for a CLOCKED operation, the clock's second it shows
    # The headers the outermost layer sent with it, before any per-request stamp (Portainer's
    # CSRF token), once it has seen the answer go out (mockserver/replay.py); and whether the
    # CSRF layer stamps it.
    door_headers: list[tuple[bytes, bytes]] | None = None
    door_csrf: bool = False


# Where CachedReads leaves (request key, Answer) when a request's answer is a kept one.
KEPT_SLOT = "mock.kept"


class AnswerCache:
    """Answers by request, for one generation of the state at a time, bounded in count and bytes.

    An answer is only ever returned for the generation it was computed at; the first use of a
    newer generation drops every older answer."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._generation = -1
        self._answers: dict[Hashable, Answer] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def generation(self) -> int:
        """The generation of the state the kept answers were computed at."""
        return self._generation

    def get(self, key: Hashable, generation: int) -> Answer | None:
        if generation != self._generation:
            return None
        return self._answers.get(key)

    def put(self, key: Hashable, generation: int, answer: Answer) -> None:
        if generation != self._generation:
            if generation < self._generation:
                return  # computed before a change this cache has already seen
            self.clear()
            self._generation = generation
        size = len(answer.body)
        if size > self.max_bytes:
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        while self._answers and (
            len(self._answers) >= self.max_entries or self._bytes + size > self.max_bytes
        ):
            oldest = next(iter(self._answers))
            self._bytes -= len(self._answers.pop(oldest).body)
        self._answers[key] = answer
        self._bytes += size

    def clear(self) -> None:
        self._answers.clear()
        self._bytes = 0


def request_key(scope: Scope) -> Hashable | None:
    """What identifies a GET's answer, or None when the request may not be answered from bytes
    (not a GET, or a GET that carries a body)."""
    if scope["method"] != "GET":
        return None
    headers = scope["headers"]
    for name, value in headers:
        if (name == b"content-length" and value.strip() not in (b"", b"0")) or (
            name == b"transfer-encoding"
        ):
            return None
    return (
        scope["path"],
        scope.get("raw_path"),
        scope.get("query_string", b""),
        scope.get(VERSION_SCOPE_KEY),
        tuple(headers),
    )


class CachedReads:
    """ASGI layer just outside Connexion: answers a repeated read from bytes (see the module)."""

    def __init__(self, app: ASGIApp, runtime: Any) -> None:
        self.app = app
        self.runtime = runtime
        self.cache = AnswerCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        kept = self.kept(key)
        if kept is not None:
            token_info = self.recheck(scope, kept)
            if token_info is not None:
                scope["state"][TOKEN_INFO_SLOT] = token_info
                scope["state"][KEPT_SLOT] = (key, kept)
                headers = list(kept.headers)  # a layer outside may not change the kept list
                await send(
                    {"type": "http.response.start", "status": kept.status, "headers": headers}
                )
                await send({"type": "http.response.body", "body": kept.body})
                return
        await self._compute(key, scope, receive, send)

    def kept(self, key: Hashable) -> Answer | None:
        """The answer kept for this request key, if it is still the state's (and the clock's)."""
        store = self.runtime.store
        kept = self.cache.get(key, store.generation)
        if kept is None or (kept.second is not None and kept.second != store.now()):
            return None
        return kept

    def recheck(self, scope: Scope, kept: Answer) -> dict[str, Any] | None:
        """The token_info of the request's credential, checked again, when the kept answer may
        be sent: it stands for the caller the answer was made for, and checking it did not
        change the state (a token's lastUsed stamp may: then the answer may change too)."""
        generation = self.runtime.store.generation
        token_info = self._authenticate(scope, kept.caller)
        if token_info is None or self.runtime.store.generation != generation:
            return None
        return token_info

    async def _compute(self, key: Hashable, scope: Scope, receive: Receive, send: Send) -> None:
        """The full path; its answer is kept when it may be reused: the state did not change
        between authentication (which may stamp a token's lastUsed) and the answer."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        scope["state"][OPERATION_SLOT] = None
        second = self.runtime.store.now()
        await self.app(scope, receive, capture)
        if start is None or start["status"] != 200:
            return
        state = scope["state"]
        operation, generation = state.get(OPERATION_SLOT) or (None, None)
        if operation not in CACHEABLE or self.runtime.store.generation != generation:
            return
        caller = _caller(state.get(TOKEN_INFO_SLOT))
        if caller is None:  # answered without a credential (open mode): not kept
            return
        if operation in RANCHER_CACHEABLE and not self.runtime.rancher.settled():
            return  # a key changes state with time: the next read may show it
        shown = None
        if operation in CLOCKED:
            if self.runtime.store.now() != second:
                return  # the clock moved on while it was computed: which second it shows is moot
            shown = second
        headers = list(start.get("headers", []))
        answer = Answer(caller, start["status"], headers, b"".join(chunks), shown)
        self.cache.put(key, generation, answer)
        state[KEPT_SLOT] = (key, answer)

    def _authenticate(self, scope: Scope, caller: Hashable) -> dict[str, Any] | None:
        """The request's credential checked again: the token_info the security function would
        give, or None when it is refused or stands for another caller than `caller`."""
        request = PresentedRequest(scope)
        try:
            if isinstance(caller, RancherCaller):
                pair = _basic_credentials(request.headers.get("authorization"))
                if pair is None:
                    return None
                found = rancher_auth.authenticate(self.runtime.rancher, *pair)
                return rancher_auth.token_info(found) if found == caller else None
            who = self.runtime.authenticator.authenticate(request.headers, request.cookies)
        except MockError:
            return None
        return {"sub": who.user_id, "identity": who} if who == caller else None


def _caller(token_info: Any) -> Hashable | None:
    if not isinstance(token_info, dict):
        return None
    return token_info.get("identity") or token_info.get("rancher")


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(access key, secret key) of an HTTP Basic header, or None."""
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None
