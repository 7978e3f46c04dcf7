"""Go's time.ParseDuration, which Portainer uses for its duration settings.

Durations are exact integer nanoseconds within Go's int64, and only ASCII digits count: `٣h` and
`2562048h` (past about 292 years) are as invalid here as in Go.
"""

from __future__ import annotations

import re
from fractions import Fraction

_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_INT64 = 1 << 63  # a duration is an int64 of nanoseconds: -2**63 .. 2**63 - 1


def _invalid(text: object) -> ValueError:
    return ValueError(f"time: invalid duration {text!r}")


def parse_go_duration_ns(text: str) -> int:
    """Nanoseconds in a Go duration such as `8h`, `1h30m` or `-1.5s`; ValueError if invalid."""
    if not isinstance(text, str) or not text:
        raise _invalid(text)
    negative = text[0] == "-"
    body = text[1:] if text[0] in "+-" else text
    if body == "0":
        return 0
    if not body:
        raise _invalid(text)
    total = Fraction(0)
    position = 0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            raise _invalid(text)
        number, unit = match.groups()
        whole, _, fraction = number.partition(".")
        whole, fraction = whole.lstrip("0"), fraction[:30]  # digits past 30 are under 1e-30 ns
        if len(whole) > 20:  # past int64 nanoseconds in any unit
            raise _invalid(text)
        value = int(whole or "0") + Fraction(int(fraction or "0"), 10 ** len(fraction))
        total += value * _NANOSECONDS[unit]
        if total > _INT64:
            raise _invalid(text)
        position = match.end()
    nanoseconds = int(total)  # a fraction of a nanosecond is dropped, as Go drops it
    if nanoseconds > _INT64 - (0 if negative else 1):
        raise _invalid(text)
    return -nanoseconds if negative else nanoseconds


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration such as `8h`, `1h30m` or `-1.5s`; raises ValueError if invalid."""
    return parse_go_duration_ns(text) / 1e9
