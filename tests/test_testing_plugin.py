"""The pytest plugin, run on small test files as a user of the package would write them.

The runs are in-process (a subprocess pytest costs seconds to start). pytester forgets the modules
an inner run imported, so everything the mock and httpx import lazily is imported here first:
otherwise the outer run would be left with two copies of httpcore and unmapped exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver.testing import MockServer

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module", autouse=True)
def _imports_done_outside_the_inner_runs() -> Iterator[None]:
    with MockServer() as mock:
        httpx.get(f"{mock.url}/api/status")
    yield


SCENARIO = """\
portainer:
  users:
    - username: carol
      role: admin
      password: carol-password-1
      tokens:
        - description: ci
  environments:
    - name: local
"""


def test_each_test_gets_the_session_server_fresh(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        seen = []

        def test_changes_everything(mock_server):
            seen.append(mock_server.port)
            created = httpx.post(
                f"{mock_server.url}/api/stacks/create/standalone/string",
                params={"endpointId": 1},
                json={"Name": "leftover", "StackFileContent": "services: {}\\n"},
                headers={"X-API-Key": mock_server.admin.api_key},
            )
            assert created.status_code == 200
            mock_server.fail("GET", "/api/status", status=500)

        def test_sees_none_of_it(mock_server, mock_server_session):
            seen.append(mock_server.port)
            assert mock_server is mock_server_session
            assert "leftover" not in [s["name"] for s in mock_server.state()["stacks"]]
            assert mock_server.requests() == [] and mock_server.faults() == []
            assert httpx.get(f"{mock_server.url}/api/status").status_code == 200
            assert seen[0] == seen[1]  # the same server, reset rather than restarted

        def test_rate_limiting_is_off(mock_server):
            assert mock_server.runtime.limiter is None
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_scenario_and_seed_options(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", scenario=SCENARIO)
    pytester.makepyfile(
        """
        def test_seeded_from_the_options(mock_server):
            assert list(mock_server.users) == ["carol"]
            assert mock_server.admin.username == "carol"
            assert mock_server.config.seed == 7
        """
    )
    result = pytester.runpytest("--mock-scenario", "scenario.yaml", "--mock-seed", "7")
    result.assert_outcomes(passed=1)


def test_ini_options_with_a_scenario_relative_to_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.mkdir("data").joinpath("scenario.yaml").write_text(SCENARIO)
    pytester.makeini("[pytest]\nmock_scenario = data/scenario.yaml\nmock_seed = 9\n")
    pytester.mkdir("suite")
    pytester.path.joinpath("suite", "test_ini.py").write_text(
        "def test_from_ini(mock_server):\n"
        "    assert list(mock_server.users) == ['carol'] and mock_server.config.seed == 9\n"
    )
    result = pytester.runpytest("suite")
    result.assert_outcomes(passed=1)


def test_a_marked_test_gets_its_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.mock_server(rate_limit=True)
        def test_rate_limited(mock_server, mock_server_session):
            assert mock_server is not mock_server_session
            assert mock_server.port != mock_server_session.port
            wrong = {"username": "alice", "password": "wrong"}
            # A burst of 10 refilled at 1/s: on a slow machine the bucket refills while the
            # attempts are made, so keep trying (a limiter that never bans fails all 60).
            codes = []
            while 403 not in codes and len(codes) < 60:
                codes.append(httpx.post(f"{mock_server.url}/api/auth", json=wrong).status_code)
            assert 403 in codes and len(codes) > 10
        """
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1)


def test_options_are_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*contract-mock*", "*--mock-scenario=PATH*", "*--mock-seed=N*"])


def test_a_failing_test_still_stops_the_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fails(mock_server, pytestconfig):
            pytestconfig.mock_servers_seen = [mock_server]
            assert False, "the code under test is wrong"

        def test_next(mock_server):
            assert mock_server.requests() == []
        """
    )
    pytester.makeconftest(
        """
        def pytest_unconfigure(config):
            print("still running:", [s.running for s in config.mock_servers_seen])
        """
    )
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["still running: [[]False[]]"])
