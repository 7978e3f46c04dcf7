"""Helpers for the conformance suite's own tests: serve an app, run the suite against it.

The servers are built here, in the test process, and the suite runs in a process of its own
through the `conformance` command's entry point, as a user runs it: it only receives URLs and
credentials. Those processes fork from a server that has imported the suite once
(`tests/conformance_fork.py`); `fresh=True` starts `python -m conformance` from nothing instead.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from mockserver.app import create_app
from mockserver.config import MockConfig

ROOT = Path(__file__).resolve().parent.parent
ASGI = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 in a thread; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def mock_app(seed: int = 42, scenario: str | None = None) -> Any:
    """A fresh mock (no rate limiter: the suites run here do not pace themselves)."""
    return create_app(MockConfig(seed=seed, scenario=scenario, rate_limit=False))


@dataclass
class SuiteRun:
    code: int
    output: str
    results: dict[str, Any]
    seconds: float

    def outcome(self, rule_id: str) -> str:
        for rule in self.results.get("rules", []):
            if rule["id"] == rule_id:
                return str(rule["outcome"])
        return "absent"

    @property
    def failed(self) -> list[str]:
        return [r["id"] for r in self.results.get("rules", []) if r["outcome"] == "failed"]

    @property
    def passed(self) -> list[str]:
        return [r["id"] for r in self.results.get("rules", []) if r["outcome"] == "passed"]


_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.conformance_fork"])


def run_suite(
    args: list[str],
    workdir: Path,
    timeout: float = 600,
    *,
    fresh: bool = False,
    env: dict[str, str] | None = None,
) -> SuiteRun:
    """`conformance ARGS` in `workdir`, with its JSON rule report: forked from the preloaded
    suite, or with `fresh`, `python -m conformance` in a new interpreter. `env` adds to the
    test's environment (CONFORMANCE_ variables left out)."""
    report = workdir / "rules.json"
    args = [*args, "--report-json", str(report), "-q"]
    given = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env.update(given)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    started = time.monotonic()
    if fresh:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", *args],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        code, output = done.returncode, done.stdout
    else:
        code, output = _forked(args, workdir, env, timeout)
    seconds = time.monotonic() - started
    results = json.loads(report.read_text()) if report.exists() else {}
    return SuiteRun(code, output, results, seconds)


def _forked(args: list[str], workdir: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    from tests import conformance_fork

    with tempfile.TemporaryDirectory(prefix="conformance-log-") as logs:
        log = Path(logs) / "output"  # outside `workdir`: the run's directory holds only its own
        child = _FORKS.Process(
            target=conformance_fork.run, args=(args, str(workdir), env, str(log))
        )
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(["conformance", *args], timeout)
        output = log.read_text(errors="replace") if log.exists() else ""
    return child.exitcode, output


def target_args(url: str, app: Any) -> list[str]:
    """The command line a user would type for this server: its URL and its administrators."""
    seeded = app.runtime.seeded
    admin = next(a for a in seeded.accounts.values() if a.role == 1)
    return [
        "--base-url",
        url,
        "--admin-user",
        admin.username,
        "--admin-password",
        admin.password,
        "--rancher-url",
        url,
        "--rancher-access-key",
        seeded.rancher_admin.access_key,
        "--rancher-secret-key",
        seeded.rancher_admin.secret_key,
    ]
