"""The suite's pytest plugin: options, the identities as fixtures, and the rule report.

Registered as a pytest11 entry point (`conformance.plugin`), so `pytest --pyargs conformance
--base-url ...` works in any project that installs the suite. Outside a conformance run it only
adds its options and stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import settings
from conformance.client import JOURNAL, Api, Pacer
from conformance.report import Results, rule_ids_of
from conformance.rules import BY_ID, RULES

GROUP = "conformance"
PACKAGE = Path(__file__).resolve().parent

_results_key = pytest.StashKey[Results]()
_pacer: Pacer | None = None


def pacer() -> Pacer:
    """The one pacer of the session: every login and token creation goes through it."""
    global _pacer
    if _pacer is None:
        _pacer = Pacer(settings.current().login_rate)
    return _pacer


# ---------------------------------------------------------------- options
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "conformance suite (see `conformance --help`)")
    for opt in settings.OPTIONS:
        kwargs: dict[str, Any] = {"dest": f"conformance_{opt.dest}", "help": opt.help}
        if opt.kind == "flag":
            kwargs["action"] = "store_true"
            kwargs["default"] = False
        elif opt.kind == "int":
            kwargs["type"] = int
        elif opt.kind == "float":
            kwargs["type"] = float
        elif opt.kind == "choice":
            kwargs["choices"] = list(opt.choices)
        group.addoption(opt.flag, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the catalogue rule this test checks")
    values = {opt.dest: config.getoption(f"conformance_{opt.dest}") for opt in settings.OPTIONS}
    target = settings.Target.from_values(values)
    settings.set_current(target)
    global _pacer
    _pacer = Pacer(target.login_rate)
    JOURNAL.secrets = target.secrets()
    config.stash[_results_key] = Results()
    _check_operations_pattern()


def _wanted_rules() -> set[str]:
    """The rule ids --rule names (empty: every rule); an id the catalogue lacks is a usage error."""
    wanted = settings.current().rule_ids
    unknown = wanted - {rule.id for rule in RULES}
    if unknown:
        raise pytest.UsageError(
            f"--rule: no such rule {', '.join(sorted(unknown))} (see the rule catalogue)"
        )
    return wanted


def _check_operations_pattern() -> None:
    """--operations must be a regular expression; a typo is a usage error, not an empty run."""
    pattern = settings.current().operations
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise pytest.UsageError(f"--operations: not a regular expression: {exc}") from None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With --rule, the suite's modules that hold none of the rules asked for are not imported
    (building Schemathesis's tests alone takes seconds)."""
    wanted = _wanted_rules()
    if not wanted or collection_path.parent != PACKAGE or collection_path.suffix != ".py":
        return None
    modules = {rule.module for rule in RULES if rule.id in wanted}
    return True if collection_path.name not in modules else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = _wanted_rules()
    read_only = settings.current().read_only
    writes = pytest.mark.skip(reason="the rule writes to the server: skipped by --read-only")
    kept, dropped = [], []
    for item in items:
        ids = rule_ids_of(item.iter_markers("rule"))
        for rule_id in ids:
            item.user_properties.append(("rule", rule_id))
        if read_only and ids and not all(BY_ID[i].reads_only for i in ids if i in BY_ID):
            item.add_marker(writes)
        (dropped if wanted and not wanted & set(ids) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def target() -> settings.Target:
    """The options of this run."""
    return settings.current()


@pytest.fixture(autouse=True)
def _rancher_access_control(request: pytest.FixtureRequest) -> None:
    """A rule that needs Rancher's access control is skipped, with the reason, on a Rancher
    where it is off (see Rule.needs_rancher_access_control)."""
    ids = rule_ids_of(request.node.iter_markers("rule"))
    if any(BY_ID[i].needs_rancher_access_control for i in ids if i in BY_ID):
        world = request.getfixturevalue("rancher")
        if not world.access_control:
            pytest.skip(RANCHER_OPEN)


RANCHER_OPEN = (
    "Rancher's access control is off on this server (Cattle's default,"
    " api.security.enabled=false): every request acts as the administrator, so no key can be"
    " refused or confined; turn it on (Admin > Access Control) to check this rule"
)


@pytest.fixture(autouse=True)
def _fresh_journal() -> Iterator[None]:
    JOURNAL.clear()
    yield


def _api(base_url: str, target: settings.Target) -> Api:
    return Api(base_url, verify=not target.insecure, pacer=pacer(), read_only=target.read_only)


@pytest.fixture(scope="session")
def portainer(target: settings.Target, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The Portainer identities and environments (skips when the family cannot run)."""
    from conformance.identities import PortainerWorld, SetupError

    missing = target.portainer_missing()
    if missing:
        pytest.skip(f"Portainer family skipped: {missing}")
    assert target.base_url is not None
    api = _api(target.base_url, target)
    try:
        world = PortainerWorld.build(
            api,
            api_key=target.api_key,
            admin_user=target.admin_user,
            admin_password=target.admin_password,
            environment=target.environment,
            other_environment=target.other_environment,
            swarm_id=target.swarm_id,
            read_only=target.read_only,
        )
    except SetupError as exc:
        pytest.fail(f"Portainer setup failed: {exc}", pytrace=False)
    yield world
    world.close()
    _note_cleanup(request, "Portainer", world.cleanup.failures)
    api.close()


@pytest.fixture(scope="session")
def rancher(target: settings.Target, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The Rancher account key, projects and environment keys (skips when it cannot run)."""
    from conformance.identities import RancherWorld, SetupError

    missing = target.rancher_missing()
    if missing:
        pytest.skip(f"Rancher family skipped: {missing}")
    assert target.rancher_url and target.rancher_access_key and target.rancher_secret_key
    api = _api(target.rancher_url, target)
    try:
        world = RancherWorld.build(
            api,
            access_key=target.rancher_access_key,
            secret_key=target.rancher_secret_key,
            project=target.rancher_project,
            other_project=target.rancher_other_project,
            read_only=target.read_only,
        )
    except SetupError as exc:
        pytest.fail(f"Rancher setup failed: {exc}", pytrace=False)
    yield world
    world.close()
    _note_cleanup(request, "Rancher", world.cleanup.failures)
    api.close()


def _note_cleanup(request: pytest.FixtureRequest, family: str, failures: list[str]) -> None:
    results = request.config.stash.get(_results_key, None)
    if results is not None:
        for failure in failures:
            results.notes.append(f"{family} cleanup left something behind: {failure}")


# ---------------------------------------------------------------- the report
@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Ctrl-C or SIGTERM can land between two instructions of a frame that Python then reports
    with no line number; pytest's rendering of the traceback fails on it (a TypeError, exit code
    1 instead of 2). Such frames are left out of the traceback shown."""
    excinfo.traceback = excinfo.traceback.filter(
        lambda entry: entry._rawentry.tb_lineno is not None
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    rule_ids = rule_ids_of(item.iter_markers("rule"))
    if not rule_ids:
        return
    results = item.config.stash.get(_results_key, None)
    if results is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        state = "passed" if report.passed else ("skipped" if report.skipped else "failed")
        detail: Any = report.longrepr
        if state == "failed" and call.excinfo is not None:
            detail = call.excinfo
        for rule_id in rule_ids:
            results.record(rule_id, item.nodeid, state, detail)
    elif report.when == "teardown" and report.failed:
        for rule_id in rule_ids:
            results.record(rule_id, item.nodeid, "failed", call.excinfo or report.longrepr)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results = config.stash.get(_results_key, None)
    if results is None or not results.ran:
        return
    if _pacer is not None and _pacer.calls:
        results.notes.append(
            f"paced {_pacer.calls} logins and token creations, waiting {_pacer.waited:.1f}s"
        )
    terminalreporter.write_sep("=", "conformance rules")
    terminalreporter.write_line(results.summary(settings.current().secrets()))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    results = session.config.stash.get(_results_key, None)
    target = settings.current()
    if results is None or not results.ran:
        return
    if target.report_json:
        results.write_json(target.report_json)
    if target.report_html:
        from conformance import html_report

        targets = [url for url in (target.base_url, target.rancher_url) if url]
        html_report.write(target.report_html, results, target.secrets(), targets)
