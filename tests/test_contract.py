"""The contract itself: valid, well-formed for clients, and faithful to Portainer's real models."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from mockserver.spec import load_spec, operations

# The team's reference material lies beside the checkout (CI lays shared/ there too); a copy
# elsewhere can be named with CONTRACT_MOCK_REFERENCE.
REFERENCE = Path(
    os.environ.get("CONTRACT_MOCK_REFERENCE")
    or Path(__file__).resolve().parents[2] / "shared" / "reference" / "portainer-api-2.45.3.json"
)

SPEC = load_spec()
OPS = operations(SPEC)
PUBLIC = {
    "authenticateUser",
    "logout",
    "getStatus",
    "getSystemStatus",
    "getPublicSettings",
    "invokeStackWebhook",
    "checkAdministrator",
    "initAdministrator",
}
JWT_ONLY = {"createAccessToken"}
CREATES = {
    "createUser",
    "createAccessToken",
    "createStandaloneStackFromString",
    "createSwarmStackFromString",
    "createApiKey",
    "createTeam",
    "createTeamMembership",
    "createEnvironment",
}  # createResourceControl has no read route in Portainer: it links to update and delete only

# Our component -> the real model it describes, in the published Portainer 2.45.3 description.
REAL_MODEL = {
    "AuthenticateRequest": "auth.authenticatePayload",
    "AuthenticateResponse": "auth.authenticateResponse",
    "SystemStatus": "github_com_portainer_portainer-ee_api_http_handler_system.status",
    "User": "portaineree.User",
    "UserThemeSettings": "portaineree.UserThemeSettings",
    "CurrentUser": "users.CurrentUserInspectResponse",
    "UserSummary": "users.User",
    "UserCreateRequest": "users.userCreatePayload",
    "UserUpdateRequest": "users.userUpdatePayload",
    "AccessToken": "portainer.APIKey",
    "AccessTokenCreateRequest": "users.userAccessTokenCreatePayload",
    "AccessTokenCreated": "users.accessTokenResponse",
    "Environment": "portaineree.Endpoint",
    "EnvironmentUpdateRequest": "endpoints.endpointUpdatePayload",
    "EnvironmentSecuritySettings": "portainer.EndpointSecuritySettings",
    "TLSConfiguration": "portainer.TLSConfiguration",
    "AccessPolicy": "portainer.AccessPolicy",
    "Pair": "portainer.Pair",
    "Stack": "portaineree.Stack",
    "StackFile": "stacks.stackFileResponse",
    "StandaloneStackCreateRequest": "stacks.composeStackFromFileContentPayload",
    "SwarmStackCreateRequest": "stacks.swarmStackFromFileContentPayload",
    "StackUpdateRequest": "stacks.updateStackPayload",
    "ResourceControl": "portainer.ResourceControl",
    "UserResourceAccess": "portainer.UserResourceAccess",
    "TeamResourceAccess": "portainer.TeamResourceAccess",
    "AutoUpdateSettings": "portainer.AutoUpdateSettings",
    "StackOption": "portainer.StackOption",
    "RepoConfig": "github_com_portainer_portainer-ee_api_git_types.RepoConfig",
    "GitAuthentication": "github_com_portainer_portainer_api_git_types.GitAuthentication",
    "Settings": "portaineree.Settings",
    "SettingsUpdateRequest": "settings.settingsUpdatePayload",
    "PublicSettings": "settings.publicSettingsResponse",
    "InternalAuthSettings": "portainer.InternalAuthSettings",
    "LDAPSettings": "portaineree.LDAPSettings",
    "LDAPSearchSettings": "portainer.LDAPSearchSettings",
    "LDAPGroupSearchSettings": "portainer.LDAPGroupSearchSettings",
    "OAuthSettings": "portaineree.OAuthSettings",
    "GlobalDeploymentOptions": "portaineree.GlobalDeploymentOptions",
    "EdgeSettings": "portaineree.Edge",
    "EnvironmentSnapshot": "portainer.DockerSnapshot",
    "AzureCredentials": "portainer.AzureCredentials",
    "KubernetesData": "portaineree.KubernetesData",
    "KubernetesConfiguration": "portaineree.KubernetesConfiguration",
    "KubernetesFlags": "portainer.KubernetesFlags",
    "EnvironmentEdgeSettings": "portainer.EnvironmentEdgeSettings",
    "EnvironmentAgent": "portaineree.EnvironmentAgentData",
}

# The one allow-list: fields we declare that the published 2.45.3 model lacks, each with a reason.
ALLOWED_EXTRA_FIELDS = {
    ("User", "EndpointAuthorizations"): "CE 2.23's User struct (api/portainer.go): deprecated",
    (
        "CurrentUser",
        "EndpointAuthorizations",
    ): "CE 2.23's user_inspect_me.go embeds the User struct, which has it",
    (
        "Settings",
        "openAMTConfiguration",
    ): "CE 2.23's Settings struct has it (api/portainer.go); the EE 2.45 description dropped it",
    ("PublicSettings", "IsAMTEnabled"): "CE 2.23's publicSettingsResponse has it",
    ("PublicSettings", "IsDockerDesktopExtension"): "CE 2.23's publicSettingsResponse has it",
    (
        "Settings",
        "EnableTelemetry",
    ): "CE 2.23's Settings model has it (api/portainer.go); the EE 2.45 description dropped it",
    ("SettingsUpdateRequest", "EnableTelemetry"): "CE 2.23's settingsUpdatePayload accepts it",
    ("PublicSettings", "EnableTelemetry"): "CE 2.23's publicSettingsResponse has it",
    ("Environment", "QueryDate"): "CE 2.23's Endpoint struct has it (api/portainer.go)",
    ("Environment", "PostInitMigrations"): "CE 2.23's Endpoint struct has it (api/portainer.go)",
    ("Environment", "AuthorizedUsers"): "CE 2.23's Endpoint struct: deprecated, always null",
    ("Environment", "AuthorizedTeams"): "CE 2.23's Endpoint struct: deprecated, always null",
    ("Environment", "Tags"): "CE 2.23's Endpoint struct: deprecated, always null",
}

# Fields whose JSON type the published description gets wrong, each with the reason.
ALLOWED_TYPE_DIFFERENCES = {
    ("OAuthSettings", "KubeSecretKey"): (
        "a Go []byte: encoding/json sends base64 text (or null); swag documents array<integer>"
    ),
}

# Portainer-only component types that do not describe a real model of their own.
NOT_MODELS = {
    "Error": "Portainer's error body (pkg/libhttp/error), not a model",
    "UserRole": "an enum (portainer.UserRole), checked where it is used",
    "StackType": "an enum (portainer.StackType), checked where it is used",
    "StackStatus": "an enum (portainer.StackStatus), checked where it is used",
    "AccessPolicies": "a map (portainer.UserAccessPolicies), checked where it is used",
    "AuthenticationMethod": "an enum (portainer.AuthenticationMethod), checked where it is used",
    "FeatureFlags": "a map of booleans (FeatureFlagSettings), checked where it is used",
    "PublicFeatures": "the public settings' Features map (featureflags.FeatureFlags())",
    "Authorizations": "a map of booleans (portainer.Authorizations), checked where it is used",
    "EndpointAuthorizations": "a map (portainer.EndpointAuthorizations), checked where it is used",
    "OpenAMTConfiguration": "portainer.OpenAMTConfiguration in api/portainer.go (not in the extract)",
    "PublicEdgeSettings": "the real publicSettingsResponse types Edge as a bare object; fields from CE 2.23's source",
    # The published extract has no Git or upload payloads: fields from CE 2.23's source.
    "StackFileUploadRequest": "a multipart form (create_compose_stack.go decodeRequestForm)",
    "RepositoryStackFields": "composeStackFromGitRepositoryPayload (create_compose_stack.go)",
    "StandaloneStackRepositoryRequest": "composeStackFromGitRepositoryPayload, as RepositoryStackFields",
    "SwarmStackRepositoryRequest": "swarmStackFromGitRepositoryPayload (create_swarm_stack.go)",
    "StackGitUpdateRequest": "stackGitUpdatePayload (stack_update_git.go)",
    "StackGitRedeployRequest": "stackGitRedployPayload (stack_update_git_redeploy.go)",
    "DeprecatedStackCreateRequest": "any body of the route the deprecated one stands for",
    # Models the 2.45.3 extract does not carry; fields from CE 2.23's source, file named.
    "AdminInitRequest": "users/admin_init.go adminInitPayload (not in the extract)",
    "UserPasswordUpdateRequest": "users/user_update_password.go payload (not in the extract)",
    "SystemVersion": "system/system_version.go versionResponse (not in the extract)",
    "SystemInfo": "system/system_info.go systemInfoResponse (not in the extract)",
    "EnvironmentSettingsUpdateRequest": "endpoints/endpoint_settings_update.go payload (not in the extract)",
    "TeamCreateRequest": "teams/team_create.go teamCreatePayload (not in the extract)",
    "TeamUpdateRequest": "teams/team_update.go teamUpdatePayload (not in the extract)",
    "TeamMembershipRequest": "teammemberships create/update payloads (not in the extract)",
    "ResourceControlCreateRequest": "resourcecontrols/resource_control_create.go payload (not in the extract)",
    "ResourceControlUpdateRequest": "resourcecontrols/resource_control_update.go payload (not in the extract)",
    "EnvironmentCreateForm": "endpoints/endpoint_create.go form fields (not in the extract)",
    "Team": "portainer.Team in api/portainer.go (not in the extract)",
    "TeamMembership": "portainer.TeamMembership in api/portainer.go (not in the extract)",
}


# How the contract lets a reference be null (OpenAPI 3.0 ignores `nullable` beside `$ref`), and
# generated clients read as `X | None`: `anyOf: [{$ref: X}, NULL_ONLY]`.
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def _unwrap_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf", [])
    if len(branches) == 2 and "$ref" in branches[0] and branches[1] == NULL_ONLY:
        return branches[0]
    return schema


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    schema = _unwrap_nullable(schema)
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _ours(schema: dict[str, Any]) -> str:
    """Our schema's kind: string, integer, number, boolean, array, map or object."""
    schema = _resolve(schema)
    kind = schema.get("type", "object")
    if kind == "object" and "additionalProperties" in schema and "properties" not in schema:
        return "map"
    return kind


