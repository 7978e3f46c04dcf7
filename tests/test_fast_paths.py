"""The performance work keeps behaviour: compiled validators still catch drift, views stay copies,
the fast JSON encoder writes what the standard one did. No timing here: that is `make bench`."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from mockserver import hotpath, seed
from mockserver.app import _compact_json, create_app
from mockserver.config import MockConfig
from mockserver.portainer import views


def key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def test_a_compiled_response_schema_still_catches_drift_after_valid_answers(
    client: TestClient, runtime, admin_key: str
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/stacks", headers=key(admin_key)).status_code == 200
    assert client.get("/api/stacks", headers=key(admin_key)).status_code == 200
    stack = next(iter(runtime.store.state.stacks.values()))
    with runtime.store.lock:  # as the mock changes its state: kept answers are then stale
        stack.status = "running"  # not an integer, deep inside one item of the list
    response = client.get("/api/stacks", headers=key(admin_key))
    assert response.status_code == 500
    assert "does not conform" in response.json()["details"]
    response = client.get(f"/api/stacks/{stack.id}", headers=key(admin_key))
    assert response.status_code == 500


def test_values_the_encoder_converts_are_checked_as_sent(
    client: TestClient, runtime, admin_key: str
) -> None:  # type: ignore[no-untyped-def]
    values = runtime.store.state.settings.values
    values["LogoURL"] = Decimal("1.5")  # goes out as the number 1.5, not a string
    response = client.get("/api/settings", headers=key(admin_key))
    assert response.status_code == 500
    assert "does not conform" in response.json()["details"]
    values["LogoURL"] = ""
    values["EnableTelemetry"] = float("nan")  # goes out as null, not a boolean
    assert client.get("/api/settings", headers=key(admin_key)).status_code == 500


def test_without_response_validation_a_drifting_answer_goes_out() -> None:
    app = create_app(MockConfig(validate_responses=False, rate_limit=False))
    token = app.runtime.seeded.accounts["admin"].tokens[0]
    app.runtime.store.state.settings.values["EnableTelemetry"] = "yes"
    with TestClient(app) as client:
        response = client.get("/api/settings", headers=key(token))
    assert response.status_code == 200 and response.json()["EnableTelemetry"] == "yes"


def test_parameters_are_still_checked_with_connexions_wording(
    client: TestClient, admin_key: str
) -> None:
    for _ in range(2):  # the second time through the compiled check
        ok = client.get("/api/endpoints?start=0", headers=key(admin_key))
        assert ok.status_code == 200
        low = client.get("/api/endpoints?start=-1", headers=key(admin_key))
        assert low.status_code == 400
        assert low.json()["details"] == "-1 is less than the minimum of 0"
        bad = client.delete("/api/stacks/1?endpointId=x", headers=key(admin_key))
        assert bad.json()["details"] == "'x' is not of type 'integer'"


def test_a_view_shares_no_container_with_the_state(runtime) -> None:  # type: ignore[no-untyped-def]
    state = runtime.store.state
    stack = next(s for s in state.stacks.values() if s.env)
    view = views.stack_view(stack, state.resource_controls.get(stack.resource_control_id))
    view["Env"][0]["value"] = "changed"
    view["ResourceControl"]["UserAccesses"].append({"UserId": 99, "AccessLevel": 1})
    assert stack.env[0]["value"] != "changed"
    settings = views.settings_view(state.settings)
    settings["LDAPSettings"]["SearchSettings"].append({})
    assert len(state.settings.values["LDAPSettings"]["SearchSettings"]) == 1


def test_the_json_encoder_writes_what_compact_json_dumps_did(runtime) -> None:  # type: ignore[no-untyped-def]
    state = runtime.store.state
    samples = [views.settings_view(state.settings), {"text": 'é ü \u2028 \x01 / "q"', "n": 1.5}]
    samples += [
        views.stack_view(s, state.resource_controls.get(s.resource_control_id))
        for s in state.stacks.values()
    ]
    encoder = _compact_json()
    for sample in samples:
        expected = json.dumps(sample, separators=(",", ":"), ensure_ascii=False) + "\n"
        assert encoder.dumps(sample) == expected.encode()


def test_scenarios_may_ask_for_more_stacks_than_faker_has_words() -> None:
    scenario = seed.load_scenario(None)
    scenario["portainer"]["extra"]["stacks"] = 1_500
    state = seed.build(42, scenario).state
    assert len(state.stacks) == 1_500
    assert len({(s.endpoint_id, s.name) for s in state.stacks.values()}) == 1_500


def test_the_route_index_keeps_every_route_that_could_match_in_order() -> None:
    async def endpoint(scope, receive, send):  # type: ignore[no-untyped-def]
        raise AssertionError("not called")

    routes = [
        Route("/api/users/{id:int}", endpoint, methods=["GET"]),
        Route("/{anything}/users/me", endpoint, methods=["GET"]),
        Route("/api/users/me", endpoint, methods=["GET"]),
        Route("/v2-beta/projects/{pid}", endpoint, methods=["GET"]),
        Route("/api", endpoint, methods=["GET"]),
    ]
    by_key, anywhere = hotpath.index_routes(routes)
    # A route without two fixed segments (a parameter in front, or too short) is tried everywhere.
    assert anywhere == [routes[1], routes[4]]
    assert by_key[("api", "users")] == [routes[0], routes[1], routes[2], routes[4]]
    assert by_key[("v2-beta", "projects")] == [routes[1], routes[3], routes[4]]
    router = hotpath._IndexedRouter(routes=routes)
    assert (
        router._candidates({"type": "http", "path": "/api/users/7", "root_path": ""})
        == (by_key[("api", "users")])
    )
    assert router._candidates({"type": "http", "path": "/api", "root_path": ""}) == anywhere


def test_the_app_routes_through_the_index(client: TestClient, admin_key: str) -> None:
    assert client.get("/api/users/me", headers=key(admin_key)).json()["Username"] == "admin"
    assert client.get("/api/users/1", headers=key(admin_key)).json()["Username"] == "admin"
    assert client.patch("/api/users/1", headers=key(admin_key)).status_code == 405
    assert client.get("/api/nowhere/at/all").status_code == 404


def test_each_contract_is_checked_once_and_a_broken_one_every_time(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Apps built from the same contract share one check of it against the OpenAPI schema, in
    a process and (through the user's cache) on a machine; a different document is checked
    again, and a broken one fails on every build."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from connexion.exceptions import InvalidSpecification
    from connexion.spec import Specification

    checked: list[str] = []

    def counting(cls, spec):  # type: ignore[no-untyped-def]
        checked.append(spec["info"]["title"])
        return original(cls, spec)

    original = hotpath._check_spec
    monkeypatch.setattr(hotpath, "_check_spec", counting)
    monkeypatch.setattr(hotpath, "_checked_specs", set())
    create_app(MockConfig(seed=1))
    create_app(MockConfig(seed=2))
    assert len(checked) == 1
    create_app(MockConfig(seed=1, rancher_access_control=False))  # another document: open mode
    assert len(checked) == 2

    monkeypatch.setattr(hotpath, "_checked_specs", set())  # as a new process finds it
    create_app(MockConfig(seed=3))
    assert len(checked) == 2  # the user's cache remembers the document checked
    for marker in (tmp_path / "contract-mock" / "checked-contracts").iterdir():
        marker.unlink()
    monkeypatch.setattr(hotpath, "_checked_specs", set())
    create_app(MockConfig(seed=3))
    assert len(checked) == 3
    checked.pop()

    broken = {"openapi": "3.0.3", "info": {"title": "broken"}, "paths": {"/x": {"get": 1}}}
    for _ in range(2):
        with pytest.raises(InvalidSpecification):
            Specification.from_dict(broken)
    assert checked[2:] == ["broken", "broken"]


def test_answers_without_a_schema_share_one_compiled_check() -> None:
    from mockserver.validation import SchemaCache

    cache = SchemaCache()
    first = cache.entry({})  # Connexion passes a new empty schema for each 204
    again = cache.entry({})
    assert first[0] is again[0]
    assert len(cache._compiled) == 1  # nothing kept per request


def test_a_contract_text_is_parsed_once_on_a_machine(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The first parse of a contract's text leaves its JSON in the user's cache; the same text
    is then read from there, another text is parsed, and YAML that JSON cannot hold exactly
    (a date) is never cached."""
    from mockserver import spec

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
    assert spec.parse_contract(text)["info"]["title"] == "t"

    def refuse(_: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(spec, "parse", refuse)
    assert spec.parse_contract(text)["info"]["title"] == "t"  # from the cache
    with pytest.raises(AssertionError, match="parsed again"):
        spec.parse_contract(text + "x-other: 1\n")
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    dated = "openapi: 3.0.3\ninfo: {title: d, version: 2024-05-01}\npaths: {}\n"
    spec.parse_contract(dated)
    assert len(list((tmp_path / "contract-mock" / "contracts").glob("*.json"))) == 1


def test_writes_are_served_by_the_direct_steps_and_unknown_routes_by_connexion(
    client: TestClient, runtime, admin_key: str
) -> None:  # type: ignore[no-untyped-def]
    from mockserver.direct import DirectWrites

    direct = client.app.reads.app  # type: ignore[attr-defined]
    assert isinstance(direct, DirectWrites)
    reached: list[str] = []
    connexion_app = direct.app

    async def recording(scope, receive, send):  # type: ignore[no-untyped-def]
        reached.append(f"{scope['method']} {scope['path']}")
        await connexion_app(scope, receive, send)

    direct.app = recording
    try:
        body = {"Name": "direct", "StackFileContent": "services:\n  web:\n    image: nginx\n"}
        created = client.post(
            "/api/stacks/create/standalone/string?endpointId=1", json=body, headers=key(admin_key)
        )
        assert created.status_code == 200, created.text
        bad = client.post(
            "/api/stacks/create/standalone/string?endpointId=1",
            json={"Name": 5},
            headers=key(admin_key),
        )
        assert bad.status_code == 400 and bad.json()["message"] == "Invalid request payload"
        unauthenticated = client.delete(f"/api/stacks/{created.json()['Id']}?endpointId=1")
        assert unauthenticated.status_code == 401
        deleted = client.delete(
            f"/api/stacks/{created.json()['Id']}?endpointId=1", headers=key(admin_key)
        )
        assert deleted.status_code == 204
        assert reached == []  # every write above took the direct steps
        missing = client.post("/api/no-such-route", json={}, headers=key(admin_key))
        assert missing.status_code == 404
        assert reached == ["POST /api/no-such-route"]
    finally:
        direct.app = connexion_app


def test_stack_words_are_the_words_fakers_unique_word_draws() -> None:
    from faker import Faker
    from faker.exceptions import UniquenessException

    ours, theirs = Faker(), Faker()
    ours.seed_instance(7)
    theirs.seed_instance(7)
    words = seed._StackWords(ours)
    exhausted = False
    for index in range(1_200):  # past the end of the word list, where Faker gives up
        if not exhausted:
            try:
                expected = str(theirs.unique.word())
            except UniquenessException:
                exhausted = True
        if exhausted:
            expected = f"{theirs.word()}{index}"
        assert words.next(index) == expected
    assert exhausted and words.exhausted
    assert ours.random.random() == theirs.random.random()  # the generator is left where it was


def _write_script(client: TestClient, token: str) -> list[tuple[int, str]]:
    """Writes of every shape a Portainer client sends (JSON bodies, path and query parameters,
    a form upload, refusals), and what each answered."""
    auth = key(token)
    stack = "services:\n  web:\n    image: nginx\n"
    answers = []

    def note(response) -> None:  # type: ignore[no-untyped-def]
        answers.append((response.status_code, response.text))

    string = "/api/stacks/create/standalone/string?endpointId=1"
    note(client.post(string, json={"Name": "one", "StackFileContent": stack}, headers=auth))
    note(
        client.post(string, json={"Name": "two", "StackFileContent": "services: [x"}, headers=auth)
    )
    note(client.post(string, json={"Name": 5}, headers=auth))
    note(client.post(string, content=b"{not json", headers=auth))
    note(client.post(string, json={"Name": "three", "StackFileContent": stack}, headers=auth))
    stack_id = json.loads(answers[0][1])["Id"]
    note(
        client.put(
            f"/api/stacks/{stack_id}?endpointId=1",
            json={"StackFileContent": stack.replace("nginx", "httpd"), "Env": []},
            headers=auth,
        )
    )
    note(client.post(f"/api/stacks/{stack_id}/stop?endpointId=1", headers=auth))
    note(client.post(f"/api/stacks/{stack_id}/stop?endpointId=1", headers=auth))
    note(client.post(f"/api/stacks/{stack_id}/start?endpointId=x", headers=auth))
    note(
        client.post(
            "/api/stacks/create/standalone/file?endpointId=1",
            data={"Name": "uploaded"},
            files={"file": ("docker-compose.yml", stack.encode())},
            headers=auth,
        )
    )
    note(
        client.post(
            "/api/users",
            json={"username": "erin", "password": "erin-pw-12345", "role": 2},
            headers=auth,
        )
    )
    note(client.post("/api/teams", json={"name": "ops"}, headers=auth))
    note(client.put("/api/settings", json={"SnapshotInterval": "10m"}, headers=auth))
    note(client.delete(f"/api/stacks/{stack_id}?endpointId=1&external=false", headers=auth))
    note(client.delete(f"/api/stacks/{stack_id}?endpointId=1", headers=auth))
    note(client.delete("/api/stacks/99999?endpointId=1"))
    return answers


def test_the_direct_call_answers_every_write_as_connexions_own_chain(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mockserver import direct

    def run(through_connexion: bool) -> list[tuple[int, str]]:
        if through_connexion:

            async def connexion_chain(self, scope, receive, send):  # type: ignore[no-untyped-def]
                await self.fallback(scope, receive, send)

            monkeypatch.setattr(direct._Call, "__call__", connexion_chain)
        app = create_app(MockConfig(validate_responses=True, rate_limit=False))
        app.runtime.store.clock = lambda: 1_767_225_600.0
        token = app.runtime.seeded.accounts["admin"].tokens[0]
        with TestClient(app) as client:
            return _write_script(client, token)

    direct_answers = run(through_connexion=False)
    assert [status for status, _ in direct_answers] == [
        200,
        500,
        400,
        400,
        200,
        200,
        200,
        400,
        400,
        200,
        200,
        200,
        200,
        204,
        404,
        401,
    ]
    assert direct_answers == run(through_connexion=True)
