"""Fault injection: error statuses in the family's shape, latency, dropped connections."""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.faults import FaultError, Faults
from mockserver.runtime import Runtime
from mockserver.testing import MockServer
from mockserver.traffic import ConnectionDropped

CREATE = "/api/stacks/create/standalone/string"


@pytest.fixture(scope="module")
def shared() -> Iterator[MockServer]:
    with MockServer() as mock:
        yield mock


@pytest.fixture
def mock(shared: MockServer) -> MockServer:
    shared.reset()
    return shared


def test_a_portainer_status_fault_answers_portainers_error_body(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    runtime.faults.add("GET", "/api/stacks", status=503, times=1)

    answer = client.get("/api/stacks", headers={"X-API-Key": admin_key})

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"message": "Service Unavailable", "details": "Service Unavailable"}
    [entry] = runtime.journal.entries()
    assert (entry.status, entry.fault) == (503, "status 503")


def test_a_rancher_status_fault_answers_rancher_error_resource(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.faults.add(None, "/v2-beta/*", status=500, details="injected", times=1)
    runtime.faults.add(None, "/v2-beta/projects/1a2", status=405, times=1)
    admin = runtime.seeded.rancher_admin

    answer = client.get("/v2-beta/projects", auth=(admin.access_key, admin.secret_key))

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    body = answer.json()
    assert {k: body[k] for k in ("type", "baseType", "status", "code", "message", "detail")} == {
        "type": "error",
        "baseType": "error",
        "status": 500,
        "code": "Internal Server Error",
        "message": "Internal Server Error",
        "detail": "injected",
    }
    # a status Rancher has its own words for is answered in them
    assert client.get("/v2-beta/projects/1a2").json()["code"] == "Method not allowed"


def test_message_details_and_headers_can_be_given(client: TestClient, runtime: Runtime) -> None:
    runtime.faults.add(
        "GET",
        "/api/status",
        status=429,
        message="Too many requests",
        details="slow down",
        headers={"Retry-After": "3"},
    )
    answer = client.get("/api/status")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "3"
    assert answer.json() == {"message": "Too many requests", "details": "Slow down"}


def test_acts_on_the_next_n_matching_requests_then_lets_them_through(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    rule = runtime.faults.add("GET", "/api/stacks", status=502, times=2)
    headers = {"X-API-Key": admin_key}

    client.get("/api/status")  # another path: not counted
    codes = [client.get("/api/stacks", headers=headers).status_code for _ in range(3)]

    assert codes == [502, 502, 200]
    assert rule.hits == 2 and rule.remaining == 0
    assert runtime.faults.rules() == []


def test_until_cleared(client: TestClient, runtime: Runtime) -> None:
    runtime.faults.add("*", "/api/status", status=500)
    assert {client.get("/api/status").status_code for _ in range(5)} == {500}
    assert client.post("/api/status").status_code == 500  # any method
    runtime.faults.clear()
    assert client.get("/api/status").status_code == 200


def test_matches_method_and_path_glob_or_regex(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    runtime.faults.add("POST", "/api/stacks/*", status=500)
    runtime.faults.add("get", re.compile(r"/api/stacks/\d+"), status=418)
    headers = {"X-API-Key": admin_key}

    assert client.get("/api/stacks", headers=headers).status_code == 200
    assert client.get("/api/stacks/1", headers=headers).status_code == 418
    assert client.get("/api/stacks/1/file", headers=headers).status_code != 418
    assert client.post(CREATE, params={"endpointId": 1}, json={}).status_code == 500


def test_rules_that_cannot_work_are_refused() -> None:
    faults = Faults()
    bad = [
        {"status": 200},
        {"status": 503, "drop": True},
        {},
        {"latency": -1},
        {"latency": "slow"},
        {"status": 500, "times": 0},
    ]
    for options in bad:
        with pytest.raises(FaultError):
            faults.add("GET", "/api/status", **options)  # type: ignore[arg-type]
    with pytest.raises(FaultError):
        faults.add("GET", "", status=500)
    assert faults.rules() == []


def test_control_api_adds_lists_and_removes_faults(client: TestClient) -> None:
    added = client.post(
        "/__mock__/faults",
        json={"method": "GET", "path": "/api/status", "status": 503, "times": 2},
    )
    assert added.status_code == 201
    rule = added.json()
    assert (rule["method"], rule["path"], rule["status"], rule["remaining"]) == (
        "GET",
        "/api/status",
        503,
        2,
    )
    regex = client.post("/__mock__/faults", json={"pathRegex": r"/api/users/\d+", "drop": True})
    assert regex.status_code == 201 and regex.json()["method"] == "*"

    assert client.get("/api/status").status_code == 503
    listed = client.get("/__mock__/faults").json()
    assert [(r["id"], r["hits"], r["remaining"]) for r in listed] == [
        (rule["id"], 1, 1),
        (regex.json()["id"], 0, None),
    ]

    assert client.delete("/__mock__/faults", params={"id": rule["id"]}).status_code == 204
    assert client.delete("/__mock__/faults", params={"id": rule["id"]}).status_code == 404
    assert client.get("/api/status").status_code == 200
    assert client.delete("/__mock__/faults").status_code == 204
    assert client.get("/__mock__/faults").json() == []


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"path": "/api/status", "status": 200}, "status must be an HTTP error status"),
        ({"path": "/api/status", "status": 503, "drop": True}, "not both"),
        ({"path": "/api/status"}, "needs an action"),
        ({"status": 503}, "exactly one of path"),
        ({"pathRegex": "(", "status": 503}, "pathRegex"),
        ({"path": "/api/status", "status": 503, "sometimes": 1}, "unknown field(s): sometimes"),
        ({"path": "/api/status", "drop": "yes"}, "drop must be true or false"),
        ([1, 2], "JSON object"),
    ],
)
def test_control_api_explains_a_bad_rule(client: TestClient, body: object, details: str) -> None:
    answer = client.post("/__mock__/faults", json=body)
    assert answer.status_code == 400
    assert details in answer.json()["details"]
    assert client.get("/__mock__/faults").json() == []


