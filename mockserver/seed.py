"""Scenario file + seed -> the initial state, the same on every machine for the same inputs."""

from __future__ import annotations

import base64
import functools
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faker import Faker

from mockserver import resources, secrets
from mockserver.portainer.stacks.git import new_repository
from mockserver.spec import parse as parse_yaml
from mockserver.state import (
    ACCESS_READ_WRITE,
    ADMIN,
    STACK_COMPOSE,
    STACK_INACTIVE,
    STACK_SWARM,
    STANDARD,
    TEAM_LEADER,
    TEAM_MEMBER,
    AccessToken,
    Environment,
    RancherKey,
    ResourceControl,
    Stack,
    State,
    Team,
    TeamMembership,
    User,
)

SEED_EPOCH = 1_714_564_800  # 2024-05-01T12:00:00Z: seeded records are dated from here
DEFAULT_SECURITY = {
    "allowStackManagementForRegularUsers": True,
    "allowBindMountsForRegularUsers": True,
    "allowPrivilegedModeForRegularUsers": True,
    "allowVolumeBrowserForRegularUsers": False,
    "allowHostNamespaceForRegularUsers": True,
    "allowDeviceMappingForRegularUsers": True,
    "allowContainerCapabilitiesForRegularUsers": True,
    "allowSysctlSettingForRegularUsers": True,
    "enableHostManagementFeatures": False,
}

_SERVICES = {
    "nginx": "nginx:1.27-alpine",
    "redis": "redis:7.4",
    "postgres": "postgres:16",
    "wordpress": "wordpress:6.6",
    "grafana": "grafana/grafana:11.2.0",
    "prometheus": "prom/prometheus:v2.54.1",
    "traefik": "traefik:v3.1",
    "minio": "minio/minio:RELEASE.2024-09-13T20-26-02Z",
    "rabbitmq": "rabbitmq:3.13-management",
    "gitea": "gitea/gitea:1.22",
}


@dataclass
class SeededAccount:
    """A named account as the scenario gives it, with its clear credentials for the banner."""

    username: str
    role: int
    password: str
    user_id: int
    tokens: list[str] = field(default_factory=list)


@dataclass
class RancherCredential:
    """A seeded Rancher key pair, shown at start."""

    access_key: str
    secret_key: str
    account_id: str
    name: str | None = None
    description: str | None = None


@dataclass
class Seeded:
    """The seeded state plus the clear credentials the seed made (for the banner and tests)."""

    state: State
    accounts: dict[str, SeededAccount]
    rancher_admin: RancherCredential
    rancher_keys: list[RancherCredential]


@functools.lru_cache(maxsize=1024)
def _seeded_hash(password: str, salt: bytes) -> str:
    """A seeded account's password hash, computed once per process: a seed always draws the same
    salt, and a seeded password is no secret (the scenario holds it; the banner prints it), so
    remembering it reveals nothing. Every test and server of a process builds the same accounts."""
    return secrets.hash_password(password, salt=salt)


def load_scenario(path: str | Path | None) -> dict[str, Any]:
    """Read a scenario (YAML): a file, or a packaged scenario's name; None means `default`."""
    label, text = resources.scenario_text(path)
    data = parse_yaml(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"scenario {label}: the top level must be a mapping")
    return data


def raw_token(rng: random.Random) -> str:
    """A Portainer access token: `ptr_` + base64 of 32 random bytes."""
    return "ptr_" + base64.b64encode(rng.randbytes(32)).decode()


RANCHER_SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"


def rancher_key_pair(rng: random.Random) -> tuple[str, str]:
    """An access key (20 upper-case hex) and a secret key (40 chars of Rancher's alphabet)."""
    access = rng.randbytes(10).hex().upper()
    secret = "".join(rng.choice(RANCHER_SECRET_ALPHABET) for _ in range(40))
    return access, secret


class _StackWords:
    """Distinct words for stack names; once Faker's word list is used up (a scenario with more
    than about 900 stacks), a word plus the stack's index, so large scenarios still seed."""

    # Faker's `unique.word()` and `word()`, drawn the way Faker draws them (one `choice` from the
    # locale's word list per attempt, at most this many attempts, the last never taken) on
    # Faker's own random generator: the same words, without copying the word list twice per
    # draw (most of the seeding time of 10,000 stacks). tests/test_fast_paths.py compares.
    ATTEMPTS = 1000

    def __init__(self, fake: Faker) -> None:
        self.fake = fake
        self.exhausted = False
        self._choice = fake.random.choice
        self._words = fake.get_words_list()
        self._seen: set[str] = set()

    def next(self, index: int) -> str:
        if not self.exhausted:
            for _ in range(self.ATTEMPTS - 1):
                word = self._choice(self._words)
                if word not in self._seen:
                    self._seen.add(word)
                    return str(word)
            self._choice(self._words)  # Faker's last attempt, drawn and never taken
            self.exhausted = True
        return f"{self._choice(self._words)}{index}"


