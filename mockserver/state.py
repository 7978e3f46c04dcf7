"""The one store: users, environments, stacks, access tokens, settings and Rancher keys.

Plain dataclasses guarded by one re-entrant lock. Every change goes through a backend that holds
`store.lock`, so concurrent requests never lose or corrupt a record and ids stay unique.

Taking `store.lock` is how the state changes, so it is also where the state's generation moves:
`store.generation` grows when the lock is taken and again when it is let go, and answers computed
from the state are reusable only while it stays the same (mockserver/answers.py). A read that
needs the lock without changing anything takes `store.reading`; whatever it does change after
all (a Rancher key that settles) calls `store.touch()`.
"""

from __future__ import annotations

import copy
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

ADMIN = 1
STANDARD = 2

STACK_SWARM = 1
STACK_COMPOSE = 2
STACK_KUBERNETES = 3

STACK_ACTIVE = 1
STACK_INACTIVE = 2

RESOURCE_CONTROL_STACK = 6
ACCESS_READ_WRITE = 1


@dataclass
class User:
    id: int
    username: str
    role: int
    password_hash: str
    token_issue_at: int = 0
    theme_color: str = ""
    use_cache: bool = False  # Portainer's zero value on create
    # Deprecated in Portainer, null until it recomputes every user's authorizations (when an
    # environment with access policies is deleted); then {} in CE, where policies carry role 0.
    endpoint_authorizations: dict[str, dict[str, bool]] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass
class AccessToken:
    id: int
    user_id: int
    description: str
    prefix: str
    digest: str
    date_created: int
    last_used: int = 0


@dataclass
class Environment:
    id: int
    name: str
    type: int = 1
    url: str = "unix:///var/run/docker.sock"
    public_url: str = ""
    group_id: int = 1
    status: int = 1
    container_engine: str = "docker"
    tag_ids: list[int] = field(default_factory=list)
    user_policies: dict[str, dict[str, int]] = field(default_factory=dict)
    team_policies: dict[str, dict[str, int]] = field(default_factory=dict)
    security: dict[str, bool] = field(default_factory=dict)
    swarm_id: str = ""
    uuid: str = ""
    created: int = 0  # unix seconds, used by the Rancher view

    def grants(self, user_id: int, teams: Iterable[int] = ()) -> bool:
        """True when the environment's access policies name this user or one of their teams."""
        return str(user_id) in self.user_policies or any(
            str(team) in self.team_policies for team in teams
        )


TEAM_LEADER = 1
TEAM_MEMBER = 2


@dataclass
class Team:
    id: int
    name: str


@dataclass
class TeamMembership:
    """A user in a team, as leader (1) or member (2)."""

    id: int
    user_id: int
    team_id: int
    role: int = TEAM_MEMBER


@dataclass
class ResourceControl:
    id: int
    resource_id: str
    type: int = RESOURCE_CONTROL_STACK
    user_accesses: list[int] = field(default_factory=list)
    team_accesses: list[int] = field(default_factory=list)
    public: bool = False
    administrators_only: bool = False
    system: bool = False


@dataclass
class Stack:
    id: int
    name: str
    type: int
    endpoint_id: int
    file_content: str
    created_by: str
    creation_date: int
    swarm_id: str = ""
    entry_point: str = "docker-compose.yml"
    env: list[dict[str, str]] | None = None
    status: int = STACK_ACTIVE
    update_date: int = 0
    updated_by: str = ""
    additional_files: list[str] | None = None
    auto_update: dict[str, Any] | None = None
    git_config: dict[str, Any] | None = None
    namespace: str = ""
    from_app_template: bool = False
    option: dict[str, Any] | None = None
    resource_control_id: int | None = None
    # The Git password a repository stack was deployed with, as a digest only (never shown).
    git_password_digest: str | None = None
    # Where its containers run when a start named another environment than `endpoint_id`
    # (Portainer starts it there and keeps the record's environment); None: its own.
    deployed_on: int | None = None

    @property
    def project_path(self) -> str:
        return f"/data/compose/{self.id}"

    @property
    def runs_on(self) -> int:
        """The environment whose Docker holds the stack's containers and services."""
        return self.endpoint_id if self.deployed_on is None else self.deployed_on


@dataclass
class GitCommit:
    """One commit of a mocked Git repository: its hash and the files it holds."""

    hash: str
    files: dict[str, str]


