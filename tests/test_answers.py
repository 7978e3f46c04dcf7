"""Reads answered from bytes (mockserver/answers.py): never stale, never another caller's, and
everything per request (authentication, journal, faults, CSRF) still happens on every request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import secrets
from mockserver.answers import Answer, AnswerCache
from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.runtime import Runtime
from mockserver.state import State, Store
from tests.conftest import login

KEYS = "/v2-beta/projects/1a2/apikeys"
STACK = "version: '3'\nservices:\n  web:\n    image: nginx\n"


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def bearer(jwt: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt}"}


def kept(app: Any) -> int:
    """How many answers the mock keeps for its state as it is now."""
    cache = app.reads.cache
    return len(cache) if cache.generation == app.runtime.store.generation else 0


def read_twice(client: TestClient, path: str, headers: dict[str, str]) -> httpx.Response:
    """A read, then the same read again: the second is answered from the kept bytes."""
    first = client.get(path, headers=headers)
    second = client.get(path, headers=headers)
    assert first.status_code == 200, first.text
    assert second.content == first.content
    return second


# -- the cache itself, without a server
def _answer(body: bytes = b"x") -> Answer:
    return Answer(caller=1, status=200, headers=[], body=body)


def test_an_answer_is_given_only_for_the_generation_it_was_made_at() -> None:
    cache = AnswerCache()
    cache.put("a", 3, _answer())
    assert cache.get("a", 3) is not None
    assert cache.get("a", 4) is None and cache.get("a", 2) is None
    cache.put("b", 4, _answer())  # a newer generation drops every older answer
    assert cache.get("a", 3) is None and len(cache) == 1
    cache.put("a", 3, _answer())  # made before a change already seen: never kept
    assert cache.get("a", 3) is None and cache.get("a", 4) is None


def test_the_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = AnswerCache(max_entries=2, max_bytes=10)
    for name in "abc":
        cache.put(name, 1, _answer())
    assert len(cache) == 2 and cache.get("a", 1) is None and cache.get("c", 1) is not None
    cache.put("big", 1, _answer(b"x" * 11))  # larger than the whole budget: not kept
    assert cache.get("big", 1) is None
    cache.put("d", 1, _answer(b"x" * 10))  # room made by dropping the oldest
    assert cache.get("d", 1) is not None and len(cache) == 1


def test_the_generation_moves_with_every_change_and_not_with_reads() -> None:
    store = Store(State())
    before = store.generation
    with store.reading:
        pass
    assert store.generation == before
    with store.lock:
        assert store.generation != before  # already while the change is under way
    after = store.generation
    assert after > before
    store.reset()
    assert store.generation > after


# -- never stale: a write of each kind, then the read shows it
Write = Callable[[TestClient, dict[str, str]], Any]


def _create_stack(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/stacks/create/standalone/string?endpointId=1",
        json={"Name": "fresh", "StackFileContent": STACK},
        headers=auth,
    )
    assert response.status_code == 200, response.text


def _update_stack(client: TestClient, auth: dict[str, str]) -> None:
    response = client.put(
        "/api/stacks/1?endpointId=1",
        json={"StackFileContent": STACK.replace("nginx", "httpd"), "Env": []},
        headers=auth,
    )
    assert response.status_code == 200, response.text


def _delete_stack(client: TestClient, auth: dict[str, str]) -> None:
    assert client.delete("/api/stacks/1?endpointId=1", headers=auth).status_code == 204


def _update_settings(client: TestClient, auth: dict[str, str]) -> None:
    response = client.put("/api/settings", json={"SnapshotInterval": "7m"}, headers=auth)
    assert response.status_code == 200, response.text


def _create_user(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/users",
        json={"username": "carol", "password": "carol-password", "role": 2},
        headers=auth,
    )
    assert response.status_code == 200, response.text


def _create_team(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/teams", json={"name": "ops"}, headers=auth)
    assert response.status_code == 200, response.text


def _reset(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/__mock__/reset").status_code == 204


@pytest.mark.parametrize(
    ("write", "read"),
    [
        (_create_stack, "/api/stacks"),
        (_update_stack, "/api/stacks/1"),
        (_update_stack, "/api/stacks/1/file"),
        (_delete_stack, "/api/stacks"),
        (_delete_stack, "/api/stacks/1"),
        (_update_settings, "/api/settings"),
        (_create_user, "/api/users"),
        (_create_team, "/api/teams"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_a_write_is_seen_by_the_next_read(
    client: TestClient, app: Any, admin_key: str, write: Write, read: str
) -> None:
    auth = key(admin_key)
    before = read_twice(client, read, auth)
    assert kept(app) >= 1  # the second read came from the kept bytes
    write(client, auth)
    after = client.get(read, headers=auth)
    assert after.content != before.content
    assert after.status_code in (200, 404)


def test_a_reset_is_seen_by_the_next_read(client: TestClient, admin_key: str) -> None:
    seeded = read_twice(client, "/api/stacks", key(admin_key))
    _delete_stack(client, key(admin_key))
    changed = read_twice(client, "/api/stacks", key(admin_key))
    assert changed.content != seeded.content
    _reset(client, key(admin_key))
    assert client.get("/api/stacks", headers=key(admin_key)).content == seeded.content


def test_a_tokens_last_use_is_shown_as_without_the_cache(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    listed = read_twice(client, "/api/users/1/tokens", key(admin_key)).json()
    now = runtime.store.now()
    runtime.store.clock = lambda: now + 61  # the next use stamps lastUsed anew
    again = client.get("/api/users/1/tokens", headers=key(admin_key)).json()
    assert [t["lastUsed"] for t in again] != [t["lastUsed"] for t in listed]
    assert now + 61 in [t["lastUsed"] for t in again]


def test_the_first_read_with_a_token_is_kept_though_it_stamps_last_used(
    client: TestClient, app: Any, admin_key: str
) -> None:
    generation = app.runtime.store.generation
    assert client.get("/api/stacks", headers=key(admin_key)).status_code == 200
    assert app.runtime.store.generation != generation  # lastUsed was stamped: a change
    assert kept(app) == 1  # made after that change, so kept


def test_a_token_deleted_no_longer_reads(client: TestClient) -> None:
    jwt = login(client, "alice", "alice-password")
    made = client.post(
        "/api/users/2/tokens",
        json={"description": "short-lived", "password": "alice-password"},
        headers=bearer(jwt),
    ).json()
    read_twice(client, "/api/stacks", key(made["rawAPIKey"]))
    gone = client.delete(f"/api/users/2/tokens/{made['apiKey']['id']}", headers=bearer(jwt))
    assert gone.status_code == 204
    assert client.get("/api/stacks", headers=key(made["rawAPIKey"])).status_code == 401


def test_a_jwt_logged_out_or_expired_no_longer_reads(client: TestClient, runtime: Runtime) -> None:
    jwt = login(client, "alice", "alice-password")
    read_twice(client, "/api/stacks", bearer(jwt))
    assert client.post("/api/auth/logout", headers=bearer(jwt)).status_code == 204
    assert client.get("/api/stacks", headers=bearer(jwt)).status_code == 401
    other = login(client, "alice", "alice-password")
    read_twice(client, "/api/stacks", bearer(other))
    now = runtime.store.now()
    runtime.store.clock = lambda: now + 8 * 3600 + 1  # past the session timeout
    assert client.get("/api/stacks", headers=bearer(other)).status_code == 401


# -- never another caller's
def test_each_caller_gets_their_own_answer(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    for _ in range(2):
        admin = client.get("/api/stacks", headers=key(admin_key)).json()
        alice = client.get("/api/stacks", headers=key(alice_key)).json()
        assert {s["EndpointId"] for s in alice} == {2}  # alice sees production's stacks only
        assert len(admin) > len(alice)
        assert client.get("/api/stacks", headers=key("ptr_not-a-token")).status_code == 401
        me = client.get("/api/users/me", headers=key(alice_key)).json()
        assert me["Username"] == "alice"


def test_a_refusal_is_never_replaced_by_a_kept_answer(
    client: TestClient, admin_key: str, alice_key: str
) -> None:
    read_twice(client, "/api/settings", key(admin_key))
    for _ in range(2):
        assert client.get("/api/settings", headers=key(alice_key)).status_code == 403
    both = {**key(admin_key), "Authorization": "Bearer x"}
    assert client.get("/api/settings", headers=both).status_code == 403


# -- still per request
def test_kept_answers_are_journaled_and_faulted_like_any(
    client: TestClient, admin_key: str
) -> None:
    client.delete("/__mock__/requests")
    read_twice(client, "/api/stacks", key(admin_key))
    entries = client.get("/__mock__/requests").json()
    assert [(e["path"], e["status"]) for e in entries] == [("/api/stacks", 200)] * 2
    assert all(e["caller"]["username"] == "admin" for e in entries)
    rule = {"method": "GET", "path": "/api/stacks", "status": 503}
    assert client.post("/__mock__/faults", json=rule).status_code == 201
    assert client.get("/api/stacks", headers=key(admin_key)).status_code == 503
    client.delete("/__mock__/faults")
    assert client.get("/api/stacks", headers=key(admin_key)).status_code == 200


def test_each_answer_still_gets_its_own_csrf_token(client: TestClient, admin_key: str) -> None:
    tokens = set()
    for _ in range(3):
        client.cookies.clear()  # no CSRF cookie yet: gorilla hands out a new token each time
        answer = client.get("/api/stacks", headers=key(admin_key))
        tokens.add(answer.headers["x-csrf-token"])
        assert answer.cookies.get("_gorilla_csrf") == answer.headers["x-csrf-token"]
    assert len(tokens) == 3


# -- replayed at the door (mockserver/replay.py)
@pytest.fixture
def inner_calls(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests that reach the layers inside the door (Portainer's)."""
    calls: list[str] = []
    inner = app._csrf_app.app

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await inner(scope, receive, send)

    monkeypatch.setattr(app._csrf_app, "app", counting)
    return calls


