"""The conformance suite is worth what it catches: run it against deliberately wrong servers.

Each broken server is the mock with one rule switched off, either by replacing a rule method on
one in-process app (nothing global, nothing reachable from the mock's command line) or by a small
fault-injecting ASGI layer in front of an unchanged mock. The suite runs against it as a user
runs it and must fail, naming the rule that caught the fault.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from conformance.rules import BY_ID
from mockserver import secrets
from mockserver.auth import Identity
from mockserver.errors import MockError
from tests.conformance_harness import mock_app, run_suite, serve, target_args

# Few cases per operation: these runs prove that faults are caught, not how thoroughly.
# The mock does its "asynchronous" work at once: a rule waiting for a broken server to catch up
# need not wait a real server's minute.
QUICK = ["--max-examples", "3", "--phases", "examples,fuzzing", "--login-rate", "0", "--wait", "2"]
# Faults whose proof runs the whole suite, as a user would; the others run only the rule that must
# catch them (`--rule`), which is what makes fifteen proofs affordable in `make test`.
WHOLE_SUITE = ("authentication ignored",)


# ---------------------------------------------------------------- fault-injecting ASGI layers
class Layer:
    """An ASGI layer over the mock that may rewrite a request or a JSON answer."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.runtime = app.runtime

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        early = self.answer_early(scope, body)
        if early is not None:
            await _send_json(send, *early)
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._finish(scope, body, started, b"".join(chunks), send)

        await self.app(scope, replay, capture)

    async def _finish(
        self, scope: Any, request: bytes, start: Any, payload: bytes, send: Any
    ) -> None:
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        content_type = dict(headers).get(b"content-type", b"")
        if b"json" in content_type and payload:
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
            if data is not None:
                data = self.rewrite(scope, request, start["status"], data)
                payload = json.dumps(data).encode()
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        return None

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        return data


async def _send_json(send: Any, status: int, data: Any) -> None:
    payload = json.dumps(data).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _header(scope: Any, name: bytes) -> bytes | None:
    return next((v for k, v in scope["headers"] if k.lower() == name), None)


class AuthIgnored(Layer):
    """A Portainer request without any credential runs as the administrator."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        path = scope["path"]
        secured = path.startswith("/api/") and not path.startswith(("/api/auth", "/api/settings/"))
        bare = _header(scope, b"x-api-key") is None and _header(scope, b"authorization") is None
        if secured and bare:
            admin = next(a for a in self.runtime.seeded.accounts.values() if a.role == 1)
            scope["headers"] = [*scope["headers"], (b"x-api-key", admin.tokens[0].encode())]
        return None


class RequiredFieldDropped(Layer):
    """Stacks lose `CreatedBy` in every answer."""

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        def strip(item: Any) -> Any:
            if isinstance(item, dict) and "EndpointId" in item and "CreatedBy" in item:
                return {k: v for k, v in item.items() if k != "CreatedBy"}
            return item

        return [strip(i) for i in data] if isinstance(data, list) else strip(data)


class CrashOnBadInput(Layer):
    """A Portainer body that is not a JSON object makes the server fail with 500."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        if scope["method"] in ("POST", "PUT") and scope["path"].startswith("/api/") and body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                return 500, {"message": "Internal Server Error", "details": "runtime error"}
        return None


