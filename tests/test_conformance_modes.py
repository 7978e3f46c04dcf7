"""The suite's modes for production servers: --read-only sends nothing that could change them."""

from __future__ import annotations

from pathlib import Path

from conformance.rules import RULES
from tests.conformance_harness import mock_app, run_suite, serve

READ_ONLY_RULES = {rule.id for rule in RULES if rule.reads_only}


def test_read_only_sends_only_safe_methods_and_skips_the_rest(tmp_path: Path) -> None:
    app = mock_app(seed=11)
    seeded, runtime = app.runtime.seeded, app.runtime
    admin = next(a for a in seeded.accounts.values() if a.role == 1)
    before = (len(runtime.store.state.users), len(runtime.store.state.stacks))
    with serve(app) as url:
        run = run_suite(
            [
                "--base-url",
                url,
                "--api-key",
                admin.tokens[0],
                "--rancher-url",
                url,
                "--rancher-access-key",
                seeded.rancher_admin.access_key,
                "--rancher-secret-key",
                seeded.rancher_admin.secret_key,
                "--read-only",
                "--max-examples",
                "3",
                "--login-rate",
                "0",
            ],
            tmp_path,
        )
    assert run.code == 0, run.output[-4000:]
    outcomes = {r["id"]: r for r in run.results["rules"]}
    assert {i for i, r in outcomes.items() if r["outcome"] == "passed"} == READ_ONLY_RULES
    skipped = [r for r in outcomes.values() if r["id"] not in READ_ONLY_RULES]
    assert skipped and all(r["outcome"] == "skipped" for r in skipped)
    assert all("--read-only" in (r["skip_reason"] or "") for r in skipped)
    # What the server saw: safe methods only, and nothing made or removed.
    methods = {entry.method for entry in runtime.journal.entries()}
    assert methods and methods <= {"GET", "HEAD", "OPTIONS", "TRACE"}, methods
    assert (len(runtime.store.state.users), len(runtime.store.state.stacks)) == before


def test_read_only_portainer_needs_an_access_token(tmp_path: Path) -> None:
    run = run_suite(
        [
            "--base-url",
            "http://127.0.0.1:9",
            "--admin-user",
            "admin",
            "--admin-password",
            "x",
            "--only",
            "portainer",
            "--read-only",
        ],
        tmp_path,
    )
    assert "--read-only needs --api-key" in run.output
    assert {r["outcome"] for r in run.results["rules"] if r["outcome"] != "not run"} == {"skipped"}


def test_dry_run_sends_nothing_to_the_target_and_lists_the_writes(tmp_path: Path) -> None:
    app = mock_app(seed=12)
    with serve(app) as url:
        run = run_suite(
            [
                "--base-url",
                url,
                "--api-key",
                "ptr_unused",
                "--rancher-url",
                url,
                "--rule",
                "RCH-KEY-6,PTR-STK-3",
                "--dry-run",
            ],
            tmp_path,
        )
    assert run.code == 0, run.output[-3000:]
    assert app.runtime.journal.entries() == []  # the named server saw nothing
    assert f"nothing was sent to {url}, {url}" in run.output
    lines = {
        tuple(line.split()[1:]) for line in run.output.splitlines() if line[:10].strip().isdigit()
    }
    for wanted in [
        ("POST", "/v2-beta/projects/{id}/apikeys"),
        ("DELETE", "/v2-beta/projects/{id}/apikeys/{id}"),
        ("POST", "/api/stacks/create/standalone/string"),
        ("DELETE", "/api/stacks/{id}"),
        ("POST", "/api/users"),
    ]:
        assert wanted in lines, run.output
    assert ("PUT", "/api/settings") not in lines  # not touched by these two rules