@dataclass
class GitRepository:
    """A Git repository the mock pretends to clone: full ref names -> commits, oldest first.

    `password_digest` set means the repository needs that password (any user name)."""

    url: str
    default_ref: str = "refs/heads/main"
    refs: dict[str, list[GitCommit]] = field(default_factory=dict)
    password_digest: str | None = None


@dataclass
class RancherKey:
    """A Rancher API key. `account_id` is a project id (`1aN`) or the admin account's id."""

    id: int
    account_id: str
    public_value: str
    secret_hash: str
    name: str | None = None
    description: str | None = None
    state: str = "registering"
    settles_to: str | None = "active"  # the state a transition ends in, on the next request
    settles_at: int | None = None  # epoch ms before which it does not settle (a settle time)
    created: int = 0  # epoch milliseconds
    removed: int | None = None
    uuid: str = ""


def default_settings() -> dict[str, Any]:
    """Portainer CE 2.23's default settings (api/datastore/init.go)."""
    return {
        "LogoURL": "",
        "BlackListedLabels": [],
        "AuthenticationMethod": 1,
        "InternalAuthSettings": {"RequiredPasswordLength": 12},
        "LDAPSettings": {
            "AnonymousMode": True,
            "ReaderDN": "",
            "URL": "",
            "StartTLS": False,
            "TLSConfig": {"TLS": False, "TLSSkipVerify": False},
            "SearchSettings": [{"BaseDN": "", "Filter": "", "UserNameAttribute": ""}],
            "GroupSearchSettings": [{"GroupBaseDN": "", "GroupFilter": "", "GroupAttribute": ""}],
            "AutoCreateUsers": True,
        },
        "OAuthSettings": {
            "ClientID": "",
            "AccessTokenURI": "",
            "AuthorizationURI": "",
            "ResourceURI": "",
            "RedirectURI": "",
            "UserIdentifier": "",
            "Scopes": "",
            "OAuthAutoCreateUsers": False,
            "DefaultTeamID": 0,
            "SSO": True,
            "LogoutURI": "",
            "AuthStyle": 0,
        },
        "openAMTConfiguration": {
            "enabled": False,
            "mpsServer": "",
            "mpsUser": "",
            "mpsPassword": "",
            "mpsToken": "",
            "certFileName": "",
            "certFileContent": "",
            "certFilePassword": "",
            "domainName": "",
        },
        "FeatureFlagSettings": None,
        "SnapshotInterval": "5m",
        "TemplatesURL": "",
        "GlobalDeploymentOptions": {"hideStacksFunctionality": False},
        "EdgeAgentCheckinInterval": 5,
        "EnableEdgeComputeFeatures": False,
        "UserSessionTimeout": "8h",
        "KubeconfigExpiry": "0",
        "EnableTelemetry": False,
        "HelmRepositoryURL": "https://charts.bitnami.com/bitnami",
        "KubectlShellImage": "portainer/kubectl-shell:2.23.0",
        "TrustOnFirstConnect": False,
        "EnforceEdgeID": False,
        "AgentSecret": "",
        "EdgePortainerUrl": "",
        "Edge": {
            "CommandInterval": 0,
            "PingInterval": 0,
            "SnapshotInterval": 0,
            "AsyncMode": False,
        },
    }


@dataclass
class Settings:
    values: dict[str, Any] = field(default_factory=default_settings)
    ldap_password: str = ""
    oauth_client_secret: str = ""


@dataclass
class State:
    """Everything the mock knows. Copied whole to reset to the seeded state."""

    instance_id: str = ""
    users: dict[int, User] = field(default_factory=dict)
    tokens: dict[int, AccessToken] = field(default_factory=dict)
    environments: dict[int, Environment] = field(default_factory=dict)
    stacks: dict[int, Stack] = field(default_factory=dict)
    resource_controls: dict[int, ResourceControl] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    team_memberships: dict[int, TeamMembership] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    rancher_keys: dict[int, RancherKey] = field(default_factory=dict)
    git_repositories: dict[str, GitRepository] = field(default_factory=dict)
    rancher_admin_account: str = "1a0"
    next_ids: dict[str, int] = field(default_factory=dict)
    # Only what the Docker proxy itself changes (container start/stop/restart), by container id;
    # everything else of the Docker view is derived from the stacks (portainer/docker/model.py).
    container_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def teams_of(self, user_id: int) -> frozenset[int]:
        """The ids of the teams a user belongs to (as leader or member)."""
        return frozenset(m.team_id for m in self.team_memberships.values() if m.user_id == user_id)

    def teams_led_by(self, user_id: int) -> frozenset[int]:
        """The ids of the teams a user leads."""
        return frozenset(
            m.team_id
            for m in self.team_memberships.values()
            if m.user_id == user_id and m.role == TEAM_LEADER
        )

    def new_id(self, kind: str) -> int:
        """Next id of a kind, starting at 1; never reused, even after deletes."""
        value = self.next_ids.get(kind, 0) + 1
        self.next_ids[kind] = value
        return value