class SecretInListing(Layer):
    """Rancher answers show a key's secret again, in reads and lists."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.secrets: dict[str, str] = {}

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if not scope["path"].startswith("/v2-beta/") or not isinstance(data, dict):
            return data
        if status == 201 and data.get("secretValue"):
            self.secrets[data["id"]] = data["secretValue"]
            return data
        items = data.get("data") if data.get("type") == "collection" else [data]
        for item in items or []:
            if isinstance(item, dict) and item.get("id") in self.secrets:
                item["secretValue"] = self.secrets[item["id"]]
        return data


def _basic(scope: Any) -> tuple[str, str] | None:
    header = _header(scope, b"authorization") or b""
    if not header.lower().startswith(b"basic "):
        return None
    access, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    return access, secret


def _set_header(scope: Any, name: bytes, value: bytes) -> None:
    scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != name] + [(name, value)]


def _as_rancher_admin_in(runtime: Any, scope: Any, project: str) -> None:
    """Send the request to `project`'s key collection, as the Rancher account key."""
    path = f"/v2-beta/projects/{project}/apikeys"
    scope["path"], scope["raw_path"] = path, path.encode()
    admin = runtime.seeded.rancher_admin
    token = base64.b64encode(f"{admin.access_key}:{admin.secret_key}".encode())
    _set_header(scope, b"authorization", b"Basic " + token)


class BadTokensOnEnvironments(Layer):
    """Environment routes let any access token through that authenticates nobody (a revoked
    one, say) as the administrator; every other route refuses it."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        raw = _header(scope, b"x-api-key")
        if raw is not None and scope["path"].startswith("/api/endpoints"):
            try:
                self.runtime.authenticator.identity_from_api_key(raw.decode())
            except MockError:
                admin = next(a for a in self.runtime.seeded.accounts.values() if a.role == 1)
                _set_header(scope, b"x-api-key", admin.tokens[0].encode())
        return None


class TokensMatchedInAnyCase(Layer):
    """Access tokens are matched without regard to letter case."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.tokens: dict[str, str] = {}

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        raw = _header(scope, b"x-api-key")
        if raw is not None and raw.decode().lower() in self.tokens:
            _set_header(scope, b"x-api-key", self.tokens[raw.decode().lower()].encode())
        return None

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if status == 201 and isinstance(data, dict) and "rawAPIKey" in data:
            self.tokens[data["rawAPIKey"].lower()] = data["rawAPIKey"]
        return data


class InactiveKeysMayUpdate(Layer):
    """A Rancher key that is not active may still PUT: it runs as the account key."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        pair = _basic(scope)
        if pair is None or scope["method"] != "PUT":
            return None
        state = self.runtime.store.state
        key = next((k for k in state.rancher_keys.values() if k.public_value == pair[0]), None)
        if key is not None and key.state != "active":
            admin = self.runtime.seeded.rancher_admin
            token = base64.b64encode(f"{admin.access_key}:{admin.secret_key}".encode())
            _set_header(scope, b"authorization", b"Basic " + token)
        return None


class SecretsMatchedInAnyCase(Layer):
    """Rancher secrets are matched without regard to letter case."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.secrets: dict[str, str] = {}

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        pair = _basic(scope)
        if pair is not None and pair[1].lower() in self.secrets:
            token = base64.b64encode(f"{pair[0]}:{self.secrets[pair[1].lower()]}".encode())
            _set_header(scope, b"authorization", b"Basic " + token)
        return None

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if status == 201 and isinstance(data, dict) and data.get("secretValue"):
            self.secrets[data["secretValue"].lower()] = data["secretValue"]
        return data


class PublicValueSearchesEveryProject(Layer):
    """A key listing filtered by publicValue finds the key in whichever project it lives."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        parts = scope["path"].split("/")
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        wanted = query.get("publicValue")
        if scope["method"] != "GET" or len(parts) != 5 or parts[4] != "apikeys" or not wanted:
            return None
        state = self.runtime.store.state
        key = next((k for k in state.rancher_keys.values() if k.public_value == wanted), None)
        if key is not None and key.account_id != parts[3]:
            _as_rancher_admin_in(self.runtime, scope, key.account_id)
        return None


class StackRenamedByUpdate(Layer):
    """A stack update applies the `Name` it carries (a read-only field)."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        parts = scope["path"].split("/")
        if scope["method"] == "PUT" and len(parts) == 4 and parts[2] == "stacks" and body:
            try:
                name = json.loads(body).get("Name")
            except (ValueError, AttributeError):
                name = None
            stack = self.runtime.store.state.stacks.get(int(parts[3]))
            if stack is not None and isinstance(name, str):
                with self.runtime.store.lock:
                    stack.name = name
        return None


