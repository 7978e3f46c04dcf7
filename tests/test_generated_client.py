"""Clients generated from the contract are good clients.

The Python client is generated once per module into a temporary folder, imported, and driven
against the mock on a free local port, through the generated code only. The TypeScript types
are type-checked with tsc when Node is present.
"""

from __future__ import annotations

import base64
import enum
import importlib
import json
import pkgutil
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mockserver.spec import load_spec, operations
from mockserver.testing import MockServer
from tests.clients import (
    PYTHON_PACKAGE,
    GenerationError,
    compile_typescript,
    generate_python,
    generate_typescript,
    npx_available,
)

ALICE = ("alice", "alice-password")  # standard user, granted environment 2 ("production")
ADMIN = ("admin", "mockadmin-pass")
PRODUCTION = 2
PRODUCTION_PROJECT = "1a2"  # Rancher's name for environment 2

COMPOSE_FILE = "services:\n  web:\n    image: nginx:1.27\n"
ACCESS_DENIED = {"message": "Access denied", "details": "Unauthorized"}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def client_pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated `contract_mock_client` package, every module of it imported."""
    project = generate_python(tmp_path_factory.mktemp("generated") / "python")
    sys.path.insert(0, str(project))
    try:
        package = importlib.import_module(PYTHON_PACKAGE)
        assert Path(package.__file__ or "").is_relative_to(project)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{PYTHON_PACKAGE}."):
            importlib.import_module(module.name)
        yield package
    finally:
        sys.path.remove(str(project))
        for name in [n for n in sys.modules if n.split(".")[0] == PYTHON_PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    """The mock on a free port of 127.0.0.1, every answer checked against the contract."""
    with MockServer(seed=42) as server:
        yield server


# ---------------------------------------------------------------- helpers (generated code only)


def login(pkg: ModuleType, mock: MockServer, username: str, password: str) -> Any:
    """A client carrying the JWT of a fresh login (`Authorization: Bearer`)."""
    with pkg.Client(base_url=mock.url) as anonymous:
        response = pkg.api.auth.authenticate_user.sync_detailed(
            client=anonymous,
            body=pkg.models.AuthenticateRequest(username=username, password=password),
        )
    assert response.status_code == 200, response.content
    return pkg.AuthenticatedClient(base_url=mock.url, token=response.parsed.jwt)


def token_client(pkg: ModuleType, mock: MockServer, raw_token: str) -> Any:
    """A client sending a Portainer access token in `X-API-Key`."""
    return pkg.AuthenticatedClient(
        base_url=mock.url, token=raw_token, prefix="", auth_header_name="X-API-Key"
    )


def create_token(pkg: ModuleType, mock: MockServer, username: str, password: str) -> Any:
    """Log in, create an access token for oneself; the `AccessTokenCreated` answer."""
    with login(pkg, mock, username, password) as jwt:
        me = pkg.api.users.get_current_user.sync(client=jwt)
        response = pkg.api.access_tokens.create_access_token.sync_detailed(
            me.id,
            client=jwt,
            body=pkg.models.AccessTokenCreateRequest(
                description="generated client", password=password
            ),
        )
    assert response.status_code == 201, response.content
    return response.parsed


def basic_client(pkg: ModuleType, mock: MockServer, access_key: str, secret_key: str) -> Any:
    """A client sending a Rancher key pair as HTTP Basic credentials."""
    pair = base64.b64encode(f"{access_key}:{secret_key}".encode()).decode()
    return pkg.AuthenticatedClient(base_url=mock.url, token=pair, prefix="Basic")


# ---------------------------------------------------------------- names


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_operations_are_functions_named_after_their_operation_ids(client_pkg: ModuleType) -> None:
    spec = load_spec()
    for operation_id, (_, _, op) in operations(spec).items():
        tag_module = getattr(client_pkg.api, op["tags"][0].replace("-", "_"))
        function_module = getattr(tag_module, _snake(operation_id))
        assert callable(function_module.sync_detailed), operation_id
    assert client_pkg.api.stacks.list_stacks.__name__.endswith(".api.stacks.list_stacks")


def test_models_are_named_after_their_components(client_pkg: ModuleType) -> None:
    schemas = load_spec()["components"]["schemas"]
    named = {
        name
        for name, schema in schemas.items()
        if "properties" in schema or "additionalProperties" in schema or "enum" in schema
    }
    models = set(client_pkg.models.__all__)
    assert named <= models, named - models
    # Nothing is named by position: no `ResourceControlType0`, no `get_api_stacks_get_1`.
    clumsy = [m for m in models if re.search(r"Type\d+|\d$", m)]
    assert clumsy == []
    api_modules = [m.name for m in pkgutil.walk_packages(client_pkg.api.__path__)]
    assert [m for m in api_modules if re.search(r"_\d+$|^(get|post|put|delete)_api_", m)] == []


def test_enum_members_have_names(client_pkg: ModuleType) -> None:
    enums = [
        value
        for value in vars(client_pkg.models).values()
        if isinstance(value, type) and issubclass(value, enum.Enum)
    ]
    assert enums
    numbered = [f"{e.__name__}.{m.name}" for e in enums for m in e if re.match(r"VALUE_", m.name)]
    assert numbered == []
    models = client_pkg.models
    assert (models.StackType.COMPOSE, models.UserRole.ADMINISTRATOR) == (2, 1)
    assert models.AuthenticationMethod.INTERNAL == 1


# ---------------------------------------------------------------- Portainer


def test_login_token_and_stacks(client_pkg: ModuleType, mock: MockServer) -> None:
    models = client_pkg.models
    created = create_token(client_pkg, mock, *ALICE)
    assert created.raw_api_key.startswith("ptr_")
    assert created.api_key.prefix == created.raw_api_key[:7]
    assert created.api_key.description == "generated client"
    assert created.api_key.user_id == mock.users["alice"].id

    with token_client(client_pkg, mock, created.raw_api_key) as alice:
        listed = client_pkg.api.stacks.list_stacks.sync_detailed(client=alice)
        assert listed.status_code == 200
        before = listed.parsed
        assert before and all(isinstance(s, models.Stack) for s in before)
        assert {s.endpoint_id for s in before} == {PRODUCTION}

        response = client_pkg.api.stacks.create_standalone_stack_from_string.sync_detailed(
            client=alice,
            endpoint_id=PRODUCTION,
            body=models.StandaloneStackCreateRequest(
                name="Generated-Client",
                stack_file_content=COMPOSE_FILE,
                env=[models.Pair(name="TZ", value="UTC")],
            ),
        )
        assert response.status_code == 200, response.content
        stack = response.parsed
        assert isinstance(stack, models.Stack)
        assert (stack.name, stack.endpoint_id, stack.created_by) == (
            "generated-client",
            PRODUCTION,
            "alice",
        )
        assert (stack.type_, stack.status) == (models.StackType.COMPOSE, models.StackStatus.ACTIVE)
        assert [(p.name, p.value) for p in stack.env] == [("TZ", "UTC")]
        assert stack.git_config is None and stack.auto_update is None

        after = client_pkg.api.stacks.list_stacks.sync(
            client=alice, filters=json.dumps({"EndpointID": PRODUCTION})
        )
    assert sorted(s.id for s in after) == sorted([*(s.id for s in before), stack.id])


def test_settings_are_for_administrators_only(client_pkg: ModuleType, mock: MockServer) -> None:
    models = client_pkg.models
    with login(client_pkg, mock, *ADMIN) as admin:
        response = client_pkg.api.settings.get_settings.sync_detailed(client=admin)
    assert response.status_code == 200
    settings = response.parsed
    assert isinstance(settings, models.Settings)
    assert settings.authentication_method is models.AuthenticationMethod.INTERNAL
    assert settings.internal_auth_settings.required_password_length == 12

    alice_token = create_token(client_pkg, mock, *ALICE).raw_api_key
    with token_client(client_pkg, mock, alice_token) as alice:
        refused = client_pkg.api.settings.get_settings.sync_detailed(client=alice)
    assert refused.status_code == 403
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.to_dict() == ACCESS_DENIED
    assert json.loads(refused.content) == ACCESS_DENIED


# ---------------------------------------------------------------- Rancher


def test_environment_key_lifecycle(client_pkg: ModuleType, mock: MockServer) -> None:
    keys = client_pkg.api.rancher_api_keys
    models = client_pkg.models
    State = models.RancherApiKeyState
    admin_pair = mock.rancher_admin

    with basic_client(client_pkg, mock, admin_pair.access_key, admin_pair.secret_key) as admin:

        def act(key_id: str, action: str) -> Any:
            answer = keys.perform_api_key_action.sync_detailed(
                PRODUCTION_PROJECT, key_id, client=admin, action=action
            )
            assert answer.status_code == 202, answer.content
            return answer.parsed

        def state(key_id: str) -> Any:
            return keys.get_api_key.sync(PRODUCTION_PROJECT, key_id, client=admin).state

        created = keys.create_api_key.sync_detailed(
            PRODUCTION_PROJECT,
            client=admin,
            body=models.RancherApiKeyInput(name="generated", description="made by the client"),
        )
        assert created.status_code == 201, created.content
        key = created.parsed
        assert isinstance(key, models.RancherApiKey)
        assert (key.account_id, key.name, key.state) == (
            PRODUCTION_PROJECT,
            "generated",
            State.REGISTERING,
        )
        assert re.fullmatch(r"[0-9A-F]{20}", key.public_value)
        assert isinstance(key.secret_value, str) and len(key.secret_value) == 40

        def use_key() -> Any:
            """The new key over HTTP Basic: read its own environment."""
            with basic_client(client_pkg, mock, key.public_value, key.secret_value) as own:
                return client_pkg.api.rancher_projects.get_project.sync_detailed(
                    PRODUCTION_PROJECT, client=own
                )

        used = use_key()
        assert used.status_code == 200, used.content
        assert (used.parsed.id, used.parsed.name) == (PRODUCTION_PROJECT, "production")
        assert state(key.id) is State.ACTIVE

        assert act(key.id, "deactivate").state is State.DEACTIVATING
        refused = use_key()
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.RancherError)
        assert (refused.parsed.status, refused.parsed.code) == (401, "Unauthorized")
        assert state(key.id) is State.INACTIVE

        assert act(key.id, "activate").state is State.ACTIVATING
        assert use_key().status_code == 200
        assert state(key.id) is State.ACTIVE

        active_delete = keys.delete_api_key.sync_detailed(PRODUCTION_PROJECT, key.id, client=admin)
        assert active_delete.status_code == 405
        assert isinstance(active_delete.parsed, models.RancherError)

        act(key.id, "deactivate")
        deleted = keys.delete_api_key.sync_detailed(PRODUCTION_PROJECT, key.id, client=admin)
        assert deleted.status_code == 200, deleted.content
        assert deleted.parsed.state is State.REMOVING
        assert state(key.id) is State.REMOVED
        listed = keys.list_api_keys.sync(PRODUCTION_PROJECT, client=admin)
        assert key.id not in {k.id for k in listed.data}
        assert use_key().status_code == 401


# ---------------------------------------------------------------- TypeScript and the guard

USAGE_TS = """\
import type { components, operations, paths } from "./contract-mock";

