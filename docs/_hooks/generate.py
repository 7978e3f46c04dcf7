"""MkDocs hook: pages that are generated from the code, never kept by hand.

A page asks for a generated block with a marker on a line of its own:

    <!-- generated: rule-catalogue -->   the table of conformance/rules.py
    <!-- generated: cli-reference -->    `--help` of every command (mockserver, conformance)

It also puts `make bench`'s picture, bench/results.png, where the Performance page links it.

Imported by tests/test_docs.py too, which checks the pages carry the markers.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
# `make bench` writes its picture beside bench/results.md, which the Performance page includes
# (with its `![...](results.png)`): the site carries the picture at the address that link names.
BENCH_PICTURE = ROOT / "bench" / "results.png"
MARKER = "<!-- generated: {} -->"
HELP_WIDTH = "100"  # argparse wraps to $COLUMNS: fixed, so the page does not depend on a terminal


def rule_catalogue() -> str:
    from conformance.rules import markdown_table

    return markdown_table()


def _help(parser: argparse.ArgumentParser) -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH
    try:
        return parser.format_help().rstrip()
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_reference() -> str:
    from conformance.cli import build_parser as conformance_parser
    from mockserver.cli import build_parser as mockserver_parser

    sections = []
    for name, parser in (
        ("mockserver", mockserver_parser()),
        ("conformance", conformance_parser()),
    ):
        sections += [f"## `{name}`", "", "```text", _help(parser), "```", ""]
        for command, sub in _commands(parser).items():
            sections += [f"### `{name} {command}`", "", "```text", _help(sub), "```", ""]
    return "\n".join(sections).rstrip()


GENERATORS: dict[str, Callable[[], str]] = {
    "rule-catalogue": rule_catalogue,
    "cli-reference": cli_reference,
}


def render(markdown: str) -> str:
    """`markdown` with every marker replaced by what it names."""
    lines = markdown.split("\n")
    for name, generate in GENERATORS.items():
        marker = MARKER.format(name)
        lines = [generate() if line == marker else line for line in lines]
    return "\n".join(lines)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return render(markdown)


def on_files(files: Files, config: Any) -> Files:
    if BENCH_PICTURE.exists():
        files.append(File.generated(config, BENCH_PICTURE.name, abs_src_path=str(BENCH_PICTURE)))
    return files