def test_a_read_seen_once_is_replayed_from_the_door_as_the_full_path_sent_it(
    client: TestClient, admin_key: str, inner_calls: list[str]
) -> None:
    client.get("/api/stacks", headers=key(admin_key))  # hands out the CSRF cookie
    full = client.get("/api/stacks", headers=key(admin_key))  # the same request from now on
    replayed = [client.get("/api/stacks", headers=key(admin_key)) for _ in range(3)]
    assert inner_calls == ["/api/stacks"] * 2
    for answer in replayed:
        assert answer.status_code == 200
        assert answer.content == full.content
        assert answer.headers.multi_items() == full.headers.multi_items()


def test_the_door_hands_out_a_new_csrf_token_to_each_request_without_one(
    client: TestClient, admin_key: str, inner_calls: list[str]
) -> None:
    tokens = set()
    for _ in range(4):
        client.cookies.clear()
        answer = client.get("/api/settings", headers=key(admin_key))
        assert answer.cookies.get("_gorilla_csrf") == answer.headers["x-csrf-token"]
        tokens.add(answer.headers["x-csrf-token"])
    assert len(tokens) == 4
    assert len(inner_calls) == 1  # the three others were replayed, each with its own token


def test_a_request_the_mock_rewrites_on_the_way_in_is_never_replayed_from_the_door(
    client: TestClient, runtime: Runtime, inner_calls: list[str]
) -> None:
    jwt = login(client, "admin", runtime.seeded.accounts["admin"].password)
    bare = {"Authorization": jwt}  # Portainer accepts a JWT without "Bearer "; the mock adds it
    answers = [client.get("/api/stacks", headers=bare) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert answers[1].content == answers[2].content
    assert inner_calls.count("/api/stacks") == 3


def test_the_door_checks_the_credential_and_the_state_on_every_replay(
    client: TestClient, admin_key: str, runtime: Runtime, inner_calls: list[str]
) -> None:
    for _ in range(3):
        assert "httpd" not in client.get("/api/stacks/1/file", headers=key(admin_key)).text
    assert len(inner_calls) == 2  # the third was replayed
    _update_stack(client, key(admin_key))
    assert "httpd" in client.get("/api/stacks/1/file", headers=key(admin_key)).text
    for _ in range(2):  # replayed again: the door has learned the new answer
        assert "httpd" in client.get("/api/stacks/1/file", headers=key(admin_key)).text
    token = runtime.store.token_by_digest(secrets.token_digest(admin_key))
    assert token is not None
    revoked = client.delete(f"/api/users/{token.user_id}/tokens/{token.id}", headers=key(admin_key))
    assert revoked.status_code == 204
    assert client.get("/api/stacks/1/file", headers=key(admin_key)).status_code == 401


def test_a_bug_met_at_the_door_is_still_a_shaped_500(
    client: TestClient, app: Any, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        client.get("/api/settings", headers=key(admin_key))  # learned at the door

    def broken(scope: Any, kept: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.reads, "recheck", broken)
    answer = client.get("/api/settings", headers=key(admin_key))
    assert answer.status_code == 500
    assert answer.json()["message"] == "Internal Server Error"


# -- Rancher: a key's state that changes with the clock
@pytest.fixture
def slow_client() -> Iterator[tuple[TestClient, Runtime]]:
    app = create_app(
        MockConfig(validate_responses=True, rate_limit=False, rancher_settle_seconds=5)
    )
    with TestClient(app) as client:
        yield client, app.runtime


def test_a_rancher_key_settling_with_time_is_shown_settled(
    slow_client: tuple[TestClient, Runtime],
) -> None:
    client, runtime = slow_client
    admin = runtime.seeded.rancher_admin
    auth = (admin.access_key, admin.secret_key)
    made = client.post(KEYS, auth=auth, json={"name": "new"})
    assert made.status_code == 201, made.text

    def state() -> str:
        listed = client.get(KEYS, auth=auth).json()["data"]
        return next(k["state"] for k in listed if k["id"] == made.json()["id"])

    assert state() == state() == "registering"
    now = runtime.store.clock()
    runtime.store.clock = lambda: now + 6
    assert state() == "active"


def test_rancher_reads_are_kept_and_a_write_is_seen(client: TestClient, app: Any) -> None:
    admin = app.runtime.seeded.rancher_admin
    auth = (admin.access_key, admin.secret_key)
    first = client.get(KEYS, auth=auth)
    assert client.get(KEYS, auth=auth).content == first.content
    assert kept(app) >= 1
    assert client.post(KEYS, auth=auth, json={"name": "another"}).status_code == 201
    assert len(client.get(KEYS, auth=auth).json()["data"]) > len(first.json()["data"])
    assert client.get(KEYS, auth=(admin.access_key, "wrong")).status_code == 401


# -- answers that show the clock: kept for the second they show
def test_a_docker_answer_is_kept_within_its_second_and_never_after(
    client: TestClient, runtime: Runtime, admin_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockserver.portainer.docker.proxy import DockerProxy

    computed: list[int] = []
    original = DockerProxy.list_containers

    def counting(self: DockerProxy, *args: Any) -> Any:
        computed.append(1)
        return original(self, *args)

    monkeypatch.setattr(DockerProxy, "list_containers", counting)
    now = runtime.store.now()
    runtime.store.clock = lambda: now
    path = "/api/endpoints/1/docker/containers/json"
    read_twice(client, path, key(admin_key))
    client.get(path, headers=key(admin_key))  # three reads in one second
    assert len(computed) <= 2  # the first read stamps the token's lastUsed: one more at most
    served = len(computed)
    runtime.store.clock = lambda: now + 1  # the next second: computed again, not served kept
    later = client.get(path, headers=key(admin_key))
    assert later.status_code == 200 and len(computed) == served + 1
    assert client.get(path, headers=key(admin_key)).content == later.content
    assert len(computed) == served + 1  # and kept again for that second


def test_an_environment_snapshot_shows_the_second_it_is_read_in(
    client: TestClient, runtime: Runtime, admin_key: str
) -> None:
    now = runtime.store.now()
    for moment in (now, now, now + 1, now + 1, now + 2):
        runtime.store.clock = lambda moment=moment: moment
        reply = client.get("/api/endpoints/1", headers=key(admin_key))
        assert reply.json()["Snapshots"][0]["Time"] == moment
