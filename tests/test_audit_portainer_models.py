"""The model fields Portainer CE 2.23 sends, and its environment list query, through HTTP
(audit rows 46, 48 and 54 and section 2 of ../shared/reference/real-behaviour-audit.md); every
answer is also checked against the contract (response validation is on)."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.runtime import Runtime

SEEDED = [1, 2, 3, 4]  # local (Docker, 1), production, staging and one generated agent env (2)


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def listed(
    client: TestClient, token: str, query: str = ""
) -> tuple[list[int], int, int, httpx.Response]:
    """Ids listed, then X-Total-Count and X-Total-Available."""
    response = client.get(f"/api/endpoints{query}", headers=key(token))
    assert response.status_code == 200, response.text
    ids = [e["Id"] for e in response.json()]
    total = int(response.headers["X-Total-Count"])
    available = int(response.headers["X-Total-Available"])
    return ids, total, available, response


# -- users (section 2, User)
def test_users_carry_null_deprecated_authorizations(client: TestClient, admin_key: str) -> None:
    created = client.post(
        "/api/users",
        json={"Username": "carol", "Password": "carol-password-1", "Role": 2},
        headers=key(admin_key),
    )
    assert created.status_code == 200, created.text
    for path in ("/api/users/me", "/api/users/1", f"/api/users/{created.json()['Id']}"):
        response = client.get(path, headers=key(admin_key))
        assert response.status_code == 200, response.text
        user = response.json()
        assert user["PortainerAuthorizations"] is None, path
        assert user["EndpointAuthorizations"] is None, path
    assert created.json()["PortainerAuthorizations"] is None
    assert created.json()["EndpointAuthorizations"] is None


def test_deleting_an_environment_with_policies_empties_endpoint_authorizations(
    client: TestClient, admin_key: str
) -> None:
    # Environment 3 has no access policies: nothing is recomputed.
    assert client.delete("/api/endpoints/3", headers=key(admin_key)).status_code == 204
    assert (
        client.get("/api/users/2", headers=key(admin_key)).json()["EndpointAuthorizations"] is None
    )
    # Environment 2 grants alice: Portainer recomputes every user's map, empty in CE.
    assert client.delete("/api/endpoints/2", headers=key(admin_key)).status_code == 204
    for user_id in (1, 2, 3):
        user = client.get(f"/api/users/{user_id}", headers=key(admin_key)).json()
        assert user["EndpointAuthorizations"] == {}, user_id
        assert user["PortainerAuthorizations"] is None
    later = client.post(
        "/api/users",
        json={"Username": "dave", "Password": "dave-password-12", "Role": 2},
        headers=key(admin_key),
    )
    assert later.json()["EndpointAuthorizations"] is None  # made after the recomputation


# -- settings (section 2, Settings; row 54)
def test_settings_carry_open_amt_configuration_at_zero_values(
    client: TestClient, admin_key: str
) -> None:
    settings = client.get("/api/settings", headers=key(admin_key)).json()
    assert settings["openAMTConfiguration"] == {
        "enabled": False,
        "mpsServer": "",
        "mpsUser": "",
        "mpsPassword": "",
        "mpsToken": "",
        "certFileName": "",
        "certFileContent": "",
        "certFilePassword": "",
        "domainName": "",
    }


def test_settings_show_kube_secret_key_as_null(client: TestClient, admin_key: str) -> None:
    assert (
        client.get("/api/settings", headers=key(admin_key)).json()["OAuthSettings"]["KubeSecretKey"]
        is None
    )
    update = {"OAuthSettings": {"ClientID": "portainer", "KubeSecretKey": "c2VjcmV0"}}
    response = client.put("/api/settings", json=update, headers=key(admin_key))
    assert response.status_code == 200, response.text
    assert response.json()["OAuthSettings"]["KubeSecretKey"] is None
    assert response.json()["OAuthSettings"]["ClientID"] == "portainer"


def test_settings_leave_out_edge_async_mode_when_false(client: TestClient, admin_key: str) -> None:
    read = client.get("/api/settings", headers=key(admin_key)).json()
    assert read["Edge"] == {"CommandInterval": 0, "PingInterval": 0, "SnapshotInterval": 0}
    written = client.put("/api/settings", json={"LogoURL": ""}, headers=key(admin_key)).json()
    assert "AsyncMode" not in written["Edge"]


def test_public_settings_features_amt_and_docker_desktop_row_54(client: TestClient) -> None:
    public = client.get("/api/settings/public")
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["Features"] == {"hsts": False, "csp": False}
    assert body["IsAMTEnabled"] is False
    assert body["IsDockerDesktopExtension"] is False


def test_public_settings_amt_needs_edge_compute_and_open_amt(
    client: TestClient, admin_key: str, runtime: Runtime
) -> None:
    # OpenAMT is configured through routes the mock does not serve: set it in the state.
    runtime.store.state.settings.values["openAMTConfiguration"]["enabled"] = True
    assert client.get("/api/settings/public").json()["IsAMTEnabled"] is False
    edge = {"EnableEdgeComputeFeatures": True}
    assert client.put("/api/settings", json=edge, headers=key(admin_key)).status_code == 200
    assert client.get("/api/settings/public").json()["IsAMTEnabled"] is True


# -- stacks (section 2, Stack)
def test_stacks_send_option_and_from_app_template_never_is_compose_format(
    client: TestClient, admin_key: str
) -> None:
    stacks = client.get("/api/stacks", headers=key(admin_key)).json()
    assert stacks
    for stack in stacks:
        assert "Option" in stack and "FromAppTemplate" in stack
        assert "IsComposeFormat" not in stack
    one = client.get(f"/api/stacks/{stacks[0]['Id']}", headers=key(admin_key)).json()
    assert "IsComposeFormat" not in one and one["FromAppTemplate"] is False


# -- environments (section 2, Endpoint; rows 46 and 48)
def test_docker_and_agent_environments_leave_out_user_trusted(
    client: TestClient, admin_key: str
) -> None:
    for env in client.get("/api/endpoints", headers=key(admin_key)).json():
        assert "UserTrusted" not in env, env["Id"]
    assert "UserTrusted" not in client.get("/api/endpoints/1", headers=key(admin_key)).json()


def test_list_shows_the_settings_edge_checkin_interval_row_48(
    client: TestClient, admin_key: str
) -> None:
    assert {e["EdgeCheckinInterval"] for e in listed(client, admin_key)[3].json()} == {5}
    change = {"EdgeAgentCheckinInterval": 13}
    assert client.put("/api/settings", json=change, headers=key(admin_key)).status_code == 200
    assert {e["EdgeCheckinInterval"] for e in listed(client, admin_key)[3].json()} == {13}
    # Only the list fills it in: inspect shows the stored 0 (endpoint_inspect.go).
    assert client.get("/api/endpoints/1", headers=key(admin_key)).json()["EdgeCheckinInterval"] == 0


def test_standard_user_list_counts_only_granted_environments_row_46(
    client: TestClient, alice_key: str
) -> None:
    ids, total, available, response = listed(client, alice_key)
    assert (ids, total, available) == ([2], 1, 1)
    assert response.json()[0]["UserAccessPolicies"] is None
    assert listed(client, alice_key, "?types[]=1")[:3] == ([], 0, 1)


def test_types_filter_reads_the_bracketed_name_row_48(client: TestClient, admin_key: str) -> None:
    assert listed(client, admin_key, "?types[]=1")[:3] == ([1], 1, 4)
    assert listed(client, admin_key, "?types[]=2")[:3] == ([2, 3, 4], 3, 4)
    assert listed(client, admin_key, "?types[]=1&types[]=2")[:3] == (SEEDED, 4, 4)
    # Portainer reads r.Form["types[]"] only: an unbracketed name filters nothing.
    assert listed(client, admin_key, "?types=1")[:3] == (SEEDED, 4, 4)


def test_unbracketed_array_names_are_ignored_quietly(
    client: TestClient, admin_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="connexion"):
        listed(client, admin_key, "?types=1&status=2")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_non_numeric_array_value_is_a_bad_request(client: TestClient, admin_key: str) -> None:
    response = client.get("/api/endpoints?types[]=docker", headers=key(admin_key))
    assert response.status_code == 400, response.text


def test_id_group_status_and_tag_filters_row_48(client: TestClient, admin_key: str) -> None:
    assert listed(client, admin_key, "?endpointIds[]=3&endpointIds[]=1")[:3] == ([1, 3], 2, 4)
    assert listed(client, admin_key, "?excludeIds[]=1&excludeIds[]=4")[:3] == ([2, 3], 2, 4)
    assert listed(client, admin_key, "?groupIds[]=1")[:3] == (SEEDED, 4, 4)
    assert listed(client, admin_key, "?groupIds[]=2")[:3] == ([], 0, 4)
    assert listed(client, admin_key, "?status[]=2")[:3] == ([], 0, 4)
    assert listed(client, admin_key, "?status[]=1")[:3] == (SEEDED, 4, 4)
    tags = {"TagIDs": [7, 8]}
    assert client.put("/api/endpoints/3", json=tags, headers=key(admin_key)).status_code == 200
    assert (
        client.put("/api/endpoints/2", json={"TagIDs": [8]}, headers=key(admin_key)).status_code
        == 200
    )
    assert listed(client, admin_key, "?tagIds[]=8")[:3] == ([2, 3], 2, 4)
    assert listed(client, admin_key, "?tagIds[]=7&tagIds[]=8")[:3] == ([3], 1, 4)
    partial = "?tagIds[]=7&tagIds[]=9&tagsPartialMatch=true"
    assert listed(client, admin_key, partial)[:3] == ([3], 1, 4)


def test_search_sort_order_and_paging_row_48(client: TestClient, admin_key: str) -> None:
    assert listed(client, admin_key, "?search=STAG")[:3] == ([3], 1, 4)
    assert listed(client, admin_key, "?search=10.0.1.")[:3] == ([2], 1, 4)
    assert listed(client, admin_key, "?search=unassigned")[:3] == (SEEDED, 4, 4)
    by_name = listed(client, admin_key, "?sort=Name")[3].json()
    names = [e["Name"] for e in by_name]
    assert names == sorted(names)
    descending = [e["Name"] for e in listed(client, admin_key, "?sort=Name&order=desc")[3].json()]
    assert descending == sorted(names, reverse=True)
    # start is 1-based; the totals count before paging; no limit means no paging at all.
    assert listed(client, admin_key, "?types[]=2&start=2&limit=1")[:3] == ([3], 3, 4)
    assert listed(client, admin_key, "?start=2")[:3] == (SEEDED, 4, 4)
    assert listed(client, admin_key, "?start=9&limit=2")[:3] == ([], 4, 4)
