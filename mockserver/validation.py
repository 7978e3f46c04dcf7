"""Request and response body validation, plugged into Connexion.

Request bodies: invalid JSON (including bytes that are not UTF-8) and schema violations raise
`BodyError`, carrying every violation, which each API family turns into its own error
(Portainer's words for them: portainer/payload_checks.py). A `DeferPolicy` may leave some
violations to the handler, for checks the real product makes after a lookup. Schemas are
compiled with jsonschema-rs once per operation: Connexion builds a validator object per request,
so the compiled schemas live in a `SchemaCache` shared by every request of one app.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson
from connexion.exceptions import NonConformingResponseBody
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
)


@dataclass(frozen=True)
class Violation:
    """One way a body breaks its schema: the keyword that failed and the field it is about
    (for `required`, the missing field itself)."""

    reason: str  # the JSON-schema keyword, e.g. "maxLength"
    path: tuple[str, ...]  # ("Env", "0", "name"); () for the body itself


class BodyError(Exception):
    """A request body that is not JSON, or that breaks the contract's schema."""

    def __init__(
        self,
        reason: str,
        detail: str,
        field: str | None = None,
        operation_id: str | None = None,
        violations: tuple[Violation, ...] = (),
    ) -> None:
        super().__init__(detail)
        self.reason = reason  # "json" or the JSON-schema keyword that failed, e.g. "maxLength"
        self.detail = detail
        self.field = field
        self.operation_id = operation_id  # the contract's operation, when known
        self.violations = violations  # every violation, in the validator's order


# Decides whether a violation is left for the operation's handler to answer (a check the real
# product makes later than its payload validation): (operationId, violation) -> leave it.
DeferPolicy = Callable[[str | None, Violation], bool]


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SECRET_FIELD = re.compile(r"pass|secret|token", re.IGNORECASE)  # fields whose value is secret


def parse_json_body(raw: bytes) -> tuple[Any, bool]:
    """A request body parsed as both products parse it, and whether a string in it was repaired;
    BodyError("json", why) when it cannot be parsed.

    Bytes that are not UTF-8, malformed JSON (NaN and Infinity included) and nesting too deep to
    parse are refused. A lone surrogate escape (`"\\ud800"`) is valid JSON but no character: it
    becomes U+FFFD, as Go's decoder makes it, so it can never be stored and then fail every
    answer that shows it.
    """
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise BodyError("json", "Request body is not valid UTF-8") from None
    except RecursionError:
        raise BodyError("json", "Request body is nested too deeply") from None
    except ValueError as exc:
        raise BodyError("json", str(exc)) from None
    if _SURROGATE_ESCAPE.search(raw):
        return _without_lone_surrogates(body), True
    return body, False


def _refuse_constant(name: str) -> Any:
    """NaN, Infinity and -Infinity are JavaScript, not JSON: Go's and Java's parsers refuse them."""
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            _without_lone_surrogates(key): _without_lone_surrogates(item)
            for key, item in value.items()
        }
    return value


def _compile(schema: dict[str, Any]) -> Any:
    # Connexion hands over OpenAPI 3.0 schemas with refs resolved; Draft 4 matches its semantics.
    # It also attaches the whole `components` section; without a $ref left it is dead weight.
    if "components" in schema and not _has_ref(schema):
        schema = {k: v for k, v in schema.items() if k != "components"}
    return jsonschema_rs.Draft4Validator(_nullable_to_jsonschema(schema))


def _has_ref(schema: Any) -> bool:
    """True when a `$ref` is left anywhere outside the attached `components`."""
    if isinstance(schema, dict):
        return "$ref" in schema or any(_has_ref(v) for k, v in schema.items() if k != "components")
    if isinstance(schema, list):
        return any(_has_ref(v) for v in schema)
    return False


_NO_SCHEMA: dict[str, Any] = {}


