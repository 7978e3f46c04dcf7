"""Issue 17, findings 3, 4, 6, 8-13: the control API protected, fault rules validated, no secret
echoed or logged, JWTs from before a reset refused, hashing off the event loop, the journal
bounded in bytes."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import secrets
from mockserver.app import create_app
from mockserver.cli import banner, bind_warning
from mockserver.config import MockConfig
from mockserver.journal import CUT, Journal, redact_target
from mockserver.limits import Limits
from mockserver.runtime import Runtime
from mockserver.serving import RedactCredentials

from .conftest import login

JSON = {"Content-Type": "application/json"}


# -- finding 4: the control API
@pytest.fixture
def guarded_client() -> Any:
    app = create_app(MockConfig(rate_limit=False, control_token="s3cret"))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_control_token_is_demanded_on_every_control_call(guarded_client: TestClient) -> None:
    for method, path in [("POST", "/__mock__/reset"), ("GET", "/__mock__/state")]:
        answer = guarded_client.request(method, path)
        assert answer.status_code == 401
        assert answer.json()["message"] == "Unauthorized"
        wrong = guarded_client.request(method, path, headers={"X-Mock-Control-Token": "nope"})
        assert wrong.status_code == 401
    good = {"X-Mock-Control-Token": "s3cret"}
    assert guarded_client.post("/__mock__/reset", headers=good).status_code == 204
    bearer = {"Authorization": "Bearer s3cret"}
    assert guarded_client.get("/__mock__/faults", headers=bearer).status_code == 200
    assert guarded_client.get("/api/status").status_code == 200  # the contract is untouched


def test_cross_site_and_rebinding_requests_are_refused(client: TestClient) -> None:
    rule = '{"path": "/api/*", "latency": 300}'
    attacks = [
        {"Origin": "http://evil.example", **JSON},  # a page's fetch()
        {"Content-Type": "text/plain"},  # a form or no-cors fetch: not JSON
        {"Host": "evil.example:9000", **JSON},  # DNS rebinding: the page's own name
        {"Origin": "null", **JSON},
        {"Sec-Fetch-Site": "cross-site", **JSON},
    ]
    for headers in attacks:
        answer = client.post("/__mock__/faults", content=rule, headers=headers)
        assert answer.status_code in (403, 415), headers
        assert set(answer.json()) == {"message", "details"}
    assert client.get("/__mock__/faults").json() == []
    same_site = {"Origin": "http://testserver", **JSON}
    assert client.post("/__mock__/faults", content=rule, headers=same_site).status_code == 201


def test_binding_beyond_loopback_warns_and_the_banner_shows_the_address(runtime: Runtime) -> None:
    assert bind_warning("127.0.0.1", True, None) is None
    warning = bind_warning("0.0.0.0", True, None)
    assert warning is not None and "--control-token" in warning
    assert "--control-token" not in (bind_warning("0.0.0.0", True, "tok") or "")
    text = banner(runtime, "http://127.0.0.1:9000", None, "0.0.0.0:9000 (every interface)")
    assert "localhost" not in text.splitlines()[0]
    assert "0.0.0.0:9000" in text


# -- findings 8 and 12: control API input
@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", "/__mock__/requests?status=²"), ("DELETE", "/__mock__/faults?id=²")],
)
def test_control_query_values_never_500(client: TestClient, method: str, url: str) -> None:
    answer = client.request(method, url)
    assert answer.status_code == 400
    assert set(answer.json()) == {"message", "details"}


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("[" * 1000 + "]" * 1000, "nested too deeply"),
        ('{"path": "/x", "status": 503, "headers": {"X-A": "a\\r\\nSet-Cookie: b"}}', "CR, LF"),
        ('{"path": "/x", "status": 503, "headers": {"Bad Name": "v"}}', "not an HTTP token"),
        ('{"pathRegex": "(a+)+$", "status": 503}', "backtrack"),
        ('{"pathRegex": "(a|aa)*b", "status": 503}', "backtrack"),
        ('{"pathRegex": "' + "a" * 2000 + '", "status": 503}', "longer than"),
        ('{"path": "/' + "*a" * 1000 + '", "status": 503}', "longer than"),
    ],
)
def test_fault_rules_are_validated(client: TestClient, rule: str, why: str) -> None:
    answer = client.post("/__mock__/faults", content=rule, headers=JSON)
    assert answer.status_code == 400, answer.text
    assert why in answer.json()["details"]
    assert client.get("/__mock__/faults").json() == []


def test_fault_rules_are_capped() -> None:
    app = create_app(MockConfig(rate_limit=False, limits=Limits(max_fault_rules=2)))
    with TestClient(app) as client:
        rule = '{"path": "/x", "status": 503}'
        for _ in range(2):
            assert client.post("/__mock__/faults", content=rule, headers=JSON).status_code == 201
        answer = client.post("/__mock__/faults", content=rule, headers=JSON)
        assert answer.status_code == 400
        assert "at most 2 fault rules" in answer.json()["details"]


# -- finding 9: JWTs and reset
def test_a_jwt_from_before_a_reset_is_refused(client: TestClient, admin_key: str) -> None:
    def create(name: str) -> int:
        created = client.post(
            "/api/users",
            json={"Username": name, "Password": f"{name}-password", "Role": 2},
            headers={"X-API-Key": admin_key},
        )
        assert created.status_code == 200
        return int(created.json()["Id"])

    mallory = create("mallory")
    jwt = login(client, "mallory", "mallory-password")
    assert client.post("/__mock__/reset").status_code == 204
    assert create("trent") == mallory  # the id now belongs to someone else
    answer = client.get("/api/users/me", headers={"Authorization": f"Bearer {jwt}"})
    assert answer.status_code == 401
    assert login(client, "alice", "alice-password")  # new logins work


# -- finding 10: hashing off the event loop
def test_password_hashing_runs_off_the_event_loop(
    client: TestClient, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    check, make = secrets.check_password, secrets.hash_password

    def watched_check(*args: Any, **kwargs: Any) -> bool:
        threads.append(threading.current_thread().name)
        return check(*args, **kwargs)

    def watched_hash(*args: Any, **kwargs: Any) -> str:
        threads.append(threading.current_thread().name)
        return make(*args, **kwargs)

    loop_threads: list[str] = []

    async def loop_thread() -> None:
        loop_threads.append(threading.current_thread().name)

    monkeypatch.setattr(secrets, "check_password", watched_check)
    monkeypatch.setattr(secrets, "hash_password", watched_hash)
    client.portal.call(loop_thread)  # type: ignore[union-attr]
    jwt = login(client, "alice", "alice-password")
    client.post(
        "/api/users",
        json={"Username": "bob2", "Password": "bob2-password", "Role": 2},
        headers={"X-API-Key": admin_key},
    )
    client.post(
        "/api/users/2/tokens",
        json={"description": "t", "password": "alice-password"},
        headers={"Authorization": f"Bearer {jwt}"},
    )
    assert len(threads) == 3
    assert loop_threads[0] not in threads


# -- finding 11: no password echoed
@pytest.mark.parametrize("password", [12345678, ["hunter2-secret"], {"p": "hunter2-secret"}])
def test_a_password_of_the_wrong_type_is_not_echoed(client: TestClient, password: Any) -> None:
    answer = client.post("/api/auth", json={"username": "alice", "password": password})
    assert answer.status_code == 400
    assert "12345678" not in answer.text and "hunter2" not in answer.text
    assert answer.json()["message"] == "Invalid request payload"


# -- finding 3: the journal in bytes
def test_the_journal_is_bounded_in_bytes_and_says_what_it_cut() -> None:
    journal = Journal(maxlen=10_000, max_bytes=200_000)
    huge = "&".join(f"p{i}={'v' * 2000}" for i in range(200))
    for _ in range(100):
        journal.record(
            started=0.0,
            method="GET",
            path="/api/" + "x" * 10_000,
            query=huge,
            caller=None,
            status=200,
            duration_ms=1.0,
        )
    entries = journal.entries()
    assert 0 < len(entries) < 100
    assert sum(e.size() for e in entries) <= 200_000
    entry = entries[-1]
    assert entry.truncated and entry.to_json()["truncated"] is True
    assert len(entry.query) == 100 and entry.path.endswith(CUT)
    assert all(len(v) <= 1024 + len(CUT) for v in entry.query.values())


# -- finding 6: the access log
@pytest.mark.parametrize(
    "target",
    [
        "/api/stacks?x-api-key=ptr_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=",
        "/api/stacks?token=eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2ln",
        "/api/stacks?X-API-KEY=plain-secret-value&a=1",
        "/api/stacks?password=hunter2",
    ],
)
def test_the_access_log_never_shows_a_credential(target: str) -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:5000", "GET", target, "1.1", 200)
    assert RedactCredentials().filter(record)
    line = record.getMessage()
    for secret in ("ptr_abc", "eyJhbGci", "plain-secret-value", "hunter2"):
        assert secret not in line
    assert "[redacted]" in line and "/api/stacks?" in line


def test_redact_target_keeps_what_is_not_secret() -> None:
    assert redact_target("/api/endpoints?name=prod&limit=5") == "/api/endpoints?name=prod&limit=5"
    assert redact_target("/api/stacks/7?endpointId=1") == "/api/stacks/7?endpointId=1"


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/api/stacks?token=abc&endpointId=1", "/api/stacks?token=[redacted]&endpointId=1"),
        ("/api/stacks?X-API-Key=abc", "/api/stacks?X-API-Key=[redacted]"),
        ("/api/stacks?q=ptr_abcdefghijkl&n=1", "/api/stacks?q=[redacted]&n=1"),
        ("/api/ptr_abcdefghijkl/x?n=1", "/api/[redacted]?n=1"),  # a token may hold /
        ("/api/x?a=Bearer%20y&b=Bearer zz&c=1", "/api/x?a=Bearer%20y&b=[redacted]&c=1"),
    ],
)
def test_redact_target_hides_secret_names_and_values(target: str, kept: str) -> None:
    assert redact_target(target) == kept


# -- finding 13 and 4: what `mockserver run` leaves behind and prints
def test_run_removes_its_tls_key_and_shows_the_real_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    from mockserver import cli, tls

    made: list[Path] = []
    original = tls.self_signed

    def recording(*args: Any, **kwargs: Any) -> tuple[str, str]:
        cert, key = original(*args, **kwargs)
        made.append(Path(key).parent)
        return cert, key

    def serve_nothing(configs: Any) -> None:
        assert made and Path(made[0], "key.pem").exists()  # there while serving

    monkeypatch.setattr(tls, "self_signed", recording)
    monkeypatch.setattr(cli, "serve_forever", serve_nothing)
    monkeypatch.setattr(cli, "settle_heap", lambda: None)
    argv = ["run", "--host", "0.0.0.0", "--port", "9999", "--https-port", "9998"]
    assert cli.main(argv) == 0
    assert made and not made[0].exists()  # the private key does not outlive the server
    out, err = capsys.readouterr()
    assert "0.0.0.0:9999 (every interface)" in out
    assert "listening on http://localhost" not in out
    assert "WARNING" in err and "--control-token" in err
