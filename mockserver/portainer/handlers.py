"""Portainer routes: HTTP in, a call on the backend, HTTP out. No rule lives here."""

from __future__ import annotations

from typing import Any

from connexion import NoContent
from connexion.context import request

from mockserver import secrets
from mockserver.auth import COOKIE_NAME
from mockserver.journal import remember
from mockserver.runtime import current, identity

from . import environment_filters, errors

Answer = Any
NO_CONTENT = (NoContent, 204)


def _bearer() -> str | None:
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return cookie
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


# -- security functions (Connexion calls them with the credential it found)
def api_key_info(api_key: str, required_scopes: Any = None, request: Any = None) -> dict[str, Any]:
    who = current().authenticator.authenticate(request.headers, request.cookies)
    return remember(request, {"sub": who.user_id, "identity": who})


def jwt_info(token: str, required_scopes: Any = None, request: Any = None) -> dict[str, Any]:
    who = current().authenticator.authenticate(request.headers, request.cookies)
    return remember(request, {"sub": who.user_id, "identity": who})


COOKIE_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


# -- auth and status
async def authenticate_user(body: dict[str, Any]) -> Answer:
    rt = current()
    # Password hashing takes milliseconds of CPU: in a worker thread, not on the event loop
    # (mockserver/secrets.py: one hashing thread, with the request's context).
    users = rt.portainer.users
    token = await secrets.off_loop(users.login, body.get("username", ""), body.get("password", ""))
    return {"jwt": token}, 200, {"Set-Cookie": users.login_cookie(token)}


async def logout() -> Answer:
    current().portainer.users.logout(_bearer())
    # RemoveAuthCookie (bouncer.go): Expires time.Unix(0, 0) and MaxAge -1, which Go's
    # http.SetCookie writes as `Expires=<epoch>; Max-Age=0`.
    clear = f"{COOKIE_NAME}=; Path=/; Expires={COOKIE_EPOCH}; Max-Age=0; HttpOnly; SameSite=Strict"
    return NoContent, 204, {"Set-Cookie": clear}


async def get_status() -> Answer:
    return current().portainer.status()


async def get_system_status() -> Answer:
    return current().portainer.status()


async def get_system_version(token_info: dict[str, Any]) -> Answer:
    return current().portainer.system.version()


async def get_system_info(token_info: dict[str, Any]) -> Answer:
    return current().portainer.system.info()


# -- users
async def list_users(token_info: dict[str, Any], environment_id: int | None = None) -> Answer:
    return current().portainer.users.list_users(identity(token_info), environment_id)