type Stack = components["schemas"]["Stack"];
type ListStacks = paths["/api/stacks"]["get"];
type Settings403 = operations["getSettings"]["responses"][403]["content"]["application/json"];

export const noControl: Stack["ResourceControl"] = null;
export const stacks: ListStacks["responses"][200]["content"]["application/json"] = [];
export const denied: Settings403 = { message: "Access denied", details: "Unauthorized" };
export const role: components["schemas"]["UserRole"] = 2;
export const key: components["schemas"]["RancherApiKeyState"] = "inactive";
"""


def test_typescript_types_compile(tmp_path: Path) -> None:
    """tsc --strict accepts code using the types, and refuses a value the contract does not allow.

    One test, so that parallel workers never race to fill npx's cache.
    """
    if not npx_available():
        pytest.skip("Node.js (node and npx) not found: cannot run openapi-typescript and tsc")
    types_file = generate_typescript(tmp_path)
    usage = tmp_path / "usage.ts"
    usage.write_text(USAGE_TS)
    compile_typescript([types_file, usage])

    usage.write_text(USAGE_TS.replace('= "inactive"', '= "sleeping"'))
    with pytest.raises(GenerationError, match="sleeping"):
        compile_typescript([types_file, usage])


def test_a_generator_warning_fails_generation(tmp_path: Path) -> None:
    """An answer openapi-python-client cannot parse is a warning, and the warning is fatal."""
    spec = load_spec()
    answer = spec["paths"]["/api/settings"]["get"]["responses"]["200"]
    answer["content"] = {"application/xml": answer["content"]["application/json"]}
    contract = tmp_path / "openapi.json"
    contract.write_text(json.dumps(spec))
    with pytest.raises(GenerationError) as caught:
        generate_python(tmp_path / "python", contract=contract)
    assert "Unsupported content_type application/xml" in str(caught.value)
