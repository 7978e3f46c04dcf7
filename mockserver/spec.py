"""The contract: openapi.yaml, loaded once."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from typing import Any

import orjson
import yaml

from mockserver import resources

# LibYAML's safe loader when PyYAML has it: same result, ~10x faster (~0.1 s of every start).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> Any:
    """YAML text as data, with a safe loader (LibYAML's when PyYAML has it)."""
    return yaml.load(text, Loader=_LOADER)


def parse_contract(text: str) -> dict[str, Any]:
    """A contract's YAML text as data. The first parse of a text on a machine also writes it as
    JSON to the user's cache, named by the text's SHA-256, and later ones read that (3 ms
    instead of 150 ms of every start); a cached file is used only for exactly that text."""
    cache = resources.user_cache("contracts")
    name = hashlib.sha256(text.encode()).hexdigest() + ".json"
    if cache is not None:
        with contextlib.suppress(OSError, orjson.JSONDecodeError):
            return orjson.loads((cache / name).read_bytes())
    data = parse(text)
    if cache is not None:
        with contextlib.suppress(OSError, TypeError):
            encoded = orjson.dumps(data)
            if orjson.loads(encoded) == data:  # only what JSON holds exactly (no YAML dates)
                partial = cache / f".{name}.{os.getpid()}"
                partial.write_bytes(encoded)
                partial.replace(cache / name)  # whole or absent, for a reader at the same time
    return data


@functools.cache
def _load() -> dict[str, Any]:
    return parse_contract(resources.contract_text())


def tree_copy(value: Any) -> Any:
    """A deep copy of parsed JSON or YAML (dicts, lists and leaves), about four times faster
    than `copy.deepcopy`: no memo, so a node shared by two parents (a YAML alias) becomes two
    equal nodes. Leaves (strings, numbers, functions) are shared, as deepcopy shares them."""
    if isinstance(value, dict):
        return {key: tree_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tree_copy(item) for item in value]
    return value


def load_spec() -> dict[str, Any]:
    """A fresh copy of the contract as a dict (callers may change their copy)."""
    return tree_copy(_load())


def contract() -> dict[str, Any]:
    """The contract as loaded (shared: do not change it)."""
    return _load()


def paths() -> dict[str, Any]:
    """The contract's paths (shared: do not change them)."""
    return _load()["paths"]


def schema(name: str) -> dict[str, Any]:
    """One of the contract's component schemas (shared: do not change it)."""
    return _load()["components"]["schemas"][name]


def operations(spec: dict[str, Any] | None = None) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation) for every operation of the contract."""
    spec = spec or _load()
    found = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                found[op["operationId"]] = (method.upper(), path, op)
    return found


def business_rule_statuses(spec: dict[str, Any] | None = None) -> dict[str, list[int]]:
    """operationId -> statuses with which the operation refuses schema-valid input.

    Declared in the contract as `x-business-rule-statuses` (rules no schema can express: a
    password shorter than a setting, a stack already running, an action invalid in a state).
    """
    return {
        operation_id: [int(code) for code in op.get("x-business-rule-statuses", [])]
        for operation_id, (_, _, op) in operations(spec).items()
        if op.get("x-business-rule-statuses")
    }
