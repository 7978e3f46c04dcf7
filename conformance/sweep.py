"""Sweeps: one check over every operation of the contract that needs a credential.

A rule that holds on one route may break on another. A sweep derives its requests from the
contract, so a route added to the contract is swept without a new test: each credentialed
operation is called once with a given credential and an empty JSON object as the body where one
is expected. Ids are chosen by the caller per collection: a path parameter takes the id given for
the path segment before it (`/api/users/{id}` the one for `users`), a required query parameter
the one given for its name, and anything not given a default id that exists nowhere. The caller
gives ids of the suite's own objects, so a server that wrongly lets a call through acts only on
what the suite made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance import contract

_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Operation:
    """One operation of the contract, as a sweep calls it."""

    operation_id: str
    method: str
    path: str  # the contract's template, e.g. /api/users/{id}/tokens/{keyID}
    query: tuple[str, ...]  # the query parameters the operation requires
    has_body: bool

    def url(self, ids: Mapping[str, str], default: str) -> str:
        """The path, each parameter filled with the id of the collection named before it."""
        segments = self.path.split("/")
        filled = [
            ids.get(segments[i - 1], default) if _PARAM.fullmatch(part) else part
            for i, part in enumerate(segments)
        ]
        return "/".join(filled)

    def params(self, ids: Mapping[str, str], default: str) -> dict[str, str]:
        return {name: ids.get(name, default) for name in self.query}

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def credentialed(family: str) -> list[Operation]:
    """Every operation of `family` that needs a credential, in the contract's order."""
    spec = contract.load()
    prefix = contract.FAMILY_PREFIX[family]
    found = []
    for path, item in spec["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, op in item.items():
            if method not in contract.METHODS or contract.is_public(op, spec):
                continue
            parameters = [*item.get("parameters", []), *op.get("parameters", [])]
            query = tuple(
                p["name"] for p in parameters if p.get("in") == "query" and p.get("required")
            )
            found.append(
                Operation(op["operationId"], method.upper(), path, query, "requestBody" in op)
            )
    return found


def call(api: Any, op: Operation, ids: Mapping[str, str], *, default: str, **kwargs: Any) -> Any:
    """Send one swept request (an empty JSON object as the body where one is expected)."""
    if op.has_body:
        kwargs.setdefault("json_body", {})
    params = op.params(ids, default)
    return api.request(op.method, op.url(ids, default), params=params or None, **kwargs)
