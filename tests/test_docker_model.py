"""The Docker view derived from the stacks, without a server: compose parsing, the engine each
environment's stacks imply, filters, and what the proxy's container actions keep."""

from __future__ import annotations

import pytest

from mockserver.portainer.docker import compose, model, proxy, views
from mockserver.portainer.docker.errors import DockerError
from mockserver.state import (
    STACK_ACTIVE,
    STACK_COMPOSE,
    STACK_INACTIVE,
    STACK_SWARM,
    Environment,
    Stack,
    State,
)

WEB = "services:\n  nginx:\n    image: nginx:1.27\n    ports: ['8080:80']\n  db:\n    image: postgres:16\n    volumes: ['data:/var/lib/postgresql/data']\nvolumes:\n  data: {}\n"


def _state(*stacks: Stack, swarm_id: str = "") -> State:
    state = State(instance_id="test")
    state.environments[1] = Environment(id=1, name="local", swarm_id=swarm_id)
    for s in stacks:
        state.stacks[s.id] = s
    return state


def _stack(stack_id: int = 1, name: str = "web", content: str = WEB, **kw: object) -> Stack:
    values: dict[str, object] = {
        "type": STACK_COMPOSE,
        "endpoint_id": 1,
        "created_by": "admin",
        "creation_date": 1_714_564_800,
    }
    values.update(kw)
    return Stack(id=stack_id, name=name, file_content=content, **values)  # type: ignore[arg-type]


def _engine(state: State) -> model.Engine:
    return model.build(state, state.environments[1], 1_714_600_000)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not: [valid",
        "- a list",
        "services: 3",
        "services:\n  x: 7\n",
        "services:\n  x:\n    deploy: 1\n    ports: [{}, 'a:b', 99]\n",
    ],
)
def test_a_broken_compose_file_never_raises(content: str) -> None:
    project = compose.parse(content)
    assert all(s.replicas >= 0 for s in project.services)
    state = _state(_stack(content=content))
    views.info_view(_engine(state))  # and the views too


def test_compose_services_become_containers_with_compose_labels() -> None:
    engine = _engine(_state(_stack()))
    assert [c.name for c in engine.containers] == ["web-nginx-1", "web-db-1"]
    nginx = engine.containers[0]
    assert nginx.image == "nginx:1.27" and nginx.state == model.RUNNING
    assert nginx.labels["com.docker.compose.project"] == "web"
    assert nginx.labels["com.docker.compose.service"] == "nginx"
    assert nginx.labels["com.docker.compose.project.working_dir"] == "/data/compose/1"
    assert [v.name for v in engine.volumes] == ["web_data"]
    assert "web_default" in [n.name for n in engine.networks]
    assert len(nginx.id) == 64 and nginx.id == _engine(_state(_stack())).containers[0].id


def test_a_stopped_stack_has_exited_containers_and_a_deleted_one_none() -> None:
    assert {c.state for c in _engine(_state(_stack(status=STACK_INACTIVE))).containers} == {
        model.EXITED
    }
    assert _engine(_state()).containers == []


def test_an_update_gives_new_container_ids() -> None:
    before = _engine(_state(_stack())).containers[0].id
    after = _engine(_state(_stack(content=WEB.replace("1.27", "1.28")))).containers[0].id
    assert before != after


def test_swarm_stacks_are_services_tasks_and_containers_on_a_swarm() -> None:
    content = "services:\n  api:\n    image: api\n    deploy:\n      replicas: 3\n"
    stack = _stack(type=STACK_SWARM, swarm_id="swarm1", content=content)
    engine = _engine(_state(stack, swarm_id="swarm1"))
    assert [s.name for s in engine.services] == ["web_api"]
    assert engine.services[0].labels["com.docker.stack.namespace"] == "web"
    assert len(engine.tasks) == 3 and len(engine.containers) == 3
    assert engine.containers[0].image == "api:latest"
    assert views.swarm_view(engine, secrets=False)["ID"] == "swarm1"
    assert "JoinTokens" not in views.swarm_view(engine, secrets=False)
    assert views.info_view(engine)["Swarm"]["Cluster"]["ID"] == "swarm1"
    stopped = _engine(_state(_stack(type=STACK_SWARM, status=STACK_INACTIVE), swarm_id="s"))
    assert stopped.services == [] and stopped.containers == []


def test_no_swarm_info_on_a_standalone_engine() -> None:
    info = views.info_view(_engine(_state(_stack())))
    assert info["Swarm"]["LocalNodeState"] == "inactive" and info["Swarm"]["NodeID"] == ""


def test_stop_and_start_through_the_proxy_are_kept_until_the_stack_changes() -> None:
    stack = _stack()
    state = _state(stack)
    nginx = _engine(state).containers[0]
    assert model.set_container_state(state, nginx, "stop", 10) is True
    assert model.set_container_state(state, _engine(state).containers[0], "stop", 11) is False
    assert _engine(state).containers[0].state == model.EXITED
    assert _engine(state).containers[1].state == model.RUNNING
    stack.status = STACK_INACTIVE  # the stack is stopped: the override no longer applies
    stack.status = STACK_ACTIVE
    assert _engine(state).containers[0].state == model.EXITED  # same status: still stopped
    stack.file_content = WEB.replace("1.27", "1.28")  # an update recreates the container
    assert _engine(state).containers[0].state == model.RUNNING
    restarted = _engine(state).containers[0]
    assert model.set_container_state(state, restarted, "restart", 12) is True
    assert _engine(state).containers[0].restarts == 1


def test_filters() -> None:
    engine = _engine(_state(_stack(), _stack(2, "other", status=STACK_INACTIVE)))
    names = lambda cs: [c.name for c in cs]  # noqa: E731
    assert names(proxy.filter_containers(engine.containers, False, {})) == [
        "web-nginx-1",
        "web-db-1",
    ]
    assert len(proxy.filter_containers(engine.containers, True, {})) == 4
    by_label = {"label": ["com.docker.compose.project=other"]}
    assert names(proxy.filter_containers(engine.containers, True, by_label)) == [
        "other-nginx-1",
        "other-db-1",
    ]
    assert names(proxy.filter_containers(engine.containers, False, {"status": ["exited"]})) == [
        "other-nginx-1",
        "other-db-1",
    ]
    assert names(proxy.filter_containers(engine.containers, True, {"name": ["^/web-db"]})) == [
        "web-db-1"
    ]
    assert proxy.parse_filters('{"label": {"a=b": true}}') == {"label": ["a=b"]}
    for bad in ("{", "[]", '{"label": 3}'):
        with pytest.raises(DockerError) as caught:
            proxy.parse_filters(bad)
        assert caught.value.status_code == 400
    with pytest.raises(DockerError):
        proxy.filter_containers(engine.containers, True, {"status": ["sleepy"]})


def test_snapshot_counts_come_from_the_engine() -> None:
    engine = _engine(_state(_stack(), _stack(2, "other", status=STACK_INACTIVE)))
    snap = views.snapshot_view(engine)
    assert (snap["RunningContainerCount"], snap["StoppedContainerCount"]) == (2, 2)
    assert (snap["StackCount"], snap["VolumeCount"], snap["ImageCount"]) == (2, 2, 2)
    assert snap["Swarm"] is False and snap["ServiceCount"] == 0
