"""Deploy a Docker Compose stack to Portainer with an access token.

    export PORTAINER_URL=https://portainer.example.com PORTAINER_TOKEN=ptr_...
    python deploy_stack.py --environment production web docker-compose.yml

The token comes from the environment, not the command line, so it stays out of shell history.
Overloaded or restarting servers (502, 503, 504) and lost connections or timeouts are retried with
exponential backoff; every other failure stops with Portainer's own message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

RETRY_STATUSES = frozenset({502, 503, 504})


class DeployError(Exception):
    """A deployment that cannot succeed; the message says why, in words a user can act on."""


class Portainer:
    """The few Portainer calls a deployment needs, over one HTTP connection pool."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=url.rstrip("/"), headers={"X-API-Key": token}, timeout=timeout
        )
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Portainer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, int]:
        """The first answer that is not worth retrying, and how many attempts it took."""
        for attempt in range(1, self.retries + 2):
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:  # refused, dropped, timed out
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response, attempt
                failure = f"HTTP {response.status_code} {_reason(response)}"
            if attempt > self.retries:
                raise DeployError(f"{method} {path} failed {attempt} times; last: {failure}")
            self._sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def environment_id(self, name: str) -> int:
        response, _ = self._request("GET", "/api/endpoints", params={"name": name})
        _check(response, f"listing environments named {name!r}")
        found = response.json()
        if not found:
            raise DeployError(f"no environment named {name!r} (or this token may not use it)")
        return int(found[0]["Id"])

    def stack_named(self, name: str, environment_id: int) -> dict[str, Any] | None:
        filters = json.dumps({"EndpointID": environment_id})
        response, _ = self._request("GET", "/api/stacks", params={"filters": filters})
        _check(response, "listing stacks")
        return next((s for s in response.json() if s["Name"] == name), None)

    def stack_file(self, stack_id: int) -> str:
        response, _ = self._request("GET", f"/api/stacks/{stack_id}/file")
        _check(response, f"reading the compose file of stack {stack_id}")
        return str(response.json()["StackFileContent"])

    def deploy(self, name: str, compose: str, environment: str) -> dict[str, Any]:
        """Create the stack `name` from `compose` on `environment`; the new stack."""
        environment_id = self.environment_id(environment)
        response, attempts = self._request(
            "POST",
            "/api/stacks/create/standalone/string",
            params={"endpointId": environment_id},
            json={"Name": name, "StackFileContent": compose},
        )
        if response.status_code == 409 and attempts > 1:
            # An earlier attempt may have landed before its answer was lost: if the stack
            # there is ours, the deployment did succeed.
            existing = self.stack_named(name, environment_id)
            if existing is not None and self.stack_file(existing["Id"]) == compose:
                return existing
        if response.status_code == 409:
            raise DeployError(
                f"a stack named {name!r} already exists on {environment!r}; "
                "remove it or choose another name"
            )
        _check(response, f"deploying stack {name!r} to {environment!r}")
        return dict(response.json())


def _reason(response: httpx.Response) -> str:
    """Portainer's error text: `message` (and `details` when it adds something)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    message, details = str(body.get("message", "")), str(body.get("details", ""))
    if details and details.lower() != message.lower():
        return f"{message} ({details})"
    return message or response.reason_phrase


def _check(response: httpx.Response, doing: str) -> None:
    if response.is_success:
        return
    if response.status_code == 401:
        raise DeployError(f"Portainer refused the access token while {doing}: {_reason(response)}")
    if response.status_code == 403:
        raise DeployError(f"the token's user may not do this ({doing}): {_reason(response)}")
    raise DeployError(f"{doing} failed: HTTP {response.status_code} {_reason(response)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="stack name")
    parser.add_argument("compose_file", type=Path, help="docker-compose.yml to deploy")
    parser.add_argument("--environment", "-e", required=True, help="environment name")
    parser.add_argument("--url", default=os.environ.get("PORTAINER_URL"), help="$PORTAINER_URL")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args(argv)
    token = os.environ.get("PORTAINER_TOKEN")
    if not args.url or not token:
        parser.error("set PORTAINER_URL (or --url) and PORTAINER_TOKEN")
    try:
        compose = args.compose_file.read_text(encoding="utf-8")
        with Portainer(args.url, token, timeout=args.timeout) as portainer:
            stack = portainer.deploy(args.name, compose, args.environment)
    except (DeployError, OSError) as exc:
        print(f"deploy_stack: {exc}", file=sys.stderr)
        return 1
    print(f"deployed stack {stack['Name']} (id {stack['Id']}) on {args.environment}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
