"""The built package works on its own: outside the checkout, from the wheel alone.

The wheel and the sdist are built from the checkout, the wheel is installed into a new virtual
environment in a temporary folder (its dependencies come from the development environment's
site-packages, so no network is needed; contract-mock itself only from the wheel), and from a
working directory outside the checkout we run what a new user runs first: `mockserver run` and the
seed story, `conformance` against it, and a foreign project's test that uses the `mock_server`
fixture and the journal.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    not (ROOT / "pyproject.toml").is_file(), reason="needs the checkout to build from"
)


@dataclass
class Installed:
    """A virtual environment outside the checkout with contract-mock installed from the wheel."""

    venv: Path
    wheel: Path
    sdist: Path
    home: Path  # the working directory: outside the checkout

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *args: str, timeout: float = 120, cwd: Path | None = None) -> str:
        done = subprocess.run(
            list(args),
            cwd=cwd or self.home,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, (
            f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
        return done.stdout


def clean_env() -> dict[str, str]:
    """The environment without anything that would point Python back at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def build(outdir: Path, *args: str) -> None:
    # setuptools builds through the checkout's build/lib and never removes what a source tree no
    # longer has: a module deleted since the last build would ride along in the direct wheel.
    for stale in [ROOT / "build" / "lib", *(ROOT / "build").glob("bdist.*")]:
        shutil.rmtree(stale, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=clean_env(),
        timeout=300,
    )


