"""Connexion's per-request overheads, done once instead: same code, same answers, less work.

Connexion 3.3 wraps the handler in its parameter and response decorators on every request (twice,
each time reading the handler's signature with `inspect`), and its security wrappers read the
security function's signature on every call. All of that depends on the function only, so it is
computed once per operation here. Also `settle_heap()`, for the server process after start-up,
and query parameters grouped in one pass (Connexion's `getlist` per name is quadratic in their
number: 8,500 parameters took 4 s).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib.metadata
import typing as t
from collections.abc import Callable

import orjson
from connexion import AsyncApp
from connexion import utils as connexion_utils
from connexion.apps import asynchronous as connexion_asynchronous
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import receive, scope
from connexion.decorators import StarletteDecorator
from connexion.decorators import parameter as connexion_parameter
from connexion.lifecycle import ConnexionRequest
from connexion.middleware import routing as connexion_routing
from connexion.security import SECURITY_HANDLERS
from connexion.spec import Specification
from connexion.utils import inspect_function_arguments
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

from mockserver import resources


@functools.lru_cache(maxsize=256)
def _arguments(func: Callable[..., t.Any]) -> tuple[list[str], bool]:
    return inspect_function_arguments(func)


def _accepts_kwarg(func: Callable[..., t.Any], keyword: str) -> bool:
    arguments, has_kwargs = _arguments(func)
    return has_kwargs or keyword in arguments


def security_map() -> dict[str, type]:
    """Connexion's security handlers, reading each security function's signature once."""
    return {
        name: type(handler.__name__, (handler,), {"_accepts_kwarg": staticmethod(_accepts_kwarg)})
        for name, handler in SECURITY_HANDLERS.items()
    }


class _DecorateOnce(StarletteDecorator):
    """Connexion's Starlette decorator, with the handler decorated once, not on each call.

    The decorated chain reads the operation, request and body from Connexion's context at call
    time, so it is the same chain Connexion builds per request.
    """

    def __call__(self, function: Callable[..., t.Any]) -> Callable[..., t.Any]:
        decorated = self.decorate(function)

        @functools.wraps(function)
        async def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            request = self.framework.get_request(
                uri_parser=self.uri_parser, scope=scope, receive=receive
            )
            return await decorated(request)

        return wrapper


class _Operation(AsyncOperation):
    @functools.cached_property
    def fn(self) -> Callable[..., t.Any]:  # type: ignore[override]
        return _DecorateOnce(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(
            self._fn
        )


class _Api(AsyncApi):
    def make_operation(self, operation: t.Any) -> _Operation:
        return _Operation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )  # type: ignore[return-value]


def route_key(path: str) -> tuple[str, ...]:
    """The first two segments of a path: `/v2-beta/projects/1a2/apikeys` -> (v2-beta, projects)."""
    return tuple(path.split("/", 3)[1:3])


class _IndexedRouter(Router):
    """Starlette's router, trying only the routes whose first two path segments fit.

    Connexion adds one route per operation and Starlette tries them in order, twice per request
    (the routing middleware, then the app): a route late in the contract paid ~80 regex matches.
    A route whose first two segments are fixed text can only match paths that start with them,
    so each request tries those routes, and the ones with a parameter there, in their original
    order; what Starlette does with the matches (405 through a partial match, slash redirects,
    the default) is unchanged.
    """

    def _candidates(self, scope: Scope) -> list[BaseRoute]:
        routes = self.routes
        index = self.__dict__.get("_index")
        if index is None or index[0] != len(routes):
            index = self.__dict__["_index"] = (len(routes), index_routes(routes))
        by_key, anywhere = index[1]
        return by_key.get(route_key(get_route_path(scope)), anywhere)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)
        partial = partial_scope = None
        for route in self._candidates(scope):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope["route"] = partial
            scope.update(partial_scope or {})
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)  # no match: Starlette's redirect or default


R = t.TypeVar("R")


def _starlette_path(route: BaseRoute) -> str | None:
    path = getattr(route, "path", None)
    return path if isinstance(route, Route) and path else None


def index_routes(
    routes: list[R],
    path_of: Callable[[R], str | None] = _starlette_path,  # type: ignore[assignment]
) -> tuple[dict[tuple[str, ...], list[R]], list[R]]:
    """Routes by their fixed first two segments; those without (a parameter or a mount there)
    belong to every key, and alone are tried for a path no key fits. `path_of` gives a route's
    path template (None: it may match anywhere)."""
    keys: list[tuple[str, ...] | None] = []
    for route in routes:
        path = path_of(route)
        key = route_key(path) if path else None
        keys.append(None if key is None or len(key) < 2 or any("{" in k for k in key) else key)
    by_key = {
        key: [r for r, k in zip(routes, keys, strict=True) if k is None or k == key]
        for key in {k for k in keys if k is not None}
    }
    anywhere = [r for r, k in zip(routes, keys, strict=True) if k is None]
    return by_key, anywhere


def _query_params(self: ConnexionRequest) -> dict[str, t.Any]:
    """ConnexionRequest.query_params, linear: each value list built in one pass."""
    if self._query_params is None:
        grouped: dict[str, list[str]] = {}
        for name, value in self._starlette_request.query_params.multi_items():
            grouped.setdefault(name, []).append(value)
        self._query_params = self.uri_parser.resolve_query(grouped)
    return self._query_params


_check_spec = Specification._validate_spec.__func__  # type: ignore[attr-defined]
_checked_specs: set[bytes] = set()


def _function_name(value: object) -> str:
    if callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _check_spec_once(cls: type[Specification], spec: dict[str, t.Any]) -> None:
    """Connexion checks the contract against the OpenAPI schema for every app it builds: ~0.4 s,
    most of an app's start-up, repeated by every test and every server started. The same
    document checks the same way each time, so each distinct one (by its content, security
    functions by name, and the Connexion that checks it) is checked once: once per process, and
    once per machine where the user's cache is writable (a marker file named by that
    fingerprint). A document that fails is never remembered, so it fails again."""
    fingerprint = hashlib.sha256(
        _CHECKER.encode() + orjson.dumps(spec, default=_function_name, option=orjson.OPT_SORT_KEYS)
    ).digest()
    if fingerprint in _checked_specs:
        return
    cache = resources.user_cache("checked-contracts")
    marker = cache / fingerprint.hex() if cache is not None else None
    if marker is None or not marker.exists():
        _check_spec(cls, spec)
        if marker is not None:
            with contextlib.suppress(OSError):
                marker.touch()
    _checked_specs.add(fingerprint)


_CHECKER = f"connexion {importlib.metadata.version('connexion')}\n"


_pythonic = functools.lru_cache(maxsize=4096)(connexion_parameter.pythonic)


def _extract_content_type(headers: t.Any) -> str | None:
    """connexion.utils.extract_content_type, without building a typing alias on every call
    (three times per request, most of its cost): the first Content-Type, as text."""
    pairs = headers.items() if isinstance(headers, dict) else headers
    for key, value in pairs:
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        if name.lower() == "content-type":
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def install(app: AsyncApp) -> None:
    """Use the decorate-once operations and indexed routers in `app`, and check each contract
    once per process; call before `add_api`. Parameter names are made pythonic once per name
    (Connexion ran three regular expressions per parameter per request); a request's content type
    is found without building a typing alias each time."""
    connexion_parameter.pythonic = _pythonic  # type: ignore[assignment]
    connexion_utils.extract_content_type = _extract_content_type  # type: ignore[assignment]
    Specification._validate_spec = classmethod(_check_spec_once)  # type: ignore[method-assign,assignment]
    ConnexionRequest.query_params = property(_query_params)  # type: ignore[assignment,method-assign]
    middleware_app = getattr(app, "_middleware_app", None)
    if middleware_app is not None and getattr(middleware_app, "api_cls", None) is AsyncApi:
        middleware_app.api_cls = _Api
    # Connexion builds its routers from these module names (routing middleware and app).
    connexion_routing.Router = _IndexedRouter  # type: ignore[misc]
    connexion_asynchronous.Router = _IndexedRouter  # type: ignore[misc]


def settle_heap() -> None:
    """After start-up, in a server process: move what start-up built (the contract, the seeded
    state, imported modules) out of the collector's way, so the full collections that happen
    under load scan only what requests create. Without it p99 latency carries 50-100 ms pauses.
    Not for tests: frozen objects are never collected when they become cyclic garbage."""
    gc.collect()
    gc.freeze()
