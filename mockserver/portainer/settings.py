"""Portainer settings: administrators only, partial updates and Portainer's validations."""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

from mockserver.auth import Identity
from mockserver.durations import parse_go_duration

from . import errors, permissions, views
from .context import Context

_HOST = re.compile(
    r"^(localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+|\d{1,3}(?:\.\d{1,3}){3})$",
    re.I,
)

# Top-level keys PUT /api/settings applies; the rest of the body is ignored, as Portainer does.
UPDATABLE = (
    "LogoURL",
    "BlackListedLabels",
    "AuthenticationMethod",
    "InternalAuthSettings",
    "LDAPSettings",
    "OAuthSettings",
    "SnapshotInterval",
    "TemplatesURL",
    "GlobalDeploymentOptions",
    "EdgeAgentCheckinInterval",
    "EnableEdgeComputeFeatures",
    "UserSessionTimeout",
    "KubeconfigExpiry",
    "EnableTelemetry",
    "HelmRepositoryURL",
    "KubectlShellImage",
    "TrustOnFirstConnect",
    "EnforceEdgeID",
)


def is_url(text: str) -> bool:
    """A lenient URL check in the spirit of govalidator.IsURL (a scheme is optional)."""
    if not text or len(text) > 2083 or any(ch.isspace() for ch in text):
        return False
    candidate = text if "://" in text else "http://" + text
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https", "ftp", "ws", "wss") or port == 0:
        return False
    return bool(parts.hostname and _HOST.match(parts.hostname))


def validate(payload: dict[str, Any]) -> None:
    """Raise Portainer's 400 for the first invalid field of a settings update."""
    method = payload.get("AuthenticationMethod")
    if method is not None and method not in (1, 2, 3):
        raise errors.invalid_payload(
            "Invalid authentication method value. Value must be one of: 1 (internal), "
            "2 (LDAP/AD) or 3 (OAuth)"
        )
    for key, label in (
        ("LogoURL", "logo URL"),
        ("TemplatesURL", "external templates URL"),
        ("HelmRepositoryURL", "Helm repository URL"),
    ):
        value = payload.get(key)
        if value and not is_url(value):
            raise errors.invalid_payload(f"Invalid {label}. Must correspond to a valid URL format")
    for key, message in (
        ("UserSessionTimeout", "Invalid user session timeout"),
        ("KubeconfigExpiry", "Invalid Kubeconfig Expiry"),
        ("SnapshotInterval", "Invalid snapshot interval"),
    ):
        value = payload.get(key)
        if value is not None:
            try:
                parse_go_duration(value)
            except ValueError:
                raise errors.invalid_payload(message) from None
    edge_url = payload.get("EdgePortainerURL")
    if edge_url and not is_url(edge_url):
        raise errors.invalid_payload("Invalid EdgePortainerURL")
    oauth = payload.get("OAuthSettings") or {}
    if oauth.get("AuthStyle") is not None and oauth["AuthStyle"] not in (0, 1, 2):
        raise errors.invalid_payload("Invalid OAuth AuthStyle")


class SettingsRules:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def get_settings(self, who: Identity) -> dict[str, Any]:
        if not permissions.is_admin(who):
            raise errors.access_denied()
        return views.settings_view(self.ctx.store.state.settings)

    def public_settings(self) -> dict[str, Any]:
        return views.public_settings_view(self.ctx.store.state.settings)

    def update_settings(self, who: Identity, payload: dict[str, Any]) -> dict[str, Any]:
        if not permissions.is_admin(who):
            raise errors.access_denied()
        validate(payload)
        store = self.ctx.store
        with store.lock:
            settings = store.state.settings
            values = settings.values
            for key in UPDATABLE:
                if key not in payload or payload[key] is None:
                    continue
                value = copy.deepcopy(payload[key])
                if key == "LDAPSettings":
                    secret = value.pop("Password", None)
                    if secret:
                        settings.ldap_password = secret
                    values[key] = {**values[key], **value}
                elif key == "OAuthSettings":
                    secret = value.pop("ClientSecret", None)
                    if secret:
                        settings.oauth_client_secret = secret
                    values[key] = {**values[key], **value}
                elif key in ("InternalAuthSettings", "GlobalDeploymentOptions"):
                    values[key] = {**values[key], **value}
                else:
                    values[key] = value
            if payload.get("EdgePortainerURL") is not None:
                values["EdgePortainerUrl"] = payload["EdgePortainerURL"]
            return views.settings_view(settings)
