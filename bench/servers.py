"""Start a server on loopback, time it to its first answer, read its peak memory, stop it.

Each server runs in its own session under coreutils `timeout`, so it stops by itself even if the
benchmark dies; `stop()` ends the whole process group (npx starts several processes).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
_STARTED: list[Server] = []  # every server started by this process, for stop_all()


class ServerFailed(RuntimeError):
    """A server exited, or did not answer in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, bytes]:
    """One GET on loopback: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Server:
    """One server process (tree) the benchmark owns."""

    name: str
    argv: list[str]
    port: int
    log_path: Path
    cwd: Path
    env: dict[str, str] | None = None
    probe: str = "/api/status"
    lifetime_s: int = 900  # `timeout` stops the server after this, whatever happens
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    startup_s: float | None = None

    def start(self, wait_s: float = 120.0) -> float:
        """Spawn and wait for the first answer; returns seconds from spawn to that answer."""
        log = open(self.log_path, "wb")  # noqa: SIM115 (closed with the process)
        argv = ["timeout", "--kill-after=5", f"{self.lifetime_s}s", *self.argv]
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        _STARTED.append(self)
        deadline = started + wait_s
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(
                    f"{self.name} exited ({self.proc.returncode}): {self.log_tail()}"
                )
            try:
                get(self.port, self.probe, timeout=2.0)
            except OSError:
                time.sleep(0.005)
                continue
            self.startup_s = time.perf_counter() - started
            return self.startup_s
        self.stop()
        raise ServerFailed(f"{self.name} gave no answer within {wait_s:.0f} s: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])

    def processes(self) -> list[tuple[int, str]]:
        """(pid, command line) of every live process under this server, wrappers excluded."""
        if self.proc is None:
            return []
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            cmdline = _cmdline(pid)
            if cmdline and not cmdline.startswith(("timeout ", "npm exec ", "sh -c ")):
                found.append((pid, cmdline))
        return found

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) summed over the server's processes, in MiB."""
        total_kb = 0
        for pid, _ in self.processes():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total_kb += int(line.split()[1])
            except OSError:
                continue
        return total_kb / 1024

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet."""
    while _STARTED:
        _STARTED.pop().stop()
