"""The identities and objects the suite makes through the API, and their removal afterwards.

Nothing here relies on seeded data or on a mock's internals: from an administrator's credential
(and, for Rancher, an account key) the suite creates uniquely named users, tokens, stacks and
environment keys, grants and revokes environment access, and undoes all of it at the end.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.client import Api, ApiKey, Basic, Bearer, Reply, RuleViolation

RUN_ID = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(6))

# A compose file every Docker host can deploy quickly.
COMPOSE_FILE = 'services:\n  probe:\n    image: busybox:1.36\n    command: ["sleep", "3600"]\n'


RUN_PREFIX = f"cf-{RUN_ID}-"


def made_by_this_run(name: Any) -> bool:
    """True for a name this run gave, also as a server normalised it (Portainer keeps only
    lower-case letters, digits, - and _ of a stack name, so "cf-x1-My App" may come back as
    "cfx1myapp")."""
    if not isinstance(name, str):
        return False
    bare = "".join(c for c in name.lower() if c.isalnum())
    return name.lower().startswith(RUN_PREFIX) or bare.startswith(f"cf{RUN_ID}")


def unique(label: str) -> str:
    """A name no real object has: the run's id plus a label and a counter."""
    unique.counter += 1  # type: ignore[attr-defined]
    return f"{RUN_PREFIX}{label}{unique.counter}"  # type: ignore[attr-defined]


unique.counter = 0  # type: ignore[attr-defined]


def new_password() -> str:
    return "Cf-" + secrets.token_urlsafe(18)


class SetupError(RuntimeError):
    """The suite could not prepare what it needs (not a rule of the server)."""


def need(reply: Reply, status: int | tuple[int, ...], what: str) -> Reply:
    """A setup step must succeed; otherwise stop with what was asked and what came back."""
    wanted = (status,) if isinstance(status, int) else status
    if reply.status not in wanted:
        raise SetupError(
            f"could not {what}: expected {wanted}, got {reply.status}\n" + reply.exchange.describe()
        )
    return reply


class Cleanup:
    """Undo steps, run last-in first-out; failures are kept for the report, never raised."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], Any]]] = []
        self.failures: list[str] = []

    def add(self, what: str, step: Callable[[], Any]) -> None:
        self._steps.append((what, step))

    def run(self) -> None:
        while self._steps:
            what, step = self._steps.pop()
            try:
                step()
            except Exception as exc:
                self.failures.append(f"{what}: {exc}")


# ================================================================ Portainer
@dataclass
class Identity:
    """A Portainer user the suite acts as."""

    id: int
    username: str
    role: int
    password: str | None = None
    jwt: str | None = None
    token: str | None = None
    token_id: int | None = None

    @property
    def key(self) -> ApiKey:
        if self.token is None:
            raise SetupError(f"{self.username} has no access token")
        return ApiKey(self.token)

    @property
    def bearer(self) -> Bearer:
        if self.jwt is None:
            raise SetupError(f"{self.username} has no JWT")
        return Bearer(self.jwt)

    @property
    def auth(self) -> ApiKey | Bearer:
        """The identity's usual credential: its access token, else its JWT."""
        return self.key if self.token else self.bearer

    @property
    def is_admin(self) -> bool:
        return self.role == 1


