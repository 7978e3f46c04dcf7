"""Rancher's discovery surface: the API root and the schemas, generated from the contract.

Every component schema of `openapi.yaml` with an `x-rancher-schema` extension is a Rancher type.
Its schema document (gdapi's SchemaImpl) is built from the contract alone, with two facts taken
from the mock's rules, their one home:

* `resourceFields`: the component's properties (less `id`, `type`, `baseType`, `links`,
  `actions` and the `...TS` twins), typed as Rancher types them (`x-rancher-type` where JSON
  Schema cannot say it: `date`, `password`, `reference[account]`); `create` and `update` from
  the type's `input` schema, or from a property's `x-rancher-access` for a role (Cattle's auth
  overlay flags: `c`reate, `r`ead, `u`pdate).
* `collectionMethods` and `resourceMethods`: the operations on `collectionPath` and
  `resourcePath` (a POST on a resource is the action route, not a method).
* `resourceActions` and `collectionFilters`: the key processes (backend.PROCESSES) and the
  filterable fields with their modifiers (backend.KEY_FIELDS, PROJECT_FIELDS).

The documents depend on the caller's role: `admin` for an account key, `project` for an
environment key (as Cattle hands an environment's credential the project schema factory). Only
their links depend on the request; the rest is built once per role.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver import spec

from .backend import KEY_FIELDS, PROCESSES, PROJECT_FIELDS, Caller
from .links import Links
from .listing import Field

ROLES = ("admin", "project")
_HIDDEN = frozenset({"id", "type", "baseType", "links", "actions"})
_METHODS = ("get", "put", "post", "delete")
# The mock's rules each type's documents expose: its filterable fields and its actions.
_FILTERS: dict[str, Mapping[str, Field]] = {"apiKey": KEY_FIELDS, "project": PROJECT_FIELDS}
_ACTIONS: dict[str, tuple[str, ...]] = {"apiKey": tuple(PROCESSES)}


def role_of(caller: Caller) -> str:
    """The role whose view a caller gets: an account key is `admin`, an environment key
    `project`."""
    return "admin" if caller.admin else "project"


@dataclass(frozen=True)
class RancherType:
    """One type's schema document for one role, without its links."""

    id: str
    plural: str
    scoped: bool  # its links carry the request's project sub-context
    listable: bool
    document: dict[str, Any]

    def names(self) -> tuple[str, ...]:
        """The spellings a schema is found by: id and plural, each also in lower case."""
        return (self.id, self.id.lower(), self.plural, self.plural.lower())


# -- building the documents from the contract
def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return spec.schema(ref.rsplit("/", 1)[1])
    return node


def _field_type(prop: Mapping[str, Any]) -> str:
    if "x-rancher-type" in prop:
        return str(prop["x-rancher-type"])
    if "enum" in prop:
        return "enum"
    kind = prop.get("type")
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "object":
        return "map[string]"
    if kind == "array":
        return f"array[{_field_type(_resolve(prop.get('items', {})))}]"
    return str(kind or "string") if kind in ("string", "boolean") else "json"


def _field(
    name: str,
    declared: Mapping[str, Any],
    input_schema: Mapping[str, Any] | None,
    role: str,
) -> dict[str, Any]:
    prop = {**_resolve(declared), **{k: v for k, v in declared.items() if k != "$ref"}}
    writable = input_schema is not None and name in input_schema.get("properties", {})
    access = prop.get("x-rancher-access", {}).get(role, "cru" if writable else "r")
    limits = input_schema["properties"][name] if writable and input_schema is not None else prop
    field: dict[str, Any] = {
        "type": _field_type(prop),
        "create": "c" in access,
        "update": "u" in access,
        "nullable": bool(prop.get("nullable", False)),
        "required": input_schema is not None and name in input_schema.get("required", []),
        "unique": False,
    }
    if "default" in prop:
        field["default"] = prop["default"]
    for limit in ("minLength", "maxLength"):
        if limit in limits:
            field[limit] = limits[limit]
    if "enum" in prop:
        field["options"] = [str(option) for option in prop["enum"]]
    return field


def _methods(path: str | None, *, skip: tuple[str, ...] = ()) -> list[str]:
    item = spec.paths().get(path, {}) if path else {}
    return [m.upper() for m in _METHODS if m in item and m not in skip]


def _build(component: Mapping[str, Any], role: str) -> RancherType:
    meta = component["x-rancher-schema"]
    type_id = meta["id"]
    input_schema = spec.schema(meta["input"]) if "input" in meta else None
    fields = {
        name: _field(name, prop, input_schema, role)
        for name, prop in component.get("properties", {}).items()
        if name not in _HIDDEN and not name.endswith("TS")
    }
    collection_methods = _methods(meta.get("collectionPath"))
    output = meta.get("parent", type_id)
    document: dict[str, Any] = {
        "id": type_id,
        "type": "schema",
        "actions": {},
        "pluralName": meta["pluralName"],
        "resourceMethods": _methods(meta.get("resourcePath"), skip=("post",)),
        "resourceFields": fields,
        "resourceActions": {name: {"output": output} for name in _ACTIONS.get(type_id, ())},
        "collectionMethods": collection_methods,
        "collectionActions": {},
        "collectionFields": {},
        "collectionFilters": {
            name: {"modifiers": list(f.modifiers)} for name, f in _FILTERS.get(type_id, {}).items()
        },
        "includeableLinks": [],
    }
    if "parent" in meta:
        document["parent"] = meta["parent"]
    return RancherType(
        id=type_id,
        plural=meta["pluralName"],
        scoped=bool(meta.get("scoped", False)),
        listable="GET" in collection_methods,
        document=document,
    )


@functools.cache
def catalogue(role: str) -> tuple[RancherType, ...]:
    """The types a role may see, in the contract's order."""
    components = spec.contract()["components"]["schemas"]
    return tuple(
        _build(component, role)
        for component in components.values()
        if "x-rancher-schema" in component and role in component["x-rancher-schema"]["roles"]
    )


# -- rendering for one request
def _collection_url(rancher_type: RancherType, links: Links) -> str:
    plural = rancher_type.plural.lower()
    return links.collection(plural) if rancher_type.scoped else links.unscoped_collection(plural)


def schema_view(rancher_type: RancherType, links: Links) -> dict[str, Any]:
    own = {"self": links.resource("schemas", rancher_type.id)}
    if rancher_type.listable:
        own["collection"] = _collection_url(rancher_type, links)
    return {**rancher_type.document, "links": own}


def find(role: str, name: str) -> RancherType | None:
    """A role's type by id or plural name, in either case (as Cattle's SchemaFactory maps it)."""
    for rancher_type in catalogue(role):
        if name in rancher_type.names():
            return rancher_type
    return None


def schemas_view(role: str, links: Links) -> dict[str, Any]:
    """The schemas collection: every type the role may see."""
    return {
        "type": "collection",
        "resourceType": "schema",
        "links": {"self": links.current},
        "createTypes": {},
        "actions": {},
        "data": [schema_view(t, links) for t in catalogue(role)],
        "sortLinks": {},
        "pagination": None,
        "sort": None,
        "filters": {},
        "createDefaults": {},
    }


def root_view(role: str, links: Links) -> dict[str, Any]:
    """The apiVersion resource: `self` and a link per listable type, by plural name."""
    own = {"self": links.root}
    for rancher_type in catalogue(role):
        if rancher_type.listable:
            own[rancher_type.plural] = links.unscoped_collection(rancher_type.plural)
    return {"id": links.version, "type": "apiVersion", "links": own, "actions": {}}
