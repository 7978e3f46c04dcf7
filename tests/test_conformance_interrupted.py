"""An interrupted run still removes what it made: Ctrl-C and SIGTERM (a cancelled CI job)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conformance_harness import ROOT, mock_app, serve, target_args

# The rules that make users, stacks and grants, without the Schemathesis runs first: the signal
# lands seconds into the run, while rules are making things, not after a minute of generated cases.
CLEANUP_RULES = [
    "--rule",
    "PTR-USR-1,PTR-ACC-1,PTR-ENV-1,PTR-STK-1,PTR-STK-2,PTR-STK-3,PTR-STK-4,PTR-STK-5,PTR-DEP-1",
    "--login-rate",
    "0",
]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_cleans_up(signum: int) -> None:
    app = mock_app(seed=13)
    state = app.runtime.store.state
    users_before = set(state.users)
    stacks_before = set(state.stacks)
    policies_before = {e.id: dict(e.user_policies) for e in state.environments.values()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = str(ROOT)
    with serve(app) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", *target_args(url, app), *CLEANUP_RULES],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not any(s.name.startswith("cf-") for s in list(state.stacks.values())):
            assert process.poll() is None and time.monotonic() < deadline, "no stack was made"
            time.sleep(0.02)
        process.send_signal(signum)
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 2, output[-3000:]  # pytest's "interrupted"
    assert "KeyboardInterrupt" in output
    left = [state.users[i].username for i in set(state.users) - users_before]
    assert not left, f"users the suite made are left: {left}\n{output[-3000:]}"
    left = [state.stacks[i].name for i in set(state.stacks) - stacks_before]
    assert not left, f"stacks the suite made are left: {left}\n{output[-3000:]}"
    policies = {e.id: dict(e.user_policies) for e in state.environments.values()}
    assert policies == policies_before, "environment grants were not restored"
