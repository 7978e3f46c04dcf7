"""Keep Schemathesis's generated requests inside what the suite owns.

Fuzzing as an administrator against a server that holds real data must not delete real users,
revoke real tokens, redeploy real stacks or rewrite real settings. Before each generated request
the sandbox points the object ids of destructive operations at objects the suite created (fresh
scratch objects when needed), undoes settings and environment changes right after the call,
keeps secrets out of updates, paces logins and token creations, and records what the requests
created so that it is removed at the end. Read-only operations keep their generated ids,
except where Portainer answers an unknown id with a 500 (see `_prepare_listUsers`).
"""

from __future__ import annotations

import itertools
from collections.abc import MutableMapping
from typing import Any

from schemathesis import GenerationMode

from conformance import contract
from conformance.client import Pacer
from conformance.identities import COMPOSE_FILE, KeyPair, PortainerWorld, RancherWorld, unique

REMOVED_STATES = ("removing", "removed", "purging", "purged")


# Every operation that may create a stack: what they create is removed at the end.
STACK_CREATIONS = frozenset(
    {
        "createStandaloneStackFromString",
        "createSwarmStackFromString",
        "createStandaloneStackFromFile",
        "createSwarmStackFromFile",
        "createStandaloneStackFromRepository",
        "createSwarmStackFromRepository",
        "createStackDeprecated",
    }
)


def settings_fields() -> tuple[str, ...]:
    """What a settings update may carry: the contract's request component."""
    return contract.request_fields("SettingsUpdateRequest")


def environment_fields() -> tuple[str, ...]:
    """What an environment update may carry: the contract's request component."""
    return contract.request_fields("EnvironmentUpdateRequest")


def is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return mode is None or mode == GenerationMode.POSITIVE


