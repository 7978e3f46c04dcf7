"""Errors the mock answers with, one class per API family, each carrying its real body shape."""

from __future__ import annotations

import uuid
from typing import Any


class MockError(Exception):
    """Base of every error that becomes an HTTP answer."""

    status_code: int = 500

    def body(self) -> dict[str, Any]:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        return {}


def capitalise(text: str) -> str:
    """Portainer capitalises the first letter of `details`."""
    return text[:1].upper() + text[1:]


class PortainerError(MockError):
    """Portainer's `{"message", "details"}` error."""

    def __init__(self, status: int, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.message = message
        self.details = capitalise(details if details is not None else message)

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "details": self.details}

    def __repr__(self) -> str:
        return f"PortainerError({self.status_code}, {self.message!r}, {self.details!r})"


RANCHER_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method not allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}

RANCHER_REALM = 'Basic realm="Enter API access key and secret key as username and password"'


class RancherError(MockError):
    """Rancher's error resource: `{type: "error", status, code, message, detail, ...}`.

    Plain status errors use the status text as code and message; validation errors (422, and 400
    `InvalidBodyContent`) use a CamelCase code with a null message and an optional `fieldName`.
    """

    def __init__(
        self,
        status: int,
        code: str | None = None,
        *,
        message: str | None = None,
        detail: str | None = None,
        field_name: str | None = None,
        challenge: bool = False,
    ) -> None:
        text = RANCHER_STATUS_TEXT.get(status, "Error")
        super().__init__(code or text)
        self.status_code = status
        self.code = code or text
        self.message = message if (message is not None or code is not None) else text
        self.detail = detail
        self.field_name = field_name
        self.challenge = challenge

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": "error",
            "links": {},
            "actions": {},
            "status": self.status_code,
            "code": self.code,
            "message": self.message,
            "detail": self.detail,
            "baseType": "error",
        }
        if self.field_name is not None:
            body["fieldName"] = self.field_name
        return body

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": RANCHER_REALM} if self.challenge else {}

    def __repr__(self) -> str:
        return f"RancherError({self.status_code}, {self.code!r}, field={self.field_name!r})"
