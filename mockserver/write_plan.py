"""The usual shape of a Portainer write, checked and called in one step.

`DirectWrites` (mockserver/direct.py) runs Connexion's own steps for one operation: the security
wrappers, request validation, parameter decoding, the handler, the response decorator and response
validation. For the shape nearly every write a client sends takes, most of a write's time went to
the generic machinery between those steps, not to the checks themselves. A `WritePlan` is made
for an operation on its first request, from the same contract and the same Connexion objects,
and does that work directly for a request of that shape:

- the credential: the operation's security schemes in the contract's order, the first whose
  header is there (`X-API-Key`, or `Authorization: Bearer ...`), with the security function
  Connexion would call, and the context Connexion would set;
- the parameters: integer and string path and query parameters, with the compiled parameter
  checks Connexion's validator uses here (mockserver/validation.py);
- a JSON body: parsed and its keys folded as `ContractBodyValidator` does, with its compiled
  schema;
- the handler's arguments, as Connexion's `get_arguments` builds them;
- the answer: built by Connexion's response decorator, checked with the same steps as Connexion's
  response validation (and its exceptions).

A plan only ever *accepts* a request. Whatever it is not sure of (another credential or none, a
refused credential, a value it does not read exactly as Connexion reads it, a body its schema
refuses, another content type) is *declined* before anything has happened, and DirectWrites
serves the request through Connexion's steps: every refusal and its wording stay Connexion's.
The bouncer (mockserver/portainer/bouncer.py) runs once, after the plan's checks, as it runs
after Connexion's security.
"""

from __future__ import annotations

import asyncio
import re
import typing as t
from dataclasses import dataclass

from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators import parameter as connexion_parameter
from connexion.decorators.parameter import CONTEXT_NAME, unwrap_decorators
from connexion.decorators.response import AsyncResponseDecorator
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.lifecycle import ConnexionResponse
from connexion.security import NO_VALUE
from connexion.utils import (
    get_function_from_name,
    inspect_function_arguments,
    is_json_mimetype,
    is_nullable,
    split_content_type,
)
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver.auth import PresentedRequest
from mockserver.validation import (
    BodyError,
    ContractBodyValidator,
    ContractResponseValidator,
    fold_keys_deep,
    parse_json_body,
)

JSON = "application/json"
# An integer any reader takes the same way (Python's int() refuses more than 4,300 digits).
_GO_INT = re.compile(r"-?[0-9]{1,19}")
# Bytes of a query string every parser reads the same way: no escapes, no `+`, no `;`, no `[`.
_PLAIN_QUERY = re.compile(rb"[A-Za-z0-9._~=&-]*")
_INFO_FUNCS = {"apiKey": "x-apikeyInfoFunc", "bearer": "x-bearerInfoFunc"}
_UNKNOWN = object()  # an answer's data when the plan did not encode it itself


@dataclass(frozen=True)
class _Parameter:
    name: str  # as the contract spells it
    in_path: bool  # a path parameter, else a query parameter
    argument: str | None  # the handler's argument, None when the handler does not take it
    # (a path parameter is always passed, as Connexion passes it)
    integer: bool  # integer, else string
    required: bool
    check: t.Any  # the compiled check Connexion's parameter validator uses


@dataclass(frozen=True)
class _Scheme:
    header: bytes  # the header it reads, lower case
    bearer: bool  # `Authorization: Bearer <token>`, else the header's whole value
    function: t.Callable[..., t.Any]  # the security function the contract names
    required_scopes: t.Any
    takes_scopes: bool
    takes_request: bool


@dataclass(frozen=True)
class _AnswerChecks:
    """What Connexion's response validation uses for answers of one status and content type."""

    definition: dict[str, t.Any]  # the contract's response
    schema: dict[str, t.Any]
    factory: t.Any  # the body validator's (None: the body is not checked)
    compiled: t.Any  # the contract validator's check of the encoder's objects, if it makes one
    # An answer the plan built (the operation's content type) needs only the object check:
    # the content type is one the operation gives, and no header is required.
    only_body: bool


