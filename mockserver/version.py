"""The installed package's version, read from its metadata (pyproject.toml is its one source)."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "contract-mock"


def package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # imported from a checkout that was never installed
        return "0+unknown"
