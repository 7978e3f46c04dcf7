"""Stack deployments, Git repositories and webhooks as plain Python: no server, no HTTP."""

from __future__ import annotations

import pytest

from mockserver import secrets
from mockserver.auth import Authenticator, Identity
from mockserver.errors import PortainerError
from mockserver.portainer.backend import PortainerBackend
from mockserver.portainer.stacks import compose, git, parse_webhook_id
from mockserver.seed import build, load_scenario
from mockserver.state import State, Store

ADMIN = Identity(1, "admin", 1, "apikey")
ALICE = Identity(2, "alice", 2, "apikey")  # granted environment 2 ("production")
WEB = "services:\n  web:\n    image: nginx:1.27\n"
REPO = "https://git.example.com/acme/web-stack"  # seeded in fixtures/default.yaml
HOOK = "6c5ac54b-5e1b-4c49-8ae7-4e3f3a0a3b11"


@pytest.fixture
def store() -> Store:
    return Store(build(42, load_scenario(None)).state)


@pytest.fixture
def backend(store: Store) -> PortainerBackend:
    return PortainerBackend(store, Authenticator(store), None)


def error_of(call, *args, **kwargs) -> PortainerError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortainerError) as caught:
        call(*args, **kwargs)
    return caught.value


def deploy_error(files: list[str], **kwargs: object) -> str:
    options = {"swarm": False, "swarm_environment": False, "security": None, **kwargs}
    with pytest.raises(compose.DeployError) as caught:
        compose.check_deploy(files, **options)  # type: ignore[arg-type]
    return str(caught.value)


# -- compose files, as docker compose would take them
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "this: is: not: [valid",
            "failed to deploy a stack: yaml: line 1: mapping values are not allowed in this context",
        ),
        ("- a\n- b\n", "failed to deploy a stack: Top-level object must be a mapping"),
        ("version: '3'\n", "failed to deploy a stack: no service selected"),
        ("services: [web]\n", "failed to deploy a stack: services must be a mapping"),
        ("services:\n  web: nginx\n", "failed to deploy a stack: services.web must be a mapping"),
        (
            "services:\n  web:\n    ports: ['80:80']\n",
            'failed to deploy a stack: service "web" has neither an image nor a build context'
            " specified: invalid compose project",
        ),
    ],
)
def test_compose_files_docker_compose_refuses(content: str, message: str) -> None:
    assert deploy_error([content]) == message


def test_good_compose_files_deploy() -> None:
    compose.check_deploy([WEB], swarm=False, swarm_environment=False, security=None)
    build_only = "services:\n  app:\n    build: .\n"
    compose.check_deploy([build_only], swarm=False, swarm_environment=False, security=None)
    override = "services:\n  web:\n    environment:\n      A: '1'\n"  # merged over WEB
    compose.check_deploy([WEB, override], swarm=False, swarm_environment=False, security=None)


def test_swarm_needs_a_swarm_environment() -> None:
    assert deploy_error([WEB], swarm=True).startswith("this node is not a swarm manager.")
    compose.check_deploy([WEB], swarm=True, swarm_environment=True, security=None)
    # Swarm's errors come from the docker CLI as they are, without the compose prefix.
    assert deploy_error(["- a\n"], swarm=True, swarm_environment=True) == (
        "Top-level object must be a mapping"
    )


@pytest.mark.parametrize(
    ("setting", "service", "message"),
    [
        ("allowBindMountsForRegularUsers", "volumes: ['/etc:/etc']", "bind-mount disabled"),
        (
            "allowBindMountsForRegularUsers",
            "volumes: [{type: bind, source: ./d, target: /d}]",
            "bind-mount disabled",
        ),
        ("allowPrivilegedModeForRegularUsers", "privileged: true", "privileged mode disabled"),
        ("allowHostNamespaceForRegularUsers", "pid: host", "pid host disabled"),
        ("allowDeviceMappingForRegularUsers", "devices: ['/dev/x:/dev/x']", "device mapping"),
        ("allowSysctlSettingForRegularUsers", "sysctls: {a: 1}", "sysctl setting disabled"),
        ("allowContainerCapabilitiesForRegularUsers", "cap_add: [NET_ADMIN]", "capabilities"),
    ],
)
def test_security_settings_bind_standard_users(setting: str, service: str, message: str) -> None:
    content = f"services:\n  web:\n    image: nginx\n    {service}\n"
    security = {setting: False}
    found = deploy_error([content], security=security)
    assert found.startswith("stack config file is invalid: ") and message in found
    # Allowed, or an administrator (security None): deployed.
    compose.check_deploy([content], swarm=False, swarm_environment=False, security={})
    compose.check_deploy([content], swarm=False, swarm_environment=False, security=None)


def test_named_volumes_are_not_bind_mounts() -> None:
    content = "services:\n  db:\n    image: postgres\n    volumes: ['data:/var/lib/x']\n"
    security = {"allowBindMountsForRegularUsers": False}
    compose.check_deploy([content], swarm=False, swarm_environment=False, security=security)


