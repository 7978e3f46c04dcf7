"""MockServer: the mock on a free local port in a background thread, for tests of client code."""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.faults import Fault
from mockserver.journal import Entry
from mockserver.limits import Limits
from mockserver.runtime import Runtime
from mockserver.serving import uvicorn_config

STARTUP_TIMEOUT = 10.0  # seconds
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class Account:
    """A seeded Portainer account: `api_key` is its first access token (None if it has none)."""

    username: str
    password: str
    id: int
    role: int
    api_key: str | None
    tokens: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == 1


@dataclass(frozen=True)
class RancherKeyPair:
    """A seeded Rancher API key: HTTP Basic with `access_key` as user, `secret_key` as password."""

    access_key: str
    secret_key: str
    account_id: str
    name: str | None = None

    @property
    def auth(self) -> tuple[str, str]:
        """(access key, secret key), as httpx's and requests' `auth=` take it."""
        return self.access_key, self.secret_key


class MockServer:
    """The mock served on 127.0.0.1 in a background thread; a context manager.

    `MockServer(seed=7, scenario="fixtures/default.yaml")` serves the same data on every run.
    Portainer's login rate limiting is off unless `rate_limit=True`; every answer is checked
    against the contract unless `validate_responses=False`. Portainer's CSRF check is on unless
    `csrf=False`: a client that keeps the login cookie (a `requests.Session`, an `httpx.Client`)
    must send back, in `X-CSRF-Token`, the header of the same name from an earlier 2xx answer (the
    login answer has one) with its `_gorilla_csrf` cookie on POST, PUT and DELETE; clients that
    send `X-API-Key` or `Authorization` without the cookie are not checked.
    `control_token` makes every `/__mock__` call over HTTP present that token; `limits` bounds
    what a client may send (mockserver.limits.Limits).
    """

    def __init__(
        self,
        seed: int = 42,
        scenario: str | Path | None = None,
        *,
        rate_limit: bool = False,
        validate_responses: bool = True,
        rancher_access_control: bool = True,
        rancher_settle_seconds: float = 0.0,
        csrf: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        control_token: str | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.config = MockConfig(
            seed=seed,
            scenario=None if scenario is None else str(scenario),
            validate_responses=validate_responses,
            rate_limit=rate_limit,
            control_api=True,
            rancher_access_control=rancher_access_control,
            rancher_settle_seconds=rancher_settle_seconds,
            csrf=csrf,
            control_token=control_token,
            limits=limits or Limits(),
        )
        self.host = host
        self._requested_port = port
        self.app = create_app(self.config)
        self.runtime: Runtime = self.app.runtime
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

        seeded = self.runtime.seeded
        self.users: dict[str, Account] = {
            name: Account(
                username=a.username,
                password=a.password,
                id=a.user_id,
                role=a.role,
                api_key=a.tokens[0] if a.tokens else None,
                tokens=tuple(a.tokens),
            )
            for name, a in seeded.accounts.items()
        }
        ra = seeded.rancher_admin
        self.rancher_admin = RancherKeyPair(ra.access_key, ra.secret_key, ra.account_id, ra.name)
        self.rancher_keys = [
            RancherKeyPair(k.access_key, k.secret_key, k.account_id, k.name)
            for k in seeded.rancher_keys
        ]

    @property
    def admin(self) -> Account:
        """The first seeded administrator with an access token (else the first administrator)."""
        admins = sorted((a for a in self.users.values() if a.is_admin), key=lambda a: a.id)
        if not admins:
            raise LookupError("the scenario seeds no administrator")
        return next((a for a in admins if a.api_key), admins[0])

    # -- lifecycle
    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321 (Portainer under /api, Rancher /v2-beta)."""
        if self.port is None:
            raise RuntimeError("the mock server is not running: call start() or use `with`")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> MockServer:
        """Listen on a free port (or the one given) and return once the server answers."""
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn_config(
            self.app,
            self.config.limits,
            log_config=None,  # leave the test run's logging alone
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"contract-mock:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                self._cleanup()
                raise RuntimeError("the mock server stopped during startup (see the log above)")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the mock server did not start in {STARTUP_TIMEOUT:g} s")
            time.sleep(0.001)
        return self

    def stop(self) -> None:
        """Stop serving; delayed requests are dropped. Safe to call more than once."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.runtime.faults.clear()  # wakes requests held by a latency fault
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(STOP_TIMEOUT)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self.port is not None else "not started"
        return f"<MockServer seed={self.config.seed} {where}>"

    # -- state
    def reset(self, *, journal: bool = True, faults: bool = True) -> None:
        """Back to a fresh mock: the seeded state, an empty journal and no faults.

        Takes about a millisecond (a copy of the seeded state), so it can run before every test.
        Pass `journal=False` or `faults=False` to keep those.
        """
        self.runtime.reset(journal=journal, faults=faults)

    def state(self) -> dict[str, Any]:
        """A JSON-ready snapshot of the whole state (no secrets or hashes), as /__mock__/state."""
        return self.runtime.store.snapshot()

    # -- Git
    def git_push(self, url: str, files: dict[str, str], ref: str | None = None) -> str:
        """Push a commit to a mocked Git repository (created if unknown): `files` (path ->
        content) change or add files on `ref` (default: the repository's default branch).
        Returns the new commit's hash, which redeployed stacks show in `GitConfig.ConfigHash`."""
        return self.runtime.git_push(url, files, ref)

    # -- journal
    def requests(
        self,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        *,
        status: int | None = None,
        username: str | None = None,
        credential: str | None = None,
    ) -> list[Entry]:
        """The journal's entries matching every filter given, oldest first.

        `path` is an exact path, a glob (`/api/stacks/*`; `*` crosses slashes) or a compiled
        regex; `credential` is "apikey", "jwt" or "basic".
        """
        return self.runtime.journal.entries(
            method, path, status=status, username=username, credential=credential
        )

    def clear_requests(self) -> None:
        self.runtime.journal.clear()

    # -- faults
    def fail(
        self,
        method: str | None,
        path: str | re.Pattern[str],
        *,
        status: int | None = None,
        latency: float = 0.0,
        drop: bool = False,
        times: int | None = None,
        message: str | None = None,
        details: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Make the matching requests fail: `status` (with the family's error body), `drop` the
        connection, or add `latency` seconds (alone, or before the status or drop).

        Acts on the next `times` matching requests, or on all until `clear_faults()`. `method`
        None or "*" matches any method. The returned rule counts its `hits`.
        """
        return self.runtime.faults.add(
            method,
            path,
            status=status,
            latency=latency,
            drop=drop,
            times=times,
            message=message,
            details=details,
            headers=headers,
        )

    def faults(self) -> list[Fault]:
        """The fault rules still active."""
        return self.runtime.faults.rules()

    def clear_faults(self) -> None:
        self.runtime.faults.clear()
