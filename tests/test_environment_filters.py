"""Portainer's environment list query without a server (mockserver/portainer/environment_filters.py):
filters, natural sort, paging and the two totals, as CE 2.23's endpoints/filter.go, sort.go and
endpoint_list.go have them."""

from __future__ import annotations

import pytest

from mockserver.portainer.environment_filters import (
    EnvironmentQuery,
    filter_environments,
    natural_key,
    page_of,
    query_from,
    select,
    sort_environments,
)
from mockserver.state import Environment

ENVS = [
    Environment(id=1, name="local", type=1, url="unix:///var/run/docker.sock"),
    Environment(id=2, name="production", type=2, url="tcp://10.0.1.10:9001", tag_ids=[7, 8]),
    Environment(id=3, name="Staging", type=2, url="tcp://10.0.2.10:9001", status=2, tag_ids=[8]),
    Environment(id=4, name="edge-10", type=2, url="tcp://edge:9001", group_id=5),
    Environment(id=5, name="edge-9", type=1, url="tcp://lab:2375", group_id=5),
]


def ids(envs: list[Environment]) -> list[int]:
    return [e.id for e in envs]


def kept(**query: object) -> list[int]:
    return ids(filter_environments(ENVS, EnvironmentQuery(**query)))  # type: ignore[arg-type]


def test_no_query_keeps_everything_in_id_order() -> None:
    assert kept() == [1, 2, 3, 4, 5]


def test_types_keep_environments_of_any_type_listed() -> None:
    assert kept(types=(1,)) == [1, 5]
    assert kept(types=(1, 2)) == [1, 2, 3, 4, 5]
    assert kept(types=(4,)) == []


def test_group_ids_keep_environments_of_those_groups() -> None:
    assert kept(group_ids=(5,)) == [4, 5]
    assert kept(group_ids=(1, 5)) == [1, 2, 3, 4, 5]


def test_endpoint_ids_and_exclude_ids() -> None:
    assert kept(endpoint_ids=(3, 1, 99)) == [1, 3]
    assert kept(exclude_ids=(1, 2)) == [3, 4, 5]
    assert kept(endpoint_ids=(1, 2), exclude_ids=(2,)) == [1]


def test_status_keeps_environments_with_those_statuses() -> None:
    assert kept(statuses=(2,)) == [3]
    assert kept(statuses=(1,)) == [1, 2, 4, 5]


def test_tag_ids_need_every_tag_unless_partial_match() -> None:
    assert kept(tag_ids=(8,)) == [2, 3]
    assert kept(tag_ids=(7, 8)) == [2]
    assert kept(tag_ids=(7, 8), tags_partial_match=True) == [2, 3]
    assert kept(tag_ids=(99,), tags_partial_match=True) == []


def test_search_matches_name_url_status_words_and_the_default_group_name() -> None:
    assert kept(search="STAG") == [3]  # case-insensitive
    assert kept(search="10.0.") == [2, 3]  # the URL
    assert kept(search="down") == [3]  # status 2
    assert kept(search="up") == [1, 2, 4, 5]
    # Portainer's default group 1 is named "Unassigned"; group 5 is unknown to the mock.
    assert kept(search="unassig") == [1, 2, 3]
    assert kept(search="nothing-like-it") == []


def test_name_is_an_exact_match() -> None:
    assert kept(name="production") == [2]
    assert kept(name="Production") == []


def test_filters_combine() -> None:
    assert kept(types=(2,), search="edge") == [4]
    assert kept(types=(2,), statuses=(1,), exclude_ids=(4,)) == [2]


def test_natural_order_compares_digit_runs_as_numbers() -> None:
    names = ["edge-10", "edge-9", "Edge-1", "edge-09", "edge", "a1b", "a01b"]
    assert sorted(names, key=natural_key) == [
        "Edge-1",  # bytes: upper case before lower case
        "a1b",
        "a01b",  # equal numbers: fewer leading zeros first
        "edge",
        "edge-9",
        "edge-09",
        "edge-10",
    ]
    assert natural_key("1x") < natural_key("x")  # digits before other characters


def test_sort_by_name_ascending_and_descending() -> None:
    assert ids(sort_environments(ENVS, "Name", "asc")) == [3, 5, 4, 1, 2]
    assert ids(sort_environments(ENVS, "Name", "desc")) == [2, 1, 4, 5, 3]
    assert ids(sort_environments(ENVS, "Name", "")) == [3, 5, 4, 1, 2]  # only "desc" reverses


def test_sort_by_status_is_stable() -> None:
    assert ids(sort_environments(ENVS, "Status", "asc")) == [1, 2, 4, 5, 3]
    assert ids(sort_environments(ENVS, "Status", "desc")) == [3, 1, 2, 4, 5]


@pytest.mark.parametrize("key", ["", "name", "Id", "Group", "LastCheckIn", "EdgeID"])
def test_other_sort_keys_keep_the_order(key: str) -> None:
    # Unknown keys are ignored; the group names the mock knows (default group as "") and the
    # check-in dates and Edge ids (none) are all equal.
    assert ids(sort_environments(ENVS, key, "desc")) == [1, 2, 3, 4, 5]


def test_paging_is_one_based_and_needs_a_limit() -> None:
    assert ids(page_of(ENVS, 0, 2)) == [1, 2]
    assert ids(page_of(ENVS, 1, 2)) == [1, 2]
    assert ids(page_of(ENVS, 2, 2)) == [2, 3]
    assert ids(page_of(ENVS, 5, 10)) == [5]
    assert ids(page_of(ENVS, 9, 2)) == []
    assert ids(page_of(ENVS, 3, 0)) == [1, 2, 3, 4, 5]  # no limit: start is ignored


def test_select_counts_after_filtering_and_before_paging() -> None:
    query = EnvironmentQuery(types=(2,), sort="Name", order="desc", start=2, limit=2)
    page, total, available = select(ENVS, query)
    assert (ids(page), total, available) == ([4, 3], 3, 5)


def test_query_from_request_values() -> None:
    query = query_from(types=[1, 2], tags_partial_match="true", start=None, search=None)
    assert query == EnvironmentQuery(types=(1, 2), tags_partial_match=True)
    assert query_from(tags_partial_match="1").tags_partial_match is False  # only "true"