class WritePlan:
    """One operation's usual requests, checked and called directly (see the module)."""

    def __init__(
        self,
        operation: t.Any,
        function: t.Callable[..., t.Any],
        schemes: list[_Scheme],
        parameters: list[_Parameter],
        body: ContractBodyValidator | None,
        body_argument: str | None,
        response_validation: t.Any,
        jsonifier: t.Any,
    ) -> None:
        self.operation = operation
        self.function = function
        self.is_async = asyncio.iscoroutinefunction(function)
        self.arguments, self.has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        self.schemes = schemes
        self.credential_headers = frozenset(scheme.header for scheme in schemes)
        self.path_parameters = [p for p in parameters if p.in_path]
        self.query_parameters = {p.name: p for p in parameters if not p.in_path}
        self.body = body
        self.body_argument = body_argument
        self.reads_body = body is not None
        self.response_validation = response_validation
        self.responses = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier)
        # The content type Connexion infers for an answer that names none: the one the contract
        # gives the operation (None: Connexion's own inference decides each time).
        produces = set(operation.produces)
        self.content_type = produces.pop() if len(produces) == 1 else None
        self.encodes_json = self.content_type is not None and is_json_mimetype(self.content_type)
        self._answers: dict[tuple[int, str], _AnswerChecks] = {}

    # -- made once per operation
    @classmethod
    def compile(
        cls,
        operation: t.Any,
        function: t.Callable[..., t.Any],
        parameter_cache: t.Any,
        body_validators: dict[str, t.Any],
        strict_validation: bool,
        uri_parser: t.Any,
        response_validation: t.Any,
        jsonifier: t.Any,
    ) -> WritePlan | None:
        """The operation's plan, or None when it has a part a plan does not take (a form body,
        another security scheme, a parameter that is not a plain integer or string, ...)."""
        schemes = _schemes(operation)
        if parameter_cache is None or schemes is None:
            return None
        arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        parameters = []
        for definition in operation.parameters:
            parameter = _parameter(definition, parameter_cache, arguments, has_kwargs)
            if parameter is None:
                return None
            parameters.append(parameter)
        body = body_argument = None
        if operation.request_body:
            if operation.consumes != [JSON] or not operation.body_schema(JSON):
                return None
            factory = body_validators.get(JSON)
            body = factory(
                schema=operation.body_schema(JSON),
                required=operation.request_body.get("required", False),
                nullable=is_nullable(operation.body_definition(JSON)),
                encoding="utf-8",
                strict_validation=strict_validation,
                uri_parser=uri_parser,
            )
            if not isinstance(body, ContractBodyValidator):
                return None
            name = connexion_parameter.pythonic(operation.body_name(JSON))
            body_argument = name if name in arguments or has_kwargs else None
        return cls(
            operation,
            function,
            schemes,
            parameters,
            body,
            body_argument,
            response_validation,
            jsonifier,
        )

    # -- each request
    async def admit(self, scope: Scope, raw: bytes) -> dict[str, t.Any] | None:
        """The handler's arguments when the request has the plan's shape and passes every
        check (the caller's context set as Connexion sets it); None to decline it."""
        kwargs = self._parameters(scope)
        if kwargs is None:
            return None
        if self.body is not None:
            body = self._body(scope, raw)
            if body is None:
                return None
            if self.body_argument is not None:
                kwargs[self.body_argument] = body
        if self.schemes:
            token_info = await self._authenticate(scope)
            if token_info is None:
                return None
            context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
            context.update(
                {"user": token_info.get("sub", token_info.get("uid")), "token_info": token_info}
            )
        context = scope.get("extensions", {}).get("connexion_context", {})
        arguments, has_kwargs = self.arguments, self.has_kwargs
        for key, value in context.items():
            if has_kwargs or key in arguments:
                kwargs[key] = value
        if CONTEXT_NAME in arguments:
            kwargs[CONTEXT_NAME] = context
        return kwargs

    async def run(
        self, kwargs: dict[str, t.Any], scope: Scope, receive: Receive, send: Send
    ) -> Response | None:
        """Call the handler with `kwargs` from `admit`: its answer, checked, for the caller to
        send; or None when the answer streams (it is then sent here, through Connexion's
        response validation, which checks it as it goes)."""
        _context.set(scope.get("extensions", {}).get("connexion_context", {}))
        _operation.set(self.operation)
        _receive.set(receive)
        _scope.set(scope)
        if self.is_async:
            answer = await self.function(**kwargs)
        else:
            answer = await run_in_threadpool(self.function, **kwargs)
        data: t.Any = _UNKNOWN
        if StarletteFramework.is_framework_response(answer):
            response = answer
        elif isinstance(answer, ConnexionResponse):
            response = StarletteFramework.connexion_to_framework_response(answer)
        else:
            data, response = self._build(answer)
        validation = self.response_validation
        if validation is None:
            return response
        if not isinstance(getattr(response, "body", None), bytes):
            checked = type(validation)(
                response, operation=self.operation, validator_map=validation._validator_map
            )
            await checked(scope, receive, send)
            return None
        self._check_answer(response, scope, data)
        return response

    # -- the steps
    async def _authenticate(self, scope: Scope) -> dict[str, t.Any] | None:
        """The token info of the first scheme whose credential is there, as Connexion's
        security finds it; None when that is not a plain success."""
        found: dict[bytes, bytes] = {}
        wanted = self.credential_headers
        for name, value in scope["headers"]:
            if name in wanted and name not in found:  # the first, as Headers.get reads it
                found[name] = value
        for scheme in self.schemes:
            raw = found.get(scheme.header)
            if raw is None:
                continue  # Connexion: NO_VALUE, the next scheme
            credential = raw.decode("latin-1")
            if scheme.bearer:
                parts = credential.split(maxsplit=1)
                if len(parts) != 2:
                    return None  # Connexion: "Invalid authorization header"
                if parts[0].lower() != "bearer":
                    continue
                credential = parts[1]
            kwargs: dict[str, t.Any] = {}
            if scheme.takes_scopes:
                kwargs["required_scopes"] = scheme.required_scopes
            if scheme.takes_request:
                kwargs["request"] = PresentedRequest(scope)
            try:
                info = scheme.function(credential, **kwargs)
                while asyncio.iscoroutine(info):
                    info = await info
            except Exception:
                return None  # Connexion decides (and words) every refusal
            if info is NO_VALUE:
                continue
            return info if isinstance(info, dict) else None
        return None

    def _parameters(self, scope: Scope) -> dict[str, t.Any] | None:
        """Path and query arguments, each checked; None to decline."""
        kwargs: dict[str, t.Any] = {}
        path_params = scope.get("path_params", {})
        for parameter in self.path_parameters:
            value = path_params.get(parameter.name)
            if value is None or not parameter.check.is_valid(value):
                return None
            kwargs[parameter.argument] = value
        query = scope.get("query_string", b"")
        given: dict[str, str] = {}
        if query:
            if _PLAIN_QUERY.fullmatch(query) is None:
                return None
            for part in query.split(b"&"):
                name, _, value = part.decode("ascii").partition("=")
                if name in self.query_parameters:
                    if name in given:
                        return None  # a repeated parameter: Connexion's rules decide
                    given[name] = value
        for name, parameter in self.query_parameters.items():
            text = given.get(name)
            if text is None:
                if parameter.required:
                    return None
                continue
            value: t.Any = text
            if parameter.integer:
                if _GO_INT.fullmatch(text) is None:
                    return None
                value = int(text)
            if not parameter.check.is_valid(value):
                return None
            if parameter.argument is not None:
                kwargs[parameter.argument] = value
        return kwargs

    def _body(self, scope: Scope, raw: bytes) -> t.Any:
        """The JSON object body as Connexion's body validation hands it on; None to decline."""
        content_type = length = None
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
            elif name == b"content-length" and length is None:
                length = value
        if content_type is None or split_content_type(content_type)[0] != JSON:
            return None
        if length is None or not length.isdigit() or int(length) == 0 or not raw.strip():
            return None
        try:
            body, repaired = parse_json_body(raw)
        except BodyError:
            return None
        if repaired or not isinstance(body, dict):
            return None
        assert self.body is not None
        body = fold_keys_deep(body, self.body._schema)
        return body if self.body._compiled.is_valid(body) else None

    def _build(self, answer: t.Any) -> tuple[t.Any, t.Any]:
        """(the data encoded, the response) as Connexion's response decorator builds them,
        with the content type the contract gives the operation found once; an answer that
        names its own goes through the decorator whole (data unknown)."""
        responses = self.responses
        data, status_code, headers = responses._unpack_handler_response(answer)
        content_type = self.content_type
        if (
            content_type is None
            or StarletteFramework.is_framework_response(data)
            or any(key.lower() == "content-type" for key in headers)
        ):
            return _UNKNOWN, responses.build_framework_response(answer)
        encoded = responses._serialize_data(data, content_type=content_type)
        status_code = status_code or responses._infer_status_code(encoded)
        headers = responses._update_headers(headers, content_type=content_type)
        response = StarletteFramework.build_response(
            encoded, content_type=content_type, status_code=status_code, headers=headers
        )
        return (data if self.encodes_json else _UNKNOWN), response

    def _check_answer(self, response: t.Any, scope: Scope, data: t.Any) -> None:
        """Connexion's response validation of `response` (ResponseValidationOperation and the
        body validator's `wrap_send`), raising what they raise, before anything is sent.
        `data`, when known, is the object `response.body` encodes: the contract's validator
        accepts that object when its check does (ContractResponseValidator), else the body
        is checked as sent."""
        validation = self.response_validation
        headers = response.raw_headers
        status = response.status_code
        if data is not _UNKNOWN and isinstance(data, (dict, list)):
            # Built by _build: its content type is the operation's own, which the mime type
            # check accepts; with no required header to look for, the object check decides.
            built = self._answers.get((status, self.content_type))
            if built is not None and built.only_body and built.compiled.is_valid(data):
                return
        mime_type, encoding = validation.extract_content_type(headers)
        if status < 400:
            validation.validate_mime_type(mime_type)
        key = (status, mime_type)
        known = self._answers.get(key)
        if known is None:
            known = self._answers[key] = self._answer_checks(status, mime_type)
        validation.validate_required_headers(headers, known.definition)
        if known.factory is None:
            return
        compiled = known.compiled
        if compiled is not None and isinstance(data, (dict, list)) and compiled.is_valid(data):
            return
        validator = known.factory(
            scope,
            schema=known.schema,
            nullable=is_nullable(known.definition),
            encoding=encoding,
        )
        body = validator._parse(iter((b"", response.body)))
        if not (body is None and validator._nullable):
            validator._validate(body)

    def _answer_checks(self, status: int, mime_type: str) -> _AnswerChecks:
        """What checking an answer with this status and content type takes."""
        operation = self.operation
        definition = operation.response_definition(str(status), mime_type)
        schema = operation.response_schema(str(status), mime_type)
        factory = self.response_validation._validator_map["response"].get(mime_type)
        compiled = None
        cache = getattr(factory, "keywords", {}).get("cache")
        if getattr(factory, "func", None) is ContractResponseValidator and cache is not None:
            check, objects_ok = cache.entry(schema)
            compiled = check if objects_ok else None
        headers = definition.get("headers", {})
        only_body = (
            compiled is not None
            and mime_type == self.content_type
            and not any(header.get("required", False) for header in headers.values())
            and mime_type.lower() in {p.lower() for p in self.operation.produces}
        )
        return _AnswerChecks(definition, schema, factory, compiled, only_body)


