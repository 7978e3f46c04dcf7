"""Fault injection: rules that make matching requests slow, fail, or lose their connection.

A rule matches a method (or any) and a path pattern (a glob, or a regex), and acts on the next
`times` matching requests (or on every one until cleared): it waits `latency` seconds, then answers
`status` with the family's error body, drops the connection, or lets the request through.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from mockserver.errors import RANCHER_STATUS_TEXT, MockError, PortainerError, RancherError
from mockserver.http_errors import is_rancher
from mockserver.journal import method_matches, path_matcher

try:  # the parser of `re` (Python 3.11+: re._parser)
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

MAX_LATENCY = 300.0  # seconds
_WAIT_SLICE = 0.02  # how often a delayed request looks whether its fault was cleared
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110 5.6.2)
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # no CR, LF, NUL or other controls
_TEXT_LIMIT = 4096  # characters of a message, details or header value


class FaultError(ValueError):
    """A fault rule that cannot be applied (bad status, no action, both status and drop...)."""


@dataclass
class Fault:
    """One rule. `hits` counts the requests it acted on; `times` None means until cleared."""

    id: int
    method: str | None
    path: str | re.Pattern[str]
    status: int | None = None
    latency: float = 0.0
    drop: bool = False
    times: int | None = None
    message: str | None = None
    details: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0
    matches: Callable[[str], bool] = field(default=lambda path: False, repr=False, compare=False)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.hits, 0)

    def describe(self) -> str:
        """A short label for the journal, e.g. "latency 0.5s, status 503"."""
        parts = []
        if self.latency:
            parts.append(f"latency {self.latency:g}s")
        if self.drop:
            parts.append("drop")
        if self.status is not None:
            parts.append(f"status {self.status}")
        return ", ".join(parts)

    def error(self, path: str) -> MockError:
        """The error answered for `path`, in its family's shape."""
        assert self.status is not None
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        if is_rancher(path):
            if self.message is None and self.details is None and self.status in RANCHER_STATUS_TEXT:
                return RancherError(self.status)
            text = self.message or RANCHER_STATUS_TEXT.get(self.status, phrase)
            return RancherError(self.status, text, message=text, detail=self.details)
        message = self.message or phrase
        return PortainerError(self.status, message, self.details or message)

    def to_json(self) -> dict[str, Any]:
        pattern = self.path
        return {
            "id": self.id,
            "method": self.method or "*",
            **(
                {"pathRegex": pattern.pattern}
                if isinstance(pattern, re.Pattern)
                else {"path": pattern}
            ),
            "status": self.status,
            "message": self.message,
            "details": self.details,
            "headers": self.headers,
            "latency": self.latency,
            "drop": self.drop,
            "times": self.times,
            "remaining": self.remaining,
            "hits": self.hits,
        }


def check_regex(pattern: str, max_length: int) -> re.Pattern[str]:
    """A fault's `pathRegex`, compiled, or FaultError when it is too long or can backtrack
    catastrophically: a repeat (`*`, `+`, `{n,}`) around something that itself repeats or offers
    alternatives (`(a+)+`, `(a|aa)*`), or a back-reference. Matching cannot be interrupted, so a
    rule that could hold the event loop is refused up front."""
    if len(pattern) > max_length:
        raise FaultError(f"pathRegex is longer than {max_length} characters")
    try:
        compiled = re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise FaultError(f"pathRegex: {exc}") from None
    if _risky(parsed.data if hasattr(parsed, "data") else list(parsed), inside_repeat=False):
        raise FaultError(
            "pathRegex could backtrack catastrophically (a repeat around a repeat or an "
            "alternative, or a back-reference); use a simpler pattern or a glob"
        )
    return compiled


_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _risky(items: Any, *, inside_repeat: bool) -> bool:
    for op, arg in items:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            return True
        if name in _REPEATS:
            _low, high, body = arg
            unbounded = high == _sre_parse.MAXREPEAT or high > 100
            if inside_repeat and high > 1:
                return True
            if _risky(body, inside_repeat=inside_repeat or unbounded):
                return True
        elif name == "BRANCH":
            if inside_repeat:
                return True
            if any(_risky(branch, inside_repeat=False) for branch in arg[1]):
                return True
        elif name in ("SUBPATTERN", "ASSERT", "ASSERT_NOT", "ATOMIC_GROUP") and _risky(
            arg[-1], inside_repeat=inside_repeat
        ):
            return True
    return False


