"""Portainer settings: administrators only, partial updates and Portainer's validations."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any
from urllib.parse import urlsplit

from mockserver.durations import parse_go_duration
from mockserver.spec import schema as spec_schema

from . import errors, payload, views
from . import payload_checks as words
from .context import Context

_HOST = re.compile(
    r"^(localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+|\d{1,3}(?:\.\d{1,3}){3})$",
    re.I,
)


@functools.cache
def updatable() -> tuple[str, ...]:
    """Top-level keys PUT /api/settings applies: the contract's SettingsUpdateRequest.

    The rest of the body is ignored, as Portainer does. EdgePortainerURL is stored as
    EdgePortainerUrl. Read from the contract on first use, not at import.
    """
    properties = spec_schema("SettingsUpdateRequest")["properties"]
    return tuple(key for key in properties if key != "EdgePortainerURL")


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


def validate(body: dict[str, Any]) -> None:
    """Raise Portainer's 400 for the first invalid field of a settings update."""
    method = body.get("AuthenticationMethod")
    if method is not None and method not in (1, 2, 3):
        raise errors.invalid_payload(words.AUTHENTICATION_METHOD)
    for key, label in (
        ("LogoURL", "logo URL"),
        ("TemplatesURL", "external templates URL"),
        ("HelmRepositoryURL", "Helm repository URL"),
    ):
        value = body.get(key)
        if value and not is_url(value):
            raise errors.invalid_payload(f"Invalid {label}. Must correspond to a valid URL format")
    for key, message in (
        ("UserSessionTimeout", "Invalid user session timeout"),
        ("KubeconfigExpiry", "Invalid Kubeconfig Expiry"),
    ):  # SnapshotInterval is not checked here: applying it fails later (apply_snapshot_interval)
        value = body.get(key)
        if value is not None:
            try:
                parse_go_duration(value)
            except ValueError:
                raise errors.invalid_payload(message) from None
    edge_url = body.get("EdgePortainerURL")
    if edge_url and not is_url(edge_url):
        raise errors.invalid_payload("Invalid EdgePortainerURL")
    oauth = body.get("OAuthSettings") or {}
    if oauth.get("AuthStyle") is not None and oauth["AuthStyle"] not in (0, 1, 2):
        raise errors.invalid_payload(words.OAUTH_AUTH_STYLE)


def normalised_helm_url(url: str) -> str:
    """settings_update.go: the Helm repository URL is stored lowercased, without a trailing `/`.

    Portainer also fetches `index.yaml` from a new non-default URL and refuses one it cannot
    read (400); the mock never reaches the network and skips that probe (see the README).
    """
    url = url.lower()
    return url[:-1] if url.endswith("/") else url


def check_snapshot_interval(new: str, current: str) -> None:
    """A changed SnapshotInterval is applied with Go's `time.ParseDuration`; a value it cannot
    parse fails the whole update with Portainer's 500 (settings_update.go, SetSnapshotInterval)."""
    if new == current:
        return
    try:
        parse_go_duration(new)
    except ValueError:
        raise errors.server_error(
            "Unable to update snapshot interval", f"time: invalid duration {go_quote(new)}"
        ) from None


def go_quote(text: str) -> str:
    """Go's strconv.Quote for the text in an error: double quotes, printable Unicode kept."""
    return json.dumps(text, ensure_ascii=False)


# The fields of the nested settings structs (api/portainer.go): the decoder keeps only these.
NESTED_FIELDS = {
    "InternalAuthSettings": ("RequiredPasswordLength",),
    "GlobalDeploymentOptions": ("hideStacksFunctionality",),
    "LDAPSettings": (
        "AnonymousMode",
        "ReaderDN",
        "Password",
        "URL",
        "StartTLS",
        "TLSConfig",
        "SearchSettings",
        "GroupSearchSettings",
        "AutoCreateUsers",
    ),
    "OAuthSettings": (
        "ClientID",
        "ClientSecret",
        "AccessTokenURI",
        "AuthorizationURI",
        "ResourceURI",
        "RedirectURI",
        "UserIdentifier",
        "Scopes",
        "OAuthAutoCreateUsers",
        "DefaultTeamID",
        "SSO",
        "LogoutURI",
        "AuthStyle",
    ),
}
LDAP_LIST_FIELDS = {
    "SearchSettings": ("BaseDN", "Filter", "UserNameAttribute"),
    "GroupSearchSettings": ("GroupBaseDN", "GroupFilter", "GroupAttribute"),
}
TLS_FIELDS = ("TLS", "TLSSkipVerify", "TLSCACert", "TLSCert", "TLSKey")


def decoded(key: str, value: Any) -> Any:
    """One updatable field as Portainer's decoder leaves it: unknown nested keys dropped."""
    if key == "BlackListedLabels" and isinstance(value, list):
        return [payload.known_fields(pair, ("name", "value")) for pair in value]
    if key not in NESTED_FIELDS:
        return value
    value = payload.known_fields(value, NESTED_FIELDS[key])
    if key == "LDAPSettings" and isinstance(value, dict):
        if isinstance(value.get("TLSConfig"), dict):
            value["TLSConfig"] = payload.known_fields(value["TLSConfig"], TLS_FIELDS)
        for name, fields in LDAP_LIST_FIELDS.items():
            if isinstance(value.get(name), list):
                value[name] = [payload.known_fields(item, fields) for item in value[name]]
    return value


class SettingsRules:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def get_settings(self) -> dict[str, Any]:
        """Every setting but the secrets (administrators only: the bouncer sees to that)."""
        return views.settings_view(self.ctx.store.state.settings)

    def public_settings(self) -> dict[str, Any]:
        return views.public_settings_view(self.ctx.store.state.settings)

    def update_settings(self, body: dict[str, Any]) -> dict[str, Any]:
        """A partial update with Portainer's validations (administrators only: the bouncer)."""
        # As Portainer's decoder: unknown fields are dropped unread, declared ones must fit.
        body = {
            key: decoded(key, copy.deepcopy(value))
            for key, value in body.items()
            if key in updatable() or key == "EdgePortainerURL"
        }
        payload.check_integers(body)
        validate(body)
        if body.get("HelmRepositoryURL") is not None:
            body["HelmRepositoryURL"] = normalised_helm_url(body["HelmRepositoryURL"])
        store = self.ctx.store
        with store.lock:
            settings = store.state.settings
            values = settings.values
            if body.get("SnapshotInterval") is not None:
                check_snapshot_interval(body["SnapshotInterval"], values["SnapshotInterval"])
            for key in updatable():
                if key not in body or body[key] is None:
                    continue
                value = body[key]
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
            if body.get("EdgePortainerURL") is not None:
                values["EdgePortainerUrl"] = body["EdgePortainerURL"]
            return views.settings_view(settings)
