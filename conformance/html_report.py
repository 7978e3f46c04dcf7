"""The HTML report (`--report-html PATH`): one self-contained page, readable without a network.

A summary at the top, then each rule that ran: passed, failed or skipped, its statement and
source, and for a failure why, the request and answer, and curl lines to reproduce it. Secrets
given on the command line appear as the names of their environment variables.
"""

from __future__ import annotations

import datetime
from html import escape

from conformance.report import Results, RuleResult, mask
from conformance.rules import BY_ID

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
.meta { color: #666; margin-bottom: 1rem; }
.counts span { display: inline-block; padding: .2rem .6rem; margin-right: .4rem; border-radius: 4px; }
.passed { background: #e3f5e1; } .failed { background: #fbe2e0; } .skipped { background: #eee; }
details { border: 1px solid #ddd; border-radius: 4px; margin: .3rem 0; padding: .3rem .6rem; }
summary { cursor: pointer; } summary b { display: inline-block; min-width: 3.5rem; }
.source { color: #555; font-size: .9em; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
"""

MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


def render(results: Results, secrets: dict[str, str], targets: list[str]) -> str:
    """The whole page."""
    ran = results.ran
    ordered = sorted(ran, key=lambda r: ("failed", "skipped", "passed").index(r.outcome))
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    counts = "".join(
        f'<span class="{outcome}">{results.count(outcome)} {outcome}</span>'
        for outcome in ("passed", "failed", "skipped")
    )
    notes = "".join(f"<li>{escape(mask(note, secrets))}</li>" for note in results.notes)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>conformance report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Conformance report</h1>",
        f'<div class="meta">{escape(when)}; checked: {escape(", ".join(targets) or "-")}</div>',
        f'<p class="counts">{len(ran)} rules checked: {counts}</p>',
        f"<ul>{notes}</ul>" if notes else "",
        *(_rule(result, secrets) for result in ordered),
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part)


def _rule(result: RuleResult, secrets: dict[str, str]) -> str:
    rule = BY_ID.get(result.id)
    source = rule.source if rule else ""
    test = rule.test if rule else ""
    body = [f'<p class="source">source: {escape(source)}<br>test: <code>{escape(test)}</code></p>']
    if result.outcome == "skipped" and result.skip_reason:
        body.append(f"<p>skipped: {escape(result.skip_reason)}</p>")
    for item in result.findings:
        body.append(f"<p>in <code>{escape(item.test)}</code></p>")
        body.append(f"<pre>{escape(mask(item.why, secrets))}</pre>")
        if item.request:
            body.append(f"<pre>{escape(mask(item.request, secrets))}</pre>")
        for curl in item.curl:
            body.append(f"<pre>{escape(mask(curl, secrets))}</pre>")
    opened = " open" if result.outcome == "failed" else ""
    return (
        f'<details class="{result.outcome}"{opened}><summary><b>{MARK[result.outcome]}</b> '
        f"{escape(result.id)}: {escape(result.statement)}</summary>{''.join(body)}</details>"
    )


def write(path: str, results: Results, secrets: dict[str, str], targets: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render(results, secrets, targets))
