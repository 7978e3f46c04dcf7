"""Portainer settings: administrators only, validated, partial updates, secrets never shown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.client import Api, expect, expect_error, expect_status
from conformance.identities import PortainerWorld

pytestmark = pytest.mark.usefixtures("portainer")

ACCESS_DENIED = {"message": "Access denied", "details": "Unauthorized"}
SECRET_KEYS = ("Password", "ClientSecret", "KubeSecretKey", "mpsPassword", "certFilePassword")


def settings_of(api: Api, auth: Any) -> dict[str, Any]:
    return expect_status(api.get("/api/settings", auth=auth), 200, "reading the settings").json()


@pytest.fixture
def restore_settings(portainer: PortainerWorld) -> Iterator[dict[str, Any]]:
    """The settings before the test; the fields tests change are put back afterwards."""
    before = settings_of(portainer.api, portainer.admin.auth)
    yield before
    keep = {
        k: before[k]
        for k in ("SnapshotInterval", "UserSessionTimeout", "EnableTelemetry")
        if k in before
    }
    portainer.api.put("/api/settings", auth=portainer.admin.auth, json_body=keep)


@pytest.mark.rule("PTR-SET-1")
def test_standard_user_cannot_use_settings(
    portainer: PortainerWorld, restore_settings: dict[str, Any]
) -> None:
    api, alice = portainer.api, portainer.alice
    assert alice is not None
    for label, auth in (("access token", alice.key), ("JWT", alice.bearer)):
        reply = api.get("/api/settings", auth=auth)
        body = expect_error(reply, 403, f"GET /api/settings as a standard user ({label})")
        expect(body == ACCESS_DENIED, f"the 403 body is {body}, not {ACCESS_DENIED}", reply)
    changed = "77m" if restore_settings.get("SnapshotInterval") != "77m" else "78m"
    reply = api.put("/api/settings", auth=alice.key, json_body={"SnapshotInterval": changed})
    body = expect_error(reply, 403, "PUT /api/settings as a standard user")
    expect(body == ACCESS_DENIED, f"the 403 body is {body}, not {ACCESS_DENIED}", reply)
    after = settings_of(api, portainer.admin.auth)
    expect(
        after.get("SnapshotInterval") == restore_settings.get("SnapshotInterval"),
        "a standard user's refused settings update changed the settings",
    )


def _secrets_in(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in SECRET_KEYS and item not in (None, "", [], {}):
                yield where
            yield from _secrets_in(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _secrets_in(item, f"{path}[{index}]")


@pytest.mark.rule("PTR-SET-2")
def test_public_settings_and_no_secrets(portainer: PortainerWorld) -> None:
    api = portainer.api
    reply = expect_status(api.get("/api/settings/public"), 200, "public settings, no credential")
    public = reply.json()
    for key in ("LDAPSettings", "OAuthSettings", "InternalAuthSettings", "AgentSecret"):
        expect(key not in public, f"the public settings show {key}", reply)
    found = list(_secrets_in(public))
    expect(not found, f"the public settings show secrets: {found}", reply)
    reply = expect_status(api.get("/api/settings", auth=portainer.admin.auth), 200, "settings")
    found = list(_secrets_in(reply.json()))
    expect(not found, f"the settings show secrets: {found}", reply)


@pytest.mark.rule("PTR-SET-3")
def test_invalid_settings_are_refused(
    portainer: PortainerWorld, restore_settings: dict[str, Any]
) -> None:
    api, admin = portainer.api, portainer.admin
    bad: tuple[tuple[str, dict[str, Any]], ...] = (
        ("a session timeout that is not a duration", {"UserSessionTimeout": "forever"}),
        ("a kubeconfig expiry that is not a duration", {"KubeconfigExpiry": "5 minutes"}),
        ("a logo URL that is not a URL", {"LogoURL": "not a url at all"}),
        ("a templates URL that is not a URL", {"TemplatesURL": "::::"}),
        ("an unknown authentication method", {"AuthenticationMethod": 7}),
    )
    for label, payload in bad:
        reply = api.put("/api/settings", auth=admin.auth, json_body=payload)
        expect_error(reply, 400, f"settings update with {label}")
    after = settings_of(api, admin.auth)
    for key in (
        "UserSessionTimeout",
        "KubeconfigExpiry",
        "LogoURL",
        "TemplatesURL",
        "AuthenticationMethod",
    ):
        expect(
            after.get(key) == restore_settings.get(key),
            f"a refused settings update changed {key} from {restore_settings.get(key)!r} "
            f"to {after.get(key)!r}",
        )


@pytest.mark.rule("PTR-SET-4")
def test_settings_update_is_partial(
    portainer: PortainerWorld, restore_settings: dict[str, Any]
) -> None:
    api, admin = portainer.api, portainer.admin
    before = restore_settings
    changed = "7h" if before.get("UserSessionTimeout") != "7h" else "6h"
    reply = expect_status(
        api.put("/api/settings", auth=admin.auth, json_body={"UserSessionTimeout": changed}),
        200,
        "a one-field settings update",
    )
    answered = reply.json()
    expect(
        answered.get("UserSessionTimeout") == changed, "the update answer lacks the change", reply
    )
    after = settings_of(api, admin.auth)
    expect(after.get("UserSessionTimeout") == changed, "the change was not kept")
    untouched = [
        key
        for key in (
            "SnapshotInterval",
            "LogoURL",
            "AuthenticationMethod",
            "EnableTelemetry",
            "HelmRepositoryURL",
            "InternalAuthSettings",
            "KubeconfigExpiry",
        )
        if key in before and after.get(key) != before.get(key)
    ]
    expect(not untouched, f"a one-field update changed other fields: {untouched}")