@dataclass
class PortainerWorld:
    """Everything the Portainer rules act with.

    `admin` is the administrator whose credential was given. The suite adds `admin2` (an
    administrator it created, with a password, a JWT and a token), `alice` (standard, granted
    `env_a`), `bob` (standard, granted `env_b` when there is one) and `fuzzer` (standard, used by
    Schemathesis for token creation).
    """

    api: Api
    admin: Identity
    env_a: int
    env_b: int | None
    environments: dict[int, dict[str, Any]]
    swarm_id: str | None
    cleanup: Cleanup = field(default_factory=Cleanup)
    admin2: Identity | None = None
    alice: Identity | None = None
    bob: Identity | None = None
    fuzzer: Identity | None = None
    _original_policies: dict[int, Any] = field(default_factory=dict)

    # -- setup
    @classmethod
    def build(
        cls,
        api: Api,
        *,
        api_key: str | None,
        admin_user: str | None,
        admin_password: str | None,
        environment: int | None,
        other_environment: int | None,
        swarm_id: str | None,
        read_only: bool = False,
    ) -> PortainerWorld:
        """Log in (unless a token is given), find the environments, and, unless `read_only`,
        create the users and grants the rules act with."""
        if api_key:
            cred: ApiKey | Bearer = ApiKey(api_key)
            jwt = None
        else:
            reply = need(
                api.post(
                    "/api/auth",
                    json_body={"username": admin_user, "password": admin_password},
                ),
                200,
                f"log in as {admin_user}",
            )
            jwt = reply.json()["jwt"]
            cred = Bearer(jwt)
        me = need(api.get("/api/users/me", auth=cred), 200, "read the administrator's record")
        body = me.json()
        if body.get("Role") != 1:
            raise SetupError(
                f"the given credential is {body.get('Username')!r}, not an administrator"
            )
        admin = Identity(
            body["Id"],
            body["Username"],
            1,
            password=admin_password,
            jwt=jwt,
            token=api_key,
        )
        envs = need(api.get("/api/endpoints", auth=cred), 200, "list the environments").json()
        by_id = {int(e["Id"]): e for e in envs}
        if not by_id:
            raise SetupError("the server has no environment to deploy stacks to")
        ids = sorted(by_id)
        env_a = environment if environment is not None else ids[0]
        if env_a not in by_id:
            raise SetupError(f"environment {env_a} does not exist (have {ids})")
        others = [i for i in ids if i != env_a]
        env_b = (
            other_environment if other_environment is not None else (others[0] if others else None)
        )
        if env_b is not None and env_b not in by_id:
            raise SetupError(f"environment {env_b} does not exist (have {ids})")
        world = cls(api, admin, env_a, env_b, by_id, swarm_id)
        if read_only:
            return world
        try:
            world.admin2 = world.new_user("adm", role=1, login=True, token=True)
            world.alice = world.new_user("alice", login=True, token=True)
            world.bob = world.new_user("bob", login=True, token=True)
            world.fuzzer = world.new_user("fuzz", login=True)
            world.grant(world.alice, env_a)
            if env_b is not None:
                world.grant(world.bob, env_b)
        except Exception:
            world.close()
            raise
        return world

    def close(self) -> None:
        self.cleanup.run()
        self.cleanup.add("remove what an interrupted request left", self._remove_leftovers)
        self.cleanup.run()

    def _remove_leftovers(self) -> None:
        """Stacks and users named by this run that no undo step knows of: a run interrupted
        between sending a create and reading its answer leaves such objects."""
        stacks = self.api.get("/api/stacks", auth=self.admin.auth)
        for stack in stacks.json() if stacks.status == 200 else []:
            if made_by_this_run(stack.get("Name")):
                self.delete_stack(stack["Id"], stack["EndpointId"])
        users = self.api.get("/api/users", auth=self.admin.auth)
        for user in users.json() if users.status == 200 else []:
            if made_by_this_run(user.get("Username")):
                self.delete_user(user["Id"])

    # -- users and credentials
    def new_user(
        self, label: str, *, role: int = 2, login: bool = False, token: bool = False
    ) -> Identity:
        """A new user with a unique name, deleted at the end."""
        username = unique(label)
        password = new_password()
        reply = need(
            self.api.post(
                "/api/users",
                auth=self.admin.auth,
                json_body={"Username": username, "Password": password, "Role": role},
            ),
            200,
            f"create user {username}",
        )
        user = Identity(reply.json()["Id"], username, role, password=password)
        self.cleanup.add(f"delete user {username}", lambda: self.delete_user(user.id))
        if login or token:
            self.login(user)
        if token:
            raw, token_id = self.new_token(user, "conformance suite")
            user.token, user.token_id = raw, token_id
        return user

    def delete_user(self, user_id: int) -> None:
        reply = self.api.delete(f"/api/users/{user_id}", auth=self.admin.auth)
        if reply.status not in (204, 404):
            raise SetupError(f"deleting user {user_id} answered {reply.status}")

    def login(self, user: Identity) -> str:
        reply = need(
            self.api.post(
                "/api/auth", json_body={"username": user.username, "password": user.password}
            ),
            200,
            f"log in as {user.username}",
        )
        user.jwt = reply.json()["jwt"]
        return user.jwt

    def logout(self, user: Identity) -> Reply:
        """Log `user` out as a browser does: with the session cookie and the CSRF token.

        Portainer reads only the cookie on logout, and with a cookie its CSRF layer wants the
        X-CSRF-Token (and CSRF cookie) of an earlier answer.
        """
        jwt = user.jwt or ""
        before = self.api.get("/api/users/me", auth=Bearer(jwt))
        cookies = [f"portainer_api_key={jwt}"]
        cookies += [
            c.split(";", 1)[0]
            for c in before.response.headers.get_list("set-cookie")
            if not c.startswith("portainer_api_key=")
        ]
        headers = {"Cookie": "; ".join(cookies)}
        csrf = before.headers.get("X-CSRF-Token")
        if csrf:
            headers["X-CSRF-Token"] = csrf
        return self.api.post("/api/auth/logout", headers=headers)

    def new_token(self, user: Identity, description: str) -> tuple[str, int]:
        """A new access token of `user` (created with their JWT): (raw token, id)."""
        reply = need(
            self.api.post(
                f"/api/users/{user.id}/tokens",
                auth=user.bearer,
                json_body={"description": description, "password": user.password},
            ),
            201,
            f"create an access token for {user.username}",
        )
        body = reply.json()
        return body["rawAPIKey"], body["apiKey"]["id"]

    # -- environment grants
    def _policies(self, env_id: int) -> dict[str, Any]:
        reply = need(
            self.api.get(f"/api/endpoints/{env_id}", auth=self.admin.auth),
            200,
            f"read environment {env_id}",
        )
        return dict(reply.json().get("UserAccessPolicies") or {})

    def _set_policies(self, env_id: int, policies: dict[str, Any]) -> None:
        need(
            self.api.put(
                f"/api/endpoints/{env_id}",
                auth=self.admin.auth,
                json_body={"UserAccessPolicies": policies},
            ),
            200,
            f"change the access policies of environment {env_id}",
        )

    def _remember(self, env_id: int) -> None:
        if env_id not in self._original_policies:
            original = self._policies(env_id)
            self._original_policies[env_id] = original
            self.cleanup.add(
                f"restore the access policies of environment {env_id}",
                lambda: self._set_policies(env_id, original),
            )

    def grant(self, user: Identity, env_id: int) -> None:
        self._remember(env_id)
        policies = self._policies(env_id)
        policies[str(user.id)] = {"RoleId": 0}
        self._set_policies(env_id, policies)

    def revoke(self, user: Identity, env_id: int) -> None:
        self._remember(env_id)
        policies = self._policies(env_id)
        policies.pop(str(user.id), None)
        self._set_policies(env_id, policies)

    # -- stacks
    def new_stack(
        self,
        owner: Identity,
        env_id: int,
        *,
        name: str | None = None,
        swarm_id: str | None = None,
        expect_status: int | tuple[int, ...] = 200,
    ) -> Reply:
        """Create a Compose (or Swarm, with `swarm_id`) stack as `owner`; removed at the end."""
        kind = "swarm" if swarm_id else "standalone"
        body: dict[str, Any] = {"Name": name or unique("stk"), "StackFileContent": COMPOSE_FILE}
        if swarm_id:
            body["SwarmID"] = swarm_id
        reply = self.api.post(
            f"/api/stacks/create/{kind}/string",
            auth=owner.auth,
            params={"endpointId": env_id},
            json_body=body,
        )
        if reply.status == 200:
            stack = reply.json()
            self.cleanup.add(
                f"delete stack {stack.get('Id')}",
                lambda: self.delete_stack(stack["Id"], stack["EndpointId"]),
            )
        wanted = (expect_status,) if isinstance(expect_status, int) else expect_status
        if reply.status not in wanted:
            raise RuleViolation(
                f"creating a stack as {owner.username} on environment {env_id} answered "
                f"{reply.status}, expected {' or '.join(map(str, wanted))}",
                reply.exchange,
            )
        return reply

    def delete_stack(self, stack_id: int, env_id: int) -> None:
        reply = self.api.delete(
            f"/api/stacks/{stack_id}", auth=self.admin.auth, params={"endpointId": env_id}
        )
        if reply.status not in (204, 404):
            raise SetupError(f"deleting stack {stack_id} answered {reply.status}")

    def stack_management_allowed(self, env_id: int) -> bool:
        security = self.environments.get(env_id, {}).get("SecuritySettings") or {}
        return bool(security.get("allowStackManagementForRegularUsers", True))


