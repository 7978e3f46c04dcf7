"""Portainer's Docker proxy (`/api/endpoints/{id}/docker/...`): who may see and do what.

Sources ([P] github.com/portainer/portainer, CE 2.x):
- `api/http/handler/endpointproxy/handler.go`: `/{id}/docker` is behind AuthenticatedAccess.
- `api/http/handler/endpointproxy/proxy_docker.go`: an unknown environment is 404 "Unable to
  find an environment with the specified identifier inside the database"; a user without access
  to it is 403 "Permission denied to access environment" (AuthorizedEndpointOperation).
- `api/http/proxy/factory/docker/transport.go`: which Docker routes are filtered or restricted;
  `access_control.go` (`filterResourceList`, `findResourceControl`, `decorateObject`): for a
  standard user a listed resource is kept only if a resource control grants it, found by the
  resource's id or else through its labels (`com.docker.swarm.service.id`, then
  `com.docker.stack.namespace`, then `com.docker.compose.project`, as the stack's control
  `<environment id>_<stack name>`); a resource with no control is for administrators only. Kept
  resources are decorated with `"Portainer": {"ResourceControl": ...}`.
- `tasks.go` (tasks by their service's control, then the stack label), `swarm.go` (JoinTokens and
  TLSInfo removed for standard users), `utils/response.go` (a refused item is 403
  `{"message": "access denied to resource"}`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mockserver.auth import Identity
from mockserver.state import RESOURCE_CONTROL_STACK, Environment, ResourceControl

from .. import errors, permissions
from .. import views as portainer_views
from ..context import Context
from . import model, views
from .errors import DockerError, not_a_swarm_manager

_TRUE = {"1", "true", "True", "TRUE"}
_FILTER_KEYS = {
    "containers": {"label", "name", "status", "id", "ancestor", "network", "volume"},
}


def parse_bool(raw: str | None) -> bool:
    """Docker's boolean query values (`all=1`, `all=true`)."""
    return raw is not None and raw.strip() in _TRUE


def parse_filters(raw: str | None) -> dict[str, list[str]]:
    """Docker's `filters`: `{"label": ["k=v"]}` or the older `{"label": {"k=v": true}}`."""
    if raw is None or raw == "":
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise DockerError(400, "invalid filter: " + raw[:100]) from None
    if not isinstance(data, dict):
        raise DockerError(400, "invalid filter: filters must be a JSON object")
    found: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            values = [str(k) for k, on in value.items() if on]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            values = list(value)
        else:
            raise DockerError(400, f"invalid filter '{key}'")
        found[str(key)] = values
    return found


def _label_matches(labels: dict[str, str], wanted: str) -> bool:
    key, eq, value = wanted.partition("=")
    if key not in labels:
        return False
    return not eq or labels[key] == value


def _name_matches(name: str, pattern: str) -> bool:
    try:
        return re.search(pattern, "/" + name) is not None
    except re.error:
        return pattern in name


def filter_containers(
    containers: list[model.Container], include_all: bool, filters: dict[str, list[str]]
) -> list[model.Container]:
    """GET /containers/json's `all` and `filters` (label, name, status, id, ancestor)."""
    for key in filters:
        if key not in _FILTER_KEYS["containers"]:
            raise DockerError(400, f"invalid filter '{key}'")
    for status in filters.get("status", []):
        if status not in model.CONTAINER_STATES:
            raise DockerError(400, f"invalid filter 'status={status}'")
    chosen = []
    for c in containers:
        if "status" in filters:
            if c.state not in filters["status"]:
                continue
        elif not include_all and c.state != model.RUNNING:
            continue
        if not all(_label_matches(c.labels, w) for w in filters.get("label", [])):
            continue
        names = filters.get("name", [])
        if names and not any(_name_matches(c.name, n) for n in names):
            continue
        ids = filters.get("id", [])
        if ids and not any(c.id.startswith(i) for i in ids):
            continue
        ancestors = filters.get("ancestor", [])
        if ancestors and not any(c.image in (a, f"{a}:latest") for a in ancestors):
            continue
        chosen.append(c)
    return chosen