async def create_user(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    users = current().portainer.users
    return await secrets.off_loop(
        users.create_user, body["Username"], body["Password"], body["Role"]
    )  # hashes the password: off the event loop


async def get_current_user(token_info: dict[str, Any]) -> Answer:
    return current().portainer.users.current_user(identity(token_info))


async def get_user(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.users.get_user(identity(token_info), id_)


async def update_user(token_info: dict[str, Any], id_: int, body: dict[str, Any]) -> Answer:
    return current().portainer.users.update_user(identity(token_info), id_, body)


async def update_user_password(
    token_info: dict[str, Any], id_: int, body: dict[str, Any]
) -> Answer:
    users = current().portainer.users
    users.update_password(
        identity(token_info), id_, body.get("Password", ""), body.get("NewPassword", "")
    )
    return NO_CONTENT


async def list_user_memberships(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.users.memberships_of(identity(token_info), id_)


async def check_administrator() -> Answer:
    current().portainer.users.check_admin()
    return NO_CONTENT


async def init_administrator(body: dict[str, Any]) -> Answer:
    users = current().portainer.users
    return users.init_admin(body.get("Username", ""), body.get("Password", ""))


async def delete_user(token_info: dict[str, Any], id_: int) -> Answer:
    current().portainer.users.delete_user(identity(token_info), id_)
    return NO_CONTENT


# -- teams and memberships
async def list_teams(token_info: dict[str, Any], only_led_teams: bool = False) -> Answer:
    return current().portainer.teams.list_teams(identity(token_info), only_led_teams)


async def create_team(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    return current().portainer.teams.create_team(body.get("Name", ""), body.get("TeamLeaders"))


async def get_team(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.teams.get_team(identity(token_info), id_)


async def update_team(token_info: dict[str, Any], id_: int, body: dict[str, Any]) -> Answer:
    return current().portainer.teams.update_team(id_, body.get("Name"))


async def delete_team(token_info: dict[str, Any], id_: int) -> Answer:
    current().portainer.teams.delete_team(id_)
    return NO_CONTENT


async def list_team_memberships_of_team(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.teams.team_memberships(identity(token_info), id_)


async def list_team_memberships(token_info: dict[str, Any]) -> Answer:
    return current().portainer.teams.list_memberships(identity(token_info))


async def create_team_membership(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    return current().portainer.teams.create_membership(identity(token_info), body)


async def update_team_membership(
    token_info: dict[str, Any], id_: int, body: dict[str, Any]
) -> Answer:
    return current().portainer.teams.update_membership(identity(token_info), id_, body)


async def delete_team_membership(token_info: dict[str, Any], id_: int) -> Answer:
    current().portainer.teams.delete_membership(identity(token_info), id_)
    return NO_CONTENT


# -- access tokens
async def list_access_tokens(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.users.list_tokens(identity(token_info), id_)


async def create_access_token(token_info: dict[str, Any], id_: int, body: dict[str, Any]) -> Answer:
    users = current().portainer.users
    created = await secrets.off_loop(  # checks the password: off the event loop
        users.create_token,
        identity(token_info),
        id_,
        body.get("description", ""),
        body.get("password", ""),
    )
    return created, 201


async def delete_access_token(token_info: dict[str, Any], id_: int, key_id: int) -> Answer:
    current().portainer.users.delete_token(identity(token_info), id_, key_id)
    return NO_CONTENT


# -- environments
async def list_environments(
    token_info: dict[str, Any],
    start: int | None = None,
    limit: int | None = None,
    sort: str | None = None,
    order: str | None = None,
    search: str | None = None,
    name: str | None = None,
    types: list[int] | None = None,
    group_ids: list[int] | None = None,
    tag_ids: list[int] | None = None,
    tags_partial_match: str | None = None,
    endpoint_ids: list[int] | None = None,
    exclude_ids: list[int] | None = None,
    status: list[int] | None = None,
) -> Answer:
    query = environment_filters.query_from(
        search=search,
        name=name,
        types=types,
        group_ids=group_ids,
        tag_ids=tag_ids,
        tags_partial_match=tags_partial_match,
        endpoint_ids=endpoint_ids,
        exclude_ids=exclude_ids,
        statuses=status,
        sort=sort,
        order=order,
        start=start,
        limit=limit,
    )
    envs = current().portainer.environments
    page, total, available = envs.list_environments(identity(token_info), query)
    return page, 200, {"X-Total-Count": str(total), "X-Total-Available": str(available)}


async def get_environment(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.environments.get_environment(identity(token_info), id_)


async def update_environment(token_info: dict[str, Any], id_: int, body: dict[str, Any]) -> Answer:
    return current().portainer.environments.update_environment(id_, body)


async def create_environment(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    return current().portainer.environments.create_environment(body)


async def delete_environment(token_info: dict[str, Any], id_: int) -> Answer:
    current().portainer.environments.delete_environment(id_)
    return NO_CONTENT


async def update_environment_settings(
    token_info: dict[str, Any], id_: int, body: dict[str, Any]
) -> Answer:
    return current().portainer.environments.update_security_settings(id_, body)


# -- stacks
async def list_stacks(token_info: dict[str, Any], filters: str | None = None) -> Answer:
    return current().portainer.stacks.list_stacks(identity(token_info), filters)


async def create_standalone_stack_from_string(
    token_info: dict[str, Any], endpoint_id: int, body: dict[str, Any]
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.create_stack(identity(token_info), endpoint_id, body, swarm=False)


async def create_swarm_stack_from_string(
    token_info: dict[str, Any], endpoint_id: int, body: dict[str, Any]
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.create_stack(identity(token_info), endpoint_id, body, swarm=True)


async def _form(body: dict[str, Any] | None, file: Any) -> dict[str, Any]:
    """A multipart form as Portainer reads it: the text fields, and the uploaded `file` as text."""
    fields = dict(body or {})
    fields.pop("file", None)
    if file is not None and hasattr(file, "read"):
        raw = file.read()
        if hasattr(raw, "__await__"):
            raw = await raw
        fields["file"] = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return fields


async def create_standalone_stack_from_file(
    token_info: dict[str, Any], endpoint_id: int, body: Any = None, file: Any = None
) -> Answer:
    stacks = current().portainer.stacks
    form = await _form(body, file)
    return stacks.create_stack_from_file(identity(token_info), endpoint_id, form, False)


async def create_swarm_stack_from_file(
    token_info: dict[str, Any], endpoint_id: int, body: Any = None, file: Any = None
) -> Answer:
    stacks = current().portainer.stacks
    form = await _form(body, file)
    return stacks.create_stack_from_file(identity(token_info), endpoint_id, form, True)


async def create_standalone_stack_from_repository(
    token_info: dict[str, Any], endpoint_id: int, body: dict[str, Any]
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.create_stack_from_repository(identity(token_info), endpoint_id, body, False)


async def create_swarm_stack_from_repository(
    token_info: dict[str, Any], endpoint_id: int, body: dict[str, Any]
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.create_stack_from_repository(identity(token_info), endpoint_id, body, True)


async def create_stack_deprecated(token_info: dict[str, Any], **_: Any) -> Answer:
    # The middleware hands every deprecated request whose type and method name a route to that
    # route (middleware.deprecated_stack_route); one that reaches here named none.
    raise errors.bad_request("Invalid query parameter: type", "Invalid query parameter")


async def invoke_stack_webhook(webhook_id: str) -> Answer:
    current().portainer.stacks.invoke_webhook(webhook_id)
    return NO_CONTENT


async def update_stack_git_settings(
    token_info: dict[str, Any], id_: int, body: dict[str, Any], endpoint_id: int | None = None
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.update_git_settings(identity(token_info), id_, endpoint_id, body)


async def redeploy_stack_from_git(
    token_info: dict[str, Any], id_: int, body: dict[str, Any], endpoint_id: int | None = None
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.redeploy_from_git(identity(token_info), id_, endpoint_id, body)


async def get_stack(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.stacks.get_stack(identity(token_info), id_)


async def get_stack_file(token_info: dict[str, Any], id_: int) -> Answer:
    return current().portainer.stacks.get_stack_file(identity(token_info), id_)


async def update_stack(
    token_info: dict[str, Any], id_: int, endpoint_id: int, body: dict[str, Any]
) -> Answer:
    stacks = current().portainer.stacks
    return stacks.update_stack(identity(token_info), id_, endpoint_id, body)


async def delete_stack(
    token_info: dict[str, Any],
    id_: str,
    endpoint_id: int | None = None,
    external: str | None = None,
) -> Answer:
    stacks = current().portainer.stacks
    stacks.delete_stack(identity(token_info), id_, endpoint_id, external == "true")
    return NO_CONTENT


async def start_stack(token_info: dict[str, Any], id_: int, endpoint_id: int) -> Answer:
    return current().portainer.stacks.start_stack(identity(token_info), id_, endpoint_id)


async def stop_stack(token_info: dict[str, Any], id_: int, endpoint_id: int) -> Answer:
    return current().portainer.stacks.stop_stack(identity(token_info), id_, endpoint_id)


# -- resource controls
async def create_resource_control(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    return current().portainer.resource_controls.create(body)


async def update_resource_control(
    token_info: dict[str, Any], id_: int, body: dict[str, Any]
) -> Answer:
    return current().portainer.resource_controls.update(identity(token_info), id_, body)


async def delete_resource_control(token_info: dict[str, Any], id_: int) -> Answer:
    current().portainer.resource_controls.delete(id_)
    return NO_CONTENT


# -- settings
async def get_settings(token_info: dict[str, Any]) -> Answer:
    return current().portainer.settings.get_settings()


async def update_settings(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    return current().portainer.settings.update_settings(body)


async def get_public_settings() -> Answer:
    return current().portainer.settings.public_settings()
