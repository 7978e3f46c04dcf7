"""MockServer: the mock in a background thread for tests of client code."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from mockserver.testing import MockServer


@pytest.fixture(scope="module")
def shared() -> Iterator[MockServer]:
    """One server for the tests that do not test the lifecycle."""
    with MockServer(seed=7) as mock:
        yield mock


@pytest.fixture
def mock(shared: MockServer) -> MockServer:
    shared.reset()
    return shared


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/status", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _serving_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("contract-mock:")]


def test_serves_on_a_free_local_port_and_stops() -> None:
    before = _serving_threads()
    with MockServer(seed=7) as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        assert mock.port not in (None, 0, 9000)
        assert _answers(mock.url)
        url = mock.url
    assert not mock.running
    assert not _answers(url)
    assert _serving_threads() == before


def test_stops_when_the_body_raises() -> None:
    mock = MockServer()
    with pytest.raises(RuntimeError, match="the test failed"), mock:
        url = mock.url
        assert _answers(url)
        raise RuntimeError("the test failed")
    assert not mock.running
    assert not _answers(url)


def test_two_servers_at_once_have_their_own_port_and_state() -> None:
    with MockServer(seed=1) as one, MockServer(seed=2) as two:
        assert one.port != two.port
        headers = {"X-API-Key": one.admin.api_key or ""}
        created = httpx.post(
            f"{one.url}/api/stacks/create/standalone/string",
            params={"endpointId": 1},
            json={"Name": "only-in-one", "StackFileContent": "services: {}\n"},
            headers=headers,
        )
        assert created.status_code == 200, created.text
        names = lambda m: {s["name"] for s in m.state()["stacks"]}  # noqa: E731
        assert "only-in-one" in names(one)
        assert "only-in-one" not in names(two)
        assert len(one.requests()) == 1 and two.requests() == []


def test_stop_is_idempotent_and_url_needs_a_running_server() -> None:
    mock = MockServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = mock.url
    mock.start()
    mock.stop()
    mock.stop()
    assert not mock.running


def test_a_taken_port_fails_at_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            MockServer(port=taken.getsockname()[1]).start()


def test_exposes_the_seeded_credentials(mock: MockServer) -> None:
    assert mock.admin.username == "admin" and mock.admin.is_admin
    alice = mock.users["alice"]
    assert (alice.password, alice.id, alice.role) == ("alice-password", 2, 2)
    assert mock.users["bob"].api_key is None
    me = httpx.get(f"{mock.url}/api/users/me", headers={"X-API-Key": alice.api_key or ""})
    assert me.json()["Username"] == "alice"
    projects = httpx.get(f"{mock.url}/v2-beta/projects", auth=mock.rancher_admin.auth)
    assert projects.status_code == 200, projects.text
    login = httpx.post(
        f"{mock.url}/api/auth", json={"username": "bob", "password": "bob-password-1"}
    )
    assert login.status_code == 200


def test_rate_limiting_is_off_unless_asked_for(mock: MockServer) -> None:
    wrong = {"username": "alice", "password": "wrong-password"}
    codes = {httpx.post(f"{mock.url}/api/auth", json=wrong).status_code for _ in range(15)}
    assert codes == {422}
    with MockServer(rate_limit=True) as limited:
        codes = {httpx.post(f"{limited.url}/api/auth", json=wrong).status_code for _ in range(15)}
        assert 403 in codes


def test_reset_restores_the_seeded_state_and_clears_journal_and_faults(mock: MockServer) -> None:
    seeded = mock.state()
    created = httpx.post(
        f"{mock.url}/api/stacks/create/standalone/string",
        params={"endpointId": 1},
        json={"Name": "temporary", "StackFileContent": "services: {}\n"},
        headers={"X-API-Key": mock.admin.api_key or ""},
    )
    assert created.status_code == 200, created.text
    mock.fail("GET", "/api/status", status=500)
    assert mock.state() != seeded

    mock.reset()

    assert mock.state() == seeded
    assert mock.requests() == [] and mock.faults() == []
    assert _answers(mock.url)


def test_reset_can_keep_the_journal_and_faults(mock: MockServer) -> None:
    mock.fail("GET", "/api/status", status=500)
    httpx.get(f"{mock.url}/api/status")
    mock.reset(journal=False, faults=False)
    assert [r.status for r in mock.requests()] == [500]
    assert len(mock.faults()) == 1