# ================================================================ Rancher
@dataclass
class KeyPair:
    """A Rancher environment API key the suite created."""

    id: str
    project: str
    access: str
    secret: str

    @property
    def basic(self) -> Basic:
        return Basic(self.access, self.secret)


# A request without a key: 401 where Rancher's access control is on, 200 where it is off.
ACCESS_CONTROL_PROBE = "/v2-beta/projects"


def keys_path(project: str, key_id: str | None = None) -> str:
    path = f"/v2-beta/projects/{project}/apikeys"
    return f"{path}/{key_id}" if key_id else path


@dataclass
class RancherWorld:
    """Everything the Rancher rules act with: the account key, two projects, a key in each."""

    api: Api
    account: Basic
    project_a: str
    project_b: str | None
    cleanup: Cleanup = field(default_factory=Cleanup)
    key_a: KeyPair | None = None
    key_b: KeyPair | None = None
    # Rancher's access control (Cattle's api.security.enabled): off, a request without a key
    # acts as the administrator, and no key is refused or confined to its environment.
    access_control: bool = True

    @classmethod
    def build(
        cls,
        api: Api,
        *,
        access_key: str,
        secret_key: str,
        project: str | None,
        other_project: str | None,
        read_only: bool = False,
    ) -> RancherWorld:
        """Find the projects and, unless `read_only`, create an environment key in each."""
        account = Basic(access_key, secret_key)
        if project is None or other_project is None:
            reply = need(api.get("/v2-beta/projects", auth=account), 200, "list the projects")
            ids = [
                p["id"]
                for p in reply.json().get("data", [])
                if p.get("state", "active") == "active"
            ]
            if project is None:
                if not ids:
                    raise SetupError("the account key sees no Rancher environment")
                project = ids[0]
            if other_project is None:
                others = [i for i in ids if i != project]
                other_project = others[0] if others else None
        world = cls(api, account, project, other_project)
        world.access_control = api.get(ACCESS_CONTROL_PROBE).status == 401
        if read_only:
            return world
        try:
            world.key_a = world.new_key(project, unique("key-a"))
            if other_project is not None:
                world.key_b = world.new_key(other_project, unique("key-b"))
        except Exception:
            world.close()
            raise
        return world

    def close(self) -> None:
        self.cleanup.run()
        self.cleanup.add("remove what an interrupted request left", self._remove_leftovers)
        self.cleanup.run()

    def _remove_leftovers(self) -> None:
        """Keys named by this run that no undo step knows of (see PortainerWorld)."""
        for project in filter(None, (self.project_a, self.project_b)):
            listed = self.api.get(keys_path(project), auth=self.account)
            for key in listed.json().get("data", []) if listed.status == 200 else []:
                if made_by_this_run(key.get("name")):
                    self.remove_key(KeyPair(key["id"], project, key.get("publicValue", ""), ""))

    def new_key(
        self, project: str, name: str | None = None, *, auth: Basic | None = None, wait: bool = True
    ) -> KeyPair:
        """A new environment key of `project`, active; deactivated and deleted at the end."""
        reply = need(
            self.api.post(
                keys_path(project),
                auth=auth or self.account,
                json_body={"name": name or unique("key"), "description": "conformance suite"},
            ),
            201,
            f"create an API key in project {project}",
        )
        body = reply.json()
        pair = KeyPair(body["id"], project, body["publicValue"], body["secretValue"])
        self.cleanup.add(f"remove API key {pair.id}", lambda: self.remove_key(pair))
        if wait:
            self.settle(pair)
        return pair

    def read_key(self, pair: KeyPair, auth: Basic | None = None) -> Reply:
        return self.api.get(keys_path(pair.project, pair.id), auth=auth or self.account)

    def settle(self, pair: KeyPair, timeout: float = 20.0) -> dict[str, Any]:
        """Read the key until it is no longer transitioning."""
        deadline = time.monotonic() + timeout
        while True:
            body = need(self.read_key(pair), 200, f"read API key {pair.id}").json()
            if body.get("transitioning") != "yes":
                return body
            if time.monotonic() > deadline:
                raise SetupError(f"API key {pair.id} is still {body.get('state')} after {timeout}s")
            time.sleep(0.2)

    def action(self, pair: KeyPair, action: str, auth: Basic | None = None) -> Reply:
        return self.api.post(
            keys_path(pair.project, pair.id),
            auth=auth or self.account,
            params={"action": action},
            json_body={},
        )

    def remove_key(self, pair: KeyPair) -> None:
        body = self.read_key(pair).json()
        if body.get("state") in ("removed", "removing", "purged", "purging"):
            return
        if body.get("state") in ("active", "activating", "registering"):
            self.action(pair, "deactivate")
            self.settle(pair)
        reply = self.api.delete(keys_path(pair.project, pair.id), auth=self.account)
        if reply.status not in (200, 204, 404):
            raise SetupError(f"deleting API key {pair.id} answered {reply.status}")
