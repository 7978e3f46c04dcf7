"""Rule results: collected from pytest's reports, printed as a summary, written as JSON.

A rule passes when every test item carrying its id passed, fails when any failed or errored, and
is skipped when all of its items were skipped (with the reason). A failure shows why, the request
that broke the rule and a curl line to reproduce it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from conformance.client import JOURNAL, RuleViolation
from conformance.rules import BY_ID, RULES

_CURL = re.compile(r"Reproduce with:\s*\n\s*\n\s*(curl [^\n]+)")
_SCHEMATHESIS_TITLE = re.compile(r"^\s*\|?\s*- (ST\d+ [^\n]+)$", re.M)


@dataclass
class Finding:
    """One failed test item of a rule."""

    test: str
    why: str
    request: str | None = None
    curl: list[str] = field(default_factory=list)


@dataclass
class RuleResult:
    id: str
    statement: str
    outcome: str = "not run"  # passed, failed, skipped, not run
    items: int = 0
    findings: list[Finding] = field(default_factory=list)
    skip_reason: str | None = None


class Results:
    """What each rule did in this session."""

    def __init__(self) -> None:
        self.rules: dict[str, RuleResult] = {
            rule.id: RuleResult(rule.id, rule.statement) for rule in RULES
        }
        self.notes: list[str] = []
        self._outcomes: dict[str, list[str]] = {rule.id: [] for rule in RULES}

    def record(self, rule_id: str, nodeid: str, outcome: str, detail: Any) -> None:
        result = self.rules.get(rule_id)
        if result is None:  # a test with an id the catalogue lacks
            result = self.rules[rule_id] = RuleResult(rule_id, "(not in the catalogue)")
            self._outcomes[rule_id] = []
        result.items += 1
        self._outcomes[rule_id].append(outcome)
        if outcome == "failed":
            result.findings.append(finding(nodeid, detail))
        elif outcome == "skipped" and result.skip_reason is None:
            result.skip_reason = skip_reason(detail)
        outcomes = self._outcomes[rule_id]
        if "failed" in outcomes:
            result.outcome = "failed"
        elif "passed" in outcomes:
            result.outcome = "passed"
        else:
            result.outcome = "skipped"

    @property
    def ran(self) -> list[RuleResult]:
        return [r for r in self.rules.values() if r.outcome != "not run"]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rules.values() if r.outcome == outcome)

    # -- output
    def summary(self, secrets: dict[str, str] | None = None) -> str:
        ran = self.ran
        lines = [
            f"conformance: {len(ran)} rules checked: {self.count('passed')} passed, "
            f"{self.count('failed')} failed, {self.count('skipped')} skipped"
        ]
        last_reason = None
        for result in ran:
            mark = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[result.outcome]
            lines.append(f"{mark}  {result.id:<11} {result.statement}")
            reason = result.skip_reason if result.outcome == "skipped" else None
            if reason and reason != last_reason:  # a skipped family says why once
                lines.append(f"      skipped: {reason}")
            last_reason = reason
            for item in result.findings[:5]:
                lines.append(f"      in {item.test}")
                for text in item.why.splitlines()[:12]:
                    lines.append(f"        {text}")
                if item.request:
                    for text in item.request.splitlines():
                        lines.append(f"        {text}")
                for curl in item.curl[:2]:
                    shown = mask(curl, secrets)
                    if len(shown) > 500:  # the whole line is in --report-json
                        shown = shown[:500] + " ..."
                    lines.append(f"        reproduce: {shown}")
            if len(result.findings) > 5:
                lines.append(f"      ... and {len(result.findings) - 5} more failing items")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "checked": len(self.ran),
                "passed": self.count("passed"),
                "failed": self.count("failed"),
                "skipped": self.count("skipped"),
            },
            "rules": [asdict(r) for r in self.rules.values()],
            "notes": self.notes,
        }

    def write_json(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.to_json(), handle, indent=2)


def mask(text: str, secrets: dict[str, str] | None) -> str:
    for secret, placeholder in (secrets or {}).items():
        text = text.replace(secret, placeholder)
    return text


def finding(nodeid: str, detail: Any) -> Finding:
    """What a failed item reports: a RuleViolation, a Schemathesis failure group, or an error."""
    exc = getattr(detail, "value", None)
    if isinstance(exc, RuleViolation):
        request = exc.exchange.describe(JOURNAL.secrets) if exc.exchange is not None else None
        return Finding(nodeid, exc.why, request=request)
    text = str(getattr(detail, "longreprtext", "") or detail or "")
    if exc is not None:
        text = _exception_text(exc) or text
    titles = _SCHEMATHESIS_TITLE.findall(text)
    curls = _CURL.findall(text)
    if titles:
        why = "Schemathesis: " + "; ".join(dict.fromkeys(t.strip() for t in titles))
    else:
        why = _first_lines(text)
    curls = [mask(curl, JOURNAL.secrets) for curl in dict.fromkeys(curls)]
    return Finding(nodeid, mask(why, JOURNAL.secrets), curl=curls)


def _exception_text(exc: BaseException) -> str:
    parts = [str(exc)]
    for sub in getattr(exc, "exceptions", ()) or ():
        parts.append(_exception_text(sub))
    return "\n".join(parts)


def _first_lines(text: str, count: int = 8) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.lstrip().startswith("E ")]
    chosen = errors or lines[-count:]
    return "\n".join(line.strip() for line in chosen[:count])


def skip_reason(detail: Any) -> str:
    longrepr = detail
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def rule_ids_of(markers: Iterable[Any]) -> list[str]:
    ids = []
    for marker in markers:
        ids.extend(str(a) for a in marker.args)
    return ids


def known(rule_id: str) -> bool:
    return rule_id in BY_ID
