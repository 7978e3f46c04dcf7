"""A deployment without Docker: the compose file checked as Portainer's deploy would find it.

Portainer deploys a Compose stack with `docker compose up` and a Swarm stack with `docker stack
deploy`; whatever they refuse becomes a 500 whose message is their complaint, and nothing is
stored (stackbuilders/stack_file_content_builder.go `Deploy`; exec/compose_stack.go `Up` wraps it
as "failed to deploy a stack: ..."). Before that, a standard user's file is checked against the
environment's security settings (stackutils/validation.go `IsValidStackFile`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import yaml

from mockserver.spec import parse as parse_yaml

COMPOSE_PREFIX = "failed to deploy a stack: "
NOT_SWARM_MANAGER = (
    'this node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect'
    " this node to swarm and try again"
)
INVALID_STACK_FILE = "stack config file is invalid: "
# PyYAML's wording -> go-yaml's, where they say the same thing differently.
_GO_YAML = {
    "mapping values are not allowed here": "mapping values are not allowed in this context",
}
# The security settings IsValidStackFile reads, each with the error it gives.
SECURITY_CHECKS = (
    ("allowBindMountsForRegularUsers", "bind-mount disabled for non administrator users"),
    ("allowPrivilegedModeForRegularUsers", "privileged mode disabled for non administrator users"),
    ("allowHostNamespaceForRegularUsers", "pid host disabled for non administrator users"),
    ("allowDeviceMappingForRegularUsers", "device mapping disabled for non administrator users"),
    ("allowSysctlSettingForRegularUsers", "sysctl setting disabled for non administrator users"),
    (
        "allowContainerCapabilitiesForRegularUsers",
        "container capabilities disabled for non administrator users",
    ),
)


class DeployError(Exception):
    """A deployment Portainer would report as failed; `str()` is its message."""


def load(content: str) -> Any:
    """The YAML document, or DeployError with go-yaml's `yaml: line N: ...` wording.

    Treat the document as read-only: a Compose file up to CACHED_BYTES long is parsed once
    (scripts deploy and redeploy the same files) and the same document is given again."""
    if len(content) > CACHED_BYTES:
        return _parse(content)
    outcome = _parsed(content)
    if isinstance(outcome, DeployError):
        raise DeployError(str(outcome)) from None
    return outcome


CACHED_BYTES = 16 * 1024  # at most 64 files kept: 1 MiB of text


@functools.lru_cache(maxsize=64)
def _parsed(content: str) -> Any:
    try:
        return _parse(content)
    except DeployError as exc:
        return exc


def _parse(content: str) -> Any:
    try:
        return parse_yaml(content)  # LibYAML: 5 times faster on every deployment
    except yaml.YAMLError:
        pass  # worded below by PyYAML's own parser, whose problems _GO_YAML maps
    try:
        return yaml.safe_load(content)
    except yaml.MarkedYAMLError as exc:
        problem = _GO_YAML.get(exc.problem or "", exc.problem or "invalid YAML")
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise DeployError(f"yaml: {line}{problem}") from None
    except yaml.YAMLError as exc:
        raise DeployError(f"yaml: {exc}") from None


def services_of(*contents: str) -> dict[str, Any]:
    """The `services` map of Compose files (later files override earlier ones, service by
    service), checked as `docker compose` checks it."""
    merged: dict[str, dict[str, Any]] = {}
    declared = False
    for content in contents:
        document = load(content)
        if not isinstance(document, Mapping):
            raise DeployError("Top-level object must be a mapping")
        services = document.get("services")
        if services is None:
            continue
        if not isinstance(services, Mapping):
            raise DeployError("services must be a mapping")
        declared = True
        for name, service in services.items():
            if not isinstance(service, Mapping):
                raise DeployError(f"services.{name} must be a mapping")
            merged.setdefault(str(name), {}).update(service)
    if not declared:  # `services: {}` deploys nothing, and is accepted
        raise DeployError("no service selected")
    for name, service in merged.items():
        if not service.get("image") and not service.get("build"):
            raise DeployError(
                f'service "{name}" has neither an image nor a build context specified:'
                " invalid compose project"
            )
    return merged


def _binds(service: Mapping[str, Any]) -> bool:
    for volume in service.get("volumes") or []:
        if isinstance(volume, Mapping):
            if volume.get("type") == "bind":
                return True
        elif isinstance(volume, str):
            source = volume.split(":", 1)[0] if ":" in volume else ""
            if source.startswith(("/", ".", "~")):
                return True
    return False


def _breaks(service: Mapping[str, Any], setting: str) -> bool:
    if setting == "allowBindMountsForRegularUsers":
        return _binds(service)
    if setting == "allowPrivilegedModeForRegularUsers":
        return bool(service.get("privileged"))
    if setting == "allowHostNamespaceForRegularUsers":
        return service.get("pid") == "host"
    if setting == "allowDeviceMappingForRegularUsers":
        return bool(service.get("devices"))
    if setting == "allowSysctlSettingForRegularUsers":
        return bool(service.get("sysctls"))
    return bool(service.get("cap_add") or service.get("cap_drop"))


def security_violation(content: str, security: Mapping[str, bool]) -> str | None:
    """What IsValidStackFile refuses in `content` under these settings, or None."""
    try:
        document = load(content)
    except DeployError as exc:
        return str(exc)
    services = document.get("services") if isinstance(document, Mapping) else None
    if not isinstance(services, Mapping):
        return None
    for service in services.values():
        if not isinstance(service, Mapping):
            continue
        for setting, message in SECURITY_CHECKS:
            if not security.get(setting, True) and _breaks(service, setting):
                return message
    return None


def check_deploy(
    files: list[str], *, swarm: bool, swarm_environment: bool, security: Mapping[str, bool] | None
) -> None:
    """Raise DeployError as Portainer's deployment would fail for these compose files.

    `security` is the environment's settings when the deployer is a standard user (None for an
    administrator). Compose checks them when any of the six toggles is off; Swarm only when bind
    mounts are off (deployments/deployment_swarm_config.go), then all six.
    """
    if security is not None:
        checked = ["allowBindMountsForRegularUsers"] if swarm else [s for s, _ in SECURITY_CHECKS]
        if any(not security.get(s, True) for s in checked):
            for content in files:
                violation = security_violation(content, security)
                if violation is not None:
                    raise DeployError(INVALID_STACK_FILE + violation)
    try:
        services_of(*files)
    except DeployError as exc:
        raise DeployError(str(exc) if swarm else COMPOSE_PREFIX + str(exc)) from None
    if swarm and not swarm_environment:
        raise DeployError(NOT_SWARM_MANAGER)
