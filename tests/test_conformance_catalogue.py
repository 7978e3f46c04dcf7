"""The rule catalogue is one list, and the tests, the docs and the proofs agree with it.

The catalogue page itself is generated from the list (tests/test_docs.py)."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from conformance.report import rule_ids_of
from conformance.rules import RULES, Cite, Rule
from mockserver.spec import contract

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


# -- every rule cites the source lines it follows
def _resolve(document: object, pointer: str) -> object:
    for part in pointer.lstrip("/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(document, dict) and key in document, f"no {key!r} on the way to {pointer}"
        document = document[key]
    return document


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_cites_the_lines_it_follows(rule: Rule) -> None:
    """At least one citation of the real product's source ([P] Portainer, [C] Cattle, [D] the
    limiter Portainer uses), each well formed with ascending lines; [spec] pointers resolve in
    the contract the suite ships."""
    assert rule.cites, f"{rule.id} cites nothing"
    cites = [Cite.parse(text) for text in rule.cites]  # raises on a malformed citation
    real = {"portainer": {"P", "D"}, "rancher": {"C"}}[rule.family]
    assert any(cite.tag in real for cite in cites), f"{rule.id} cites no {sorted(real)} source"
    for cite in cites:
        if cite.tag == "spec":
            _resolve(contract(), cite.pointer)
        else:
            assert cite.url and f"#L{cite.start}" in cite.url


@pytest.mark.parametrize(
    "text",
    [
        "[P] api/http/handler/stacks/stack_delete.go",  # no lines
        "[P] api/http/handler/stacks/stack_delete.go L120-67",  # descending
        "[P] api/http/handler/stacks/stack_delete.go L0",  # lines count from 1
        "[X] api/http/handler/stacks/stack_delete.go L67",  # unknown source
        "[P] stack_delete L67",  # not a file
        "[C] code/Foo.java 67-80",  # no L
        "[spec] openapi.yaml#paths",  # not a JSON pointer
        "stack_delete.go L67",  # no source tag
    ],
)
def test_a_malformed_citation_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Cite.parse(text)


def test_a_citation_links_to_its_lines_at_the_cited_commit() -> None:
    cite = Cite.parse("[P] api/http/handler/stacks/stack_delete.go L67-80")
    assert cite.url == (
        "https://github.com/portainer/portainer/blob/cc75167/"
        "api/http/handler/stacks/stack_delete.go#L67-L80"
    )
    assert Cite.parse("[C] code/A.java L5").url == (
        "https://github.com/rancher/cattle/blob/82d154a/code/A.java#L5"
    )
