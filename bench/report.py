"""The benchmark's tables, as Markdown (bench/results.md, which the docs' Performance page includes)."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from typing import Any

from bench.load import LoadResult

READS = ("list", "get", "settings", "rancher", "docker", "gitfile")
STARTUP_LIMIT_S = 1.5
MEMORY_LIMIT_MB = 150.0
LIST_10K_MS = 25.0  # a list of 10,000 stacks at p50
LOGIN_P99_MS = 20.0  # an unrelated read while LOGINS clients log in
LOGINS = 16
CEILING_TARGET = 0.50  # every read at least this share of the ceiling's throughput
CEILING_STRETCH = 0.60
PRISM_TARGET = 2.0  # and at least this multiple of the best Prism mode


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _cells(result: LoadResult | None, why: str | None = None) -> list[str]:
    if result is None:
        return ["—", "—", "—"] if why is None else [f"n/a ({why})", "", ""]
    rps = f"{result.rps:,.0f}"
    if not result.clean:
        rps += f" ⚠ {result.non_2xx} non-2xx"
    return [rps, _ms(result.p50_ms), _ms(result.p99_ms)]


def best_prism(runs: Sequence[Any], key: str) -> tuple[Any, LoadResult] | None:
    """The Prism mode with the highest throughput on `key`."""
    found = [(run, run.results[key]) for run in runs[1:] if key in run.results]
    return max(found, key=lambda pair: pair[1].rps) if found else None


def lowest_prism_p99(runs: Sequence[Any], key: str) -> float | None:
    """Prism's lowest p99 on `key` over its modes: the strictest latency to compare with."""
    found = [run.results[key].p99_ms for run in runs[1:] if key in run.results]
    return min(found) if found else None


def ceiling_ratio(ours: Any, ceiling: Any, key: str) -> float | None:
    """The mock's throughput as a share of the ceiling's on `key`, when both were measured."""
    if ceiling is None or key not in ceiling.results or key not in ours.results:
        return None
    return float(ours.results[key].rps / ceiling.results[key].rps)


