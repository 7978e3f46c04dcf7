"""What the suite is pointed at: the target's URLs and credentials, and how hard to test.

The options are defined once here; the pytest plugin registers them and the `conformance` command
forwards them, so both spell them the same way. Each option may also come from an environment
variable (`CONFORMANCE_BASE_URL`, ...), which keeps secrets out of shell history and CI logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

FAMILIES = ("portainer", "rancher")


@dataclass(frozen=True)
class Option:
    """One command-line option of the suite."""

    flag: str
    help: str
    kind: str = "str"  # str, int, float, flag or choice
    choices: tuple[str, ...] = ()
    default: Any = None
    secret: bool = False  # masked in the curl lines of the report

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def env(self) -> str:
        return "CONFORMANCE_" + self.dest.upper()


OPTIONS: tuple[Option, ...] = (
    Option("--base-url", "Portainer's base URL, e.g. https://portainer.example:9443"),
    Option("--admin-user", "an administrator's user name (Portainer)"),
    Option("--admin-password", "that administrator's password", secret=True),
    Option("--api-key", "an administrator's access token, instead of a password", secret=True),
    Option("--insecure", "do not verify TLS certificates (self-signed servers)", kind="flag"),
    Option(
        "--environment",
        "id of the Portainer environment the suite may use (default: the first one)",
        kind="int",
    ),
    Option(
        "--other-environment",
        "id of a second Portainer environment, for cross-environment rules (default: the second)",
        kind="int",
    ),
    Option("--swarm-id", "a swarm id of --environment, for Swarm stack rules"),
    Option(
        "--git-repository",
        "URL of a Git repository the target can clone, with a valid docker-compose.yml, for"
        " repository stack rules (default: against the mock, one made through /__mock__/git)",
    ),
    Option(
        "--git-ref", "the reference of --git-repository to deploy (default: its default branch)"
    ),
    Option("--rancher-url", "Rancher's base URL (the server root, not /v2-beta)"),
    Option("--rancher-access-key", "access key of a Rancher account API key"),
    Option("--rancher-secret-key", "secret key of that account API key", secret=True),
    Option("--rancher-project", "id of the Rancher environment (project) to use, e.g. 1a5"),
    Option(
        "--rancher-other-project",
        "id of a second Rancher environment, for cross-environment rules",
    ),
    Option("--only", "test one family only", kind="choice", choices=FAMILIES),
    Option(
        "--read-only",
        "only safe requests (GET, HEAD, OPTIONS), for a production server: nothing is created, "
        "changed or deleted; rules that need writes are skipped (Portainer needs --api-key)",
        kind="flag",
    ),
    Option(
        "--wait",
        "seconds a rule waits for a server's asynchronous work (containers starting or going "
        "away after a deploy, stop or delete) before it fails",
        kind="float",
        default=60.0,
    ),
    Option("--thorough", "generate many more cases (slower)", kind="flag"),
    Option(
        "--max-examples",
        "generated cases per operation, and at least 10 stateful scenarios "
        "(overrides the default and --thorough)",
        kind="int",
    ),
    Option(
        "--phases",
        "Schemathesis phases per operation, comma-separated: examples, coverage, fuzzing "
        "(default: all three; the stateful sequences are a test of their own)",
        default="examples,coverage,fuzzing",
    ),
    Option(
        "--login-rate",
        "logins and token creations per second the suite allows itself (0: no pacing); "
        "Portainer bans an address for an hour past a burst of 10 at 1 per second. Against the "
        "mock the command starts itself: 0 unless given, and a rate above 0 turns its limiter on",
        kind="float",
        default=0.9,
    ),
    Option("--report-json", "also write the rule results as JSON to this file"),
    Option(
        "--report-html",
        "also write a self-contained HTML report to this file: per rule, its outcome, statement "
        "and source, and for a failure the request, the answer and a curl line",
    ),
    Option(
        "--rule",
        "check only these rules: catalogue ids, comma-separated (e.g. PTR-AUTH-1,RCH-KEY-6); "
        "to re-run what failed",
    ),
    Option(
        "--operations",
        "in the Schemathesis rules (SCH-*), check only the contract's operations whose "
        "'METHOD /path' matches this regular expression (e.g. '^PUT /api/stacks/'); to re-run "
        "what failed on one route",
    ),
)


def option(dest: str) -> Option:
    return next(o for o in OPTIONS if o.dest == dest)


@dataclass
class Target:
    """The resolved options of one run."""

    base_url: str | None = None
    admin_user: str | None = None
    admin_password: str | None = None
    api_key: str | None = None
    insecure: bool = False
    environment: int | None = None
    other_environment: int | None = None
    swarm_id: str | None = None
    git_repository: str | None = None
    git_ref: str | None = None
    rancher_url: str | None = None
    rancher_access_key: str | None = None
    rancher_secret_key: str | None = None
    rancher_project: str | None = None
    rancher_other_project: str | None = None
    only: str | None = None
    read_only: bool = False
    wait: float = 60.0
    thorough: bool = False
    max_examples: int | None = None
    phases: str = "examples,coverage,fuzzing"
    login_rate: float = 0.9
    report_json: str | None = None
    report_html: str | None = None
    rule: str | None = None
    operations: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Target:
        """Options as given, falling back to CONFORMANCE_* environment variables."""
        resolved: dict[str, Any] = {}
        for opt in OPTIONS:
            value = values.get(opt.dest)
            if value in (None, False) and os.environ.get(opt.env):
                raw = os.environ[opt.env]
                value = _convert(opt, raw)
            if value is None:
                value = opt.default
            resolved[opt.dest] = value
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in resolved.items() if k in known})

    # -- what can run
    def wants(self, family: str) -> bool:
        return self.only in (None, family)

    def portainer_missing(self) -> str | None:
        """Why the Portainer family cannot run, or None when it can."""
        if not self.wants("portainer"):
            return f"--only {self.only}"
        if not self.base_url:
            return "no --base-url given"
        if self.read_only and not self.api_key:
            return "--read-only needs --api-key (logging in with a password is a POST)"
        if not self.api_key and not (self.admin_user and self.admin_password):
            return "no administrator credential (--api-key, or --admin-user and --admin-password)"
        return None

    def rancher_missing(self) -> str | None:
        """Why the Rancher family cannot run, or None when it can."""
        if not self.wants("rancher"):
            return f"--only {self.only}"
        if not self.rancher_url:
            return "no --rancher-url given"
        if not (self.rancher_access_key and self.rancher_secret_key):
            return "no Rancher account key (--rancher-access-key and --rancher-secret-key)"
        return None

    @property
    def examples(self) -> int:
        """Generated cases per operation."""
        if self.max_examples is not None:
            return self.max_examples
        return 100 if self.thorough else 12

    @property
    def stateful_examples(self) -> int:
        if self.max_examples is not None:
            return max(10, self.max_examples)
        return 150 if self.thorough else 30

    @property
    def paced_examples(self) -> int:
        """Generated cases for the rate-limited operations (logins, token creation)."""
        if self.max_examples is not None:
            return min(self.max_examples, 6)
        return 20 if self.thorough else 4

    @property
    def rule_ids(self) -> set[str]:
        """The rules --rule asks for (upper-cased); empty means every rule."""
        return {r.strip().upper() for r in (self.rule or "").split(",") if r.strip()}

    @property
    def phase_names(self) -> set[str]:
        return {p.strip() for p in (self.phases or "").split(",") if p.strip()}

    def secrets(self) -> dict[str, str]:
        """Secret values -> the placeholder shown instead of them in reports."""
        masked = {}
        for opt in OPTIONS:
            value = getattr(self, opt.dest, None)
            if opt.secret and value:
                masked[str(value)] = "$" + opt.env
        return masked


def _convert(opt: Option, raw: str) -> Any:
    if opt.kind == "flag":
        return raw.lower() in ("1", "true", "yes", "on")
    if opt.kind == "int":
        return int(raw)
    if opt.kind == "float":
        return float(raw)
    return raw


_current: Target | None = None


def set_current(target: Target) -> None:
    global _current
    _current = target


def current() -> Target:
    """The options of the running session (set by the pytest plugin at configure time)."""
    return _current if _current is not None else Target.from_values({})
