"""Each environment's Docker engine, derived on read from the stacks deployed on it.

Nothing here is kept in step by the stack operations: every read computes the engine from the
store's stacks (their compose file, type, status and the environment they run on, `runs_on`). A
compose stack's services are containers named `<stack>-<service>-<n>` with Compose's labels, running while the stack is active
and exited once it is stopped; a swarm stack on a swarm environment is services, tasks and one
container per task while it is active (Portainer's stop removes a swarm stack). Only what the proxy
itself changes (a container started, stopped or restarted) is stored, in
`State.container_overrides`, by container id; a container's id includes its stack's id and its
compose file's digest, so updating or deleting the stack leaves the old override unused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from mockserver.state import STACK_ACTIVE, STACK_COMPOSE, STACK_SWARM, Environment, Stack, State

from . import compose

DOCKER_VERSION = "27.3.1"
API_VERSION = "1.47"
MIN_API_VERSION = "1.24"
KERNEL_VERSION = "6.8.0-45-generic"
NCPU = 4
MEM_TOTAL = 8 * 1024**3
COMPOSE_VERSION = "2.29.7"

RUNNING = "running"
EXITED = "exited"
# Docker's container states, for the `status` filter.
CONTAINER_STATES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")
SYSTEM_NETWORKS = ("bridge", "host", "none")
SWARM_SYSTEM_NETWORKS = ("ingress", "docker_gwbridge")


def hex_id(*parts: object) -> str:
    """A deterministic 64-hex-digit Docker id."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def swarm_object_id(*parts: object) -> str:
    """Swarm's 25-character lower-case ids (services, tasks, nodes)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    number = int(hex_id(*parts), 16)
    out = []
    for _ in range(25):
        number, rest = divmod(number, 36)
        out.append(digits[rest])
    return "".join(out)


@dataclass
class Container:
    id: str
    name: str
    image: str
    labels: dict[str, str]
    state: str
    created: int
    started: int
    finished: int
    stack: Stack
    service: compose.ComposeService
    networks: list[str]
    volumes: list[str]
    restarts: int = 0


@dataclass
class Service:
    id: str
    name: str
    stack: Stack
    spec: compose.ComposeService
    image: str
    labels: dict[str, str]
    created: int
    networks: list[str]


@dataclass
class Task:
    id: str
    service: Service
    slot: int
    node_id: str
    container_id: str
    state: str


@dataclass
class Network:
    id: str
    name: str
    driver: str
    scope: str
    labels: dict[str, str]
    created: int
    stack: Stack | None = None
    system: bool = False


@dataclass
class Volume:
    name: str
    labels: dict[str, str]
    created: int
    stack: Stack


@dataclass
class Engine:
    """One environment's Docker engine as the stacks imply it."""

    env: Environment
    instance: str
    now: int
    containers: list[Container] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)

    @property
    def swarm(self) -> bool:
        return bool(self.env.swarm_id)

    @property
    def node_id(self) -> str:
        return swarm_object_id(self.instance, "node", self.env.id)

    @property
    def engine_id(self) -> str:
        return hex_id(self.instance, "engine", self.env.id)[:36]

    @property
    def hostname(self) -> str:
        return f"{self.env.name}-node-1"

    def images(self) -> list[str]:
        """The images the containers use, each once, in order of first use."""
        seen: list[str] = []
        for c in self.containers:
            if c.image not in seen:
                seen.append(c.image)
        return seen

    def stack_names(self) -> set[str]:
        """Compose projects and swarm stacks present, as Portainer's snapshot counts them."""
        names = {c.labels.get("com.docker.compose.project") for c in self.containers}
        names |= {s.labels.get("com.docker.stack.namespace") for s in self.services}
        return {n for n in names if n}

    def find_container(self, ref: str) -> Container | None:
        """Docker's lookup: a full id, a name (with or without its slash), or a unique prefix."""
        name = ref[1:] if ref.startswith("/") else ref
        for c in self.containers:
            if c.id == ref or c.name == name:
                return c
        if ref:
            matches = [c for c in self.containers if c.id.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None


def image_ref(service: compose.ComposeService, project: str) -> str:
    """The image a service runs: its `image`, or Compose's `<project>-<service>` for a build."""
    image = service.image or f"{project}-{service.name}"
    last = image.rsplit("/", 1)[-1]
    return image if ":" in last or "@" in last else f"{image}:latest"


def _timestamps(stack: Stack) -> int:
    return stack.update_date or stack.creation_date


def _apply_override(state: State, container: Container) -> None:
    override = state.container_overrides.get(container.id)
    if override is None or override.get("stackStatus") != container.stack.status:
        return  # none, or left over from before the stack was started or stopped
    container.state = str(override["state"])
    container.restarts = int(override.get("restarts", 0))
    if container.state == RUNNING:
        container.started = int(override.get("at", container.started))
    else:
        container.finished = int(override.get("at", container.finished))


def _compose_stack(engine: Engine, state: State, stack: Stack) -> None:
    project = compose.parse(stack.file_content)
    created = _timestamps(stack)
    running = stack.status == STACK_ACTIVE
    default_used = False
    for service in project.services:
        networks = [f"{stack.name}_{n}" for n in service.networks] or [f"{stack.name}_default"]
        default_used = default_used or not service.networks
        for number in range(1, service.replicas + 1):
            container = Container(
                id=hex_id(
                    engine.instance, engine.env.id, stack.id, project.digest, service.name, number
                ),
                name=f"{stack.name}-{service.name}-{number}",
                image=image_ref(service, stack.name),
                labels={
                    "com.docker.compose.config-hash": hex_id(project.digest, service.name),
                    "com.docker.compose.container-number": str(number),
                    "com.docker.compose.oneoff": "False",
                    "com.docker.compose.project": stack.name,
                    "com.docker.compose.project.config_files": (
                        f"{stack.project_path}/{stack.entry_point}"
                    ),
                    "com.docker.compose.project.working_dir": stack.project_path,
                    "com.docker.compose.service": service.name,
                    "com.docker.compose.version": COMPOSE_VERSION,
                },
                state=RUNNING if running else EXITED,
                created=created,
                started=created,
                finished=0 if running else created,
                stack=stack,
                service=service,
                networks=networks,
                volumes=[f"{stack.name}_{v}" for v in service.volumes],
            )
            _apply_override(state, container)
            engine.containers.append(container)
    names = [*(("default",) if default_used else ()), *project.networks]
    for name in names:
        engine.networks.append(
            Network(
                id=hex_id(engine.instance, engine.env.id, stack.id, "network", name),
                name=f"{stack.name}_{name}",
                driver="bridge",
                scope="local",
                labels={
                    "com.docker.compose.network": name,
                    "com.docker.compose.project": stack.name,
                    "com.docker.compose.version": COMPOSE_VERSION,
                },
                created=created,
                stack=stack,
            )
        )
    for name in project.volumes:
        engine.volumes.append(
            Volume(
                name=f"{stack.name}_{name}",
                labels={
                    "com.docker.compose.project": stack.name,
                    "com.docker.compose.version": COMPOSE_VERSION,
                    "com.docker.compose.volume": name,
                },
                created=created,
                stack=stack,
            )
        )


def _swarm_stack(engine: Engine, state: State, stack: Stack) -> None:
    project = compose.parse(stack.file_content)
    created = _timestamps(stack)
    namespace = {"com.docker.stack.namespace": stack.name}
    for name in project.volumes:
        engine.volumes.append(Volume(f"{stack.name}_{name}", dict(namespace), created, stack))
    if stack.status != STACK_ACTIVE:
        return  # Portainer stops a swarm stack with `docker stack rm`
    default_used = False
    for spec in project.services:
        networks = [f"{stack.name}_{n}" for n in spec.networks] or [f"{stack.name}_default"]
        default_used = default_used or not spec.networks
        image = image_ref(spec, stack.name)
        service = Service(
            id=swarm_object_id(engine.instance, engine.env.id, stack.id, project.digest, spec.name),
            name=f"{stack.name}_{spec.name}",
            stack=stack,
            spec=spec,
            image=image,
            labels={**namespace, "com.docker.stack.image": image},
            created=created,
            networks=networks,
        )
        engine.services.append(service)
        for slot in range(1, spec.replicas + 1):
            task_id = swarm_object_id(service.id, "task", slot)
            container = Container(
                id=hex_id(service.id, "container", slot),
                name=f"{service.name}.{slot}.{task_id}",
                image=image,
                labels={
                    **namespace,
                    "com.docker.swarm.node.id": engine.node_id,
                    "com.docker.swarm.service.id": service.id,
                    "com.docker.swarm.service.name": service.name,
                    "com.docker.swarm.task": "",
                    "com.docker.swarm.task.id": task_id,
                    "com.docker.swarm.task.name": f"{service.name}.{slot}.{task_id}",
                },
                state=RUNNING,
                created=created,
                started=created,
                finished=0,
                stack=stack,
                service=spec,
                networks=networks,
                volumes=[f"{stack.name}_{v}" for v in spec.volumes],
            )
            _apply_override(state, container)
            engine.containers.append(container)
            engine.tasks.append(
                Task(task_id, service, slot, engine.node_id, container.id, container.state)
            )
    names = [*(("default",) if default_used else ()), *project.networks]
    for name in names:
        engine.networks.append(
            Network(
                id=swarm_object_id(engine.instance, engine.env.id, stack.id, "network", name),
                name=f"{stack.name}_{name}",
                driver="overlay",
                scope="swarm",
                labels=dict(namespace),
                created=created,
                stack=stack,
            )
        )


def build(state: State, env: Environment, now: int, stacks: list[Stack] | None = None) -> Engine:
    """The engine of `env` as its stacks make it now (`stacks`: those on `env`, if known)."""
    engine = Engine(env=env, instance=state.instance_id, now=now)
    system = SYSTEM_NETWORKS + (SWARM_SYSTEM_NETWORKS if engine.swarm else ())
    for name in system:
        swarm_scope = name == "ingress"
        engine.networks.append(
            Network(
                id=hex_id(engine.instance, env.id, "system-network", name),
                name=name,
                driver={"bridge": "bridge", "host": "host", "none": "null"}.get(
                    name, "overlay" if swarm_scope else "bridge"
                ),
                scope="swarm" if swarm_scope else "local",
                labels={},
                created=env.created,
                system=True,
            )
        )
    if stacks is None:
        stacks = [s for s in state.stacks.values() if s.runs_on == env.id]
    for stack in sorted(stacks, key=lambda s: s.id):
        if stack.type == STACK_COMPOSE:
            _compose_stack(engine, state, stack)
        elif stack.type == STACK_SWARM and engine.swarm:
            _swarm_stack(engine, state, stack)
    return engine


# -- what the proxy changes: start, stop and restart of one container
def set_container_state(state: State, container: Container, action: str, now: int) -> bool:
    """Apply `start`, `stop` or `restart`; False when it changed nothing (Docker's 304)."""
    if action == "start" and container.state == RUNNING:
        return False
    if action == "stop" and container.state != RUNNING:
        return False
    restarts = container.restarts + (1 if action == "restart" else 0)
    state.container_overrides[container.id] = {
        "state": EXITED if action == "stop" else RUNNING,
        "stackStatus": container.stack.status,
        "at": now,
        "restarts": restarts,
    }
    return True
