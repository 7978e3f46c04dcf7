"""Portainer's `Snapshots` of Docker environments, computed from the engine the stacks imply.

Portainer takes a snapshot of each environment every `SnapshotInterval` (api/internal/snapshot);
the mock computes it when it answers, so the counts always match what the proxy lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockserver.state import Environment, Stack, State

from . import model, views

DOCKER_TYPES = {1, 2, 4}  # Docker, Agent on Docker, Edge agent on Docker


def environment_snapshots(
    state: State, envs: Iterable[Environment], now: int
) -> dict[int, list[dict[str, Any]]]:
    """Each environment's `Snapshots` (one element for a Docker environment, else empty)."""
    envs = list(envs)
    by_env: dict[int, list[Stack]] = {e.id: [] for e in envs}
    for stack in state.stacks.values():
        if stack.runs_on in by_env:
            by_env[stack.runs_on].append(stack)
    found: dict[int, list[dict[str, Any]]] = {}
    for env in envs:
        if env.type not in DOCKER_TYPES:
            found[env.id] = []
            continue
        engine = model.build(state, env, now, by_env[env.id])
        found[env.id] = [views.snapshot_view(engine)]
    return found
