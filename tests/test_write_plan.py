"""The write plan (mockserver/write_plan.py) against Connexion's own steps.

The same script of writes runs twice on fresh apps with the same seed and clock: once with the
plans, once with every plan turned off (each write then goes through Connexion's security,
request validation, parameter decoding, response building and response validation). Every answer
must be the same, status, headers and body; only what is random by design (CSRF tokens, JWT ids,
new access tokens) is masked. The script holds the usual writes the plans serve and the odd ones
they must decline, and the test checks that both kinds really occurred.
"""

from __future__ import annotations

import json
import re
import typing as t

import pytest
from starlette.responses import JSONResponse, StreamingResponse
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.write_plan import WritePlan

CLOCK = 1_767_225_600.0
JSON = "application/json"
STACK = "services:\n  web:\n    image: nginx\n"
_RANDOM = re.compile(
    r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT (its id is random)
    r"|ptr_[A-Za-z0-9+/=_-]+"  # a new access token
    r"|_gorilla_csrf=[A-Za-z0-9_-]+"  # a new CSRF cookie
    r'|"digest":"[^"]*"'  # a new access token's digest
)
Answer = tuple[int, list[tuple[str, str]], str]


class Script:
    """Sends requests and notes each answer, with what is random masked."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.answers: list[Answer] = []

    def send(self, method: str, url: str, **kwargs: t.Any) -> t.Any:
        response = self.client.request(method, url, **kwargs)
        headers = [
            (name, _RANDOM.sub("<random>", value))
            for name, value in response.headers.items()
            if name != "x-csrf-token"
        ]
        self.answers.append((response.status_code, headers, _RANDOM.sub("<random>", response.text)))
        return response


def _writes(script: Script, admin: str, alice: str) -> None:
    """Writes of every shape: the usual ones, and odd credentials, parameters and bodies."""
    send = script.send
    key = {"X-API-Key": admin}
    json_type = {"Content-Type": "application/json"}
    create = "/api/stacks/create/standalone/string"

    def body(name: str, **extra: t.Any) -> bytes:
        return json.dumps({"Name": name, "StackFileContent": STACK, **extra}).encode()

    # logins (no security; a JSON body; the handler refuses a bad password)
    login = send("POST", "/api/auth", json={"username": "admin", "password": "mockadmin-pass"})
    jwt = login.json()["jwt"]
    send("POST", "/api/auth", json={"username": "admin", "password": "wrong-password"})
    send("POST", "/api/auth", json={"Username": "admin", "PASSWORD": "mockadmin-pass"})
    send("POST", "/api/auth", content=b"{not json", headers=json_type)
    send("POST", "/api/auth", json={"username": 5})

    # credentials
    send("POST", f"{create}?endpointId=1", content=body("by-key"), headers={**key, **json_type})
    for authorization in (f"Bearer {jwt}", f"bearer {jwt}", jwt, "Bearer", "Basic abc", "Bearer x"):
        send(
            "POST",
            f"{create}?endpointId=1",
            content=body(f"auth-{len(script.answers)}"),
            headers={"Authorization": authorization, **json_type},
        )
    send(
        "POST",
        f"{create}?endpointId=1",
        content=body("both"),
        headers={**key, "Authorization": f"Bearer {jwt}"},
    )
    send(
        "POST", f"{create}?endpointId=1", content=body("bad-key"), headers={"X-API-Key": "ptr_nope"}
    )
    send("POST", f"{create}?endpointId=1", content=body("no-credential"), headers=json_type)
    send("POST", f"{create}?endpointId=1", content=body("by-alice"), headers={"X-API-Key": alice})

    # query parameters
    for query in (
        "endpointId=1&endpointId=2",
        "endpointId=+1",
        "endpointId=%31",
        "endpointId=1.0",
        "endpointId=",
        "endpointId=-1",
        "endpointId=0x1",
        "endpointId=99999999999999999999",
        "endpointId=" + "1" * 5000,  # past what Python's int() reads
        "endpointid=1",
        "",
        "endpointId=1&extra=yes",
        "endpointId=1&endpointId[x]=2",
        "endpointId=1;x=2",
    ):
        send("POST", f"{create}?{query}", content=body(f"q-{len(script.answers)}"), headers=key)

    # bodies and content types
    for content_type, content in (
        ("text/plain", body("plain")),
        ("application/json; charset=utf-8", body("charset")),
        ("Application/JSON", body("capitals")),
        ("application/json", json.dumps({"name": "folded", "stackfilecontent": STACK}).encode()),
        ("application/json", body("extra-field", Unknown=1)),
        ("application/json", b'{"Name": "surrogate-\\ud800", "StackFileContent": "x"}'),
        ("application/json", b"[]"),
        ("application/json", b'"text"'),
        ("application/json", b"null"),
        ("application/json", b""),
        ("application/json", b"   "),
        ("application/json", json.dumps({"Name": "no-file"}).encode()),
        ("application/json", json.dumps({"Name": 5, "StackFileContent": STACK}).encode()),
        ("application/json", body("by-key")),  # a name already taken
        ("application/json", b"\xff\xfe"),
    ):
        send(
            "POST",
            f"{create}?endpointId=1",
            content=content,
            headers={**key, "Content-Type": content_type},
        )

    # the life of a stack, path parameters
    stack = send("POST", f"{create}?endpointId=1", content=body("life"), headers=key).json()["Id"]
    send(
        "PUT",
        f"/api/stacks/{stack}?endpointId=1",
        json={"StackFileContent": STACK, "Env": [{"name": "A", "value": "1"}]},
        headers=key,
    )
    send("POST", f"/api/stacks/{stack}/stop?endpointId=1", headers=key)
    send("POST", f"/api/stacks/{stack}/stop?endpointId=1", headers=key)
    send("POST", f"/api/stacks/{stack}/start?endpointId=1", headers=key)
    send("POST", f"/api/stacks/{stack}/start?endpointId=x", headers=key)
    for path_id in ("abc", "1e3", "0", "-1", f"{stack}"):
        send("DELETE", f"/api/stacks/{path_id}?endpointId=1", headers=key)
    send("DELETE", "/api/stacks/life?endpointId=1&external=true", headers=key)

    # users, tokens, teams, settings, the Docker view, a cookie session
    user = send(
        "POST",
        "/api/users",
        json={"username": "erin", "password": "erin-pw-12345", "role": 2},
        headers=key,
    )
    send(
        "POST",
        "/api/users",
        json={"username": "erin", "password": "erin-pw-12345", "role": 2},
        headers=key,
    )
    user_id = user.json()["Id"]
    send("PUT", f"/api/users/{user_id}", json={"role": 1}, headers=key)
    send(
        "PUT",
        f"/api/users/{user_id}/passwd",
        json={"password": "erin-pw-12345", "newPassword": "erin-pw-67890"},
        headers=key,
    )
    send(
        "POST",
        "/api/users/1/tokens",
        json={"description": "ci", "password": "mockadmin-pass"},
        headers=key,
    )
    token = send(
        "POST",
        "/api/users/1/tokens",
        json={"description": "ci", "password": "mockadmin-pass"},
        headers={"Authorization": f"Bearer {jwt}"},
    )
    send("DELETE", f"/api/users/1/tokens/{token.json()['apiKey']['id']}", headers=key)
    send("DELETE", "/api/users/1/tokens/99999", headers=key)
    team = send("POST", "/api/teams", json={"name": "ops"}, headers=key).json()["Id"]
    send("POST", "/api/teams", json={"name": "ops"}, headers=key)
    send("PUT", f"/api/teams/{team}", json={"name": "ops-2"}, headers=key)
    send(
        "POST",
        "/api/team_memberships",
        json={"userID": user_id, "teamID": team, "role": 2},
        headers=key,
    )
    send("DELETE", f"/api/teams/{team}", headers=key)
    send("DELETE", f"/api/users/{user_id}", headers={"X-API-Key": alice})
    send("DELETE", f"/api/users/{user_id}", headers=key)
    send("PUT", "/api/settings", json={"SnapshotInterval": "10m"}, headers=key)
    send("PUT", "/api/settings", json={"SnapshotInterval": 10}, headers=key)
    containers = send("GET", "/api/endpoints/1/docker/containers/json?all=1", headers=key).json()
    for action in ("stop", "stop", "start", "restart"):
        send(
            "POST",
            f"/api/endpoints/1/docker/containers/{containers[0]['Id']}/{action}",
            headers=key,
        )
    send("POST", "/api/endpoints/1/docker/containers/nope/start", headers=key)
    cookies = {"portainer_api_key": jwt}
    send(
        "POST",
        f"{create}?endpointId=1",
        content=body("session"),
        headers=json_type,
        cookies=cookies,
    )
    csrf = send("GET", "/api/status", cookies=cookies).headers["x-csrf-token"]
    send(
        "POST",
        f"{create}?endpointId=1",
        content=body("session"),
        headers={**json_type, "X-CSRF-Token": csrf},
        cookies={**cookies, "_gorilla_csrf": csrf},
    )
    send("POST", "/api/auth/logout", headers={"Authorization": f"Bearer {jwt}"})
    send(
        "POST",
        f"{create}?endpointId=1",
        content=body("after-logout"),
        headers={"Authorization": f"Bearer {jwt}"},
    )


def _plans(patch: pytest.MonkeyPatch, planned: bool, served: list[str]) -> None:
    """With plans, note the operation of each request a plan serves; else no plan at all (every
    write goes through Connexion's steps)."""
    if not planned:
        patch.setattr(WritePlan, "compile", classmethod(lambda cls, *args: None))
        return
    run = WritePlan.run

    async def counted(self: WritePlan, *args: t.Any) -> t.Any:
        served.append(self.operation.operation_id)
        return await run(self, *args)

    patch.setattr(WritePlan, "run", counted)


def _run(
    monkeypatch: pytest.MonkeyPatch, *, planned: bool, rate_limit: bool = False
) -> tuple[list[Answer], list[str]]:
    """The script's answers, and the operations the plans served."""
    served: list[str] = []
    with monkeypatch.context() as patch:
        _plans(patch, planned, served)
        app = create_app(MockConfig(validate_responses=True, rate_limit=rate_limit))
        app.runtime.store.clock = lambda: CLOCK
        accounts = app.runtime.seeded.accounts
        with TestClient(app) as client:
            script = Script(client)
            if rate_limit:
                for attempt in range(12):  # declined (not JSON) and served (a bad password)
                    content = (
                        b"{not json" if attempt % 2 else b'{"username":"admin","password":"no"}'
                    )
                    script.send("POST", "/api/auth", content=content)
            else:
                _writes(script, accounts["admin"].tokens[0], accounts["alice"].tokens[0])
    return script.answers, served


def test_the_plans_answer_every_write_as_connexions_own_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planned, served = _run(monkeypatch, planned=True)
    unplanned, none = _run(monkeypatch, planned=False)
    assert none == []
    assert len(planned) > 80
    # both kinds occurred: writes the plans served, and writes they declined
    assert len(served) > 40
    assert len(served) < len(planned) - 30
    assert {"createStandaloneStackFromString", "deleteStack", "authenticateUser"} <= set(served)
    for index, (ours, theirs) in enumerate(zip(planned, unplanned, strict=True)):
        assert ours == theirs, f"request {index} of the script"


def test_a_declined_login_meets_the_rate_limiter_once(monkeypatch: pytest.MonkeyPatch) -> None:
    planned, served = _run(monkeypatch, planned=True, rate_limit=True)
    unplanned, _ = _run(monkeypatch, planned=False, rate_limit=True)
    assert served  # the plan served the logins the limiter let through
    statuses = [status for status, _, _ in planned]
    assert statuses[:10] == [422, 400] * 5  # Portainer's burst of 10 attempts, each counted once
    assert statuses[10:] == [403, 403]
    assert planned == unplanned


ODD_ANSWERS: list[t.Callable[[], t.Any]] = [
    lambda: ({"Id": "not-a-number", "Name": 5}, 200),  # breaks the contract's Team
    lambda: ({"Id": 7, "Name": "ops"}, 200),  # a Team as the contract gives it
    lambda: ("plain text", 200, {"Content-Type": "text/plain"}),  # a type the contract lacks
    lambda: ({"Id": 7}, 201),  # a status the contract does not give
    lambda: (None, 204),
    lambda: {"Id": 8, "Name": "bare"},  # no status: Connexion infers it
    lambda: ([{"Id": 9}], 200, {"X-Extra": "yes"}),
    lambda: JSONResponse({"Id": 10}),  # a framework response, missing a required field
    lambda: StreamingResponse(iter([b'{"Id": 11, ', b'"Name": "streamed"}']), media_type=JSON),
    lambda: StreamingResponse(iter([b'{"Id": "x"}']), media_type=JSON),
]


@pytest.mark.parametrize("answer", ODD_ANSWERS, ids=[str(i) for i in range(len(ODD_ANSWERS))])
def test_an_answer_is_checked_as_connexions_response_validation_checks_it(
    monkeypatch: pytest.MonkeyPatch, answer: t.Callable[[], t.Any]
) -> None:
    from mockserver.portainer import handlers

    async def create_team(token_info: dict[str, t.Any], body: dict[str, t.Any]) -> t.Any:
        return answer()

    def served(planned: bool) -> tuple[Answer, list[str]]:
        ran: list[str] = []
        with monkeypatch.context() as patch:
            patch.setattr(handlers, "create_team", create_team)
            _plans(patch, planned, ran)
            app = create_app(MockConfig(validate_responses=True, rate_limit=False))
            app.runtime.store.clock = lambda: CLOCK
            with TestClient(app) as client:
                script = Script(client)
                admin = app.runtime.seeded.accounts["admin"].tokens[0]
                script.send(
                    "POST", "/api/teams", json={"name": "ops"}, headers={"X-API-Key": admin}
                )
        return script.answers[0], ran

    ours, ran = served(planned=True)
    theirs, _ = served(planned=False)
    assert ran == ["createTeam"]
    assert ours == theirs


def test_a_plan_is_made_on_its_operations_first_request_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Making every plan takes about 60 ms; the first write must not wait for all of them (the
    soak's probe saw that pause as a 100 ms p99)."""
    made: list[str] = []
    compile_plan = WritePlan.compile.__func__  # type: ignore[attr-defined]

    def counted(cls: type[WritePlan], operation: t.Any, *args: t.Any) -> WritePlan | None:
        made.append(operation.operation_id)
        return compile_plan(cls, operation, *args)

    monkeypatch.setattr(WritePlan, "compile", classmethod(counted))
    app = create_app(MockConfig(validate_responses=True, rate_limit=False))
    admin = {"X-API-Key": app.runtime.seeded.accounts["admin"].tokens[0]}
    with TestClient(app) as client:
        assert client.post("/api/teams", json={"name": "a"}, headers=admin).status_code == 200
        assert client.post("/api/teams", json={"name": "b"}, headers=admin).status_code == 200
        assert made == ["createTeam"]
        assert client.put("/api/settings", json={}, headers=admin).status_code == 200
    assert made == ["createTeam", "updateSettings"]


@pytest.mark.parametrize("digits", [4301, 5000])
def test_an_integer_past_64_bits_is_refused_not_a_crash(digits: int) -> None:
    """Python's int() refuses more than 4,300 digits; the bouncer's Go reading and the plan
    must not let that become a 500."""
    app = create_app(MockConfig(validate_responses=True, rate_limit=False))
    admin = {"X-API-Key": app.runtime.seeded.accounts["admin"].tokens[0]}
    body = {"Name": "big", "StackFileContent": STACK}
    with TestClient(app) as client:
        answer = client.post(
            f"/api/stacks/create/standalone/string?endpointId={'1' * digits}",
            json=body,
            headers=admin,
        )
    assert answer.status_code == 400
    assert answer.json()["message"] == "Invalid request parameter"
