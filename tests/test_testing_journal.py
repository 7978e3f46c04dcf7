"""The request journal: what each request was, who sent it, what it got; never a secret."""

from __future__ import annotations

import base64
import json
import re
import sys

from starlette.testclient import TestClient

from mockserver.journal import REDACTED, Journal, redact_path, redact_query
from mockserver.runtime import Runtime
from tests.conftest import login

CREATE = "/api/stacks/create/standalone/string"


def _entries_text(runtime: Runtime) -> str:
    """Everything the journal could reveal: its JSON and the repr of every entry."""
    entries = runtime.journal.entries()
    return json.dumps([e.to_json() for e in entries]) + repr(entries)


def test_records_method_path_query_status_and_the_api_key_user(
    client: TestClient, runtime: Runtime, alice_key: str
) -> None:
    client.get(
        "/api/stacks", params={"filters": '{"EndpointID":2}'}, headers={"X-API-Key": alice_key}
    )

    [entry] = runtime.journal.entries()
    assert (entry.method, entry.path, entry.status) == ("GET", "/api/stacks", 200)
    assert entry.query == {"filters": '{"EndpointID":2}'}
    assert (entry.credential, entry.username, entry.caller.user_id) == ("apikey", "alice", 2)  # type: ignore[union-attr]
    assert entry.caller.authenticated  # type: ignore[union-attr]
    assert entry.fault is None and entry.duration_ms > 0 and entry.time > 1.7e9


def test_a_request_a_fault_answered_names_its_credential_but_no_user(
    client: TestClient, runtime: Runtime, alice_key: str
) -> None:
    runtime.faults.add("GET", "/api/stacks", status=503, times=1)
    assert client.get("/api/stacks", headers={"X-API-Key": alice_key}).status_code == 503
    [entry] = runtime.journal.entries()
    assert (entry.status, entry.fault, entry.credential) == (503, "status 503", "apikey")
    assert entry.username is None and not entry.caller.authenticated  # type: ignore[union-attr]


def test_names_jwt_callers_anonymous_calls_and_refused_credentials(
    client: TestClient, runtime: Runtime
) -> None:
    jwt = login(client, "bob", "bob-password-1")
    client.cookies.clear()
    client.get("/api/users/me", headers={"Authorization": f"Bearer {jwt}"})
    client.get("/api/users/me", headers={"X-API-Key": "ptr_not-a-real-token-at-all"})

    calls = [(e.method, e.path, e.status, e.caller) for e in runtime.journal.entries()]
    login_call, jwt_call, refused = calls
    assert login_call[:3] == ("POST", "/api/auth", 200) and login_call[3] is None
    assert jwt_call[3] is not None and (jwt_call[3].credential, jwt_call[3].username) == (
        "jwt",
        "bob",
    )
    assert refused[2] == 401
    assert refused[3] is not None
    assert (refused[3].credential, refused[3].authenticated, refused[3].username) == (
        "apikey",
        False,
        None,
    )


def test_names_rancher_callers_by_public_access_key(client: TestClient, runtime: Runtime) -> None:
    admin = runtime.seeded.rancher_admin
    client.get("/v2-beta/projects", auth=(admin.access_key, admin.secret_key))
    client.get("/v2-beta/projects", auth=(admin.access_key, "not-the-secret"))

    ok, refused = runtime.journal.entries()
    assert ok.caller is not None and refused.caller is not None
    assert (ok.status, ok.credential, ok.caller.access_key, ok.caller.account_id) == (
        200,
        "basic",
        admin.access_key,
        admin.account_id,
    )
    assert (refused.status, refused.caller.authenticated, refused.caller.access_key) == (
        401,
        False,
        None,
    )


def test_no_secret_is_kept_in_clear(client: TestClient, runtime: Runtime, admin_key: str) -> None:
    jwt = login(client, "alice", "alice-password")
    created = client.post(
        "/api/users/2/tokens",
        json={"description": "ci", "password": "alice-password"},
        headers={"Authorization": f"Bearer {jwt}"},
    )
    raw_token = created.json()["rawAPIKey"]
    client.get("/api/stacks", headers={"X-API-Key": raw_token})
    client.get("/api/settings", headers={"X-API-Key": admin_key})
    # credentials misplaced in the query and the path are redacted too
    client.get("/api/status", params={"token": jwt, "X-API-Key": admin_key, "password": "pw-1"})
    client.get("/api/status", params={"q": raw_token, "other": jwt})
    client.get(f"/api/stacks/{raw_token}")
    rancher = runtime.seeded.rancher_admin
    key = client.post(
        "/v2-beta/projects/1a2/apikeys",
        json={"name": "ci"},
        auth=(rancher.access_key, rancher.secret_key),
    ).json()
    client.get("/v2-beta/projects", auth=(key["publicValue"], key["secretValue"]))

    text = _entries_text(runtime)
    basic = base64.b64encode(f"{rancher.access_key}:{rancher.secret_key}".encode()).decode()
    secrets = [jwt, raw_token, admin_key, "alice-password", "pw-1", rancher.secret_key]
    secrets += [key["secretValue"], basic, jwt.split(".")[1]]
    for secret in secrets:
        assert secret not in text
    assert not re.search(r"ptr_[A-Za-z0-9+/]{8}", text)
    assert len(runtime.journal) == 9
    status_calls = [e.query for e in runtime.journal.entries("GET", "/api/status")]
    assert status_calls == [
        {"token": REDACTED, "X-API-Key": REDACTED, "password": REDACTED},
        {"q": REDACTED, "other": REDACTED},
    ]


