"""`conformance ...`: run the suite against a server, or against a mock it starts itself.

    conformance --base-url https://portainer.example:9443 --admin-user admin --admin-password ...
    conformance --rancher-url http://rancher:8080 --rancher-access-key ... --rancher-secret-key ...
    conformance                      # no server named: start the mock, test it, stop it

It runs pytest over this package with the suite's plugin; options it does not know go to pytest
(`-k`, `-x`, `-v`, ...). The exit code is pytest's: 0 only when every rule that ran passed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from conformance import settings
from mockserver.version import package_version

PACKAGE = Path(__file__).resolve().parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Check that a Portainer and/or Rancher server honours the contract "
        "(openapi.yaml) and its rules. With neither --base-url nor --rancher-url, start the "
        "mock and check it.",
        epilog="Every option may also come from the environment as CONFORMANCE_<OPTION>, "
        "e.g. CONFORMANCE_ADMIN_PASSWORD. Unknown options are passed to pytest.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    for opt in settings.OPTIONS:
        kwargs: dict[str, object] = {"dest": opt.dest, "help": opt.help}
        if opt.kind == "flag":
            kwargs["action"] = "store_true"
        elif opt.kind == "int":
            kwargs["type"] = int
        elif opt.kind == "float":
            kwargs["type"] = float
        elif opt.kind == "choice":
            kwargs["choices"] = list(opt.choices)
        parser.add_argument(opt.flag, **kwargs)  # type: ignore[arg-type]
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="send nothing to the server: list what a run with these options would create, "
        "change and remove (learned from the same run against a private mock)",
    )
    mock = parser.add_argument_group("the mock, when no --base-url is given")
    mock.add_argument("--mock-seed", type=int, default=42, help="seed of the mock's data")
    mock.add_argument("--mock-scenario", default=None, help="scenario file of the mock")
    return parser


# The only pytest plugins a run needs. Autoloading every plugin installed beside the package
# (the mock's fixture, Faker's, xdist, ...) cost two seconds at each start; `-p NAME` adds one.
PLUGINS = ("conformance.plugin", "schemathesis.pytest.plugin", "_hypothesis_pytestplugin")


def pytest_args(
    values: dict[str, object], junit_xml: str | None, extra: Sequence[str]
) -> list[str]:
    args = [
        *(arg for plugin in PLUGINS for arg in ("-p", plugin)),
        "-p",
        "no:cacheprovider",
        # The rules report through their own failures; rewriting every plugin's asserts only
        # costs seconds at each start.
        "--assert=plain",
        "-c",
        str(PACKAGE / "pytest.ini"),
        "--rootdir",
        str(PACKAGE),
        "--pyargs",
        "conformance",
    ]
    for opt in settings.OPTIONS:
        value = values.get(opt.dest)
        if value is None or value is False:
            continue
        if opt.kind == "flag":
            args.append(opt.flag)
        else:
            args += [opt.flag, str(value)]
    if junit_xml:
        args += ["--junit-xml", junit_xml]
    return args + list(extra)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, `kill`) ends the run as Ctrl-C does, so that the suite still
    removes what it made (its session fixtures' teardown) and reports what it could not."""
    raise KeyboardInterrupt


def run_pytest(args: list[str]) -> int:
    import signal
    import tempfile

    import pytest

    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="conformance-") as scratch:
        if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = _hypothesis_home(scratch)
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        return int(pytest.main(args))


def _hypothesis_home(fallback: str) -> str:
    """Where Hypothesis keeps what it computes once (its Unicode tables: 2 to 3 s of every run
    that generates text): the user's cache directory, never ./.hypothesis in the directory the
    suite runs from. Its example database is off (test_schema.HYPOTHESIS), so no test case is
    kept there. `fallback` (a directory removed after the run) when the cache is not writable."""
    from mockserver.resources import user_cache

    home = user_cache("hypothesis")
    return str(home) if home is not None else fallback


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    options, extra = parser.parse_known_args(argv)
    values = {opt.dest: getattr(options, opt.dest) for opt in settings.OPTIONS}
    if options.dry_run:
        from conformance import dryrun

        named = [str(v) for v in (values["base_url"], values["rancher_url"]) if v]
        return dryrun.main(list(sys.argv[1:] if argv is None else argv), named)
    started = time.monotonic()
    mock = None
    given = [
        values[name] or os.environ.get(settings.option(name).env)
        for name in ("base_url", "rancher_url")
    ]
    if not any(given):  # no server named: test the mock
        from conformance.mock import StartedMock

        # The mock the suite starts is its own: no limiter to pace for unless --login-rate asks
        # for one (then the mock's limiter is on, and the pacing is exercised for real).
        login_rate = values["login_rate"] or os.environ.get(settings.option("login_rate").env)
        pacing = login_rate is not None and float(login_rate) > 0  # type: ignore[arg-type]
        values["login_rate"] = login_rate if pacing else 0
        mock = StartedMock(
            seed=options.mock_seed, scenario=options.mock_scenario, rate_limit=pacing
        )
        try:
            mock.start()
        except RuntimeError as exc:
            print(f"conformance: {exc}", file=sys.stderr)
            return 3
        banner = mock.banner
        print(f"conformance: started the mock at {mock.url} (seed {options.mock_seed})", flush=True)
        values.update(
            base_url=mock.url,
            admin_user=values["admin_user"] or banner.admin_user,
            admin_password=values["admin_password"] or banner.admin_password,
            rancher_url=values["rancher_url"] or mock.url,
            rancher_access_key=values["rancher_access_key"] or banner.rancher_access_key,
            rancher_secret_key=values["rancher_secret_key"] or banner.rancher_secret_key,
        )
    try:
        code = run_pytest(pytest_args(values, options.junit_xml, extra))
    finally:
        if mock is not None:
            mock.stop()
    print(f"conformance: finished in {time.monotonic() - started:.1f}s, exit code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
