"""pytest plugin: a contract-mock server for tests of code that calls Portainer or Rancher.

Registered through the `pytest11` entry point, so installing contract-mock is enough.

- `mock_server`: the mock, fresh for each test (seeded state, empty journal, no faults). One
  server serves the whole session (one per xdist worker); between tests it is reset in about a
  millisecond instead of restarted. A test marked `@pytest.mark.mock_server(rate_limit=True)` (any
  MockServer option) gets a server of its own instead.
- `mock_server_session`: the session's server itself, not reset.
- Portainer's CSRF check is on, as in Portainer 2.20 and later: a client that keeps the login
  cookie must echo the `X-CSRF-Token` header of an earlier 2xx answer (the login answer carries
  one) on POST, PUT and DELETE; `@pytest.mark.mock_server(csrf=False)` switches it off.
- `--mock-scenario PATH` and `--mock-seed N` (or the `mock_scenario` / `mock_seed` ini options)
  choose the data the session's server is seeded with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the mock is imported only when a test asks for it: pytest starts fast
    from mockserver.testing.server import MockServer

DEFAULT_SEED = 42


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract-mock", "contract-mock: a Portainer and Rancher mock server")
    group.addoption(
        "--mock-scenario",
        metavar="PATH",
        default=None,
        help="scenario file (YAML) the mock_server fixture is seeded from "
        "(default: ini mock_scenario, else contract-mock's fixtures/default.yaml)",
    )
    group.addoption(
        "--mock-seed",
        metavar="N",
        type=int,
        default=None,
        help=f"seed of the mock_server fixture's Faker data (default: ini mock_seed, else {DEFAULT_SEED})",
    )
    parser.addini("mock_scenario", "scenario file (YAML) of the mock_server fixture", default=None)
    parser.addini("mock_seed", "seed of the mock_server fixture's data", default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mock_server(**options): give this test its own mock server, started with these "
        "MockServer options (e.g. rate_limit=True, seed=7, scenario=...)",
    )


def session_options(config: pytest.Config) -> dict[str, Any]:
    """Seed and scenario from the command line, else the ini file, else the defaults.

    A scenario from the ini file is relative to the ini file's directory.
    """
    scenario = config.getoption("--mock-scenario")
    if scenario is None:
        ini_scenario = config.getini("mock_scenario")
        if ini_scenario:
            base = config.inipath.parent if config.inipath else config.rootpath
            scenario = str(base / str(ini_scenario))
    seed = config.getoption("--mock-seed")
    if seed is None:
        ini_seed = config.getini("mock_seed")
        seed = int(ini_seed) if ini_seed else DEFAULT_SEED
    return {"seed": seed, "scenario": scenario}


@pytest.fixture(scope="session")
def mock_server_session(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """One mock server for the whole session, as the options say; not reset between tests."""
    from mockserver.testing.server import MockServer

    with MockServer(**session_options(pytestconfig)) as server:
        yield server


@pytest.fixture
def mock_server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """The mock, fresh for this test: seeded state, empty journal, no faults."""
    marker = request.node.get_closest_marker("mock_server")
    if marker is not None and (marker.args or marker.kwargs):
        if marker.args:
            raise pytest.UsageError("mark.mock_server takes keyword options only")
        from mockserver.testing.server import MockServer

        options = {**session_options(request.config), **marker.kwargs}
        with MockServer(**options) as own:
            yield own
        return
    server: MockServer = request.getfixturevalue("mock_server_session")
    server.reset()
    yield server
