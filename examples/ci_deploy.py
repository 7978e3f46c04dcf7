"""A CI job's Portainer steps: deploy a stack from a Git repository once, then redeploy it by
webhook on every push.

    export PORTAINER_URL=https://portainer.example.com PORTAINER_TOKEN=ptr_...
    python ci_deploy.py ensure --environment production --repository https://git.example.com/acme/web-stack web
    python ci_deploy.py redeploy 6c5ac54b-5e1b-4c49-8ae7-4e3f3a0a3b11

`ensure` creates the stack from the repository if the environment has none of that name (with a
webhook, printed for the CI settings) and otherwise prints the webhook it already has. `redeploy`
calls the webhook: it needs no token, which is why CI systems use it after a push.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Sequence
from typing import Any

import httpx


class CIError(Exception):
    """A step that cannot succeed; the message is Portainer's own where it gave one."""


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.text[:200]


def _check(response: httpx.Response, what: str, ok: int = 200) -> Any:
    if response.status_code != ok:
        raise CIError(f"{what}: HTTP {response.status_code} {_reason(response)}")
    return response.json() if response.content else None


def ensure_stack(
    http: httpx.Client,
    name: str,
    repository: str,
    environment: str,
    reference: str = "",
    webhook: str | None = None,
) -> dict[str, Any]:
    """The stack `name` on `environment`, created from `repository` (with a webhook) if absent."""
    envs = _check(http.get("/api/endpoints", params={"name": environment}), "listing environments")
    if not envs:
        raise CIError(f"no environment named {environment!r} is visible with this token")
    env_id = envs[0]["Id"]
    filters = json.dumps({"EndpointID": env_id})
    for stack in _check(http.get("/api/stacks", params={"filters": filters}), "listing stacks"):
        if stack["Name"] == name:
            return dict(stack)
    body = {
        "Name": name,
        "RepositoryURL": repository,
        "RepositoryReferenceName": reference,
        "AutoUpdate": {"Webhook": webhook or str(uuid.uuid4())},
    }
    created = http.post(
        "/api/stacks/create/standalone/repository", params={"endpointId": env_id}, json=body
    )
    return dict(_check(created, f"deploying {name!r} from {repository}"))


def trigger(http: httpx.Client, webhook: str) -> None:
    """Call a stack's webhook; it is public, so `http` needs no credential."""
    _check(http.post(f"/api/stacks/webhooks/{webhook}"), "calling the webhook", ok=204)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    ensure = steps.add_parser("ensure", help="deploy from a repository unless already deployed")
    ensure.add_argument("name")
    ensure.add_argument("--environment", required=True)
    ensure.add_argument("--repository", required=True)
    ensure.add_argument("--reference", default="", help="e.g. refs/heads/main (default branch)")
    redeploy = steps.add_parser("redeploy", help="call a stack's webhook")
    redeploy.add_argument("webhook")
    args = parser.parse_args(argv)
    url = os.environ.get("PORTAINER_URL")
    if not url:
        print("set PORTAINER_URL", file=sys.stderr)
        return 2
    headers = {}
    if args.step == "ensure":
        token = os.environ.get("PORTAINER_TOKEN")
        if not token:
            print("set PORTAINER_TOKEN to an access token", file=sys.stderr)
            return 2
        headers["X-API-Key"] = token
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as http:
        try:
            if args.step == "ensure":
                stack = ensure_stack(
                    http, args.name, args.repository, args.environment, args.reference
                )
                webhook = (stack.get("AutoUpdate") or {}).get("Webhook", "")
                commit = (stack.get("GitConfig") or {}).get("ConfigHash", "")
                print(f"stack {stack['Name']} (id {stack['Id']}) at {commit}; webhook {webhook}")
            else:
                trigger(http, args.webhook)
                print("redeploy requested")
        except CIError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
