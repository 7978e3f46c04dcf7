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

Before those steps, a write of the usual shape is offered to the operation's plan
(mockserver/write_plan.py), which does the same work in one step or declines the request; a
declined one, and every write of another shape, takes the steps above.

A request it cannot route exactly as Starlette would (no operation of that method matches the
path: a 404 or 405, a redirect) is handed to the full Connexion stack, unchanged.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import typing as t
from dataclasses import dataclass
from urllib.parse import parse_qsl

from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators import parameter as connexion_parameter
from connexion.decorators.parameter import CONTEXT_NAME, get_arguments, unwrap_decorators
from connexion.decorators.response import AsyncResponseDecorator
from connexion.frameworks.starlette import PATH_PARAMETER
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
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
from connexion.utils import inspect_function_arguments, is_json_mimetype, is_nullable
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.hotpath import index_routes, route_key
from mockserver.portainer.bouncer import guard_request
from mockserver.write_plan import WritePlan

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
    path: str  # the contract's path template
    pattern: re.Pattern[str]
    converters: dict[str, t.Callable[[str], t.Any]]
    security: t.Any  # Connexion's SecurityOperation for it (None: no security)
    chain: ASGIApp  # request validation -> response validation -> context -> operation
    # Makes the route's write plan (mockserver/write_plan.py): on its first request, so that no
    # request waits for all of them (about 60 ms together, mostly compiling body schemas).
    make_plan: t.Callable[[], WritePlan | None]

    @functools.cached_property
    def plan(self) -> WritePlan | None:
        """Its usual requests in one step, or None when it has no plan."""
        return self.make_plan()

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
        uri_parser = _uri_parser(operation)
        self._parameters = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._uri_parser = uri_parser
        self._accepted: set[str] = set()
        self._bodies: dict[str, tuple[t.Any, t.Any, bool]] = {}

    def validate_mime_type(self, mime_type: str) -> None:
        if mime_type in self._accepted:
            return
        super().validate_mime_type(mime_type)  # raises for one the operation does not take
        self._accepted.add(mime_type)

    def _body_check(self, mime_type: str) -> tuple[t.Any, t.Any, bool]:
        """(validator class or None, schema, nullable) of a body sent as `mime_type`."""
        operation = self._operation
        schema = operation.body_schema(mime_type)
        body_validator = self._validator_map["body"].get(mime_type) if schema else None
        return body_validator, schema, is_nullable(operation.body_definition(mime_type))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameters.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        body = self._bodies.get(mime_type)
        if body is None:
            body = self._bodies[mime_type] = self._body_check(mime_type)
        body_validator, schema, nullable = body
        if body_validator is not None:
            validator = body_validator(
                schema=schema,
                required=self._operation.request_body.get("required", False),
                nullable=nullable,
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=self._uri_parser,
            )
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class _Call:
    """What Connexion runs for one operation once validation is done (ContextOperation, then
    the operation: its parameter decorator, the handler and its response decorator), with what
    depends on the operation alone worked out once and the real operation object passed where
    Connexion reads it through its context proxy: the context set as ContextOperation sets it,
    the handler's arguments by Connexion's own `get_arguments`, the answer by Connexion's own
    response decorator. A form body (multipart or urlencoded) goes to Connexion's own chain."""

    def __init__(self, connexion_operation: t.Any, operation: t.Any) -> None:
        self.fallback = ContextOperation(connexion_operation, operation=operation)
        self.operation = operation
        self.function = connexion_operation._fn
        self.is_async = asyncio.iscoroutinefunction(self.function)
        self.arguments, self.has_kwargs = inspect_function_arguments(
            unwrap_decorators(self.function)
        )
        self.uri_parser = _uri_parser(operation)
        self.responses = AsyncResponseDecorator(
            framework=StarletteFramework, jsonifier=connexion_operation.jsonifier
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = _header(scope, b"content-type") or "application/octet-stream"
        mimetype = parse_options_header(content_type)[0].decode()
        if mimetype in FORM_CONTENT_TYPES:
            await self.fallback(scope, receive, send)
            return
        operation = self.operation
        pythonic = connexion_parameter.pythonic  # made to remember its names (hotpath.install)
        context = scope.get("extensions", {}).get("connexion_context", {})
        _context.set(context)
        _operation.set(operation)
        _receive.set(receive)
        _scope.set(scope)
        arguments, has_kwargs = self.arguments, self.has_kwargs
        body = None
        if pythonic(operation.body_name(content_type)) in arguments or has_kwargs:
            raw = await _read(receive)
            if is_json_mimetype(content_type):
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
            else:
                body = raw or None
        grouped: dict[str, list[str]] = {}
        for name, value in parse_qsl(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        ):
            grouped.setdefault(name, []).append(value)
        kwargs = get_arguments(
            operation,
            path_params=self.uri_parser.resolve_path(scope.get("path_params", {})),
            query_params=self.uri_parser.resolve_query(grouped),
            body=body,
            files={},
            arguments=arguments,
            has_kwargs=has_kwargs,
            sanitize=pythonic,
            content_type=mimetype,
        )
        kwargs = {pythonic(k): v for k, v in kwargs.items()}
        for key, value in context.items():
            if has_kwargs or key in arguments:
                kwargs[key] = value
        if CONTEXT_NAME in arguments:
            kwargs[CONTEXT_NAME] = context
        if self.is_async:
            answer = await self.function(**kwargs)
        else:
            answer = await run_in_threadpool(self.function, **kwargs)
        if not StarletteFramework.is_framework_response(answer):
            if isinstance(answer, ConnexionResponse):
                answer = StarletteFramework.connexion_to_framework_response(answer)
            else:
                answer = self.responses.build_framework_response(answer)
        await answer(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """`receive` with `body` (already read) given again first, then the server's own."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _uri_parser(operation: t.Any) -> t.Any:
    """Connexion's URI parser for `operation`, its parameters' schemas gathered once (Connexion
    gathers them again for every query parameter of every request)."""
    parser_class = operation._uri_parser_class
    remembering = _REMEMBERING.get(parser_class)
    if remembering is None:
        remembering = _REMEMBERING[parser_class] = type(
            parser_class.__name__,
            (parser_class,),
            {"param_schemas": functools.cached_property(parser_class.param_schemas.fget)},
        )
    return remembering(operation.parameters, operation.body_definition())


_REMEMBERING: dict[type, type] = {}


class _ResponseValidation(ResponseValidationOperation):
    """Connexion's response validation of one operation, remembering the content types it
    has accepted (Connexion matched each answer's against the contract's patterns), and
    reading an answer's header names only when its definition requires a header."""

    @staticmethod
    def validate_required_headers(
        headers: list[tuple[bytes, bytes]], response_definition: dict[str, t.Any]
    ) -> None:
        defined = response_definition.get("headers", {})
        if any(v.get("required", False) for v in defined.values()):
            ResponseValidationOperation.validate_required_headers(headers, response_definition)

    def __init__(self, next_app: ASGIApp, **kwargs: t.Any) -> None:
        super().__init__(next_app, **kwargs)
        self._accepted: set[str] = set()

    def validate_mime_type(self, mime_type: str) -> None:
        if mime_type in self._accepted:
            return
        super().validate_mime_type(mime_type)  # raises for one the operation does not give
        self._accepted.add(mime_type)


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
        # method -> (routes by the path's first two segments, routes for any other path)
        self._index: dict[str, tuple[dict[tuple[str, ...], list[_Route]], list[_Route]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in WRITES and scope["path"].startswith(PREFIX):
            if self._routes is None:
                self._build()
            by_key, anywhere = self._index.get(scope["method"], ({}, []))
            for route in by_key.get(route_key(scope["path"]), anywhere):
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

        answer = None  # a plan's checked answer, sent once nothing can fail before it
        try:
            plan = route.plan
            kwargs = None
            if plan is not None:
                raw = await _read(receive) if plan.reads_body else b""
                kwargs = await plan.admit(scope, raw)
                if plan.reads_body:
                    receive = replay_body(raw, receive)
                if kwargs is not None:
                    guard_request(self.runtime, scope, route.operation_id)
                    answer = await plan.run(kwargs, scope, receive, watched)
            if kwargs is None:
                if route.security is not None and getattr(route.security, "security", None):
                    await route.security.verification_fn(ConnexionRequest(scope))
                guard_request(self.runtime, scope, route.operation_id)
                await route.chain(scope, receive, watched)
        except Exception as exc:
            if started:
                raise
            await self._answer_error(exc, scope, receive, send)
            return
        if answer is not None:
            await answer(scope, receive, send)

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
                    app: ASGIApp = _Call(operations[operation_id], operation)
                    checks_answers = None
                    if response_validation is not None:
                        response_api = response_validation.apis[base_path][0]
                        app = checks_answers = _ResponseValidation(
                            app, operation=operation, validator_map=response_api.validator_map
                        )
                    app = checks_requests = _RequestValidation(
                        app,
                        operation=operation,
                        strict_validation=validation_api.strict_validation,
                        validator_map=validation_api.validator_map,
                    )
                    make_plan = functools.partial(
                        WritePlan.compile,
                        operation,
                        operations[operation_id]._fn,
                        getattr(checks_requests._parameters, "_cache", None),
                        checks_requests._validator_map["body"],
                        checks_requests.strict_validation,
                        checks_requests._uri_parser,
                        checks_answers,
                        operations[operation_id].jsonifier,
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
                            operation.path,
                            pattern,
                            converters,
                            security_api.operations.get(operation_id),
                            app,
                            make_plan,
                        )
                    )
        self._routes = routes
        self._index = {
            method: index_routes(method_routes, lambda route: route.path)
            for method, method_routes in routes.items()
        }
        return routes
