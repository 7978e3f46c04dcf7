"""The mock as a whole: determinism, thread safety, the control API and the command line."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.seed import build, load_scenario

READS = [
    "/api/stacks",
    "/api/stacks/7",
    "/api/stacks/7/file",
    "/api/endpoints",
    "/api/users",
    "/api/users/2/tokens",
    "/api/settings",
    "/api/system/status",
    "/__mock__/state",
]


def answers(seed: int) -> list[bytes]:
    app = create_app(MockConfig(seed=seed, rate_limit=False, validate_responses=True))
    app.runtime.store.clock = lambda: 1_800_000_000  # lastUsed is stamped with the clock
    token = app.runtime.seeded.accounts["admin"].tokens[0]
    with TestClient(app) as client:
        return [client.get(url, headers={"X-API-Key": token}).content for url in READS]


def test_same_seed_gives_byte_identical_answers() -> None:
    assert answers(7) == answers(7)


def test_a_different_seed_gives_different_data() -> None:
    assert answers(7)[0] != answers(8)[0]


def test_seeded_state_is_pinned_across_machines() -> None:
    """A fingerprint of seed 42: it changes only if the seeding (or Faker's data) changes."""
    state = build(42, load_scenario(None)).state
    names = [s.name for s in list(state.stacks.values())[:5]]
    assert names == [
        "newspaper-grafana",
        "on-nginx",
        "rest-grafana",
        "specific-prometheus",
        "brother-minio",
    ]
    assert state.instance_id == "bdd640fb-0667-4ad1-9c80-317fa3b1799d"


def test_default_scenario_has_what_the_issue_asks() -> None:
    state = build(42, load_scenario(None)).state
    roles = {u.username: u.role for u in state.users.values()}
    assert roles["admin"] == 1 and roles["alice"] == roles["bob"] == 2
    grants = {
        u: [e.name for e in state.environments.values() if e.grants(uid)]
        for uid, u in ((2, "alice"), (3, "bob"))
    }
    assert grants == {"alice": ["production"], "bob": []}
    assert len(state.environments) >= 3 and len(state.stacks) >= 24


def test_concurrent_creates_keep_every_record_and_unique_ids() -> None:
    app = create_app(MockConfig(rate_limit=False, validate_responses=True))
    token = app.runtime.seeded.accounts["alice"].tokens[0]
    before = len(app.runtime.store.state.stacks)
    ids: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with TestClient(app) as client:
            for i in range(10):
                response = client.post(
                    "/api/stacks/create/standalone/string?endpointId=2",
                    json={"Name": f"w{n}-s{i}", "StackFileContent": "services: {}\n"},
                    headers={"X-API-Key": token},
                )
                assert response.status_code == 200, response.text
                with lock:
                    ids.append(response.json()["Id"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == len(set(ids)) == 80
    assert len(app.runtime.store.state.stacks) == before + 80


def test_concurrent_duplicate_names_create_exactly_one() -> None:
    app = create_app(MockConfig(rate_limit=False, validate_responses=True))
    token = app.runtime.seeded.accounts["alice"].tokens[0]
    statuses: list[int] = []

    def worker() -> None:
        with TestClient(app) as client:
            response = client.post(
                "/api/stacks/create/standalone/string?endpointId=2",
                json={"Name": "race", "StackFileContent": "services: {}\n"},
                headers={"X-API-Key": token},
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 9


def test_control_api_reset_and_state(client: TestClient, admin_key: str) -> None:
    client.post(
        "/api/stacks/create/standalone/string?endpointId=1",
        json={"Name": "tmp", "StackFileContent": "services: {}\n"},
        headers={"X-API-Key": admin_key},
    )
    state = client.get("/__mock__/state").json()
    assert "tmp" in [s["name"] for s in state["stacks"]]
    text = json.dumps(state)
    assert "password_hash" not in text and "digest" not in text and "secret_hash" not in text
    assert client.post("/__mock__/reset").status_code == 204
    assert "tmp" not in [s["name"] for s in client.get("/__mock__/state").json()["stacks"]]
    assert client.get("/__mock__/reset").status_code == 405


def test_control_api_can_be_switched_off() -> None:
    with TestClient(create_app(MockConfig(control_api=False, validate_responses=True))) as client:
        assert client.post("/__mock__/reset").status_code == 404


def test_swagger_ui_and_spec_are_served(client: TestClient) -> None:
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"].startswith("contract-mock")


def test_cli_help_explains_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--host",
        "--port",
        "--seed",
        "--scenario",
        "--https-port",
        "--certfile",
        "--rate-limit",
        "--control-api",
        "--rancher-access-control",
        "--validate-responses",
    ):
        assert option in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_serves_http_and_https_and_prints_credentials(tmp_path: Path) -> None:
    http_port, https_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "run",
            "--port",
            str(http_port),
            "--https-port",
            str(https_port),
            "--seed",
            "7",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{http_port}/api/system/status", timeout=1
                ) as response:
                    assert json.load(response)["Version"] == "2.23.0"
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("mockserver did not start")
                time.sleep(0.1)
        # Rate limiting is on by default and keyed on the connection, as Portainer keys it:
        # a client cannot dodge it with X-Forwarded-For.
        statuses = []
        for n in range(11):
            request = urllib.request.Request(
                f"http://127.0.0.1:{http_port}/api/auth",
                data=b'{"username": "admin", "password": "wrong"}',
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        assert statuses == [422] * 10 + [403]
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(
            f"https://127.0.0.1:{https_port}/api/settings/public", context=context, timeout=5
        ) as response:
            assert response.status == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{http_port}" in output and f"https://127.0.0.1:{https_port}" in output
    assert "mockadmin-pass" in output and "ptr_" in output
