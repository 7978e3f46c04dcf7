"""Generate clients from the contract; any warning from a generator fails the generation.

    python -m tests.clients build/clients      # what `make clients` runs

writes `python/` (a package made by openapi-python-client, importable as `contract_mock_client`)
and `typescript/contract-mock.d.ts` (types made by openapi-typescript, when `npx` is present).
The end-to-end test (tests/test_generated_client.py) uses the same functions.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ruff.__main__ import find_ruff_bin

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "openapi.yaml"

PYTHON_PROJECT = "contract-mock-client"
PYTHON_PACKAGE = "contract_mock_client"
TYPES_FILE = "contract-mock.d.ts"
# Pinned like every other tool of the project; openapi-python-client is pinned in pyproject.toml.
OPENAPI_TYPESCRIPT = "openapi-typescript@7.13.0"
TYPESCRIPT = "typescript@7.0.2"

TIMEOUT = 300  # seconds; the first npx run downloads its package


class GenerationError(Exception):
    """A generator failed or warned; the message carries its output."""


def _run(command: Sequence[str], *, env: dict[str, str] | None = None) -> str:
    """Run a command; its stdout and stderr together, or GenerationError if it fails."""
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=ROOT,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise GenerationError(f"{shlex.join(command)} exited {result.returncode}:\n{output}")
    return output


def _unexpected(output: str, expected_prefixes: tuple[str, ...]) -> list[str]:
    """The output lines that are not a generator's usual progress lines: warnings, in effect."""
    return [
        line
        for line in output.splitlines()
        if line.strip() and not line.strip().startswith(expected_prefixes)
    ]


def _npm_env() -> dict[str, str]:
    # npm's own notices (about the machine's npm configuration, not the contract) stay quiet;
    # whatever the generator or the compiler prints is still judged line by line.
    return {**os.environ, "npm_config_loglevel": "error", "npm_config_update_notifier": "false"}


def generate_python(out_dir: Path, contract: Path = CONTRACT) -> Path:
    """Generate the Python client project into `out_dir` (replaced); returns `out_dir`.

    `out_dir` goes on `sys.path` to import `contract_mock_client`. The generated code is
    formatted with the project's own ruff, so no tool is needed on PATH.
    """
    ruff = shlex.quote(find_ruff_bin())
    config = {
        "project_name_override": PYTHON_PROJECT,
        "package_name_override": PYTHON_PACKAGE,
        "post_hooks": [f"{ruff} check . --fix-only --extend-select=I", f"{ruff} format ."],
    }
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        config_file = Path(scratch) / "openapi-python-client.json"
        config_file.write_text(json.dumps(config))
        output = _run(
            [
                sys.executable,
                "-m",
                "openapi_python_client",
                "generate",
                "--path",
                str(contract),
                "--output-path",
                str(out_dir),
                "--config",
                str(config_file),
                "--fail-on-warning",
            ]
        )
    warnings = _unexpected(output, ("Generating ",))
    if warnings:
        raise GenerationError("openapi-python-client warned:\n" + "\n".join(warnings))
    return out_dir


REDOCLY_CONFIG = Path(__file__).resolve().parents[1] / "redocly.yaml"


def npx_available() -> bool:
    return shutil.which("npx") is not None and shutil.which("node") is not None


def generate_typescript(out_dir: Path, contract: Path = CONTRACT) -> Path:
    """Generate the TypeScript types into `out_dir`; returns the `.d.ts` file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    types_file = out_dir / TYPES_FILE
    output = _run(
        [
            "npx",
            "--yes",
            OPENAPI_TYPESCRIPT,
            str(contract),
            "--output",
            str(types_file),
            # The project's lint rules (redocly.yaml says why no-ambiguous-paths is off).
            "--redocly",
            str(REDOCLY_CONFIG),
        ],
        env=_npm_env(),
    )
    # Its two progress lines: "✨ openapi-typescript 7.13.0" and "🚀 openapi.yaml → ... [12ms]".
    warnings = _unexpected(output, ("✨ openapi-typescript", "🚀 "))
    if warnings:
        raise GenerationError("openapi-typescript warned:\n" + "\n".join(warnings))
    return types_file


def compile_typescript(files: Sequence[Path]) -> None:
    """Type-check TypeScript files with `tsc --noEmit --strict`; GenerationError on any problem."""
    output = _run(
        [
            "npx",
            "--yes",
            "--package",
            TYPESCRIPT,
            "--",
            "tsc",
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--module",
            "esnext",
            "--moduleResolution",
            "bundler",
            *map(str, files),
        ],
        env=_npm_env(),
    )
    if output:
        raise GenerationError("tsc reported:\n" + output)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m tests.clients OUTPUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    try:
        print(f"Python client:     {generate_python(out / 'python')}/{PYTHON_PACKAGE}")
        if npx_available():
            print(f"TypeScript types:  {generate_typescript(out / 'typescript')}")
        else:
            print("TypeScript types:  skipped (npx and node not found; install Node.js)")
    except GenerationError as exc:
        print(f"clients: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
