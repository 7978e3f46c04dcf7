"""Mock bugs the conformance suite found, kept fixed.

`conformance --thorough` against the mock sent settings and environment updates holding integers
beyond 64 bits and keys the settings structs do not declare: the mock stored them, then failed to
encode every later answer (500), for that request and for every later read of the object.
"""

from __future__ import annotations

from starlette.testclient import TestClient

HUGE = 3632084474264863908589048168448


def test_out_of_range_integers_are_refused_and_not_stored(
    client: TestClient, admin_key: str
) -> None:
    headers = {"X-API-Key": admin_key}
    for path, body in (
        ("/api/settings", {"EdgeAgentCheckinInterval": HUGE}),
        ("/api/endpoints/1", {"GroupID": HUGE}),
        ("/api/endpoints/1", {"TagIDs": [HUGE]}),
        ("/api/endpoints/1", {"UserAccessPolicies": {"2": {"RoleId": HUGE}}}),
        ("/api/endpoints/1", {"UserAccessPolicies": {str(HUGE): {"RoleId": 0}}}),
    ):
        reply = client.put(path, json=body, headers=headers)
        assert reply.status_code == 400, (path, body, reply.text)
        assert reply.json()["message"] == "Invalid request payload"
    assert client.get("/api/settings", headers=headers).status_code == 200
    assert client.get("/api/endpoints", headers=headers).status_code == 200


def test_settings_keep_only_the_fields_portainer_declares(
    client: TestClient, admin_key: str
) -> None:
    headers = {"X-API-Key": admin_key}
    body = {
        "GlobalDeploymentOptions": {"hideStacksFunctionality": True, "junk": {"x": HUGE}},
        "LDAPSettings": {
            "GroupSearchSettings": [{"GroupBaseDN": "ou=g", "stray": [HUGE]}],
            "TLSConfig": {"TLS": False, "stray": 1},
            "stray": "x",
        },
        "OAuthSettings": {"ClientID": "id", "stray": True},
    }
    reply = client.put("/api/settings", json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    settings = client.get("/api/settings", headers=headers).json()
    assert settings["GlobalDeploymentOptions"] == {"hideStacksFunctionality": True}
    assert settings["LDAPSettings"]["GroupSearchSettings"] == [{"GroupBaseDN": "ou=g"}]
    assert "stray" not in settings["LDAPSettings"]
    assert "stray" not in settings["LDAPSettings"]["TLSConfig"]
    assert "stray" not in settings["OAuthSettings"]
