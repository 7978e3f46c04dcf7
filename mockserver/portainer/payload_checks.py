"""Portainer's own words for a request body that breaks the contract, in one table.

The contract's schemas are checked by the validation layer (mockserver/validation.py); what a
violation is *called* comes from here: for each operation, the fields its Go payload's
`Validate` checks, in that order, and the `details` Portainer answers (400 `Invalid request
payload`). A violation this table does not name keeps the schema validator's wording. A type
error anywhere does too: Go's decoder refuses such a body before `Validate` runs.

`DEFERRED` names the fields Portainer checks later than the payload (after a permission check):
their violations are left to the operation's rules, which answer in Portainer's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mockserver.validation import Violation

ANY = None  # a check that applies whatever schema keyword failed


@dataclass(frozen=True)
class FieldCheck:
    """One check of a payload's `Validate`: a field (dotted, `*` for any list index), the
    schema keywords that stand for it (ANY: all of them) and Portainer's details."""

    field: str
    details: str
    reasons: frozenset[str] | None = ANY

    def matches(self, violation: Violation) -> bool:
        wanted = self.field.split(".")
        if len(wanted) != len(violation.path):
            return False
        if not all(w in ("*", p) for w, p in zip(wanted, violation.path, strict=True)):
            return False
        return self.reasons is ANY or violation.reason in self.reasons


def _when(*reasons: str) -> frozenset[str]:
    return frozenset(reasons)


EMPTY = _when("required", "minLength")

# -- the texts, shared with the rules that make the same checks after decoding
INVALID_USERNAME = "Invalid username"
INVALID_PASSWORD = "Invalid password"
USERNAME_WHITESPACE = "Invalid username. Must not contain any whitespace"
INVALID_ROLE = "Invalid role value. Value must be one of: 1 (administrator) or 2 (regular user)"
DESCRIPTION_EMPTY = "Invalid description: cannot be empty"
DESCRIPTION_WHITESPACE = "Invalid description: cannot contain only whitespaces"
DESCRIPTION_TOO_LONG = "Invalid description: cannot be longer than 128 characters"
TOKEN_PASSWORD_EMPTY = "Invalid password: cannot be empty"
STACK_NAME = "Invalid stack name"
SWARM_ID = "Invalid Swarm ID"
STACK_FILE = "Invalid stack file content"
REPOSITORY_URL = "Invalid repository URL. Must correspond to a valid URL format"
AUTHENTICATION_METHOD = (
    "Invalid authentication method value. Value must be one of: 1 (internal), "
    "2 (LDAP/AD) or 3 (OAuth)"
)
OAUTH_AUTH_STYLE = "Invalid OAuth AuthStyle"
TEAM_NAME = "Invalid team name"

_STACK_FROM_STRING = (FieldCheck("Name", STACK_NAME), FieldCheck("StackFileContent", STACK_FILE))
_SWARM_FROM_STRING = (
    FieldCheck("Name", STACK_NAME),
    FieldCheck("SwarmID", SWARM_ID),
    FieldCheck("StackFileContent", STACK_FILE),
)
_FROM_REPOSITORY = (FieldCheck("Name", STACK_NAME), FieldCheck("RepositoryURL", REPOSITORY_URL))

# operationId -> its payload's checks, in the order Portainer's `Validate` makes them.
CHECKS: Mapping[str, tuple[FieldCheck, ...]] = {
    # api/http/handler/auth/authenticate.go authenticatePayload.Validate
    "authenticateUser": (
        FieldCheck("username", INVALID_USERNAME),
        FieldCheck("password", INVALID_PASSWORD),
    ),
    # users/admin_init.go, user_create.go, user_update.go, user_update_password.go
    "initAdministrator": (
        FieldCheck("Username", USERNAME_WHITESPACE),
        FieldCheck("Password", INVALID_PASSWORD),
    ),
    "createUser": (FieldCheck("Username", USERNAME_WHITESPACE), FieldCheck("Role", INVALID_ROLE)),
    "updateUser": (
        FieldCheck("Username", USERNAME_WHITESPACE, _when("pattern")),
        FieldCheck("Role", INVALID_ROLE, _when("enum")),
    ),
    "updateUserPassword": (
        FieldCheck("Password", "Invalid current password"),
        FieldCheck("NewPassword", "Invalid new password"),
    ),
    # users/user_create_access_token.go userAccessTokenCreatePayload.Validate (the password is
    # checked later: DEFERRED)
    "createAccessToken": (
        FieldCheck("description", DESCRIPTION_EMPTY, EMPTY),
        FieldCheck("description", DESCRIPTION_WHITESPACE, _when("pattern")),
        FieldCheck("description", DESCRIPTION_TOO_LONG, _when("maxLength")),
    ),
    # teams/team_create.go
    "createTeam": (FieldCheck("Name", TEAM_NAME),),
    # stacks/create_compose_stack.go, create_swarm_stack.go, stack_update.go
    "createStandaloneStackFromString": _STACK_FROM_STRING,
    "createSwarmStackFromString": _SWARM_FROM_STRING,
    "createStandaloneStackFromRepository": _FROM_REPOSITORY,
    "createSwarmStackFromRepository": (
        FieldCheck("Name", STACK_NAME),
        FieldCheck("SwarmID", SWARM_ID),
        FieldCheck("RepositoryURL", REPOSITORY_URL),
    ),
    "updateStack": (FieldCheck("StackFileContent", STACK_FILE),),
    # settings/settings_update.go settingsUpdatePayload.Validate
    "updateSettings": (
        FieldCheck("AuthenticationMethod", AUTHENTICATION_METHOD, _when("enum")),
        FieldCheck("OAuthSettings.AuthStyle", OAUTH_AUTH_STYLE, _when("enum")),
    ),
}

# Checks Portainer makes after a lookup or a permission, not with the payload:
# (operationId, field) -> the schema keywords that stand for them.
DEFERRED: Mapping[tuple[str, str], frozenset[str]] = {("createAccessToken", "password"): EMPTY}


def details(operation_id: str | None, violations: Iterable[Violation]) -> str | None:
    """Portainer's `details` for these violations of one operation's body, or None when the
    table has no words for them (the validator's wording stands)."""
    found = tuple(violations)
    checks = CHECKS.get(operation_id or "")
    if not checks or any(v.reason == "type" for v in found):
        return None
    for check in checks:
        if any(check.matches(v) for v in found):
            return check.details
    return None


def deferred(operation_id: str | None, violation: Violation) -> bool:
    """Whether this violation is answered by the operation's rules instead (validation.py)."""
    if len(violation.path) != 1:
        return False
    return violation.reason in DEFERRED.get((operation_id or "", violation.path[0]), ())
