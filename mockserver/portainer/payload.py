"""What Portainer's Go JSON decoder does to a request body before any rule sees it.

Numbers go into 64-bit Go integers, so one out of that range is a 400; nested objects are Go
structs, so keys they do not declare are dropped instead of being stored (and shown back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import errors

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def check_integers(value: Any) -> None:
    """400, as Portainer's decoder answers, for any integer outside the 64-bit range."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise errors.invalid_payload(
                f"json: cannot unmarshal number {value} into Go value of type int"
            )
    elif isinstance(value, Mapping):
        for item in value.values():
            check_integers(item)
    elif isinstance(value, list):
        for item in value:
            check_integers(item)


def known_fields(value: Any, fields: Iterable[str]) -> Any:
    """A JSON object reduced to the fields its Go struct declares (anything else as is)."""
    if not isinstance(value, Mapping):
        return value
    keep = set(fields)
    return {k: v for k, v in value.items() if k in keep}


def is_int64_id(text: str) -> bool:
    return text.isdigit() and int(text) <= INT64_MAX


def is_go_int(text: str) -> bool:
    """Whether Go's strconv.Atoi parses `text`: an optional sign, ASCII digits, 64 bits."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if len(digits.lstrip("0")) > 19:  # past 64 bits, and maybe past what Python's int() reads
        return False
    return digits.isascii() and digits.isdigit() and INT64_MIN <= int(text) <= INT64_MAX
