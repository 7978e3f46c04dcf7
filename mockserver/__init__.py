"""contract-mock's mock server: Portainer and Rancher APIs served from openapi.yaml.

`create_app` and `MockConfig` are imported on first use, so that importing a light submodule
(`mockserver.version`, `mockserver.resources`, as the conformance command does) does not pay for
Connexion and the whole server.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from mockserver.version import package_version

# Connexion imports Starlette's TestClient, which warns about httpx on import; harmless here.
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")

if TYPE_CHECKING:
    from mockserver.app import create_app
    from mockserver.config import MockConfig

__version__ = package_version()

__all__ = ["MockConfig", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from mockserver.app import create_app

        return create_app
    if name == "MockConfig":
        from mockserver.config import MockConfig

        return MockConfig
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
