"""Resource controls: who may use a resource (api/http/handler/resourcecontrols).

A control is public, for administrators only, or names users and teams. Stacks find theirs
through `Stack.resource_control_id`; a control created for `"<EndpointId>_<Name>"` with type 6
becomes that stack's control, so a standard user can be given an administrator's stack.
"""

from __future__ import annotations

from typing import Any

from mockserver.auth import Identity
from mockserver.state import RESOURCE_CONTROL_STACK, ResourceControl

from . import errors, permissions, views
from .context import Context

RESOURCE_TYPES = range(1, 10)  # container … container group; 6 is a stack


def check_accesses(payload: dict[str, Any]) -> tuple[bool, bool, list[int], list[int]]:
    """(Public, AdministratorsOnly, Users, Teams) of a create or update body, or Portainer's 400."""
    public = bool(payload.get("Public"))
    admins_only = bool(payload.get("AdministratorsOnly"))
    users = [int(u) for u in payload.get("Users") or []]
    teams = [int(t) for t in payload.get("Teams") or []]
    if not users and not teams and not public and not admins_only:
        raise errors.invalid_payload(
            "invalid payload: must specify Users, Teams, Public or AdministratorsOnly"
        )
    if public and admins_only:
        raise errors.invalid_payload(
            "invalid payload: cannot set both public and administrators only flags to true"
        )
    return public, admins_only, list(dict.fromkeys(users)), list(dict.fromkeys(teams))


class ResourceControls:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _control(self, control_id: int) -> ResourceControl:
        control = self.ctx.store.state.resource_controls.get(control_id)
        if control is None:
            raise errors.resource_control_not_found(control_id)
        return control

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A new control (administrators only: the bouncer sees to that); one per resource."""
        resource_id = str(payload.get("ResourceID") or "")
        if not resource_id:
            raise errors.invalid_payload("invalid payload: invalid resource identifier")
        kind = int(payload.get("Type") or 0)
        if kind not in RESOURCE_TYPES:
            raise errors.invalid_payload("Unsupported resource control type")
        public, admins_only, users, teams = check_accesses(payload)
        store = self.ctx.store
        with store.lock:
            state = store.state
            if any(
                c.resource_id == resource_id and c.type == kind
                for c in state.resource_controls.values()
            ):
                raise errors.conflict(
                    "A resource control is already associated to this resource",
                    "A resource control is already applied on this resource",
                )
            control = ResourceControl(
                id=state.new_id("resource_control"),
                resource_id=resource_id,
                type=kind,
                user_accesses=users,
                team_accesses=teams,
                public=public,
                administrators_only=admins_only,
            )
            state.resource_controls[control.id] = control
            if kind == RESOURCE_CONTROL_STACK:
                for stack in state.stacks.values():
                    if f"{stack.endpoint_id}_{stack.name}" == resource_id:
                        stack.resource_control_id = control.id
            return views.resource_control_view(control)

    def update(self, who: Identity, control_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        """Replace who may use the resource. A standard user must be granted the control now,
        and may only make it public, private to themself or shared with their own teams."""
        public, admins_only, users, teams = check_accesses(payload)
        store = self.ctx.store
        with store.lock:
            control = self._control(control_id)
            if not permissions.resource_control_grants(who, control):
                raise errors.resource_control_update_denied()
            wanted = ResourceControl(
                id=control.id,
                resource_id=control.resource_id,
                type=control.type,
                user_accesses=users,
                team_accesses=teams,
                public=public,
                administrators_only=admins_only,
                system=control.system,
            )
            if not permissions.may_set_resource_control(who, wanted):
                raise errors.resource_control_update_denied()
            store.state.resource_controls[control.id] = wanted
            return views.resource_control_view(wanted)

    def delete(self, control_id: int) -> None:
        """Remove a control (administrators only): its resource becomes administrators-only."""
        with self.ctx.store.lock:
            self._control(control_id)
            del self.ctx.store.state.resource_controls[control_id]
