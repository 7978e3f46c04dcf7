"""The contract with Schemathesis: every operation, then stateful sequences over its links.

All of Schemathesis's checks run (server errors, status codes, content types, response schemas
and headers, rejection of invalid input, acceptance of valid input, ignored authentication, use
after free, resource availability). Credentials come from auth providers, never fixed headers:
Schemathesis treats fixed headers as no authentication at all and then reports its ignored-auth
check falsely. Every request goes through the family's sandbox (`conformance.sandbox`).
"""

from __future__ import annotations

import http.cookiejar
import re
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from schemathesis.config import SchemathesisConfig
from schemathesis.core.errors import NoLinksFound

from conformance import contract, settings
from conformance.client import SAFE_METHODS
from conformance.identities import ACCESS_CONTROL_PROBE
from conformance.sandbox import PortainerSandbox, RancherSandbox

TARGET = settings.current()
# Schemathesis's default for positive_data_acceptance.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
PACED_OPERATIONS = ["authenticateUser", "createAccessToken"]
# Reads the contract allows after a delete: Rancher's DELETE removes a key softly, and "removed
# keys can still be read by id" (getApiKey). Schemathesis's use-after-free check would call that
# a failure; RancherSandbox.deleted_key_stays_removed checks what the contract does promise.
SOFT_DELETED_READS = ["getApiKey"]
_sandboxes: dict[str, Any] = {}
FLAKY_REPLAYS: list[Any] = []


def safe_operations_only(spec: dict[str, Any]) -> dict[str, Any]:
    """The contract without the operations --read-only may not send."""
    paths = {}
    for path, item in spec["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in contract.METHODS or key.upper() in SAFE_METHODS
        }
        if any(key in contract.METHODS for key in kept):
            paths[path] = kept
    return {**spec, "paths": paths}


def open_mode(spec: dict[str, Any]) -> dict[str, Any]:
    """The contract as a Rancher without access control serves it (Cattle's default,
    api.security.enabled=false): every operation also answers a request without a key."""
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in contract.METHODS:
                op["security"] = [*op.get("security", spec.get("security", [])), {}]
    return spec


def _rancher_is_open(base_url: str | None) -> bool:
    """True when the Rancher answers a request without a key (see identities.RancherWorld)."""
    if not base_url or TARGET.rancher_missing():
        return False
    try:
        reply = requests.get(
            base_url.rstrip("/") + ACCESS_CONTROL_PROBE, timeout=30, verify=not TARGET.insecure
        )
    except requests.RequestException:
        return False  # the rancher fixture reports the server unreachable
    return reply.status_code != 401


