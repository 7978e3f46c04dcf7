"""Tests of ci_deploy.py against contract-mock: deploy from a repository, push, redeploy by webhook.

The mock never clones: its scenario lists the repositories it knows, and `mock_server.git_push`
adds a commit, as a developer's `git push` would before CI runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ci_deploy import CIError, ensure_stack, main, trigger

from mockserver.testing import MockServer

REPO = "https://git.example.com/acme/web-stack"  # in the packaged default scenario
NEW_COMPOSE = "services:\n  web:\n    image: nginx:1.28-alpine\n"


@pytest.fixture
def alice(mock_server: MockServer) -> Iterator[httpx.Client]:
    """An HTTP client with alice's token (a standard user granted `production`)."""
    token = mock_server.users["alice"].api_key
    assert token is not None
    with httpx.Client(base_url=mock_server.url, headers={"X-API-Key": token}) as client:
        yield client


@pytest.fixture
def anonymous(mock_server: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock_server.url) as client:
        yield client


def test_deploy_push_and_redeploy_by_webhook(
    mock_server: MockServer, alice: httpx.Client, anonymous: httpx.Client
) -> None:
    stack = ensure_stack(alice, "web", REPO, "production")
    webhook = stack["AutoUpdate"]["Webhook"]
    first_commit = stack["GitConfig"]["ConfigHash"]

    # A second CI run finds the stack instead of creating another.
    assert ensure_stack(alice, "web", REPO, "production")["Id"] == stack["Id"]

    pushed = mock_server.git_push(REPO, {"docker-compose.yml": NEW_COMPOSE})
    trigger(anonymous, webhook)

    after = alice.get(f"/api/stacks/{stack['Id']}").json()
    assert after["GitConfig"]["ConfigHash"] == pushed != first_commit
    assert alice.get(f"/api/stacks/{stack['Id']}/file").json()["StackFileContent"] == NEW_COMPOSE
    assert [(r.method, r.path, r.status, r.credential) for r in mock_server.requests("POST")] == [
        ("POST", "/api/stacks/create/standalone/repository", 200, "apikey"),
        ("POST", f"/api/stacks/webhooks/{webhook}", 204, None),
    ]


def test_a_broken_push_is_not_deployed(
    mock_server: MockServer, alice: httpx.Client, anonymous: httpx.Client
) -> None:
    stack = ensure_stack(alice, "web", REPO, "production")
    mock_server.git_push(REPO, {"docker-compose.yml": "services: [web\n"})
    trigger(anonymous, stack["AutoUpdate"]["Webhook"])  # Portainer answers 204 and logs it
    after = alice.get(f"/api/stacks/{stack['Id']}").json()
    assert after["GitConfig"]["ConfigHash"] == stack["GitConfig"]["ConfigHash"]


def test_failures_carry_portainers_message(alice: httpx.Client, anonymous: httpx.Client) -> None:
    with pytest.raises(CIError, match="repository not found"):
        ensure_stack(alice, "web", "https://git.example.com/acme/missing", "production")
    with pytest.raises(CIError, match="no environment named 'staging'"):
        ensure_stack(alice, "web", REPO, "staging")  # alice is not granted it
    with pytest.raises(CIError, match="Unable to find the stack by webhook ID"):
        trigger(anonymous, "0b8e2f47-8a55-4a5f-9c0e-3c8a4d1b6e21")


def test_command_line(mock_server: MockServer, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAINER_URL", mock_server.url)
    monkeypatch.setenv("PORTAINER_TOKEN", mock_server.users["alice"].api_key or "")
    assert main(["ensure", "web", "--environment", "production", "--repository", REPO]) == 0
    printed = capsys.readouterr().out
    webhook = printed.rsplit("webhook ", 1)[1].strip()
    monkeypatch.delenv("PORTAINER_TOKEN")
    assert main(["redeploy", webhook]) == 0
    assert main(["redeploy", "not-a-uuid"]) == 1