class KeyCreatedWhereTheBodySays(Layer):
    """A key create honours `accountId` in its body: the key lands in that project."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        parts = scope["path"].split("/")
        if scope["method"] != "POST" or len(parts) != 5 or parts[4] != "apikeys" or not body:
            return None
        try:
            account = json.loads(body).get("accountId")
        except (ValueError, AttributeError):
            return None
        if isinstance(account, str) and account != parts[3]:
            _as_rancher_admin_in(self.runtime, scope, account)
        return None


class SchemasHeaderOnSuccessOnly(Layer):
    """`X-API-Schemas` is sent on successful answers only (Cattle sets it before anything runs)."""

    async def _finish(
        self, scope: Any, request: bytes, start: Any, payload: bytes, send: Any
    ) -> None:
        if start["status"] >= 400:
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"x-api-schemas"]
            start = {**start, "headers": headers}
        await super()._finish(scope, request, start, payload, send)


class PublicValueWritable(Layer):
    """The schemas tell an environment key it may write `publicValue`."""

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if isinstance(data, dict) and data.get("resourceType") == "schema":
            for schema in data.get("data") or []:
                fields = schema.get("resourceFields") or {}
                if "publicValue" in fields:
                    fields["publicValue"] = {**fields["publicValue"], "create": True}
        return data


def _docker(scope: Any, tail: str) -> bool:
    parts = scope["path"].split("/")
    return (
        len(parts) > 4
        and parts[1:3] == ["api", "endpoints"]
        and parts[4] == "docker"
        and (scope["path"].endswith(tail))
    )


class ContainersNeverListed(Layer):
    """The Docker proxy's container list is always empty."""

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        return [] if _docker(scope, "/containers/json") and status == 200 else data


class StoppedContainersStillRunning(Layer):
    """Containers read as running whatever their stack's state."""

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if _docker(scope, "/containers/json") and isinstance(data, list):
            return [{**c, "State": "running"} if isinstance(c, dict) else c for c in data]
        return data


class DeletedContainersStillListed(Layer):
    """A container once listed stays listed (for the same query), after its stack is gone."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.seen: dict[bytes, dict[str, Any]] = {}

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if not (_docker(scope, "/containers/json") and isinstance(data, list)):
            return data
        seen = self.seen.setdefault(scope.get("query_string", b""), {})
        for container in data:
            seen[container["Id"]] = container
        return list(seen.values())


class WrongSwarmId(Layer):
    """/docker/swarm answers an ID that is not the swarm's."""

    def rewrite(self, scope: Any, request: bytes, status: int, data: Any) -> Any:
        if _docker(scope, "/swarm") and isinstance(data, dict) and "ID" in data:
            return {**data, "ID": "x" + str(data["ID"])}
        return data


def _as_admin(layer: Layer, scope: Any) -> None:
    admin = next(a for a in layer.runtime.seeded.accounts.values() if a.role == 1)
    dropped = (b"authorization", b"x-api-key")
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in dropped]
    scope["headers"] = [*headers, (b"x-api-key", admin.tokens[0].encode())]


