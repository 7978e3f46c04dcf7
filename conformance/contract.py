"""The contract (`openapi.yaml`) as the suite reads it: split by family, with its annotations."""

from __future__ import annotations

import copy
import functools
import os
from typing import Any

from mockserver import resources, spec

FAMILY_PREFIX = {"portainer": "/api/", "rancher": "/v2-beta/"}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Schema-valid input a documented rule still refuses (e.g. a password shorter than the settings
# ask), so Schemathesis must not call its refusal a rejected valid request.
BUSINESS_RULE_STATUSES = "x-business-rule-statuses"


@functools.cache
def _load(override: str | None) -> dict[str, Any]:
    if override:
        with open(override, encoding="utf-8") as handle:
            return spec.parse_contract(handle.read())
    return spec.parse_contract(resources.contract_text())


def load() -> dict[str, Any]:
    """The contract: the file at $CONFORMANCE_CONTRACT, else the one contract-mock carries."""
    return copy.deepcopy(_shared())


def _shared() -> dict[str, Any]:
    """The contract, parsed once and shared: read it, never change it."""
    return _load(os.environ.get("CONFORMANCE_CONTRACT") or None)


def for_family(family: str) -> dict[str, Any]:
    """The contract restricted to one family's paths."""
    spec = load()
    prefix = FAMILY_PREFIX[family]
    spec["paths"] = {p: item for p, item in spec["paths"].items() if p.startswith(prefix)}
    return spec


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """operationId -> operation, for every operation of `spec`."""
    found = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in METHODS:
                found[op["operationId"]] = op
    return found


def business_rule_statuses(spec: dict[str, Any]) -> dict[str, list[str]]:
    """operationId -> the statuses its documented rules give to schema-valid input."""
    return {
        op_id: [str(s) for s in op[BUSINESS_RULE_STATUSES]]
        for op_id, op in operations(spec).items()
        if op.get(BUSINESS_RULE_STATUSES)
    }


def is_public(operation: dict[str, Any], spec: dict[str, Any]) -> bool:
    """True when the operation needs no credential."""
    security = operation.get("security", spec.get("security"))
    return not security or any(req == {} for req in security)


def schemes(operation: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    security = operation.get("security", spec.get("security")) or []
    return [name for req in security for name in req]


def linked_operations(spec: dict[str, Any]) -> list[str]:
    """The operations the contract's links start from or lead to (its resources' life cycles)."""
    named = spec.get("components", {}).get("links", {})
    found: set[str] = set()
    for op_id, op in operations(spec).items():
        for response in (op.get("responses") or {}).values():
            links = (response or {}).get("links") or {}
            if links:
                found.add(op_id)
            for link in links.values():
                if "$ref" in link:
                    link = named.get(link["$ref"].rsplit("/", 1)[-1], {})
                if link.get("operationId"):
                    found.add(link["operationId"])
    return sorted(found)


def request_fields(component: str) -> tuple[str, ...]:
    """The top-level fields a request component of the contract declares."""
    return tuple(_shared()["components"]["schemas"][component].get("properties", {}))
