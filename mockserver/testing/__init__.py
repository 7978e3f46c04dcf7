"""Test helpers: `MockServer` (the mock in a background thread) and a pytest plugin.

    from mockserver.testing import MockServer

    with MockServer(seed=7) as mock:
        httpx.get(f"{mock.url}/api/stacks", headers={"X-API-Key": mock.admin.api_key})

The pytest plugin (`mockserver.testing.plugin`, registered by installing the package) gives the
`mock_server` fixture.
"""

from mockserver.testing.server import Account, MockServer, RancherKeyPair

__all__ = ["Account", "MockServer", "RancherKeyPair"]
