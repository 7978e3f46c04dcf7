"""A conformance suite for servers that claim to honour `openapi.yaml`.

Run it with the `conformance` command, or under pytest as `pytest --pyargs conformance
--base-url ...`. It checks the contract with Schemathesis (every operation, and stateful sequences
over the contract's links) and named behavioural rules (`conformance.rules`), each with a stable id.
"""

from __future__ import annotations

from mockserver.version import package_version

__version__ = package_version()
