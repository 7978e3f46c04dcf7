"""contract-mock's mock server: Portainer and Rancher APIs served from openapi.yaml."""

import warnings

# Connexion imports Starlette's TestClient, which warns about httpx on import; harmless here.
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")

from mockserver.app import create_app  # noqa: E402
from mockserver.config import MockConfig  # noqa: E402
from mockserver.version import package_version  # noqa: E402

__version__ = package_version()

__all__ = ["MockConfig", "__version__", "create_app"]