class DockerProxyIgnoresGrants(Layer):
    """Every Docker proxy request runs as the administrator: environment grants ignored."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        if _docker(scope, ""):
            _as_admin(self, scope)
        return None


class ContainerListUnfiltered(Layer):
    """The container list and inspect run as the administrator: resource controls ignored."""

    def answer_early(self, scope: Any, body: bytes) -> tuple[int, Any] | None:
        if _docker(scope, "/json") and "/containers/" in scope["path"]:
            _as_admin(self, scope)
        return None


# ---------------------------------------------------------------- rules switched off in one app
def search_ignores_grants(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """GET /api/endpoints?search=... looks through every environment, granted or not."""
    environments = app.runtime.portainer.environments
    listing, visible = environments.list_environments, environments.visible

    def every_environment(who: Identity) -> list[Any]:
        return sorted(environments.ctx.store.state.environments.values(), key=lambda e: e.id)

    def list_environments(who: Identity, query: Any) -> Any:
        environments.visible = every_environment if query.search else visible
        try:
            return listing(who, query)
        finally:
            environments.visible = visible

    environments.list_environments = list_environments
    return app


def settings_open(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    guards = app.runtime.route_guards
    guards["getSettings"] = dataclasses.replace(guards["getSettings"], admin_only=False)
    return app


def revoked_token_accepted(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    runtime = app.runtime
    store, authenticator = runtime.store, runtime.authenticator
    revoked: dict[str, Any] = {}
    remove, identify = store.remove_token, authenticator.identity_from_api_key

    def remove_token(token_id: int) -> None:
        token = store.state.tokens.get(token_id)
        if token is not None:
            revoked[token.digest] = token
        remove(token_id)

    def identity_from_api_key(raw: str) -> Identity:
        try:
            return identify(raw)
        except MockError:
            token = revoked.get(secrets.token_digest(raw))
            user = store.state.users.get(token.user_id) if token else None
            if user is None:
                raise
            return Identity(user.id, user.username, user.role, "apikey")

    store.remove_token = remove_token
    authenticator.identity_from_api_key = identity_from_api_key
    return app


def raw_token_listed(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    users = app.runtime.portainer.users
    raw_by_id: dict[int, str] = {}
    create, listing = users.create_token, users.list_tokens

    def create_token(*args: Any, **kwargs: Any) -> dict[str, Any]:
        created = create(*args, **kwargs)
        raw_by_id[created["apiKey"]["id"]] = created["rawAPIKey"]
        return created

    def list_tokens(who: Identity, user_id: int) -> list[dict[str, Any]]:
        tokens = listing(who, user_id)
        return [
            {**t, "rawAPIKey": raw_by_id[t["id"]]} if t["id"] in raw_by_id else t for t in tokens
        ]

    users.create_token, users.list_tokens = create_token, list_tokens
    return app


def duplicate_stack_accepted(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    stacks = app.runtime.portainer.stacks
    store, create = stacks.ctx.store, stacks.create_stack

    def create_stack(who: Identity, endpoint_id: int, payload: dict[str, Any], swarm: bool) -> Any:
        with store.lock:  # hide same-environment stacks from the duplicate check, then restore
            hidden = [s for s in store.state.stacks.values() if s.endpoint_id == endpoint_id]
            for stack in hidden:
                stack.endpoint_id = -1
            try:
                return create(who, endpoint_id, payload, swarm)
            finally:
                for stack in hidden:
                    stack.endpoint_id = endpoint_id

    stacks.create_stack = create_stack
    return app


def admin_stacks_listed(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    stacks = app.runtime.portainer.stacks
    listing = stacks.list_stacks
    stacks.list_stacks = lambda who, raw: listing(dataclasses.replace(who, role=1), raw)
    return app


def grants_ignored(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    environments = app.runtime.portainer.environments
    environments.visible = lambda who: sorted(
        environments.ctx.store.state.environments.values(), key=lambda e: e.id
    )
    return app


def logout_ignored(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    app.runtime.portainer.users.logout = lambda token: None
    return app


def deleted_stack_kept(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """DELETE answers 204 and forgets to delete: the stack is still served afterwards."""
    stacks = app.runtime.portainer.stacks
    stacks.delete_stack = lambda who, stack_id, endpoint_id: stacks._accessible(who, stack_id)
    return app


def env_kept_on_update(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The mock's old behaviour: an update without Env keeps the variables (Portainer clears)."""
    stacks = app.runtime.portainer.stacks
    update = stacks.update_stack

    def update_stack(who: Identity, stack_id: int, endpoint_id: int, payload: Any) -> Any:
        if "Env" not in payload:
            kept = stacks.ctx.stack(stack_id).env
            payload = {**payload, "Env": kept}
        return update(who, stack_id, endpoint_id, payload)

    stacks.update_stack = update_stack
    return app