def _real(type_text: str, schemas: dict[str, Any]) -> str:
    """The real model's kind for a type string of the reference document."""
    base = type_text.split(" ")[0]
    if base.startswith("array<"):
        return "array"
    if base.startswith("map<"):
        return "map"
    if base in ("string", "integer", "number", "boolean", "object"):
        return base
    named = schemas.get(base)
    if named is None:
        return "object"
    if "type" in named:
        return _real(named["type"], schemas)
    return "object"


def _compatible(ours: str, real: str) -> bool:
    return ours == real or (ours in ("map", "object") and real in ("map", "object"))


def field_problems(spec: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Every field we declare that the real model lacks (unless allowed) or types differently."""
    problems = []
    real_schemas = reference["schemas"]
    for ours_name, real_name in REAL_MODEL.items():
        ours = spec["components"]["schemas"][ours_name]
        real_fields = real_schemas[real_name]["fields"]
        for field_name, field_schema in ours.get("properties", {}).items():
            if field_name not in real_fields:
                if (ours_name, field_name) not in ALLOWED_EXTRA_FIELDS:
                    problems.append(f"{ours_name}.{field_name}: not in {real_name}")
                continue
            ours_kind = _ours(field_schema)
            real_kind = _real(real_fields[field_name], real_schemas)
            allowed = (ours_name, field_name) in ALLOWED_TYPE_DIFFERENCES
            if not allowed and not _compatible(ours_kind, real_kind):
                problems.append(
                    f"{ours_name}.{field_name}: {ours_kind} here, {real_fields[field_name]} in {real_name}"
                )
    return problems


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not REFERENCE.exists():
        reason = f"reference document missing: {REFERENCE} (set CONTRACT_MOCK_REFERENCE)"
        if os.environ.get("CI"):
            pytest.fail(reason)  # in CI the check must run, never quietly vanish
        pytest.skip(reason)
    return json.loads(REFERENCE.read_text())


def test_spec_is_valid_openapi_3_0() -> None:
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_portainer_fields_exist_in_the_real_models(reference: dict[str, Any]) -> None:
    assert field_problems(SPEC, reference) == []


def test_field_check_catches_an_invented_field(reference: dict[str, Any]) -> None:
    spec = load_spec()
    spec["components"]["schemas"]["Stack"]["properties"]["Colour"] = {"type": "string"}
    spec["components"]["schemas"]["AccessToken"]["properties"]["userId"] = {"type": "string"}
    assert sorted(field_problems(spec, reference)) == [
        "AccessToken.userId: string here, integer in portainer.APIKey",
        "Stack.Colour: not in portaineree.Stack",
    ]


def test_every_portainer_component_is_checked_or_explained() -> None:
    # `Docker*` components are Docker Engine API shapes that Portainer's proxy passes on, not
    # Portainer models; tests/test_docker_http.py checks them against the mock's answers.
    portainer = {
        n for n in SPEC["components"]["schemas"] if not n.startswith(("Rancher", "Docker"))
    }
    assert portainer - set(REAL_MODEL) - set(NOT_MODELS) == set()


def test_allow_list_entries_are_still_needed(reference: dict[str, Any]) -> None:
    for ours_name, field_name in ALLOWED_EXTRA_FIELDS:
        assert field_name in SPEC["components"]["schemas"][ours_name]["properties"]
        assert field_name not in reference["schemas"][REAL_MODEL[ours_name]]["fields"]
    for ours_name, field_name in ALLOWED_TYPE_DIFFERENCES:
        ours = _ours(SPEC["components"]["schemas"][ours_name]["properties"][field_name])
        real_fields = reference["schemas"][REAL_MODEL[ours_name]]["fields"]
        assert not _compatible(ours, _real(real_fields[field_name], reference["schemas"]))


def _rancher(path: str) -> bool:
    """Rancher's paths: /v2-beta..., and /v1, its older version's root."""
    return path.startswith("/v2-beta") or path == "/v1"


DOCKER_READS = (
    "_ping", "version", "info", "containers/json", "containers/{containerId}/json",
    "images/json", "networks", "volumes", "services", "tasks", "nodes", "swarm",
)  # fmt: skip


def test_paths_and_methods_are_the_issue_s() -> None:
    expected = {
        ("POST", "/api/auth"), ("POST", "/api/auth/logout"), ("GET", "/api/status"),
        ("GET", "/api/system/status"), ("GET", "/api/users"), ("POST", "/api/users"),
        ("GET", "/api/users/{id}"), ("DELETE", "/api/users/{id}"), ("GET", "/api/users/me"),
        ("PUT", "/api/users/{id}"), ("PUT", "/api/users/{id}/passwd"),
        ("GET", "/api/users/{id}/memberships"), ("GET", "/api/users/admin/check"),
        ("POST", "/api/users/admin/init"), ("GET", "/api/system/version"),
        ("GET", "/api/system/info"), ("PUT", "/api/endpoints/{id}/settings"),
        ("GET", "/api/teams"), ("POST", "/api/teams"), ("GET", "/api/teams/{id}"),
        ("PUT", "/api/teams/{id}"), ("DELETE", "/api/teams/{id}"),
        ("GET", "/api/teams/{id}/memberships"), ("GET", "/api/team_memberships"),
        ("POST", "/api/team_memberships"), ("PUT", "/api/team_memberships/{id}"),
        ("DELETE", "/api/team_memberships/{id}"), ("POST", "/api/resource_controls"),
        ("PUT", "/api/resource_controls/{id}"), ("DELETE", "/api/resource_controls/{id}"),
        ("POST", "/api/endpoints"), ("DELETE", "/api/endpoints/{id}"),
        ("GET", "/api/users/{id}/tokens"), ("POST", "/api/users/{id}/tokens"),
        ("DELETE", "/api/users/{id}/tokens/{keyID}"), ("GET", "/api/endpoints"),
        ("GET", "/api/endpoints/{id}"), ("PUT", "/api/endpoints/{id}"), ("GET", "/api/stacks"),
        ("GET", "/api/stacks/{id}"), ("GET", "/api/stacks/{id}/file"),
        ("POST", "/api/stacks/create/standalone/string"), ("POST", "/api/stacks/create/swarm/string"),
        ("PUT", "/api/stacks/{id}"), ("DELETE", "/api/stacks/{id}"), ("POST", "/api/stacks/{id}/start"),
        ("POST", "/api/stacks/{id}/stop"), ("POST", "/api/stacks"),
        ("POST", "/api/stacks/create/standalone/file"), ("POST", "/api/stacks/create/swarm/file"),
        ("POST", "/api/stacks/create/standalone/repository"),
        ("POST", "/api/stacks/create/swarm/repository"), ("POST", "/api/stacks/{id}/git"),
        ("PUT", "/api/stacks/{id}/git/redeploy"), ("POST", "/api/stacks/webhooks/{webhookID}"),
        ("GET", "/api/settings"), ("PUT", "/api/settings"),
        ("GET", "/api/settings/public"), ("GET", "/v2-beta/projects"),
        ("GET", "/v2-beta/projects/{projectId}"), ("GET", "/v2-beta/projects/{projectId}/apikeys"),
        ("POST", "/v2-beta/projects/{projectId}/apikeys"),
        ("GET", "/v2-beta/projects/{projectId}/apikeys/{id}"),
        ("PUT", "/v2-beta/projects/{projectId}/apikeys/{id}"),
        ("DELETE", "/v2-beta/projects/{projectId}/apikeys/{id}"),
        ("POST", "/v2-beta/projects/{projectId}/apikeys/{id}"),
        # Rancher's discovery surface and unscoped keys (what Rancher 1.x clients start from)
        ("GET", "/v2-beta"), ("GET", "/v1"), ("GET", "/v2-beta/schemas"),
        ("GET", "/v2-beta/schemas/{id}"), ("GET", "/v2-beta/projects/{projectId}/schemas"),
        ("GET", "/v2-beta/projects/{projectId}/schemas/{id}"), ("GET", "/v2-beta/apikeys"),
        ("POST", "/v2-beta/apikeys"), ("GET", "/v2-beta/apikeys/{id}"),
        ("PUT", "/v2-beta/apikeys/{id}"), ("DELETE", "/v2-beta/apikeys/{id}"),
        ("POST", "/v2-beta/apikeys/{id}"),
    } | {("GET", f"/api/endpoints/{{id}}/docker/{p}") for p in DOCKER_READS} | {
        ("POST", f"/api/endpoints/{{id}}/docker/containers/{{containerId}}/{a}")
        for a in ("start", "stop", "restart")
    }  # fmt: skip
    assert {(method, path) for method, path, _ in OPS.values()} == expected


def test_operation_ids_are_readable_and_tagged() -> None:
    tags = {t["name"] for t in SPEC["tags"]}
    for operation_id, (_, path, op) in OPS.items():
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", operation_id), operation_id
        assert len(op["tags"]) == 1 and op["tags"][0] in tags, operation_id
        assert op.get("summary"), operation_id
        family = "rancher-" if _rancher(path) else ""
        assert op["tags"][0].startswith("rancher-") == bool(family), operation_id
    assert OPS["listStacks"][1] == "/api/stacks"


def test_security_requirements() -> None:
    for operation_id, (_, path, op) in OPS.items():
        security = op.get("security", SPEC.get("security"))
        if operation_id in PUBLIC:
            assert security == [], operation_id
        elif operation_id in JWT_ONLY:
            assert security == [{"jwt": []}], operation_id
        elif _rancher(path):
            assert security == [{"RancherBasic": []}], operation_id
        else:
            assert security == [{"ApiKeyAuth": []}, {"jwt": []}], operation_id
        if security:
            assert "401" in op["responses"], (
                f"{operation_id} requires credentials but documents no 401"
            )
    schemes = SPEC["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {
        **schemes["ApiKeyAuth"],
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert (schemes["jwt"]["type"], schemes["jwt"]["scheme"]) == ("http", "bearer")
    assert (schemes["RancherBasic"]["type"], schemes["RancherBasic"]["scheme"]) == ("http", "basic")


def _media_schemas(op: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    body = op.get("requestBody", {}).get("content", {})
    found += [("request", media["schema"]) for media in body.values()]
    for status, response in op["responses"].items():
        if "$ref" in response:
            response = SPEC["components"]["responses"][response["$ref"].split("/")[-1]]
        for media in response.get("content", {}).values():
            found.append((status, media["schema"]))
    return found


def test_bodies_are_named_components() -> None:
    for operation_id, (_, _, op) in OPS.items():
        for where, schema in _media_schemas(op):
            if schema.get("type") == "array":
                schema = schema["items"]
            assert "$ref" in _unwrap_nullable(schema), f"{operation_id} {where}: inline schema"


def test_errors_use_the_family_error_body() -> None:
    for operation_id, (_, path, op) in OPS.items():
        expected = {"RancherError"} if _rancher(path) else {"Error"}
        if "/docker/" in path:
            expected.add("DockerError")  # Docker's own answers, passed on by the proxy
        for where, schema in _media_schemas(op):
            if where.startswith(("4", "5")):
                assert schema["$ref"].split("/")[-1] in expected, f"{operation_id} {where}"


def test_settings_403_is_the_seed_document_s_body() -> None:
    response = OPS["getSettings"][2]["responses"]["403"]
    body = SPEC["components"]["responses"][response["$ref"].split("/")[-1]]["content"][
        "application/json"
    ]
    assert body["example"] == {"message": "Access denied", "details": "Unauthorized"}


def test_status_codes_follow_the_source_code() -> None:
    assert "201" in OPS["createAccessToken"][2]["responses"]
    assert "200" in OPS["createUser"][2]["responses"]
    assert "200" in OPS["createStandaloneStackFromString"][2]["responses"]
    assert "201" in OPS["createApiKey"][2]["responses"]
    assert "202" in OPS["performApiKeyAction"][2]["responses"]
    assert "405" in OPS["deleteApiKey"][2]["responses"]
    assert "422" in OPS["authenticateUser"][2]["responses"]
    assert "409" in OPS["createStandaloneStackFromString"][2]["responses"]


def test_create_operations_link_to_what_reads_changes_and_deletes() -> None:
    for operation_id in CREATES:
        op = OPS[operation_id][2]
        success = next(r for s, r in op["responses"].items() if s.startswith("2"))
        links = success.get("links", {})
        targets = set()
        for link in links.values():
            if "$ref" in link:
                link = SPEC["components"]["links"][link["$ref"].split("/")[-1]]
            assert link["operationId"] in OPS, (
                f"{operation_id}: link to unknown {link['operationId']}"
            )
            targets.add(link["operationId"])
        assert any(t.startswith(("get", "list")) for t in targets), operation_id
        assert any(t.startswith("delete") for t in targets), operation_id


def test_request_bodies_have_examples() -> None:
    for operation_id, (_, _, op) in OPS.items():
        for where, schema in _media_schemas(op):
            if where != "request":
                continue
            component = _resolve(schema)
            has_example = "example" in component or all(
                "example" in p or "$ref" in p or p.get("writeOnly") or p.get("type") == "array"
                for p in component.get("properties", {}).values()
            )
            assert has_example, operation_id
