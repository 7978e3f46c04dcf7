"""Build hook: the package carries the root `openapi.yaml` and `fixtures/` (their one source).

Everything else about the build is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithContract(build_py):
    """build_py that also copies the contract and the scenario fixtures into mockserver/_bundled."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout itself
            return
        bundle = Path(self.build_lib) / "mockserver" / "_bundled"
        (bundle / "fixtures").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "openapi.yaml", bundle / "openapi.yaml")
        for scenario in sorted((ROOT / "fixtures").glob("*.yaml")):
            shutil.copyfile(scenario, bundle / "fixtures" / scenario.name)


setup(cmdclass={"build_py": BuildWithContract})
