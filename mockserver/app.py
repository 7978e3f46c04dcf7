"""Build the mock: a Connexion AsyncApp serving openapi.yaml, wrapped in the mock's middleware."""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import connexion
import orjson
from connexion.exceptions import ResolverError
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.validators import VALIDATOR_MAP

from mockserver import hotpath
from mockserver.config import MockConfig
from mockserver.http_errors import AllowedMethods, ErrorTranslator
from mockserver.middleware import MockMiddleware
from mockserver.portainer import payload_checks
from mockserver.portainer.bouncer import Bouncer, route_guards
from mockserver.runtime import Runtime
from mockserver.spec import load_spec
from mockserver.validation import remember_encoded, validator_classes

DOCS_PATH = "/api/docs"
SPEC_URL = "/api/openapi.json"

# Which module serves each family's operations, by tag prefix.
_HANDLER_MODULES = (
    "mockserver.portainer.handlers",
    "mockserver.portainer.docker.handlers",
    "mockserver.rancher.handlers",
)
_SECURITY_FUNCS = {
    "ApiKeyAuth": ("x-apikeyInfoFunc", "mockserver.portainer.handlers.api_key_info"),
    "jwt": ("x-bearerInfoFunc", "mockserver.portainer.handlers.jwt_info"),
    "RancherBasic": ("x-basicInfoFunc", "mockserver.rancher.handlers.basic_info"),
}


class _UnbracketedArrayNames(logging.Filter):
    """Portainer reads its array filters by their bracketed names only (`types[]=1`) and
    ignores `types=1`, as the mock does; Connexion would log such a name, which becomes the
    same handler argument, as an error on every request."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Function argument '%s' (non-sanitized")


def _quiet_unbracketed_array_names() -> None:
    log = logging.getLogger("connexion.decorators.parameter")
    if not any(isinstance(f, _UnbracketedArrayNames) for f in log.filters):
        log.addFilter(_UnbracketedArrayNames())


def snake_case(operation_id: str) -> str:
    """listApiKeys -> list_api_keys."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", operation_id).lower()


class _HandlerResolver(Resolver):
    """operationId (camelCase in the contract) -> the snake_case handler of its family."""

    def __init__(self, modules: list[ModuleType]) -> None:
        super().__init__()
        self.modules = modules

    def resolve_function_from_operation_id(self, operation_id: str) -> Callable[..., Any]:
        name = snake_case(operation_id)
        for module in self.modules:
            handler = getattr(module, name, None)
            if handler is not None:
                return handler
        raise ResolverError(f"no handler {name} for operation {operation_id}")


class _OrjsonJsonifier(Jsonifier):
    """Connexion's JSON encoder, on orjson: the same compact output as json.dumps with
    separators=(",", ":") and ensure_ascii=False, several times faster, and as bytes (Starlette
    sends bytes as they are)."""

    _OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE

    def __init__(self) -> None:
        super().__init__(json)

    def dumps(self, data: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        encoded = orjson.dumps(data, default=_encode_other, option=self._OPTIONS)
        remember_encoded(encoded, data)  # response validation may check `data`, not re-parse
        return encoded


def _encode_other(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _compact_json() -> Jsonifier:
    return _OrjsonJsonifier()


def build_spec(config: MockConfig) -> dict[str, Any]:
    """The contract as served: security functions wired in, Rancher open mode if asked."""
    spec = load_spec()
    for name, (key, func) in _SECURITY_FUNCS.items():
        spec["components"]["securitySchemes"][name][key] = func
    if not config.rancher_access_control:
        # Rancher's open mode: a request without a valid key acts as administrator.
        for path, item in spec["paths"].items():
            if path.startswith(("/v2-beta", "/v1")):
                for method, op in item.items():
                    if method != "parameters":
                        op["security"] = [*op.get("security", []), {}]
    return spec


def create_app(config: MockConfig | None = None) -> MockMiddleware:
    """A ready-to-serve ASGI app; `app.runtime` holds the state, `app.connexion` the Connexion app."""
    config = config or MockConfig()
    runtime = Runtime(config)
    modules = []
    for name in _HANDLER_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:  # a family still being built
            if exc.name != name:
                raise
    for module in modules:
        install = getattr(module, "install", None)
        if install is not None:
            install(runtime)
    spec = build_spec(config)
    body_validator, response_validator, parameter_validator = validator_classes(
        defer=payload_checks.deferred
    )
    validators = {
        **VALIDATOR_MAP,
        "parameter": parameter_validator,
        "body": {**VALIDATOR_MAP["body"], "application/json": body_validator},
        "response": {**VALIDATOR_MAP["response"], "application/json": response_validator},
    }
    _quiet_unbracketed_array_names()
    app = connexion.AsyncApp(__name__, jsonifier=_compact_json())
    hotpath.install(app)
    app.add_api(
        spec,
        resolver=_HandlerResolver(modules),
        resolver_error=501,
        pythonic_params=True,
        validate_responses=config.validate_responses,
        strict_validation=False,
        validator_map=validators,
        security_map=hotpath.security_map(),
        swagger_ui_options=SwaggerUIOptions(
            swagger_ui_path=DOCS_PATH,
            spec_path=SPEC_URL,
            swagger_ui_config={"docExpansion": "none"},
        ),
    )
    runtime.route_guards = route_guards(spec)
    # After security (the caller is known), before validation (the body is not read yet).
    app.add_middleware(Bouncer, position=MiddlewarePosition.BEFORE_VALIDATION, runtime=runtime)
    ErrorTranslator(runtime, AllowedMethods(spec)).register(app)
    if config.control_api:
        from mockserver.control import ControlAPI
        from mockserver.inspector import Inspector
        from mockserver.traffic import TrafficControl

        runtime.control = ControlAPI(runtime)
        TrafficControl(runtime).install(runtime.control)  # journal and fault routes
        Inspector(runtime).install(runtime.control)  # the page at /__mock__/
    wrapped = MockMiddleware(app, runtime)
    wrapped.connexion = app  # type: ignore[attr-defined]
    return wrapped