def test_swarm_checks_security_only_when_bind_mounts_are_off() -> None:
    privileged = "services:\n  web:\n    image: nginx\n    privileged: true\n"
    only_privileged_off = {"allowPrivilegedModeForRegularUsers": False}
    compose.check_deploy(
        [privileged], swarm=True, swarm_environment=True, security=only_privileged_off
    )
    both_off = {**only_privileged_off, "allowBindMountsForRegularUsers": False}
    assert "privileged mode" in deploy_error(
        [privileged], swarm=True, swarm_environment=True, security=both_off
    )


# -- Git without a network
def test_commit_hashes_are_deterministic_and_change_per_commit() -> None:
    first = git.Repositories(State())
    second = git.Repositories(State())
    a = first.push("https://x.example/r/", {"docker-compose.yml": WEB})
    assert a.hash == second.push("https://x.example/r", {"docker-compose.yml": WEB}).hash
    assert len(a.hash) == 40 and int(a.hash, 16) >= 0
    b = first.push("https://x.example/r", {"docker-compose.yml": WEB})
    assert b.hash != a.hash  # the same files, a new commit
    assert first.latest("https://x.example/r", "").hash == b.hash
    assert first.latest("https://x.example/r", "refs/heads/main").hash == b.hash


def test_unknown_repositories_refs_and_wrong_passwords_fail(store: Store) -> None:
    repos = git.Repositories(store.state)
    with pytest.raises(git.GitError, match="repository not found"):
        repos.latest("https://git.example.com/nobody/nothing", "")
    with pytest.raises(git.GitError, match="reference not found"):
        repos.latest(REPO, "refs/heads/nope")
    private = "https://git.example.com/acme/private-stack"
    with pytest.raises(git.GitError, match="Invalid git credential"):
        repos.latest(private, "")
    assert repos.latest(private, "", secrets.secret_digest("deploy-token-123")).files


def test_webhook_ids_are_uuids() -> None:
    assert parse_webhook_id(HOOK.upper()) == HOOK
    for bad in ("abc", "6c5ac54b-5e1b-4c49-8ae7-4e3f3a0a3bzz"):
        with pytest.raises(PortainerError) as caught:
            parse_webhook_id(bad)
        assert (caught.value.status_code, caught.value.message) == (
            400,
            "Invalid webhook identifier route variable",
        )


# -- the rules
def test_a_failed_deployment_stores_nothing(backend: PortainerBackend, store: Store) -> None:
    before = (dict(store.state.stacks), dict(store.state.resource_controls))
    body = {"Name": "bad", "StackFileContent": "this: is: not: [valid"}
    failed = error_of(backend.stacks.create_stack, ADMIN, 1, body, swarm=False)
    assert failed.status_code == 500 and failed.message.startswith("failed to deploy a stack: ")
    assert (store.state.stacks, store.state.resource_controls) == before
    swarm = error_of(
        backend.stacks.create_stack,
        ADMIN,
        1,
        {"Name": "sw", "StackFileContent": WEB, "SwarmID": "x"},
        swarm=True,
    )
    assert swarm.status_code == 500 and "not a swarm manager" in swarm.message
    assert store.state.stacks == before[0]


def test_a_failed_update_changes_nothing(backend: PortainerBackend) -> None:
    created = backend.stacks.create_stack(
        ALICE,
        2,
        {"Name": "api", "StackFileContent": WEB, "Env": [{"name": "A", "value": "1"}]},
        False,
    )
    failed = error_of(
        backend.stacks.update_stack, ALICE, created["Id"], 2, {"StackFileContent": "- x\n"}
    )
    assert failed.status_code == 500
    assert backend.stacks.get_stack(ALICE, created["Id"])["Env"] == [{"name": "A", "value": "1"}]
    assert backend.stacks.get_stack_file(ALICE, created["Id"])["StackFileContent"] == WEB


def test_update_replaces_env_and_keeps_prune_out_of_option(
    backend: PortainerBackend, store: Store
) -> None:
    created = backend.stacks.create_stack(
        ALICE,
        2,
        {"Name": "api", "StackFileContent": WEB, "Env": [{"name": "A", "value": "1"}]},
        False,
    )
    updated = backend.stacks.update_stack(ALICE, created["Id"], 2, {"StackFileContent": WEB})
    assert updated["Env"] is None  # left out: cleared, as Portainer's `stack.Env = payload.Env`
    swarm = next(s for s in store.state.stacks.values() if s.type == 1)
    backend.stacks.update_stack(
        ADMIN, swarm.id, swarm.endpoint_id, {"StackFileContent": WEB, "Prune": True}
    )
    assert swarm.option is None


