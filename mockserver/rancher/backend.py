"""Rancher 1.6's rules for projects and environment API keys: plain Python, no HTTP.

One store serves both families: project `1aN` is Portainer environment `N`. A key whose account
is the administrator account (`State.rancher_admin_account`, `1a0`) is an *account key*: it acts
as administrator and may address any project. Every other key is an *environment key*, confined
to its project.

Keys follow Cattle's default processes (the table below). A process answers at once with the
key in its transitioning state; the key settles into the process's end state at the start of the
next request that touches it (authentication included). `RancherKey.settles_to` holds that state.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver import secrets
from mockserver.seed import RANCHER_SECRET_ALPHABET
from mockserver.state import Environment, RancherKey, Store

from . import errors, listing
from .listing import ENUM_MODIFIERS, ORDERED_MODIFIERS, STRING_MODIFIERS, Field, Page

NAME_MAX = 255  # Credential.name column length
DESCRIPTION_MAX = 1024  # Credential.description column length
IN_PROGRESS = "In Progress"


# -- the state machine (Cattle's DefaultProcessesParser, as the reference's table 2.1 gives it)
@dataclass(frozen=True)
class Process:
    """A process: for each state it may start from, (transitioning state, state it ends in)."""

    name: str
    steps: Mapping[str, tuple[str, str]]


def _steps(starts: Iterable[str], via: str, to: str) -> dict[str, tuple[str, str]]:
    return {state: (via, to) for state in starts}


PROCESSES: dict[str, Process] = {
    process.name: process
    for process in (
        # create hands off to activate (credentials are activated by default): ends active
        Process("create", _steps(["requested"], "registering", "active")),
        Process("activate", _steps(["inactive", "registering"], "activating", "active")),
        Process(
            "deactivate",
            _steps(
                [
                    "requested",
                    "registering",
                    "active",
                    "activating",
                    "updating-active",
                    "updating-inactive",
                ],
                "deactivating",
                "inactive",
            ),
        ),
        Process(
            "remove",
            _steps(
                ["requested", "inactive", "registering", "updating-active", "updating-inactive"],
                "removing",
                "removed",
            ),
        ),
        Process("purge", _steps(["removed"], "purging", "purged")),
        Process(
            "update",
            {
                "active": ("updating-active", "active"),
                "inactive": ("updating-inactive", "inactive"),
            },
        ),
    )
}
STATES = (
    "requested",
    "registering",
    "activating",
    "active",
    "deactivating",
    "inactive",
    "updating-active",
    "updating-inactive",
    "removing",
    "removed",
    "purging",
    "purged",
)
TRANSITIONING_STATES = frozenset(
    via for process in PROCESSES.values() for via, _ in process.steps.values()
)
REMOVED_STATES = frozenset({"removed", "purging", "purged"})


def actions_for(state: str) -> list[str]:
    """The actions a key offers in a state: those whose process may start from it."""
    return [name for name, process in PROCESSES.items() if state in process.steps]


def is_transitioning(state: str) -> bool:
    return state in TRANSITIONING_STATES


# -- ids
def project_id(environment_id: int) -> str:
    return f"1a{environment_id}"


def key_id(credential_id: int) -> str:
    return f"1c{credential_id}"


parse_id = listing.parse_rancher_id


# -- who is asking
@dataclass(frozen=True)
class Caller:
    """The account a request runs as: an account key (administrator) or an environment key."""

    account_id: str
    admin: bool
    key_id: int | None = None  # None: open mode's anonymous administrator
    access_key: str | None = None  # the key's public value (never its secret)

    @property
    def environment_id(self) -> int | None:
        return None if self.admin else parse_id(self.account_id)


def anonymous_admin(admin_account: str) -> Caller:
    """Open mode: a request without a valid key acts as the administrator account."""
    return Caller(account_id=admin_account, admin=True)


# -- the fields lists can filter and sort on
def _ms(seconds: int) -> int:
    return seconds * 1000


KEY_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("id", ORDERED_MODIFIERS, lambda k: k.id, parse_id),
        Field("name", STRING_MODIFIERS, lambda k: k.name),
        Field("description", STRING_MODIFIERS, lambda k: k.description),
        Field("publicValue", STRING_MODIFIERS, lambda k: k.public_value),
        Field("kind", STRING_MODIFIERS, lambda k: "apiKey"),
        Field("uuid", STRING_MODIFIERS, lambda k: k.uuid),
        Field("state", ENUM_MODIFIERS, lambda k: k.state),
        Field("accountId", ENUM_MODIFIERS, lambda k: parse_id(k.account_id), parse_id),
        Field("created", ORDERED_MODIFIERS, lambda k: k.created, listing.parse_date_ms),
        Field("removed", ORDERED_MODIFIERS, lambda k: k.removed, listing.parse_date_ms),
    )
}

PROJECT_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("id", ORDERED_MODIFIERS, lambda e: e.id, parse_id),
        Field("name", STRING_MODIFIERS, lambda e: e.name),
        Field("description", STRING_MODIFIERS, lambda e: None),
        Field("kind", STRING_MODIFIERS, lambda e: "project"),
        Field("uuid", STRING_MODIFIERS, lambda e: e.uuid),
        Field("state", ENUM_MODIFIERS, lambda e: "active"),
        Field("created", ORDERED_MODIFIERS, lambda e: _ms(e.created), listing.parse_date_ms),
        Field("removed", ORDERED_MODIFIERS, lambda e: None, listing.parse_date_ms),
    )
}


def new_key_pair() -> tuple[str, str]:
    """Rancher's generated pair: 10 random bytes as upper-case hex, and 40 secret characters."""
    system = random.SystemRandom()
    access = os.urandom(10).hex().upper()
    secret = "".join(system.choice(RANCHER_SECRET_ALPHABET) for _ in range(40))
    return access, secret