class _ChangeLock:
    """The store's lock for changes: the generation moves on entry and on exit, so an answer
    computed while a change was under way (in another thread) is never taken as current."""

    def __init__(self, store: Store, lock: threading.RLock) -> None:
        self._store = store
        self._lock = lock

    def __enter__(self) -> _ChangeLock:
        self._lock.acquire()
        self._store.touch()
        return self

    def __exit__(self, *exc: object) -> None:
        self._store.touch()
        self._lock.release()


class Store:
    """Holds the live state, the seeded state to reset to, the lock and the clock."""

    def __init__(
        self, seeded: State, clock: Callable[[], float] = time.time, *, adopt: bool = False
    ) -> None:
        """`adopt`: serve `seeded` itself, unchanged into the live state (for a state built
        for this store alone); otherwise the store serves a copy and `seeded` stays as it is."""
        # The seeded state kept to reset to, as a pickle: taking it is 7 times faster than a
        # deep copy (0.09 s against 0.65 s at 10,000 stacks), and it holds no second object
        # graph; a reset unpickles it (0.3 s at 10,000 stacks, under 1 ms by default).
        self._seeded = pickle.dumps(seeded, pickle.HIGHEST_PROTOCOL)
        self.state = seeded if adopt else pickle.loads(self._seeded)
        self.generation = 0  # moves on every change of the state (see the module's docstring)
        self.reading = threading.RLock()  # the lock itself, for reads that change nothing
        self.lock = _ChangeLock(self, self.reading)
        self.clock = clock
        self._token_index: dict[str, int] = {}
        self._reindex()

    def now(self) -> int:
        """Current time in unix seconds."""
        return int(self.clock())

    def touch(self) -> None:
        """Record a change of the state: answers computed before it are stale."""
        self.generation += 1

    def reset(self) -> None:
        """Go back to the seeded state."""
        with self.lock:
            self.state = pickle.loads(self._seeded)
            self._reindex()

    # -- access-token digest index: O(1) lookup per request
    def _reindex(self) -> None:
        self._token_index = {t.digest: t.id for t in self.state.tokens.values()}

    def token_by_digest(self, digest: str) -> AccessToken | None:
        token_id = self._token_index.get(digest)
        return self.state.tokens.get(token_id) if token_id is not None else None

    def add_token(self, token: AccessToken) -> None:
        with self.lock:
            self.state.tokens[token.id] = token
            self._token_index[token.digest] = token.id

    def remove_token(self, token_id: int) -> None:
        with self.lock:
            token = self.state.tokens.pop(token_id, None)
            if token is not None:
                self._token_index.pop(token.digest, None)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of the state without any secret or hash."""
        with self.lock:
            s = self.state
            return {
                "instanceId": s.instance_id,
                "users": [
                    {k: v for k, v in asdict(u).items() if k != "password_hash"}
                    for u in s.users.values()
                ],
                "tokens": [
                    {k: v for k, v in asdict(t).items() if k != "digest"} for t in s.tokens.values()
                ],
                "environments": [asdict(e) for e in s.environments.values()],
                "stacks": [
                    {k: v for k, v in asdict(st).items() if k != "git_password_digest"}
                    for st in s.stacks.values()
                ],
                "gitRepositories": [
                    {k: v for k, v in asdict(r).items() if k != "password_digest"}
                    for r in s.git_repositories.values()
                ],
                "resourceControls": [asdict(rc) for rc in s.resource_controls.values()],
                "teams": [asdict(t) for t in s.teams.values()],
                "teamMemberships": [asdict(m) for m in s.team_memberships.values()],
                "settings": copy.deepcopy(s.settings.values),
                "rancherKeys": [
                    {k: v for k, v in asdict(key).items() if k != "secret_hash"}
                    for key in s.rancher_keys.values()
                ],
            }
