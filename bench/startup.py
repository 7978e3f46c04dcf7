"""How long MockServer takes to answer its first request, to reset and to stop.

    .venv/bin/python -m bench.startup [--runs 10] [--resets 2000]

"Cold" is a new Python process: importing the package, building the app from the contract,
seeding, starting uvicorn in a thread and the first answer to GET /api/status. "Warm" is one more
server in a process that already made one (what a test session with a dedicated server pays).
Reset is `MockServer.reset()`: the seeded state copied back, journal and faults cleared; it is
what the pytest fixture does before each test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

_COLD = """
import json, time
t0 = time.perf_counter()
import httpx
from mockserver.testing import MockServer
t1 = time.perf_counter()
mock = MockServer()
t2 = time.perf_counter()
mock.start()
t3 = time.perf_counter()
assert httpx.get(mock.url + "/api/status").status_code == 200
t4 = time.perf_counter()
mock.stop()
t5 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "listen": t3 - t2,
                  "first answer": t4 - t3, "total": t4 - t1, "stop": t5 - t4}))
"""


def _ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{statistics.median(values) * 1000:8.1f} ms (p90 {p90 * 1000:.1f})"


def cold(runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _COLD], capture_output=True, text=True, check=True
        ).stdout
        for name, value in json.loads(out.strip().splitlines()[-1]).items():
            results.setdefault(name, []).append(value)
    return results


def warm(runs: int) -> dict[str, list[float]]:
    import httpx

    from mockserver.testing import MockServer

    MockServer().start().stop()  # the first one pays for imports and the contract's parsing
    results: dict[str, list[float]] = {"startup to first answer": [], "stop": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        mock = MockServer().start()
        assert httpx.get(mock.url + "/api/status").status_code == 200
        t1 = time.perf_counter()
        mock.stop()
        results["startup to first answer"].append(t1 - t0)
        results["stop"].append(time.perf_counter() - t1)
    return results


def resets(count: int) -> list[float]:
    import httpx

    from mockserver.testing import MockServer

    times = []
    with MockServer() as mock, httpx.Client(base_url=mock.url) as http:
        headers = {"X-API-Key": mock.admin.api_key or ""}
        for index in range(count):
            if index % 100 == 0:  # a test's worth of changes, journal entries and a fault
                http.post(
                    "/api/stacks/create/standalone/string",
                    params={"endpointId": 1},
                    json={"Name": f"s{index}", "StackFileContent": "services: {}\n"},
                    headers=headers,
                )
                mock.fail("GET", "/api/status", status=503)
            t0 = time.perf_counter()
            mock.reset()
            times.append(time.perf_counter() - t0)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="servers started per measure")
    parser.add_argument("--resets", type=int, default=2000, help="resets timed")
    args = parser.parse_args(argv)

    print(f"MockServer, default scenario; medians of {args.runs} runs (p90 in brackets)")
    print("cold (new process):")
    for name, values in cold(args.runs).items():
        print(f"  {name:<24} {_ms(values)}")
    print("warm (one more server in the same process):")
    for name, values in warm(args.runs).items():
        print(f"  {name:<24} {_ms(values)}")
    print(f"reset ({args.resets} times):")
    print(f"  {'reset':<24} {_ms(resets(args.resets))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
