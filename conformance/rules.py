"""The rule catalogue: every rule the suite checks, in one place.

Each rule has a stable id, a one-line statement, its source (the contract operation and the notes
on the real product it comes from), the source lines it follows (`cites`) and the one test that
checks it. The tests carry their id with
`@pytest.mark.rule("...")`; the docs' rule catalogue page is generated from this list when the
site is built (`python -m conformance.rules` prints the same table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PORTAINER_NOTES = "portainer-api.md"
# The sources a rule's `cites` name, each at the version the mock imitates: (what, file URL).
CITE_SOURCES = {
    "P": (
        "Portainer CE at cc75167 (2.23.0-5)",
        "https://github.com/portainer/portainer/blob/cc75167/{path}",
    ),
    "C": (
        "Rancher 1.6 Cattle at 82d154a",
        "https://github.com/rancher/cattle/blob/82d154a/{path}",
    ),
    "D": (
        "defender at 5665c62, as Portainer's go.mod pins it",
        "https://github.com/G07cha/defender/blob/5665c62/{path}",
    ),
}
_CITE = re.compile(
    r"^\[(?P<tag>[A-Z])\] (?P<path>[\w.+@-]+(?:/[\w.+@-]+)*\.\w+) L(?P<start>\d+)(?:-(?P<end>\d+))?$"
    r"|^\[spec\] openapi\.yaml#(?P<pointer>(?:/[^/\s]+)+)$"
)


@dataclass(frozen=True)
class Cite:
    """One citation: `[P] path Lstart-end` in a real product's source, or `[spec]
    openapi.yaml#/json/pointer` in the contract."""

    tag: str  # a CITE_SOURCES key, or "spec"
    path: str
    start: int = 0
    end: int = 0
    pointer: str = ""

    @classmethod
    def parse(cls, text: str) -> Cite:
        match = _CITE.match(text)
        if match is None:
            raise ValueError(f"not a citation: {text!r}")
        if match["pointer"]:
            return cls("spec", "openapi.yaml", pointer=match["pointer"])
        tag, start = match["tag"], int(match["start"])
        end = int(match["end"] or start)
        if tag not in CITE_SOURCES:
            raise ValueError(f"unknown source [{tag}] in {text!r}")
        if not 0 < start <= end:
            raise ValueError(f"lines must be positive and ascending in {text!r}")
        return cls(tag, match["path"], start, end)

    @property
    def url(self) -> str | None:
        """The lines on GitHub, at the cited commit (None for the contract)."""
        if self.tag == "spec":
            return None
        lines = f"L{self.start}" if self.start == self.end else f"L{self.start}-L{self.end}"
        return CITE_SOURCES[self.tag][1].format(path=self.path) + "#" + lines


RANCHER_NOTES = "rancher-apikeys.md"


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    source: str
    test: str  # "module.py::test_function"
    reads_only: bool = False  # runs under --read-only: sends only safe methods
    # The lines of the real products' source (or of the contract) the rule follows: see Cite.
    cites: tuple[str, ...] = ()
    # Runs only where Rancher's access control is on: with it off (Cattle's default,
    # api.security.enabled=false) every request acts as the administrator, so no key is refused
    # or confined, and the rule is skipped with that reason instead of failing a right server.
    needs_rancher_access_control: bool = False

    @property
    def family(self) -> str:
        return "rancher" if self.id.startswith(("RCH", "SCH-RCH")) else "portainer"

    @property
    def module(self) -> str:
        return self.test.split("::")[0]

    @property
    def function(self) -> str:
        return self.test.split("::")[1]


def _p(
    id_: str,
    statement: str,
    source: str,
    test: str,
    *,
    cites: tuple[str, ...],
    reads_only: bool = False,
) -> Rule:
    secured = id_ in NEEDS_RANCHER_ACCESS_CONTROL
    return Rule(id_, statement, source, test, reads_only, cites, secured)


# The Rancher rules that refuse or confine a key (or send a request without one, expecting 401).
NEEDS_RANCHER_ACCESS_CONTROL = frozenset(
    {
        "RCH-AUTH-1",
        "RCH-AUTH-2",
        "RCH-AUTH-3",
        "RCH-AUTH-4",
        "RCH-SWEEP-1",
        "RCH-SCOPE-1",
        "RCH-RO-1",
        "RCH-DISC-2",
        "RCH-DISC-3",
        "RCH-ERR-2",
    }
)


RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------ contract, with Schemathesis
    _p(
        "SCH-PTR-1",
        "every Portainer operation honours the contract: no server error, documented status codes,"
        " content types, response schemas and headers, invalid input refused, authentication"
        " enforced",
        "openapi.yaml (all /api operations); Schemathesis checks",
        "test_schema.py::test_portainer_operation",
        reads_only=True,
        cites=(
            "[spec] openapi.yaml#/paths",
            "[spec] openapi.yaml#/components/securitySchemes",
            "[P] api/http/security/bouncer.go L300-335",
            "[P] api/http/handler/users/user_remove_access_token.go L59-66",
            "[P] api/http/handler/users/user_list.go L58-62",
        ),
    ),
    _p(
        "SCH-PTR-2",
        "Portainer objects created through the contract's links can be read, changed and deleted,"
        " and stay deleted",
        "openapi.yaml links (users, access tokens, stacks); Schemathesis state machine",
        "test_schema.py::test_portainer_stateful",
        cites=(
            "[spec] openapi.yaml#/components/links",
            "[P] api/http/handler/stacks/stack_delete.go L39-139",
            "[P] api/http/handler/users/user_remove_access_token.go L32-77",
        ),
    ),
    _p(
        "SCH-RCH-1",
        "every Rancher operation honours the contract: no server error, documented status codes,"
        " content types, response schemas and headers, invalid input refused, authentication"
        " enforced",
        "openapi.yaml (all /v2-beta operations); Schemathesis checks",
        "test_schema.py::test_rancher_operation",
        reads_only=True,
        cites=(
            "[spec] openapi.yaml#/paths",
            "[spec] openapi.yaml#/components/securitySchemes/RancherBasic",
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/impl/ApiAuthenticator.java L62-103",
        ),
    ),
    _p(
        "SCH-RCH-2",
        "Rancher API keys created through the contract's links can be read, changed, acted on and"
        " deleted, and stay deleted",
        "openapi.yaml links (createApiKey); Schemathesis state machine",
        "test_schema.py::test_rancher_stateful",
        cites=(
            "[spec] openapi.yaml#/components/links",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L378-395",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L126-135",
        ),
    ),
    # ------------------------------------------------------------ Portainer: authentication
    _p(
        "PTR-AUTH-1",
        "a wrong password or an unknown user is refused with 422 `Invalid credentials`",
        f"authenticateUser; {PORTAINER_NOTES} §1.1",
        "test_portainer_auth.py::test_wrong_password_is_refused",
        cites=(
            "[P] api/http/handler/auth/authenticate.go L56-98",
            "[P] api/http/handler/auth/authenticate.go L104-112",
        ),
    ),
    _p(
        "PTR-AUTH-2",
        "a JWT from POST /api/auth works as `Authorization: Bearer` and names its user",
        f"authenticateUser, getCurrentUser; {PORTAINER_NOTES} §1.1-1.2",
        "test_portainer_auth.py::test_jwt_works_as_bearer",
        cites=(
            "[P] api/http/handler/auth/authenticate.go L142-157",
            "[P] api/http/security/bouncer.go L358-375",
            "[P] api/http/handler/users/user_inspect_me.go L32-58",
        ),
    ),
    _p(
        "PTR-AUTH-3",
        "logout answers 204 and the JWT is refused from then on",
        f"logout; {PORTAINER_NOTES} §1.2-1.3",
        "test_portainer_auth.py::test_logout_revokes_the_jwt",
        cites=(
            "[P] api/http/handler/auth/logout.go L21-34",
            "[P] api/http/security/bouncer.go L377-384",
            "[P] api/http/security/bouncer.go L358-375",
        ),
    ),
    _p(
        "PTR-AUTH-4",
        "a request without a credential gets 401 `A valid authorization token is missing`",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4",
        "test_portainer_auth.py::test_missing_credential_is_refused",
        reads_only=True,
        cites=("[P] api/http/security/bouncer.go L300-335",),
    ),
    _p(
        "PTR-AUTH-5",
        "an unknown access token or a forged JWT gets 401 `Invalid JWT token`",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4",
        "test_portainer_auth.py::test_invalid_credential_is_refused",
        reads_only=True,
        cites=(
            "[P] api/http/security/bouncer.go L300-335",
            "[P] api/jwt/jwt.go L115-151",
            "[P] api/http/security/bouncer.go L413-443",
        ),
    ),
    _p(
        "PTR-AUTH-6",
        "X-API-Key and Authorization together get 403",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4 (CSRF layer)",
        "test_portainer_auth.py::test_two_credentials_are_refused",
        cites=(
            "[P] api/http/security/bouncer.go L602-625",
            "[P] api/http/csrf/csrf.go L56-71",
        ),
    ),
    _p(
        "PTR-AUTH-7",
        "credentials are compared exactly: an access token or a JWT signature with one letter's"
        " case changed, one character short or long, or a token's prefix alone gets 401",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4 (the API key's SHA-256 digest);"
        " Portainer api/http/security/bouncer.go (mwAuthenticateFirst), api/jwt/jwt.go",
        "test_sweeps.py::test_credentials_are_compared_exactly",
        reads_only=True,
        cites=(
            "[P] api/http/security/bouncer.go L413-443",
            "[P] api/apikey/service.go L51-55",
            "[P] api/apikey/service.go L95-115",
            "[P] api/jwt/jwt.go L115-151",
        ),
    ),
    _p(
        "PTR-SWEEP-1",
        "a revoked access token, a logged-out JWT and a deleted user's JWT and token get 401 on"
        " every credentialed operation of the contract (a sweep: new routes are covered too)",
        f"every secured /api operation; {PORTAINER_NOTES} §1.2-1.4 (revokedJWT; bouncer"
        " mwAuthenticateFirst: invalid, revoked or user gone -> 401)",
        "test_sweeps.py::test_dead_credentials_are_refused_on_every_route",
        cites=(
            "[P] api/http/security/bouncer.go L300-335",
            "[P] api/http/security/bouncer.go L358-375",
            "[P] api/http/security/bouncer.go L377-384",
            "[P] api/http/security/bouncer.go L413-443",
            "[P] api/http/handler/users/user_delete.go L86-110",
        ),
    ),
    _p(
        "PTR-SCOPE-1",
        "a standard user's listings stay in their scope with every documented parameter: no"
        " environment they are not granted (start, limit, search, name) and no stack of another"
        " user or an administrator (no filter, EndpointID, SwarmID)",
        f"listEnvironments, listStacks; {PORTAINER_NOTES} §4.2 (resource control); Portainer"
        " api/http/handler/endpoints/endpoint_list.go (security.FilterEndpoints),"
        " api/http/handler/stacks/stack_list.go (FilterAuthorizedStacks)",
        "test_scoping.py::test_standard_users_list_only_their_scope",
        cites=(
            "[P] api/http/handler/endpoints/endpoint_list.go L53-124",
            "[P] api/http/security/filter.go L93-110",
            "[P] api/http/handler/stacks/stack_list.go L37-93",
        ),
    ),
    _p(
        "PTR-RO-1",
        "read-only stack fields in a body change nothing: a create takes its environment from"
        " endpointId and its author from the credential; an update keeps Id, Name, EndpointId,"
        " SwarmId, Type, CreatedBy and CreationDate, in its answer and in later reads",
        f"createStandaloneStackFromString, updateStack; {PORTAINER_NOTES} §4; Portainer"
        " api/http/handler/stacks/create_compose_stack.go, stack_update.go (the payload structs"
        " carry none of these fields)",
        "test_read_only_fields.py::test_stack_read_only_fields_are_ignored",
        cites=(
            "[P] api/http/handler/stacks/create_compose_stack.go L23-32",
            "[P] api/http/handler/stacks/stack_update.go L21-28",
            "[P] api/http/handler/stacks/stack_update.go L179-244",
        ),
    ),
    # ------------------------------------------------------------ Portainer: access tokens
    _p(
        "PTR-TOK-1",
        "an access token is created only with a JWT: an access token gets 401 `Auth not supported`",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 1)",
        "test_portainer_tokens.py::test_token_creation_needs_a_jwt",
        cites=("[P] api/http/handler/users/user_create_access_token.go L60-69",),
    ),
    _p(
        "PTR-TOK-2",
        "a user creates access tokens only for themself: another id gets 403, administrators"
        " included",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 4)",
        "test_portainer_tokens.py::test_tokens_are_created_for_oneself_only",
        cites=("[P] api/http/handler/users/user_create_access_token.go L82-89",),
    ),
    _p(
        "PTR-TOK-3",
        "token creation re-checks the password: a wrong one gets 403",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 5)",
        "test_portainer_tokens.py::test_token_creation_checks_the_password",
        cites=("[P] api/http/handler/users/user_create_access_token.go L101-111",),
    ),
    _p(
        "PTR-TOK-4",
        "a token description has 1 to 127 characters and is not blank, else 400",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 2)",
        "test_portainer_tokens.py::test_token_description_is_validated",
        cites=(
            "[P] api/http/handler/users/user_create_access_token.go L23-34",
            "[P] api/http/handler/users/user_create_access_token.go L71-75",
        ),
    ),
    _p(
        "PTR-TOK-5",
        "a new token answers 201 with rawAPIKey `ptr_` + base64 of 32 bytes, prefix = its first 7"
        " characters, and the token works as X-API-Key",
        f"createAccessToken; {PORTAINER_NOTES} §2 (key format)",
        "test_portainer_tokens.py::test_new_token_format",
        cites=(
            "[P] api/apikey/service.go L29-36",
            "[P] api/apikey/service.go L59-81",
            "[P] api/http/handler/users/user_create_access_token.go L113-118",
        ),
    ),
    _p(
        "PTR-TOK-6",
        "a raw access token is shown once and never again",
        f"listAccessTokens; {PORTAINER_NOTES} §2",
        "test_portainer_tokens.py::test_raw_token_is_shown_once",
        cites=(
            "[P] api/http/handler/users/user_get_access_tokens.go L30-68",
            "[P] api/http/handler/users/user_create_access_token.go L113-118",
        ),
    ),
    _p(
        "PTR-TOK-7",
        "tokens are listed only to their owner, or to an administrator for a standard user: user B"
        " cannot list user A's tokens",
        f"listAccessTokens; {PORTAINER_NOTES} §2 (list)",
        "test_portainer_tokens.py::test_token_list_is_private",
        cites=("[P] api/http/handler/users/user_get_access_tokens.go L30-63",),
    ),
    _p(
        "PTR-TOK-8",
        "user B cannot revoke user A's token, and the token keeps working",
        f"deleteAccessToken; {PORTAINER_NOTES} §2 (delete)",
        "test_portainer_tokens.py::test_other_users_cannot_revoke_a_token",
        cites=("[P] api/http/handler/users/user_remove_access_token.go L32-77",),
    ),
    _p(
        "PTR-TOK-9",
        "a revoked token is refused at once, whether its owner or an administrator revoked it",
        f"deleteAccessToken; {PORTAINER_NOTES} §2 (delete)",
        "test_portainer_tokens.py::test_revoked_token_is_refused_at_once",
        cites=(
            "[P] api/http/handler/users/user_remove_access_token.go L32-77",
            "[P] api/apikey/service.go L130-139",
            "[P] api/http/security/bouncer.go L413-443",
        ),
    ),
    # ------------------------------------------------------------ Portainer: users
    _p(
        "PTR-USR-1",
        "only an administrator creates users (200); a standard user gets 403",
        f"createUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_only_admins_create_users",
        cites=(
            "[P] api/http/handler/users/handler.go L41-87",
            "[P] api/http/handler/users/user_create.go L51-74",
        ),
    ),
    _p(
        "PTR-USR-2",
        "user names are unique regardless of case: a duplicate gets 409",
        f"createUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_duplicate_user_name_is_refused",
        cites=(
            "[P] api/http/handler/users/user_create.go L76-84",
            "[P] api/dataservices/user/tx.go L17-37",
        ),
    ),
    _p(
        "PTR-USR-3",
        "only an administrator deletes users, and a deleted user's credentials stop working",
        f"deleteUser; {PORTAINER_NOTES} §2 (side effects), §3",
        "test_portainer_users.py::test_only_admins_delete_users",
        cites=(
            "[P] api/http/handler/users/user_delete.go L29-60",
            "[P] api/http/handler/users/user_delete.go L86-110",
            "[P] api/http/security/bouncer.go L300-335",
        ),
    ),
    _p(
        "PTR-USR-4",
        "/api/users/me is the caller, whichever credential is used",
        f"getCurrentUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_me_is_the_caller",
        cites=("[P] api/http/handler/users/user_inspect_me.go L32-58",),
    ),
    _p(
        "PTR-USR-5",
        "a standard user cannot list users nor read another user's record (403)",
        f"listUsers, getUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_standard_users_cannot_browse_users",
        cites=(
            "[P] api/http/handler/users/user_list.go L35-89",
            "[P] api/http/handler/users/user_inspect.go L30-54",
        ),
    ),
    # ------------------------------------------------------------ Portainer: access model
    _p(
        "PTR-ACC-1",
        "first-run initialisation works once: with an administrator, admin/check answers 204 and"
        " admin/init 409 without creating anyone",
        "checkAdministrator, initAdministrator; Portainer api/http/handler/users/admin_check.go,"
        " admin_init.go",
        "test_portainer_access.py::test_first_run_init_works_once",
        cites=(
            "[P] api/http/handler/users/admin_check.go L20-31",
            "[P] api/http/handler/users/admin_init.go L44-83",
        ),
    ),
    _p(
        "PTR-ACC-2",
        "a password change refuses the JWTs issued before it; a new login works",
        "updateUserPassword; Portainer api/http/handler/users/user_update_password.go"
        " (TokenIssueAt), api/jwt/jwt.go",
        "test_portainer_access.py::test_password_change_refuses_the_old_jwt",
        cites=(
            "[P] api/http/handler/users/user_update_password.go L50-100",
            "[P] api/jwt/jwt.go L115-151",
        ),
    ),
    _p(
        "PTR-ACC-3",
        "a team member sees a stack shared with the team; a user outside it does not",
        "updateResourceControl, listStacks; Portainer api/http/security/authorization.go"
        " AuthorizedResourceControlAccess, api/http/handler/stacks/stack_list.go",
        "test_portainer_access.py::test_team_access_shows_a_stack_to_members_only",
        cites=(
            "[P] api/http/security/authorization.go L24-44",
            "[P] api/http/handler/stacks/stack_list.go L37-93",
        ),
    ),
    _p(
        "PTR-ACC-4",
        "a team leader manages their own team's memberships and no other team's (403)",
        "createTeamMembership, getTeam; Portainer api/http/security/authorization.go"
        " AuthorizedTeamManagement, api/http/handler/teammemberships/team_membership_create.go",
        "test_portainer_access.py::test_a_leaders_rights_stop_at_their_team",
        cites=(
            "[P] api/http/security/authorization.go L96-108",
            "[P] api/http/handler/teammemberships/teammembership_create.go L54-97",
            "[P] api/http/handler/teams/team_inspect.go L30-53",
        ),
    ),
    _p(
        "PTR-ACC-5",
        "a public resource control shows the stack to every user",
        "updateResourceControl, listStacks; Portainer"
        " api/http/handler/resourcecontrols/resource_control_update.go,"
        " api/http/handler/stacks/stack_list.go",
        "test_portainer_access.py::test_a_public_control_shows_the_stack_to_everyone",
        cites=(
            "[P] api/http/handler/resourcecontrols/resourcecontrol_update.go L55-114",
            "[P] api/http/security/authorization.go L24-44",
            "[P] api/http/handler/stacks/stack_list.go L37-93",
        ),
    ),
    _p(
        "PTR-ACC-6",
        "with stack management off for standard users, create, update, stop and delete each"
        " answer their own 403",
        "updateEnvironmentSettings; Portainer api/http/handler/stacks/stack_create.go,"
        " stack_update.go, stack_stop.go, stack_delete.go (userCanManageStacks)",
        "test_portainer_access.py::test_disabled_stack_management_gives_the_403_of_each_route",
        cites=(
            "[P] api/http/handler/stacks/handler.go L126-153",
            "[P] api/http/handler/stacks/stack_create.go L18-75",
            "[P] api/http/handler/stacks/stack_update.go L75-160",
            "[P] api/http/handler/stacks/stack_stop.go L33-121",
            "[P] api/http/handler/stacks/stack_delete.go L39-139",
        ),
    ),
    # ------------------------------------------------------------ Portainer: settings
    _p(
        "PTR-SET-1",
        'a standard user gets 403 `{"message":"Access denied","details":"Unauthorized"}` on'
        " GET and PUT /api/settings",
        f"getSettings, updateSettings; {PORTAINER_NOTES} §1.5, §5.1; Portainer's API page",
        "test_portainer_settings.py::test_standard_user_cannot_use_settings",
        cites=(
            "[P] api/http/handler/settings/handler.go L36-39",
            "[P] api/http/security/bouncer.go L95-101",
            "[P] api/http/security/bouncer.go L228-257",
            "[P] api/http/errors/errors.go L9",
        ),
    ),
    _p(
        "PTR-SET-2",
        "/api/settings/public needs no credential, and no settings answer shows a secret",
        f"getPublicSettings, getSettings; {PORTAINER_NOTES} §5.1, §5.3",
        "test_portainer_settings.py::test_public_settings_and_no_secrets",
        cites=(
            "[P] api/http/handler/settings/handler.go L40-41",
            "[P] api/http/handler/settings/settings_public.go L63-116",
            "[P] api/http/handler/settings/settings_inspect.go L21-29",
            "[P] api/http/handler/settings/handler.go L14-18",
        ),
    ),
    _p(
        "PTR-SET-3",
        "a settings update with a bad duration, URL or authentication method gets 400 and"
        " changes nothing",
        f"updateSettings; {PORTAINER_NOTES} §5.2",
        "test_portainer_settings.py::test_invalid_settings_are_refused",
        cites=(
            "[P] api/http/handler/settings/settings_update.go L60-102",
            "[P] api/http/handler/settings/settings_update.go L118-141",
        ),
    ),
    _p(
        "PTR-SET-4",
        "a settings update is partial: fields left out keep their value",
        f"updateSettings; {PORTAINER_NOTES} §5.2",
        "test_portainer_settings.py::test_settings_update_is_partial",
        cites=("[P] api/http/handler/settings/settings_update.go L143-243",),
    ),
    # ------------------------------------------------------------ Portainer: environments
    _p(
        "PTR-ENV-1",
        "a standard user sees only the environments that grant them access; another is 403",
        f"listEnvironments, getEnvironment; {PORTAINER_NOTES} §6",
        "test_portainer_environments.py::test_users_see_only_granted_environments",
        cites=(
            "[P] api/http/handler/endpoints/endpoint_list.go L53-124",
            "[P] api/http/security/filter.go L93-110",
            "[P] api/http/handler/endpoints/endpoint_inspect.go L27-85",
            "[P] api/http/security/bouncer.go L146-171",
        ),
    ),
    _p(
        "PTR-ENV-2",
        "a grant or revoke through PUT /api/endpoints/{id} takes effect on the next request",
        f"updateEnvironment; {PORTAINER_NOTES} §6",
        "test_portainer_environments.py::test_grant_and_revoke_take_effect_at_once",
        cites=(
            "[P] api/http/handler/endpoints/endpoint_update.go L79-280",
            "[P] api/http/security/authorization.go L123-129",
        ),
    ),
    _p(
        "PTR-ENV-3",
        "a standard user can neither change an environment (403) nor see its access policies",
        f"updateEnvironment, listEnvironments; {PORTAINER_NOTES} §6",
        "test_portainer_environments.py::test_standard_users_cannot_manage_environments",
        cites=(
            "[P] api/http/handler/endpoints/handler.go L67-68",
            "[P] api/http/security/bouncer.go L95-101",
            "[P] api/http/security/filter.go L93-110",
            "[P] api/http/handler/endpoints/endpoint_list.go L53-124",
        ),
    ),
    # ------------------------------------------------------------ Portainer: Docker proxy
    _p(
        "PTR-DOCK-1",
        "after a deploy, the stack's containers are listed by the Docker proxy under its Compose"
        " project label, running, each with its service label",
        f"dockerListContainers; {PORTAINER_NOTES} §4.3 (the project label names the stack);"
        " [P] api/http/proxy/factory/docker/transport.go (containers/json)",
        "test_portainer_docker.py::test_a_deployed_stack_s_containers_are_listed",
        cites=(
            "[P] api/http/proxy/factory/docker/containers.go L55-87",
            "[P] api/http/proxy/factory/docker/transport.go L224-262",
        ),
    ),
    _p(
        "PTR-DOCK-2",
        "after a stack stop, none of its containers is running (exited, or gone)",
        "stopStack, dockerListContainers; [P] api/http/handler/stacks/stack_stop.go",
        "test_portainer_docker.py::test_a_stopped_stack_s_containers_are_not_running",
        cites=(
            "[P] api/http/handler/stacks/stack_stop.go L33-121",
            "[P] api/http/handler/stacks/stack_stop.go L123-144",
        ),
    ),
    _p(
        "PTR-DOCK-3",
        "after a stack delete, none of its containers is listed, even with all=1",
        "deleteStack, dockerListContainers; [P] api/http/handler/stacks/stack_delete.go",
        "test_portainer_docker.py::test_a_deleted_stack_s_containers_are_gone",
        cites=(
            "[P] api/http/handler/stacks/stack_delete.go L39-139",
            "[P] api/http/handler/stacks/stack_delete.go L182-222",
        ),
    ),
    _p(
        "PTR-DOCK-4",
        "on a swarm manager, /docker/swarm's ID is the cluster id /docker/info reports, and a"
        " swarm stack created with it is listed under that SwarmID with its services",
        "dockerInspectSwarm, createSwarmStackFromString, dockerListServices; [P]"
        " api/http/proxy/factory/docker/swarm.go",
        "test_portainer_docker.py::test_the_swarm_id_creates_a_swarm_stack",
        cites=(
            "[P] api/http/proxy/factory/docker/swarm.go L11-25",
            "[P] api/http/handler/stacks/create_swarm_stack.go L32-43",
        ),
    ),
    _p(
        "PTR-DOCK-5",
        "a standard user without access to the environment gets 403 `Permission denied to access"
        " environment` on every Docker proxy path, known or not",
        "every /docker operation; [P] api/http/handler/endpointproxy/proxy_docker.go"
        " (AuthorizedEndpointOperation before proxying)",
        "test_portainer_docker.py::test_a_user_without_the_environment_gets_403",
        cites=(
            "[P] api/http/handler/endpointproxy/proxy_docker.go L14-61",
            "[P] api/http/security/bouncer.go L146-171",
        ),
    ),
    _p(
        "PTR-DOCK-6",
        "a standard user's container list leaves out the containers of stacks no resource control"
        " grants them, and inspecting one is 403",
        "dockerListContainers, dockerInspectContainer; [P]"
        " api/http/proxy/factory/docker/access_control.go (filterResourceList, findResourceControl)",
        "test_portainer_docker.py::test_containers_are_filtered_by_resource_control",
        cites=(
            "[P] api/http/proxy/factory/docker/access_control.go L240-286",
            "[P] api/http/proxy/factory/docker/access_control.go L288-328",
            "[P] api/http/proxy/factory/docker/containers.go L55-108",
        ),
    ),
    # ------------------------------------------------------------ Portainer: stacks
    _p(
        "PTR-STK-1",
        "stack creation answers 200 with the stack, its creator and creation date, not yet updated",
        f"createStandaloneStackFromString; {PORTAINER_NOTES} §4.3",
        "test_portainer_stacks.py::test_stack_creation_answer",
        cites=(
            "[P] api/http/handler/stacks/create_compose_stack.go L106-156",
            "[P] api/stacks/stackbuilders/stack_builder.go L32-47",
            "[P] api/stacks/stackbuilders/compose_file_content_builder.go L66-81",
            "[P] api/http/handler/stacks/stack_create.go L116-143",
        ),
    ),
    _p(
        "PTR-STK-2",
        "stack names are stored normalised: lower case, only -, _, a-z and 0-9",
        f"createStandaloneStackFromString; {PORTAINER_NOTES} §4.3 (name rules)",
        "test_portainer_stacks.py::test_stack_names_are_normalised",
        cites=(
            "[P] api/http/handler/stacks/create_compose_stack.go L34-43",
            "[P] api/http/handler/stacks/create_compose_stack.go L113",
            "[P] api/exec/compose_stack.go L145-148",
            "[P] api/exec/common.go L5",
        ),
    ),
    _p(
        "PTR-STK-3",
        "a duplicate stack name in the same environment gets 409; another environment accepts it",
        f"createStandaloneStackFromString; {PORTAINER_NOTES} §4.3 (name rules)",
        "test_portainer_stacks.py::test_duplicate_stack_name_is_refused",
        cites=(
            "[P] api/http/handler/stacks/handler.go L48-52",
            "[P] api/http/handler/stacks/handler.go L155-168",
            "[P] api/http/handler/stacks/create_compose_stack.go L106-156",
        ),
    ),
    _p(
        "PTR-STK-4",
        "a standard user cannot see or touch an administrator's stack",
        f"stacks; {PORTAINER_NOTES} §4.2 (resource control), §4.4-4.5",
        "test_portainer_stacks.py::test_admin_stacks_are_hidden_from_users",
        cites=(
            "[P] api/http/handler/stacks/stack_inspect.go L32-100",
            "[P] api/http/handler/stacks/handler.go L97-113",
            "[P] api/stacks/stackutils/util.go L12-16",
            "[P] api/http/handler/stacks/stack_file.go L73-93",
            "[P] api/http/handler/stacks/stack_start.go L83-103",
            "[P] api/http/security/authorization.go L24-44",
        ),
    ),
    _p(
        "PTR-STK-5",
        "a user's stacks are private: another standard user cannot see or touch them",
        f"stacks; {PORTAINER_NOTES} §4.2 (resource control), §4.4-4.5",
        "test_portainer_stacks.py::test_user_stacks_are_private",
        cites=(
            "[P] api/http/handler/stacks/stack_inspect.go L32-100",
            "[P] api/http/handler/stacks/stack_list.go L37-93",
            "[P] api/http/handler/stacks/stack_file.go L73-93",
            "[P] api/http/security/authorization.go L24-44",
        ),
    ),
    _p(
        "PTR-STK-6",
        "a stack in an environment the user may not use is refused (403), even their own",
        f"stacks; {PORTAINER_NOTES} §4.3 (step 4), §4.5, §6",
        "test_portainer_stacks.py::test_stacks_need_environment_access",
        cites=(
            "[P] api/http/handler/stacks/stack_inspect.go L32-100",
            "[P] api/http/security/bouncer.go L146-171",
        ),
    ),
    _p(
        "PTR-STK-7",
        "a user cannot reach a stack outside their environments by id, by filter or by update",
        f"getStack, listStacks, updateStack; {PORTAINER_NOTES} §4.4-4.5",
        "test_portainer_stacks.py::test_foreign_stacks_are_unreachable",
        cites=(
            "[P] api/http/handler/stacks/stack_inspect.go L32-100",
            "[P] api/http/handler/stacks/stack_list.go L119-148",
            "[P] api/http/handler/stacks/stack_update.go L75-160",
        ),
    ),
    _p(
        "PTR-STK-8",
        "update, start and stop need endpointId (400 without it); delete without it treats the"
        " stack as orphaned: 403 for a standard user, 404 for an administrator",
        "updateStack, deleteStack, startStack, stopStack; Portainer 2.23"
        " api/http/handler/stacks/stack_delete.go (endpointId optional, L67; orphan rule),"
        " stack_update.go, stack_start.go, stack_stop.go",
        "test_portainer_stacks.py::test_item_operations_need_endpoint_id",
        cites=(
            "[P] api/http/handler/stacks/stack_update.go L91-94",
            "[P] api/http/handler/stacks/stack_start.go L57-60",
            "[P] api/http/handler/stacks/stack_stop.go L55-58",
            "[P] api/http/handler/stacks/stack_delete.go L60-80",
        ),
    ),
    _p(
        "PTR-STK-9",
        "`filters`: EndpointID keeps that environment's Compose stacks, SwarmID that swarm's"
        " stacks, neither keeps all; orphaned stacks are for administrators",
        f"listStacks; {PORTAINER_NOTES} §4.4",
        "test_portainer_stacks.py::test_stack_filters",
        cites=(
            "[P] api/http/handler/stacks/stack_list.go L37-93",
            "[P] api/http/handler/stacks/stack_list.go L119-158",
        ),
    ),
    _p(
        "PTR-STK-10",
        "starting a running stack gets 409 `already running` (Docker's name check comes first),"
        " stopping a stopped one 400; stop and start flip Status",
        "startStack, stopStack; Portainer 2.23 api/http/handler/stacks/stack_start.go"
        " (checkUniqueStackNameInDocker before the status check), stack_stop.go",
        "test_portainer_stacks.py::test_start_and_stop",
        cites=(
            "[P] api/http/handler/stacks/stack_start.go L83-107",
            "[P] api/http/handler/stacks/handler.go L170-209",
            "[P] api/http/handler/stacks/stack_stop.go L94-109",
        ),
    ),
    _p(
        "PTR-STK-11",
        "CreatedBy and CreationDate never change; an update sets UpdatedBy and UpdateDate",
        f"updateStack; {PORTAINER_NOTES} §4.2, §4.5",
        "test_portainer_stacks.py::test_stack_audit_fields",
        cites=(
            "[P] api/http/handler/stacks/stack_update.go L141-148",
            "[P] api/stacks/stackbuilders/stack_builder.go L32-47",
        ),
    ),
    _p(
        "PTR-STK-12",
        "a deleted stack is gone at once: 404 by id, its file too, and no longer listed",
        f"deleteStack, getStack, listStacks; {PORTAINER_NOTES} §4.5",
        "test_portainer_stacks.py::test_deleted_stack_is_gone",
        cites=(
            "[P] api/http/handler/stacks/stack_delete.go L39-139",
            "[P] api/http/handler/stacks/stack_inspect.go L32-100",
            "[P] api/http/handler/stacks/stack_file.go L43-48",
        ),
    ),
    # ------------------------------------------------------------ Portainer: deployments
    _p(
        "PTR-DEP-1",
        "a repository stack records its commit in GitConfig, and a redeploy moves it to the"
        " commit its reference points at now (pushed through the mock's /__mock__/git)",
        "createStandaloneStackFromRepository, redeployStackFromGit; Portainer 2.23"
        " stackbuilders/stack_git_builder.go (ConfigHash), handler/stacks/stack_update_git_redeploy.go",
        "test_portainer_deployments.py::test_repository_stack_redeploys_to_the_pushed_commit",
        cites=(
            "[P] api/http/handler/stacks/create_compose_stack.go L286-298",
            "[P] api/stacks/stackbuilders/stack_git_builder.go L56-103",
            "[P] api/http/handler/stacks/stack_update_git_redeploy.go L56-193",
        ),
    ),
    _p(
        "PTR-DEP-2",
        "a stack's webhook redeploys it to a pushed commit (204, no credential); a malformed id"
        " is 400, an unknown one 404, and a webhook id reused on create 409",
        "invokeStackWebhook; Portainer 2.23 handler/stacks/webhook_invoke.go,"
        " webhook_invoke_test.go, deployments/deploy.go RedeployWhenChanged,"
        " create_compose_stack.go (checkUniqueWebhookID)",
        "test_portainer_deployments.py::test_webhook_redeploys",
        cites=(
            "[P] api/http/handler/stacks/webhook_invoke.go L25-65",
            "[P] api/stacks/deployments/deploy.go L37-139",
            "[P] api/http/handler/stacks/create_compose_stack.go L270-279",
            "[P] api/http/handler/stacks/handler.go L211-217",
        ),
    ),
    _p(
        "PTR-DEP-3",
        "a compose file the deployment refuses answers 500 and leaves no stack",
        "createStandaloneStackFromString; Portainer 2.23"
        " stackbuilders/stack_file_content_builder.go Deploy, stack_builder.go SaveStack",
        "test_portainer_deployments.py::test_invalid_compose_file_is_refused_and_leaves_no_stack",
        cites=(
            "[P] api/stacks/stackbuilders/stack_file_content_builder.go L47-58",
            "[P] api/stacks/stackbuilders/stack_builder.go L32-60",
        ),
    ),
    _p(
        "PTR-DEP-4",
        "an update that leaves Env out clears the stack's variables",
        "updateStack; Portainer 2.23 handler/stacks/stack_update.go updateComposeStack"
        " (`stack.Env = payload.Env`)",
        "test_portainer_deployments.py::test_env_left_out_of_an_update_is_cleared",
        cites=(
            "[P] api/http/handler/stacks/stack_update.go L179-244",
            "[P] api/http/handler/stacks/stack_update.go L194",
        ),
    ),
    _p(
        "PTR-DEP-5",
        "a stack created by multipart upload is the stack the same file creates as a string",
        "createStandaloneStackFromFile, createStandaloneStackFromString; Portainer 2.23"
        " handler/stacks/create_compose_stack.go (decodeRequestForm, both builders)",
        "test_portainer_deployments.py::test_upload_and_string_creation_give_the_same_stack",
        cites=(
            "[P] api/http/handler/stacks/create_compose_stack.go L330-351",
            "[P] api/http/handler/stacks/create_compose_stack.go L370-419",
            "[P] api/http/handler/stacks/create_compose_stack.go L106-156",
        ),
    ),
    # ------------------------------------------------------------ Rancher: environment API keys
    _p(
        "RCH-KEY-1",
        "a new key answers 201 with a 20-character upper-case hex access key and a 40-character"
        " secret",
        f"createApiKey; {RANCHER_NOTES} §1.3, §3",
        "test_rancher_keys.py::test_new_key_format",
        cites=(
            "[C] code/iaas/api-logic/src/main/java/io/cattle/platform/iaas/api/filter/apikey/ApiKeyFilter.java L29-61",
            "[C] tests/integration/cattletest/core/test_apikey.py L5-16",
        ),
    ),
    _p(
        "RCH-KEY-2",
        "a secret key is never shown again: secretValue is null when a key is read, listed,"
        " updated or deleted, and no answer after the create carries the secret",
        f"getApiKey, listApiKeys, updateApiKey, performApiKeyAction, deleteApiKey; {RANCHER_NOTES} §3",
        "test_rancher_keys.py::test_secret_is_never_shown_again",
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/model/impl/WrappedResource.java L74-80",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/utils/ApiUtils.java L178-179",
            "[C] code/iaas/api-logic/src/main/java/io/cattle/platform/iaas/api/filter/apikey/ApiKeyFilter.java L36-42",
            "[C] resources/content/schema/user/user-auth.json L24-26",
            "[C] tests/integration/cattletest/core/test_apikey.py L5-16",
        ),
    ),
    _p(
        "RCH-KEY-3",
        "PUT changes only name and description; a value too long gets 422 MaxLengthExceeded",
        f"updateApiKey; {RANCHER_NOTES} §2.5, §6",
        "test_rancher_keys.py::test_update_changes_only_name_and_description",
        cites=(
            "[C] resources/content/schema/user/user-auth.json L24-26",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L140-171",
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/validation/ValidationHandler.java L136-174",
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/validation/ValidationHandler.java L372-444",
            "[C] code/iaas/model/src/main/java/io/cattle/platform/core/model/Credential.java L36",
            "[C] code/iaas/model/src/main/java/io/cattle/platform/core/model/Credential.java L80",
        ),
    ),
    _p(
        "RCH-KEY-4",
        "actions answer 202, and the actions map lists only the actions valid in the key's state",
        f"performApiKeyAction; {RANCHER_NOTES} §2.2-2.3",
        "test_rancher_keys.py::test_actions_follow_the_state",
        cites=(
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L378-395",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L433-463",
        ),
    ),
    _p(
        "RCH-KEY-5",
        "an action not valid now gets 422 ActionNotAvailable, an unknown one 422 InvalidAction",
        f"performApiKeyAction; {RANCHER_NOTES} §2.3",
        "test_rancher_keys.py::test_invalid_actions_are_refused",
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/validation/ValidationHandler.java L64-96",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L466-492",
        ),
    ),
    _p(
        "RCH-KEY-6",
        "an active environment key cannot be deleted (405)",
        f"deleteApiKey; {RANCHER_NOTES} §2.4",
        "test_rancher_keys.py::test_active_key_cannot_be_deleted",
        cites=(
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L126-135",
            "[C] code/framework/engine/src/main/java/io/cattle/platform/engine/process/impl/DefaultProcessInstanceImpl.java L253-265",
        ),
    ),
    _p(
        "RCH-KEY-7",
        "a deleted key is no longer listed, and reads as removed",
        f"deleteApiKey, listApiKeys, getApiKey; {RANCHER_NOTES} §2.4",
        "test_rancher_keys.py::test_deleted_key_is_not_listed",
        cites=(
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L298-327",
            "[C] code/packaging/app-config/src/main/resources/META-INF/cattle/api-server/defaults.properties L53-54",
        ),
    ),
    _p(
        "RCH-AUTH-1",
        "an inactive, removed or wrong environment key is refused with 401 and a Basic challenge",
        f"RancherBasic; {RANCHER_NOTES} §4.1-4.2",
        "test_rancher_auth.py::test_only_active_keys_authenticate",
        cites=(
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/integration/internal/rancher/BasicAuthImpl.java L57-77",
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/integration/internal/rancher/BasicAuthImpl.java L131-148",
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/dao/impl/AuthDaoImpl.java L206-230",
        ),
    ),
    _p(
        "RCH-AUTH-2",
        "an environment key cannot reach another environment (403)",
        f"every /v2-beta/projects/{{projectId}} operation; {RANCHER_NOTES} §4.3",
        "test_rancher_auth.py::test_key_cannot_reach_another_environment",
        cites=(
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/impl/ApiAuthenticator.java L186-240",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/parser/ApiRequestParser.java L58-65",
        ),
    ),
    _p(
        "RCH-AUTH-3",
        "an environment key cannot see or touch another environment's key by id (404)",
        f"getApiKey, updateApiKey, deleteApiKey, performApiKeyAction; {RANCHER_NOTES} §4.3",
        "test_rancher_auth.py::test_key_cannot_touch_another_environments_key",
        cites=(
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/impl/ApiAuthenticator.java L186-240",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L298-315",
        ),
    ),
    _p(
        "RCH-AUTH-4",
        "key pairs are compared exactly: a secret with one letter's case changed, one character"
        " short or long, an access key one character short or long, or a secret alone gets 401",
        f"every /v2-beta operation; {RANCHER_NOTES} §4.1 (BasicAuthImpl; AuthDaoImpl"
        " getAccountByKeys compares the secret with its stored hash)",
        "test_sweeps.py::test_keys_are_compared_exactly",
        reads_only=True,
        cites=(
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/dao/impl/AuthDaoImpl.java L206-230",
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/integration/internal/rancher/BasicAuthImpl.java L158-182",
        ),
    ),
    _p(
        "RCH-SCOPE-1",
        "a project's key listing never shows another project's key, with every filter, sort and"
        " page (name, publicValue, uuid, state, _removed, accountId, limit and next links), for an"
        " environment key and for the account key",
        f"listApiKeys; {RANCHER_NOTES} §4.3 (lists filtered by accountId of the project),"
        " §1.6 (pagination)",
        "test_scoping.py::test_keys_are_listed_only_in_their_project",
        cites=(
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L298-315",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/jooq/AbstractJooqResourceManager.java L69-99",
        ),
    ),
    _p(
        "RCH-RO-1",
        "a key create cannot move the key into another project (accountId, kind and state in the"
        " body are ignored or refused), and an update never changes id, accountId, publicValue,"
        " kind or uuid",
        f"createApiKey, updateApiKey; {RANCHER_NOTES} §1.5 (create/update flags of the fields),"
        " §2.5 (PUT), §4.3",
        "test_read_only_fields.py::test_key_read_only_fields_are_ignored",
        cites=(
            "[C] resources/content/schema/user/user-auth.json L24-26",
            "[C] resources/content/schema/admin/admin-auth.json L74-77",
            "[C] code/framework/api/src/main/java/io/cattle/platform/api/resource/AbstractObjectResourceManager.java L140-171",
        ),
    ),
    _p(
        "RCH-SWEEP-1",
        "a deactivated or removed environment key gets 401 on every credentialed /v2-beta"
        " operation of the contract, its own key and project included (a sweep)",
        f"every /v2-beta operation; {RANCHER_NOTES} §4.1 (only state == active authenticates),"
        " §4.4 (authentication before validation)",
        "test_sweeps.py::test_dead_keys_are_refused_on_every_route",
        cites=(
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/dao/impl/AuthDaoImpl.java L206-230",
            "[C] code/iaas/auth-logic/src/main/java/io/cattle/platform/iaas/api/auth/impl/ApiAuthenticator.java L62-103",
        ),
    ),
    _p(
        "RCH-DISC-1",
        "the API root `/v2-beta` is the apiVersion resource, with an absolute link per listable"
        " type (apiKeys, schemas, ...) keyed by its plural name",
        f"getApiRoot; {RANCHER_NOTES} §1.1 (Cattle's VersionHandler)",
        "test_rancher_discovery.py::test_api_root_links_every_listable_type",
        reads_only=True,
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/request/handler/VersionHandler.java L19-42",
        ),
    ),
    _p(
        "RCH-DISC-2",
        "an environment's schemas are a collection of schema resources; apiKey's has the"
        " environment's collection link, GET/POST and GET/PUT/DELETE, name and description"
        " writable, publicValue not, and its actions",
        f"listProjectSchemas, getProjectSchema; {RANCHER_NOTES} §1.5, §5.1-5.3 (Cattle's"
        " SchemasHandler; test_authorization.py test_api_key_auth)",
        "test_rancher_discovery.py::test_project_schemas_describe_api_keys",
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/request/handler/SchemasHandler.java L14-29",
            "[C] resources/content/schema/user/user-auth.json L24-26",
            "[C] tests/integration/cattletest/core/test_authorization.py L1807-1826",
        ),
    ),
    _p(
        "RCH-DISC-3",
        "every /v2-beta answer, errors included, carries X-API-Schemas: the schemas URL of the"
        " request's sub-context",
        f"all /v2-beta operations; {RANCHER_NOTES} §5.1 (Cattle's ApiRequestFilterDelegate)",
        "test_rancher_discovery.py::test_every_answer_names_the_schemas",
        reads_only=True,
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/servlet/ApiRequestFilterDelegate.java L34",
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/servlet/ApiRequestFilterDelegate.java L46-143",
        ),
    ),
    _p(
        "RCH-ERR-1",
        "malformed JSON gets 400 InvalidBodyContent",
        f"createApiKey, updateApiKey; {RANCHER_NOTES} §5.1, §6",
        "test_rancher_auth.py::test_malformed_json_is_refused",
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/request/handler/BodyParserRequestHandler.java L35-64",
        ),
    ),
    _p(
        "RCH-ERR-2",
        "every Rancher error is Rancher's error resource (type, status, code, message, detail)",
        f"all /v2-beta operations; {RANCHER_NOTES} §4.5",
        "test_rancher_auth.py::test_errors_have_rancher_shape",
        cites=(
            "[C] code/framework/java-server/src/main/java/io/github/ibuildthecloud/gdapi/request/handler/ExceptionHandler.java L35-94",
        ),
    ),
)

BY_ID = {rule.id: rule for rule in RULES}


def markdown_table() -> str:
    """The catalogue as the docs show it (docs/rules.md)."""
    lines = ["| id | rule | source | follows | test |", "|---|---|---|---|---|"]
    for rule in RULES:
        statement = rule.statement.replace("|", "\\|")
        follows = "<br>".join(_cite_markdown(Cite.parse(text)) for text in rule.cites)
        lines.append(f"| {rule.id} | {statement} | {rule.source} | {follows} | `{rule.test}` |")
    return "\n".join(lines)


def _cite_markdown(cite: Cite) -> str:
    """`P: stack_delete.go L67-80`, linked to those lines at the cited commit."""
    if cite.url is None:
        return f"`openapi.yaml#{cite.pointer}`"
    lines = f"L{cite.start}" if cite.start == cite.end else f"L{cite.start}-{cite.end}"
    name = cite.path.rsplit("/", 1)[-1]
    return f'{cite.tag}: [{name} {lines}]({cite.url} "{cite.path}")'


if __name__ == "__main__":
    print(markdown_table())
