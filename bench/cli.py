"""`python -m bench`: run the whole benchmark and write bench/results.md."""

from __future__ import annotations

import argparse
import base64
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bench import plot, report
from bench.load import CREATE_DELETE_LUA, LoadResult, WrkMissing, ensure_wrk, run_wrk, wrk_version
from bench.report import LOGINS
from bench.servers import Server, ServerFailed, free_port, get, stop_all

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = Path(__file__).resolve().parent / "scenarios" / "bench.yaml"
PRISM_PACKAGE = "@stoplight/prism-cli@5.16.0"
GROWTH_SIZES = (100, 1_000, 10_000, 100_000)
# The Git target: a repository stack made at start from the scenario's mocked repository, then
# redeployed again and again (each redeploy reads the repository and deploys its compose file).
GIT_CREATE_PATH = "/api/stacks/create/standalone/repository?endpointId=1"
GIT_STACK = {
    "name": "bench-git",
    "repositoryURL": "https://git.example.com/acme/web-stack",
    "repositoryReferenceName": "refs/heads/main",
    "composeFile": "docker-compose.yml",
}
GIT_STACK_PATH = "/api/stacks/{id}/git/redeploy?endpointId=1"
# The Git read: the repository stack's compose file, as cloned (a read with a ceiling, like the
# others; the redeploy above is a write, mock only).
GIT_FILE_PATH = "/api/stacks/{id}/file"
GIT_REDEPLOY_LUA = r"""
request = function()
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- the -H credential
  return wrk.format("PUT", nil, headers, "{}")
end
"""
# Prism 5.16.0's `-m` reads `require("node:cluster").default`, which Node does not define; this
# preload defines it, so the multi-process mode can be measured when the plain flag crashes.
CLUSTER_SHIM = (
    'const cluster = require("node:cluster");\n'
    "if (cluster.default === undefined) cluster.default = cluster;\n"
)


@dataclass(frozen=True)
class Target:
    """One request of the mix."""

    key: str
    label: str
    path: str
    headers: dict[str, str]
    ours_only: bool = False
    script: str | None = None
    expect_items: int | None = None  # the list length our mock must answer


