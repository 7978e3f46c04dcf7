"""The conformance suite passes against a correct server: the mock, whatever its seed and data.

No false alarms: every rule must pass against the mock started by the `conformance` command
itself (default scenario) and against a mock seeded with another seed and scenario, where every
name, password and environment differs, with its rate limiter on and the suite pacing itself
below it (so pacing is proven too: no 429, no ban).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.rules import RULES
from mockserver.app import create_app
from mockserver.config import MockConfig
from tests.conformance_harness import ROOT, mock_app, run_suite, serve, target_args

ALL_RULES = {rule.id for rule in RULES}


def test_suite_passes_against_the_mock_it_starts(tmp_path: Path) -> None:
    """`conformance` with no --base-url: the default run people make first (and the timing in
    the docs' conformance page)."""
    run = run_suite([], tmp_path, fresh=True)
    assert run.code == 0, run.output[-4000:]
    assert set(run.passed) == ALL_RULES, f"not passed: {sorted(ALL_RULES - set(run.passed))}"
    assert "started the mock at http://127.0.0.1:" in run.output
    print(f"default run against the mock: {run.seconds:.1f}s")


ALTERNATE = ["--mock-seed", "7", "--mock-scenario", str(ROOT / "fixtures" / "alternate.yaml")]


def test_suite_passes_against_another_seed_and_scenario(tmp_path: Path) -> None:
    """No rule leans on the default seed's data. The generated cases are the default run's
    (above): the coverage phase reads no seeded data, and the examples phase, which sends the
    contract's own example ids and names, is what could lean on them."""
    run = run_suite([*ALTERNATE, "--max-examples", "2", "--phases", "examples"], tmp_path)
    assert run.code == 0, run.output[-4000:]
    assert set(run.passed) == ALL_RULES, f"not passed: {sorted(ALL_RULES - set(run.passed))}"


# The rules that log in and create tokens the most: together past Portainer's burst of 10.
LOGIN_HEAVY = (
    "PTR-AUTH-1,PTR-AUTH-2,PTR-AUTH-3,PTR-AUTH-4,PTR-AUTH-5,PTR-TOK-1,PTR-TOK-2,PTR-TOK-3,PTR-TOK-4"
)


def test_paced_logins_stay_under_portainer_s_login_limiter(tmp_path: Path) -> None:
    """With --login-rate 1 the mock the suite starts runs Portainer's limiter (a burst of 10,
    refilled at 1/s, then an hour's ban): more than 10 logins and token creations pass paced."""
    run = run_suite([*ALTERNATE, "--login-rate", "1", "--rule", LOGIN_HEAVY], tmp_path)
    assert run.code == 0, run.output[-4000:]
    paced = re.search(r"paced (\d+) logins and token creations", run.output)
    assert paced and int(paced.group(1)) > 10, run.output[-2000:]
    assert set(run.passed) == set(LOGIN_HEAVY.split(","))


def test_pytest_plugin_skips_a_family_without_credentials(tmp_path: Path) -> None:
    """`pytest --pyargs conformance` works with the plugin's options; a family whose
    credentials are missing is skipped with its reason, and the run still passes."""
    app = mock_app(seed=3)
    portainer_only = target_args("URL", app)[:6]  # --base-url, --admin-user, --admin-password
    junit = tmp_path / "junit.xml"
    with serve(app) as url:
        portainer_only[1] = url
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--pyargs",
                "conformance",
                "-p",
                "no:cacheprovider",
                *portainer_only,
                "--junit-xml",
                str(junit),
                # Named rules only: collecting all 91 Schemathesis operations builds their
                # coverage cases, seconds of work that this test does not need.
                "--rule",
                "PTR-AUTH-2,RCH-KEY-1,RCH-DISC-1",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "Rancher family skipped: no --rancher-url given" in output
    assert "PASS  PTR-AUTH-2" in output
    cases = ET.parse(junit).getroot().iter("testcase")
    rules = {
        prop.get("value")
        for case in cases
        for prop in case.iter("property")
        if prop.get("name") == "rule"
    }
    assert "PTR-AUTH-2" in rules and "RCH-KEY-1" in rules


def test_rule_option_runs_only_the_rules_named(tmp_path: Path) -> None:
    """`--rule` re-runs chosen rules: the others are not run (not reported as passed or skipped)."""
    app = mock_app(seed=5)
    with serve(app) as url:
        run = run_suite(
            [*target_args(url, app), "--rule", "ptr-auth-1,RCH-KEY-6", "--login-rate", "0"],
            tmp_path,
        )
    assert run.code == 0, run.output[-4000:]
    ran = {r["id"]: r["outcome"] for r in run.results["rules"] if r["outcome"] != "not run"}
    assert ran == {"PTR-AUTH-1": "passed", "RCH-KEY-6": "passed"}


def test_hypothesis_keeps_its_tables_in_the_user_cache_not_the_working_directory(
    tmp_path: Path,
) -> None:
    """Hypothesis's Unicode tables (2 to 3 s to build) are kept between runs in the user's cache
    directory ($XDG_CACHE_HOME), and nothing is written where the suite runs."""
    app = mock_app()
    workdir, cache = tmp_path / "project", tmp_path / "cache"
    workdir.mkdir()
    with serve(app) as url:
        args = [
            *target_args(url, app),
            "--rule",
            "SCH-RCH-1",
            "--operations",
            "^GET /v2-beta/apikeys$",
        ]
        run = run_suite(
            [*args, "--max-examples", "1", "--phases", "fuzzing"],
            workdir,
            env={"XDG_CACHE_HOME": str(cache), "HYPOTHESIS_STORAGE_DIRECTORY": ""},
        )
    assert run.code == 0, run.output[-4000:]
    assert list((cache / "contract-mock" / "hypothesis" / "unicode_data").iterdir())
    assert sorted(p.name for p in workdir.iterdir()) == ["rules.json"]


def test_rule_option_refuses_an_unknown_rule(tmp_path: Path) -> None:
    run = run_suite(["--base-url", "http://127.0.0.1:9", "--rule", "PTR-NOPE-1"], tmp_path)
    assert run.code == 4  # pytest's usage error
    assert "--rule: no such rule PTR-NOPE-1" in run.output


def test_operations_option_checks_only_the_operations_matched(tmp_path: Path) -> None:
    """`--operations REGEX` narrows the Schemathesis rules to the matching `METHOD /path`; a family
    with no match is skipped with the reason, and a bad expression is a usage error."""
    run = run_suite(
        [
            "--operations",
            "^GET /api/status$",
            "--rule",
            "SCH-PTR-1,SCH-RCH-1",
            "--max-examples",
            "2",
        ],
        tmp_path,
    )
    assert run.code == 0, run.output[-4000:]
    assert run.outcome("SCH-PTR-1") == "passed", run.output[-3000:]
    assert run.outcome("SCH-RCH-1") == "skipped"
    assert "--operations matches no Rancher operation" in run.output
    assert re.search(r"\b1 passed, 1 skipped\b", run.output), run.output[-2000:]  # one operation
    bad = run_suite(["--base-url", "http://127.0.0.1:9", "--operations", "(GET"], tmp_path)
    assert bad.code == 4 and "--operations: not a regular expression" in bad.output


def test_a_rancher_without_access_control_passes_with_the_secured_rules_skipped(
    tmp_path: Path,
) -> None:
    """Cattle's default (api.security.enabled=false, the mock's --rancher-access-control off):
    every request acts as the administrator. Such a Rancher is a right server: the rules that
    need keys refused or confined are skipped with the reason, the others pass, and SCH-RCH-1
    does not call an answer to a request without credentials a failure."""
    app = create_app(MockConfig(seed=42, rate_limit=False, rancher_access_control=False))
    with serve(app) as url:
        quick = ["--only", "rancher", "--max-examples", "2", "--phases", "examples,fuzzing"]
        run = run_suite([*target_args(url, app), *quick, "--login-rate", "0"], tmp_path)
    assert run.code == 0, run.output[-4000:]
    rancher = {rule.id for rule in RULES if rule.family == "rancher"}
    secured = {rule.id for rule in RULES if rule.needs_rancher_access_control}
    assert secured and secured < rancher
    assert {r for r in rancher if run.outcome(r) == "skipped"} == secured
    assert {r for r in rancher if run.outcome(r) == "passed"} == rancher - secured
    assert "Rancher's access control is off on this server" in run.output