def wheel_contents(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("installed")
    dist, direct = base / "dist", base / "direct"
    build(dist)  # the sdist, then the wheel built from that sdist
    build(direct, "--wheel")  # the wheel built straight from the checkout
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    (direct_wheel,) = direct.glob("*.whl")
    assert wheel_contents(wheel) == wheel_contents(direct_wheel), "the sdist rebuilds another wheel"

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Dependencies from the development environment, appended after the venv's own packages. A
    # plain path line: the editable install's own .pth hook there is not run.
    (site / "dev-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        env=clean_env(),
        timeout=300,
    )
    home = base / "elsewhere"
    home.mkdir()
    return Installed(venv=venv, wheel=wheel, sdist=sdist, home=home)


def test_the_wheel_and_the_sdist_carry_the_contract_fixtures_and_inspector(
    installed: Installed,
) -> None:
    contents = wheel_contents(installed.wheel)
    assert contents["mockserver/_bundled/openapi.yaml"] == (ROOT / "openapi.yaml").read_bytes()
    for scenario in (ROOT / "fixtures").glob("*.yaml"):
        assert contents[f"mockserver/_bundled/fixtures/{scenario.name}"] == scenario.read_bytes()
    assert "conformance/pytest.ini" in contents
    static = ROOT / "mockserver" / "inspector" / "static"
    for page_file in static.iterdir():  # the inspector's page, script and style sheet
        assert contents[f"mockserver/inspector/static/{page_file.name}"] == page_file.read_bytes()
    assert not [name for name in contents if name.startswith(("tests/", "bench/"))]


def test_imports_resolve_inside_the_venv_not_the_checkout(installed: Installed) -> None:
    out = installed.run(
        installed.bin("python"),
        "-c",
        "import mockserver, conformance, mockserver.resources as r;"
        "print(mockserver.__file__); print(conformance.__file__); print(r.contract())",
    )
    paths = out.split()
    assert len(paths) == 3
    for path in paths:
        assert path.startswith(str(installed.venv)), path
        assert not path.startswith(str(ROOT)), path


def test_version_is_the_package_version(installed: Installed) -> None:
    version = installed.run(
        installed.bin("python"), "-c", "import mockserver; print(mockserver.__version__)"
    ).strip()
    assert installed.wheel.name.startswith(f"contract_mock-{version}-")
    assert (
        installed.run(installed.bin("mockserver"), "--version").strip() == f"mockserver {version}"
    )
    assert (
        installed.run(installed.bin("conformance"), "--version").strip() == f"conformance {version}"
    )
    assert (
        installed.run(installed.bin("python"), "-m", "mockserver", "--version").strip()
        == f"mockserver {version}"
    )
    assert (
        installed.run(installed.bin("python"), "-m", "conformance", "--version").strip()
        == f"conformance {version}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    """`mockserver run` from the installed package, with the working directory outside the checkout."""
    port = free_port()
    log = installed.home / "mockserver.log"  # a file, not a pipe: nobody reads a pipe, it fills
    with log.open("w") as sink:
        process = subprocess.Popen(
            [installed.bin("mockserver"), "run", "--port", str(port), "--rate-limit", "off"],
            cwd=installed.home,
            env=clean_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/api/status", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed mock did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_installed_mock_serves_the_seed_story(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        login = client.post("/api/auth", json={"username": "alice", "password": "alice-password"})
        assert login.status_code == 200
        client.cookies.clear()  # a Bearer client: with the login cookie, CSRF applies
        jwt = {"Authorization": f"Bearer {login.json()['jwt']}"}
        me = client.get("/api/users/me", headers=jwt).json()
        created = client.post(
            f"/api/users/{me['Id']}/tokens",
            headers=jwt,
            json={"description": "installed", "password": "alice-password"},
        )
        assert created.status_code == 201
        raw = created.json()["rawAPIKey"]
        assert raw.startswith("ptr_")
        listed = client.get(f"/api/users/{me['Id']}/tokens", headers=jwt)
        assert raw not in listed.text  # shown once
        stacks = client.get("/api/stacks", headers={"X-API-Key": raw})
        assert stacks.status_code == 200 and isinstance(stacks.json(), list) and stacks.json()
        settings = client.get("/api/settings", headers={"X-API-Key": raw})
        assert settings.status_code == 403
        assert settings.json() == {"message": "Access denied", "details": "Unauthorized"}
        inspector = client.get("/__mock__/")  # the page, from the package's data
        assert inspector.status_code == 200 and "/__mock__/static/inspector.js" in inspector.text
        assert client.get("/__mock__/static/inspector.js").status_code == 200


def test_installed_conformance_passes_against_the_installed_mock(
    installed: Installed, served: str
) -> None:
    out = installed.run(
        installed.bin("conformance"),
        "--base-url",
        served,
        "--admin-user",
        "admin",
        "--admin-password",
        "mockadmin-pass",
        "--only",
        "portainer",
        # A short run: the contract checked by Schemathesis (from the packaged contract), and a
        # few named rules, token and JWT rules among them.
        "--rule",
        "SCH-PTR-1,PTR-AUTH-1,PTR-AUTH-3,PTR-TOK-6,PTR-STK-4",
        "--max-examples",
        "2",
        "--phases",
        "examples",
        "--login-rate",
        "0",
        "-q",
        timeout=120,
    )
    summary = re.search(r"(\d+) rules checked: (\d+) passed, (\d+) failed", out)
    assert summary, out
    _, passed, failed = map(int, summary.groups())
    assert failed == 0 and passed == 5, out
    assert "PASS  PTR-AUTH-1" in out  # rules ran, from the packaged contract


FOREIGN_TEST = """
from mockserver.testing import MockServer


def test_my_client_against_the_mock(mock_server: MockServer) -> None:
    import httpx

    token = mock_server.users["alice"].api_key
    answer = httpx.get(mock_server.url + "/api/stacks", headers={"X-API-Key": token})
    assert answer.status_code == 200
    calls = [(r.method, r.path, r.status) for r in mock_server.requests()]
    assert calls == [("GET", "/api/stacks", 200)]
    assert mock_server.requests()[0].caller.username == "alice"
"""


def test_a_foreign_project_uses_the_fixture_and_the_journal(installed: Installed) -> None:
    project = installed.home / "foreign-project"
    project.mkdir()
    (project / "test_foreign.py").write_text(FOREIGN_TEST)
    out = installed.run(
        installed.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project
    )
    assert "1 passed" in out
