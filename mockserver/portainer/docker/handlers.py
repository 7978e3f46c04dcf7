"""Docker proxy routes: HTTP in, a call on the proxy rules, HTTP out. No rule lives here."""

from __future__ import annotations

from typing import Any

from connexion import NoContent

from mockserver.runtime import current, identity

from .proxy import DockerProxy

Answer = Any


def _proxy() -> DockerProxy:
    return DockerProxy(current().portainer.ctx)


async def docker_ping(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().ping(identity(token_info), id_), 200, {"Content-Type": "text/plain"}


async def docker_version(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().version(identity(token_info), id_)


async def docker_info(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().info(identity(token_info), id_)


async def docker_list_containers(
    token_info: dict[str, Any], id_: int, all_: str | None = None, filters: str | None = None
) -> Answer:
    return _proxy().list_containers(identity(token_info), id_, all_, filters)


async def docker_inspect_container(
    token_info: dict[str, Any], id_: int, container_id: str
) -> Answer:
    return _proxy().inspect_container(identity(token_info), id_, container_id)


async def _action(token_info: dict[str, Any], id_: int, container_id: str, action: str) -> Answer:
    changed = _proxy().container_action(identity(token_info), id_, container_id, action)
    return NoContent, 204 if changed else 304


async def docker_start_container(token_info: dict[str, Any], id_: int, container_id: str) -> Answer:
    return await _action(token_info, id_, container_id, "start")


async def docker_stop_container(token_info: dict[str, Any], id_: int, container_id: str) -> Answer:
    return await _action(token_info, id_, container_id, "stop")


async def docker_restart_container(
    token_info: dict[str, Any], id_: int, container_id: str
) -> Answer:
    return await _action(token_info, id_, container_id, "restart")


async def docker_list_images(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().list_images(identity(token_info), id_)


async def docker_list_networks(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().list_networks(identity(token_info), id_)


async def docker_list_volumes(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().list_volumes(identity(token_info), id_)


async def docker_list_services(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().list_services(identity(token_info), id_)


async def docker_list_tasks(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().list_tasks(identity(token_info), id_)


async def docker_list_nodes(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().list_nodes(identity(token_info), id_)


async def docker_inspect_swarm(token_info: dict[str, Any], id_: int) -> Answer:
    return _proxy().inspect_swarm(identity(token_info), id_)
