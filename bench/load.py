"""Bounded load with wrk, from its own process, aimed at 127.0.0.1 only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.servers import HOST

# POST a new stack, then DELETE the one the answer names: alternating, one pair after another.
CREATE_DELETE_LUA = r"""
local created = 0
local pending = {}
local run = os.time()  -- names stay unique across runs against the same server

request = function()
  local id = table.remove(pending)
  if id then
    return wrk.format("DELETE", "/api/stacks/" .. id .. "?endpointId=1", nil, nil)
  end
  created = created + 1
  local body = string.format(
    '{"Name":"bench-%d-%d","StackFileContent":"services:\\n  web:\\n    image: nginx:1.27-alpine\\n"}',
    run, created)
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- the -H credential
  return wrk.format("POST", "/api/stacks/create/standalone/string?endpointId=1", headers, body)
end

response = function(status, headers, body)
  if status == 200 then
    local id = string.match(body, '^{"Id":(%d+)')
    if id then table.insert(pending, id) end
  end
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class LoadResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def clean(self) -> bool:
        """Every answer was 2xx and no connection failed."""
        return self.non_2xx == 0 and self.socket_errors == 0


class WrkMissing(RuntimeError):
    pass


def ensure_wrk() -> str:
    """The path of wrk; installs Debian's package when running as root, else explains."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise WrkMissing(
            "wrk (the HTTP load generator) is missing. Install it, e.g. "
            "`sudo apt-get install -y wrk` on Debian or Ubuntu, then run `make bench` again."
        )
    print("bench: wrk is missing; installing Debian's package (apt-get install -y wrk)", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, stdout=sys.stderr, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], stdout=sys.stderr, check=False)
        subprocess.run(install, stdout=sys.stderr, check=False)
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing(
            "installing wrk with apt-get failed; install it and run `make bench` again"
        )
    return found


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].split("[")[0].strip() if first else "wrk"


def run_wrk(
    wrk: str,
    port: int,
    path: str,
    *,
    seconds: int,
    connections: int,
    headers: dict[str, str],
    script: Path | None = None,
) -> LoadResult:
    """Drive `path` for `seconds` with `connections` keep-alive connections; one wrk thread."""
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    if script is not None:
        argv += ["-s", str(script)]
    argv.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout}")
    return parse_wrk(out.stdout)


def parse_wrk(text: str) -> LoadResult:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if not match:
            raise ValueError(f"no {percent}% latency in wrk output:\n{text}")
        return float(match.group(1)) * _UNITS[match.group(2)]

    requests = re.search(r"(\d+) requests in", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not requests or not rps:
        raise ValueError(f"unexpected wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return LoadResult(
        requests=int(requests.group(1)),
        rps=float(rps.group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )
