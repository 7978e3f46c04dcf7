"""The rule catalogue: every rule the suite checks, in one place.

Each rule has a stable id, a one-line statement, its source (the contract operation and the notes
on the real product it comes from) and the one test that checks it. The tests carry their id with
`@pytest.mark.rule("...")`; the docs' rule catalogue page is generated from this list when the
site is built (`python -m conformance.rules` prints the same table).
"""

from __future__ import annotations

from dataclasses import dataclass

PORTAINER_NOTES = "portainer-api.md"
RANCHER_NOTES = "rancher-apikeys.md"


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    source: str
    test: str  # "module.py::test_function"
    reads_only: bool = False  # runs under --read-only: sends only safe methods

    @property
    def family(self) -> str:
        return "rancher" if self.id.startswith(("RCH", "SCH-RCH")) else "portainer"

    @property
    def module(self) -> str:
        return self.test.split("::")[0]

    @property
    def function(self) -> str:
        return self.test.split("::")[1]


def _p(id_: str, statement: str, source: str, test: str, *, reads_only: bool = False) -> Rule:
    return Rule(id_, statement, source, test, reads_only)


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
    ),
    _p(
        "SCH-PTR-2",
        "Portainer objects created through the contract's links can be read, changed and deleted,"
        " and stay deleted",
        "openapi.yaml links (users, access tokens, stacks); Schemathesis state machine",
        "test_schema.py::test_portainer_stateful",
    ),
    _p(
        "SCH-RCH-1",
        "every Rancher operation honours the contract: no server error, documented status codes,"
        " content types, response schemas and headers, invalid input refused, authentication"
        " enforced",
        "openapi.yaml (all /v2-beta operations); Schemathesis checks",
        "test_schema.py::test_rancher_operation",
        reads_only=True,
    ),
    _p(
        "SCH-RCH-2",
        "Rancher API keys created through the contract's links can be read, changed, acted on and"
        " deleted, and stay deleted",
        "openapi.yaml links (createApiKey); Schemathesis state machine",
        "test_schema.py::test_rancher_stateful",
    ),
    # ------------------------------------------------------------ Portainer: authentication
    _p(
        "PTR-AUTH-1",
        "a wrong password or an unknown user is refused with 422 `Invalid credentials`",
        f"authenticateUser; {PORTAINER_NOTES} §1.1",
        "test_portainer_auth.py::test_wrong_password_is_refused",
    ),
    _p(
        "PTR-AUTH-2",
        "a JWT from POST /api/auth works as `Authorization: Bearer` and names its user",
        f"authenticateUser, getCurrentUser; {PORTAINER_NOTES} §1.1-1.2",
        "test_portainer_auth.py::test_jwt_works_as_bearer",
    ),
    _p(
        "PTR-AUTH-3",
        "logout answers 204 and the JWT is refused from then on",
        f"logout; {PORTAINER_NOTES} §1.2-1.3",
        "test_portainer_auth.py::test_logout_revokes_the_jwt",
    ),
    _p(
        "PTR-AUTH-4",
        "a request without a credential gets 401 `A valid authorization token is missing`",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4",
        "test_portainer_auth.py::test_missing_credential_is_refused",
        reads_only=True,
    ),
    _p(
        "PTR-AUTH-5",
        "an unknown access token or a forged JWT gets 401 `Invalid JWT token`",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4",
        "test_portainer_auth.py::test_invalid_credential_is_refused",
        reads_only=True,
    ),
    _p(
        "PTR-AUTH-6",
        "X-API-Key and Authorization together get 403",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4 (CSRF layer)",
        "test_portainer_auth.py::test_two_credentials_are_refused",
    ),
    _p(
        "PTR-AUTH-7",
        "credentials are compared exactly: an access token or a JWT signature with one letter's"
        " case changed, one character short or long, or a token's prefix alone gets 401",
        f"every secured /api operation; {PORTAINER_NOTES} §1.4 (the API key's SHA-256 digest);"
        " Portainer api/http/security/bouncer.go (mwAuthenticateFirst), api/jwt/jwt.go",
        "test_sweeps.py::test_credentials_are_compared_exactly",
        reads_only=True,
    ),
    _p(
        "PTR-SWEEP-1",
        "a revoked access token, a logged-out JWT and a deleted user's JWT and token get 401 on"
        " every credentialed operation of the contract (a sweep: new routes are covered too)",
        f"every secured /api operation; {PORTAINER_NOTES} §1.2-1.4 (revokedJWT; bouncer"
        " mwAuthenticateFirst: invalid, revoked or user gone -> 401)",
        "test_sweeps.py::test_dead_credentials_are_refused_on_every_route",
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
    ),
    # ------------------------------------------------------------ Portainer: access tokens
    _p(
        "PTR-TOK-1",
        "an access token is created only with a JWT: an access token gets 401 `Auth not supported`",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 1)",
        "test_portainer_tokens.py::test_token_creation_needs_a_jwt",
    ),
    _p(
        "PTR-TOK-2",
        "a user creates access tokens only for themself: another id gets 403, administrators"
        " included",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 4)",
        "test_portainer_tokens.py::test_tokens_are_created_for_oneself_only",
    ),
    _p(
        "PTR-TOK-3",
        "token creation re-checks the password: a wrong one gets 403",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 5)",
        "test_portainer_tokens.py::test_token_creation_checks_the_password",
    ),
    _p(
        "PTR-TOK-4",
        "a token description has 1 to 127 characters and is not blank, else 400",
        f"createAccessToken; {PORTAINER_NOTES} §2 (create, step 2)",
        "test_portainer_tokens.py::test_token_description_is_validated",
    ),
    _p(
        "PTR-TOK-5",
        "a new token answers 201 with rawAPIKey `ptr_` + base64 of 32 bytes, prefix = its first 7"
        " characters, and the token works as X-API-Key",
        f"createAccessToken; {PORTAINER_NOTES} §2 (key format)",
        "test_portainer_tokens.py::test_new_token_format",
    ),
    _p(
        "PTR-TOK-6",
        "a raw access token is shown once and never again",
        f"listAccessTokens; {PORTAINER_NOTES} §2",
        "test_portainer_tokens.py::test_raw_token_is_shown_once",
    ),
    _p(
        "PTR-TOK-7",
        "tokens are listed only to their owner, or to an administrator for a standard user: user B"
        " cannot list user A's tokens",
        f"listAccessTokens; {PORTAINER_NOTES} §2 (list)",
        "test_portainer_tokens.py::test_token_list_is_private",
    ),
    _p(
        "PTR-TOK-8",
        "user B cannot revoke user A's token, and the token keeps working",
        f"deleteAccessToken; {PORTAINER_NOTES} §2 (delete)",
        "test_portainer_tokens.py::test_other_users_cannot_revoke_a_token",
    ),
    _p(
        "PTR-TOK-9",
        "a revoked token is refused at once, whether its owner or an administrator revoked it",
        f"deleteAccessToken; {PORTAINER_NOTES} §2 (delete)",
        "test_portainer_tokens.py::test_revoked_token_is_refused_at_once",
    ),
    # ------------------------------------------------------------ Portainer: users
    _p(
        "PTR-USR-1",
        "only an administrator creates users (200); a standard user gets 403",
        f"createUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_only_admins_create_users",
    ),
    _p(
        "PTR-USR-2",
        "user names are unique regardless of case: a duplicate gets 409",
        f"createUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_duplicate_user_name_is_refused",
    ),
    _p(
        "PTR-USR-3",
        "only an administrator deletes users, and a deleted user's credentials stop working",
        f"deleteUser; {PORTAINER_NOTES} §2 (side effects), §3",
        "test_portainer_users.py::test_only_admins_delete_users",
    ),
    _p(
        "PTR-USR-4",
        "/api/users/me is the caller, whichever credential is used",
        f"getCurrentUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_me_is_the_caller",
    ),
    _p(
        "PTR-USR-5",
        "a standard user cannot list users nor read another user's record (403)",
        f"listUsers, getUser; {PORTAINER_NOTES} §3",
        "test_portainer_users.py::test_standard_users_cannot_browse_users",
    ),
    # ------------------------------------------------------------ Portainer: access model
    _p(
        "PTR-ACC-1",
        "first-run initialisation works once: with an administrator, admin/check answers 204 and"
        " admin/init 409 without creating anyone",
        "checkAdministrator, initAdministrator; Portainer api/http/handler/users/admin_check.go,"
        " admin_init.go",
        "test_portainer_access.py::test_first_run_init_works_once",
    ),
    _p(
        "PTR-ACC-2",
        "a password change refuses the JWTs issued before it; a new login works",
        "updateUserPassword; Portainer api/http/handler/users/user_update_password.go"
        " (TokenIssueAt), api/jwt/jwt.go",
        "test_portainer_access.py::test_password_change_refuses_the_old_jwt",
    ),
    _p(
        "PTR-ACC-3",
        "a team member sees a stack shared with the team; a user outside it does not",
        "updateResourceControl, listStacks; Portainer api/http/security/authorization.go"
        " AuthorizedResourceControlAccess, api/http/handler/stacks/stack_list.go",
        "test_portainer_access.py::test_team_access_shows_a_stack_to_members_only",
    ),
    _p(
        "PTR-ACC-4",
        "a team leader manages their own team's memberships and no other team's (403)",
        "createTeamMembership, getTeam; Portainer api/http/security/authorization.go"
        " AuthorizedTeamManagement, api/http/handler/teammemberships/team_membership_create.go",
        "test_portainer_access.py::test_a_leaders_rights_stop_at_their_team",
    ),
    _p(
        "PTR-ACC-5",
        "a public resource control shows the stack to every user",
        "updateResourceControl, listStacks; Portainer"
        " api/http/handler/resourcecontrols/resource_control_update.go,"
        " api/http/handler/stacks/stack_list.go",
        "test_portainer_access.py::test_a_public_control_shows_the_stack_to_everyone",
    ),
    _p(
        "PTR-ACC-6",
        "with stack management off for standard users, create, update, stop and delete each"
        " answer their own 403",
        "updateEnvironmentSettings; Portainer api/http/handler/stacks/stack_create.go,"
        " stack_update.go, stack_stop.go, stack_delete.go (userCanManageStacks)",
        "test_portainer_access.py::test_disabled_stack_management_gives_the_403_of_each_route",
    ),
    # ------------------------------------------------------------ Portainer: settings
    _p(
        "PTR-SET-1",
        'a standard user gets 403 `{"message":"Access denied","details":"Unauthorized"}` on'
        " GET and PUT /api/settings",
        f"getSettings, updateSettings; {PORTAINER_NOTES} §1.5, §5.1; Portainer's API page",
        "test_portainer_settings.py::test_standard_user_cannot_use_settings",
    ),
    _p(
        "PTR-SET-2",
        "/api/settings/public needs no credential, and no settings answer shows a secret",
        f"getPublicSettings, getSettings; {PORTAINER_NOTES} §5.1, §5.3",
        "test_portainer_settings.py::test_public_settings_and_no_secrets",
    ),
    _p(
        "PTR-SET-3",
        "a settings update with a bad duration, URL or authentication method gets 400 and"
        " changes nothing",
        f"updateSettings; {PORTAINER_NOTES} §5.2",
        "test_portainer_settings.py::test_invalid_settings_are_refused",
    ),
    _p(
        "PTR-SET-4",
        "a settings update is partial: fields left out keep their value",
        f"updateSettings; {PORTAINER_NOTES} §5.2",
        "test_portainer_settings.py::test_settings_update_is_partial",
    ),
    # ------------------------------------------------------------ Portainer: environments
    _p(
        "PTR-ENV-1",
        "a standard user sees only the environments that grant them access; another is 403",
        f"listEnvironments, getEnvironment; {PORTAINER_NOTES} §6",
        "test_portainer_environments.py::test_users_see_only_granted_environments",
    ),
    _p(
        "PTR-ENV-2",
        "a grant or revoke through PUT /api/endpoints/{id} takes effect on the next request",
        f"updateEnvironment; {PORTAINER_NOTES} §6",
        "test_portainer_environments.py::test_grant_and_revoke_take_effect_at_once",
    ),
    _p(
        "PTR-ENV-3",
        "a standard user can neither change an environment (403) nor see its access policies",
        f"updateEnvironment, listEnvironments; {PORTAINER_NOTES} §6",
        "test_portainer_environments.py::test_standard_users_cannot_manage_environments",
    ),
    # ------------------------------------------------------------ Portainer: Docker proxy
    _p(
        "PTR-DOCK-1",
        "after a deploy, the stack's containers are listed by the Docker proxy under its Compose"
        " project label, running, each with its service label",
        f"dockerListContainers; {PORTAINER_NOTES} §4.3 (the project label names the stack);"
        " [P] api/http/proxy/factory/docker/transport.go (containers/json)",
        "test_portainer_docker.py::test_a_deployed_stack_s_containers_are_listed",
    ),
    _p(
        "PTR-DOCK-2",
        "after a stack stop, none of its containers is running (exited, or gone)",
        "stopStack, dockerListContainers; [P] api/http/handler/stacks/stack_stop.go",
        "test_portainer_docker.py::test_a_stopped_stack_s_containers_are_not_running",
    ),
    _p(
        "PTR-DOCK-3",
        "after a stack delete, none of its containers is listed, even with all=1",
        "deleteStack, dockerListContainers; [P] api/http/handler/stacks/stack_delete.go",
        "test_portainer_docker.py::test_a_deleted_stack_s_containers_are_gone",
    ),
    _p(
        "PTR-DOCK-4",
        "on a swarm manager, /docker/swarm's ID is the cluster id /docker/info reports, and a"
        " swarm stack created with it is listed under that SwarmID with its services",
        "dockerInspectSwarm, createSwarmStackFromString, dockerListServices; [P]"
        " api/http/proxy/factory/docker/swarm.go",
        "test_portainer_docker.py::test_the_swarm_id_creates_a_swarm_stack",
    ),
    _p(
        "PTR-DOCK-5",
        "a standard user without access to the environment gets 403 `Permission denied to access"
        " environment` on every Docker proxy path, known or not",
        "every /docker operation; [P] api/http/handler/endpointproxy/proxy_docker.go"
        " (AuthorizedEndpointOperation before proxying)",
        "test_portainer_docker.py::test_a_user_without_the_environment_gets_403",
    ),
    _p(
        "PTR-DOCK-6",
        "a standard user's container list leaves out the containers of stacks no resource control"
        " grants them, and inspecting one is 403",
        "dockerListContainers, dockerInspectContainer; [P]"
        " api/http/proxy/factory/docker/access_control.go (filterResourceList, findResourceControl)",
        "test_portainer_docker.py::test_containers_are_filtered_by_resource_control",
    ),
    # ------------------------------------------------------------ Portainer: stacks
    _p(
        "PTR-STK-1",
        "stack creation answers 200 with the stack, its creator and creation date, not yet updated",
        f"createStandaloneStackFromString; {PORTAINER_NOTES} §4.3",
        "test_portainer_stacks.py::test_stack_creation_answer",
    ),
    _p(
        "PTR-STK-2",
        "stack names are stored normalised: lower case, only -, _, a-z and 0-9",
        f"createStandaloneStackFromString; {PORTAINER_NOTES} §4.3 (name rules)",
        "test_portainer_stacks.py::test_stack_names_are_normalised",
    ),
    _p(
        "PTR-STK-3",
        "a duplicate stack name in the same environment gets 409; another environment accepts it",
        f"createStandaloneStackFromString; {PORTAINER_NOTES} §4.3 (name rules)",
        "test_portainer_stacks.py::test_duplicate_stack_name_is_refused",
    ),
    _p(
        "PTR-STK-4",
        "a standard user cannot see or touch an administrator's stack",
        f"stacks; {PORTAINER_NOTES} §4.2 (resource control), §4.4-4.5",
        "test_portainer_stacks.py::test_admin_stacks_are_hidden_from_users",
    ),
    _p(
        "PTR-STK-5",
        "a user's stacks are private: another standard user cannot see or touch them",
        f"stacks; {PORTAINER_NOTES} §4.2 (resource control), §4.4-4.5",
        "test_portainer_stacks.py::test_user_stacks_are_private",
    ),
    _p(
        "PTR-STK-6",
        "a stack in an environment the user may not use is refused (403), even their own",
        f"stacks; {PORTAINER_NOTES} §4.3 (step 4), §4.5, §6",
        "test_portainer_stacks.py::test_stacks_need_environment_access",
    ),
    _p(
        "PTR-STK-7",
        "a user cannot reach a stack outside their environments by id, by filter or by update",
        f"getStack, listStacks, updateStack; {PORTAINER_NOTES} §4.4-4.5",
        "test_portainer_stacks.py::test_foreign_stacks_are_unreachable",
    ),
    _p(
        "PTR-STK-8",
        "update, start and stop need endpointId (400 without it); delete without it treats the"
        " stack as orphaned: 403 for a standard user, 404 for an administrator",
        "updateStack, deleteStack, startStack, stopStack; Portainer 2.23"
        " api/http/handler/stacks/stack_delete.go (endpointId optional, L67; orphan rule),"
        " stack_update.go, stack_start.go, stack_stop.go",
        "test_portainer_stacks.py::test_item_operations_need_endpoint_id",
    ),
    _p(
        "PTR-STK-9",
        "`filters`: EndpointID keeps that environment's Compose stacks, SwarmID that swarm's"
        " stacks, neither keeps all; orphaned stacks are for administrators",
        f"listStacks; {PORTAINER_NOTES} §4.4",
        "test_portainer_stacks.py::test_stack_filters",
    ),
    _p(
        "PTR-STK-10",
        "starting a running stack gets 409 `already running` (Docker's name check comes first),"
        " stopping a stopped one 400; stop and start flip Status",
        "startStack, stopStack; Portainer 2.23 api/http/handler/stacks/stack_start.go"
        " (checkUniqueStackNameInDocker before the status check), stack_stop.go",
        "test_portainer_stacks.py::test_start_and_stop",
    ),
    _p(
        "PTR-STK-11",
        "CreatedBy and CreationDate never change; an update sets UpdatedBy and UpdateDate",
        f"updateStack; {PORTAINER_NOTES} §4.2, §4.5",
        "test_portainer_stacks.py::test_stack_audit_fields",
    ),
    _p(
        "PTR-STK-12",
        "a deleted stack is gone at once: 404 by id, its file too, and no longer listed",
        f"deleteStack, getStack, listStacks; {PORTAINER_NOTES} §4.5",
        "test_portainer_stacks.py::test_deleted_stack_is_gone",
    ),
    # ------------------------------------------------------------ Portainer: deployments
    _p(
        "PTR-DEP-1",
        "a repository stack records its commit in GitConfig, and a redeploy moves it to the"
        " commit its reference points at now (pushed through the mock's /__mock__/git)",
        "createStandaloneStackFromRepository, redeployStackFromGit; Portainer 2.23"
        " stackbuilders/stack_git_builder.go (ConfigHash), handler/stacks/stack_update_git_redeploy.go",
        "test_portainer_deployments.py::test_repository_stack_redeploys_to_the_pushed_commit",
    ),
    _p(
        "PTR-DEP-2",
        "a stack's webhook redeploys it to a pushed commit (204, no credential); a malformed id"
        " is 400, an unknown one 404, and a webhook id reused on create 409",
        "invokeStackWebhook; Portainer 2.23 handler/stacks/webhook_invoke.go,"
        " webhook_invoke_test.go, deployments/deploy.go RedeployWhenChanged,"
        " create_compose_stack.go (checkUniqueWebhookID)",
        "test_portainer_deployments.py::test_webhook_redeploys",
    ),
    _p(
        "PTR-DEP-3",
        "a compose file the deployment refuses answers 500 and leaves no stack",
        "createStandaloneStackFromString; Portainer 2.23"
        " stackbuilders/stack_file_content_builder.go Deploy, stack_builder.go SaveStack",
        "test_portainer_deployments.py::test_invalid_compose_file_is_refused_and_leaves_no_stack",
    ),
    _p(
        "PTR-DEP-4",
        "an update that leaves Env out clears the stack's variables",
        "updateStack; Portainer 2.23 handler/stacks/stack_update.go updateComposeStack"
        " (`stack.Env = payload.Env`)",
        "test_portainer_deployments.py::test_env_left_out_of_an_update_is_cleared",
    ),
    _p(
        "PTR-DEP-5",
        "a stack created by multipart upload is the stack the same file creates as a string",
        "createStandaloneStackFromFile, createStandaloneStackFromString; Portainer 2.23"
        " handler/stacks/create_compose_stack.go (decodeRequestForm, both builders)",
        "test_portainer_deployments.py::test_upload_and_string_creation_give_the_same_stack",
    ),
    # ------------------------------------------------------------ Rancher: environment API keys
    _p(
        "RCH-KEY-1",
        "a new key answers 201 with a 20-character upper-case hex access key and a 40-character"
        " secret",
        f"createApiKey; {RANCHER_NOTES} §1.3, §3",
        "test_rancher_keys.py::test_new_key_format",
    ),
    _p(
        "RCH-KEY-2",
        "a secret key is never shown again: secretValue is null in every later answer",
        f"getApiKey, listApiKeys, updateApiKey, performApiKeyAction, deleteApiKey; {RANCHER_NOTES} §3",
        "test_rancher_keys.py::test_secret_is_never_shown_again",
    ),
    _p(
        "RCH-KEY-3",
        "PUT changes only name and description; a value too long gets 422 MaxLengthExceeded",
        f"updateApiKey; {RANCHER_NOTES} §2.5, §6",
        "test_rancher_keys.py::test_update_changes_only_name_and_description",
    ),
    _p(
        "RCH-KEY-4",
        "actions answer 202, and the actions map lists only the actions valid in the key's state",
        f"performApiKeyAction; {RANCHER_NOTES} §2.2-2.3",
        "test_rancher_keys.py::test_actions_follow_the_state",
    ),
    _p(
        "RCH-KEY-5",
        "an action not valid now gets 422 ActionNotAvailable, an unknown one 422 InvalidAction",
        f"performApiKeyAction; {RANCHER_NOTES} §2.3",
        "test_rancher_keys.py::test_invalid_actions_are_refused",
    ),
    _p(
        "RCH-KEY-6",
        "an active environment key cannot be deleted (405)",
        f"deleteApiKey; {RANCHER_NOTES} §2.4",
        "test_rancher_keys.py::test_active_key_cannot_be_deleted",
    ),
    _p(
        "RCH-KEY-7",
        "a deleted key is no longer listed, and reads as removed",
        f"deleteApiKey, listApiKeys, getApiKey; {RANCHER_NOTES} §2.4",
        "test_rancher_keys.py::test_deleted_key_is_not_listed",
    ),
    _p(
        "RCH-AUTH-1",
        "an inactive, removed or wrong environment key is refused with 401 and a Basic challenge",
        f"RancherBasic; {RANCHER_NOTES} §4.1-4.2",
        "test_rancher_auth.py::test_only_active_keys_authenticate",
    ),
    _p(
        "RCH-AUTH-2",
        "an environment key cannot reach another environment (403)",
        f"every /v2-beta/projects/{{projectId}} operation; {RANCHER_NOTES} §4.3",
        "test_rancher_auth.py::test_key_cannot_reach_another_environment",
    ),
    _p(
        "RCH-AUTH-3",
        "an environment key cannot see or touch another environment's key by id (404)",
        f"getApiKey, updateApiKey, deleteApiKey, performApiKeyAction; {RANCHER_NOTES} §4.3",
        "test_rancher_auth.py::test_key_cannot_touch_another_environments_key",
    ),
    _p(
        "RCH-AUTH-4",
        "key pairs are compared exactly: a secret with one letter's case changed, one character"
        " short or long, an access key one character short or long, or a secret alone gets 401",
        f"every /v2-beta operation; {RANCHER_NOTES} §4.1 (BasicAuthImpl; AuthDaoImpl"
        " getAccountByKeys compares the secret with its stored hash)",
        "test_sweeps.py::test_keys_are_compared_exactly",
        reads_only=True,
    ),
    _p(
        "RCH-SCOPE-1",
        "a project's key listing never shows another project's key, with every filter, sort and"
        " page (name, publicValue, uuid, state, _removed, accountId, limit and next links), for an"
        " environment key and for the account key",
        f"listApiKeys; {RANCHER_NOTES} §4.3 (lists filtered by accountId of the project),"
        " §1.6 (pagination)",
        "test_scoping.py::test_keys_are_listed_only_in_their_project",
    ),
    _p(
        "RCH-RO-1",
        "a key create cannot move the key into another project (accountId, kind and state in the"
        " body are ignored or refused), and an update never changes id, accountId, publicValue,"
        " kind or uuid",
        f"createApiKey, updateApiKey; {RANCHER_NOTES} §1.5 (create/update flags of the fields),"
        " §2.5 (PUT), §4.3",
        "test_read_only_fields.py::test_key_read_only_fields_are_ignored",
    ),
    _p(
        "RCH-SWEEP-1",
        "a deactivated or removed environment key gets 401 on every credentialed /v2-beta"
        " operation of the contract, its own key and project included (a sweep)",
        f"every /v2-beta operation; {RANCHER_NOTES} §4.1 (only state == active authenticates),"
        " §4.4 (authentication before validation)",
        "test_sweeps.py::test_dead_keys_are_refused_on_every_route",
    ),
    _p(
        "RCH-DISC-1",
        "the API root `/v2-beta` is the apiVersion resource, with an absolute link per listable"
        " type (apiKeys, schemas, ...) keyed by its plural name",
        f"getApiRoot; {RANCHER_NOTES} §1.1 (Cattle's VersionHandler)",
        "test_rancher_discovery.py::test_api_root_links_every_listable_type",
        reads_only=True,
    ),
    _p(
        "RCH-DISC-2",
        "an environment's schemas are a collection of schema resources; apiKey's has the"
        " environment's collection link, GET/POST and GET/PUT/DELETE, name and description"
        " writable, publicValue not, and its actions",
        f"listProjectSchemas, getProjectSchema; {RANCHER_NOTES} §1.5, §5.1-5.3 (Cattle's"
        " SchemasHandler; test_authorization.py test_api_key_auth)",
        "test_rancher_discovery.py::test_project_schemas_describe_api_keys",
    ),
    _p(
        "RCH-DISC-3",
        "every /v2-beta answer, errors included, carries X-API-Schemas: the schemas URL of the"
        " request's sub-context",
        f"all /v2-beta operations; {RANCHER_NOTES} §5.1 (Cattle's ApiRequestFilterDelegate)",
        "test_rancher_discovery.py::test_every_answer_names_the_schemas",
        reads_only=True,
    ),
    _p(
        "RCH-ERR-1",
        "malformed JSON gets 400 InvalidBodyContent",
        f"createApiKey, updateApiKey; {RANCHER_NOTES} §5.1, §6",
        "test_rancher_auth.py::test_malformed_json_is_refused",
    ),
    _p(
        "RCH-ERR-2",
        "every Rancher error is Rancher's error resource (type, status, code, message, detail)",
        f"all /v2-beta operations; {RANCHER_NOTES} §4.5",
        "test_rancher_auth.py::test_errors_have_rancher_shape",
    ),
)

BY_ID = {rule.id: rule for rule in RULES}


def markdown_table() -> str:
    """The catalogue as the docs show it (docs/rules.md)."""
    lines = ["| id | rule | source | test |", "|---|---|---|---|"]
    for rule in RULES:
        statement = rule.statement.replace("|", "\\|")
        lines.append(f"| {rule.id} | {statement} | {rule.source} | `{rule.test}` |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
