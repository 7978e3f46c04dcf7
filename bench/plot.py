"""bench/results.png: throughput per request (mock, ceiling, Prism) and the growth curves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def draw(
    path: Path, targets: Sequence[Any], runs: Sequence[Any], ceiling: Any, growth: Sequence[Any]
) -> bool:
    """Write the picture; False (and nothing written) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    servers = [runs[0], *([ceiling] if ceiling is not None else []), *runs[1:]]
    reads = [t for t in targets if not t.ours_only]
    figure, (bars, curves) = plt.subplots(1, 2, figsize=(13, 4.8), width_ratios=[3, 2])
    width = 0.8 / max(len(servers), 1)
    for i, run in enumerate(servers):
        heights = [run.results[t.key].rps if t.key in run.results else 0 for t in reads]
        positions = [x + (i - (len(servers) - 1) / 2) * width for x in range(len(reads))]
        bars.bar(positions, heights, width, label=run.name)
    bars.set_xticks(range(len(reads)))
    # "GET /v2-beta/projects/{id}/apikeys (Basic)" -> "GET /v2-beta/projects/{id}/apikeys"
    labels = [t.label.split(" (")[0] for t in reads]
    bars.set_xticklabels(labels, fontsize=8, rotation=20, ha="right")
    bars.set_ylabel("requests per second (higher is better)")
    bars.set_title("Throughput per request, 8 connections")
    tallest = max((p.get_height() for p in bars.patches), default=0)
    bars.set_ylim(0, tallest * 1.2 or 1)  # room for the legend above the bars
    bars.legend(fontsize=8, ncol=len(servers), loc="upper center")
    if growth:
        sizes = [row.stacks for row in growth]
        curves.plot(sizes, [row.list_.p50_ms for row in growth], marker="o", label="list p50")
        curves.plot(sizes, [row.single.p50_ms for row in growth], marker="o", label="read p50")
        curves.set_xscale("log")
        curves.set_yscale("log")
        curves.set_xlabel("stacks")
        curves.set_ylabel("ms (one connection)")
        curves.set_title("Growth with the number of stacks")
        curves.legend(fontsize=8)
    else:
        curves.set_axis_off()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True
