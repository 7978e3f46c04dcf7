"""Tests of deploy_stack.py against contract-mock: the `mock_server` fixture comes with the package.

Each test gets the mock fresh (seeded data, empty journal, no faults), so tests can run in any
order and in parallel workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_stack import DeployError, Portainer, main

from mockserver.testing import MockServer

COMPOSE = "services:\n  web:\n    image: nginx:1.27-alpine\n"
CREATE = "/api/stacks/create/standalone/string"


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff delays the client asked for (recorded instead of slept, so tests are fast)."""
    return []


@pytest.fixture
def portainer(mock_server: MockServer, sleeps: list[float]) -> Iterator[Portainer]:
    """The client as alice (a standard user granted `production`) with her access token."""
    token = mock_server.users["alice"].api_key
    assert token is not None
    with Portainer(mock_server.url, token, timeout=2.0, sleep=sleeps.append) as client:
        yield client


def test_deploys_with_the_access_token(mock_server: MockServer, portainer: Portainer) -> None:
    stack = portainer.deploy("web", COMPOSE, "production")

    assert stack["Name"] == "web"
    assert stack["EndpointId"] == 2
    # The journal shows exactly the calls the client made, and the credential it used.
    calls = [(r.method, r.path, r.query, r.status) for r in mock_server.requests()]
    assert calls == [
        ("GET", "/api/endpoints", {"name": "production"}, 200),
        ("POST", CREATE, {"endpointId": "2"}, 200),
    ]
    assert {(r.credential, r.username) for r in mock_server.requests()} == {("apikey", "alice")}
    # And the mock really holds the stack, with alice's compose file.
    [created] = [s for s in mock_server.state()["stacks"] if s["name"] == "web"]
    assert created["file_content"] == COMPOSE
    assert created["created_by"] == "alice"


def test_retries_a_503_then_succeeds(
    mock_server: MockServer, portainer: Portainer, sleeps: list[float]
) -> None:
    mock_server.fail("POST", CREATE, status=503, times=1)

    stack = portainer.deploy("web", COMPOSE, "production")

    assert stack["Name"] == "web"
    assert [r.status for r in mock_server.requests("POST", CREATE)] == [503, 200]
    assert sleeps == [0.5]


def test_retries_a_dropped_connection(mock_server: MockServer, portainer: Portainer) -> None:
    rule = mock_server.fail("POST", CREATE, drop=True, times=1)

    portainer.deploy("web", COMPOSE, "production")

    assert rule.hits == 1
    # A dropped request has no status; the retry created the stack once.
    assert [r.status for r in mock_server.requests("POST", CREATE)] == [None, 200]
    assert [s["name"] for s in mock_server.state()["stacks"]].count("web") == 1


def test_retries_after_a_client_timeout(mock_server: MockServer, sleeps: list[float]) -> None:
    token = mock_server.users["alice"].api_key
    assert token is not None
    rule = mock_server.fail("POST", CREATE, latency=2.0, times=1)

    with Portainer(mock_server.url, token, timeout=0.2, sleep=sleeps.append) as client:
        stack = client.deploy("web", COMPOSE, "production")

    assert stack["Name"] == "web"
    assert rule.hits == 1  # the first attempt was held; the client gave up on it and retried
    assert len(sleeps) == 1


def test_gives_up_after_its_retries(
    mock_server: MockServer, portainer: Portainer, sleeps: list[float]
) -> None:
    mock_server.fail("POST", "/api/stacks/*", status=503)  # until cleared

    with pytest.raises(DeployError, match=r"failed 4 times; last: HTTP 503 Service Unavailable"):
        portainer.deploy("web", COMPOSE, "production")

    assert len(mock_server.requests("POST", CREATE)) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert "web" not in [s["name"] for s in mock_server.state()["stacks"]]


def test_a_duplicate_name_is_answered_clearly(portainer: Portainer) -> None:
    portainer.deploy("web", COMPOSE, "production")

    with pytest.raises(DeployError, match=r"a stack named 'web' already exists on 'production'"):
        portainer.deploy("web", COMPOSE.replace("1.27", "1.28"), "production")


def test_a_conflict_after_a_lost_answer_is_our_own_stack(
    mock_server: MockServer, portainer: Portainer
) -> None:
    # As if an attempt had landed and its answer been lost: the stack is already there, the
    # next attempt fails, and the retry meets the client's own stack (409): that is a success.
    portainer.deploy("web", COMPOSE, "production")
    mock_server.clear_requests()
    mock_server.fail("POST", CREATE, status=503, times=1)

    stack = portainer.deploy("web", COMPOSE, "production")

    assert stack["Name"] == "web"
    assert [r.status for r in mock_server.requests("POST", CREATE)] == [503, 409]


def test_an_environment_the_token_may_not_use(
    mock_server: MockServer, portainer: Portainer
) -> None:
    with pytest.raises(DeployError, match=r"no environment named 'staging'"):
        portainer.deploy("web", COMPOSE, "staging")
    assert mock_server.requests("POST") == []


def test_a_revoked_token_is_reported(mock_server: MockServer, sleeps: list[float]) -> None:
    with (
        Portainer(mock_server.url, "ptr_revoked", sleep=sleeps.append) as client,
        pytest.raises(DeployError, match=r"refused the access token.*Invalid JWT token"),
    ):
        client.deploy("web", COMPOSE, "production")
    [call] = mock_server.requests()
    assert (call.status, call.credential, call.username) == (401, "apikey", None)


def test_the_command_line(
    mock_server: MockServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    compose_file = tmp_path / "docker-compose.yml"
    compose_file.write_text(COMPOSE)
    monkeypatch.setenv("PORTAINER_URL", mock_server.url)
    monkeypatch.setenv("PORTAINER_TOKEN", mock_server.admin.api_key or "")

    assert main(["--environment", "local", "web", str(compose_file)]) == 0
    assert capsys.readouterr().out.startswith("deployed stack web (id ")

    assert main(["--environment", "local", "web", str(compose_file)]) == 1
    assert "already exists on 'local'" in capsys.readouterr().err
    assert {r.username for r in mock_server.requests()} == {"admin"}
