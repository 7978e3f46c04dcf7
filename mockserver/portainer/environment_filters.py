"""The query of `GET /api/endpoints`: Portainer's filters, sort and paging, as plain rules.

Follows Portainer CE 2.23's `api/http/handler/endpoints` (`filter.go` `filterEndpointsByQuery`,
`sort.go` `sortEnvironmentsByField`, `endpoint_list.go` `paginateEndpoints`). Every filter keeps
the environments matching it; together they must all match. The mock has no environment
groups or tags of its own: the one group is Portainer's default group 1, `Unassigned`, and tag
ids have no names. It makes no Edge environments, so the Edge-only filters have nothing to act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

UP, DOWN = 1, 2  # Portainer's EndpointStatus
DEFAULT_GROUP = 1
GROUP_NAMES: Mapping[int, str] = {DEFAULT_GROUP: "Unassigned"}  # datastore/init.go
SORT_KEYS = ("Name", "Group", "Status", "LastCheckIn", "EdgeID")


class Listed(Protocol):
    """What the rules read of an environment (mockserver.state.Environment has it)."""

    id: int
    name: str
    type: int
    url: str
    group_id: int
    status: int
    tag_ids: list[int]


@dataclass(frozen=True)
class EnvironmentQuery:
    """The list's query parameters, as Portainer's `parseQuery` and `endpointList` read them."""

    search: str = ""
    name: str = ""
    types: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()
    tag_ids: tuple[int, ...] = ()
    tags_partial_match: bool = False
    endpoint_ids: tuple[int, ...] = ()
    exclude_ids: tuple[int, ...] = ()
    statuses: tuple[int, ...] = ()
    sort: str = ""
    order: str = ""
    start: int = 0  # 1-based; 0 is the first as well
    limit: int = 0  # 0: no paging at all (`start` is then ignored, as in Portainer)


NO_QUERY = EnvironmentQuery()


def query_from(
    *,
    search: str | None = None,
    name: str | None = None,
    types: Iterable[int] | None = None,
    group_ids: Iterable[int] | None = None,
    tag_ids: Iterable[int] | None = None,
    tags_partial_match: str | None = None,
    endpoint_ids: Iterable[int] | None = None,
    exclude_ids: Iterable[int] | None = None,
    statuses: Iterable[int] | None = None,
    sort: str | None = None,
    order: str | None = None,
    start: int | None = None,
    limit: int | None = None,
) -> EnvironmentQuery:
    """A query from the request's values (absent ones as None); booleans are `== "true"`."""
    return EnvironmentQuery(
        search=search or "",
        name=name or "",
        types=tuple(types or ()),
        group_ids=tuple(group_ids or ()),
        tag_ids=tuple(tag_ids or ()),
        tags_partial_match=tags_partial_match == "true",
        endpoint_ids=tuple(endpoint_ids or ()),
        exclude_ids=tuple(exclude_ids or ()),
        statuses=tuple(statuses or ()),
        sort=sort or "",
        order=order or "",
        start=start or 0,
        limit=limit or 0,
    )


def matches_search(env: Listed, needle: str) -> bool:
    """Portainer's search: name, URL, `up`/`down` for the status, tag names, the group's name
    (the mock's tags have no names and its only named group is the default one)."""
    if needle in env.name.lower() or needle in env.url.lower():
        return True
    if (env.status == UP and needle == "up") or (env.status == DOWN and needle == "down"):
        return True
    group = GROUP_NAMES.get(env.group_id)
    return group is not None and needle in group.lower()


def _has_tags(env: Listed, wanted: Sequence[int], partial: bool) -> bool:
    owned = set(env.tag_ids)  # the mock's groups carry no tags
    if partial:
        return any(tag in owned for tag in wanted)
    return all(tag in owned for tag in wanted)


def filter_environments(envs: Sequence[Listed], query: EnvironmentQuery) -> list[Listed]:
    """The environments every filter of `query` keeps, in the order given."""
    kept = list(envs)
    if query.endpoint_ids:
        kept = [e for e in kept if e.id in query.endpoint_ids]
    if query.exclude_ids:
        kept = [e for e in kept if e.id not in query.exclude_ids]
    if query.group_ids:
        kept = [e for e in kept if e.group_id in query.group_ids]
    if query.name:
        kept = [e for e in kept if e.name == query.name]
    if query.statuses:
        kept = [e for e in kept if e.status in query.statuses]
    if query.search:
        needle = query.search.lower()
        kept = [e for e in kept if matches_search(e, needle)]
    if query.types:
        kept = [e for e in kept if e.type in query.types]
    if query.tag_ids:
        kept = [e for e in kept if _has_tags(e, query.tag_ids, query.tags_partial_match)]
    return kept


def natural_key(text: str) -> list[tuple[Any, ...]]:
    """A sort key giving the order of Go's `sortorder.NaturalLess`: byte by byte, except that a
    run of digits compares as a number (before any other character; with equal values, fewer
    leading zeros first)."""
    key: list[tuple[Any, ...]] = []
    data = text.encode("utf-8", "surrogatepass")
    i = 0
    while i < len(data):
        if not 48 <= data[i] <= 57:
            key.append((1, data[i]))
            i += 1
            continue
        j = i
        while j < len(data) and data[j] == 48:
            j += 1
        k = j
        while k < len(data) and 48 <= data[k] <= 57:
            k += 1
        key.append((0, k - j, data[j:k], j - i))
        i = k
    return key


def sort_environments(envs: Sequence[Listed], sort: str, order: str) -> list[Listed]:
    """Sorted by one of Portainer's sort keys, stably; any other key keeps the order given.
    `Group` sorts by group name with the default group's counted as empty."""
    if sort not in SORT_KEYS:
        return list(envs)
    descending = order == "desc"
    if sort == "Name":
        return sorted(envs, key=lambda e: natural_key(e.name), reverse=descending)
    if sort == "Group":
        names = {**GROUP_NAMES, DEFAULT_GROUP: ""}
        return sorted(
            envs, key=lambda e: natural_key(names.get(e.group_id, "")), reverse=descending
        )
    if sort == "Status":
        return sorted(envs, key=lambda e: e.status, reverse=descending)
    # LastCheckIn and EdgeID: the mock's environments never check in and have no Edge id.
    return list(envs)


def page_of(envs: Sequence[Listed], start: int, limit: int) -> list[Listed]:
    """Portainer's paging: `start` is 1-based, and without a `limit` every environment is
    returned, whatever `start` says."""
    if limit <= 0:
        return list(envs)
    first = min(max(start - 1, 0), len(envs))
    return list(envs[first : first + limit])


def select(envs: Sequence[Listed], query: EnvironmentQuery) -> tuple[list[Listed], int, int]:
    """The page to answer, the count the filters keep (`X-Total-Count`) and the count given
    (`X-Total-Available`: what the caller may see)."""
    kept = sort_environments(filter_environments(envs, query), query.sort, query.order)
    return page_of(kept, query.start, query.limit), len(kept), len(envs)
