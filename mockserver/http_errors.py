"""Turn every failure into the answer the real product gives, in the family's error shape.

Connexion raises its own problems (validation, missing credentials, unknown routes); our rules
raise `MockError`s. Both end here, and nothing leaves as an unshaped 500.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from connexion.exceptions import (
    BadRequestProblem,
    NonConformingResponseBody,
    ProblemException,
    UnsupportedMediaTypeProblem,
)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from mockserver.errors import MockError, PortainerError, RancherError
from mockserver.portainer import payload_checks
from mockserver.rancher import auth as rancher_auth
from mockserver.validation import BodyError

log = logging.getLogger("mockserver")

RANCHER_PREFIX = "/v2-beta"
RANCHER_CONTENT_TYPE = "application/json; charset=utf-8"
_MISSING_PARAM = re.compile(r"Missing (query|path|header) parameter '([^']+)'")


def is_rancher(path: str) -> bool:
    return path == RANCHER_PREFIX or path.startswith(RANCHER_PREFIX + "/")


def render(error: MockError, extra_headers: dict[str, str] | None = None) -> ConnexionResponse:
    rancher = isinstance(error, RancherError)
    headers = {**error.headers(), **(extra_headers or {})}
    return ConnexionResponse(
        status_code=error.status_code,
        body=json.dumps(error.body(), separators=(",", ":")),
        content_type=RANCHER_CONTENT_TYPE if rancher else "application/json",
        headers=headers,
    )


_ROUTE_VARIABLES = (
    (re.compile(r"^/api/users/[^/]+/tokens/([^/]+)"), "api-key"),
    (re.compile(r"^/api/users/([^/]+)"), "user"),
    (re.compile(r"^/api/stacks/([^/]+)"), "stack"),
    (re.compile(r"^/api/endpoints/([^/]+)"), "environment"),
)


_DOCKER_PATH = re.compile(r"^/api/endpoints/([0-9]+)/docker(?:/|$)")


_GO_INT_MAX = 2**63 - 1
_LONG_NUMBER = re.compile(r"[0-9]{19}")  # 18 digits always fit in an int64


def _route_variables(path: str) -> list[tuple[str, str]]:
    """(what it names, its text) for each id in a Portainer path."""
    found = []
    for pattern, thing in _ROUTE_VARIABLES:
        match = pattern.match(path)
        if match:
            found.append((thing, match.group(1)))
    return found


def _route_variable_error(thing: str, value: str, why: str) -> PortainerError:
    return PortainerError(
        400,
        f"Invalid {thing} identifier route variable",
        f'strconv.Atoi: parsing "{value}": {why}',
    )


def bad_route_variable(path: str) -> PortainerError:
    """Portainer's answer to a non-numeric id in the path."""
    for thing, value in _route_variables(path):
        if not (value.isascii() and value.isdigit()):
            return _route_variable_error(thing, value, "invalid syntax")
    return PortainerError(400, "Invalid route variable", "Invalid route variable")


def route_variable_out_of_range(path: str) -> PortainerError | None:
    """Portainer's answer to a numeric id past Go's 64-bit int, or None when there is none."""
    if _LONG_NUMBER.search(path) is None:  # every Portainer request asks: answer most cheaply
        return None
    for thing, value in _route_variables(path):
        if value.isascii() and value.isdigit():
            digits = value.lstrip("0")
            if len(digits) > len(str(_GO_INT_MAX)) or int(digits or "0") > _GO_INT_MAX:
                return _route_variable_error(thing, value, "value out of range")
    return None


