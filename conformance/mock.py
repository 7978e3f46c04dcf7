"""Start the project's mock server in a subprocess on a free local port, for a self-contained run.

The suite learns the mock's administrator and Rancher account key from the banner the mock
prints at start, exactly as a person would; it never reads the mock's internals.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

_LISTENING = re.compile(r"contract-mock listening on (\S+)")
_ACCOUNT = re.compile(r"^\s{2}(\S+)\s+(admin|standard)\s+(\S+)\s+(\S+)\s*$")
_RANCHER_ADMIN = re.compile(r"^\s+admin account\s+([0-9A-F]{20}):(\S+)\s*$")


@dataclass
class Banner:
    """What the mock's banner tells a newcomer."""

    url: str | None = None
    admin_user: str | None = None
    admin_password: str | None = None
    rancher_access_key: str | None = None
    rancher_secret_key: str | None = None
    lines: list[str] = field(default_factory=list)

    def read(self, line: str) -> None:
        self.lines.append(line)
        if match := _LISTENING.search(line):
            self.url = self.url or match.group(1)
        elif (match := _ACCOUNT.match(line)) and match.group(2) == "admin" and not self.admin_user:
            self.admin_user, self.admin_password = match.group(1), match.group(3)
        elif match := _RANCHER_ADMIN.match(line):
            self.rancher_access_key, self.rancher_secret_key = match.group(1), match.group(2)

    @property
    def complete(self) -> bool:
        return bool(self.url and self.admin_user and self.rancher_access_key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StartedMock:
    """A mock server process of this project, listening on 127.0.0.1 only."""

    def __init__(
        self,
        *,
        seed: int = 42,
        scenario: str | None = None,
        rate_limit: bool = True,
        python: str = sys.executable,
    ) -> None:
        self.seed = seed
        self.scenario = scenario
        self.rate_limit = rate_limit
        self.python = python
        self.banner = Banner()
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 30.0) -> StartedMock:
        for _ in range(3):  # a port taken between probing and binding: try another
            if self._try_start(free_port(), timeout):
                return self
        raise RuntimeError("the mock did not start:\n" + "\n".join(self.banner.lines[-20:]))

    def _try_start(self, port: int, timeout: float) -> bool:
        command = [
            self.python,
            "-m",
            "mockserver",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--seed",
            str(self.seed),
            "--rate-limit",
            "on" if self.rate_limit else "off",
            "--log-level",
            "warning",
        ]
        if self.scenario:
            command += ["--scenario", self.scenario]
        self.banner = Banner()
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        ready = threading.Event()
        threading.Thread(target=self._drain, args=(ready,), daemon=True).start()
        ready.wait(timeout)
        if not self.banner.complete:
            self.stop()
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.url}/api/system/status", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        return False

    def _drain(self, ready: threading.Event) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.banner.read(line.rstrip("\n"))
            if self.banner.complete:
                ready.set()
        ready.set()

    @property
    def url(self) -> str:
        assert self.banner.url is not None
        return self.banner.url.rstrip("/")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> StartedMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