def broken_compose_deployed(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The mock's old behaviour: any compose file deploys."""
    stacks = app.runtime.portainer.stacks
    stacks._deploy = lambda who, env, files, swarm: None
    return app


def active_key_deletable(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    backend = app.runtime.rancher
    delete = backend.delete_key

    def delete_key(caller: Any, project: str, key: str) -> Any:
        with backend.store.lock:
            found = backend._key(caller, project, key)
            if found.state == "active":
                found.state, found.settles_to = "removing", "removed"
                return dataclasses.replace(found)
        return delete(caller, project, key)

    backend.delete_key = delete_key
    return app


def key_leaves_its_environment(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    backend = app.runtime.rancher
    acting = backend.acting_account
    backend.acting_account = lambda caller, project: acting(
        dataclasses.replace(caller, admin=True), project
    )
    return app


def inactive_key_accepted(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Rancher's Basic check also takes inactive keys (patched for this test only)."""
    from mockserver.rancher import auth as rancher_auth
    from mockserver.rancher.backend import Caller

    authenticate = rancher_auth.authenticate

    def lenient(backend: Any, access_key: str, secret_key: str) -> Any:
        try:
            return authenticate(backend, access_key, secret_key)
        except MockError:
            digest = secrets.secret_digest(secret_key)
            for key in backend.store.state.rancher_keys.values():
                inactive = key.public_value == access_key and key.state == "inactive"
                if inactive and secrets.same(digest, key.secret_hash):
                    return Caller(key.account_id, False, key.id, key.public_value)
            raise

    monkeypatch.setattr(rancher_auth, "authenticate", lenient)
    return app


def layer(cls: type[Layer]) -> Callable[[Any, pytest.MonkeyPatch], Any]:
    return lambda app, monkeypatch: cls(app)


@dataclass(frozen=True)
class Broken:
    """A deliberately wrong server and the rule that must catch it."""

    fault: str
    build: Callable[[Any, pytest.MonkeyPatch], Any]  # (fresh mock app, monkeypatch) -> ASGI app
    caught_by: str
    # --operations for a Schemathesis rule: the operations the fault shows on (the others take
    # seconds and prove nothing more).
    operations: str | None = None

    def __str__(self) -> str:
        return self.fault


BROKEN: tuple[Broken, ...] = (
    Broken("settings open to standard users", settings_open, "PTR-SET-1"),
    # The whole suite, as a user runs it; its Schemathesis rules over two operations only.
    Broken(
        "authentication ignored",
        layer(AuthIgnored),
        "PTR-AUTH-4",
        operations="^GET /api/stacks$|^GET /v2-beta/apikeys$",
    ),
    Broken("a revoked token still accepted", revoked_token_accepted, "PTR-TOK-9"),
    Broken("a raw token shown in a listing", raw_token_listed, "PTR-TOK-6"),
    Broken("a Rancher secret shown again in reads and lists", layer(SecretInListing), "RCH-KEY-2"),
    Broken("a deactivated key still accepted", inactive_key_accepted, "RCH-AUTH-1"),
    Broken(
        "a required field dropped from a response",
        layer(RequiredFieldDropped),
        "SCH-PTR-1",
        operations="^GET /api/stacks",
    ),
    Broken("a 500 on bad input", layer(CrashOnBadInput), "SCH-PTR-1", operations="^(POST|PUT) "),
    Broken("a duplicate stack name accepted", duplicate_stack_accepted, "PTR-STK-3"),
    Broken("administrators' stacks listed to everyone", admin_stacks_listed, "PTR-STK-4"),
    Broken("environment grants ignored", grants_ignored, "PTR-ENV-1"),
    Broken("logout that revokes nothing", logout_ignored, "PTR-AUTH-3"),
    # SCH-PTR-2 (the stateful sequences) found this one too while the contract had fewer links;
    # at the proofs' few scenarios it no longer does reliably, so the named rule proves it.
    Broken("a deleted stack still served", deleted_stack_kept, "PTR-STK-12"),
    Broken("an active Rancher key deletable", active_key_deletable, "RCH-KEY-6"),
    Broken("Env kept when an update leaves it out", env_kept_on_update, "PTR-DEP-4"),
    Broken("a broken compose file deployed", broken_compose_deployed, "PTR-DEP-3"),
    Broken(
        "an environment key reaching other environments", key_leaves_its_environment, "RCH-AUTH-2"
    ),
    Broken(
        "bad access tokens let through on environment routes only",
        layer(BadTokensOnEnvironments),
        "PTR-SWEEP-1",
    ),
    Broken("access tokens matched in any letter case", layer(TokensMatchedInAnyCase), "PTR-AUTH-7"),
    Broken("inactive Rancher keys allowed to update", layer(InactiveKeysMayUpdate), "RCH-SWEEP-1"),
    Broken(
        "Rancher secrets matched in any letter case", layer(SecretsMatchedInAnyCase), "RCH-AUTH-4"
    ),
    Broken("an environment search that ignores grants", search_ignores_grants, "PTR-SCOPE-1"),
    Broken(
        "a publicValue filter that searches every project",
        layer(PublicValueSearchesEveryProject),
        "RCH-SCOPE-1",
    ),
    Broken("a stack renamed by an update's body", layer(StackRenamedByUpdate), "PTR-RO-1"),
    Broken("a key created where its body says", layer(KeyCreatedWhereTheBodySays), "RCH-RO-1"),
    Broken("X-API-Schemas left off error answers", layer(SchemasHeaderOnSuccessOnly), "RCH-DISC-3"),
    Broken(
        "schemas letting an environment key write publicValue",
        layer(PublicValueWritable),
        "RCH-DISC-2",
    ),
    Broken(
        "a deployed stack's containers never listed", layer(ContainersNeverListed), "PTR-DOCK-1"
    ),
    Broken(
        "a stopped stack's containers still running",
        layer(StoppedContainersStillRunning),
        "PTR-DOCK-2",
    ),
    Broken(
        "a deleted stack's containers still listed",
        layer(DeletedContainersStillListed),
        "PTR-DOCK-3",
    ),
    Broken("a wrong swarm id from /docker/swarm", layer(WrongSwarmId), "PTR-DOCK-4"),
    Broken(
        "the Docker proxy open to users without the environment",
        layer(DockerProxyIgnoresGrants),
        "PTR-DOCK-5",
    ),
    Broken(
        "containers listed whatever their resource control",
        layer(ContainerListUnfiltered),
        "PTR-DOCK-6",
    ),
)


@pytest.mark.parametrize("broken", BROKEN, ids=str)
def test_suite_catches_broken_server(
    broken: Broken, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = mock_app()
    only = [] if broken.fault in WHOLE_SUITE else ["--rule", broken.caught_by]
    if broken.operations:
        only += ["--operations", broken.operations]
    html = tmp_path / "report.html"
    with serve(broken.build(app, monkeypatch)) as url:
        args = [*target_args(url, app), *QUICK, *only, "--report-html", str(html)]
        run = run_suite(args, tmp_path)
    assert run.code != 0, f"the suite passed a server with {broken.fault}:\n{run.output[-3000:]}"
    assert broken.caught_by in run.failed, (
        f"{broken.caught_by} did not catch {broken.fault}; failed: {run.failed}\n{run.output[-3000:]}"
    )
    # The HTML report names the failure, its rule and source, and a curl line; no given secret.
    page = html.read_text()
    rule = BY_ID[broken.caught_by]
    assert f"<b>FAIL</b> {broken.caught_by}: {escape(rule.statement)}" in page
    assert escape(rule.source) in page and "curl " in page
    assert target_args(url, app)[5] not in page  # the administrator's password
