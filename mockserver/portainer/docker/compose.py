"""A stack's compose file -> the few facts the Docker view needs. Never raises.

A compose file that is not YAML, or not the shape Compose expects, gives an empty project (or
skips the odd service); a real Docker host would have refused to deploy it, and the mock shows
nothing rather than answering 500.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import yaml

from mockserver.spec import parse as parse_yaml


@dataclass(frozen=True)
class Port:
    private: int
    public: int | None
    protocol: str


@dataclass(frozen=True)
class ComposeService:
    name: str
    image: str  # "" when the service only has `build:` (Compose then names it <project>-<service>)
    replicas: int
    networks: tuple[str, ...]  # as named in the file; () means the project's default network
    volumes: tuple[str, ...]  # named volumes mounted (bind mounts are left out)
    ports: tuple[Port, ...]
    command: str
    environment: tuple[str, ...]


@dataclass(frozen=True)
class ComposeProject:
    digest: str  # of the file's text: a change of file gives new container ids
    services: tuple[ComposeService, ...]
    networks: tuple[str, ...]  # declared, not external
    volumes: tuple[str, ...]  # declared, not external


def _as_int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return default


def _port(entry: Any) -> Port | None:
    if isinstance(entry, int) and not isinstance(entry, bool):
        return Port(entry, None, "tcp")
    if isinstance(entry, dict):
        target = _as_int(entry.get("target"), -1)
        if target < 0:
            return None
        published = _as_int(entry.get("published"), -1)
        protocol = str(entry.get("protocol") or "tcp")
        return Port(target, published if published >= 0 else None, protocol)
    if isinstance(entry, str):
        text, _, protocol = entry.partition("/")
        parts = text.rsplit(":", 2)
        private = parts[-1].split("-")[0]
        public = parts[-2].split("-")[0] if len(parts) > 1 else ""
        if not private.isdigit():
            return None
        return Port(int(private), int(public) if public.isdigit() else None, protocol or "tcp")
    return None


def _names(value: Any) -> tuple[str, ...]:
    """A list of names, or the keys of a mapping (Compose allows both)."""
    if isinstance(value, dict):
        return tuple(str(k) for k in value)
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, (str, int)))
    return ()


def _declared(value: Any) -> tuple[str, ...]:
    """Top-level networks or volumes the project creates (external ones it does not)."""
    if not isinstance(value, dict):
        return ()
    return tuple(
        str(name)
        for name, spec in value.items()
        if not (isinstance(spec, dict) and spec.get("external"))
    )


def _named_volumes(value: Any, declared: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for entry in value if isinstance(value, list) else []:
        source = ""
        if isinstance(entry, str):
            source = entry.split(":", 1)[0] if ":" in entry else ""
        elif isinstance(entry, dict) and entry.get("type", "volume") == "volume":
            source = str(entry.get("source") or "")
        if source in declared and source not in found:
            found.append(source)
    return tuple(found)


def _service(name: str, spec: Any, volumes: tuple[str, ...]) -> ComposeService:
    spec = spec if isinstance(spec, dict) else {}
    deploy = spec.get("deploy") if isinstance(spec.get("deploy"), dict) else {}
    replicas = 1 if deploy.get("mode") == "global" else _as_int(deploy.get("replicas"), 1)
    replicas = _as_int(spec.get("scale"), replicas)
    ports = spec.get("ports") if isinstance(spec.get("ports"), list) else []
    command = spec.get("command")
    if isinstance(command, list):
        command = " ".join(str(c) for c in command)
    environment = spec.get("environment")
    if isinstance(environment, dict):
        env_list = tuple(f"{k}={'' if v is None else v}" for k, v in environment.items())
    else:
        env_list = _names(environment)
    image = spec.get("image")
    return ComposeService(
        name=name,
        image=image if isinstance(image, str) else "",
        replicas=max(0, min(replicas, 50)),  # a typo of 10000 replicas should not stall the mock
        networks=_names(spec.get("networks")),
        volumes=_named_volumes(spec.get("volumes"), volumes),
        ports=tuple(p for p in (_port(e) for e in ports) if p is not None),
        command=command if isinstance(command, str) else "",
        environment=env_list,
    )


@functools.lru_cache(maxsize=4096)
def parse(content: str) -> ComposeProject:
    """The project a compose file describes; an unreadable file is an empty project."""
    digest = hashlib.sha256(content.encode("utf-8", "replace")).hexdigest()
    try:
        data = parse_yaml(content)
    except (yaml.YAMLError, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        return ComposeProject(digest, (), (), ())
    volumes = _declared(data.get("volumes"))
    networks = _declared(data.get("networks"))
    services_spec = data.get("services")
    services = tuple(
        _service(str(name), spec, volumes)
        for name, spec in (services_spec.items() if isinstance(services_spec, dict) else [])
    )
    return ComposeProject(digest, services, networks, volumes)
