"""Deploy a Docker Compose stack to Portainer, then wait until its containers run.

    export PORTAINER_URL=https://portainer.example.com PORTAINER_TOKEN=ptr_...
    python deploy_and_wait.py --environment production --wait 120 web docker-compose.yml

The deployment is deploy_stack.py's (same retries); afterwards the stack's containers are read
through Portainer's Docker proxy, by the Compose project label Portainer's deployment gives them,
until every one of them is running or `--wait` seconds have passed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deploy_stack import DeployError, Portainer, _check

PROJECT_LABEL = "com.docker.compose.project"


class WaitingPortainer(Portainer):
    """deploy_stack's client, plus the Docker proxy read that tells whether a stack runs."""

    def stack_containers(self, name: str, environment_id: int) -> list[dict[str, Any]]:
        """Every container of the Compose project `name` (running or not)."""
        filters = json.dumps({"label": [f"{PROJECT_LABEL}={name}"]})
        response, _ = self._request(
            "GET",
            f"/api/endpoints/{environment_id}/docker/containers/json",
            params={"all": "1", "filters": filters},
        )
        _check(response, f"listing the containers of stack {name!r}")
        return list(response.json())

    def wait_until_running(
        self, name: str, environment_id: int, *, wait: float, interval: float = 2.0
    ) -> list[dict[str, Any]]:
        """The stack's containers once all run; DeployError after `wait` seconds of polling."""
        polls = max(1, math.ceil(wait / interval) + 1)
        states: dict[str, str] = {}
        for poll in range(polls):
            containers = self.stack_containers(name, environment_id)
            states = {c["Names"][0].lstrip("/"): c["State"] for c in containers}
            if containers and all(state == "running" for state in states.values()):
                return containers
            if poll < polls - 1:
                self._sleep(interval)
        shown = ", ".join(f"{n} {s}" for n, s in sorted(states.items())) or "no container"
        raise DeployError(f"stack {name!r} is not running after {wait:g} s: {shown}")

    def deploy_and_wait(
        self, name: str, compose: str, environment: str, *, wait: float, interval: float = 2.0
    ) -> list[dict[str, Any]]:
        stack = self.deploy(name, compose, environment)
        return self.wait_until_running(
            stack["Name"], int(stack["EndpointId"]), wait=wait, interval=interval
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="stack name")
    parser.add_argument("compose_file", type=Path, help="docker-compose.yml to deploy")
    parser.add_argument("--environment", "-e", required=True, help="environment name")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for containers")
    parser.add_argument("--url", default=os.environ.get("PORTAINER_URL"), help="$PORTAINER_URL")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args(argv)
    token = os.environ.get("PORTAINER_TOKEN")
    if not args.url or not token:
        parser.error("set PORTAINER_URL (or --url) and PORTAINER_TOKEN")
    try:
        compose = args.compose_file.read_text(encoding="utf-8")
        with WaitingPortainer(args.url, token, timeout=args.timeout) as portainer:
            containers = portainer.deploy_and_wait(
                args.name, compose, args.environment, wait=args.wait
            )
    except (DeployError, OSError) as exc:
        print(f"deploy_and_wait: {exc}", file=sys.stderr)
        return 1
    names = ", ".join(sorted(c["Names"][0].lstrip("/") for c in containers))
    print(f"stack {args.name} is running on {args.environment}: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