class Faults:
    """The active rules, first added first matched; thread-safe; at most `max_rules` rules,
    patterns at most `max_pattern` characters."""

    def __init__(self, max_rules: int = 1000, max_pattern: int = 1000) -> None:
        self.max_rules = max_rules
        self.max_pattern = max_pattern
        self._rules: list[Fault] = []
        self._lock = threading.Lock()
        self._next_id = 0
        self.generation = 0  # bumped by clear(): delayed requests stop waiting and are dropped

    def add(
        self,
        method: str | None,
        path: str | re.Pattern[str],
        *,
        status: int | None = None,
        latency: float = 0.0,
        drop: bool = False,
        times: int | None = None,
        message: str | None = None,
        details: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Add a rule after checking it; raises FaultError when it cannot work."""
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise FaultError(f"status must be an HTTP error status (400-599), not {status!r}")
        if isinstance(latency, bool) or not isinstance(latency, int | float):
            raise FaultError(f"latency must be a number of seconds, not {latency!r}")
        if not 0 <= latency <= MAX_LATENCY:
            raise FaultError(f"latency must be between 0 and {MAX_LATENCY:g} seconds")
        if status is not None and drop:
            raise FaultError("a fault either answers a status or drops the connection, not both")
        if status is None and not drop and not latency:
            raise FaultError("a fault needs an action: status, drop or latency")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise FaultError(f"times must be a positive integer (or absent), not {times!r}")
        if not isinstance(path, str | re.Pattern) or not (
            path.pattern if isinstance(path, re.Pattern) else path
        ):
            raise FaultError("a fault needs a path pattern")
        if isinstance(path, re.Pattern):
            check_regex(str(path.pattern), self.max_pattern)  # length and backtracking
        elif len(path) > self.max_pattern:
            raise FaultError(f"path is longer than {self.max_pattern} characters")
        if headers is not None and not (
            isinstance(headers, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        ):
            raise FaultError("headers must map header names to string values")
        for name, value in (headers or {}).items():
            if not _HEADER_NAME.fullmatch(name):
                raise FaultError(f"header name {name[:64]!r} is not an HTTP token")
            if len(value) > _TEXT_LIMIT or not _HEADER_VALUE.fullmatch(value):
                raise FaultError(
                    f"header {name} has a value with CR, LF or another control character, or "
                    f"longer than {_TEXT_LIMIT} characters"
                )
        if len(headers or {}) > 32:
            raise FaultError("a fault sets at most 32 headers")
        for name, text in (("method", method), ("message", message), ("details", details)):
            if text is not None and not isinstance(text, str):
                raise FaultError(f"{name} must be a string")
            if text is not None and len(text) > _TEXT_LIMIT:
                raise FaultError(f"{name} is longer than {_TEXT_LIMIT} characters")
        if method is not None and method != "*" and not _HEADER_NAME.fullmatch(method):
            raise FaultError("method must be an HTTP method name or *")
        matches = path_matcher(path)
        with self._lock:
            if len(self._rules) >= self.max_rules:
                raise FaultError(
                    f"at most {self.max_rules} fault rules may be active; delete some first"
                )
            self._next_id += 1
            rule = Fault(
                id=self._next_id,
                method=None if method in (None, "*") else method.upper(),  # type: ignore[union-attr]
                path=path,
                status=status,
                latency=float(latency),
                drop=drop,
                times=times,
                message=message,
                details=details,
                headers=dict(headers or {}),
                matches=matches,
            )
            self._rules.append(rule)
            return rule

    def add_json(self, data: Any) -> Fault:
        """Add a rule from the control API's JSON (`path` glob or `pathRegex`)."""
        if not isinstance(data, dict):
            raise FaultError("the body must be a JSON object")
        known = {"method", "path", "pathRegex", "status", "latency", "drop", "times"}
        known |= {"message", "details", "headers"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultError(f"unknown field(s): {', '.join(unknown)}")
        if ("path" in data) == ("pathRegex" in data):
            raise FaultError("give exactly one of path (a glob) and pathRegex")
        path: str | re.Pattern[str]
        if "pathRegex" in data:
            if not isinstance(data["pathRegex"], str):
                raise FaultError("pathRegex must be a string")
            path = check_regex(data["pathRegex"], self.max_pattern)
        else:
            path = data["path"]
        drop = data.get("drop", False)
        if not isinstance(drop, bool):
            raise FaultError("drop must be true or false")
        return self.add(
            data.get("method"),
            path,
            status=data.get("status"),
            latency=data.get("latency", 0.0),
            drop=drop,
            times=data.get("times"),
            message=data.get("message"),
            details=data.get("details"),
            headers=data.get("headers"),
        )

    @property
    def active(self) -> bool:
        """Whether any rule is set (a request may then meet one)."""
        return bool(self._rules)

    def take(self, method: str, path: str) -> Fault | None:
        """The first rule matching this request, counting the hit; spent rules are removed."""
        if not self._rules:  # the usual case: no lock taken
            return None
        with self._lock:
            for rule in self._rules:
                if method_matches(rule.method, method) and rule.matches(path):
                    rule.hits += 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def rules(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            for rule in self._rules:
                if rule.id == rule_id:
                    self._rules.remove(rule)
                    return True
        return False

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.generation += 1

    async def wait(self, seconds: float, generation: int) -> bool:
        """Sleep `seconds`; False as soon as the faults are cleared (the delay no longer applies)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.generation == generation:
            left = deadline - loop.time()
            if left <= 0:
                return True
            await asyncio.sleep(min(left, _WAIT_SLICE))
        return False
