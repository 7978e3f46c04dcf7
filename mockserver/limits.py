"""Every bound on what one client may make the mock hold or do, in one place.

`Limits` carries the numbers (a field of MockConfig; `mockserver run` flags and MockServer options
set them); the functions below answer whether a request's head or body goes past one, and with
which error, in the family's body shape: Portainer's `{"message","details"}` (also the control
API's), Rancher's error resource. They are plain functions of bytes and numbers, used by the ASGI
middleware (mockserver/middleware.py) and by the connection guard that refuses a request head
before it has been read in full (mockserver/serving.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.errors import MockError, PortainerError, RancherError

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Limits:
    """Bounds no legitimate client of Portainer or Rancher reaches.

    Request size: `max_body_bytes` (413), `max_header_bytes` of header lines in all (431),
    `max_url_bytes` of path and query (414), `max_query_params` (400).
    Connections: `max_connections` open at once (more are answered 503 and closed), a request
    head must arrive within `head_timeout` seconds and a body within `body_timeout` (408), an
    idle keep-alive connection is closed after `idle_timeout`.
    Control API and journal: `max_fault_rules`, `max_fault_pattern` characters of a fault's glob
    or regex, `journal_entries` and `journal_bytes` (oldest entries go first).
    """

    max_body_bytes: int = 16 * MIB
    max_header_bytes: int = 64 * KIB
    max_url_bytes: int = 16 * KIB
    max_query_params: int = 1000
    max_connections: int = 1000
    head_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 5.0
    max_fault_rules: int = 1000
    max_fault_pattern: int = 1000
    journal_entries: int = 10_000
    journal_bytes: int = 16 * MIB

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"limit {name} must be a positive number, not {value!r}")


RANCHER_PREFIX = "/v2-beta"

# status -> (Portainer message, Rancher code)
_TEXT = {
    400: ("Too many query parameters", "TooManyQueryParameters"),
    408: ("Request timeout", "RequestTimeout"),
    413: ("Request body too large", "RequestEntityTooLarge"),
    414: ("Request URL too long", "RequestURITooLong"),
    431: ("Request header fields too large", "RequestHeaderFieldsTooLarge"),
    503: ("Too many connections", "ServiceUnavailable"),
}


def refusal(status: int, path: str, details: str) -> MockError:
    """The error for a request refused by a limit, in the shape of the family `path` is in."""
    message, code = _TEXT[status]
    if path == RANCHER_PREFIX or path.startswith(RANCHER_PREFIX + "/"):
        return RancherError(status, code, message=message, detail=details)
    return PortainerError(status, message, details)


def head_refusal(
    limits: Limits,
    path: str,
    raw_path: bytes,
    query: bytes,
    headers: list[tuple[bytes, bytes]],
) -> MockError | None:
    """Why a request head goes past a limit (URL, headers, query parameters), or None."""
    if len(raw_path) + len(query) + 1 > limits.max_url_bytes:
        return url_too_long(limits, path)
    size = sum(len(name) + len(value) + 4 for name, value in headers)
    if size > limits.max_header_bytes:
        return headers_too_large(limits, path)
    if query and query_parameter_count(query) > limits.max_query_params:
        return refusal(
            400, path, f"A request may carry at most {limits.max_query_params} query parameters"
        )
    return None


def query_parameter_count(query: bytes) -> int:
    """How many parameters a query string holds (empty `&&` parts do not count)."""
    if b"&&" not in query and not query.startswith(b"&") and not query.endswith(b"&"):
        return query.count(b"&") + 1
    return sum(1 for part in query.split(b"&") if part)


def url_too_long(limits: Limits, path: str) -> MockError:
    return refusal(414, path, f"The request URL exceeds {limits.max_url_bytes} bytes")


def headers_too_large(limits: Limits, path: str) -> MockError:
    return refusal(431, path, f"The request's header fields exceed {limits.max_header_bytes} bytes")


def body_too_large(limits: Limits, path: str) -> MockError:
    return refusal(413, path, f"The request body exceeds {limits.max_body_bytes} bytes")


def body_too_slow(limits: Limits, path: str) -> MockError:
    return refusal(408, path, f"The request body did not arrive within {limits.body_timeout:g} s")


def too_many_connections(limits: Limits, path: str = "/") -> MockError:
    return refusal(
        503, path, f"The mock serves at most {limits.max_connections} connections at once"
    )


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The Content-Length a request declares, or None (none, or not a number)."""
    for name, value in headers:
        if name == b"content-length":
            text = value.strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None
