"""Rancher routes: HTTP in, a call on the backend, HTTP out. No rule lives here."""

from __future__ import annotations

import dataclasses
from typing import Any

from connexion.context import request

from mockserver.journal import remember
from mockserver.runtime import Runtime, current

from . import auth, errors, schemas, views
from .backend import KEY_FIELDS, PROJECT_FIELDS, Caller, RancherBackend, parse_id, project_id
from .links import VERSION, VERSION_SCOPE_KEY, Links

Answer = Any


def install(runtime: Runtime) -> None:
    """Called by the app factory: the Rancher backend over the runtime's store."""
    runtime.rancher = RancherBackend(runtime.store, runtime.config.rancher_settle_seconds)


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
        version=scope.get(VERSION_SCOPE_KEY, VERSION),
    )


def _project_named(project_query: str | None) -> str | None:
    """The project an unscoped request names: `X-API-Project-Id`, else `?projectId=`."""
    return request.headers.get("x-api-project-id") or project_query


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
    """Who the request ran as, as Cattle's ApiAuthenticator.saveInContext reports it: the
    acting account's id, then the id, kind and name of the account that authenticated
    (`X-API-Schemas` is added to every answer by wire.py)."""
    return {
        "X-API-Account-Id": account or caller.account_id,
        "X-API-User-Id": caller.account_id,
        "X-API-Account-Kind": "admin" if caller.admin else "project",
        "X-API-Account-Name": _backend().account_name(caller.account_id),
    }


# -- discovery: the API root and the schemas
async def get_api_root(token_info: dict[str, Any] | None = None) -> Answer:
    caller = _caller(token_info)
    return schemas.root_view(schemas.role_of(caller), _links()), 200, _headers(caller)


async def get_legacy_api_root(token_info: dict[str, Any] | None = None) -> Answer:
    caller = _caller(token_info)
    links = dataclasses.replace(_links(), version="v1")
    return schemas.root_view(schemas.role_of(caller), links), 200, _headers(caller)


async def list_schemas(
    project_id: str | None = None, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    account = _backend().acting_account(caller, _project_named(project_id))
    body = schemas.schemas_view(schemas.role_of(caller), _links())
    return body, 200, _headers(caller, account)


async def get_schema(
    id_: str, project_id: str | None = None, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    account = _backend().acting_account(caller, _project_named(project_id))
    return _schema(caller, id_, _links()), 200, _headers(caller, account)


async def list_project_schemas(project_id: str, token_info: dict[str, Any] | None = None) -> Answer:
    caller = _caller(token_info)
    account = _backend().acting_account(caller, project_id)
    body = schemas.schemas_view(schemas.role_of(caller), _links(project_id))
    return body, 200, _headers(caller, account)


async def get_project_schema(
    project_id: str, id_: str, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    account = _backend().acting_account(caller, project_id)
    return _schema(caller, id_, _links(project_id)), 200, _headers(caller, account)


def _schema(caller: Caller, name: str, links: Links) -> dict[str, Any]:
    found = schemas.find(schemas.role_of(caller), name)
    if found is None:
        raise errors.not_found()
    return schemas.schema_view(found, links)


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


# -- the acting account's API keys (unscoped: `X-API-Project-Id` or `?projectId=` picks a project)
async def list_account_api_keys(
    project_id: str | None = None, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    project = _project_named(project_id)
    query = _params()
    page = _backend().list_keys(caller, project, query)
    links = _links(query=query)
    body = views.collection_view(
        "apiKey", page, KEY_FIELDS, links, lambda k: views.api_key_view(k, links)
    )
    return body, 200, _headers(caller, _backend().acting_account(caller, project))


async def create_account_api_key(
    project_id: str | None = None, token_info: dict[str, Any] | None = None, body: Any = None
) -> Answer:
    caller = _caller(token_info)
    action = request.query_params.get("action")
    key, secret = _backend().create_key(caller, _project_named(project_id), body, action)
    view = views.api_key_view(key, _links(), secret=secret)
    return view, 201, _headers(caller, key.account_id)


async def get_account_api_key(
    id_: str, project_id: str | None = None, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    key = _backend().get_key(caller, _project_named(project_id), id_)
    return views.api_key_view(key, _links()), 200, _headers(caller, key.account_id)


async def update_account_api_key(
    id_: str,
    project_id: str | None = None,
    token_info: dict[str, Any] | None = None,
    body: Any = None,
) -> Answer:
    caller = _caller(token_info)
    key = _backend().update_key(caller, _project_named(project_id), id_, body)
    return views.api_key_view(key, _links()), 200, _headers(caller, key.account_id)


async def delete_account_api_key(
    id_: str, project_id: str | None = None, token_info: dict[str, Any] | None = None
) -> Answer:
    caller = _caller(token_info)
    key = _backend().delete_key(caller, _project_named(project_id), id_)
    return views.api_key_view(key, _links()), 200, _headers(caller, key.account_id)


async def perform_account_api_key_action(
    id_: str,
    action: str,
    project_id: str | None = None,
    token_info: dict[str, Any] | None = None,
    body: Any = None,
) -> Answer:
    caller = _caller(token_info)
    key = _backend().run_action(caller, _project_named(project_id), id_, action)
    return views.api_key_view(key, _links()), 202, _headers(caller, key.account_id)