def compose_file(services: list[str], fake: Faker) -> str:
    lines = ["services:"]
    for name in services:
        lines.append(f"  {name}:")
        lines.append(f"    image: {_SERVICES[name]}")
        lines.append("    restart: unless-stopped")
        if name in ("nginx", "traefik", "grafana", "gitea"):
            lines.append("    ports:")
            lines.append(f'      - "{fake.random_int(8000, 8999)}:80"')
    return "\n".join(lines) + "\n"


def _seed_teams(
    state: State,
    portainer: dict[str, Any],
    env_by_name: dict[str, Environment],
    fake: Faker,
    rng: random.Random,
) -> None:
    """Teams named in the scenario (leaders, members, environments granted to the team), then
    Faker's `extra.teams`, each with a few standard users. Seeded last, so adding teams changes
    none of the users, stacks and keys seeded before them."""
    by_name = {u.username: u for u in state.users.values()}
    specs = list(portainer.get("teams", []) or [])
    extra = int((portainer.get("extra", {}) or {}).get("teams", 0))
    standard = sorted(u.username for u in state.users.values() if not u.is_admin)
    for index in range(extra):
        members = rng.sample(standard, k=min(len(standard), rng.randint(1, 3)))
        # the index keeps names unique even when the stacks used up Faker's unique words
        specs.append({"name": f"{fake.word()}-team-{index + 1}", "members": members})
    for spec in specs:
        team = Team(id=state.new_id("team"), name=str(spec["name"]))
        state.teams[team.id] = team
        for role, key in ((TEAM_LEADER, "leaders"), (TEAM_MEMBER, "members")):
            for username in spec.get(key, []) or []:
                membership = TeamMembership(
                    id=state.new_id("team_membership"),
                    user_id=by_name[str(username).lower()].id,
                    team_id=team.id,
                    role=role,
                )
                state.team_memberships[membership.id] = membership
        for env_name in spec.get("environments", []) or []:
            env_by_name[env_name].team_policies[str(team.id)] = {"RoleId": 0}


