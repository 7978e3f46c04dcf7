"""The ceiling: the smallest ASGI app, answering each benchmarked request with the mock's bytes.

It runs on the same uvicorn, event loop and HTTP implementation as the mock
(`mockserver.cli.serve_forever`), with the same server options, and answers every request whose
path and query it knows with the exact status, headers and body the mock gave for it (captured
at the start of the benchmark): no routing, no authentication, no validation. What the mock
reaches of this server's throughput is what its own work costs.

    python -m bench.ceiling ANSWERS.json PORT
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

import uvicorn

from mockserver.cli import serve_forever

# Headers uvicorn writes itself on every answer, the mock's included.
SERVER_HEADERS = {"date", "server"}

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
NOT_FOUND: Answer = (404, [(b"content-type", b"text/plain"), (b"content-length", b"0")], b"")


def load(path: str) -> dict[str, Answer]:
    """Captured answers: request target ("/path?query") -> (status, headers, body)."""
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    return {
        target: (
            answer["status"],
            [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in answer["headers"]
                if name.lower() not in SERVER_HEADERS
            ],
            base64.b64decode(answer["body"]),
        )
        for target, answer in raw.items()
    }


def app_for(answers: dict[str, Answer]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:  # read the request to its end, as any server must
            message = await receive()
            more = message.get("more_body", False)
        query = scope.get("query_string", b"")
        target = scope["path"] + ("?" + query.decode("latin-1") if query else "")
        status, headers, body = answers.get(target, NOT_FOUND)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main(argv: list[str]) -> int:
    answers_path, port = argv[0], int(argv[1])
    config = uvicorn.Config(
        app_for(load(answers_path)),
        host="127.0.0.1",
        port=port,
        log_level="info",  # as the mock runs in the benchmark: access log on
        lifespan="off",
        proxy_headers=False,
    )
    serve_forever([config])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
