"""Rancher routes: HTTP in, a call on the backend, HTTP out. No rule lives here."""

from __future__ import annotations

from typing import Any

from connexion.context import request

from mockserver.journal import remember
from mockserver.runtime import Runtime, current

from . import auth, views
from .backend import KEY_FIELDS, PROJECT_FIELDS, Caller, RancherBackend, parse_id, project_id
from .links import Links

Answer = Any


def install(runtime: Runtime) -> None:
    """Called by the app factory: the Rancher backend over the runtime's store."""
    runtime.rancher = RancherBackend(runtime.store)


# -- security function (Connexion calls it with the Basic credential it found)
def basic_info(
    username: str, password: str, required_scopes: Any = None, request: Any = None
) -> dict[str, Any]:
    caller = auth.authenticate(current().rancher, username, password)
    return remember(request, auth.token_info(caller))


# -- helpers
def _backend() -> RancherBackend:
    return current().rancher


def _caller(token_info: dict[str, Any] | None) -> Caller:
    return auth.caller_of(token_info or {}, _backend(), request.headers)


def _params() -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def _links(project: str | None = None, query: list[tuple[str, str]] | None = None) -> Links:
    scope = request.scope
    return Links(
        base=_origin(scope),
        path=scope.get("root_path", "") + scope["path"],
        query=_params() if query is None else query,
        sub_context=f"/projects/{project}" if project is not None else "",
    )


def _origin(scope: Any) -> str:
    """`http://host:port` as the client addressed it (the Host header), read from the scope
    directly: Starlette's `base_url` builds two URL objects per call."""
    for name, value in scope["headers"]:
        if name == b"host":
            return f"{scope['scheme']}://{value.decode('latin-1')}"
    host, port = scope.get("server") or ("localhost", 80)
    return f"{scope['scheme']}://{host}:{port}"


def _project_account(project: str) -> str | None:
    """`1a05` -> `1a5`: the account a sub-context request acts in."""
    environment_id = parse_id(project)
    return project_id(environment_id) if environment_id is not None else None


def _headers(caller: Caller, account: str | None = None) -> dict[str, str]:
    """Who the request ran as, as Cattle's ApiAuthenticator reports it."""
    acting = account or caller.account_id
    return {
        "X-API-Account-Id": acting,
        "X-API-User-Id": caller.account_id,
        "X-API-Account-Kind": "admin"
        if acting == caller.account_id and caller.admin
        else "project",
    }


# -- projects
async def list_projects(token_info: dict[str, Any] | None = None) -> Answer:
    caller = _caller(token_info)
    query = _params()
    page = _backend().list_projects(caller, query)
    links = _links(query=query)
    body = views.collection_view(
        "project", page, PROJECT_FIELDS, links, lambda e: views.project_view(e, links)
    )
    return body, 200, _headers(caller)


async def get_project(project_id: str, token_info: dict[str, Any] | None = None) -> Answer:
    caller = _caller(token_info)
    environment = _backend().get_project(caller, project_id)
    return views.project_view(environment, _links()), 200, _headers(caller)


# -- environment API keys
async def list_api_keys(project_id: str, token_info: dict[str, Any] | None = None) -> Answer:
    caller = _caller(token_info)
    query = _params()
    page = _backend().list_keys(caller, project_id, query)
    links = _links(project_id, query)
    body = views.collection_view(
        "apiKey", page, KEY_FIELDS, links, lambda k: views.api_key_view(k, links)
    )
    return body, 200, _headers(caller, _project_account(project_id))


async def create_api_key(
    project_id: str, token_info: dict[str, Any] | None = None, body: Any = None
) -> Answer:
    caller = _caller(token_info)
    action = request.query_params.get("action")
    key, secret = _backend().create_key(caller, project_id, body, action)
    view = views.api_key_view(key, _links(project_id), secret=secret)
    return view, 201, _headers(caller, key.account_id)


async def get_api_key(
    project_id: str, id_: str, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    key = _backend().get_key(caller, project_id, id_)
    return views.api_key_view(key, _links(project_id)), 200, _headers(caller, key.account_id)


async def update_api_key(
    project_id: str, id_: str, token_info: dict[str, Any] | None = None, body: Any = None
) -> Answer:
    caller = _caller(token_info)
    key = _backend().update_key(caller, project_id, id_, body)
    return views.api_key_view(key, _links(project_id)), 200, _headers(caller, key.account_id)


async def delete_api_key(
    project_id: str, id_: str, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    key = _backend().delete_key(caller, project_id, id_)
    return views.api_key_view(key, _links(project_id)), 200, _headers(caller, key.account_id)


async def perform_api_key_action(
    project_id: str,
    id_: str,
    action: str,
    token_info: dict[str, Any] | None = None,
    body: Any = None,
) -> Answer:
    caller = _caller(token_info)
    key = _backend().run_action(caller, project_id, id_, action)
    return views.api_key_view(key, _links(project_id)), 202, _headers(caller, key.account_id)
