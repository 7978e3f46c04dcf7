"""`conformance --dry-run`: what a run with these options would create, change and remove.

Nothing is sent to the server named on the command line. The same run is made against a private
mock, and the mock's request journal says what the suite sent that can change a server: each
route with the number of requests that succeeded, and whether what was created was removed again.
This is exact for the suite's own set-up and rules; Schemathesis's generated requests vary a
little from run to run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import httpx

from conformance.client import SAFE_METHODS
from conformance.mock import StartedMock

_ID = re.compile(r"^(\d+|1[a-z]\d+)$")  # Portainer's numeric ids, Rancher's 1a5 and 1c12
# Options that name the target: the dry run points the suite at its private mock instead.
TARGET_OPTIONS = (
    "--base-url",
    "--admin-user",
    "--admin-password",
    "--api-key",
    "--rancher-url",
    "--rancher-access-key",
    "--rancher-secret-key",
    "--environment",
    "--other-environment",
    "--swarm-id",
    "--rancher-project",
    "--rancher-other-project",
    "--login-rate",
)


def route_of(path: str) -> str:
    """The route of a concrete path: ids become {id}."""
    return "/".join("{id}" if _ID.match(part) else part for part in path.split("/"))


def without_target(argv: Sequence[str]) -> list[str]:
    """The command line without the options that name the target (and without --dry-run)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name == "--dry-run":
            continue
        if name in TARGET_OPTIONS:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


def plan(entries: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(method, route, count) of the successful requests that can change a server."""
    counts: Counter[tuple[str, str]] = Counter(
        (entry["method"], route_of(entry["path"]))
        for entry in entries
        if entry["method"] not in SAFE_METHODS and (entry.get("status") or 500) < 400
    )
    order = {"POST": 0, "PUT": 1, "PATCH": 2, "DELETE": 3}
    ranked = sorted(counts.items(), key=lambda item: (item[0][1], order.get(item[0][0], 9)))
    return [(method, route, n) for (method, route), n in ranked]


def render(rows: list[tuple[str, str, int]], named: list[str], code: int) -> str:
    lines = [
        "conformance --dry-run: the requests a run with these options sends that can change a "
        "server, learned from the same run against a private mock",
    ]
    if named:
        lines.append(f"(nothing was sent to {', '.join(named)})")
    lines.append("")
    lines.append(f"  {'requests':>8}  {'method':<7} route")
    for method, route, count in rows:
        lines.append(f"  {count:>8}  {method:<7} {route}")
    lines += [
        "",
        "Every object is created with the run's unique name prefix (cf-<run>-) or tracked by id,",
        "and removed at the end; settings and environment access policies it changes are",
        "restored. Use --read-only to send none of these.",
    ]
    if code != 0:
        lines.append(f"(the private run exited {code}: the list may be incomplete)")
    return "\n".join(lines)


def main(argv: Sequence[str], named: list[str]) -> int:
    """Run the suite with `argv` against a private mock and print the plan."""
    with StartedMock(rate_limit=False) as mock:
        banner = mock.banner
        command = [
            sys.executable,
            "-m",
            "conformance",
            *without_target(argv),
            "--base-url",
            mock.url,
            "--admin-user",
            banner.admin_user or "",
            "--admin-password",
            banner.admin_password or "",
            "--rancher-url",
            mock.url,
            "--rancher-access-key",
            banner.rancher_access_key or "",
            "--rancher-secret-key",
            banner.rancher_secret_key or "",
            "--login-rate",
            "0",
            "-q",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        entries = httpx.get(f"{mock.url}/__mock__/requests", timeout=30).json()
    print(render(plan(entries), named, done.returncode))
    return 0 if done.returncode in (0, 1) else done.returncode