def as_int(value: Any) -> int | None:
    """The integer a path or query value stands for, if it is one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def op_id(case: Any) -> str:
    return str(case.operation.definition.raw.get("operationId", ""))


def _params(case: Any) -> MutableMapping[str, Any]:
    if case.path_parameters is None:
        case.path_parameters = {}
    return case.path_parameters


def _query(case: Any) -> MutableMapping[str, Any]:
    if case.query is None:
        case.query = {}
    return case.query


class PortainerSandbox:
    """Guards Schemathesis's Portainer requests (see the module docstring)."""

    def __init__(self, world: PortainerWorld, pacer: Pacer) -> None:
        self.world = world
        self.pacer = pacer
        self.owned_users: set[int] = set()
        self.owned_stacks: dict[int, int] = {}  # stack id -> environment id
        self._scratch_stack: int | None = None
        self.stateful = False  # set while the state machine runs
        self._settings_before: dict[str, Any] | None = None
        self._environment_before: tuple[int, dict[str, Any]] | None = None
        self._security_before: dict[str, Any] | None = None
        self._scratch_user: int | None = None
        self._scratch_team: int | None = None
        self._scratch_membership: int | None = None
        self.owned_teams: set[int] = set()
        self.owned_memberships: set[int] = set()
        self.owned_environments: set[int] = set()
        self.fuzzer_tokens: set[int] = set()  # access tokens Schemathesis created (the fuzzer's)
        self._turn = itertools.count()

    def checks(self) -> list[Any]:
        """Checks of the contract's own promises that Schemathesis does not know."""
        return []

    # -- credentials for the auth provider
    def credential(self, case: Any) -> tuple[str, str] | None:
        """(header, value) for this operation: the fuzzer's JWT where only a JWT is accepted,
        else the suite's administrator's access token; None for public operations."""
        from conformance.contract import is_public, schemes

        op = case.operation.definition.raw
        spec = case.operation.schema.raw_schema
        if is_public(op, spec):
            return None
        if schemes(op, spec) == ["jwt"]:
            assert self.world.fuzzer is not None
            return ("Authorization", f"Bearer {self.world.fuzzer.jwt}")
        admin = self.world.admin2 or self.world.admin  # the given one only under --read-only
        return ("X-API-Key", admin.token or "")

    # -- before the call
    def prepare(self, case: Any) -> None:
        handler = getattr(self, f"_prepare_{op_id(case)}", None)
        if handler is not None:
            handler(case)

    def _prepare_authenticateUser(self, case: Any) -> None:
        self.pacer.wait()
        fuzzer = self.world.fuzzer
        if fuzzer and is_positive(case) and isinstance(case.body, dict) and next(self._turn) % 2:
            case.body = {**case.body, "username": fuzzer.username, "password": fuzzer.password}

    def _prepare_createAccessToken(self, case: Any) -> None:
        self.pacer.wait()
        fuzzer = self.world.fuzzer
        assert fuzzer is not None
        params = _params(case)
        if as_int(params.get("id")) is not None:
            params["id"] = fuzzer.id
        if is_positive(case) and isinstance(case.body, dict) and "password" in case.body:
            case.body = {**case.body, "password": fuzzer.password}

    def _prepare_deleteAccessToken(self, case: Any) -> None:
        # Only the fuzzer's tokens may go: any token id of another user is then refused (403).
        assert self.world.fuzzer is not None
        params = _params(case)
        if as_int(params.get("id")) is not None:
            params["id"] = self.world.fuzzer.id
        # Portainer answers an unknown token id with 500 `API Key not found`
        # (user_remove_access_token.go L59-63; the mock's 404 is a documented difference): a
        # generated id that is not one of the fuzzer's tokens names a token of another user,
        # which both refuse with 403 `Permission denied to remove api-key`.
        other = self.world.admin2
        key_id = as_int(params.get("keyID"))
        if key_id is not None and key_id not in self.fuzzer_tokens and other and other.token_id:
            params["keyID"] = other.token_id

    def _prepare_listUsers(self, case: Any) -> None:
        # Portainer answers an unknown environmentId with 500 `Unable to retrieve endpoint from
        # the database` (user_list.go L58-62): the filter names an environment that exists.
        query = _query(case)
        if as_int(query.get("environmentId")) is not None:
            query["environmentId"] = self.world.env_a

    def _prepare_deleteUser(self, case: Any) -> None:
        params = _params(case)
        user_id = as_int(params.get("id"))
        if user_id is not None and user_id not in self.owned_users:
            scratch = self.world.new_user("scratch")
            self.owned_users.add(scratch.id)
            params["id"] = scratch.id

    def _prepare_updateEnvironment(self, case: Any) -> None:
        params = _params(case)
        if as_int(params.get("id")) is not None:
            params["id"] = self.world.env_a
        if isinstance(case.body, dict):
            case.body = {k: v for k, v in case.body.items() if k in environment_fields()}
        if self._environment_before is None:  # nothing else changes it while Schemathesis runs
            env_id = self.world.env_a
            reply = self.world.api.get(f"/api/endpoints/{env_id}", auth=self.world.admin.auth)
            if reply.status == 200:
                self._environment_before = (env_id, reply.json())

    def _prepare_updateSettings(self, case: Any) -> None:
        if isinstance(case.body, dict):
            body = {k: v for k, v in case.body.items() if k in settings_fields()}
            for section, secret in (
                ("LDAPSettings", "Password"),
                ("OAuthSettings", "ClientSecret"),
            ):
                if isinstance(body.get(section), dict):
                    body[section] = {k: v for k, v in body[section].items() if k != secret}
            case.body = body
        if self._settings_before is None:  # nothing else changes them while Schemathesis runs
            reply = self.world.api.get("/api/settings", auth=self.world.admin.auth)
            if reply.status == 200:
                self._settings_before = reply.json()

    # -- the access model: users, teams, resource controls, environments
    def _user_item(self, case: Any) -> None:
        params = _params(case)
        if as_int(params.get("id")) is not None and params["id"] not in self.owned_users:
            if self._scratch_user is None:
                self._scratch_user = self.world.new_user("scratch").id
                self.owned_users.add(self._scratch_user)
            params["id"] = self._scratch_user

    def _prepare_updateUser(self, case: Any) -> None:
        self._user_item(case)

    def _prepare_updateUserPassword(self, case: Any) -> None:
        self.pacer.wait()
        self._user_item(case)

    def _new_team(self) -> int:
        reply = self.world.api.post(
            "/api/teams", auth=self.world.admin.auth, json_body={"Name": unique("fzteam")}
        )
        team_id = int(reply.json()["Id"])
        self._own_team(team_id)
        return team_id

    def _own_team(self, team_id: int) -> None:
        self.owned_teams.add(team_id)
        self.world.cleanup.add(
            f"delete team {team_id}",
            lambda: self.world.api.delete(f"/api/teams/{team_id}", auth=self.world.admin.auth),
        )

    def _team_item(self, case: Any, *, fresh: bool) -> None:
        params = _params(case)
        if as_int(params.get("id")) is not None and params["id"] not in self.owned_teams:
            if fresh:
                params["id"] = self._new_team()
            else:
                if self._scratch_team is None or self._scratch_team not in self.owned_teams:
                    self._scratch_team = self._new_team()
                params["id"] = self._scratch_team

    def _prepare_updateTeam(self, case: Any) -> None:
        self._team_item(case, fresh=False)

    def _prepare_deleteTeam(self, case: Any) -> None:
        self._team_item(case, fresh=True)

    def _membership_body(self, case: Any) -> None:
        if is_positive(case) and isinstance(case.body, dict):
            team = self._scratch_team if self._scratch_team in self.owned_teams else None
            team = team or self._new_team()
            self._scratch_team = team
            case.body = {**case.body, "TeamID": team}

    def _prepare_createTeamMembership(self, case: Any) -> None:
        self._membership_body(case)

    def _new_membership(self) -> int:
        user = self.world.new_user("member")
        self.owned_users.add(user.id)
        reply = self.world.api.post(
            "/api/team_memberships",
            auth=self.world.admin.auth,
            json_body={"UserID": user.id, "TeamID": self._new_team(), "Role": 2},
        )
        membership = int(reply.json()["Id"])
        self.owned_memberships.add(membership)
        return membership

    def _membership_item(self, case: Any, *, fresh: bool) -> None:
        params = _params(case)
        if as_int(params.get("id")) is not None and params["id"] not in self.owned_memberships:
            if fresh:
                params["id"] = self._new_membership()
            else:
                if self._scratch_membership not in self.owned_memberships:
                    self._scratch_membership = self._new_membership()
                params["id"] = self._scratch_membership

    def _prepare_updateTeamMembership(self, case: Any) -> None:
        self._membership_item(case, fresh=False)
        self._membership_body(case)

    def _prepare_deleteTeamMembership(self, case: Any) -> None:
        self._membership_item(case, fresh=True)

    def _control_item(self, case: Any, *, fresh: bool) -> None:
        params = _params(case)
        if as_int(params.get("id")) is None:
            return
        stack_id = self._new_stack() if fresh else self._shared_stack()
        reply = self.world.api.get(f"/api/stacks/{stack_id}", auth=self.world.admin.auth)
        control = (_json_reply(reply).get("ResourceControl") or {}).get("Id")
        if control is not None:
            params["id"] = control

    def _prepare_updateResourceControl(self, case: Any) -> None:
        self._control_item(case, fresh=False)

    def _prepare_deleteResourceControl(self, case: Any) -> None:
        self._control_item(case, fresh=True)

    def _prepare_createResourceControl(self, case: Any) -> None:
        if is_positive(case) and isinstance(case.body, dict):
            case.body = {**case.body, "ResourceID": unique("fz-resource")}

    def _prepare_updateEnvironmentSettings(self, case: Any) -> None:
        params = _params(case)
        if as_int(params.get("id")) is not None:
            params["id"] = self.world.env_a
        if self._security_before is None:
            reply = self.world.api.get(
                f"/api/endpoints/{self.world.env_a}", auth=self.world.admin.auth
            )
            if reply.status == 200:
                self._security_before = dict(reply.json().get("SecuritySettings") or {})

    def _prepare_deleteEnvironment(self, case: Any) -> None:
        params = _params(case)
        env_id = as_int(params.get("id"))
        if env_id is not None and env_id not in self.owned_environments:
            reply = self.world.api.post(
                "/api/endpoints",
                auth=self.world.admin.auth,
                content=multipart_form({"Name": unique("fzenv"), "EndpointCreationType": "1"}),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            created = _json_reply(reply).get("Id")
            if created is not None:
                self._own_environment(int(created))
                params["id"] = created

    def _own_environment(self, env_id: int) -> None:
        self.owned_environments.add(env_id)
        self.world.cleanup.add(
            f"delete environment {env_id}",
            lambda: self.world.api.delete(f"/api/endpoints/{env_id}", auth=self.world.admin.auth),
        )

    def _prepare_createStandaloneStackFromString(self, case: Any) -> None:
        self._stack_creation(case)

    def _prepare_createSwarmStackFromString(self, case: Any) -> None:
        self._stack_creation(case)
        if self.world.swarm_id and is_positive(case) and isinstance(case.body, dict):
            case.body = {**case.body, "SwarmID": self.world.swarm_id}

    def _stack_creation(self, case: Any) -> None:
        if not is_positive(case):
            return
        query = _query(case)
        # Half the cases name an environment that exists; sequences always do, to go on.
        if as_int(query.get("endpointId")) is not None and (self.stateful or next(self._turn) % 2):
            query["endpointId"] = self.world.env_a
        if isinstance(case.body, dict) and "StackFileContent" in case.body:
            case.body = {**case.body, "StackFileContent": COMPOSE_FILE}

    def _prepare_createStandaloneStackFromFile(self, case: Any) -> None:
        self._stack_creation(case)
        if is_positive(case) and isinstance(case.body, dict) and "file" in case.body:
            case.body = {**case.body, "file": COMPOSE_FILE}

    def _prepare_createSwarmStackFromFile(self, case: Any) -> None:
        self._prepare_createStandaloneStackFromFile(case)

    def _prepare_createStandaloneStackFromRepository(self, case: Any) -> None:
        self._stack_creation(case)

    def _prepare_createSwarmStackFromRepository(self, case: Any) -> None:
        self._stack_creation(case)

    def _prepare_createStackDeprecated(self, case: Any) -> None:
        self._stack_creation(case)

    def _prepare_updateStackGitSettings(self, case: Any) -> None:
        # Never another owner's stack: a stack of the suite's own (not from Git: refused).
        self._stack_item(case, fresh=False)

    def _prepare_redeployStackFromGit(self, case: Any) -> None:
        self._stack_item(case, fresh=False)

    def _prepare_updateStack(self, case: Any) -> None:
        self._stack_item(case, fresh=False)
        if is_positive(case) and isinstance(case.body, dict) and "StackFileContent" in case.body:
            case.body = {**case.body, "StackFileContent": COMPOSE_FILE.replace("3600", "3601")}

    def _prepare_startStack(self, case: Any) -> None:
        self._stack_item(case, fresh=False)

    def _prepare_stopStack(self, case: Any) -> None:
        self._stack_item(case, fresh=False)

    # Container actions through the Docker proxy never touch a real container: they are pointed
    # at a name no container has (the positive answer is then Docker's 404).
    def _prepare_dockerStartContainer(self, case: Any) -> None:
        self._absent_container(case)

    def _prepare_dockerStopContainer(self, case: Any) -> None:
        self._absent_container(case)

    def _prepare_dockerRestartContainer(self, case: Any) -> None:
        self._absent_container(case)

    @staticmethod
    def _absent_container(case: Any) -> None:
        params = _params(case)
        if params.get("containerId"):
            params["containerId"] = unique("absent-container")

    def _prepare_deleteStack(self, case: Any) -> None:
        self._stack_item(case, fresh=True)

    def _stack_item(self, case: Any, *, fresh: bool) -> None:
        params = _params(case)
        stack_id = as_int(params.get("id"))
        if stack_id is None:
            return
        if stack_id not in self.owned_stacks:
            stack_id = self._new_stack() if fresh else self._shared_stack()
            params["id"] = stack_id
        query = _query(case)
        if is_positive(case) and as_int(query.get("endpointId")) is not None:
            query["endpointId"] = self.owned_stacks[stack_id]

    def _new_stack(self) -> int:
        stack = self.world.new_stack(self.world.admin, self.world.env_a, name=unique("fz")).json()
        self.owned_stacks[stack["Id"]] = stack["EndpointId"]
        return int(stack["Id"])

    def _shared_stack(self) -> int:
        if self._scratch_stack is None or self._scratch_stack not in self.owned_stacks:
            self._scratch_stack = self._new_stack()
        return self._scratch_stack

    # -- after the call
    def track(self, case: Any, response: Any) -> None:
        operation = op_id(case)
        status = response.status_code
        if operation == "createUser" and status == 200:
            user_id = _json(response).get("Id")
            if user_id is not None:
                self.owned_users.add(user_id)
                self.world.cleanup.add(
                    f"delete user {user_id}", lambda: self.world.delete_user(user_id)
                )
        elif operation == "deleteUser" and status == 204:
            self.owned_users.discard(as_int(_params(case).get("id")) or -1)
        elif operation in STACK_CREATIONS and status == 200:
            stack = _json(response)
            if "Id" in stack:
                self.owned_stacks[stack["Id"]] = stack["EndpointId"]
                self.world.cleanup.add(
                    f"delete stack {stack['Id']}",
                    lambda: self.world.delete_stack(stack["Id"], stack["EndpointId"]),
                )
        elif operation == "deleteStack" and status == 204:
            self.owned_stacks.pop(as_int(_params(case).get("id")) or -1, None)
        elif operation == "createAccessToken" and status == 201:
            token_id = (_json(response).get("apiKey") or {}).get("id")
            if isinstance(token_id, int):
                self.fuzzer_tokens.add(token_id)
        elif operation == "deleteAccessToken" and status == 204:
            self.fuzzer_tokens.discard(as_int(_params(case).get("keyID")) or -1)
        elif operation == "updateSettings" and self._settings_before is not None:
            if status < 400:  # a refused update changed nothing
                self._restore_settings(self._settings_before)
        elif operation == "createTeam" and status == 200:
            team_id = _json(response).get("Id")
            if team_id is not None:
                self._own_team(int(team_id))
        elif operation == "createEnvironment" and status == 200:
            env_id = _json(response).get("Id")
            if env_id is not None:
                self._own_environment(int(env_id))
        elif operation == "createResourceControl" and status == 200:
            control = _json(response).get("Id")
            if control is not None:
                self.world.cleanup.add(
                    f"delete resource control {control}",
                    lambda: self.world.api.delete(
                        f"/api/resource_controls/{control}", auth=self.world.admin.auth
                    ),
                )
        elif operation == "updateEnvironmentSettings" and self._security_before is not None:
            if status < 400:
                self.world.api.put(
                    f"/api/endpoints/{self.world.env_a}/settings",
                    auth=self.world.admin.auth,
                    json_body=self._security_before,
                )
        elif operation == "updateEnvironment" and self._environment_before is not None:
            env_id, before = self._environment_before
            if status < 400:
                self._restore_environment(env_id, before)

    def _restore_settings(self, before: dict[str, Any]) -> None:
        body = {k: before[k] for k in settings_fields() if k in before}
        for section, secret in (("LDAPSettings", "Password"), ("OAuthSettings", "ClientSecret")):
            if isinstance(body.get(section), dict):
                body[section] = {k: v for k, v in body[section].items() if k != secret}
        if "EdgePortainerUrl" in before:
            body["EdgePortainerURL"] = before["EdgePortainerUrl"]
        self.world.api.put("/api/settings", auth=self.world.admin.auth, json_body=body)

    def _restore_environment(self, env_id: int, before: dict[str, Any]) -> None:
        body = {
            "Name": before.get("Name"),
            "PublicURL": before.get("PublicURL", ""),
            "GroupID": before.get("GroupId", 1),
            "TagIDs": before.get("TagIds") or [],
            "UserAccessPolicies": before.get("UserAccessPolicies") or {},
            "TeamAccessPolicies": before.get("TeamAccessPolicies") or {},
        }
        self.world.api.put(f"/api/endpoints/{env_id}", auth=self.world.admin.auth, json_body=body)


class RancherSandbox:
    """Guards Schemathesis's Rancher requests: only keys the suite made are changed."""

    def __init__(self, world: RancherWorld) -> None:
        self.world = world
        self.owned: dict[str, KeyPair] = {}
        self.deleted: set[str] = set()
        self._shared: KeyPair | None = None
        self._existing: str | None = None
        self._turn = itertools.count()

    def checks(self) -> list[Any]:
        return [self.deleted_key_stays_removed]

    def deleted_key_stays_removed(self, ctx: Any, response: Any, case: Any) -> None:
        """A key deleted with success reads as removed and is listed no more (the contract lets
        a removed key be read by id, so this replaces the use-after-free check there)."""
        if response.status_code != 200 or not self.deleted:
            return
        operation, body = _scoped(op_id(case)), _json(response)
        if operation == "getApiKey" and (case.path_parameters or {}).get("id") in self.deleted:
            if body.get("state") not in REMOVED_STATES:
                raise AssertionError(
                    f"deleted key {body.get('id')} reads as {body.get('state')!r}, not removed"
                )
        elif operation == "listApiKeys" and "_removed" not in (case.query or {}):
            # (Rancher's `_removed` parameter asks for removed keys too.)
            listed = {k.get("id") for k in body.get("data") or [] if isinstance(k, dict)}
            if listed & self.deleted:
                raise AssertionError(
                    f"deleted keys are still listed: {sorted(listed & self.deleted)}"
                )

    def credential(self, case: Any) -> tuple[str, str] | None:
        from conformance.contract import is_public

        if is_public(case.operation.definition.raw, case.operation.schema.raw_schema):
            return None
        return ("Authorization", self.world.account.headers()["Authorization"])

    def prepare(self, case: Any) -> None:
        operation = _scoped(op_id(case))
        params = _params(case)
        if operation != op_id(case):
            # The unscoped twin acts in the caller's account (for the account key, the account's
            # own keys, the very key the suite runs with): keep it to the suite's project.
            self._in_project_a(case)
        if operation == "createApiKey" and isinstance(case.body, dict):
            case.body.pop("accountId", None)  # an account key may aim it at any other account
        destructive = operation in ("updateApiKey", "deleteApiKey", "performApiKeyAction")
        if "projectId" in params and (destructive or is_positive(case)):
            params["projectId"] = self.world.project_a
        if "id" not in params:
            return
        if destructive and params["id"] not in self.owned:
            pair = self._fresh() if operation == "deleteApiKey" else self._shared_key()
            params["id"] = pair.id
        elif operation == "getApiKey" and is_positive(case) and params["id"] not in self.owned:
            if self.world.api.read_only:  # read a key that exists, create none
                existing = self._existing_key_id()
                if existing is not None:
                    params["id"] = existing
            else:
                params["id"] = self._shared_key().id

    def _existing_key_id(self) -> str | None:
        """The id of a key already in the project (for --read-only reads), or None."""
        if self._existing is None:
            reply = self.world.api.get(
                f"/v2-beta/projects/{self.world.project_a}/apikeys",
                auth=self.world.account,
                params={"limit": 1},
            )
            data = reply.json().get("data") if reply.status == 200 else None
            self._existing = str(data[0]["id"]) if data else ""
        return self._existing or None

    def _in_project_a(self, case: Any) -> None:
        if case.headers is None:
            case.headers = {}
        case.headers["X-API-Project-Id"] = self.world.project_a
        _query(case).pop("projectId", None)

    def _fresh(self) -> KeyPair:
        pair = self.world.new_key(self.world.project_a, unique("fz"))
        self.owned[pair.id] = pair
        if next(self._turn) % 2:  # an inactive key can be deleted; an active one answers 405
            self.world.action(pair, "deactivate")
            self.world.settle(pair)
        return pair

    def _shared_key(self) -> KeyPair:
        if self._shared is None:
            self._shared = self.world.new_key(self.world.project_a, unique("fz"))
            self.owned[self._shared.id] = self._shared
        return self._shared

    def track(self, case: Any, response: Any) -> None:
        operation = _scoped(op_id(case))
        if operation == "deleteApiKey" and response.status_code == 200:
            self.deleted.add(str((case.path_parameters or {}).get("id")))
        if operation == "createApiKey" and response.status_code == 201:
            body = _json(response)
            if "id" in body:
                pair = KeyPair(body["id"], self.world.project_a, body.get("publicValue", ""), "")
                self.owned[pair.id] = pair
                self.world.cleanup.add(
                    f"remove API key {pair.id}", lambda: self.world.remove_key(pair)
                )


def _scoped(operation: str) -> str:
    """The project-scoped operation an unscoped key operation twins (`getAccountApiKey` ->
    `getApiKey`); any other operation as it is."""
    return operation.replace("AccountApiKey", "ApiKey")


BOUNDARY = "contract-mock-sandbox"


def multipart_form(fields: dict[str, str]) -> bytes:
    """A multipart/form-data body of plain fields (how Portainer reads an environment create)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def _json_reply(reply: Any) -> dict[str, Any]:
    """The JSON object of a conformance client Reply, or {}."""
    try:
        body = reply.json()
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}
