"""Version and instance information: `/api/system/status`, `/version` and `/info`."""

from __future__ import annotations

from typing import Any

from mockserver.state import Store

PORTAINER_VERSION = "2.23.0"
EDITION = "CE"
AGENT_TYPES = {2, 4, 6, 7}  # endpointutils.IsAgentEndpoint: agents, edge agents included
EDGE_TYPES = {4, 7}  # endpointutils.IsEdgeEndpoint


class System:
    def __init__(self, store: Store) -> None:
        self.store = store

    def status(self) -> dict[str, str]:
        """Public: the version and this instance's id."""
        return {"Version": PORTAINER_VERSION, "InstanceID": self.store.state.instance_id}

    def version(self) -> dict[str, Any]:
        """system_version.go: no update is ever available (the mock does not look one up);
        the build and dependency fields are present, empty where the mock has no real value."""
        return {
            "UpdateAvailable": False,
            "LatestVersion": "",
            "ServerVersion": PORTAINER_VERSION,
            "ServerEdition": EDITION,
            "DatabaseVersion": PORTAINER_VERSION,
            "Build": {
                "BuildNumber": "",
                "ImageTag": PORTAINER_VERSION,
                "NodejsVersion": "",
                "YarnVersion": "",
                "WebpackVersion": "",
                "GoVersion": "",
                "GitCommit": "",
            },
            "Dependencies": {
                "DockerVersion": "",
                "HelmVersion": "",
                "KubectlVersion": "",
                "ComposeVersion": "",
            },
        }

    def info(self) -> dict[str, Any]:
        """system_info.go: the platform Portainer runs on and how many agents it manages."""
        types = [e.type for e in self.store.state.environments.values()]
        return {
            "platform": "Docker Standalone",
            "agents": sum(t in AGENT_TYPES for t in types),
            "edgeAgents": sum(t in EDGE_TYPES for t in types),
        }