def build_schema(family: str, base_url: str | None) -> Any:
    spec = contract.for_family(family)
    if TARGET.read_only:
        spec = safe_operations_only(spec)
    if family == "rancher" and _rancher_is_open(base_url):
        spec = open_mode(spec)
    operations: list[dict[str, Any]] = [
        {
            "include-operation-id": op_id,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED + statuses},
                # A 500 the contract declares is the product's on purpose (a failed deployment).
                "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", *statuses]},
            },
        }
        for op_id, statuses in contract.business_rule_statuses(spec).items()
    ]
    # A 5xx the contract documents is the product's deliberate answer (Docker's 503 on swarm
    # routes of an engine that is not a swarm manager), not a server error.
    for op_id, op in contract.operations(spec).items():
        documented = sorted(s for s in op.get("responses", {}) if s.startswith("5"))
        if documented:
            operations.append(
                {
                    "include-operation-id": op_id,
                    "checks": {
                        "not_a_server_error": {
                            "expected-statuses": ["2xx", "3xx", "4xx", *documented]
                        }
                    },
                }
            )
    soft = [op for op in SOFT_DELETED_READS if op in contract.operations(spec)]
    if soft:
        operations.append(
            {"include-operation-id": soft, "checks": {"use_after_free": {"enabled": False}}}
        )
    present = [op for op in PACED_OPERATIONS if op in contract.operations(spec)]
    if present:
        # Logins and token creations are rate-limited on real servers: fewer, paced cases.
        operations.append(
            {
                "include-operation-id": present,
                "generation": {"max-examples": TARGET.paced_examples},
                "phases": {"coverage": {"enabled": False}},
            }
        )
    config = SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": TARGET.examples, "database": "none"},
            "phases": {
                **{
                    name: {"enabled": name in TARGET.phase_names}
                    for name in ("examples", "coverage", "fuzzing")
                },
                # Sequences follow the contract's links only, not links Schemathesis guesses.
                "stateful": {"inference": {"algorithms": []}},
            },
            "operations": operations,
            # Under --read-only the schema lacks the unsafe methods, so an Allow header naming
            # them is right, not a mismatch.
            **(
                {"checks": {"allow_header_conformance": {"enabled": False}}}
                if TARGET.read_only
                else {}
            ),
        }
    )
    schema = schemathesis.openapi.from_dict(spec, config=config)
    if TARGET.operations:  # filtered, not removed: an Allow header still names them all
        wanted = re.compile(TARGET.operations)
        schema = schema.exclude(func=lambda ctx: wanted.search(ctx.operation.label) is None)
    schema.config.update(base_url=(base_url or "http://127.0.0.1:9").rstrip("/"))
    if TARGET.insecure:
        schema.config.update(tls_verify=False)

    @schema.auth(refresh_interval=None)
    class SandboxCredential:
        """The credential the family's sandbox picks for each operation."""

        def get(self, case: Any, ctx: Any) -> tuple[str, str] | None:
            sandbox = _sandboxes.get(family)
            return sandbox.credential(case) if sandbox is not None else None

        def set(self, case: Any, data: tuple[str, str], ctx: Any) -> None:
            name, value = data
            case.headers = {**(case.headers or {}), name: value}

    return schema


PORTAINER = build_schema("portainer", TARGET.base_url)
RANCHER = build_schema("rancher", TARGET.rancher_url)

HYPOTHESIS = {
    # No shrinking and no replays from a database: a live server's state moves on between runs.
    "phases": [hypothesis.Phase.explicit, hypothesis.Phase.generate],
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
    "derandomize": not TARGET.thorough,
}


@pytest.fixture(scope="session")
def portainer_sandbox(portainer: Any) -> Any:
    from conformance.plugin import pacer

    sandbox = _sandboxes["portainer"] = PortainerSandbox(portainer, pacer())
    return sandbox


@pytest.fixture(scope="session")
def rancher_sandbox(rancher: Any) -> Any:
    sandbox = _sandboxes["rancher"] = RancherSandbox(rancher)
    return sandbox


def _session() -> requests.Session:
    """One connection pool for all generated requests (a TLS handshake each is slow), keeping no
    cookies: a login's session cookie would silently outrank the credential of later requests."""
    session = requests.Session()
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


SESSION = _session()


def call_kwargs() -> dict[str, Any]:
    return {"verify": not TARGET.insecure, "timeout": 30, "session": SESSION}


def exercise(case: Any, sandbox: Any) -> None:
    """One generated request: kept in the sandbox, sent, tidied after, then checked."""
    if TARGET.read_only and case.method.upper() not in SAFE_METHODS:
        # Schemathesis probes a path with methods the contract does not give it (expecting
        # 405); under --read-only an unsafe probe is not sent at all.
        return
    sandbox.prepare(case)
    kwargs = call_kwargs()
    response = case.call(**kwargs)
    sandbox.track(case, response)
    case.validate_response(response, additional_checks=sandbox.checks(), transport_kwargs=kwargs)


def each_operation(schema: Any, family: str) -> Any:
    """Schemathesis's test per operation of the family, or a skip when --operations matches
    none of them."""
    if any(result.ok() for result in schema.get_all_operations()):
        return schema.parametrize()
    return pytest.mark.skip(reason=f"--operations matches no {family} operation")