def _text(fields: Mapping[str, Any], name: str, max_length: int) -> str | None:
    """A writable string field as Rancher converts it: null stays null, scalars become text."""
    value = fields[name]
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        value = json.dumps(value)
    if not isinstance(value, str):
        raise errors.invalid_field_format(name)
    if len(value.encode("utf-16-le", "surrogatepass")) // 2 > max_length:  # Java's length()
        raise errors.max_length_exceeded(name)
    return value


class RancherBackend:
    """Projects and environment API keys over the one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- time and settling
    def now_ms(self) -> int:
        return int(self.store.clock() * 1000)

    def settle(self, key: RancherKey) -> None:
        """End a key's running process: the state it was heading for, transitioning over."""
        if key.settles_to is None:
            return
        key.state, key.settles_to = key.settles_to, None
        if key.state in REMOVED_STATES and key.removed is None:
            key.removed = self.now_ms()

    @property
    def admin_account(self) -> str:
        return self.store.state.rancher_admin_account

    # -- scoping
    def project_in_scope(self, caller: Caller, project: str) -> Environment:
        """The project a `/projects/{id}/...` request works in (Rancher's sub-context).

        An id that does not parse is 400 InvalidFormat; a project other than an environment
        key's own, or one that does not exist, is 403 (for account keys too).
        """
        environment_id = parse_id(project)
        if environment_id is None:
            raise errors.invalid_format()
        if not caller.admin and environment_id != caller.environment_id:
            raise errors.forbidden()
        environment = self.store.state.environments.get(environment_id)
        if environment is None:
            raise errors.forbidden()
        return environment

    # -- projects
    def list_projects(self, caller: Caller, params: Iterable[tuple[str, str]]) -> Page:
        request = listing.parse_request(params, PROJECT_FIELDS)
        with self.store.lock:
            environments = list(self.store.state.environments.values())
            if not caller.admin:
                environments = [e for e in environments if e.id == caller.environment_id]
            page = listing.run(environments, request, PROJECT_FIELDS, lambda e: e.id)
            page.items = [dataclasses.replace(e) for e in page.items]
            return page

    def get_project(self, caller: Caller, project: str) -> Environment:
        """`GET /projects/{id}`: 404 for an id that does not parse or an unknown project;
        403 when an environment key names any project but its own."""
        environment_id = parse_id(project)
        if environment_id is None:
            raise errors.not_found()
        if not caller.admin and environment_id != caller.environment_id:
            raise errors.forbidden()
        with self.store.lock:
            environment = self.store.state.environments.get(environment_id)
            if environment is None:
                raise errors.not_found()
            return dataclasses.replace(environment)

    # -- keys
    def list_keys(self, caller: Caller, project: str, params: Iterable[tuple[str, str]]) -> Page:
        request = listing.parse_request(params, KEY_FIELDS)
        with self.store.lock:
            environment = self.project_in_scope(caller, project)
            account = project_id(environment.id)
            keys = [k for k in self.store.state.rancher_keys.values() if k.account_id == account]
            for key in keys:
                self.settle(key)
            if not request.include_removed:
                keys = [k for k in keys if k.removed is None]
            page = listing.run(keys, request, KEY_FIELDS, lambda k: k.id)
            page.items = [dataclasses.replace(k) for k in page.items]
            return page

    def create_key(
        self,
        caller: Caller,
        project: str,
        fields: Mapping[str, Any] | None = None,
        action: str | None = None,
    ) -> tuple[RancherKey, str]:
        """A new key of the project, in state `registering`; returns it and its clear secret.

        Only name and description are taken from `fields`; everything else is ignored. A POST
        carrying `action` (even empty) asks for a collection action, and apiKey has none: 422
        InvalidAction, after the project check and before the fields are validated.
        """
        fields = fields or {}
        with self.store.lock:
            environment = self.project_in_scope(caller, project)
            if action is not None:
                raise errors.invalid_action()
            name = _text(fields, "name", NAME_MAX) if "name" in fields else None
            description = (
                _text(fields, "description", DESCRIPTION_MAX) if "description" in fields else None
            )
            state = self.store.state
            taken = {k.public_value.upper() for k in state.rancher_keys.values()}
            access, secret = new_key_pair()
            while access in taken:
                access, secret = new_key_pair()
            key = RancherKey(
                id=state.new_id("credential"),
                account_id=project_id(environment.id),
                public_value=access,
                secret_hash=secrets.secret_digest(secret),
                name=name,
                description=description,
                state="registering",
                settles_to="active",
                created=self.now_ms(),
                uuid=str(uuid.uuid4()),
            )
            state.rancher_keys[key.id] = key
            return dataclasses.replace(key), secret

    def get_key(self, caller: Caller, project: str, key: str) -> RancherKey:
        with self.store.lock:
            environment = self.project_in_scope(caller, project)
            return dataclasses.replace(self._key(environment, key))

    def update_key(
        self, caller: Caller, project: str, key: str, fields: Mapping[str, Any] | None
    ) -> RancherKey:
        """Change name and description (those present); other fields are ignored, as Rancher
        ignores fields an environment role may not write. The state does not change."""
        fields = fields or {}
        with self.store.lock:
            found = self._key(self.project_in_scope(caller, project), key)
            name = _text(fields, "name", NAME_MAX) if "name" in fields else found.name
            description = (
                _text(fields, "description", DESCRIPTION_MAX)
                if "description" in fields
                else found.description
            )
            found.name, found.description = name, description
            return dataclasses.replace(found)

    def delete_key(self, caller: Caller, project: str, key: str) -> RancherKey:
        """DELETE runs the remove process: 405 unless the key may be removed from its state.

        A key already removed answers again unchanged (the process is already done).
        """
        with self.store.lock:
            found = self._key(self.project_in_scope(caller, project), key)
            step = PROCESSES["remove"].steps.get(found.state)
            if step is not None:
                found.state, found.settles_to = step
            elif found.state != "removed":
                raise errors.method_not_allowed()
            return dataclasses.replace(found)

    def run_action(self, caller: Caller, project: str, key: str, action: str) -> RancherKey:
        """`POST ...?action=name`: 422 InvalidAction for a name the schema lacks, 404 for an
        unknown key, 422 ActionNotAvailable when the key's state does not offer it."""
        with self.store.lock:
            environment = self.project_in_scope(caller, project)
            process = PROCESSES.get(action)
            if process is None:
                raise errors.invalid_action()
            found = self._key(environment, key)
            step = process.steps.get(found.state)
            if step is None:
                raise errors.action_not_available()
            found.state, found.settles_to = step
            return dataclasses.replace(found)

    def _key(self, environment: Environment, key: str) -> RancherKey:
        """The project's key with this id, settled; 404 for another project's key or a bad id."""
        credential_id = parse_id(key)
        found = None if credential_id is None else self.store.state.rancher_keys.get(credential_id)
        if found is None or found.account_id != project_id(environment.id):
            raise errors.not_found()
        self.settle(found)
        return found
