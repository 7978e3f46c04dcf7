"""State records -> the JSON Portainer answers with (field names and shapes as the contract says)."""

from __future__ import annotations

from typing import Any

from mockserver.state import (
    AccessToken,
    Environment,
    ResourceControl,
    Settings,
    Stack,
    Team,
    TeamMembership,
    User,
)


def _copy(value: Any) -> Any:
    """A copy of JSON-shaped data (dicts, lists, scalars), so views never share containers with
    the state; several times faster than a deep copy, which counts on every stack of a list."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def user_view(user: User) -> dict[str, Any]:
    return {
        "Id": user.id,
        "Username": user.username,
        "Role": user.role,
        "TokenIssueAt": user.token_issue_at,
        "ThemeSettings": {"color": user.theme_color},
        "UseCache": user.use_cache,
        # Deprecated fields Portainer CE 2.23 still sends (no json tag, no omitempty): null for
        # users made through the API (only its LDAP and OAuth logins fill the first).
        "PortainerAuthorizations": None,
        "EndpointAuthorizations": _copy(user.endpoint_authorizations),
    }


def user_summary_view(user: User) -> dict[str, Any]:
    return {"Id": user.id, "Username": user.username, "Role": user.role}


def team_view(team: Team) -> dict[str, Any]:
    return {"Id": team.id, "Name": team.name}


def membership_view(membership: TeamMembership) -> dict[str, Any]:
    return {
        "Id": membership.id,
        "UserID": membership.user_id,
        "TeamID": membership.team_id,
        "Role": membership.role,
    }


def token_view(token: AccessToken, with_digest: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": token.id,
        "userId": token.user_id,
        "description": token.description,
        "prefix": token.prefix,
        "dateCreated": token.date_created,
        "lastUsed": token.last_used,
    }
    if with_digest:
        view["digest"] = token.digest
    return view


_KUBERNETES_DEFAULT = {
    "Snapshots": [],
    "Configuration": {
        "UseLoadBalancer": False,
        "UseServerMetrics": False,
        "EnableResourceOverCommit": False,
        "ResourceOverCommitPercentage": 0,
        "StorageClasses": None,
        "IngressClasses": None,
        "RestrictDefaultNamespace": False,
        "IngressAvailabilityPerNamespace": False,
        "AllowNoneIngressClass": False,
    },
    "Flags": {
        "IsServerMetricsDetected": False,
        "IsServerIngressClassDetected": False,
        "IsServerStorageDetected": False,
    },
}


def environment_view(
    env: Environment,
    hide_user_policies: bool = False,
    snapshots: list[dict[str, Any]] | None = None,
    edge_checkin_interval: int = 0,
) -> dict[str, Any]:
    """An environment; the list blanks `UserAccessPolicies` (only) for standard users and
    passes the settings' check-in interval as `edge_checkin_interval`.

    `snapshots` is the Docker snapshot list (docker/views.py computes it from the stacks);
    the other fields below are what Portainer CE 2.23 always sends (api/portainer.go Endpoint).
    `UserTrusted` is `omitempty` and only Edge environments are trusted, so the Docker and
    agent environments the mock makes never carry it.
    """
    return {
        "Id": env.id,
        "Name": env.name,
        "Type": env.type,
        "URL": env.url,
        "PublicURL": env.public_url,
        "GroupId": env.group_id,
        "Status": env.status,
        "ContainerEngine": env.container_engine,
        "TagIds": list(env.tag_ids),
        "UserAccessPolicies": None if hide_user_policies else _copy(env.user_policies),
        "TeamAccessPolicies": _copy(env.team_policies),
        "SecuritySettings": dict(env.security),
        "TLSConfig": {"TLS": False, "TLSSkipVerify": False},
        "EdgeCheckinInterval": edge_checkin_interval,
        "Heartbeat": False,
        "LastCheckInDate": 0,
        "Snapshots": snapshots if snapshots is not None else [],
        "Gpus": [],
        "AzureCredentials": {"ApplicationID": "", "TenantID": "", "AuthenticationKey": ""},
        "EdgeKey": "",
        "Kubernetes": _copy(_KUBERNETES_DEFAULT),
        "ComposeSyntaxMaxVersion": "",
        "QueryDate": 0,
        "PostInitMigrations": {"MigrateIngresses": True, "MigrateGPUs": True},
        "Edge": {
            "AsyncMode": False,
            "PingInterval": 0,
            "SnapshotInterval": 0,
            "CommandInterval": 0,
        },
        "Agent": {"Version": ""},
        "AuthorizedUsers": None,
        "AuthorizedTeams": None,
        "Tags": None,
    }


def resource_control_view(control: ResourceControl) -> dict[str, Any]:
    users, teams = control.user_accesses, control.team_accesses
    return {
        "Id": control.id,
        "ResourceId": control.resource_id,
        "SubResourceIds": [],
        "Type": control.type,
        "UserAccesses": [{"UserId": uid, "AccessLevel": 1} for uid in users] if users else [],
        "TeamAccesses": [{"TeamId": tid, "AccessLevel": 1} for tid in teams] if teams else [],
        "Public": control.public,
        "AdministratorsOnly": control.administrators_only,
        "System": control.system,
    }


def stack_view(stack: Stack, control: ResourceControl | None) -> dict[str, Any]:
    # Built for every stack of a list: optional fields are mostly None, so test before copying.
    git = stack.git_config
    if git is not None:
        git = _copy(git)
        if git.get("Authentication"):
            git["Authentication"]["Password"] = ""
    env, files, auto, option = stack.env, stack.additional_files, stack.auto_update, stack.option
    return {
        "Id": stack.id,
        "Name": stack.name,
        "Type": stack.type,
        "EndpointId": stack.endpoint_id,
        "SwarmId": stack.swarm_id,
        "EntryPoint": stack.entry_point,
        "Env": None if env is None else _copy(env),
        "ResourceControl": None if control is None else resource_control_view(control),
        "Status": stack.status,
        "ProjectPath": stack.project_path,
        "CreationDate": stack.creation_date,
        "CreatedBy": stack.created_by,
        "UpdateDate": stack.update_date,
        "UpdatedBy": stack.updated_by,
        "AdditionalFiles": None if files is None else _copy(files),
        "AutoUpdate": None if auto is None else _copy(auto),
        "Option": None if option is None else _copy(option),
        "GitConfig": git,
        "FromAppTemplate": stack.from_app_template,
        "Namespace": stack.namespace,
    }


# Portainer's SupportedFeatureFlags (api/portainer.go); none is switched on (`--feat`).
FEATURE_FLAGS = ("hsts", "csp")


def settings_view(settings: Settings) -> dict[str, Any]:
    """The full settings as Portainer's hideFields leaves them: no LDAP password or OAuth
    client secret, `KubeSecretKey` null, and `Edge.AsyncMode` left out when false."""
    view = _copy(settings.values)
    view["OAuthSettings"]["KubeSecretKey"] = None
    edge = view.get("Edge")
    if isinstance(edge, dict) and not edge.get("AsyncMode"):
        edge.pop("AsyncMode", None)
    return view


def public_settings_view(settings: Settings) -> dict[str, Any]:
    values = settings.values
    oauth = values["OAuthSettings"]
    oauth_mode = values["AuthenticationMethod"] == 3
    login_uri = ""
    if oauth_mode and oauth.get("AuthorizationURI"):
        login_uri = (
            f"{oauth['AuthorizationURI']}?response_type=code&client_id={oauth['ClientID']}"
            f"&redirect_uri={oauth['RedirectURI']}&scope={oauth['Scopes']}"
        )
        if not oauth.get("SSO", True):
            login_uri += "&prompt=login"
    ldap = values["LDAPSettings"]
    team_sync = values["AuthenticationMethod"] == 2 and any(
        g.get("GroupBaseDN") for g in ldap.get("GroupSearchSettings") or []
    )
    edge = values.get("Edge") or {}
    return {
        "LogoURL": values["LogoURL"],
        "AuthenticationMethod": values["AuthenticationMethod"],
        "RequiredPasswordLength": values["InternalAuthSettings"]["RequiredPasswordLength"],
        "GlobalDeploymentOptions": _copy(values["GlobalDeploymentOptions"]),
        "EnableEdgeComputeFeatures": values["EnableEdgeComputeFeatures"],
        "Features": dict.fromkeys(FEATURE_FLAGS, False),
        "EnableTelemetry": values["EnableTelemetry"],
        "KubeconfigExpiry": values["KubeconfigExpiry"],
        "TeamSync": team_sync,
        "OAuthLoginURI": login_uri,
        "OAuthLogoutURI": oauth.get("LogoutURI", "") if oauth_mode else "",
        "Edge": {
            "PingInterval": edge.get("PingInterval", 0),
            "SnapshotInterval": edge.get("SnapshotInterval", 0),
            "CommandInterval": edge.get("CommandInterval", 0),
            "CheckinInterval": values["EdgeAgentCheckinInterval"],
        },
        "IsAMTEnabled": bool(
            values["EnableEdgeComputeFeatures"] and values["openAMTConfiguration"]["enabled"]
        ),
        "IsDockerDesktopExtension": bool(values.get("IsDockerDesktopExtension", False)),
    }
