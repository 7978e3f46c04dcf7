"""The inspector: a page at /__mock__/ to watch the mock while it serves.

Plain HTML, CSS and JavaScript from `static/` (package data: no build step, nothing fetched from
another site). The page reads everything through the control API's JSON routes from the browser,
so the control API's switch and protections apply to it as they do to any client. This module
adds to the control API only the page's files and one JSON route, the seeded credentials:

GET /__mock__/            the page
GET /__mock__/static/...  its script and style sheet
GET /__mock__/seeded      the credentials the seed made (as the start-up banner prints them)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from starlette.types import Scope

from mockserver.control import Raw

STATIC = resources.files(__package__) / "static"
FILES = {  # sub-path -> (file, content type); a fixed list: no path is ever read from a request
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/inspector.js": ("inspector.js", "text/javascript; charset=utf-8"),
    "/static/inspector.css": ("inspector.css", "text/css; charset=utf-8"),
}


def seeded_credentials(seeded: Any) -> dict[str, Any]:
    """The clear credentials of the seed: the same the banner prints at start."""
    return {
        "accounts": [
            {
                "username": account.username,
                "userId": account.user_id,
                "role": "admin" if account.role == 1 else "standard",
                "password": account.password,
                "tokens": list(account.tokens),
            }
            for account in seeded.accounts.values()
        ],
        "rancherKeys": [
            {
                "accountId": key.account_id,
                "name": key.name,
                "accessKey": key.access_key,
                "secretKey": key.secret_key,
            }
            for key in [seeded.rancher_admin, *seeded.rancher_keys]
        ],
    }


def _serve(file: Raw) -> Callable[[Scope, bytes], Awaitable[tuple[int, Any]]]:
    async def handler(scope: Scope, body: bytes) -> tuple[int, Any]:
        return 200, file

    return handler


class Inspector:
    """The page's routes on one runtime's control API."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self._files = {
            sub: Raw(content_type, (STATIC / name).read_bytes())
            for sub, (name, content_type) in FILES.items()
        }

    def install(self, control: Any) -> None:
        for sub, file in self._files.items():
            control.route("GET", sub, _serve(file))
        control.route("GET", "/seeded", self.seeded)

    async def seeded(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        return 200, seeded_credentials(self.runtime.seeded)
