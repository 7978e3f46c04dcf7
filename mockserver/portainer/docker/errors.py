"""Docker Engine's own errors, as Portainer's proxy passes them on: `{"message": "..."}`."""

from __future__ import annotations

from typing import Any

from mockserver.errors import MockError


class DockerError(MockError):
    """The Docker Engine API's error body (`ErrorResponse`), or the proxy's own 403."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"message": self.message}

    def __repr__(self) -> str:
        return f"DockerError({self.status_code}, {self.message!r})"


def not_a_swarm_manager() -> DockerError:
    """Swarm routes on an engine that is not a swarm manager."""
    return DockerError(
        503,
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
        "to connect this node to swarm and try again.",
    )
