"""The files contract-mock carries: the contract (`openapi.yaml`) and the scenario fixtures.

One source: the checkout's root `openapi.yaml` and `fixtures/*.yaml`. Building the package copies
them into `mockserver/_bundled/` (see `setup.py`), and an installed package reads them from there
with `importlib.resources`. Run from a checkout (or an editable install), where nothing was built,
they are read from the checkout's root.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

BUNDLE = "_bundled"
CONTRACT = "openapi.yaml"
FIXTURES = "fixtures"
DEFAULT_SCENARIO = "default"


@functools.cache
def _root() -> Traversable:
    """Where the contract and fixtures are: the built package's bundle, else the checkout."""
    bundled = resources.files("mockserver") / BUNDLE
    if bundled.joinpath(CONTRACT).is_file():
        return bundled
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / CONTRACT).is_file() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise FileNotFoundError(
        f"contract-mock's {CONTRACT} is neither packaged ({bundled}) nor in a checkout "
        f"({checkout}); reinstall the package"
    )


def contract() -> Traversable:
    """The contract, `openapi.yaml`."""
    return _root() / CONTRACT


def contract_text() -> str:
    return contract().read_text(encoding="utf-8")


def scenario_names() -> list[str]:
    """The scenario files contract-mock ships, by name (`default`, `fresh`, ...)."""
    folder = _root() / FIXTURES
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def scenario_text(name_or_path: str | Path | None) -> tuple[str, str]:
    """(label, YAML text) of a scenario: a file path, or the name of a shipped scenario.

    None is the default scenario. A path that exists wins over a shipped name, so a project's own
    `fixtures/default.yaml` is read rather than ours.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO
    path = Path(name_or_path)
    if path.is_file():
        return str(path), path.read_text(encoding="utf-8")
    name = path.name.removesuffix(".yaml")
    shipped = _root() / FIXTURES / f"{name}.yaml"
    if path.parent in (Path("."), Path(FIXTURES)) and shipped.is_file():
        return f"{FIXTURES}/{name}.yaml (packaged)", shipped.read_text(encoding="utf-8")
    raise FileNotFoundError(
        f"scenario {str(name_or_path)!r}: no such file, and not a packaged scenario "
        f"({', '.join(scenario_names())})"
    )


def user_cache(name: str) -> Path | None:
    """A directory of the user's cache for what contract-mock computes once and reuses
    ($XDG_CACHE_HOME/contract-mock/NAME, else ~/.cache/...), created if missing; None where it
    cannot be written (a cache is then simply not kept)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base) / "contract-mock" / name
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK) else None
