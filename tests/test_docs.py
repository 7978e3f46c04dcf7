"""The docs stay true: pages that show the contract, the rules and the options agree with them,
generated pages are generated, and the getting-started story runs.

The site itself is built strictly by `make docs` (part of `make test`)."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
from pathlib import Path
from types import ModuleType

from conformance.rules import markdown_table
from mockserver.spec import operations
from mockserver.testing import MockServer

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
ROW = re.compile(r"^\| `(\w+) (\S+)` \| `(\w+)` \| .* \| ([\d, ]+) \|$")


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "_hooks/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_route_table_matches_the_contract() -> None:
    rows = {}
    for line in _page("contract.md").splitlines():
        match = ROW.match(line)
        if match:
            method, path, operation_id, codes = match.groups()
            rows[operation_id] = (method, path, codes.replace(" ", ""))
    expected = {
        operation_id: (method, path, ",".join(sorted(op["responses"])))
        for operation_id, (method, path, op) in operations().items()
    }
    assert rows == expected


def test_readme_names_the_two_commands_and_keeps_the_differences() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    assert "## Differences from the real products" in text
    # The docs include these README sections (pymdownx.snippets) instead of copying them.
    for section in ("two-commands", "install", "tour", "differences"):
        assert f"<!-- --8<-- [start:{section}] -->" in text
        assert f"<!-- --8<-- [end:{section}] -->" in text
    assert '--8<-- "README.md:differences"' in _page("differences.md")


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {path.name for path in DOCS.glob("*.md")}
    assert pages == set(re.findall(r": (\S+\.md)$", nav, re.M))


def test_rule_catalogue_page_is_generated_from_the_rules() -> None:
    page = _page("rules.md")
    assert "<!-- generated: rule-catalogue -->" in page.splitlines()
    assert "| PTR-" not in page, "the catalogue must not be kept by hand"
    assert markdown_table() in _hook().render(page)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found = set()
    for action in parser._actions:
        found.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
    return found


def test_cli_reference_is_generated_from_the_parsers() -> None:
    from conformance.cli import build_parser as conformance_parser
    from mockserver.cli import build_parser as mockserver_parser

    page = _page("cli.md")
    assert "<!-- generated: cli-reference -->" in page.splitlines()
    rendered = _hook().render(page)
    for parser in (mockserver_parser(), conformance_parser()):
        for option in _options(parser):
            assert option in rendered, option
    assert "### `mockserver run`" in rendered


def test_getting_started_httpx_story_runs(mock_server: MockServer) -> None:
    page = _page("getting-started.md")
    block = page.split("<!-- getting-started: httpx -->\n```python\n", 1)[1].split("```", 1)[0]
    source = block.replace("http://127.0.0.1:9000", mock_server.url)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "getting-started.md", "exec"), {})
    printed = out.getvalue().splitlines()
    assert printed[1] == "403 {'message': 'Access denied', 'details': 'Unauthorized'}"
    assert printed[2:] == ["1c3 registering", "production", "403"]