class SchemaCache:
    """Compiled validators of one app, keyed by the schema object Connexion passes.

    Connexion hands the same schema object for an operation's body or status on every request,
    so each schema is compiled on its first use and never again. The schema is kept alongside so
    its id cannot be reused by another object.
    """

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[dict[str, Any], Any, bool]] = {}

    def get(self, schema: dict[str, Any]) -> Any:
        return self.entry(schema)[0]

    def entry(self, schema: dict[str, Any]) -> tuple[Any, bool]:
        """(compiled validator, whether the encoder's own objects may be checked for it)."""
        if not schema:
            # An answer the contract gives no schema (a 204): Connexion passes a new `{}` each
            # time, which would be compiled, and kept, once per request.
            schema = _NO_SCHEMA
        hit = self._compiled.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = (schema, _compile(schema), not _has_number(schema))
            self._compiled[id(schema)] = hit
        return hit[1], hit[2]


def _has_number(schema: Any) -> bool:
    """True when the schema has a `type: number` somewhere: a float NaN or infinity would pass
    as a number but goes out as null, so for such schemas only the parsed answer is checked."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "number" or (isinstance(kind, list) and "number" in kind):
            return True
        return any(_has_number(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_number(v) for v in schema)
    return False


# The last answer the app's JSON encoder wrote in this request: (bytes, the object encoded).
_ENCODED: ContextVar[tuple[bytes, Any] | None] = ContextVar("mock_encoded_answer", default=None)


def remember_encoded(encoded: bytes, data: Any) -> None:
    """Called by the app's JSON encoder: response validation may check `data` itself instead of
    parsing `encoded` back, when the body it sees is exactly these bytes."""
    _ENCODED.set((encoded, data))


def validator_classes(
    defer: DeferPolicy | None = None,
) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """The (request body, response body, parameter) validator factories of one app; `defer`
    names the violations a handler answers instead."""
    cache = SchemaCache()
    return (
        functools.partial(ContractBodyValidator, cache=cache, defer=defer),
        functools.partial(ContractResponseValidator, cache=cache),
        functools.partial(ContractParameterValidator, cache=ParameterCache()),
    )


# Formats Connexion's (jsonschema's) Draft 4 format checker does not check; any other format
# keeps a parameter on Connexion's own path.
_UNCHECKED_FORMATS = frozenset({"int32", "int64", "float", "double"})


class ParameterCache:
    """A compiled check per parameter definition, for the parameters it can decide exactly:
    types, bounds, enums and patterns, without formats jsonschema would check."""

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[dict[str, Any], Any]] = {}

    def get(self, param: dict[str, Any]) -> Any:
        hit = self._compiled.get(id(param))
        if hit is not None and hit[0] is param:
            return hit[1]
        schema = param.get("schema", param)
        compiled = None
        if not _has_checked_format(schema):
            try:
                compiled = jsonschema_rs.Draft4Validator(schema, validate_formats=False)
            except Exception:  # a schema jsonschema-rs does not take: Connexion's path decides
                compiled = None
        self._compiled[id(param)] = (param, compiled)
        return compiled


def _has_checked_format(schema: Any) -> bool:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return True
        fmt = schema.get("format")
        if fmt is not None and fmt not in _UNCHECKED_FORMATS:
            return True
        return any(_has_checked_format(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_checked_format(v) for v in schema)
    return False


class ContractParameterValidator(ParameterValidator):
    """Connexion's parameter validator with a compiled fast path for valid values.

    Connexion copies each parameter's definition and builds a pure-Python validator for it on
    every request. A value the compiled check accepts is valid; anything else (and every
    parameter the cache cannot decide) goes through Connexion's own code, so errors and their
    wording are Connexion's.
    """

    def __init__(self, *args: Any, cache: ParameterCache | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache = cache

    def validate_parameter(  # type: ignore[override]
        self, parameter_type: str, value: Any, param: dict[str, Any], param_name: Any = None
    ) -> str | None:
        decidable = value is not None and not (is_nullable(param) and is_null(value))
        if decidable and self._cache is not None:
            compiled = self._cache.get(param)
            if compiled is not None and compiled.is_valid(value):
                return None
        return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)


def _nullable_to_jsonschema(schema: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` -> JSON Schema `type: [T, "null"]` (recursively)."""
    if isinstance(schema, list):
        return [_nullable_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: _nullable_to_jsonschema(v)
        for k, v in schema.items()
        if k not in ("nullable", "example", "readOnly", "writeOnly", "x-nullable")
    }
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = (
                [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
            )
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    if "properties" in schema:
        out["properties"] = {k: _nullable_to_jsonschema(v) for k, v in schema["properties"].items()}
    return _merge_nullable_reference(out)


# `{type: object, nullable: true, enum: [null]}` once converted: null and nothing else.
_NULL_ONLY = {"type": ["object", "null"], "enum": [None]}


def _merge_nullable_reference(schema: dict[str, Any]) -> dict[str, Any]:
    """The contract's nullable reference, `anyOf: [X, null only]` -> X that also allows null.

    The same meaning; a value that breaks X is then reported by X's own keyword (`maxLength`),
    not by `anyOf`, so error bodies name the real problem.
    """
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2 or branches[1] != _NULL_ONLY:
        return schema
    first = branches[0]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    if (
        not isinstance(first, dict)
        or not isinstance(first.get("type"), str)
        or set(rest) & set(first)
    ):
        return schema
    merged = {**rest, **first, "type": [first["type"], "null"]}
    if "enum" in merged and None not in merged["enum"]:
        merged["enum"] = [*merged["enum"], None]
    return merged


def _first_error(validator: Any, instance: Any) -> Any:
    if validator.is_valid(instance):  # the common case, without building error objects
        return None
    return next(iter(validator.iter_errors(instance)), None)


def fold_keys(body: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Portainer's Go decoder matches JSON keys case-insensitively: `Username` fills `username`.

    Returns `body` itself when nothing needs renaming; an exact spelling wins over another case.
    """
    renames = {
        key: names[key.casefold()]
        for key in body
        if key not in names.values()
        and key.casefold() in names
        and names[key.casefold()] not in body
    }
    if not renames:
        return body
    return {renames.get(key, key): value for key, value in body.items()}


_MERGED: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}


def _object_schema(schema: Any) -> dict[str, Any]:
    """The schema itself, or the object branch of the contract's nullable reference."""
    if not isinstance(schema, dict):
        return {}
    if "$ref" in schema and "components" in schema:  # a body schema Connexion left unresolved
        name = schema["$ref"].split("/")[-1]
        return _object_schema(schema["components"].get("schemas", {}).get(name, {}))
    if "properties" not in schema and isinstance(schema.get("allOf"), list):
        hit = _MERGED.get(id(schema))
        if hit is None or hit[0] is not schema:
            merged: dict[str, Any] = {}
            for branch in schema["allOf"]:
                merged.update(_object_schema(branch).get("properties", {}))
            hit = (schema, {"properties": merged})
            _MERGED[id(schema)] = hit  # the contract's schemas live as long as the app
        return hit[1]
    if "properties" not in schema and isinstance(schema.get("anyOf"), list):
        for branch in schema["anyOf"]:
            if isinstance(branch, dict) and ("properties" in branch or "items" in branch):
                return branch
    return schema


_FOLDED_NAMES: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}


def _folded_names(properties: dict[str, Any]) -> dict[str, str]:
    """casefolded name -> the contract's spelling, computed once per properties object."""
    hit = _FOLDED_NAMES.get(id(properties))
    if hit is None or hit[0] is not properties:
        hit = (properties, {name.casefold(): name for name in properties})
        _FOLDED_NAMES[id(properties)] = hit
    return hit[1]


def fold_keys_deep(value: Any, schema: Any) -> Any:
    """`fold_keys` at every level the schema declares fields (`Env` entries written
    `{"Name","Value"}`, nested settings), as Go's decoder does. `value` itself when nothing
    needs renaming."""
    schema = _object_schema(schema)
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            return value
        folded = [fold_keys_deep(item, items) for item in value]
        return value if all(a is b for a, b in zip(folded, value, strict=True)) else folded
    if not isinstance(value, dict):
        return value
    properties = schema.get("properties")
    out = value
    if isinstance(properties, dict):
        out = fold_keys(value, _folded_names(properties))
        changed = {}
        for key, item in out.items():
            sub = properties.get(key)
            if isinstance(sub, dict):
                folded_item = fold_keys_deep(item, sub)
                if folded_item is not item:
                    changed[key] = folded_item
        if changed:
            out = {**out, **changed}
    elif isinstance(schema.get("additionalProperties"), dict):
        sub = schema["additionalProperties"]
        changed = {}
        for key, item in value.items():
            folded_item = fold_keys_deep(item, sub)
            if folded_item is not item:
                changed[key] = folded_item
        if changed:
            out = {**value, **changed}
    return out


def _violation(error: Any) -> Violation:
    kind = type(error.kind).__name__
    reason = kind[:1].lower() + kind[1:]  # MaxLength -> maxLength, the schema keyword
    path = tuple(str(p) for p in error.instance_path)
    if reason == "required":
        path = (*path, str(error.kind.property))
    return Violation(reason, path)


class ContractBodyValidator(JSONRequestBodyValidator):
    """JSON request bodies: parse leniently as UTF-8, validate with a compiled schema."""

    def __init__(
        self,
        *args: Any,
        cache: SchemaCache | None = None,
        defer: DeferPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._compiled = cache.get(self._schema) if cache is not None else _compile(self._schema)
        self._defer = defer
        self._operation_id: str | None = None

    async def _parse(self, stream: Any, scope: Any) -> Any:
        raw = b"".join([message async for message in stream])
        if not raw.strip():
            return None
        body, repaired = parse_json_body(raw)
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        self._operation_id = routing.get("operation_id")
        if repaired:
            self.MUTABLE_VALIDATION = True  # hand the handler the repaired strings
        if isinstance(body, dict) and scope["path"].startswith("/api/"):
            folded = fold_keys_deep(body, self._schema)
            if folded is not body:
                self.MUTABLE_VALIDATION = True  # hand the handler the renamed keys
                return folded
        return body

    def _validate(self, body: Any) -> Any:
        if body is None:
            if self._nullable or not self._required:
                return None
            raise BodyError("required", "EOF")
        if self._compiled.is_valid(body):  # the common case, without building error objects
            return None
        try:
            found = [(error, _violation(error)) for error in self._compiled.iter_errors(body)]
        except ValueError:  # jsonschema-rs cannot describe a failure nested ~250 levels deep
            raise BodyError("type", "Request body does not match the contract") from None
        if self._defer is not None:
            found = [(e, v) for e, v in found if not self._defer(self._operation_id, v)]
        if not found:
            return None  # every violation is one the handler answers
        error, first = found[0]
        path = [str(p) for p in error.instance_path]
        where = f" - '{'.'.join(path)}'" if path else ""
        message = error.message
        if any(_SECRET_FIELD.search(p) for p in path):  # never echo a password back
            message = f"the value does not match the contract ({first.reason})"
        raise BodyError(
            first.reason,
            f"{message}{where}",
            path[-1] if path else None,
            self._operation_id,
            tuple(v for _, v in found),
        )


class ContractResponseValidator(JSONResponseBodyValidator):
    """JSON response bodies, validated with a schema compiled once.

    When the body is exactly what the app's encoder just wrote, the object it encoded is checked
    instead of parsing the bytes back (the parse costs more than the check). Only a pass is taken
    from that object: anything the check rejects or cannot take is parsed and checked as sent,
    so every failure and its message come from the body on the wire.
    """

    def __init__(self, *args: Any, cache: SchemaCache | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cache is not None:
            self._compiled, self._objects_ok = cache.entry(self._schema)
        else:
            self._compiled, self._objects_ok = _compile(self._schema), False
        self._raw = b""
        self._unparsed = False

    def _parse(self, stream: Any) -> Any:
        raw = self._raw = b"".join(stream)
        if not raw:
            return None
        encoded = _ENCODED.get()
        if encoded is not None:
            _ENCODED.set(None)
            if self._objects_ok and encoded[0] == raw:
                self._unparsed = True
                return encoded[1]
        return self._loads(raw)

    def _loads(self, raw: bytes) -> Any:
        try:
            if self._encoding.lower().replace("-", "") == "utf8":
                return orjson.loads(raw)
            return json.loads(raw.decode(self._encoding))
        except ValueError as exc:
            raise NonConformingResponseBody(str(exc)) from None

    def _validate(self, body: Any) -> None:
        if self._unparsed:
            with contextlib.suppress(Exception):  # a Python value the check cannot take
                if self._compiled.is_valid(body):
                    return
            body = self._loads(self._raw)
        error = _first_error(self._compiled, body)
        if error is not None:
            path = ".".join(str(p) for p in error.instance_path)
            raise NonConformingResponseBody(
                detail=f"Response body does not conform to specification. {error.message} - '{path}'"
            )