def test_filters_by_method_path_status_user_and_credential(
    client: TestClient, runtime: Runtime, admin_key: str, alice_key: str
) -> None:
    client.get("/api/stacks", headers={"X-API-Key": alice_key})
    client.get("/api/stacks/1", headers={"X-API-Key": admin_key})
    client.get("/api/settings", headers={"X-API-Key": alice_key})
    client.post(CREATE, params={"endpointId": 1}, json={}, headers={"X-API-Key": admin_key})

    journal = runtime.journal
    paths = lambda entries: [e.path for e in entries]  # noqa: E731
    assert paths(journal.entries(path="/api/stacks")) == ["/api/stacks"]
    assert paths(journal.entries(path="/api/stacks/*")) == ["/api/stacks/1", CREATE]
    assert paths(journal.entries(path=re.compile(r"/api/stacks/\d+"))) == ["/api/stacks/1"]
    assert paths(journal.entries("post")) == [CREATE]
    assert paths(journal.entries(status=403)) == ["/api/settings"]
    assert paths(journal.entries(username="alice")) == ["/api/stacks", "/api/settings"]
    assert len(journal.entries(credential="apikey")) == 4
    assert journal.entries(credential="jwt") == []


def test_control_api_reads_and_clears_the_journal(client: TestClient, alice_key: str) -> None:
    client.get("/api/stacks", headers={"X-API-Key": alice_key})
    client.get("/api/status")

    found = client.get("/__mock__/requests", params={"path": "/api/stacks*", "username": "alice"})
    assert found.status_code == 200
    [entry] = found.json()
    assert entry["method"] == "GET" and entry["path"] == "/api/stacks"
    assert entry["status"] == 200 and entry["fault"] is None
    assert entry["caller"]["credential"] == "apikey" and entry["caller"]["username"] == "alice"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    # control requests are not journaled
    assert [e["path"] for e in client.get("/__mock__/requests").json()] == [
        "/api/stacks",
        "/api/status",
    ]
    assert client.get("/__mock__/requests", params={"status": "x"}).status_code == 400

    assert client.delete("/__mock__/requests").status_code == 204
    assert client.get("/__mock__/requests").json() == []


def test_state_reset_keeps_the_journal_unless_asked(client: TestClient, runtime: Runtime) -> None:
    client.get("/api/status")
    assert client.post("/__mock__/reset").status_code == 204
    assert len(runtime.journal) == 1
    runtime.reset(journal=True)
    assert len(runtime.journal) == 0


def test_is_bounded_and_keeps_the_newest() -> None:
    journal = Journal(maxlen=3)
    for index in range(5):
        journal.record(
            started=0.0,
            method="get",
            path=f"/api/stacks/{index}",
            query=b"",
            caller=None,
            status=200,
            duration_ms=1.0,
        )
    assert [e.path for e in journal.entries()] == [
        "/api/stacks/2",
        "/api/stacks/3",
        "/api/stacks/4",
    ]
    assert [e.seq for e in journal.entries()] == [3, 4, 5]


def test_a_request_begun_before_a_clear_is_not_recorded() -> None:
    journal = Journal()
    generation = journal.generation
    journal.clear()
    kept = journal.record(
        started=0.0,
        method="GET",
        path="/api/status",
        query=b"",
        caller=None,
        status=200,
        duration_ms=1.0,
        generation=generation,
    )
    assert kept is False and len(journal) == 0


def test_redaction_rules() -> None:
    assert redact_query(b"endpointId=2&endpointId=3&name=web") == {
        "endpointId": ["2", "3"],
        "name": "web",
    }
    assert redact_query("apiKey=x&secretValue=y&Authorization=z&search=ok") == {
        "apiKey": REDACTED,
        "secretValue": REDACTED,
        "Authorization": REDACTED,
        "search": "ok",
    }
    token = "ptr_" + base64.b64encode(bytes(range(200, 232))).decode()
    assert "/" in token  # base64 may hold slashes: the whole token goes, the path stays
    assert redact_path(f"/api/users/{token}/tokens") == f"/api/users/{REDACTED}/tokens"
    assert redact_path("/v2-beta/projects/1a5/apikeys/1c3") == "/v2-beta/projects/1a5/apikeys/1c3"


def test_entries_read_from_two_threads_while_recording_are_whole_and_the_same() -> None:
    import threading

    journal = Journal(maxlen=5_000)

    def add(count: int) -> None:
        for index in range(count):
            journal.record(
                started=0.0,
                method="GET",
                path=f"/api/stacks/{index}",
                query=b"endpointId=1&token=secret",
                status=200,
                duration_ms=1.0,
            )

    add(2_000)
    seen: list[list[tuple[int, str, dict]]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            seen.append([(e.seq, e.path, e.query) for e in journal.entries()])
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    writer = threading.Thread(target=add, args=(2_000,))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as possible: races show
    try:
        for thread in [*readers, writer]:
            thread.start()
        for thread in [*readers, writer]:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    for entries in seen:
        assert len(entries) >= 2_000
        assert entries[:2_000] == seen[0][:2_000]
        assert entries[0][2] == {"endpointId": "1", "token": REDACTED}
