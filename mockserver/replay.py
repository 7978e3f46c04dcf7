"""Repeated reads replayed at the door: the outermost layer sends a kept answer itself.

A kept answer (mockserver/answers.py) is found inside the layers that every request passes:
limits, normalisation, faults and the journal, Portainer's CSRF layer or Rancher's wire
handling. For a GET that those layers leave as it came (no path, header or query rewritten), and
whose answer was kept, what they add is known once the answer has gone out: the headers as the
outermost layer sent them, and for Portainer a CSRF token stamped on each answer. `Replays`
learns that once, then answers the same request again from the door, doing only what still
depends on the moment: the credential checked again (answers.CachedReads.recheck), the
answer still the state's and the clock's (CachedReads.kept), the CSRF token handed out
(csrf.token_for and csrf.stamped) and the journal entry (traffic.journal_request).

It steps aside whenever a layer in between could answer differently: while any fault rule is
set, for a request the normalisation rewrites, and for an answer it has not seen go out.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

from starlette.types import Message, Scope, Send

from mockserver import traffic
from mockserver.answers import KEPT_SLOT, CachedReads, request_key
from mockserver.journal import TOKEN_INFO_SLOT
from mockserver.portainer import csrf


class Replays:
    """Replays kept answers at the door (see the module)."""

    def __init__(self, runtime: Any, reads: CachedReads) -> None:
        self.runtime = runtime
        self.reads = reads

    def key(self, scope: Scope) -> Hashable | None:
        """The request key of a GET as it arrives (None: not one that may be replayed)."""
        if self.runtime.faults.active:
            return None
        return request_key(scope)

    async def replay(self, key: Hashable, scope: Scope, send: Send) -> bool:
        """Answer the request from the door if it may be (True), or leave it (False)."""
        kept = self.reads.kept(key)
        if kept is None or kept.door_headers is None:
            return False
        started, clock = time.time(), time.perf_counter()
        journal_generation = self.runtime.journal.generation
        token_info = self.reads.recheck(scope, kept)
        if token_info is None:
            return False
        headers = kept.door_headers
        if kept.door_csrf:
            token, fresh = csrf.token_for(csrf.cookies_of(scope))
            headers = csrf.stamped(headers, kept.status, token, fresh)
        else:
            headers = list(headers)
        await send({"type": "http.response.start", "status": kept.status, "headers": headers})
        await send({"type": "http.response.body", "body": kept.body})
        scope.setdefault("state", {})[TOKEN_INFO_SLOT] = token_info
        traffic.journal_request(
            self.runtime,
            scope,
            started=started,
            clock=clock,
            generation=journal_generation,
            status=kept.status,
        )
        return True

    def learn(self, key: Hashable, scope: Scope, start: Message) -> None:
        """After the full path: remember how the door sent a kept answer, when the request
        reached the answer cache unchanged and the answer is still the one kept."""
        state = scope.get("state", {})
        found = state.get(KEPT_SLOT)
        if found is None or start["status"] != 200:
            return
        inner_key, kept = found
        if inner_key != key or self.reads.kept(key) is not kept:
            return  # rewritten on the way in, or no longer the state's
        unstamped = state.get(csrf.UNSTAMPED_SLOT)
        kept.door_csrf = unstamped is not None
        kept.door_headers = list(unstamped if unstamped is not None else start["headers"])
