"""Every error Rancher 1.6 answers on the routes we cover, named, with its status and code.

Plain status errors carry the status text as code and message (`"Not Found"`); validation errors
carry a CamelCase code, a null message and usually the `fieldName` they are about.
"""

from __future__ import annotations

from mockserver.errors import RancherError


def unauthorized() -> RancherError:
    """No credentials, or a key that is unknown, not active, or has a wrong secret."""
    return RancherError(401)


def forbidden() -> RancherError:
    """The credential may not use the project the request names."""
    return RancherError(403)


def not_found() -> RancherError:
    return RancherError(404)


def method_not_allowed() -> RancherError:
    """The process behind the method cannot start from the key's state (DELETE of an active key)."""
    return RancherError(405)


def conflict() -> RancherError:
    """A process still runs on the object (Cattle's lock on it): gdapi-python retries."""
    return RancherError(409)


def invalid_reference(field: str) -> RancherError:
    """A reference field naming an object that does not exist."""
    return RancherError(422, "InvalidReference", field_name=field)


def invalid_format(field: str | None = None) -> RancherError:
    """A project id (or another value) that does not parse."""
    return RancherError(400, "InvalidFormat", field_name=field)


def invalid_body_content() -> RancherError:
    return RancherError(400, "InvalidBodyContent")


def invalid_action() -> RancherError:
    """An action name the apiKey schema does not define (it defines no collection actions)."""
    return RancherError(422, "InvalidAction", field_name="action")


def action_not_available() -> RancherError:
    """An action the schema defines but the key's current state does not offer."""
    return RancherError(422, "ActionNotAvailable", field_name="action")


def not_unique(field: str) -> RancherError:
    """A value another object already has where the schema wants it unique (a publicValue)."""
    return RancherError(422, "NotUnique", field_name=field)


def max_length_exceeded(field: str) -> RancherError:
    return RancherError(422, "MaxLengthExceeded", field_name=field)


def invalid_field_format(field: str) -> RancherError:
    """A field value of a type that cannot be converted (e.g. an object for `name`)."""
    return RancherError(422, "InvalidFormat", field_name=field)
