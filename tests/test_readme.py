"""The README stays true: its route table matches the contract."""

from __future__ import annotations

import re
from pathlib import Path

from mockserver.spec import operations

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `(\w+) (\S+)` \| `(\w+)` \| .* \| ([\d, ]+) \|$")


def test_route_table_matches_the_contract() -> None:
    rows = {}
    for line in README.read_text().splitlines():
        match = ROW.match(line)
        if match:
            method, path, operation_id, codes = match.groups()
            rows[operation_id] = (method, path, codes.replace(" ", ""))
    expected = {
        operation_id: (method, path, ",".join(sorted(op["responses"])))
        for operation_id, (method, path, op) in operations().items()
    }
    assert rows == expected


def test_readme_names_the_two_commands() -> None:
    text = README.read_text()
    assert "make run" in text and "make test" in text
    assert "## Differences from the real products" in text