def _schemes(operation: t.Any) -> list[_Scheme] | None:
    """The operation's security, one scheme per requirement, in the contract's order; None when
    it has a requirement a plan does not take."""
    schemes = []
    for requirement in operation.security or []:
        if len(requirement) != 1:
            return None
        ((name, scopes),) = requirement.items()
        definition = operation.security_schemes.get(name, {})
        if definition.get("type") == "apiKey" and definition.get("in") == "header":
            header, bearer, key = definition["name"].lower().encode("latin-1"), False, "apiKey"
        elif definition.get("type") == "http" and definition.get("scheme") == "bearer":
            header, bearer, key = b"authorization", True, "bearer"
        else:
            return None
        function_name = definition.get(_INFO_FUNCS[key])
        if not function_name:
            return None
        function = get_function_from_name(function_name)
        arguments, has_kwargs = inspect_function_arguments(function)
        schemes.append(
            _Scheme(
                header,
                bearer,
                function,
                scopes,
                has_kwargs or "required_scopes" in arguments,
                has_kwargs or "request" in arguments,
            )
        )
    return schemes


def _parameter(
    definition: dict[str, t.Any], cache: t.Any, arguments: list[str], has_kwargs: bool
) -> _Parameter | None:
    where, name = definition["in"], definition["name"]
    schema = definition.get("schema", definition)
    kind = schema.get("type")
    if where not in ("path", "query") or kind not in ("integer", "string"):
        return None
    if is_nullable(definition) or "default" in definition or "default" in schema:
        return None
    if any(k in definition for k in ("style", "explode", "content")) or "-" in name:
        return None
    check = cache.get(definition)
    if check is None:
        return None
    argument = connexion_parameter.pythonic(name)
    return _Parameter(
        name,
        where == "path",
        argument if argument in arguments or has_kwargs or where == "path" else None,
        kind == "integer",
        bool(definition.get("required")),
        check,
    )
