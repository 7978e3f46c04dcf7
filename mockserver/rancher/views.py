"""State records -> Rancher's JSON: the RancherApiKey, RancherProject and collection schemas.

Every field Rancher sends is present, with `null` where it has no value (Jackson does not drop
nulls). Dates are `yyyy-MM-ddTHH:mm:ssZ` in UTC, each with a `...TS` twin in epoch milliseconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from mockserver.state import Environment, RancherKey

from .backend import actions_for, is_transitioning, key_id, project_id
from .links import Links
from .listing import Field, Page

APIKEYS = "apikeys"
PROJECTS = "projects"


@functools.lru_cache(maxsize=4096)  # keys are listed far more often than they are made
def rancher_date(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _transition(state: str) -> dict[str, Any]:
    moving = is_transitioning(state)
    return {
        "transitioning": "yes" if moving else "no",
        "transitioningMessage": "In Progress" if moving else None,
        "transitioningProgress": None,
    }


def api_key_view(key: RancherKey, links: Links, secret: str | None = None) -> dict[str, Any]:
    """A key as an environment client sees it; `secret` only in the create answer."""
    rid = key_id(key.id)
    view: dict[str, Any] = {
        "id": rid,
        "type": "apiKey",
        "baseType": "credential",
        "links": {
            "self": links.resource(APIKEYS, rid),
            "account": links.resource("accounts", key.account_id),
            "certificate": links.child(APIKEYS, rid, "certificate"),
        },
        "actions": {name: links.action(APIKEYS, rid, name) for name in actions_for(key.state)},
        "accountId": key.account_id,
        "name": key.name,
        "description": key.description,
        "publicValue": key.public_value,
        "secretValue": secret,
        "kind": "apiKey",
        "state": key.state,
        "created": rancher_date(key.created),
        "createdTS": key.created,
        "removed": rancher_date(key.removed) if key.removed is not None else None,
        **_transition(key.state),
        "uuid": key.uuid,
    }
    if key.removed is not None:
        view["removedTS"] = key.removed
    return view


def project_view(environment: Environment, links: Links) -> dict[str, Any]:
    """A Portainer environment as the Rancher project `1aN`."""
    pid = project_id(environment.id)
    created_ms = environment.created * 1000
    return {
        "id": pid,
        "type": "project",
        "baseType": "account",
        "links": {
            "self": links.project(pid),
            "apiKeys": links.project_child(pid, APIKEYS),
        },
        "actions": {},
        "name": environment.name,
        "description": None,
        "state": "active",
        "kind": "project",
        "uuid": environment.uuid,
        "created": rancher_date(created_ms),
        "createdTS": created_ms,
        "removed": None,
        **_transition("active"),
    }


def collection_view(
    resource_type: str,
    page: Page,
    fields: Mapping[str, Field],
    links: Links,
    render: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """gdapi's CollectionImpl: data plus links, sort links, filters, sort and pagination."""
    request = page.request
    sort = None
    if request.sort is not None:
        reverse = "desc" if request.order == "asc" else "asc"
        sort = {"name": request.sort, "order": request.order, "reverse": links.reverse(reverse)}
    return {
        "type": "collection",
        "resourceType": resource_type,
        "links": {"self": links.current},
        "createTypes": {},
        "actions": {},
        "data": [render(item) for item in page.items],
        "sortLinks": {name: links.sort(name) for name in fields},
        "pagination": {
            "first": None,
            "previous": None,
            "next": links.next(page.next_offset) if page.next_offset is not None else None,
            "limit": request.limit,
            "total": None,
            "partial": page.partial,
        },
        "sort": sort,
        "filters": {
            name: (
                [{"modifier": c.modifier, "value": c.value} for c in request.conditions[name]]
                if name in request.conditions
                else None
            )
            for name in fields
        },
        "createDefaults": {},
    }