class AllowedMethods:
    """The methods the contract defines for each path, for 405 answers' `Allow` header."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._routes: list[tuple[re.Pattern[str], list[str]]] = []
        for path, item in spec["paths"].items():
            pattern = re.sub(r"\{[^/}]+\}", "[^/]+", path)
            methods = sorted(m.upper() for m in item if m != "parameters")
            self._routes.append((re.compile(f"^{pattern}/?$"), methods))

    def for_path(self, path: str) -> list[str] | None:
        for pattern, methods in self._routes:
            if pattern.match(path):
                return methods
        return None


class ErrorTranslator:
    """The error handlers registered on the Connexion app."""

    def __init__(self, runtime: Any, allowed: AllowedMethods) -> None:
        self.runtime = runtime
        self.allowed = allowed

    def register(self, app: Any) -> None:
        app.add_error_handler(MockError, self.mock_error)
        app.add_error_handler(BodyError, self.body_error)
        app.add_error_handler(ProblemException, self.problem)
        app.add_error_handler(HTTPException, self.http_error)
        app.add_error_handler(UnicodeDecodeError, self.bad_encoding)
        app.add_error_handler(MultiPartException, self.bad_form)
        app.add_error_handler(Exception, self.unexpected)

    # -- handlers
    def mock_error(self, request: ConnexionRequest, exc: MockError) -> ConnexionResponse:
        return render(self._challenge(request, exc))

    def bad_form(self, request: ConnexionRequest, exc: MultiPartException) -> ConnexionResponse:
        """A multipart body that does not parse (the environment create form)."""
        return render(PortainerError(400, "Invalid request payload", str(exc)))

    def body_error(self, request: ConnexionRequest, exc: BodyError) -> ConnexionResponse:
        if is_rancher(request.url.path):
            if exc.reason == "json":
                return render(RancherError(400, "InvalidBodyContent"))
            code = {
                "maxLength": "MaxLengthExceeded",
                "minLength": "MinLengthExceeded",
                "type": "InvalidFormat",
                "enum": "InvalidOption",
                "required": "MissingRequired",
            }.get(exc.reason, "InvalidFormat")
            return render(RancherError(422, code, field_name=exc.field))
        details = payload_checks.details(exc.operation_id, exc.violations)
        return render(PortainerError(400, "Invalid request payload", details or exc.detail))

    def problem(self, request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
        path = request.url.path
        detail = str(exc.detail or exc.title or "").split("\n\n")[0]
        if isinstance(exc, NonConformingResponseBody) or exc.status >= 500:
            log.error("contract violation on %s %s: %s", request.method, path, detail)
            return self._server_error(path, detail)
        if exc.status == 401:
            return render(self._unauthenticated(request))
        if exc.status == 403:
            if is_rancher(path):
                return render(RancherError(403))
            return render(PortainerError(403, "Access denied", detail or "Unauthorized"))
        if is_rancher(path):
            missing = _MISSING_PARAM.search(detail)
            if missing and missing.group(2) == "action":
                return self._method_not_allowed(request)
            if isinstance(exc, UnsupportedMediaTypeProblem):
                return render(RancherError(400, "InvalidBodyContent"))
            return render(RancherError(400, "InvalidFormat", detail=detail))
        missing = _MISSING_PARAM.search(detail)
        if missing:
            kind, name = missing.groups()
            return render(
                PortainerError(
                    400, f"Invalid {kind} parameter: {name}", f"Missing {kind} parameter"
                )
            )
        if isinstance(exc, UnsupportedMediaTypeProblem):
            return render(
                PortainerError(400, "Invalid request payload", detail or "Unsupported media type")
            )
        if isinstance(exc, BadRequestProblem):
            return render(PortainerError(400, "Invalid request parameter", detail or "Bad request"))
        return render(
            PortainerError(exc.status, exc.title or "Error", detail or exc.title or "Error")
        )

    def http_error(self, request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        path = request.url.path
        docker = _DOCKER_PATH.match(path)
        if docker is not None and exc.status_code in (404, 405):
            return render(self._docker_unknown(request, int(docker.group(1))))
        if exc.status_code == 405:
            return self._method_not_allowed(request)
        if exc.status_code == 404:
            if is_rancher(path):
                return render(self._challenge(request, self._rancher_refusal(request, 404)))
            if self.allowed.for_path(path) is not None:
                # A known route whose numeric id did not parse: Portainer answers 400, once the
                # request has authenticated (every route with an id needs a credential).
                refusal = self.runtime.authenticator.refusal(request.headers, request.cookies)
                return render(refusal or bad_route_variable(path))
            return render(PortainerError(404, "Not found", "Not found"))
        if exc.status_code == 403:
            if is_rancher(path):
                return render(RancherError(403))
            return render(PortainerError(403, "Access denied", str(exc.detail or "Unauthorized")))
        if exc.status_code == 401:
            return render(self._unauthenticated(request))
        if is_rancher(path):
            return render(RancherError(exc.status_code))
        text = str(exc.detail or "Error")
        return render(PortainerError(exc.status_code, text, text))

    def bad_encoding(self, request: ConnexionRequest, exc: UnicodeDecodeError) -> ConnexionResponse:
        if is_rancher(request.url.path):
            return render(RancherError(400, "InvalidBodyContent"))
        return render(
            PortainerError(400, "Invalid request payload", "Request body is not valid UTF-8")
        )

    def unexpected(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return self._server_error(request.url.path, "Internal Server Error")

    # -- helpers
    def _docker_unknown(self, request: ConnexionRequest, environment_id: int) -> MockError:
        """A Docker path (or method) outside the subset: Portainer authenticates and checks the
        environment, then Docker answers 404 `page not found`."""
        from mockserver.portainer.docker.proxy import DockerProxy

        try:
            who = self.runtime.authenticator.authenticate(request.headers, request.cookies)
            return DockerProxy(self.runtime.portainer.ctx).unknown_path(who, environment_id)
        except MockError as error:
            return error

    def _server_error(self, path: str, detail: str) -> ConnexionResponse:
        if is_rancher(path):
            return render(RancherError(500, detail=detail))
        return render(PortainerError(500, "Internal Server Error", detail))

    def _method_not_allowed(self, request: ConnexionRequest) -> ConnexionResponse:
        path = request.url.path
        methods = self.allowed.for_path(path) or []
        if request.method in methods and not is_rancher(path):
            # The contract serves this method here, but its route's numeric id did not parse
            # (another method of the path takes any text): Portainer's 400, as for a 404 above.
            refusal = self.runtime.authenticator.refusal(request.headers, request.cookies)
            return render(refusal or bad_route_variable(path))
        headers = {"Allow": ", ".join(methods)}
        if is_rancher(path):
            refused = self._rancher_refusal(request, 405)
            if refused.status_code != 405:
                return render(self._challenge(request, refused))
            return render(refused, headers)
        return render(PortainerError(405, "Method Not Allowed", "Method Not Allowed"), headers)

    def _rancher_refusal(self, request: ConnexionRequest, status: int) -> RancherError:
        """Cattle authenticates before it routes: a request it would refuse gets 401 first."""
        refusal = rancher_auth.refusal(
            self.runtime.rancher, request.headers, self.runtime.config.rancher_access_control
        )
        return refusal or RancherError(status)

    def _unauthenticated(self, request: ConnexionRequest) -> MockError:
        """A request Connexion found without a usable credential."""
        if is_rancher(request.url.path):
            return self._challenge(request, RancherError(401))
        return self.runtime.authenticator.jwt_only_error(request.headers, request.cookies)

    @staticmethod
    def _challenge(request: ConnexionRequest, error: MockError) -> MockError:
        """Rancher's 401s carry a Basic challenge unless the client asked for none."""
        if isinstance(error, RancherError) and error.status_code == 401:
            no_challenge = request.headers.get("x-api-no-challenge", "").lower() == "true"
            error.challenge = not no_challenge
        return error
