"""Rancher's discovery surface: the API root, the schemas and `X-API-Schemas`, which every
Rancher 1.x client (gdapi-python, cattle, go-rancher, the rancher CLI) reads before anything."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.client import Reply, expect, expect_status
from conformance.identities import RancherWorld, keys_path

pytestmark = pytest.mark.usefixtures("rancher")


def _absolute(url: Any, ending: str) -> bool:
    return isinstance(url, str) and url.startswith("http") and url.endswith(ending)


def _schemas_header(reply: Reply, ending: str, what: str) -> None:
    header = reply.headers.get("X-API-Schemas")
    expect(_absolute(header, ending), f"{what}: X-API-Schemas is {header!r}, not …{ending}", reply)


@pytest.mark.rule("RCH-DISC-1")
def test_api_root_links_every_listable_type(rancher: RancherWorld) -> None:
    reply = expect_status(rancher.api.get("/v2-beta", auth=rancher.account), 200, "the API root")
    body = reply.json()
    expect(
        body.get("type") == "apiVersion" and body.get("id") == "v2-beta",
        "the root is not the v2-beta apiVersion",
        reply,
    )
    links = body.get("links") or {}
    for plural, ending in (("self", "/v2-beta"), ("apiKeys", "/v2-beta/apikeys")):
        expect(_absolute(links.get(plural), ending), f"links.{plural} is {links.get(plural)!r}")
    expect(_absolute(links.get("schemas"), "/v2-beta/schemas"), "no links.schemas", reply)


@pytest.mark.rule("RCH-DISC-2")
def test_project_schemas_describe_api_keys(rancher: RancherWorld) -> None:
    key = rancher.key_a
    assert key is not None
    path = f"/v2-beta/projects/{rancher.project_a}/schemas"
    reply = expect_status(rancher.api.get(path, auth=key.basic), 200, "the project's schemas")
    body = reply.json()
    expect(
        body.get("type") == "collection" and body.get("resourceType") == "schema",
        "the schemas are not a collection of schema",
        reply,
    )
    by_id = {s.get("id"): s for s in body.get("data") or [] if s.get("type") == "schema"}
    api_key = by_id.get("apiKey")
    expect(api_key is not None, "no apiKey schema", reply)
    assert api_key is not None
    collection = (api_key.get("links") or {}).get("collection")
    expect(
        _absolute(collection, f"/projects/{rancher.project_a}/apikeys"),
        f"apiKey links.collection is {collection!r}, not the project's apikeys",
        reply,
    )
    expect(
        {"GET", "POST"} <= set(api_key.get("collectionMethods") or []),
        "apiKey collectionMethods lack GET or POST",
        reply,
    )
    expect(
        {"GET", "PUT", "DELETE"} <= set(api_key.get("resourceMethods") or []),
        "apiKey resourceMethods lack GET, PUT or DELETE",
        reply,
    )
    fields = api_key.get("resourceFields") or {}
    for name in ("name", "description"):
        field = fields.get(name) or {}
        expect(field.get("create") and field.get("update"), f"{name} is not writable", reply)
    public = fields.get("publicValue") or {}
    expect(
        "publicValue" in fields and not public.get("create") and not public.get("update"),
        "an environment key's schema lets it write publicValue",
        reply,
    )
    actions = api_key.get("resourceActions") or {}
    expect(
        {"activate", "deactivate", "remove"} <= set(actions),
        "apiKey resourceActions lack activate, deactivate or remove",
        reply,
    )
    one = rancher.api.get(f"{path}/apikey", auth=key.basic)
    expect_status(one, 200, "the apiKey schema by its lower-case id")
    expect(one.json().get("id") == "apiKey", "schemas/apikey is not the apiKey schema", one)


@pytest.mark.rule("RCH-DISC-3")
def test_every_answer_names_the_schemas(rancher: RancherWorld) -> None:
    """Reads only, with the account key (and none), so it runs under --read-only too."""
    api, account = rancher.api, rancher.account
    project = rancher.project_a
    scoped = f"/v2-beta/projects/{project}/schemas"
    calls = (
        ("a project's key list", api.get(keys_path(project), auth=account), scoped),
        ("a refused request (401)", api.get(keys_path(project)), scoped),
        ("an unknown key (404)", api.get(keys_path(project, "1c999999"), auth=account), scoped),
        ("the project itself", api.get(f"/v2-beta/projects/{project}", auth=account), None),
        ("the root", api.get("/v2-beta", auth=account), None),
    )
    for what, reply, ending in calls:
        _schemas_header(reply, ending or "/v2-beta/schemas", what)
