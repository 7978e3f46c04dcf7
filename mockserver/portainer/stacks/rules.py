"""Stacks with Portainer's resource control, environment access, name rules, deployments, Git
and webhooks, without HTTP. Each route's checks run in the order Portainer 2.23 runs them
(api/http/handler/stacks/*.go), with that route's own wording."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from mockserver import secrets
from mockserver.auth import Identity
from mockserver.state import (
    RESOURCE_CONTROL_STACK,
    STACK_ACTIVE,
    STACK_COMPOSE,
    STACK_INACTIVE,
    STACK_KUBERNETES,
    STACK_SWARM,
    Environment,
    ResourceControl,
    Stack,
)

from .. import errors, payload, permissions, views
from .. import payload_checks as words
from ..context import Context
from ..docker.errors import not_a_swarm_manager
from . import compose, git

_NOT_NAME = re.compile(r"[^-_a-z0-9]")
_GO_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$")
DEFAULT_COMPOSE_FILE = "docker-compose.yml"

UPDATE_ENV_NOT_FOUND = "Unable to find the environment associated to the stack inside the database"
DELETE_ENV_NOT_FOUND = "Unable to find the endpoint associated to the stack inside the database"
START_ENV_NOT_FOUND = "Unable to find an endpoint with the specified identifier inside the database"
EXTERNAL_NAME_TAKEN = (
    "A stack with this name exists inside the database. Cannot use external delete method"
)


def normalise_name(name: str) -> str:
    """Portainer's stack name rule: lower case, then drop every character outside [-_a-z0-9]."""
    return _NOT_NAME.sub("", name.lower())


def parse_filters(raw: str | None) -> dict[str, Any]:
    """The `filters` query parameter: a JSON object with EndpointID, SwarmID, IncludeOrphanedStacks."""
    if raw is None or raw == "":
        return {}
    try:
        filters = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise errors.bad_request("Invalid query parameter: filters", str(exc)) from None
    if filters is None:  # Go decodes `null` into the filters struct as nothing at all
        return {}
    if not isinstance(filters, dict):
        raise errors.bad_request(
            "Invalid query parameter: filters", "Filters must be a JSON object"
        )
    # Go's decoder matches the struct's field names in any letter case (an exact match first).
    for name in ("EndpointID", "SwarmID", "IncludeOrphanedStacks"):
        if name not in filters:
            for key in [k for k in filters if k.casefold() == name.casefold()]:
                filters[name] = filters[key]
    endpoint = filters.get("EndpointID")
    if endpoint is not None and (isinstance(endpoint, bool) or not isinstance(endpoint, int)):
        raise errors.bad_request(
            "Invalid query parameter: filters", "EndpointID must be an integer"
        )
    swarm = filters.get("SwarmID")
    if swarm is not None and not isinstance(swarm, str):
        raise errors.bad_request("Invalid query parameter: filters", "SwarmID must be a string")
    orphans = filters.get("IncludeOrphanedStacks")
    if orphans is not None and not isinstance(orphans, bool):
        raise errors.bad_request(
            "Invalid query parameter: filters", "IncludeOrphanedStacks must be a boolean"
        )
    return filters


