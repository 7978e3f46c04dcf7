"""Portainer writes served through Connexion's own per-operation steps, wired once.

Connexion runs each request through a stack of generic middleware (server errors, exceptions,
the Swagger UI, routing, security, the bouncer, request validation, response validation,
lifespan, context, then the app's own router), and each routed layer looks its operation up
again; the app routes the request a second time. For a write that is most of its cost: a stack
delete, whose rule takes a few microseconds, took about 0.8 ms in-process.

`DirectWrites` routes a Portainer write (POST, PUT, PATCH or DELETE under `/api/`) once, to the
operation Connexion would route it to, and runs the same steps in the same order with the same
Connexion objects: the security check Connexion built for the operation (`verification_fn`,
calling the mock's security functions), the bouncer (`guard_request`), Connexion's
`RequestValidationOperation` (parameters, content type and body, with the contract's
validators), `ResponseValidationOperation` (when responses are validated), `ContextOperation`
and the operation itself (parameter decoding and response building). Every exception goes to the
error handlers the app registered (mockserver/http_errors.py), as Connexion's exception layer
would send it. Nothing is skipped: only the generic dispatch between the steps is.

A request it cannot route exactly as Starlette would (no operation of that method matches the
path: a 404 or 405, a redirect) is handed to the full Connexion stack, unchanged.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from connexion.frameworks.starlette import PATH_PARAMETER
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.context import ContextMiddleware, ContextOperation
from connexion.middleware.request_validation import (
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.response_validation import (
    ResponseValidationMiddleware,
    ResponseValidationOperation,
)
from connexion.middleware.security import SecurityMiddleware
from connexion.utils import is_nullable
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.portainer.bouncer import guard_request

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/"
_CONVERTERS: dict[str, tuple[str, t.Callable[[str], t.Any]]] = {
    # Connexion's Starlette converters (connexion.frameworks.starlette) by OpenAPI type
    "integer": (r"[+-]?[0-9]+", int),
    "number": (r"[+-]?[0-9]*(\.[0-9]*)?", float),
}


@dataclass
class _Route:
    operation_id: str
    pattern: re.Pattern[str]
    converters: dict[str, t.Callable[[str], t.Any]]
    security: t.Any  # Connexion's SecurityOperation for it (None: no security)
    chain: ASGIApp  # request validation -> response validation -> context -> operation

    def match(self, path: str) -> dict[str, t.Any] | None:
        found = self.pattern.match(path)
        if found is None:
            return None
        return {
            name: self.converters[name](value) if name in self.converters else value
            for name, value in found.groupdict().items()
        }


class _RequestValidation(RequestValidationOperation):
    """Connexion's request validation of one operation, with what depends on the operation
    alone made once: the URI parser and the parameter validator (Connexion built both on every
    request), and the answer to each content type it was sent."""

    def __init__(self, next_app: ASGIApp, **kwargs: t.Any) -> None:
        super().__init__(next_app, **kwargs)
        operation = self._operation
        uri_parser = operation._uri_parser_class(operation.parameters, operation.body_definition())
        self._parameters = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._accepted: set[str] = set()

    def validate_mime_type(self, mime_type: str) -> None:
        if mime_type in self._accepted:
            return
        super().validate_mime_type(mime_type)  # raises for one the operation does not take
        self._accepted.add(mime_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameters.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        operation = self._operation
        schema = operation.body_schema(mime_type)
        body_validator = self._validator_map["body"].get(mime_type) if schema else None
        if body_validator is not None:
            validator = body_validator(
                schema=schema,
                required=operation.request_body.get("required", False),
                nullable=is_nullable(operation.body_definition(mime_type)),
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=operation.uri_parser_class(
                    operation.parameters, operation.body_definition()
                ),
            )
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


def _compile_path(path: str, types: dict[str, str]) -> tuple[re.Pattern[str], dict[str, t.Any]]:
    """The path template as Starlette matches it once Connexion converted it."""
    converters: dict[str, t.Callable[[str], t.Any]] = {}
    out = "^"
    last = 0
    for found in PATH_PARAMETER.finditer(path):
        out += re.escape(path[last : found.start()])
        name = found.group(1).replace("-", "_")
        regex, convert = _CONVERTERS.get(types.get(found.group(1), ""), ("[^/]+", str))
        if convert is not str:
            converters[name] = convert
        out += f"(?P<{name}>{regex})"
        last = found.end()
    out += re.escape(path[last:]) + "$"
    return re.compile(out), converters


def _find(stack: t.Iterable[t.Any], kind: type) -> t.Any:
    return next((app for app in stack if isinstance(app, kind)), None)


class DirectWrites:
    """ASGI layer just outside Connexion (see the module): `app` is the Connexion app."""

    def __init__(self, app: ASGIApp, connexion_app: t.Any, runtime: t.Any) -> None:
        self.app = app
        self.connexion_app = connexion_app
        self.runtime = runtime
        # exception class -> the handler the app registered for it (mockserver/http_errors.py)
        self.handlers: dict[type, t.Callable[..., t.Any]] = {}
        self._routes: dict[str, list[_Route]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in WRITES and scope["path"].startswith(PREFIX):
            routes = self._routes if self._routes is not None else self._build()
            for route in routes.get(scope["method"], ()):
                path_params = route.match(scope["path"])
                if path_params is not None:
                    await self._serve(route, path_params, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self,
        route: _Route,
        path_params: dict[str, t.Any],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        # what Connexion's routing middleware attaches to the scope
        scope.setdefault("path_params", {}).update(path_params)
        extensions = scope.setdefault("extensions", {})
        extensions["connexion_routing"] = {"api_base_path": "", "operation_id": route.operation_id}
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            if route.security is not None and getattr(route.security, "security", None):
                await route.security.verification_fn(ConnexionRequest(scope))
            guard_request(self.runtime, scope, route.operation_id)
            await route.chain(scope, receive, watched)
        except Exception as exc:
            if started:
                raise
            await self._answer_error(exc, scope, receive, send)

    async def _answer_error(
        self, exc: Exception, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """The registered handler of `exc`'s class (the nearest in its MRO), as Connexion's
        exception middleware sends its answer."""
        handler = next((self.handlers[k] for k in type(exc).__mro__ if k in self.handlers), None)
        if handler is None:
            raise exc
        request = ConnexionRequest.from_starlette_request(Request(scope, receive))
        answer = handler(request, exc)
        response = Response(
            content=answer.body,
            status_code=answer.status_code,
            media_type=answer.mimetype,
            headers=answer.headers,
        )
        await response(scope, receive, send)

    def _build(self) -> dict[str, list[_Route]]:
        """One route per Portainer write, in the contract's order (the order Connexion adds
        them to Starlette's router, which takes the first that fits)."""
        middleware = self.connexion_app.middleware
        if middleware.middleware_stack is None:  # Connexion builds it on its first request
            middleware.app, middleware.middleware_stack = middleware._build_middleware_stack()
        stack = middleware.middleware_stack
        self.handlers = dict(middleware.error_handlers)
        security = _find(stack, SecurityMiddleware)
        request_validation = _find(stack, RequestValidationMiddleware)
        response_validation = _find(stack, ResponseValidationMiddleware)
        context = _find(stack, ContextMiddleware)
        inner = self.connexion_app._middleware_app  # the app's operations (AsyncApi)
        routes: dict[str, list[_Route]] = {}
        if None in (security, request_validation, context) or inner is None:
            self._routes = routes
            return routes
        for base_path, apis in context.apis.items():
            if base_path:
                continue  # the contract is served at the root
            for api in apis:
                security_api = security.apis[base_path][0]
                validation_api = request_validation.apis[base_path][0]
                operations = inner.apis[base_path][0].operations
                for operation_id, context_op in api.operations.items():
                    operation = context_op.operation
                    method = operation.method.upper()
                    if method not in WRITES or not operation.path.startswith(PREFIX):
                        continue
                    app: ASGIApp = ContextOperation(operations[operation_id], operation=operation)
                    if response_validation is not None:
                        response_api = response_validation.apis[base_path][0]
                        app = ResponseValidationOperation(
                            app, operation=operation, validator_map=response_api.validator_map
                        )
                    app = _RequestValidation(
                        app,
                        operation=operation,
                        strict_validation=validation_api.strict_validation,
                        validator_map=validation_api.validator_map,
                    )
                    types = {
                        p["name"]: p.get("schema", p).get("type", "")
                        for p in operation.parameters
                        if p["in"] == "path"
                    }
                    pattern, converters = _compile_path(operation.path, types)
                    routes.setdefault(method, []).append(
                        _Route(
                            operation_id,
                            pattern,
                            converters,
                            security_api.operations.get(operation_id),
                            app,
                        )
                    )
        self._routes = routes
        return routes
