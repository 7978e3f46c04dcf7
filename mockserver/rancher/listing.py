"""Rancher's collection rules: filters with modifiers, sorting and limit/marker paging.

Plain Python over records; the backend says which fields a resource type can be filtered on.
Query syntax (gdapi's ParseCollectionAttributes): `field=value` is `eq`, `field_<modifier>=value`
applies a modifier. Every condition must hold: Cattle ANDs the values of a repeated filter, and
the mock also ANDs different modifiers of one field (Cattle keeps only one of them). Unknown
filters, unknown modifiers and unknown sort fields are ignored silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import errors

DEFAULT_LIMIT = 100
MAX_LIMIT = 3000  # the code's cap; the docs say 1000

STRING_MODIFIERS = ("eq", "ne", "prefix", "like", "notlike", "null", "notnull")
ENUM_MODIFIERS = ("eq", "ne", "null", "notnull")
ORDERED_MODIFIERS = ("eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull")

_MARKER = re.compile(r"m([0-9]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_JAVA_INT = 2**31 - 1
_JAVA_LONG = 2**63 - 1


def _digits_within(digits: str, bound: int) -> int | None:
    """The value of a run of decimal digits if it is at most `bound` (Java's int or long);
    None past it, as Java's parsers refuse it, without turning thousands of digits into an int."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(bound)):
        return None
    value = int(digits)
    return value if value <= bound else None


@dataclass(frozen=True)
class Field:
    """A filterable (and sortable) field: how to read it from a record and parse a query value.

    `parse` turns the query text into a value comparable with what `read` returns, or None when
    it does not parse (such a condition matches nothing).
    """

    name: str
    modifiers: tuple[str, ...]
    read: Callable[[Any], Any]
    parse: Callable[[str], Any] = str


@dataclass(frozen=True)
class Condition:
    modifier: str
    value: str


@dataclass
class ListRequest:
    """What a list request asked for, after Rancher's parsing."""

    conditions: dict[str, list[Condition]] = field(default_factory=dict)
    sort: str | None = None
    order: str = "asc"
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    include_removed: bool = False


@dataclass
class Page:
    """One page of a filtered, sorted list."""

    items: list[Any]
    request: ListRequest
    next_offset: int | None  # where the next page starts, when this one is partial

    @property
    def partial(self) -> bool:
        return self.next_offset is not None


def parse_limit(text: str | None) -> int:
    """The page size: an integer as Java's parseInt reads it (400 InvalidFormat otherwise)."""
    if text is None:
        return DEFAULT_LIMIT
    if _INTEGER.fullmatch(text) is None:
        raise errors.invalid_format("limit")
    sign = -1 if text.startswith("-") else 1
    magnitude = _digits_within(text.lstrip("+-"), _JAVA_INT)
    if magnitude is None:  # past Java's int: Cattle's parse fails and it keeps the default
        return DEFAULT_LIMIT
    limit = sign * magnitude
    return MAX_LIMIT if limit <= 0 or limit > MAX_LIMIT else limit


def parse_marker(text: str | None) -> int:
    """`m<offset>` as the server emits it; anything else starts at the beginning."""
    match = _MARKER.fullmatch(text or "")
    offset = _digits_within(match.group(1), _JAVA_INT) if match else None
    return offset or 0


def parse_request(params: Iterable[tuple[str, str]], fields: Mapping[str, Field]) -> ListRequest:
    """A list request from the query's (name, value) pairs."""
    request = ListRequest()
    limit: str | None = None
    marker: str | None = None
    for name, value in params:
        if name == "limit":
            limit = value
        elif name == "marker":
            marker = value
        elif name == "sort":
            request.sort = value if value in fields else None
        elif name == "order":
            request.order = "desc" if value.lower() == "desc" else "asc"
        elif name == "_removed":
            request.include_removed = True
        else:
            field_name, _, modifier = name.partition("_") if "_" in name else (name, "", "eq")
            spec = fields.get(field_name)
            if spec is not None and modifier in spec.modifiers:
                request.conditions.setdefault(field_name, []).append(Condition(modifier, value))
    request.limit = parse_limit(limit)
    request.offset = parse_marker(marker)
    return request


def _like(pattern: str) -> re.Pattern[str]:
    """SQL LIKE: `%` is any run of characters, `_` any one character."""
    parts = ["." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL)


def _holds(value: Any, condition: Condition, spec: Field) -> bool:
    modifier = condition.modifier
    if modifier == "null":
        return value is None
    if modifier == "notnull":
        return value is not None
    if value is None:
        return False  # SQL: a comparison with NULL is never true
    if modifier in ("like", "notlike"):
        found = _like(condition.value).fullmatch(str(value)) is not None
        return found if modifier == "like" else not found
    if modifier == "prefix":
        return str(value).startswith(condition.value)
    wanted = spec.parse(condition.value)
    if wanted is None:
        return False
    try:
        return {
            "eq": value == wanted,
            "ne": value != wanted,
            "lt": value < wanted,
            "lte": value <= wanted,
            "gt": value > wanted,
            "gte": value >= wanted,
        }[modifier]
    except TypeError:
        return False


def matches(record: Any, request: ListRequest, fields: Mapping[str, Field]) -> bool:
    """Whether a record meets every condition, as Cattle's listToCondition ANDs them all."""
    for name, conditions in request.conditions.items():
        spec = fields[name]
        value = spec.read(record)
        if not all(_holds(value, c, spec) for c in conditions):
            return False
    return True


def run(
    records: Sequence[Any],
    request: ListRequest,
    fields: Mapping[str, Field],
    default_key: Callable[[Any], Any],
) -> Page:
    """Filter, sort (by `default_key`, then the requested field) and cut one page."""
    kept = sorted((r for r in records if matches(r, request, fields)), key=default_key)
    if request.sort is not None:
        read = fields[request.sort].read
        # Nulls first in ascending order, as the database orders them; ties keep id order.
        kept.sort(key=lambda r: (read(r) is not None, read(r)), reverse=request.order == "desc")
    start = request.offset
    end = start + request.limit
    next_offset = end if end < len(kept) else None
    return Page(items=kept[start:end], request=request, next_offset=next_offset)


# -- value parsers shared by the field tables
def parse_rancher_id(text: str) -> int | None:
    """gdapi's TypeIdFormatter: `1` + lower-case type letters + the number (`1c3`, `1a5`).

    The type letters are not checked, so `1a3` names credential 3 too; anything else (another
    leading digit, upper case, trailing text) does not parse.
    """
    match = _ID.fullmatch(text)
    return _digits_within(match.group(1), _JAVA_LONG) if match else None


_ID = re.compile(r"1[a-z]+!?([0-9]+)")


def parse_date_ms(text: str) -> int | None:
    """A filter value for a date field: `yyyy-MM-ddTHH:mm:ssZ` or epoch milliseconds."""
    if text.isascii() and text.isdigit():
        return _digits_within(text, _JAVA_LONG)
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(moment.timestamp() * 1000)
