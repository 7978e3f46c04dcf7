"""Body validation reads the contract's OpenAPI 3.0 schemas with their meaning."""

from __future__ import annotations

from typing import Any

from mockserver.validation import _compile

NAME = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}}
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    return [type(e.kind).__name__ for e in _compile(schema).iter_errors(instance)]


def test_a_nullable_reference_takes_null_or_the_referenced_schema() -> None:
    schema = {"anyOf": [NAME, NULL_ONLY]}
    assert _errors(schema, None) == []
    assert _errors(schema, {"name": "abc"}) == []
    assert _errors(schema, "abc") != []


def test_a_nullable_reference_reports_the_referenced_schema_s_own_keyword() -> None:
    assert _errors({"anyOf": [NAME, NULL_ONLY]}, {"name": "abcd"}) == ["MaxLength"]


def test_other_any_of_schemas_keep_their_meaning() -> None:
    schema = {"anyOf": [NAME, {"type": "string"}]}
    assert _errors(schema, "abc") == []
    assert _errors(schema, None) == ["AnyOf"]