def test_standard_users_are_held_to_the_security_settings(
    backend: PortainerBackend, store: Store
) -> None:
    store.state.environments[2].security["allowPrivilegedModeForRegularUsers"] = False
    body = {"Name": "p", "StackFileContent": WEB + "    privileged: true\n"}
    refused = error_of(backend.stacks.create_stack, ALICE, 2, body, swarm=False)
    assert (refused.status_code, refused.message) == (
        500,
        "stack config file is invalid: privileged mode disabled for non administrator users",
    )
    assert backend.stacks.create_stack(ADMIN, 2, body, swarm=False)["Name"] == "p"


def test_delete_without_endpoint_id_is_an_orphan_removal(backend: PortainerBackend) -> None:
    created = backend.stacks.create_stack(ALICE, 2, {"Name": "api", "StackFileContent": WEB}, False)
    user = error_of(backend.stacks.delete_stack, ALICE, created["Id"], None)
    assert (user.status_code, user.message) == (403, "Permission denied to remove orphaned stack")
    admin = error_of(backend.stacks.delete_stack, ADMIN, created["Id"], None)
    assert (admin.status_code, admin.message) == (
        404,
        "Unable to find the endpoint associated to the stack inside the database",
    )


def test_start_of_a_running_stack_is_a_name_clash(backend: PortainerBackend) -> None:
    created = backend.stacks.create_stack(ADMIN, 2, {"Name": "api", "StackFileContent": WEB}, False)
    clash = error_of(backend.stacks.start_stack, ALICE, created["Id"], 2)  # before resource control
    assert (clash.status_code, clash.message) == (
        409,
        "A stack with the name 'api' is already running",
    )
    backend.stacks.stop_stack(ADMIN, created["Id"], 2)
    assert error_of(backend.stacks.start_stack, ALICE, created["Id"], 2).message == (
        "Access denied to resource"
    )
    wording = error_of(backend.stacks.start_stack, ADMIN, created["Id"], 99)
    assert (
        wording.message
        == "Unable to find an endpoint with the specified identifier inside the database"
    )


def repository_stack(backend: PortainerBackend, **more: object) -> dict:  # type: ignore[type-arg]
    body = {"Name": "web", "RepositoryURL": REPO, "AutoUpdate": {"Webhook": HOOK}, **more}
    return backend.stacks.create_stack_from_repository(ADMIN, 1, body, False)


def test_repository_stacks_follow_pushed_commits(backend: PortainerBackend, store: Store) -> None:
    stack = repository_stack(backend)
    repos = backend.stacks.repositories
    assert stack["GitConfig"]["ConfigHash"] == repos.latest(REPO, "").hash
    assert stack["GitConfig"]["ConfigFilePath"] == "docker-compose.yml"
    pushed = repos.push(REPO, {"docker-compose.yml": WEB})
    redeployed = backend.stacks.redeploy_from_git(ADMIN, stack["Id"], 1, {})
    assert redeployed["GitConfig"]["ConfigHash"] == pushed.hash
    assert backend.stacks.get_stack_file(ADMIN, stack["Id"])["StackFileContent"] == WEB


def test_webhooks_redeploy_and_are_unique(backend: PortainerBackend) -> None:
    stack = repository_stack(backend)
    reused = error_of(repository_stack, backend, Name="other")
    assert (reused.status_code, reused.message) == (409, f"Webhook ID: {HOOK} already exists")
    pushed = backend.stacks.repositories.push(REPO, {"docker-compose.yml": WEB})
    backend.stacks.invoke_webhook(HOOK)
    assert backend.stacks.get_stack(ADMIN, stack["Id"])["GitConfig"]["ConfigHash"] == pushed.hash
    unknown = error_of(backend.stacks.invoke_webhook, HOOK.replace("6", "7"))
    assert unknown.status_code == 404


def test_a_broken_push_leaves_a_webhook_stack_as_it_was(backend: PortainerBackend) -> None:
    stack = repository_stack(backend)
    backend.stacks.repositories.push(REPO, {"docker-compose.yml": "- broken\n"})
    backend.stacks.invoke_webhook(HOOK)  # Portainer answers 204 and logs the failure
    assert backend.stacks.get_stack(ADMIN, stack["Id"])["GitConfig"] == stack["GitConfig"]


def test_repository_failures_answer_as_portainer(backend: PortainerBackend, store: Store) -> None:
    before = dict(store.state.stacks)
    missing = error_of(repository_stack, backend, RepositoryURL="https://git.example.com/x/y")
    assert (missing.status_code, missing.message) == (
        500,
        "unable to clone git repository: failed to clone git repository: repository not found",
    )
    no_file = error_of(repository_stack, backend, ComposeFile="stack.yml")
    assert no_file.message == "failed to deploy a stack: open stack.yml: no such file or directory"
    bad_url = error_of(repository_stack, backend, RepositoryURL="not a url")
    assert bad_url.details == "Invalid repository URL. Must correspond to a valid URL format"
    no_password = error_of(repository_stack, backend, RepositoryAuthentication=True)
    assert no_password.status_code == 400
    assert store.state.stacks == before
