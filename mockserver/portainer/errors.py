"""Every error Portainer answers on the routes we cover, with its exact message and details."""

from __future__ import annotations

from mockserver.errors import PortainerError

# dserrors.ErrObjectNotFound (api/dataservices/errors/errors.go L8). A lookup by id adds the
# bucket and the key (api/database/boltdb/tx.go L26-29 GetObject): see `not_found_details`.
NOT_FOUND_DETAILS = "object not found inside the database"
RESOURCE_DENIED = "Access denied to resource"  # httperrors.ErrResourceAccessDenied


def not_found_details(bucket: str, key: int) -> str:
    """The datastore's error for a missing record, as Portainer's handlers pass it on."""
    return f"{NOT_FOUND_DETAILS} (bucket={bucket}, key={_key_text(key)})"


def _key_text(key: int) -> str:
    """Portainer's keyToString (api/database/boltdb/db.go L211-222): the id in decimal up to
    MaxInt32; above, the key's 8 big-endian bytes as a Go string, which JSON shows with each
    byte that is not UTF-8 as U+FFFD."""
    if 0 <= key <= 0x7FFFFFFF:
        return str(key)
    raw = (key & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
    text, i = [], 0
    while i < len(raw):
        for size in (1, 2, 3, 4):
            try:
                text.append(raw[i : i + size].decode("utf-8"))
            except UnicodeDecodeError:
                continue
            i += size
            break
        else:
            text.append("\ufffd")
            i += 1
    return "".join(text)


def invalid_payload(details: str) -> PortainerError:
    return PortainerError(400, "Invalid request payload", details)


def access_denied() -> PortainerError:
    """AdminAccess: a route for administrators only (the seed's exact body)."""
    return PortainerError(403, "Access denied", "Unauthorized")


def rate_limited() -> PortainerError:
    return PortainerError(403, "Access denied", "Access denied to resource")


def invalid_credentials() -> PortainerError:
    return PortainerError(422, "Invalid credentials", "Unauthorized")


def oauth_only() -> PortainerError:
    return PortainerError(
        422, "Only initial admin is allowed to login without oauth", "Unauthorized"
    )


def forbidden(message: str, details: str = "Unauthorized") -> PortainerError:
    return PortainerError(403, message, details)


def user_not_found(key: int) -> PortainerError:
    return PortainerError(
        404,
        "Unable to find a user with the specified identifier inside the database",
        not_found_details("users", key),
    )


def environment_not_found(key: int) -> PortainerError:
    return PortainerError(
        404,
        "Unable to find an environment with the specified identifier inside the database",
        not_found_details("endpoints", key),
    )


def stack_not_found(key: int) -> PortainerError:
    return PortainerError(
        404,
        "Unable to find a stack with the specified identifier inside the database",
        not_found_details("stacks", key),
    )


def token_not_found(key_id: int) -> PortainerError:
    """Portainer answers 500 "API Key not found" here; the mock answers 404 (see the README),
    with Portainer's details: the datastore's error, which names its bucket and key
    (api/database/boltdb/db.go GetObject)."""
    return PortainerError(404, "API Key not found", not_found_details("api_key", key_id))


def environment_denied() -> PortainerError:
    return PortainerError(
        403, "Permission denied to access environment", "Access denied to environment"
    )


def resource_denied() -> PortainerError:
    return PortainerError(403, "Access denied to resource", "Access denied to resource")


def orphan_removal_denied() -> PortainerError:
    """Stack delete with an endpointId other than the stack's, by a standard user."""
    return PortainerError(403, "Permission denied to remove orphaned stack")


def conflict(message: str, details: str | None = None) -> PortainerError:
    return PortainerError(409, message, details if details is not None else message)


def bad_request(message: str, details: str | None = None) -> PortainerError:
    return PortainerError(400, message, details)


# -- stacks: wording that differs per route in Portainer (stack_start.go, stack_delete.go, ...)
def environment_not_found_as(message: str, key: int) -> PortainerError:
    """An environment lookup that failed, in the route's own words."""
    return PortainerError(404, message, not_found_details("endpoints", key))


def endpoint_denied() -> PortainerError:
    """Start and delete say "endpoint" where other stack routes say "environment"."""
    return PortainerError(
        403, "Permission denied to access endpoint", "Access denied to environment"
    )


def management_disabled(message: str) -> PortainerError:
    """A standard user on an environment whose stack management is off; details repeat it."""
    return PortainerError(403, message, message)


def server_error(message: str, details: str | None = None) -> PortainerError:
    """Portainer's 500, answered on purpose: a deployment or a clone that failed."""
    return PortainerError(500, message, details)


def no_administrator() -> PortainerError:
    return PortainerError(
        404, "No administrator account found inside the database", NOT_FOUND_DETAILS
    )


def team_not_found(key: int) -> PortainerError:
    return PortainerError(
        404,
        "Unable to find a team with the specified identifier inside the database",
        not_found_details("teams", key),
    )


def membership_not_found(key: int) -> PortainerError:
    return PortainerError(
        404,
        "Unable to find a team membership with the specified identifier inside the database",
        not_found_details("team_membership", key),
    )


def resource_control_not_found(key: int) -> PortainerError:
    return PortainerError(
        404,
        "Unable to find a resource control with the specified identifier inside the database",
        not_found_details("resource_control", key),
    )


def stack_management_disabled(action: str) -> PortainerError:
    """A standard user on an environment whose stack management is off, per route:
    `Stack creation`, `Stack editing`, `stack deletion` or `stack management`."""
    message = f"{action} is disabled for non-admin users"
    return PortainerError(403, message, message[0].upper() + message[1:])


def resource_control_update_denied() -> PortainerError:
    return PortainerError(
        403, "You are not authorized to update this resource control", RESOURCE_DENIED
    )
