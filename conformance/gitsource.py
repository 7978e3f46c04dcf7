"""Where the repository stack rules deploy from: a Git repository the target can clone.

Against the mock, the suite makes a repository of its own through the mock's control route
(`POST /__mock__/git`) and can push commits to it; against a real Portainer, `--git-repository`
(and `--git-ref`) name one it can clone, and the rules that need a push are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance import settings
from conformance.client import Api
from conformance.identities import COMPOSE_FILE, RUN_ID

COMPOSE_PATH = "docker-compose.yml"


@dataclass
class GitSource:
    url: str
    ref: str  # "" means the default branch
    api: Api | None  # set when commits can be pushed (the target is the mock)

    @property
    def pushable(self) -> bool:
        return self.api is not None

    def push(self, content: str) -> str:
        """A new commit with this compose file; its hash."""
        assert self.api is not None
        reply = self.api.post(
            "/__mock__/git",
            json_body={"url": self.url, "files": {COMPOSE_PATH: content}, "ref": self.ref or None},
        )
        if reply.status != 201:
            raise RuntimeError(f"pushing to {self.url} answered {reply.status}")
        return str(reply.json()["hash"])


def find(api: Api, label: str) -> GitSource | None:
    """The repository to use, or None when the target offers none."""
    target = settings.current()
    if target.git_repository:
        return GitSource(target.git_repository, target.git_ref or "", None)
    url = f"https://git.example.com/conformance/{RUN_ID}-{label}"
    body: dict[str, Any] = {"url": url, "files": {COMPOSE_PATH: COMPOSE_FILE}}
    reply = api.post("/__mock__/git", json_body=body)
    if reply.status == 201:
        return GitSource(url, "", api)
    return None
