"""Rancher HTTP Basic: only active keys, confined to their environment; Rancher's error bodies."""

from __future__ import annotations

import pytest

from conformance.client import Basic, Reply, expect, expect_rancher_error, expect_status
from conformance.identities import RancherWorld, keys_path

pytestmark = pytest.mark.usefixtures("rancher")


def challenge(reply: Reply, what: str) -> None:
    expect_rancher_error(reply, 401, what)
    header = reply.headers.get("WWW-Authenticate", "")
    expect(
        header.lower().startswith("basic"), f"{what}: no Basic challenge in WWW-Authenticate", reply
    )


def needs_project_b(rancher: RancherWorld) -> str:
    if rancher.project_b is None or rancher.key_b is None:
        pytest.skip("only one Rancher environment: pass --rancher-other-project")
    return rancher.project_b


@pytest.mark.rule("RCH-AUTH-1")
def test_only_active_keys_authenticate(rancher: RancherWorld) -> None:
    api = rancher.api
    pair = rancher.new_key(rancher.project_a)
    own = keys_path(pair.project)
    expect_status(api.get(own, auth=pair.basic), 200, "an active key")
    wrong = pair.secret[:-1] + ("Z" if pair.secret[-1] != "Z" else "Y")
    challenge(api.get(own, auth=Basic(pair.access, wrong)), "a wrong secret")
    challenge(api.get(own, auth=Basic("F" * 20, pair.secret)), "an unknown access key")
    challenge(api.get(own), "no credential")
    expect_status(rancher.action(pair, "deactivate"), 202, "deactivate")
    rancher.settle(pair)
    challenge(api.get(own, auth=pair.basic), "a deactivated key")
    challenge(
        api.get(keys_path(pair.project, pair.id), auth=pair.basic),
        "a deactivated key reading itself",
    )
    expect_status(rancher.action(pair, "activate"), 202, "activate again")
    rancher.settle(pair)
    expect_status(api.get(own, auth=pair.basic), 200, "the key, active again")
    expect_status(rancher.action(pair, "deactivate"), 202, "deactivate")
    rancher.settle(pair)
    expect_status(api.delete(keys_path(pair.project, pair.id), auth=rancher.account), 200, "delete")
    rancher.settle(pair)
    challenge(api.get(own, auth=pair.basic), "a removed key")


@pytest.mark.rule("RCH-AUTH-2")
def test_key_cannot_reach_another_environment(rancher: RancherWorld) -> None:
    api, key_a = rancher.api, rancher.key_a
    assert key_a is not None
    project_b = needs_project_b(rancher)
    calls = (
        ("read the project", api.get(f"/v2-beta/projects/{project_b}", auth=key_a.basic)),
        ("list its keys", api.get(keys_path(project_b), auth=key_a.basic)),
        (
            "create a key in it",
            api.post(keys_path(project_b), auth=key_a.basic, json_body={"name": "intruder"}),
        ),
    )
    for label, reply in calls:
        expect_rancher_error(reply, 403, f"a key of {key_a.project} trying to {label} {project_b}")
    listed = api.get(keys_path(project_b), auth=rancher.account).json()
    expect(
        all(k.get("name") != "intruder" for k in listed.get("data", [])), "the refused key exists"
    )
    reply = expect_status(
        api.get("/v2-beta/projects", auth=key_a.basic), 200, "projects as an env key"
    )
    seen = {p.get("id") for p in reply.json().get("data", [])}
    expect(seen == {key_a.project}, f"an environment key sees projects {sorted(seen)}", reply)


@pytest.mark.rule("RCH-AUTH-3")
def test_key_cannot_touch_another_environments_key(rancher: RancherWorld) -> None:
    api, key_a, key_b = rancher.api, rancher.key_a, rancher.key_b
    assert key_a is not None
    needs_project_b(rancher)
    assert key_b is not None
    foreign = keys_path(key_a.project, key_b.id)  # key B's id, addressed inside project A
    calls = (
        ("read", api.get(foreign, auth=key_a.basic)),
        ("update", api.put(foreign, auth=key_a.basic, json_body={"name": "taken over"})),
        (
            "deactivate",
            api.post(foreign, auth=key_a.basic, params={"action": "deactivate"}, json_body={}),
        ),
        ("delete", api.delete(foreign, auth=key_a.basic)),
    )
    for label, reply in calls:
        expect_rancher_error(
            reply, 404, f"a key of {key_a.project} trying to {label} a key of {key_b.project}"
        )
    listed = api.get(keys_path(key_a.project), auth=key_a.basic).json()
    expect(
        all(k.get("id") != key_b.id for k in listed.get("data", [])),
        "another environment's key is listed",
    )
    body = rancher.settle(key_b)
    expect(
        body.get("state") == "active" and body.get("name") != "taken over",
        "the other key was changed",
    )
    expect_status(
        api.get(keys_path(key_b.project), auth=key_b.basic), 200, "the other key still works"
    )


@pytest.mark.rule("RCH-ERR-1")
def test_malformed_json_is_refused(rancher: RancherWorld) -> None:
    api, key_a = rancher.api, rancher.key_a
    assert key_a is not None
    headers = {"Content-Type": "application/json"}
    reply = api.post(
        keys_path(key_a.project), auth=rancher.account, content='{"name": "x",', headers=headers
    )
    expect_rancher_error(
        reply, 400, "creating a key with malformed JSON", code="InvalidBodyContent"
    )
    reply = api.put(
        keys_path(key_a.project, key_a.id), auth=rancher.account, content="{{{", headers=headers
    )
    expect_rancher_error(
        reply, 400, "updating a key with malformed JSON", code="InvalidBodyContent"
    )


@pytest.mark.rule("RCH-ERR-2")
def test_errors_have_rancher_shape(rancher: RancherWorld) -> None:
    api, key_a = rancher.api, rancher.key_a
    assert key_a is not None
    cases = [
        (401, "Unauthorized", api.get(keys_path(key_a.project), auth=Basic("0" * 20, "x" * 40))),
        (404, "Not Found", api.get(keys_path(key_a.project, "1c999999999"), auth=rancher.account)),
        (
            405,
            "Method not allowed",
            api.delete(keys_path(key_a.project, key_a.id), auth=rancher.account),
        ),
        (
            422,
            "InvalidAction",
            api.post(
                keys_path(key_a.project, key_a.id),
                auth=rancher.account,
                params={"action": "nope"},
                json_body={},
            ),
        ),
    ]
    if rancher.project_b is not None:
        cases.append((403, "Forbidden", api.get(keys_path(rancher.project_b), auth=key_a.basic)))
    for status, code, reply in cases:
        body = expect_rancher_error(reply, status, f"a {status} answer", code=code)
        expect(
            body.get("baseType") == "error", f"the {status} error's baseType is not 'error'", reply
        )
        content_type = reply.headers.get("Content-Type", "")
        expect(
            content_type.startswith("application/json"), f"the {status} error is not JSON", reply
        )
