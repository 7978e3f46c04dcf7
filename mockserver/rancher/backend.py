"""Rancher 1.6's rules for projects and environment API keys: plain Python, no HTTP.

One store serves both families: project `1aN` is Portainer environment `N`. A key whose account
is the administrator account (`State.rancher_admin_account`, `1a0`) is an *account key*: it acts
as administrator and may address any project. Every other key is an *environment key*, confined
to its project.

A request acts as an *account*: the key's own, or the project it names (the `/projects/{id}/`
sub-context, `X-API-Project-Id` or `?projectId=`), as Cattle's ApiAuthenticator picks it. Keys
are listed, read and changed within that account: keys of a project are that environment's keys;
keys of the administrator account are *account keys*. The administrator account acting as itself
sees every account's keys, as Cattle's admin policy does.

Keys follow Cattle's default processes (the table below). A process answers at once with the
key in its transitioning state; the key settles into the process's end state at the start of the
next request that touches it (authentication included), or, with a settle time, at the first
such request once that time has passed. `RancherKey.settles_to` holds that state and
`RancherKey.settles_at` the time. While a process runs, starting another is 409 Conflict.
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
VALUE_MAX = 4096  # Credential.publicValue and secretValue column lengths
NO_SECRET = ""  # the digest of a key made without a secret: no secret offered matches it
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
    """Projects and API keys over the one store.

    `settle_seconds` is how long a process runs: 0 ends it at the next request that touches the
    key (whenever that comes); more keeps the key transitioning, for every client, that long.
    """

    def __init__(self, store: Store, settle_seconds: float = 0.0) -> None:
        self.store = store
        self.settle_ms = int(settle_seconds * 1000)

    # -- time and settling
    def now_ms(self) -> int:
        return int(self.store.clock() * 1000)

    def settle(self, key: RancherKey) -> None:
        """End a key's running process once its time is up: the state it was heading for."""
        if key.settles_to is None:
            return
        if key.settles_at is not None and self.now_ms() < key.settles_at:
            return
        self.store.touch()  # a read that changes the state (the caller holds the lock)
        key.state, key.settles_to, key.settles_at = key.settles_to, None, None
        if key.state in REMOVED_STATES and key.removed is None:
            key.removed = self.now_ms()

    def settled(self) -> bool:
        """True when no key has a state change pending (one the clock or a read would make)."""
        return all(key.settles_to is None for key in self.store.state.rancher_keys.values())

    @property
    def admin_account(self) -> str:
        return self.store.state.rancher_admin_account

    def start(self, key: RancherKey, step: tuple[str, str]) -> None:
        """Start a process on a key: its transitioning state now, its end state later."""
        key.state, key.settles_to = step
        key.settles_at = self.now_ms() + self.settle_ms if self.settle_ms > 0 else None

    def _not_busy(self, key: RancherKey) -> None:
        """Cattle locks an object while a process runs on it: a second process is 409."""
        if key.settles_to is not None:
            raise errors.conflict()

    # -- scoping
    def acting_account(self, caller: Caller, project: str | None) -> str:
        """The account a request acts as (Cattle's getAccountRequested).

        No project named: the caller's own account. A project id that does not parse is 400
        InvalidFormat; the caller's own account is itself; a project other than an environment
        key's own, or one that does not exist, is 403 (for account keys too).
        """
        if project is None or project == "":
            return caller.account_id
        environment_id = parse_id(project)
        if environment_id is None:
            raise errors.invalid_format()
        if environment_id == parse_id(caller.account_id):
            return caller.account_id
        if not caller.admin:
            raise errors.forbidden()
        if environment_id not in self.store.state.environments:
            raise errors.forbidden()
        return project_id(environment_id)

    def account_name(self, account: str) -> str:
        """An account's name (`X-API-Account-Name`): `admin`, or the environment's name."""
        if account == self.admin_account:
            return "admin"
        environment = self.store.state.environments.get(parse_id(account) or -1)
        return environment.name if environment is not None else ""

    # -- projects
    def list_projects(self, caller: Caller, params: Iterable[tuple[str, str]]) -> Page:
        request = listing.parse_request(params, PROJECT_FIELDS)
        with self.store.reading:  # a read; settle() records a change
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
        with self.store.reading:  # a read; settle() records a change
            environment = self.store.state.environments.get(environment_id)
            if environment is None:
                raise errors.not_found()
            return dataclasses.replace(environment)

    # -- keys
    def list_keys(
        self, caller: Caller, project: str | None, params: Iterable[tuple[str, str]]
    ) -> Page:
        request = listing.parse_request(params, KEY_FIELDS)
        with self.store.reading:  # a read; settle() records a change
            account = self.acting_account(caller, project)
            keys = [k for k in self.store.state.rancher_keys.values() if self._sees(account, k)]
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
        project: str | None,
        fields: Mapping[str, Any] | None = None,
        action: str | None = None,
    ) -> tuple[RancherKey, str | None]:
        """A new key of the acting account, in state `registering`; returns it and its clear
        secret (None for an administrator's key made without one). With the administrator
        account and no project, that is an account key.

        Only name and description are taken from `fields`, plus what Cattle's admin role may
        write, from an account key: `accountId` (the key is made for that project or account;
        one that does not exist is 422 InvalidReference) and its own `publicValue` and
        `secretValue` (`_chosen_pair`); everything else is ignored. A POST carrying `action`
        (even empty) asks for a collection action, and apiKey has none: 422 InvalidAction,
        after the project check and before the fields are validated.
        """
        fields = fields or {}
        with self.store.lock:
            account = self.acting_account(caller, project)
            if action is not None:
                raise errors.invalid_action()
            if caller.admin and fields.get("accountId") is not None:
                account = self._account_reference(fields["accountId"])
            name = _text(fields, "name", NAME_MAX) if "name" in fields else None
            description = (
                _text(fields, "description", DESCRIPTION_MAX) if "description" in fields else None
            )
            state = self.store.state
            chosen = self._chosen_pair(caller, fields)
            if chosen is not None:
                access, secret = chosen
            else:
                taken = {k.public_value.upper() for k in state.rancher_keys.values()}
                access, secret = new_key_pair()
                while access in taken:
                    access, secret = new_key_pair()
            key = RancherKey(
                id=state.new_id("credential"),
                account_id=account,
                public_value=access,
                secret_hash=NO_SECRET if secret is None else secrets.secret_digest(secret),
                name=name,
                description=description,
                state="requested",
                settles_to=None,
                created=self.now_ms(),
                uuid=str(uuid.uuid4()),
            )
            self.start(key, PROCESSES["create"].steps["requested"])
            state.rancher_keys[key.id] = key
            return dataclasses.replace(key), secret

    def _chosen_pair(
        self, caller: Caller, fields: Mapping[str, Any]
    ) -> tuple[str, str | None] | None:
        """The administrator's own `publicValue` and `secretValue` (which may be null), or None
        to generate a pair: Cattle generates one only when no `publicValue` is given, and only
        its admin role may write these fields (others' values are ignored). A `publicValue`
        that a key not removed already has, in any letter case, is 422 NotUnique."""
        if not caller.admin or fields.get("publicValue") is None:
            return None
        access = _text(fields, "publicValue", VALUE_MAX) or ""
        secret = _text(fields, "secretValue", VALUE_MAX) if "secretValue" in fields else None
        folded = access.upper()
        for key in self.store.state.rancher_keys.values():
            self.settle(key)
            if key.state not in REMOVED_STATES and key.public_value.upper() == folded:
                raise errors.not_unique("publicValue")
        return access, secret

    def _account_reference(self, value: Any) -> str:
        """The account an `accountId` names: the administrator account or an environment."""
        reference = parse_id(value) if isinstance(value, str) else None
        if reference is not None and project_id(reference) == self.admin_account:
            return self.admin_account
        if reference is None or reference not in self.store.state.environments:
            raise errors.invalid_reference("accountId")
        return project_id(reference)

    def get_key(self, caller: Caller, project: str | None, key: str) -> RancherKey:
        with self.store.reading:  # a read; settle() records a change
            account = self.acting_account(caller, project)
            return dataclasses.replace(self._key(account, key))

    def update_key(
        self, caller: Caller, project: str | None, key: str, fields: Mapping[str, Any] | None
    ) -> RancherKey:
        """Change name and description (those present); other fields are ignored, as Rancher
        ignores fields an environment role may not write. The state does not change."""
        fields = fields or {}
        with self.store.lock:
            found = self._key(self.acting_account(caller, project), key)
            name = _text(fields, "name", NAME_MAX) if "name" in fields else found.name
            description = (
                _text(fields, "description", DESCRIPTION_MAX)
                if "description" in fields
                else found.description
            )
            found.name, found.description = name, description
            return dataclasses.replace(found)

    def delete_key(self, caller: Caller, project: str | None, key: str) -> RancherKey:
        """DELETE runs the remove process: 405 unless the key may be removed from its state,
        409 while another process still runs on it.

        A key already removed answers again unchanged (the process is already done).
        """
        with self.store.lock:
            found = self._key(self.acting_account(caller, project), key)
            step = PROCESSES["remove"].steps.get(found.state)
            if step is not None:
                self._not_busy(found)
                self.start(found, step)
            elif found.state != "removed":
                raise errors.method_not_allowed()
            return dataclasses.replace(found)

    def run_action(self, caller: Caller, project: str | None, key: str, action: str) -> RancherKey:
        """`POST ...?action=name`: 422 InvalidAction for a name the schema lacks, 404 for an
        unknown key, 422 ActionNotAvailable when the key's state does not offer it, 409 while
        another process still runs on it."""
        with self.store.lock:
            account = self.acting_account(caller, project)
            process = PROCESSES.get(action)
            if process is None:
                raise errors.invalid_action()
            found = self._key(account, key)
            step = process.steps.get(found.state)
            if step is None:
                raise errors.action_not_available()
            self._not_busy(found)
            self.start(found, step)
            return dataclasses.replace(found)

    def _sees(self, account: str, key: RancherKey) -> bool:
        """Whether a request acting as `account` sees a key: its own keys; every key when the
        administrator account acts as itself (Cattle's admin account type has `list.all.accounts`
        and `all.accounts`; acting in a project, it gets the project's policy)."""
        return account == self.admin_account or key.account_id == account

    def _key(self, account: str, key: str) -> RancherKey:
        """The key with this id that the acting account sees, settled; 404 for another
        account's key or a bad id."""
        credential_id = parse_id(key)
        found = None if credential_id is None else self.store.state.rancher_keys.get(credential_id)
        if found is None or not self._sees(account, found):
            raise errors.not_found()
        self.settle(found)
        return found