@pytest.mark.rule("SCH-PTR-1")
@each_operation(PORTAINER, "Portainer")
@hypothesis.settings(**HYPOTHESIS)
def test_portainer_operation(case: Any, portainer_sandbox: PortainerSandbox) -> None:
    exercise(case, portainer_sandbox)


@pytest.mark.rule("SCH-RCH-1")
@each_operation(RANCHER, "Rancher")
@hypothesis.settings(**HYPOTHESIS)
def test_rancher_operation(case: Any, rancher_sandbox: RancherSandbox) -> None:
    exercise(case, rancher_sandbox)


def stateful_schema(schema: Any) -> Any:
    """The operations the stateful rules walk: the linked ones --operations chose (None: none)."""
    # Scenarios over the life cycles the links describe; the other operations have had their
    # own test, and here they would only dilute the sequences that can catch a resurrection.
    # Token creation is left out too: paced for real servers' limiters, it would slow every
    # scenario down (its life cycle is the subject of rules PTR-TOK-6 to PTR-TOK-9).
    # The access model's life cycles (teams, memberships, resource controls, environments) are
    # rules of their own (PTR-ACC-*): here they would crowd out the stack and user sequences.
    chosen = {r.ok().definition.raw["operationId"] for r in schema.get_all_operations() if r.ok()}
    linked = [
        op
        for op in contract.linked_operations(schema.raw_schema)
        if op in chosen and op not in PACED_OPERATIONS and op not in ACCESS_MODEL_OPERATIONS
    ]
    if not linked:
        return None
    # exclude(), not include(): Schemathesis ORs an include with the per-operation settings'
    # own filter, which matches every operation.
    return schema.exclude(
        func=lambda ctx: ctx.operation.definition.raw["operationId"] not in linked
    )


def run_state_machine(schema: Any, sandbox: Any) -> None:
    """Scenarios over the contract's links; failures are kept as they happen.

    A live server's state moves on between scenarios, so Hypothesis may find that replaying a
    scenario draws differently (its "flaky" errors). Such a replay says nothing about the server:
    the failure seen first is reported, and a replay without any failure is not one.
    """
    base = stateful_schema(schema)
    if base is None:
        pytest.skip("--operations leaves none of the contract's linked operations")
    base = base.as_state_machine()
    sandbox.stateful = True
    failures: list[BaseException] = []

    class Guarded(base):  # type: ignore[misc, valid-type]
        def before_call(self, case: Any) -> None:
            sandbox.prepare(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return call_kwargs()

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            sandbox.track(case, response)

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            checks = [*(additional_checks or []), *sandbox.checks()]
            try:
                super().validate_response(response, case, additional_checks=checks, **kwargs)
            except Exception as exc:
                failures.append(exc)
                raise

    try:
        Guarded.run(
            settings=hypothesis.settings(
                max_examples=TARGET.stateful_examples,
                stateful_step_count=6,
                **{**HYPOTHESIS, "phases": [hypothesis.Phase.generate]},
            )
        )
    except NoLinksFound:  # --operations chose operations that no link joins
        pytest.skip("--operations leaves none of the contract's links")
    except (hypothesis.errors.Flaky, hypothesis.errors.FlakyFailure):
        if failures:
            raise failures[0] from None
        FLAKY_REPLAYS.append(schema)


ACCESS_MODEL_OPERATIONS = frozenset(
    {
        "createTeam",
        "getTeam",
        "deleteTeam",
        "listTeamMembershipsOfTeam",
        "createTeamMembership",
        "updateTeamMembership",
        "deleteTeamMembership",
        "createResourceControl",
        "updateResourceControl",
        "deleteResourceControl",
        "createEnvironment",
        "getEnvironment",
        "deleteEnvironment",
    }
)


@pytest.mark.rule("SCH-PTR-2")
def test_portainer_stateful(portainer_sandbox: PortainerSandbox) -> None:
    run_state_machine(PORTAINER, portainer_sandbox)


@pytest.mark.rule("SCH-RCH-2")
def test_rancher_stateful(rancher_sandbox: RancherSandbox) -> None:
    run_state_machine(RANCHER, rancher_sandbox)
