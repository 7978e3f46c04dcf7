"""Tests of deploy_and_wait.py against contract-mock: the Docker proxy, a latency rule on it,
and a stack whose containers do not run."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from deploy_and_wait import WaitingPortainer
from deploy_stack import DeployError

from mockserver.testing import MockServer

COMPOSE = "services:\n  web:\n    image: nginx:1.27-alpine\n  cache:\n    image: redis:7.4\n"
CONTAINERS = "/api/endpoints/2/docker/containers/json"


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for (recorded instead of slept, so tests are fast)."""
    return []


@pytest.fixture
def portainer(mock_server: MockServer, sleeps: list[float]) -> Iterator[WaitingPortainer]:
    token = mock_server.users["alice"].api_key  # a standard user granted `production`
    assert token is not None
    with WaitingPortainer(mock_server.url, token, timeout=0.5, sleep=sleeps.append) as client:
        yield client


def test_waits_for_the_stack_s_containers(
    mock_server: MockServer, portainer: WaitingPortainer
) -> None:
    containers = portainer.deploy_and_wait("web", COMPOSE, "production", wait=10)

    assert sorted(c["Names"][0] for c in containers) == ["/web-cache-1", "/web-web-1"]
    assert {c["State"] for c in containers} == {"running"}
    [listing] = mock_server.requests("GET", CONTAINERS)
    assert (
        listing.query["all"] == "1" and "com.docker.compose.project=web" in listing.query["filters"]
    )


def test_a_slow_docker_proxy_is_retried(
    mock_server: MockServer, portainer: WaitingPortainer, sleeps: list[float]
) -> None:
    # The proxy takes longer than the client's 0.5 s timeout twice, then answers.
    slow = mock_server.fail("GET", CONTAINERS, latency=1.0, times=2)

    containers = portainer.deploy_and_wait("web", COMPOSE, "production", wait=10)

    assert len(containers) == 2 and slow.hits == 2
    assert [r.status for r in mock_server.requests("GET", CONTAINERS)][-1] == 200
    assert sleeps == [0.5, 1.0]  # deploy_stack's backoff between the timed-out attempts


def test_a_stack_that_does_not_run_is_reported(
    mock_server: MockServer, portainer: WaitingPortainer, sleeps: list[float]
) -> None:
    portainer.deploy("web", COMPOSE, "production")
    # Someone stops a container through the proxy: the stack no longer runs whole.
    token = mock_server.users["alice"].api_key or ""
    stopped = httpx.post(
        mock_server.url + "/api/endpoints/2/docker/containers/web-cache-1/stop",
        headers={"X-API-Key": token},
    )
    assert stopped.status_code == 204

    with pytest.raises(DeployError, match=r"not running after 4 s: web-cache-1 exited"):
        portainer.wait_until_running("web", 2, wait=4, interval=2)
    assert sleeps == [2, 2]
    assert len(mock_server.requests("GET", CONTAINERS)) == 3


def test_a_docker_proxy_outage_is_retried(
    mock_server: MockServer, portainer: WaitingPortainer
) -> None:
    mock_server.fail("GET", CONTAINERS, status=503, times=1)
    assert len(portainer.deploy_and_wait("web", COMPOSE, "production", wait=10)) == 2
    assert [r.status for r in mock_server.requests("GET", CONTAINERS)] == [503, 200]
