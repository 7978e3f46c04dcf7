"""Stacks with Portainer's resource control, environment access and name rules, without HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

from mockserver.auth import Identity
from mockserver.state import (
    STACK_ACTIVE,
    STACK_COMPOSE,
    STACK_INACTIVE,
    STACK_KUBERNETES,
    STACK_SWARM,
    Environment,
    ResourceControl,
    Stack,
)

from . import errors, permissions, views
from .context import Context

_NOT_NAME = re.compile(r"[^-_a-z0-9]")


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
    if not isinstance(filters, dict):
        raise errors.bad_request(
            "Invalid query parameter: filters", "Filters must be a JSON object"
        )
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


class Stacks:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _control(self, stack: Stack) -> ResourceControl | None:
        if stack.resource_control_id is None:
            return None
        return self.ctx.store.state.resource_controls.get(stack.resource_control_id)

    # -- the item rule, in Portainer's order
    def _accessible(
        self,
        who: Identity,
        stack_id: int,
        endpoint_id: int | None = None,
        action: str | None = None,
    ) -> Stack:
        """The stack, if `who` may act on it; else the error Portainer answers. `action` names
        the route for the stack-management toggle's 403 (inspect and file do not check it)."""
        stack = self.ctx.stack(stack_id)
        env_id = stack.endpoint_id if endpoint_id is None else endpoint_id
        env = self.ctx.store.state.environments.get(env_id)
        if env is None:
            if endpoint_id is not None or not permissions.is_admin(who):
                raise errors.environment_not_found()
        else:
            self._check_environment(who, env, action)
        if endpoint_id is not None and endpoint_id != stack.endpoint_id:
            raise errors.bad_request(
                "Invalid query parameter: endpointId",
                f"Stack {stack.id} is not deployed on environment {endpoint_id}",
            )
        if not permissions.resource_control_grants(who, self._control(stack)):
            raise errors.resource_denied()
        return stack

    @staticmethod
    def _check_environment(who: Identity, env: Environment, action: str | None) -> None:
        if action is not None and not permissions.may_manage_stacks_in(who, env):
            raise errors.stack_management_disabled(action)
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()

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

    # -- create
    def create_stack(
        self, who: Identity, endpoint_id: int, payload: dict[str, Any], swarm: bool
    ) -> dict[str, Any]:
        store = self.ctx.store
        env = self.ctx.environment(endpoint_id)
        if not permissions.may_manage_stacks_in(who, env):
            raise errors.stack_management_disabled("Stack creation")
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()
        name = payload.get("Name") or ""
        content = payload.get("StackFileContent") or ""
        swarm_id = payload.get("SwarmID") or ""
        if not name:
            raise errors.invalid_payload("Invalid stack name")
        if not content:
            raise errors.invalid_payload("Invalid stack file content")
        if swarm and not swarm_id:
            raise errors.invalid_payload("Invalid Swarm ID")
        normalised = normalise_name(name)
        with store.lock:
            state = store.state
            taken = any(
                s.endpoint_id == env.id and s.name.casefold() == normalised
                for s in state.stacks.values()
            )
            if taken:
                raise errors.conflict(
                    f"A stack with the normalized name '{normalised}' already exists"
                )
            user = self.ctx.user(who.user_id)
            stack = Stack(
                id=state.new_id("stack"),
                name=normalised,
                type=STACK_SWARM if swarm else STACK_COMPOSE,
                endpoint_id=env.id,
                swarm_id=swarm_id if swarm else "",
                file_content=content,
                created_by=user.username,
                creation_date=store.now(),
                env=_pairs(payload.get("Env")),
                from_app_template=bool(payload.get("FromAppTemplate", False)),
            )
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

    # -- item routes
    def get_stack(self, who: Identity, stack_id: int) -> dict[str, Any]:
        stack = self._accessible(who, stack_id)
        return views.stack_view(stack, self._control(stack))

    def get_stack_file(self, who: Identity, stack_id: int) -> dict[str, Any]:
        stack = self._accessible(who, stack_id)
        return {"StackFileContent": stack.file_content}

    def update_stack(
        self, who: Identity, stack_id: int, endpoint_id: int, payload: dict[str, Any]
    ) -> dict[str, Any]:
        store = self.ctx.store
        with store.lock:
            stack = self._accessible(who, stack_id, endpoint_id, "Stack editing")
            content = payload.get("StackFileContent") or ""
            if not content:
                raise errors.invalid_payload("Invalid stack file content")
            stack.file_content = content
            if "Env" in payload:
                stack.env = _pairs(payload.get("Env"))
            if stack.type == STACK_SWARM and "Prune" in payload:
                stack.option = {"Prune": bool(payload["Prune"])}
            stack.update_date = store.now()
            stack.updated_by = who.username
            stack.status = STACK_ACTIVE
            if stack.git_config is not None:
                stack.git_config = None
                stack.auto_update = None
                stack.from_app_template = True
            return views.stack_view(stack, None)

    def delete_stack(self, who: Identity, stack_id: int, endpoint_id: int) -> None:
        store = self.ctx.store
        with store.lock:
            stack = self.ctx.stack(stack_id)
            if endpoint_id == stack.endpoint_id:
                stack = self._accessible(who, stack_id, endpoint_id, "stack deletion")
            else:
                # Portainer treats the stack as orphaned: standard users are refused, and an
                # administrator removes it through the named environment with no access check.
                if not permissions.is_admin(who):
                    raise errors.orphan_removal_denied()
                self.ctx.environment(endpoint_id)
            del store.state.stacks[stack.id]
            if stack.resource_control_id is not None:
                store.state.resource_controls.pop(stack.resource_control_id, None)

    def start_stack(self, who: Identity, stack_id: int, endpoint_id: int) -> dict[str, Any]:
        return self._set_status(who, stack_id, endpoint_id, STACK_ACTIVE)

    def stop_stack(self, who: Identity, stack_id: int, endpoint_id: int) -> dict[str, Any]:
        return self._set_status(who, stack_id, endpoint_id, STACK_INACTIVE)

    def _set_status(
        self, who: Identity, stack_id: int, endpoint_id: int, status: int
    ) -> dict[str, Any]:
        with self.ctx.store.lock:
            stack = self._accessible(who, stack_id, endpoint_id, "stack management")
            if stack.type == STACK_KUBERNETES:
                raise errors.bad_request(
                    "Starting and stopping is not supported for kubernetes stacks"
                )
            if stack.status == status:
                word = "active" if status == STACK_ACTIVE else "inactive"
                raise errors.bad_request(f"Stack is already {word}")
            stack.status = status
            return views.stack_view(stack, None)


def _pairs(env: Any) -> list[dict[str, str]] | None:
    if env is None:
        return None
    return [{"name": str(p.get("name", "")), "value": str(p.get("value", ""))} for p in env]