def parse_webhook_id(raw: str) -> str:
    """A webhook id as gofrs/uuid's FromString reads it (canonical, braced, urn: or hex only)."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        bare = raw.removeprefix("urn:uuid:").strip("{}")
        if len(bare.replace("-", "")) != 32:
            detail = f'uuid: incorrect UUID length {len(raw)} in string "{raw}"'
        else:
            detail = f'uuid: incorrect UUID format in string "{raw}"'
        raise errors.bad_request("Invalid webhook identifier route variable", detail) from None


def check_auto_update(settings: Any) -> None:
    """update.ValidateAutoUpdateSettings: a webhook UUID or a Go duration, at least one."""
    if settings is None:
        return
    webhook = settings.get("Webhook") or ""
    interval = settings.get("Interval") or ""
    if not webhook and not interval:
        raise errors.invalid_payload("Webhook or Interval must be provided")
    if webhook:
        try:
            uuid.UUID(webhook)
        except ValueError:
            raise errors.invalid_payload("invalid Webhook format") from None
    if interval and not _GO_DURATION.match(interval):
        raise errors.invalid_payload("invalid Interval format")


def pairs(env: Any) -> list[dict[str, str]] | None:
    """`Env` as Portainer stores it: null when not sent (an update replaces, never merges)."""
    if env is None:
        return None
    return [{"name": str(p.get("name", "")), "value": str(p.get("value", ""))} for p in env]


def _auto_update(settings: Any) -> dict[str, Any] | None:
    if settings is None:
        return None
    return {
        "Interval": str(settings.get("Interval") or ""),
        "Webhook": str(settings.get("Webhook") or ""),
        "JobID": "",
        "ForceUpdate": bool(settings.get("ForceUpdate", False)),
        "ForcePullImage": bool(settings.get("ForcePullImage", False)),
    }


class Stacks:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def repositories(self) -> git.Repositories:
        return git.Repositories(self.ctx.store.state)

    def _control(self, stack: Stack) -> ResourceControl | None:
        if stack.resource_control_id is None:
            return None
        return self.ctx.store.state.resource_controls.get(stack.resource_control_id)

    # -- the shared checks
    def _accessible(self, who: Identity, stack_id: int) -> Stack:
        """Inspect and file (stack_inspect.go): the stack, if `who` may read it."""
        stack = self.ctx.stack(stack_id)
        env = self.ctx.store.state.environments.get(stack.endpoint_id)
        if env is None:
            if not permissions.is_admin(who):
                raise errors.environment_not_found(stack.endpoint_id)
        else:
            if not permissions.may_manage_stacks_in(who, env):
                raise errors.management_disabled("Stack management is disabled for non-admin users")
            if not permissions.may_use_environment(who, env):
                raise errors.environment_denied()
        self._check_control(who, stack)
        return stack

    def _check_control(self, who: Identity, stack: Stack) -> None:
        if not permissions.resource_control_grants(who, self._control(stack)):
            raise errors.resource_denied()

    def _control_on(self, stack: Stack, endpoint_id: int) -> ResourceControl | None:
        """The control Portainer finds for the stack on an environment: by `<env>_<name>`, so a
        stack moved to another environment is governed by that environment's control, if any."""
        if endpoint_id == stack.endpoint_id:
            return self._control(stack)
        wanted = f"{endpoint_id}_{stack.name}"
        for control in self.ctx.store.state.resource_controls.values():
            if control.type == RESOURCE_CONTROL_STACK and control.resource_id == wanted:
                return control
        return None

    @staticmethod
    def _move(stack: Stack, env: Environment, control: ResourceControl | None) -> None:
        """Update, Git update and redeploy rewrite the stack's environment to the endpointId
        given (stack_update.go L95-97): the stack now belongs to `env`, under its control."""
        if env.id != stack.endpoint_id:
            stack.endpoint_id = env.id
            stack.resource_control_id = control.id if control is not None else None

    def _environment(self, endpoint_id: int, not_found: str) -> Environment:
        env = self.ctx.store.state.environments.get(endpoint_id)
        if env is None:
            raise errors.environment_not_found_as(not_found, endpoint_id)
        return env

    def _editable(
        self, who: Identity, stack_id: int, endpoint_id: int | None, disabled: str
    ) -> tuple[Stack, Environment, ResourceControl | None]:
        """Update, Git update and redeploy (stack_update.go order): stack, environment (the one
        named, which the stack moves to on success), environment access, the resource control
        found there, then stack management."""
        stack = self.ctx.stack(stack_id)
        env = self._environment(endpoint_id or 0, UPDATE_ENV_NOT_FOUND)
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()
        control = self._control_on(stack, env.id)
        if not permissions.resource_control_grants(who, control):
            raise errors.resource_denied()
        if not permissions.may_manage_stacks_in(who, env):
            raise errors.management_disabled(disabled)
        return stack, env, control

    def _deploy(self, who: Identity, env: Environment, files: list[str], swarm: bool) -> None:
        """Portainer's deployment of these compose files, or its 500."""
        security = None if permissions.is_admin(who) else env.security
        try:
            compose.check_deploy(
                files, swarm=swarm, swarm_environment=bool(env.swarm_id), security=security
            )
        except compose.DeployError as exc:
            raise errors.server_error(str(exc)) from None

    # -- list
    def list_stacks(self, who: Identity, raw_filters: str | None) -> list[dict[str, Any]]:
        filters = parse_filters(raw_filters)
        if filters.get("IncludeOrphanedStacks") and not permissions.is_admin(who):
            raise errors.forbidden("Permission denied to access orphaned stacks")
        # Go decodes into an int and a string: 0 and "" are the same as leaving a key out.
        endpoint_id = filters.get("EndpointID") or 0
        swarm_id = filters.get("SwarmID") or ""
        state = self.ctx.store.state
        result = []
        for stack in sorted(state.stacks.values(), key=lambda s: s.id):
            if endpoint_id or swarm_id:
                compose_match = stack.type == STACK_COMPOSE and stack.endpoint_id == endpoint_id
                swarm_match = stack.type == STACK_SWARM and stack.swarm_id == swarm_id
                if not (compose_match or swarm_match):
                    continue
            control = self._control(stack)
            if permissions.resource_control_grants(who, control):
                result.append(views.stack_view(stack, control))
        return result

    # -- create (stack_create.go, create_compose_stack.go, create_swarm_stack.go)
    def _creation_environment(self, who: Identity, endpoint_id: int) -> Environment:
        env = self.ctx.environment(endpoint_id)
        if not permissions.may_manage_stacks_in(who, env):
            raise errors.management_disabled("Stack creation is disabled for non-admin users")
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()
        return env

    def _check_unique_name(self, env: Environment, name: str) -> None:
        taken = any(
            s.endpoint_id == env.id and s.name.casefold() == name
            for s in self.ctx.store.state.stacks.values()
        )
        if taken:
            raise errors.conflict(f"A stack with the normalized name '{name}' already exists")

    def _save(self, who: Identity, env: Environment, stack: Stack) -> dict[str, Any]:
        state = self.ctx.store.state
        stack.id = state.new_id("stack")
        control = ResourceControl(
            id=state.new_id("resource_control"),
            resource_id=f"{env.id}_{stack.name}",
            administrators_only=permissions.is_admin(who),
            user_accesses=[] if permissions.is_admin(who) else [who.user_id],
        )
        stack.resource_control_id = control.id
        state.stacks[stack.id] = stack
        state.resource_controls[control.id] = control
        return views.stack_view(stack, control)

    def _new_stack(
        self,
        who: Identity,
        environment: Environment,
        name: str,
        content: str,
        swarm: bool,
        **more: Any,
    ) -> Stack:
        return Stack(
            id=0,
            name=name,
            type=STACK_SWARM if swarm else STACK_COMPOSE,
            endpoint_id=environment.id,
            file_content=content,
            created_by=self.ctx.user(who.user_id).username,
            creation_date=self.ctx.store.now(),
            **more,
        )

    def create_stack(
        self, who: Identity, endpoint_id: int, payload: dict[str, Any], swarm: bool
    ) -> dict[str, Any]:
        """From a compose file given as text (`.../string`)."""
        env = self._creation_environment(who, endpoint_id)
        name = payload.get("Name") or ""
        content = payload.get("StackFileContent") or ""
        swarm_id = payload.get("SwarmID") or ""
        if not name:
            raise errors.invalid_payload(words.STACK_NAME)
        if swarm and not swarm_id:
            raise errors.invalid_payload(words.SWARM_ID)
        if not content:
            raise errors.invalid_payload(words.STACK_FILE)
        return self._create_from_content(
            who,
            env,
            name,
            content,
            swarm_id if swarm else None,
            pairs(payload.get("Env")),
            bool(payload.get("FromAppTemplate", False)),
        )

    def create_stack_from_file(
        self, who: Identity, endpoint_id: int, form: dict[str, Any], swarm: bool
    ) -> dict[str, Any]:
        """From a multipart upload (`.../file`): `Name`, `file`, `Env` (JSON), `SwarmID`."""
        env = self._creation_environment(who, endpoint_id)
        name = form.get("Name") or ""
        swarm_id = form.get("SwarmID") or ""
        content = form.get("file")
        if not name:
            raise errors.invalid_payload(words.STACK_NAME)
        if swarm and not swarm_id:
            raise errors.invalid_payload(words.SWARM_ID)
        if not content:
            raise errors.invalid_payload(
                "Invalid Compose file. Ensure that the Compose file is uploaded correctly"
            )
        env_pairs = None
        raw_env = form.get("Env")
        if raw_env:
            try:
                decoded = json.loads(raw_env)
                if decoded is not None and (
                    not isinstance(decoded, list) or not all(isinstance(p, dict) for p in decoded)
                ):
                    raise ValueError("not a list of pairs")
                env_pairs = pairs(decoded)
            except (ValueError, RecursionError):
                raise errors.invalid_payload("Invalid Env parameter") from None
        return self._create_from_content(
            who, env, name, content, swarm_id if swarm else None, env_pairs, False
        )

    def _create_from_content(
        self,
        who: Identity,
        env: Environment,
        name: str,
        content: str,
        swarm_id: str | None,
        env_pairs: list[dict[str, str]] | None,
        from_app_template: bool,
    ) -> dict[str, Any]:
        normalised = normalise_name(name)
        swarm = swarm_id is not None
        with self.ctx.store.lock:
            self._check_unique_name(env, normalised)
            self._deploy(who, env, [content], swarm)
            stack = self._new_stack(
                who,
                env,
                normalised,
                content,
                swarm,
                swarm_id=swarm_id or "",
                env=env_pairs,
                from_app_template=from_app_template,
            )
            return self._save(who, env, stack)

    def create_stack_from_repository(
        self, who: Identity, endpoint_id: int, payload: dict[str, Any], swarm: bool
    ) -> dict[str, Any]:
        """From a Git repository (`.../repository`); the mock clones from its scenario's
        repositories (stacks/git.py)."""
        env = self._creation_environment(who, endpoint_id)
        name = payload.get("Name") or ""
        swarm_id = payload.get("SwarmID") or ""
        url = payload.get("RepositoryURL") or ""
        use_auth = bool(payload.get("RepositoryAuthentication", False))
        password = payload.get("RepositoryPassword") or ""
        if not name:
            raise errors.invalid_payload(words.STACK_NAME)
        if swarm and not swarm_id:
            raise errors.invalid_payload(words.SWARM_ID)
        if not _is_url(url):
            raise errors.invalid_payload(words.REPOSITORY_URL)
        if use_auth and not password:
            raise errors.invalid_payload(
                "Invalid repository credentials. Password must be specified when authentication"
                " is enabled"
            )
        check_auto_update(payload.get("AutoUpdate"))
        normalised = normalise_name(name)
        compose_file = payload.get("ComposeFile") or DEFAULT_COMPOSE_FILE
        additional = [str(f) for f in payload.get("AdditionalFiles") or []]
        ref = payload.get("RepositoryReferenceName") or ""
        auto_update = _auto_update(payload.get("AutoUpdate"))
        with self.ctx.store.lock:
            self._check_unique_name(env, normalised)
            webhook = (auto_update or {}).get("Webhook")
            if webhook and self._stack_by_webhook(webhook) is not None:
                raise errors.conflict(
                    f"Webhook ID: {webhook} already exists", "A webhook ID already exists"
                )
            try:
                digest = secrets.secret_digest(password) if use_auth else None
                commit = self.repositories.latest(url, ref, digest)
            except git.GitError as exc:
                raise errors.server_error(git.clone_error(exc)) from None
            files = self._files_of(commit, [compose_file, *additional], swarm)
            self._deploy(who, env, files, swarm)
            stack = self._new_stack(
                who,
                env,
                normalised,
                files[0],
                swarm,
                swarm_id=swarm_id if swarm else "",
                entry_point=compose_file,
                env=pairs(payload.get("Env")),
                from_app_template=bool(payload.get("FromAppTemplate", False)),
                additional_files=additional if payload.get("AdditionalFiles") is not None else None,
                auto_update=auto_update,
                git_config={
                    "URL": git.trim_url(url),
                    "ReferenceName": ref,
                    "ConfigFilePath": compose_file,
                    "Authentication": (
                        {
                            "Username": payload.get("RepositoryUsername") or "",
                            "Password": "",
                            "GitCredentialID": 0,
                        }
                        if use_auth
                        else None
                    ),
                    "ConfigHash": commit.hash,
                    "TLSSkipVerify": bool(payload.get("TLSSkipVerify", False)),
                },
                git_password_digest=digest,
            )
            return self._save(who, env, stack)

    @staticmethod
    def _files_of(commit: git.GitCommit, paths: list[str], swarm: bool) -> list[str]:
        """The compose files of a commit; a missing one fails the deployment as Docker would."""
        found = []
        for path in paths:
            if path not in commit.files:
                message = f"open {path}: no such file or directory"
                raise errors.server_error(message if swarm else compose.COMPOSE_PREFIX + message)
            found.append(commit.files[path])
        return found

    # -- item routes
    # -- the checks Portainer makes before it decodes the body (bouncer.before_body)
    def check_create_target(self, who: Identity, endpoint_id: int | None) -> None:
        """Creates: the environment and the right to create stacks on it come first."""
        if endpoint_id is not None:  # without one, the parameter's own 400 answers
            self._creation_environment(who, endpoint_id)

    def check_update_target(self, who: Identity, stack_id: int, endpoint_id: int | None) -> None:
        """PUT /stacks/{id} (stack_update.go L63-117, the body at L172): the stack, then the
        environment, its access, the resource control and stack management."""
        with self.ctx.store.lock:
            self.ctx.stack(stack_id)
            if endpoint_id is not None:
                self._editable(
                    who, stack_id, endpoint_id, "Stack editing is disabled for non-admin users"
                )

    def check_redeploy_target(self, who: Identity, stack_id: int, endpoint_id: int | None) -> None:
        """PUT /stacks/{id}/git/redeploy: the stack, its Git config and access, then the body."""
        with self.ctx.store.lock:
            stack = self.ctx.stack(stack_id)
            if stack.git_config is None:
                raise errors.bad_request("Stack is not created from git")
            self._editable(
                who, stack_id, endpoint_id, "Stack management is disabled for non-admin users"
            )

    def get_stack(self, who: Identity, stack_id: int) -> dict[str, Any]:
        stack = self._accessible(who, stack_id)
        return views.stack_view(stack, self._control(stack))

    def get_stack_file(self, who: Identity, stack_id: int) -> dict[str, Any]:
        stack = self._accessible(who, stack_id)
        return {"StackFileContent": stack.file_content}

    def update_stack(
        self, who: Identity, stack_id: int, endpoint_id: int, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT: a new file and `Env` (replaced: left out, the variables are cleared), deployed;
        a failed deployment changes nothing. `Prune` goes to the deployment only."""
        store = self.ctx.store
        with store.lock:
            stack, env, control = self._editable(
                who, stack_id, endpoint_id, "Stack editing is disabled for non-admin users"
            )
            content = payload.get("StackFileContent") or ""
            if not content:
                raise errors.invalid_payload(words.STACK_FILE)
            self._deploy(who, env, [content], stack.type == STACK_SWARM)
            self._move(stack, env, control)
            stack.deployed_on = None
            stack.file_content = content
            stack.env = pairs(payload.get("Env"))
            stack.update_date = store.now()
            stack.updated_by = who.username
            stack.status = STACK_ACTIVE
            stack.auto_update = None
            if stack.git_config is not None:
                stack.git_config = None
                stack.git_password_digest = None
                stack.from_app_template = True
            return views.stack_view(stack, None)

    def delete_stack(
        self, who: Identity, raw_id: int | str, endpoint_id: int | None, external: bool = False
    ) -> None:
        """stack_delete.go: with `external=true` the id is the name of a stack Portainer did not
        deploy (delete_external_stack). Otherwise `endpointId` is optional; without it, or naming
        another environment, the stack counts as orphaned (standard users 403, administrators
        remove it through the named environment, which for a missing one is environment 0:
        404)."""
        if external:
            self.delete_external_stack(who, str(raw_id), endpoint_id)
            return
        stack_id = raw_id if isinstance(raw_id, int) else _stack_id(raw_id)
        store = self.ctx.store
        with store.lock:
            stack = self.ctx.stack(stack_id)
            target = endpoint_id or 0
            orphaned = target != stack.endpoint_id
            if orphaned and not permissions.is_admin(who):
                raise errors.orphan_removal_denied()
            env = self._environment(target, DELETE_ENV_NOT_FOUND)
            if not orphaned:
                if not permissions.may_use_environment(who, env):
                    raise errors.endpoint_denied()
                self._check_control(who, stack)
            if not permissions.may_manage_stacks_in(who, env):
                raise errors.management_disabled("stack deletion is disabled for non-admin users")
            del store.state.stacks[stack.id]
            if stack.resource_control_id is not None:
                store.state.resource_controls.pop(stack.resource_control_id, None)

    def delete_external_stack(self, who: Identity, name: str, endpoint_id: int | None) -> None:
        """deleteExternalStack: administrators remove a Swarm stack by name with `docker stack
        rm` on the environment named (`endpointId` required here), provided no stack of
        Portainer's has that exact name. The mock's engines hold only Portainer's stacks, so on
        a swarm environment there is nothing to remove (Docker says so and succeeds); elsewhere
        `docker stack rm` fails."""
        if endpoint_id is None:
            raise errors.bad_request(
                "Invalid query parameter: endpointId", "Missing query parameter"
            )
        if not permissions.is_admin(who):
            raise errors.PortainerError(
                401, "Permission denied to delete the stack", "Unauthorized"
            )
        store = self.ctx.store
        with store.lock:
            if any(s.name == name for s in store.state.stacks.values()):
                raise errors.bad_request(EXTERNAL_NAME_TAKEN, "A tag already exists with this name")
            env = self._environment(endpoint_id, DELETE_ENV_NOT_FOUND)
            if not env.swarm_id:
                daemon = not_a_swarm_manager().message
                raise errors.server_error(
                    "Unable to delete stack", f"Error response from daemon: {daemon}"
                )

    def start_stack(self, who: Identity, stack_id: int, endpoint_id: int) -> dict[str, Any]:
        """stack_start.go: the Docker name check (a running stack's containers) comes before
        the resource control and the status, so a running stack answers 409."""
        with self.ctx.store.lock:
            stack = self.ctx.stack(stack_id)
            if stack.type == STACK_KUBERNETES:
                raise errors.bad_request("Starting a kubernetes stack is not supported")
            env = self._environment(endpoint_id, START_ENV_NOT_FOUND)
            if not permissions.may_use_environment(who, env):
                raise errors.endpoint_denied()
            if not permissions.may_manage_stacks_in(who, env):
                raise errors.management_disabled("stack management is disabled for non-admin users")
            if self._running_elsewhere_or_here(stack, env):
                message = f"A stack with the name '{stack.name}' is already running"
                raise errors.conflict(message)
            self._check_control(who, stack)
            if stack.status == STACK_ACTIVE:
                raise errors.bad_request("Stack is already active")
            stack.status = STACK_ACTIVE
            # Portainer deploys on the environment named and keeps the stack's EndpointId.
            stack.deployed_on = None if env.id == stack.endpoint_id else env.id
            return views.stack_view(stack, None)

    def _running_elsewhere_or_here(self, stack: Stack, env: Environment) -> bool:
        """checkUniqueStackNameInDocker: another stack of that name on the environment, or
        containers (or services) of that name running there, the stack's own included."""
        for other in self.ctx.store.state.stacks.values():
            if other.name.casefold() != stack.name.casefold():
                continue
            if other.id != stack.id and other.endpoint_id == env.id:
                return True
            if other.status == STACK_ACTIVE and other.runs_on == env.id:
                return True
        return False

    def stop_stack(self, who: Identity, stack_id: int, endpoint_id: int) -> dict[str, Any]:
        """stack_stop.go."""
        with self.ctx.store.lock:
            stack = self.ctx.stack(stack_id)
            if stack.type == STACK_KUBERNETES:
                raise errors.bad_request("Stopping a kubernetes stack is not supported")
            env = self.ctx.environment(endpoint_id)
            if not permissions.may_use_environment(who, env):
                raise errors.environment_denied()
            self._check_control(who, stack)
            if not permissions.may_manage_stacks_in(who, env):
                raise errors.management_disabled("stack management is disabled for non-admin users")
            if stack.status == STACK_INACTIVE:
                raise errors.bad_request("Stack is already inactive")
            stack.status = STACK_INACTIVE
            return views.stack_view(stack, None)

    # -- Git (stack_update_git.go, stack_update_git_redeploy.go)
    def update_git_settings(
        self, who: Identity, stack_id: int, endpoint_id: int | None, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """POST /stacks/{id}/git: reference, authentication, auto update and Env (replaced)."""
        check_auto_update(payload.get("AutoUpdate"))
        store = self.ctx.store
        with store.lock:
            stack = self.ctx.stack(stack_id)
            if stack.git_config is None:
                raise errors.server_error("No Git config in the found stack")
            stack, env, control = self._editable(
                who, stack_id, endpoint_id, "Stack editing is disabled for non-admin users"
            )
            config = dict(stack.git_config or {})
            config["ReferenceName"] = payload.get("RepositoryReferenceName") or ""
            config["TLSSkipVerify"] = bool(payload.get("TLSSkipVerify", False))
            digest = None
            if payload.get("RepositoryAuthentication"):
                password = payload.get("RepositoryPassword") or ""
                digest = secrets.secret_digest(password) if password else stack.git_password_digest
                config["Authentication"] = {
                    "Username": payload.get("RepositoryUsername") or "",
                    "Password": "",
                    "GitCredentialID": 0,
                }
                try:
                    self._latest(config, digest)
                except git.GitError as exc:
                    raise errors.server_error("Unable to fetch git repository", str(exc)) from None
            else:
                config["Authentication"] = None
            if env.id != stack.endpoint_id:  # moved without a deployment: its containers stay
                stack.deployed_on = stack.runs_on
                self._move(stack, env, control)
                if stack.deployed_on == stack.endpoint_id:
                    stack.deployed_on = None
            stack.git_config = config
            stack.git_password_digest = digest
            stack.auto_update = _auto_update(payload.get("AutoUpdate"))
            stack.env = pairs(payload.get("Env"))
            stack.updated_by = who.username
            stack.update_date = store.now()
            if stack.type == STACK_SWARM:
                stack.option = {"Prune": bool(payload.get("Prune", False))}
            return views.stack_view(stack, None)

    def _latest(self, config: dict[str, Any], password_digest: str | None) -> git.GitCommit:
        """The head commit for a stack's Git settings."""
        ref = config.get("ReferenceName") or ""
        return self.repositories.latest(config["URL"], ref, password_digest)

    def redeploy_from_git(
        self, who: Identity, stack_id: int, endpoint_id: int | None, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT /stacks/{id}/git/redeploy: pull the reference named now (left out: the default
        branch), deploy it with this `Env` (replaced), and record the new commit."""
        store = self.ctx.store
        with store.lock:
            stack = self.ctx.stack(stack_id)
            if stack.git_config is None:
                raise errors.bad_request("Stack is not created from git")
            stack, env, control = self._editable(
                who, stack_id, endpoint_id, "Stack management is disabled for non-admin users"
            )
            config = dict(stack.git_config)
            config["ReferenceName"] = payload.get("RepositoryReferenceName") or ""
            digest = None
            if payload.get("RepositoryAuthentication"):
                password = payload.get("RepositoryPassword") or ""
                digest = secrets.secret_digest(password) if password else stack.git_password_digest
            try:
                commit = self._latest(config, digest)
            except git.GitError as exc:
                raise errors.server_error("Unable to clone git repository", str(exc)) from None
            swarm = stack.type == STACK_SWARM
            paths = [config["ConfigFilePath"], *(stack.additional_files or [])]
            files = self._files_of(commit, paths, swarm)
            self._deploy(who, env, files, swarm)
            self._move(stack, env, control)
            stack.deployed_on = None
            config["ConfigHash"] = commit.hash
            stack.git_config = config
            stack.file_content = files[0]
            stack.env = pairs(payload.get("Env"))
            if swarm:
                stack.option = {"Prune": bool(payload.get("Prune", False))}
            stack.updated_by = who.username
            stack.update_date = store.now()
            stack.status = STACK_ACTIVE
            return views.stack_view(stack, None)

    # -- webhooks (webhook_invoke.go, deployments/deploy.go RedeployWhenChanged)
    def _stack_by_webhook(self, webhook: str) -> Stack | None:
        wanted = webhook.casefold()
        for stack in self.ctx.store.state.stacks.values():
            hook = (stack.auto_update or {}).get("Webhook") or ""
            if hook and hook.casefold() == wanted:
                return stack
        return None

    def invoke_webhook(self, raw_id: str) -> None:
        """Public: redeploy the stack of this webhook if its repository moved on. Portainer
        answers 204 first and deploys in the background; the mock deploys before answering,
        and a deployment that fails leaves the stack as it was (Portainer only logs it)."""
        webhook = parse_webhook_id(raw_id)
        store = self.ctx.store
        with store.lock:
            stack = self._stack_by_webhook(webhook)
            if stack is None:
                raise errors.PortainerError(
                    404, "Unable to find the stack by webhook ID", errors.NOT_FOUND_DETAILS
                )
            if stack.git_config is None:
                return
            env = store.state.environments.get(stack.endpoint_id)
            if env is None:
                raise errors.server_error(
                    "Failed to update the stack",
                    f"failed to find the environment {stack.endpoint_id} associated to the"
                    f" stack {stack.id}: {errors.not_found_details('endpoints', stack.endpoint_id)}",
                )
            author = stack.updated_by or stack.created_by
            user = next((u for u in store.state.users.values() if u.username == author), None)
            if user is None:
                raise errors.conflict(
                    "Autoupdate for the stack isn't available",
                    f"stack {stack.id} author user is missing: {author}",
                )
            if stack.from_app_template:
                return
            try:
                commit = self._latest(stack.git_config, stack.git_password_digest)
                if commit.hash == stack.git_config.get("ConfigHash"):
                    return
                swarm = stack.type == STACK_SWARM
                paths = [stack.git_config["ConfigFilePath"], *(stack.additional_files or [])]
                files = self._files_of(commit, paths, swarm)
                as_author = Identity(user.id, user.username, user.role, "webhook")
                self._deploy(as_author, env, files, swarm)
            except (git.GitError, errors.PortainerError):
                return  # Portainer logs a failed background redeploy and changes nothing
            stack.git_config = {**stack.git_config, "ConfigHash": commit.hash}
            stack.file_content = files[0]
            stack.deployed_on = None
            stack.update_date = store.now()
            stack.status = STACK_ACTIVE


def _stack_id(raw: str) -> int:
    """The `{id}` route variable as strconv.Atoi reads it, or Portainer's 400."""
    if payload.is_go_int(raw):
        return int(raw)
    digits = raw[1:] if raw[:1] in ("+", "-") else raw
    why = "value out of range" if digits.isascii() and digits.isdigit() else "invalid syntax"
    raise errors.bad_request(
        "Invalid stack identifier route variable", f'strconv.Atoi: parsing "{raw}": {why}'
    )


def _is_url(value: str) -> bool:
    """Close to govalidator.IsURL for repository URLs: a scheme-less host is accepted too."""
    if not value or len(value) >= 2083 or value.startswith(".") or " " in value:
        return False
    match = re.match(
        r"^(?:([a-zA-Z][a-zA-Z0-9+.-]*)://)?(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?(/.*)?$", value
    )
    if match is None:
        return False
    host = match.group(2)
    return "." in host or host == "localhost" or bool(match.group(1))
