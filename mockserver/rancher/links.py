"""Rancher's URLs, as gdapi's DefaultUrlBuilder makes them.

Resource, collection, child and action links are absolute and entirely lower case (host and
path included), and carry the request's sub-context (`/projects/{id}`) when the request came
in through it. Action links put a slash before the query: `.../apikeys/1c3/?action=deactivate`.
Sort, reverse-sort and next-page links are the request URL plus its query string with the one
parameter replaced; their query part keeps its case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote, urlencode

VERSION = "v2-beta"
VERSION_SCOPE_KEY = "rancher.version"  # set on a request that came in as /v1/...
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")  # a query value that URL encoding leaves as it is


@dataclass(frozen=True)
class Links:
    """Builds the links of one request.

    `base` is the scheme and authority the client used (`http://localhost:9000`), `path` the
    request path, `query` its parameters, `sub_context` `/projects/1a5` or empty, `version` the
    API version the client addressed (`v2-beta`, or `v1`, its alias).
    """

    base: str
    path: str
    query: Sequence[tuple[str, str]] = ()
    sub_context: str = ""
    version: str = VERSION

    @cached_property
    def _prefix(self) -> str:
        return f"{self.base.rstrip('/')}/{self.version}{self.sub_context}".lower()

    @cached_property
    def root(self) -> str:
        """The API version's root, `<base>/v2-beta` (never in a sub-context)."""
        return f"{self.base.rstrip('/')}/{self.version}".lower()

    @cached_property
    def schemas(self) -> str:
        """The schemas collection the caller should use (`X-API-Schemas`)."""
        return self._url("schemas")

    def unscoped_collection(self, plural: str) -> str:
        """A collection's URL outside any sub-context (projects are never addressed in one)."""
        return f"{self.root}/{plural}".lower()

    def _url(self, *parts: str) -> str:
        return "/".join((self._prefix, *parts)).lower()

    # -- resources
    def resource(self, plural: str, resource_id: str) -> str:
        return self._url(plural, resource_id)

    def child(self, plural: str, resource_id: str, name: str) -> str:
        return self._url(plural, resource_id, name)

    def action(self, plural: str, resource_id: str, name: str) -> str:
        return self._url(plural, resource_id, f"?action={name}")

    def collection(self, plural: str) -> str:
        return self._url(plural)

    def project(self, project_id: str) -> str:
        """A project's own URL: projects are never addressed through a sub-context."""
        return "/".join((self.root, "projects", project_id)).lower()

    def project_child(self, project_id: str, plural: str) -> str:
        return f"{self.project(project_id)}/{plural.lower()}"

    # -- the request's own collection
    @cached_property
    def current(self) -> str:
        """The request URL without its query string (a collection's `links.self`), in the
        version the client addressed."""
        path = self.path
        if self.version != VERSION and path.startswith(f"/{VERSION}"):
            path = f"/{self.version}{path[len(VERSION) + 1 :]}"
        return (self.base.rstrip("/") + path).lower()

    def with_param(self, name: str, value: str, *drop: str) -> str:
        """The request URL with `name=value` appended after the query minus `name` and `drop`."""
        removed = {name, *drop}
        kept = [(k, v) for k, v in self.query if k not in removed]
        if not kept and _PLAIN.fullmatch(value):  # the common case, without urlencode's cost
            return f"{self.current}?{name}={value}"
        query = urlencode([*kept, (name, value)])
        return f"{self.current}?{query}"

    def sort(self, field: str) -> str:
        return self.with_param("sort", field, "order")

    def reverse(self, order: str) -> str:
        return self.with_param("order", order, "marker")

    def next(self, offset: int) -> str:
        return self.with_param("marker", f"m{offset}")


def schemas_url(base: str, path: str, version: str = VERSION) -> str:
    """`X-API-Schemas` for a request path, as Cattle sets it before anything else runs: the
    schemas of the version, in the request's sub-context when the path has one (at least five
    segments, `/{version}/projects/{id}/{rest}`)."""
    parts = path.split("/")
    sub_context = ""
    if len(parts) >= 5 and parts[2] == "projects" and parts[4]:
        sub_context = f"/projects/{quote(parts[3], safe='')}"  # a header carries no raw Unicode
    return f"{base.rstrip('/')}/{version}{sub_context}/schemas".lower()