def build(seed: int, scenario: dict[str, Any]) -> Seeded:
    """Build the whole initial state from a seed and a scenario."""
    rng = random.Random(seed)
    fake = Faker()
    fake.seed_instance(seed)
    state = State()
    state.instance_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    portainer = scenario.get("portainer", {}) or {}
    extra = portainer.get("extra", {}) or {}

    def new_uuid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    # environments
    env_by_name: dict[str, Environment] = {}
    env_specs = list(portainer.get("environments", []) or [])
    for _ in range(int(extra.get("environments", 0))):
        env_specs.append(
            {"name": f"{fake.unique.city().lower().replace(' ', '-')}-edge", "type": 2}
        )
    for spec in env_specs:
        env = Environment(
            id=state.new_id("environment"),
            name=str(spec["name"]),
            type=int(spec.get("type", 1)),
            url=str(spec.get("url", f"tcp://{fake.ipv4_private()}:9001")),
            public_url=str(spec.get("public_url", "")),
            swarm_id=str(spec.get("swarm_id", "")),
            security=dict(DEFAULT_SECURITY),
            uuid=new_uuid(),
            created=SEED_EPOCH + rng.randint(0, 86_400),
        )
        state.environments[env.id] = env
        env_by_name[env.name] = env

    # users and their tokens
    accounts: dict[str, SeededAccount] = {}
    user_specs = list(portainer.get("users", []) or [])
    for _ in range(int(extra.get("users", 0))):
        user_specs.append(
            {"username": fake.unique.user_name(), "role": "standard", "password": fake.password(16)}
        )
    for spec in user_specs:
        role = ADMIN if str(spec.get("role", "standard")) in ("admin", "1") else STANDARD
        user = User(
            id=state.new_id("user"),
            username=str(spec["username"]).lower(),  # stored lowercased, as Portainer does
            role=role,
            password_hash=_seeded_hash(str(spec["password"]), rng.randbytes(16)),
        )
        state.users[user.id] = user
        account = SeededAccount(user.username, role, str(spec["password"]), user.id)
        accounts[user.username] = account
        for env_name in spec.get("environments", []) or []:
            env_by_name[env_name].user_policies[str(user.id)] = {"RoleId": 0}
        for token_spec in spec.get("tokens", []) or []:
            raw = str(token_spec.get("raw") or raw_token(rng))
            token = AccessToken(
                id=state.new_id("token"),
                user_id=user.id,
                description=str(token_spec.get("description", "seeded token")),
                prefix=raw[:7],
                digest=secrets.token_digest(raw),
                date_created=SEED_EPOCH,
            )
            state.tokens[token.id] = token
            account.tokens.append(raw)

    # stacks: owned by the named users first, spread over environments they may use
    owners = list(state.users.values())
    words = _StackWords(fake)
    # each owner's usable environments, once (neither changes while stacks are seeded)
    usable_by_owner = {
        owner.id: [e for e in state.environments.values() if owner.is_admin or e.grants(owner.id)]
        for owner in owners
    }
    for index in range(int(extra.get("stacks", 0)) if owners else 0):
        owner = owners[index % len(owners)]
        usable = usable_by_owner[owner.id]
        if not usable:
            owner = owners[0]
            usable = list(state.environments.values())
        env = usable[rng.randrange(len(usable))]
        services = rng.sample(sorted(_SERVICES), k=rng.randint(1, 3))
        name = f"{words.next(index)}-{services[0]}".lower()
        swarm = bool(env.swarm_id) and rng.random() < 0.5
        stack = Stack(
            id=state.new_id("stack"),
            name=name,
            type=STACK_SWARM if swarm else STACK_COMPOSE,
            endpoint_id=env.id,
            swarm_id=env.swarm_id if swarm else "",
            file_content=compose_file(services, fake),
            created_by=owner.username,
            creation_date=SEED_EPOCH + index * 3600 + rng.randint(0, 3599),
            env=[{"name": "TZ", "value": fake.timezone()}] if rng.random() < 0.5 else None,
            status=STACK_INACTIVE if rng.random() < 0.2 else 1,
        )
        rc = ResourceControl(
            id=state.new_id("resource_control"),
            resource_id=f"{env.id}_{stack.name}",
            administrators_only=owner.is_admin,
            user_accesses=[] if owner.is_admin else [owner.id],
        )
        stack.resource_control_id = rc.id
        state.stacks[stack.id] = stack
        state.resource_controls[rc.id] = rc

    # Git repositories that repository stacks are "cloned" from (no network: see stacks/git.py)
    for spec in portainer.get("git_repositories", []) or []:
        repo = new_repository(
            str(spec["url"]),
            spec.get("branches") or {},
            default_branch=spec.get("default_branch"),
            password=spec.get("password"),
        )
        state.git_repositories[repo.url] = repo

    # Rancher: the admin account key and seeded environment keys
    rancher = scenario.get("rancher", {}) or {}
    admin_spec = rancher.get("admin_key") or {}
    access, secret = rancher_key_pair(rng)
    admin = RancherCredential(
        access_key=str(admin_spec.get("access_key", access)),
        secret_key=str(admin_spec.get("secret_key", secret)),
        account_id=state.rancher_admin_account,
        name="admin",
        description="administrator account key",
    )
    keys = [admin]
    for spec in rancher.get("environment_keys", []) or []:
        env = env_by_name[spec["environment"]]
        access, secret = rancher_key_pair(rng)
        keys.append(
            RancherCredential(
                access_key=str(spec.get("access_key", access)),
                secret_key=str(spec.get("secret_key", secret)),
                account_id=f"1a{env.id}",
                name=spec.get("name"),
                description=spec.get("description"),
            )
        )
    for index, cred in enumerate(keys):
        key = RancherKey(
            id=state.new_id("credential"),
            account_id=cred.account_id,
            public_value=cred.access_key,
            secret_hash=secrets.secret_digest(cred.secret_key),
            name=cred.name,
            description=cred.description,
            state="active",
            settles_to=None,
            created=(SEED_EPOCH + index) * 1000,
            uuid=new_uuid(),
        )
        state.rancher_keys[key.id] = key
    _seed_teams(state, portainer, env_by_name, fake, rng)
    return Seeded(state=state, accounts=accounts, rancher_admin=admin, rancher_keys=keys[1:])


__all__ = ["ACCESS_READ_WRITE", "Seeded", "build", "load_scenario"]