@dataclass
class ServerRun:
    """What one server got: its startup, peak memory and one result per target."""

    name: str
    startup_s: float | None = None
    peak_mb: float | None = None
    results: dict[str, LoadResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # target key -> why
    note: str = ""
    loads: list[float] = field(default_factory=list)  # 1-minute load average as each round began
    rounds: int = 1

    def merge(self, other: ServerRun) -> None:
        """Fold a later round in: per request, the best throughput and the best latencies."""
        for key, result in other.results.items():
            mine = self.results.get(key)
            self.results[key] = result if mine is None else best_of(mine, result)
        for key, why in other.skipped.items():
            if key not in self.results:
                self.skipped.setdefault(key, why)
        self.peak_mb = max(self.peak_mb or 0.0, other.peak_mb or 0.0)
        self.loads += other.loads
        self.rounds += 1


@dataclass
class LoginProbe:
    """An unrelated read's latency alone and while LOGINS clients log in."""

    quiet: LoadResult
    busy: LoadResult
    logins_per_s: float


@dataclass
class GrowthRow:
    stacks: int
    startup_s: float
    peak_mb: float
    list_: LoadResult
    single: LoadResult


def credentials(scenario: dict) -> tuple[str, str]:
    """(Portainer admin access token, Rancher Basic header value) from the bench scenario."""
    admin = next(u for u in scenario["portainer"]["users"] if u["role"] == "admin")
    token = admin["tokens"][0]["raw"]
    key = scenario["rancher"]["environment_keys"][0]
    basic = base64.b64encode(f"{key['access_key']}:{key['secret_key']}".encode()).decode()
    return token, f"Basic {basic}"


def targets(token: str, basic: str, stacks: int) -> list[Target]:
    portainer = {"X-API-Key": token}
    return [
        Target("list", "GET /api/stacks", "/api/stacks", portainer, expect_items=stacks),
        Target("get", "GET /api/stacks/{id}", f"/api/stacks/{stacks // 2}", portainer),
        Target("settings", "GET /api/settings", "/api/settings", portainer),
        Target(
            "rancher",
            "GET /v2-beta/projects/{id}/apikeys (Basic)",
            "/v2-beta/projects/1a2/apikeys",
            {"Authorization": basic},
        ),
        Target(
            "docker",
            "GET /api/endpoints/{id}/docker/containers/json",
            "/api/endpoints/1/docker/containers/json",
            portainer,
        ),
        Target(
            "gitfile",
            "GET /api/stacks/{id}/file (a repository stack)",
            GIT_FILE_PATH,  # its id is known once Bench.prepare made the stack
            portainer,
        ),
        Target(
            "pair",
            "POST create + DELETE stack (pairs)",
            "/api/stacks/create/standalone/string?endpointId=1",
            portainer,
            ours_only=True,
            script="create_delete.lua",
        ),
        Target(
            "git",
            "PUT /api/stacks/{id}/git/redeploy (a repository stack)",
            GIT_STACK_PATH,  # its id is known once Bench.prepare made the stack
            portainer,
            ours_only=True,
            script="git_redeploy.lua",
        ),
    ]


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.wrk = ensure_wrk()
        (workdir / "create_delete.lua").write_text(CREATE_DELETE_LUA)
        (workdir / "git_redeploy.lua").write_text(GIT_REDEPLOY_LUA)
        (workdir / "cluster-shim.js").write_text(CLUSTER_SHIM)
        self.scenario = yaml.safe_load(SCENARIO.read_text())
        self.stacks = int(self.scenario["portainer"]["extra"]["stacks"])
        token, basic = credentials(self.scenario)
        self.token, self.basic = token, basic
        self.targets = targets(token, basic, self.stacks)
        self.prism_shim: str | None = None  # why Prism's -m needs the preload, once it did
        self.answers: Path | None = None  # the mock's answers, captured for the ceiling

    # -- servers
    def ours(self, scenario: Path | None, name: str = "contract-mock") -> Server:
        port = free_port()
        argv = [sys.executable, "-m", "mockserver", "run", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--seed", "42", "--validate-responses", "on"]
        argv += ["--rate-limit", "off"]  # default log level: access log on, as users run it
        if scenario is not None:
            argv += ["--scenario", str(scenario)]
        return Server(name, argv, port, self.workdir / f"{name}-{port}.log", ROOT)

    def ceiling(self) -> Server:
        """The bare ASGI app answering the mock's captured bytes (bench/ceiling.py)."""
        assert self.answers is not None
        port = free_port()
        argv = [sys.executable, "-m", "bench.ceiling", str(self.answers), str(port)]
        return Server("ceiling", argv, port, self.workdir / f"ceiling-{port}.log", ROOT)

    def prepare(self, server: Server) -> None:
        """A repository stack for the Git target (from the scenario's mocked repository)."""
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            body = json.dumps(GIT_STACK)
            conn.request("POST", GIT_CREATE_PATH, body=body, headers={"X-API-Key": self.token})
            response = conn.getresponse()
            answer = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise ServerFailed(f"the Git stack was not created: {response.status} {answer[:200]!r}")
        stack_id = json.loads(answer)["Id"]
        self.targets = [
            self._with_git_stack(t, stack_id)
            for t in targets(self.token, self.basic, self.stacks)  # each round's own mock
        ]

    @staticmethod
    def _with_git_stack(target: Target, stack_id: int) -> Target:
        if target.key == "git":
            return replace(target, path=GIT_STACK_PATH.format(id=stack_id))
        if target.key == "gitfile":
            return replace(target, path=GIT_FILE_PATH.format(id=stack_id))
        if target.expect_items is not None:  # the list shows the Git stack too
            return replace(target, expect_items=target.expect_items + 1)
        return target

    def capture(self, server: Server) -> Path:
        """The mock's answer to each read target (and to the start-up probe), byte for byte."""
        answers = {}
        for path, headers in [("/api/status", {})] + [
            (t.path, t.headers) for t in self.targets if t.script is None
        ]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                answers[path] = {
                    "status": response.status,
                    "headers": response.getheaders(),
                    "body": base64.b64encode(body).decode(),
                }
            finally:
                conn.close()
        target = self.workdir / "answers.json"
        target.write_text(json.dumps(answers))
        return target

    def prism(self, multiprocess: bool, shim: bool = False) -> Server:
        port = free_port()
        argv = ["npx", "--yes", PRISM_PACKAGE, "mock", "-h", "127.0.0.1", "-p", str(port)]
        argv += ["--dynamic=false"]
        if multiprocess:
            argv.append("-m")
        argv.append(str(ROOT / "openapi.yaml"))
        env = dict(os.environ)
        if shim:
            env["NODE_OPTIONS"] = f"--require {self.workdir / 'cluster-shim.js'}"
        name = "prism -m" if multiprocess else "prism"
        return Server(name, argv, port, self.workdir / f"prism-{port}.log", ROOT, env=env)

    # -- measuring
    def load(self, server: Server, target: Target, seconds: int, connections: int) -> LoadResult:
        script = self.workdir / target.script if target.script else None
        if self.args.warmup:
            run_wrk(
                self.wrk,
                server.port,
                target.path,
                seconds=self.args.warmup,
                connections=connections,
                headers=target.headers,
                script=script,
            )
        return run_wrk(
            self.wrk,
            server.port,
            target.path,
            seconds=seconds,
            connections=connections,
            headers=target.headers,
            script=script,
        )

    def check(self, server: Server, target: Target, ours: bool) -> str | None:
        """Why `target` cannot be measured on `server`, or None when it answers as it should."""
        if target.script:
            return None
        status, body = get(server.port, target.path, target.headers)
        if status != 200:
            return f"answers {status}: {body[:120].decode(errors='replace')}"
        if ours and target.expect_items is not None:
            items = len(json.loads(body))
            if items != target.expect_items:
                return f"lists {items} stacks, expected {target.expect_items}"
        return None

    def measure(self, server: Server, run: ServerRun, ours: bool) -> None:
        for target in self.targets:
            if target.ours_only and not ours:
                continue
            why = self.check(server, target, ours)
            if why is not None:
                run.skipped[target.key] = why
                print(f"  {target.label}: skipped, {why}", flush=True)
                continue
            result = self.load(server, target, self.args.duration, self.args.connections)
            run.results[target.key] = result
            flag = "" if result.clean else f"  (non-2xx {result.non_2xx})"
            print(
                f"  {target.label:<45} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms"
                f"  p99 {result.p99_ms:6.2f} ms{flag}",
                flush=True,
            )
        run.peak_mb = server.peak_rss_mb()

    def run_ours(self) -> ServerRun:
        run = ServerRun("contract-mock", loads=[load_average()])
        print("contract-mock (bench scenario, request and response validation on)", flush=True)
        with self.ours(SCENARIO) as server:
            run.startup_s = server.start()
            self.prepare(server)
            if self.answers is None:
                self.answers = self.capture(server)
            self.measure(server, run, ours=True)
        return run

    def reads_during_logins(self) -> LoginProbe:
        """An unrelated read (settings, one connection) while LOGINS clients log in again and again:
        password hashing must stay off the event loop."""
        admin = next(u for u in self.scenario["portainer"]["users"] if u["role"] == "admin")
        body = json.dumps({"username": admin["username"], "password": admin["password"]})
        print(f"reads during {LOGINS} concurrent logins", flush=True)
        with self.ours(SCENARIO, "contract-mock-logins") as server:
            server.start()

            def read_settings() -> LoadResult:
                return run_wrk(
                    self.wrk,
                    server.port,
                    "/api/settings",
                    seconds=self.args.duration,
                    connections=1,
                    headers={"X-API-Key": self.token},
                )

            quiet = read_settings()
            stop = threading.Event()
            logins = [0]

            def log_in() -> None:
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                while not stop.is_set():
                    conn.request("POST", "/api/auth", body=body)
                    conn.getresponse().read()
                    logins[0] += 1
                conn.close()

            clients = [threading.Thread(target=log_in, daemon=True) for _ in range(LOGINS)]
            for client in clients:
                client.start()
            try:
                busy = read_settings()
            finally:
                stop.set()
                for client in clients:
                    client.join(timeout=30)
        probe = LoginProbe(quiet, busy, logins[0] / self.args.duration)
        print(
            f"  settings p99 {quiet.p99_ms:.2f} ms alone, {busy.p99_ms:.2f} ms during"
            f" {probe.logins_per_s:.0f} logins/s",
            flush=True,
        )
        return probe

    def run_ceiling(self) -> ServerRun:
        run = ServerRun("ceiling", loads=[load_average()])
        print("ceiling (bare ASGI app, the mock's bytes, same uvicorn and event loop)", flush=True)
        with self.ceiling() as server:
            run.startup_s = server.start()
            self.measure(server, run, ours=False)
        return run

    def run_prism(self, multiprocess: bool) -> ServerRun:
        run = ServerRun("Prism -m" if multiprocess else "Prism", loads=[load_average()])
        print(run.name, flush=True)
        server = self.prism(multiprocess, shim=multiprocess and self.prism_shim is not None)
        try:
            try:
                run.startup_s = server.start()
            except ServerFailed as failure:
                if not multiprocess:
                    raise
                server.stop()
                self.prism_shim = run.note = (
                    "the plain `-m` flag crashed at start on this Node "
                    f"({_crash_reason(str(failure))}); measured with a preload that defines "
                    "`cluster.default`"
                )
                print(f"  {run.note}", flush=True)
            if self.prism_shim is not None:
                run.note = self.prism_shim
                server = self.prism(multiprocess, shim=True)
                run.startup_s = server.start()
            self.measure(server, run, ours=False)
        finally:
            server.stop()
        return run

    def startups(self) -> list[float]:
        """Fresh starts of the mock with the default scenario: spawn to first answer."""
        times = []
        for _ in range(self.args.startup_runs):
            with self.ours(None, name="startup") as server:
                times.append(server.start())
        return times

    def default_peak(self) -> float:
        """Peak memory of the default scenario under the list, read and settings load."""
        # The default scenario derives the admin token from the seed: take it from the seed.
        from mockserver import seed

        seeded = seed.build(42, seed.load_scenario(None))
        headers = {"X-API-Key": seeded.accounts["admin"].tokens[0]}
        with self.ours(None, name="default") as server:
            server.start()
            for path in ("/api/stacks", "/api/stacks/1", "/api/settings"):
                run_wrk(
                    self.wrk,
                    server.port,
                    path,
                    seconds=2,
                    connections=self.args.connections,
                    headers=headers,
                )
            return server.peak_rss_mb()

    def growth(self) -> list[GrowthRow]:
        rows = []
        seconds, connections = self.args.growth_duration, 1
        for stacks in GROWTH_SIZES:
            scenario = dict(self.scenario)
            scenario["portainer"] = {
                **scenario["portainer"],
                "extra": {**scenario["portainer"]["extra"], "stacks": stacks},
            }
            path = self.workdir / f"growth-{stacks}.yaml"
            path.write_text(yaml.safe_dump(scenario, sort_keys=False))
            with self.ours(path, name=f"growth-{stacks}") as server:
                startup = server.start()
                headers = {"X-API-Key": self.token}
                status, body = get(server.port, "/api/stacks", headers, timeout=60)
                if status != 200 or len(json.loads(body)) != stacks:
                    raise RuntimeError(f"growth {stacks}: the list answered {status}")
                list_ = self._growth_load(server, "/api/stacks", headers, seconds, connections)
                single_path = f"/api/stacks/{stacks // 2}"
                single = self._growth_load(server, single_path, headers, seconds, connections)
                rows.append(GrowthRow(stacks, startup, server.peak_rss_mb(), list_, single))
            print(
                f"  {stacks:>6} stacks: list p50 {list_.p50_ms:8.2f} ms, "
                f"read p50 {single.p50_ms:6.2f} ms",
                flush=True,
            )
        return rows

    def _growth_load(
        self, server: Server, path: str, headers: dict[str, str], seconds: int, connections: int
    ) -> LoadResult:
        run_wrk(self.wrk, server.port, path, seconds=1, connections=connections, headers=headers)
        return run_wrk(
            self.wrk, server.port, path, seconds=seconds, connections=connections, headers=headers
        )


def best_of(a: LoadResult, b: LoadResult) -> LoadResult:
    """Two rounds of one request on one server: other work on the machine only ever slows a
    round down, so each figure keeps its best; failed answers of both rounds count."""
    return LoadResult(
        requests=max(a.requests, b.requests),
        rps=max(a.rps, b.rps),
        p50_ms=min(a.p50_ms, b.p50_ms),
        p99_ms=min(a.p99_ms, b.p99_ms),
        non_2xx=a.non_2xx + b.non_2xx,
        socket_errors=a.socket_errors + b.socket_errors,
    )


def _crash_reason(text: str) -> str:
    for line in text.split(" | "):
        if "Error" in line:
            return line.strip()[:100]
    return "exited"


def load_average() -> float:
    """The machine's 1-minute load average (other work competes with the servers measured)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError):
        return float("nan")


def fetch_prism() -> str:
    """Fetch Prism into npx's cache before anything is timed; returns its version."""
    out = subprocess.run(
        ["npx", "--yes", PRISM_PACKAGE, "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"could not fetch {PRISM_PACKAGE} with npx: {out.stderr.strip()}")
    return out.stdout.strip().splitlines()[-1]


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError):
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "node": node.stdout.strip() or "absent",
        "commit": commit.stdout.strip() or "unknown",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark contract-mock against Stoplight Prism on openapi.yaml (loopback only).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per request")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument(
        "--growth-duration", type=int, default=5, help="seconds per growth measurement"
    )
    parser.add_argument("--startup-runs", type=int, default=5, help="fresh starts to time")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of every server in turn; each figure is the server's best over the rounds",
    )
    parser.add_argument("--skip-prism", action="store_true", help="measure the mock only")
    parser.add_argument("--skip-growth", action="store_true", help="leave out the growth table")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results.md", help="where the tables go"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    try:
        with tempfile.TemporaryDirectory(prefix="contract-mock-bench-") as tmp:
            return _run(args, Path(tmp))
    except WrkMissing as missing:
        print(f"bench: {missing}", file=sys.stderr)
        return 2
    finally:
        stop_all()  # whatever happened (a closed pipe, Ctrl-C), no server outlives the bench


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _run(args: argparse.Namespace, workdir: Path) -> int:
    bench = Bench(args, workdir)
    info = machine()
    info["wrk"] = wrk_version(bench.wrk)
    info["prism_package"] = PRISM_PACKAGE
    prism_version = None
    if not args.skip_prism:
        if shutil.which("npx") is None:
            print(
                "bench: npx (Node.js) is missing, so Prism cannot run; use --skip-prism",
                file=sys.stderr,
            )
            return 2
        prism_version = fetch_prism()
        info["prism"] = f"{PRISM_PACKAGE.split('@')[1]}@{prism_version}"
    print(f"bench: {info['cores']} cores, {info['cpu']}; commit {info['commit']}", flush=True)

    startups = bench.startups()
    print(
        f"startup to first answer (default scenario, {len(startups)} runs): "
        f"median {statistics.median(startups):.2f} s",
        flush=True,
    )
    default_peak = bench.default_peak()
    runs: list[ServerRun] = []
    ceiling: ServerRun | None = None
    for round_ in range(args.rounds):
        print(f"round {round_ + 1} of {args.rounds}", flush=True)
        this = [bench.run_ours()]
        bare = bench.run_ceiling()
        if ceiling is None:
            ceiling = bare
        else:
            ceiling.merge(bare)
        if not args.skip_prism:
            this.append(bench.run_prism(multiprocess=False))
            this.append(bench.run_prism(multiprocess=True))
        if not runs:
            runs = this
        else:
            for run, later in zip(runs, this, strict=True):
                run.merge(later)
    logins = bench.reads_during_logins()
    growth = [] if args.skip_growth else bench.growth()

    text = report.render(
        info=info,
        args=args,
        targets=bench.targets,
        runs=runs,
        ceiling=ceiling,
        startups=startups,
        default_peak=default_peak,
        growth=growth,
        stacks=bench.stacks,
        logins=logins,
    )
    args.out.write_text(text)
    picture = args.out.with_suffix(".png")
    if plot.draw(picture, bench.targets, runs, ceiling, growth):
        print(f"bench: drew {picture}")
    else:
        print("bench: matplotlib is missing (pip install -e '.[bench]'): no picture drawn")
    print()
    print(text)
    print(
        f"bench: wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 0
