"""Cattle's conversion of a string field's value (ValidationHandler.convertGenericType, which
hands it to commons-beanutils' ConvertUtils): numbers and booleans become their Java text,
objects their Java `Map.toString()`, arrays their first element's text; null stays null.

Only an empty array (and one whose first element is null) cannot be converted: 422
`InvalidFormat`, as Cattle answers a value ConvertUtils gives no text for.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

STRING_FIELDS = ("name", "description")  # the API key input's fields, both strings


class NotConvertible(Exception):
    """A value Cattle refuses for a string field (422 InvalidFormat)."""


def java_double(value: float) -> str:
    """Java's Double.toString: `1.5`, `100.0`, `1.0E7`, `1.0E-4` (shortest digits, as repr)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(str(d) for d in digits).rstrip("0") or "0"
    power = len(digits) + int(exponent) - 1  # of the first digit
    minus = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if power < 0:
            return f"{minus}0.{'0' * (-power - 1)}{text}"
        whole, fraction = text[: power + 1].ljust(power + 1, "0"), text[power + 1 :]
        return f"{minus}{whole}.{fraction or '0'}"
    return f"{minus}{text[0]}.{text[1:] or '0'}E{power}"


def _element_text(value: Any) -> str:
    """How a value prints inside Java's collection text (AbstractMap / AbstractList toString)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_element_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_element_text(v) for v in value) + "]"
    return str(value)


def cattle_text(value: Any) -> str | None:
    """A string field's value as Cattle stores it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        if not value or value[0] is None:
            raise NotConvertible
        return cattle_text(value[0])  # ArrayConverter: only the first element
    return _element_text(value)