def test_control_api_refuses_a_body_that_is_not_json(client: TestClient) -> None:
    json_type = {"Content-Type": "application/json"}
    answer = client.post("/__mock__/faults", content=b"{not json", headers=json_type)
    assert answer.status_code == 400
    assert answer.json()["details"].startswith("Invalid JSON")
    # A body must say it is JSON: a cross-site form's text/plain never reaches the routes.
    answer = client.post("/__mock__/faults", content=b'{"path":"/api/*","latency":300}')
    assert answer.status_code == 415
    assert client.get("/__mock__/faults").json() == []


def test_a_drop_closes_the_connection_without_an_answer(mock: MockServer) -> None:
    rule = mock.fail("GET", "/api/status", drop=True, times=1)
    with httpx.Client(base_url=mock.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/api/status")
        assert http.get("/api/status").status_code == 200
    assert rule.hits == 1
    assert [(r.status, r.fault) for r in mock.requests()] == [(None, "drop"), (200, None)]


def test_a_request_leaves_no_reference_cycle_behind(mock: MockServer) -> None:
    """The server's request cycle is kept for a `drop` fault without a reference cycle: each
    request's objects go when it ends, not at the garbage collector's next full pass."""

    def cycles() -> int:
        return sum(type(o).__name__ == "RequestResponseCycle" for o in gc.get_objects())

    admin = mock.admin.api_key
    assert admin is not None
    with httpx.Client(base_url=mock.url, headers={"X-API-Key": admin}) as http:
        http.get("/api/status")
        gc.collect()
        gc.disable()
        try:
            before = cycles()
            for n in range(20):
                stack = http.post(
                    f"{CREATE}?endpointId=1",
                    json={"Name": f"c{n}", "StackFileContent": "services:\n  a:\n    image: x\n"},
                ).json()
                http.delete(f"/api/stacks/{stack['Id']}?endpointId=1")
                http.get("/api/status")
            left = cycles() - before
        finally:
            gc.enable()
    assert left <= 2  # the one answering now, at most; 60 with a cycle per request


def test_a_drop_works_on_rancher_requests_with_a_body(mock: MockServer) -> None:
    mock.fail("POST", "/v2-beta/projects/*/apikeys", drop=True, times=1)
    url = f"{mock.url}/v2-beta/projects/1a2/apikeys"
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(url, json={"name": "ci"}, auth=mock.rancher_admin.auth)
    assert httpx.post(url, json={"name": "ci"}, auth=mock.rancher_admin.auth).status_code == 201


def test_latency_holds_the_answer_past_a_client_timeout(mock: MockServer) -> None:
    mock.fail("GET", "/api/status", latency=30)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{mock.url}/api/status", timeout=0.2)
    mock.clear_faults()  # releases the held request (its connection is dropped)
    assert httpx.get(f"{mock.url}/api/status").status_code == 200


def test_latency_before_a_status_or_alone(mock: MockServer) -> None:
    mock.fail("GET", "/api/status", latency=0.01, status=504, times=1)
    mock.fail("GET", "/api/status", latency=0.01, times=1)
    assert httpx.get(f"{mock.url}/api/status").status_code == 504
    assert httpx.get(f"{mock.url}/api/status").status_code == 200
    assert [r.fault for r in mock.requests()] == ["latency 0.01s, status 504", "latency 0.01s"]


def test_a_request_held_across_a_reset_never_lands(mock: MockServer) -> None:
    mock.fail("POST", CREATE, latency=30)
    outcome: list[object] = []

    def deploy() -> None:
        try:
            outcome.append(
                httpx.post(
                    f"{mock.url}{CREATE}",
                    params={"endpointId": 1},
                    json={"Name": "late", "StackFileContent": "services: {}\n"},
                    headers={"X-API-Key": mock.admin.api_key or ""},
                    timeout=30,
                )
            )
        except httpx.TransportError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=deploy)
    caller.start()
    while not any(rule.hits for rule in mock.faults()):
        threading.Event().wait(0.005)  # until the request is held
    mock.reset()
    caller.join(10)

    assert not caller.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    assert "late" not in [s["name"] for s in mock.state()["stacks"]]
    assert mock.requests() == []


def test_in_process_a_drop_raises_instead(app) -> None:  # type: ignore[no-untyped-def]
    app.runtime.faults.add("GET", "/api/status", drop=True)
    with TestClient(app) as client, pytest.raises(ConnectionDropped):
        client.get("/api/status")
