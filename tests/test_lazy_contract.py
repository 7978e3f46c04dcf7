"""Importing contract-mock's modules reads no contract: the contract is parsed on first use.

The conformance suite's own `test_*` modules are the exception: pytest imports them to test the
contract, so they need it.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import importlib, pkgutil, traceback
import mockserver, conformance, mockserver.resources as resources

reads = []
real = resources.contract


def recorded():
    reads.append("".join(traceback.format_stack(limit=8)))
    return real()


resources.contract = recorded  # every read of the contract goes through it
for package in (mockserver, conformance):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        last = module.name.rsplit(".", 1)[1]
        # __main__ runs the command line; the suite's test_* modules are the contract's own tests
        if last != "__main__" and not last.startswith("test_"):
            importlib.import_module(module.name)
print(len(reads))
for stack in reads:
    print(stack)
"""


def test_importing_every_module_reads_no_contract() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    count, *stacks = done.stdout.split("\n", 1)
    assert count == "0", "\n".join(stacks)


def test_the_probe_sees_a_read() -> None:
    """The probe above can fail: a module that parses the contract at import is seen."""
    probe = PROBE.replace(
        "print(len(reads))",
        "import mockserver.spec as s; s._load.cache_clear(); s._load()\nprint(len(reads))",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n", 1)[0] != "0"
