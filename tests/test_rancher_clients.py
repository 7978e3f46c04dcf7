"""Rancher 1.x's own Python clients, unchanged, against the mock.

gdapi-python (the generic client) and cattle (its wrapper with `wait_success`, what Cattle's
integration tests use) read the schemas first and then follow only the links the mock hands
them. gdapi 0.5.3 predates Python 3 in places: `len()` of a collection and `vars().iteritems()`
on a RestObject argument fail there, so the tests read `.data` and pass plain values; the mock
is not bent to suit them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver.testing import MockServer

gdapi = pytest.importorskip("gdapi")
cattle = pytest.importorskip("cattle")

PRODUCTION = "1a2"


def _client(factory: Callable[..., Any], url: str, access: str, secret: str) -> Any:
    return factory(url=url, access_key=access, secret_key=secret)


def _schemas_url(mock: MockServer) -> str:
    return f"{mock.url}/v2-beta/projects/{PRODUCTION}/schemas"


def _status(call: Callable[[], Any]) -> int:
    with pytest.raises(gdapi.ApiError) as raised:
        call()
    return int(raised.value.error.status)


@pytest.mark.parametrize("factory", [gdapi.Client, cattle.Client], ids=["gdapi", "cattle"])
def test_the_environment_key_lifecycle(mock_server: MockServer, factory: Any) -> None:
    admin = mock_server.rancher_admin
    client = _client(factory, _schemas_url(mock_server), admin.access_key, admin.secret_key)

    # The schemas bound the methods: create_api_key, list_api_key, by_id_api_key, ...
    created = client.create_api_key(name="laptop", description="my cli")
    assert created.state == "registering" and created.transitioning == "yes"
    assert created.accountId == PRODUCTION
    access, secret = created.publicValue, created.secretValue
    assert secret is not None  # the secret is shown this once

    key = _wait(client, created)
    assert key.state == "active" and key.secretValue is None

    listed = client.list_api_key(name="laptop")
    assert [k.id for k in listed.data] == [key.id]
    assert all(k.secretValue is None for k in client.list_api_key().data)
    assert client.by_id_api_key(key.id).name == "laptop"
    assert client.by_id_api_key("1c999999") is None  # a JSON 404: gdapi answers None

    # Paging: gdapi binds `next()` to a page whose pagination has a next link.
    first = client.list_api_key(limit=1)
    assert first.pagination.partial is True and len(first.data) == 1
    second = first.next()
    assert [k.id for k in first.data + second.data] == [k.id for k in client.list_api_key().data]

    updated = client.update(key, name="old laptop", description="retired")
    assert (updated.name, updated.description) == ("old laptop", "retired")
    assert client.by_id_api_key(key.id).description == "retired"

    # The key works with its own pair, starting from the same schemas URL.
    own = _client(factory, _schemas_url(mock_server), access, secret)
    assert [k.id for k in own.list_api_key(name="old laptop").data] == [key.id]

    key = _wait(client, key.deactivate())
    assert key.state == "inactive" and "activate" in key.actions.__dict__
    assert _status(lambda: own.by_id_api_key(key.id)) == 401  # refused once inactive

    key = _wait(client, key.activate())
    assert key.state == "active"
    assert own.by_id_api_key(key.id).state == "active"

    key = _wait(client, key.deactivate())
    assert key.state == "inactive"
    removing = client.delete(key)
    assert removing.state == "removing"
    key = _wait(client, removing)
    assert key.state == "removed" and key.removed is not None
    assert key.id not in [k.id for k in client.list_api_key().data]
    assert _status(lambda: _client(factory, _schemas_url(mock_server), access, secret)) == 401


def _wait(client: Any, obj: Any) -> Any:
    """cattle's wait_success, or the same loop for the bare gdapi client."""
    if hasattr(client, "wait_success"):
        return client.wait_success(obj, timeout=5)
    for _ in range(50):
        obj = client.reload(obj)
        if obj.transitioning != "yes":
            return obj
    raise AssertionError(f"{obj.id} still transitioning")


@pytest.mark.mock_server(rancher_settle_seconds=0.2)
def test_wait_success_waits_for_a_transition_another_client_sees(mock_server: MockServer) -> None:
    admin = mock_server.rancher_admin
    client = cattle.Client(
        url=_schemas_url(mock_server), access_key=admin.access_key, secret_key=admin.secret_key
    )
    key = client.create_api_key(name="slow")
    # A second read, before the settle time has passed, still sees the process running.
    assert client.reload(key).transitioning == "yes"
    # A second process meanwhile is Cattle's 409 (gdapi retries it three times, then gives up).
    assert _status(lambda: client.action(client.reload(key), "deactivate")) == 409
    key = client.wait_success(key, timeout=5)
    assert key.state == "active" and key.transitioning == "no"


def test_an_account_key_manages_account_keys(mock_server: MockServer) -> None:
    admin = mock_server.rancher_admin
    url = f"{mock_server.url}/v2-beta/schemas"
    client = cattle.Client(url=url, access_key=admin.access_key, secret_key=admin.secret_key)
    listed = client.list_api_key(accountId=admin.account_id).data
    assert [k.publicValue for k in listed] == [admin.access_key]  # the seeded account key

    made = client.create_api_key(name="account cli")
    assert made.accountId == admin.account_id
    mine = cattle.Client(url=url, access_key=made.publicValue, secret_key=made.secretValue)
    client.wait_success(made)
    # Usable in every environment of the account.
    for project in ("1a1", "1a2", "1a3"):
        scoped = f"{mock_server.url}/v2-beta/projects/{project}/schemas"
        anywhere = cattle.Client(
            url=scoped, access_key=made.publicValue, secret_key=made.secretValue
        )
        assert anywhere.list_api_key().type == "collection"
    assert "account cli" in {k.name for k in mine.list_api_key(accountId=made.accountId).data}
    made = client.wait_success(client.by_id_api_key(made.id).deactivate())
    assert made.state == "inactive" and client.wait_success(client.delete(made)).state == "removed"