class DockerProxy:
    """The rules of `/api/endpoints/{id}/docker/...` over the engine derived from the stacks."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- the environment: found, and usable by the caller (proxy_docker.go)
    def environment(self, who: Identity, environment_id: int) -> Environment:
        env = self.ctx.environment(environment_id)
        if not permissions.may_use_environment(who, env):
            raise errors.environment_denied()
        return env

    def engine(self, who: Identity, environment_id: int) -> model.Engine:
        env = self.environment(who, environment_id)
        return model.build(self.ctx.store.state, env, self.ctx.store.now())

    # -- resource controls (access_control.go)
    def _controls(self) -> dict[str, ResourceControl]:
        return {
            rc.resource_id: rc
            for rc in self.ctx.store.state.resource_controls.values()
            if rc.type == RESOURCE_CONTROL_STACK
        }

    @staticmethod
    def _control_for(
        env: Environment, labels: dict[str, str], controls: dict[str, ResourceControl]
    ) -> ResourceControl | None:
        for label in ("com.docker.stack.namespace", "com.docker.compose.project"):
            name = labels.get(label)
            if name:
                control = controls.get(f"{env.id}_{name}")
                if control is not None:
                    return control
        return None

    def _visible(
        self, who: Identity, env: Environment, items: list[Any], labels: Any, view: Any
    ) -> list[dict[str, Any]]:
        """Portainer's filterResourceList / decorateResourceList over a Docker list."""
        controls = self._controls()
        admin = permissions.is_admin(who)
        shown = []
        for item in items:
            control = self._control_for(env, labels(item), controls)
            if not admin and (
                control is None or not permissions.resource_control_grants(who, control)
            ):
                continue
            body = view(item)
            if control is not None:
                body["Portainer"] = {
                    "ResourceControl": portainer_views.resource_control_view(control)
                }
            shown.append(body)
        return shown

    def _item_allowed(self, who: Identity, env: Environment, labels: dict[str, str]) -> Any:
        """An item route's check (applyAccessControlOnResource / restrictedResourceOperation)."""
        control = self._control_for(env, labels, self._controls())
        if permissions.is_admin(who):
            return control
        if control is None or not permissions.resource_control_grants(who, control):
            raise DockerError(403, "access denied to resource")
        return control

    # -- routes
    def ping(self, who: Identity, environment_id: int) -> str:
        self.environment(who, environment_id)
        return "OK"

    def version(self, who: Identity, environment_id: int) -> dict[str, Any]:
        return views.version_view(self.engine(who, environment_id))

    def info(self, who: Identity, environment_id: int) -> dict[str, Any]:
        return views.info_view(self.engine(who, environment_id))

    def list_containers(
        self, who: Identity, environment_id: int, all_: str | None, filters: str | None
    ) -> list[dict[str, Any]]:
        engine = self.engine(who, environment_id)
        chosen = filter_containers(engine.containers, parse_bool(all_), parse_filters(filters))
        return self._visible(
            who,
            engine.env,
            chosen,
            lambda c: c.labels,
            lambda c: views.container_summary(engine, c),
        )

    def _container(self, engine: model.Engine, ref: str) -> model.Container:
        container = engine.find_container(ref)
        if container is None:
            raise DockerError(404, f"No such container: {ref}")
        return container

    def inspect_container(self, who: Identity, environment_id: int, ref: str) -> dict[str, Any]:
        engine = self.engine(who, environment_id)
        container = self._container(engine, ref)
        control = self._item_allowed(who, engine.env, container.labels)
        body = views.container_inspect(engine, container)
        if control is not None:
            body["Portainer"] = {"ResourceControl": portainer_views.resource_control_view(control)}
        return body

    def container_action(self, who: Identity, environment_id: int, ref: str, action: str) -> bool:
        """start, stop or restart; False when nothing changed (Docker answers 304)."""
        store = self.ctx.store
        with store.lock:
            engine = self.engine(who, environment_id)
            container = self._container(engine, ref)
            self._item_allowed(who, engine.env, container.labels)
            return model.set_container_state(store.state, container, action, store.now())

    def list_images(self, who: Identity, environment_id: int) -> list[dict[str, Any]]:
        engine = self.engine(who, environment_id)
        return [views.image_summary(engine, image) for image in engine.images()]

    def list_networks(self, who: Identity, environment_id: int) -> list[dict[str, Any]]:
        engine = self.engine(who, environment_id)
        system = [n for n in engine.networks if n.system]
        # System networks carry a system resource control that everyone passes.
        shown = [views.network_view(engine, n) for n in system]
        others = [n for n in engine.networks if not n.system]
        return shown + self._visible(
            who, engine.env, others, lambda n: n.labels, lambda n: views.network_view(engine, n)
        )

    def list_volumes(self, who: Identity, environment_id: int) -> dict[str, Any]:
        engine = self.engine(who, environment_id)
        volumes = self._visible(
            who,
            engine.env,
            engine.volumes,
            lambda v: v.labels,
            lambda v: views.volume_view(engine, v),
        )
        return {"Volumes": volumes, "Warnings": None}

    def _swarm_engine(self, who: Identity, environment_id: int) -> model.Engine:
        engine = self.engine(who, environment_id)
        if not engine.swarm:
            raise not_a_swarm_manager()
        return engine

    def list_services(self, who: Identity, environment_id: int) -> list[dict[str, Any]]:
        engine = self._swarm_engine(who, environment_id)
        return self._visible(
            who,
            engine.env,
            engine.services,
            lambda s: s.labels,
            lambda s: views.service_view(engine, s),
        )

    def list_tasks(self, who: Identity, environment_id: int) -> list[dict[str, Any]]:
        engine = self._swarm_engine(who, environment_id)
        if permissions.is_admin(who):
            return [views.task_view(engine, t) for t in engine.tasks]
        return self._visible(
            who,
            engine.env,
            engine.tasks,
            lambda t: {"com.docker.stack.namespace": t.service.stack.name},
            lambda t: views.task_view(engine, t),
        )

    def list_nodes(self, who: Identity, environment_id: int) -> list[dict[str, Any]]:
        engine = self._swarm_engine(who, environment_id)
        return [views.node_view(engine)]

    def inspect_swarm(self, who: Identity, environment_id: int) -> dict[str, Any]:
        engine = self._swarm_engine(who, environment_id)
        return views.swarm_view(engine, secrets=permissions.is_admin(who))

    def unknown_path(self, who: Identity, environment_id: int) -> DockerError:
        """A Docker path outside the subset: Portainer passes it on, Docker answers 404."""
        self.environment(who, environment_id)
        return DockerError(404, "page not found")
