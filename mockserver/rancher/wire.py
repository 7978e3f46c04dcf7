"""What Rancher does at the HTTP edge that Connexion cannot, as an ASGI wrapper that the mock's
outer middleware puts around the app for Rancher paths.

* Rancher parses the request body before it authenticates (gdapi's BodyParserRequestHandler runs
  first): malformed JSON answers 400 `InvalidBodyContent` even without credentials. Connexion
  checks credentials first, so the wrapper reads the body, answers malformed JSON itself and
  replays the body to the app.
* gdapi's ValidationHandler checks the `action` of a POST before its fields, and a collection
  has no actions: a POST with `action` to a collection is answered 422 `InvalidAction` by the
  backend, never `MaxLengthExceeded` or the like. Connexion validates the body before the
  handler runs, so the wrapper hands the app an empty body for such a request (once the body
  parsed as JSON: malformed JSON still answers 400 first).
* Cattle converts a non-string `name` or `description` to text (convert.py) before it checks
  the field's length; the wrapper rewrites the body so, and Connexion validates the text.
* Rancher labels every JSON answer `application/json; charset=utf-8`. Connexion's response
  validation accepts only the contract's bare `application/json`, so the wrapper adds the charset
  after the app has answered.
* Cattle sets `X-API-Schemas` before anything else runs, so every answer carries it, errors
  included (a 401 too): the wrapper adds it to every answer, from the request's path alone.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import RancherError
from mockserver.validation import BodyError, parse_json_body

from . import convert, errors
from .links import VERSION, VERSION_SCOPE_KEY, schemas_url

CONTENT_TYPE = b"application/json; charset=utf-8"
_WITH_BODY = ("POST", "PUT")


class RancherWire:
    """ASGI wrapper: body parsed before authentication; JSON answers labelled with a charset."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        schemas_header = (b"x-api-schemas", _schemas_url(scope).encode("latin-1"))

        async def labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _with_charset(message.get("headers", []))
                message = {**message, "headers": [*headers, schemas_header]}
            await send(message)

        if scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, labelled)
            return
        raw, other = await _read(receive)
        if _malformed(raw):
            await _answer(labelled, errors.invalid_body_content())
            return
        if _collection_action(scope):
            raw, scope = b"", _without_body(scope)
        elif _takes_fields(scope):
            raw, scope = _converted(raw, scope)
        pending: list[Message] = [{"type": "http.request", "body": raw, "more_body": False}]
        pending += other

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, labelled)


def _schemas_url(scope: Scope) -> str:
    """The schemas URL for this request (links.schemas_url), on the host the client used."""
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server_host, port = scope.get("server") or ("localhost", 80)
        host = f"{server_host}:{port}"
    base = f"{scope['scheme']}://{host}"
    return schemas_url(base, scope["path"], scope.get(VERSION_SCOPE_KEY, VERSION))


def _collection_action(scope: Scope) -> bool:
    """A POST naming an `action` (even an empty one) on a collection (`.../apikeys`)."""
    if scope["method"] != "POST" or not scope["path"].endswith("/apikeys"):
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    return any(name == "action" for name, _ in parse_qsl(query, keep_blank_values=True))


def _takes_fields(scope: Scope) -> bool:
    """A PUT, or a POST without `action`: Cattle validates the body's fields."""
    if scope["method"] == "PUT":
        return True
    query = scope.get("query_string", b"").decode("latin-1")
    return not any(name == "action" for name, _ in parse_qsl(query, keep_blank_values=True))


def _converted(raw: bytes, scope: Scope) -> tuple[bytes, Scope]:
    """The body with `name` and `description` as Cattle converts them; one it cannot convert
    becomes `[]`, which the contract refuses as Cattle does (422 InvalidFormat)."""
    if not raw.strip():
        return raw, scope
    body, _ = parse_json_body(raw)
    if not isinstance(body, dict) or not any(
        not isinstance(body.get(f), (str, type(None))) for f in convert.STRING_FIELDS
    ):
        return raw, scope
    for field in convert.STRING_FIELDS:
        if field in body:
            try:
                body[field] = convert.cattle_text(body[field])
            except convert.NotConvertible:
                body[field] = []
    new = json.dumps(body, separators=(",", ":")).encode()
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return new, {**scope, "headers": [*headers, (b"content-length", str(len(new)).encode())]}


def _without_body(scope: Scope) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", b"0")]}


def _with_charset(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [
        (
            name,
            CONTENT_TYPE
            if name.lower() == b"content-type" and value == b"application/json"
            else value,
        )
        for name, value in headers
    ]


async def _read(receive: Receive) -> tuple[bytes, list[Message]]:
    chunks: list[bytes] = []
    other: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            other.append(message)  # e.g. a disconnect: pass it on after the body
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks), other


def _malformed(raw: bytes) -> bool:
    if not raw.strip():
        return False
    try:
        parse_json_body(raw)
    except BodyError:
        return True
    return False


async def _answer(send: Send, error: RancherError) -> None:
    payload = json.dumps(error.body(), separators=(",", ":")).encode()
    headers = [(b"content-type", CONTENT_TYPE), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
