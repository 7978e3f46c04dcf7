"""The child side of `conformance_harness.run_suite`: one `conformance` run in a forked process.

This module is the fork server's preload: importing it loads pytest, Schemathesis, Hypothesis,
the suite and the parsed contract once, and every run forks from there. A run is still a process
of its own (its own working directory, environment, stdout and exit code), started as the
`conformance` command starts; it only skips the second or so of imports every fresh interpreter
pays again.
"""

from __future__ import annotations

import os
import sys

import _hypothesis_pytestplugin  # noqa: F401  (preloaded: the plugins `conformance` names)
import pytest  # noqa: F401
import schemathesis.pytest.plugin  # noqa: F401

import conformance.plugin  # noqa: F401
from conformance import cli, contract

contract.load()  # the contract as it ships, parsed once for every run


def run(args: list[str], workdir: str, env: dict[str, str], log: str) -> None:
    """`conformance ARGS` in `workdir` under `env`, its stdout and stderr into `log`."""
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    sys.exit(cli.main(args))