def comparison_table(targets: Sequence[Any], runs: Sequence[Any], ceiling: Any) -> list[str]:
    ours = runs[0]
    head = ["request", "mock req/s", "p50 ms", "p99 ms", "ceiling req/s", "mock ÷ ceiling"]
    for run in runs[1:]:
        head += [f"{run.name} req/s", "p50 ms", "p99 ms"]
    head += ["req/s ratio (mock ÷ best Prism)", "p99 (mock vs Prism's lowest)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for target in targets:
        row = [target.label, *_cells(ours.results.get(target.key), ours.skipped.get(target.key))]
        bare = ceiling.results.get(target.key) if ceiling is not None else None
        share = ceiling_ratio(ours, ceiling, target.key)
        row += [
            f"{bare.rps:,.0f}" if bare is not None else "—",
            f"**{share:.0%}**" if share is not None else "—",
        ]
        for run in runs[1:]:
            if target.ours_only:
                row += ["—", "—", "—"]
            else:
                row += _cells(run.results.get(target.key), run.skipped.get(target.key))
        best = best_prism(runs, target.key)
        mine = ours.results.get(target.key)
        if best is not None and mine is not None:
            run, theirs = best
            row.append(f"**{mine.rps / theirs.rps:.2f}** (vs {run.name})")
            lowest = lowest_prism_p99(runs, target.key) or theirs.p99_ms
            verdict = "no worse" if mine.p99_ms <= lowest else "WORSE"
            row.append(f"{_ms(mine.p99_ms)} vs {_ms(lowest)}: {verdict}")
        elif target.ours_only:
            row += ["mock only (Prism keeps no state)", ""]
        else:
            row += ["—", "—"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def startup_table(runs: Sequence[Any], startups: Sequence[float], default_peak: float) -> list[str]:
    lines = [
        "| server | startup to first answer | peak memory (RSS) |",
        "|---|---|---|",
        f"| contract-mock, default scenario | median {statistics.median(startups):.2f} s "
        f"(min {min(startups):.2f}, max {max(startups):.2f}; {len(startups)} fresh starts) "
        f"| {default_peak:.0f} MiB after 6 s of reads |",
    ]
    for run in runs:
        name = run.name if run.name != "contract-mock" else "contract-mock, bench scenario"
        startup = f"{run.startup_s:.2f} s" if run.startup_s is not None else "—"
        peak = f"{run.peak_mb:.0f} MiB after its whole load" if run.peak_mb else "—"
        lines.append(f"| {name} | {startup} | {peak} |")
    return lines


def growth_table(growth: Sequence[Any]) -> list[str]:
    lines = [
        "| stacks | list req/s | list p50 ms | list p99 ms | list p50 per stack | "
        "read-by-id req/s | read p50 ms | read p99 ms | startup | peak memory |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in growth:
        per_stack = row.list_.p50_ms * 1000 / row.stacks
        lines.append(
            f"| {row.stacks:,} | {row.list_.rps:,.1f} | {_ms(row.list_.p50_ms)} "
            f"| {_ms(row.list_.p99_ms)} | {per_stack:.1f} µs | {row.single.rps:,.0f} "
            f"| {_ms(row.single.p50_ms)} | {_ms(row.single.p99_ms)} | {row.startup_s:.2f} s "
            f"| {row.peak_mb:.0f} MiB |"
        )
    return lines


def checks(
    runs: Sequence[Any],
    startups: Sequence[float],
    default_peak: float,
    growth: Sequence[Any],
    ceiling: Any = None,
    logins: Any = None,
) -> list[str]:
    """The targets, each with the figure that decides it."""
    out = []

    def mark(ok: bool) -> str:
        return "met" if ok else "**missed**"

    ours = runs[0]
    for key in READS:
        share = ceiling_ratio(ours, ceiling, key)
        if share is None:
            out.append(f"- `{key}`: not compared with the ceiling (not measured)")
            continue
        stretch = " (stretch 60%: met)" if share >= CEILING_STRETCH else ""
        out.append(
            f"- `{key}` at least {CEILING_TARGET:.0%} of the ceiling: "
            f"{mark(share >= CEILING_TARGET)} ({share:.0%}){stretch}"
        )
        best = best_prism(runs, key)
        if best is not None:
            run, theirs = best
            ratio = ours.results[key].rps / theirs.rps
            out.append(
                f"- `{key}` at least {PRISM_TARGET:.0f}x the best Prism ({run.name}): "
                f"{mark(ratio >= PRISM_TARGET)} ({ratio:.2f}x)"
            )
    pair, read = ours.results.get("pair"), ours.results.get("get")
    if pair is not None and read is not None:
        out.append(
            f"- create + delete pairs at least 50% of the read rate: "
            f"{mark(pair.rps >= 0.5 * read.rps)} ({pair.rps / read.rps:.0%})"
        )
    if len(runs) > 1:
        for key in READS:
            best = best_prism(runs, key)
            mine = ours.results.get(key)
            if best is None or mine is None:
                why = ours.skipped.get(key) or "not measured"
                out.append(f"- `{key}`: not compared ({why})")
                continue
            run, theirs = best
            ratio = mine.rps / theirs.rps
            lowest = lowest_prism_p99(runs, key) or theirs.p99_ms
            out.append(
                f"- `{key}` throughput ≥ best Prism ({run.name}): {mark(ratio >= 1.0)} "
                f"(ratio {ratio:.2f}); p99 no worse than Prism's lowest: "
                f"{mark(mine.p99_ms <= lowest)} ({_ms(mine.p99_ms)} vs {_ms(lowest)} ms)"
            )
    clean = all(result.clean for result in ours.results.values())
    out.append(f"- every answer of the mock under load was 2xx: {mark(clean)}")
    median = statistics.median(startups)
    out.append(
        f"- startup to first answer under {STARTUP_LIMIT_S} s: {mark(median < STARTUP_LIMIT_S)} "
        f"(median {median:.2f} s, max {max(startups):.2f} s)"
    )
    peak = max(default_peak, ours.peak_mb or 0.0)
    out.append(
        f"- peak memory under {MEMORY_LIMIT_MB:.0f} MB: {mark(peak < MEMORY_LIMIT_MB)} "
        f"({peak:.0f} MiB)"
    )
    if len(growth) >= 2:
        first, last = growth[0], growth[-1]
        per_first = first.list_.p50_ms / first.stacks
        per_last = last.list_.p50_ms / last.stacks
        linear = per_last <= 2 * per_first
        out.append(
            f"- listing grows linearly: {mark(linear)} ({per_first * 1000:.1f} µs per stack at "
            f"{first.stacks:,}, {per_last * 1000:.1f} µs at {last.stacks:,})"
        )
        at = {row.stacks: row for row in growth}
        ten = at.get(10_000)
        if ten is not None:
            out.append(
                f"- a list of 10,000 stacks under {LIST_10K_MS:.0f} ms at p50: "
                f"{mark(ten.list_.p50_ms < LIST_10K_MS)} ({_ms(ten.list_.p50_ms)} ms)"
            )
            out.append(
                f"- startup under {STARTUP_LIMIT_S} s at 10,000 stacks: "
                f"{mark(ten.startup_s < STARTUP_LIMIT_S)} ({ten.startup_s:.2f} s)"
            )
            out.append(
                f"- peak memory under {MEMORY_LIMIT_MB:.0f} MB at 10,000 stacks: "
                f"{mark(ten.peak_mb < MEMORY_LIMIT_MB)} ({ten.peak_mb:.0f} MiB)"
            )
        hundred = at.get(100_000)
        if hundred is not None:
            out.append(
                f"- at 100,000 stacks (reported): startup {hundred.startup_s:.2f} s, peak memory"
                f" {hundred.peak_mb:.0f} MiB, list p50 {_ms(hundred.list_.p50_ms)} ms"
            )
        flat = last.single.p50_ms <= 2 * first.single.p50_ms
        out.append(
            f"- reading one stack does not grow: {mark(flat)} (p50 {_ms(first.single.p50_ms)} ms "
            f"at {first.stacks:,}, {_ms(last.single.p50_ms)} ms at {last.stacks:,})"
        )
    if logins is not None:
        out.append(
            f"- p99 of an unrelated read under {LOGIN_P99_MS:.0f} ms while {LOGINS} logins run: "
            f"{mark(logins.busy.p99_ms < LOGIN_P99_MS)} ({_ms(logins.busy.p99_ms)} ms)"
        )
    return out


def render(
    *,
    info: dict[str, str],
    args: argparse.Namespace,
    targets: Sequence[Any],
    runs: Sequence[Any],
    startups: Sequence[float],
    default_peak: float,
    growth: Sequence[Any],
    stacks: int,
    ceiling: Any = None,
    logins: Any = None,
) -> str:
    notes = [f"- {run.name}: {run.note}" for run in runs if run.note]
    lines = [
        "# Benchmark: contract-mock against Stoplight Prism",
        "",
        "Written by `make bench` (`.venv/bin/python -m bench`); do not edit by hand.",
        "",
        f"- When: {info['date']}, commit `{info['commit']}`",
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory']}; Python "
        f"{info['python']}, Node {info['node']}, {info['wrk']}"
        + (f", Prism {info['prism']}" if "prism" in info else ""),
        f"- Load: wrk from its own process, 1 thread, {args.connections} keep-alive connections,"
        f" {args.warmup} s warm-up then {args.duration} s per request, each request alone, every"
        " server in turn on 127.0.0.1;"
        f" {args.rounds} rounds of all servers in turn, each figure (req/s, p50, p99) the"
        " server's best over its rounds, since other work on a shared machine only slows a round"
        " (the 1-minute load average as each server's rounds began: "
        + "; ".join(
            f"{run.name} " + ", ".join(f"{x:.1f}" for x in run.loads)
            for run in [*runs, *([ceiling] if ceiling else [])]
        )
        + ")",
        "- contract-mock: `python -m mockserver run --seed 42 --scenario bench/scenarios/bench.yaml"
        " --validate-responses on --rate-limit off`: request and response validation on, real"
        f" authentication (access token, or Rancher Basic key) on every request; {stacks} stacks"
        " visible to the administrator",
        f"- Prism: `npx --yes {info['prism_package']} mock -h 127.0.0.1 -p PORT --dynamic=false "
        "openapi.yaml`, then the same with `-m`; answers come from the contract's examples",
        *notes,
        "",
        "## Throughput and latency",
        "",
        "![Throughput per request, and growth with the number of stacks](results.png)",
        "",
        "The ceiling is `bench/ceiling.py`: the smallest ASGI app on the same uvicorn, event loop"
        " and HTTP parser as the mock, answering each request with the exact bytes the mock"
        " answered (captured at the start of the run); measured in the same rounds, interleaved.",
        "",
        *comparison_table(targets, runs, ceiling),
        "",
        "## Startup and memory",
        "",
        *startup_table(runs, startups, default_peak),
        "",
    ]
    if growth:
        lines += [
            "## Growth with the number of stacks",
            "",
            f"One connection (latency of one request at a time), {args.growth_duration} s each;"
            " the administrator sees every stack; the read is `GET /api/stacks/{n/2}`.",
            "",
            *growth_table(growth),
            "",
        ]
    if logins is not None:
        lines += [
            "## Reads during logins",
            "",
            f"`GET /api/settings` on one connection, alone and while {LOGINS} clients log in over"
            f" and over ({logins.logins_per_s:,.0f} logins/s; passwords are hashed off the event"
            " loop, in one worker thread).",
            "",
            "| | req/s | p50 ms | p99 ms |",
            "|---|---|---|---|",
            f"| alone | {logins.quiet.rps:,.0f} | {_ms(logins.quiet.p50_ms)} |"
            f" {_ms(logins.quiet.p99_ms)} |",
            f"| during {LOGINS} concurrent logins | {logins.busy.rps:,.0f} |"
            f" {_ms(logins.busy.p50_ms)} | {_ms(logins.busy.p99_ms)} |",
            "",
        ]
    checked = checks(runs, startups, default_peak, growth, ceiling, logins)
    lines += ["## Targets", "", *checked, ""]
    return "\n".join(lines)
