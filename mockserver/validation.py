"""Request and response body validation, plugged into Connexion.

Request bodies: invalid JSON (including bytes that are not UTF-8) and schema violations raise
`BodyError`, which each API family turns into its own error. Schemas are compiled once per
operation with jsonschema-rs.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
from connexion.exceptions import NonConformingResponseBody
from connexion.validators import JSONRequestBodyValidator, JSONResponseBodyValidator


class BodyError(Exception):
    """A request body that is not JSON, or that breaks the contract's schema."""

    def __init__(self, reason: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason  # "json" or the JSON-schema keyword that failed, e.g. "maxLength"
        self.detail = detail
        self.field = field


def _compile(schema: dict[str, Any]) -> Any:
    # Connexion hands over OpenAPI 3.0 schemas with refs resolved; Draft 4 matches its semantics.
    return jsonschema_rs.Draft4Validator(_nullable_to_jsonschema(schema))


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
    return out


def _first_error(validator: Any, instance: Any) -> Any:
    return next(iter(validator.iter_errors(instance)), None)


class ContractBodyValidator(JSONRequestBodyValidator):
    """JSON request bodies: parse leniently as UTF-8, validate with a compiled schema."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled = _compile(self._schema)

    async def _parse(self, stream: Any, scope: Any) -> Any:
        raw = b"".join([message async for message in stream])
        if not raw.strip():
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise BodyError("json", "Request body is not valid UTF-8") from None
        except ValueError as exc:
            raise BodyError("json", str(exc)) from None

    def _validate(self, body: Any) -> Any:
        if body is None:
            if self._nullable or not self._required:
                return None
            raise BodyError("required", "EOF")
        error = _first_error(self._compiled, body)
        if error is not None:
            path = [str(p) for p in error.instance_path]
            field = path[-1] if path else None
            kind = type(error.kind).__name__
            reason = kind[:1].lower() + kind[1:]  # MaxLength -> maxLength, the schema keyword
            where = f" - '{'.'.join(path)}'" if path else ""
            raise BodyError(reason, f"{error.message}{where}", field)
        return None


class ContractResponseValidator(JSONResponseBodyValidator):
    """JSON response bodies, validated with a schema compiled once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled = _compile(self._schema)

    def _validate(self, body: Any) -> None:
        error = _first_error(self._compiled, body)
        if error is not None:
            path = ".".join(str(p) for p in error.instance_path)
            raise NonConformingResponseBody(
                detail=f"Response body does not conform to specification. {error.message} - '{path}'"
            )
