"""The rule catalogue is one list, and the tests, the docs and the proofs agree with it.

The catalogue page itself is generated from the list (tests/test_docs.py)."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from conformance.report import rule_ids_of
from conformance.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "conformance"


def _marked_tests() -> dict[str, list[str]]:
    """'module.py::function' -> the rule ids its marker names, for every suite test."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.glob("test_*.py")):
        module = importlib.import_module(f"conformance.{path.stem}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__:
                found[f"{path.name}::{name}"] = rule_ids_of(getattr(function, "pytestmark", []))
    return found


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"(SCH-)?(PTR|RCH)-[A-Z]*-?\d+", rule.id), rule.id
        assert rule.statement and "\n" not in rule.statement
        assert rule.source


def test_every_rule_has_exactly_one_test_and_every_test_one_rule() -> None:
    tests = _marked_tests()
    for name, ids in tests.items():
        assert len(ids) == 1, f"{name} must check exactly one rule, marks {ids}"
    by_rule = {ids[0]: name for name, ids in tests.items()}
    assert len(by_rule) == len(tests), "two tests check the same rule"
    for rule in RULES:
        assert by_rule.get(rule.id) == rule.test, f"{rule.id}: catalogue says {rule.test}"
    assert set(by_rule) == {rule.id for rule in RULES}


def _conformance_page() -> str:
    return (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")


def test_docs_count_the_broken_servers() -> None:
    from tests.test_conformance_proofs import BROKEN

    count = len(BROKEN)
    assert f"caught {count} / tried {count}" in _conformance_page()
    for broken in BROKEN:
        assert broken.caught_by in {rule.id for rule in RULES}
        assert f"| {broken.fault} | {broken.caught_by} |" in _conformance_page()


@pytest.mark.parametrize("flag", ["--base-url", "--api-key", "--only", "--thorough", "--insecure"])
def test_docs_document_the_options(flag: str) -> None:
    assert flag in _conformance_page()


def test_stateful_rules_walk_only_the_linked_operations() -> None:
    """SCH-PTR-2 and SCH-RCH-2 follow the contract's links: their state machines hold only the
    linked operations (an include() filter once let all of them in, diluting the sequences)."""
    from conformance import contract, test_schema

    for schema in (test_schema.PORTAINER, test_schema.RANCHER):
        walked = {
            r.ok().definition.raw["operationId"]
            for r in test_schema.stateful_schema(schema).get_all_operations()
            if r.ok()
        }
        linked = set(contract.linked_operations(schema.raw_schema))
        left_out = set(test_schema.PACED_OPERATIONS) | test_schema.ACCESS_MODEL_OPERATIONS
        assert walked == linked - left_out
        assert len(walked) < len(contract.operations(schema.raw_schema))
