"""Git without a network: the mocked repositories a repository stack is "cloned" from.

Scenario files map repository URLs and refs to files; `push` adds a commit (the control route
`POST /__mock__/git` and `MockServer.git_push` call it). A commit's hash is derived from the
repository, the ref, the commit's position and its files, so it is the same on every run.
Failures carry the messages Portainer's Git service gives (api/git/git.go, api/git/backup.go,
api/stacks/stackutils/gitops.go at 2.23).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from mockserver import secrets
from mockserver.state import GitCommit, GitRepository, State

REPOSITORY_NOT_FOUND = "repository not found"  # go-git's error for a URL that does not answer
REFERENCE_NOT_FOUND = "reference not found"  # go-git's error for a ref the remote lacks
INVALID_CREDENTIAL = "Invalid git credential"  # git.ErrInvalidGitCredential


class GitError(Exception):
    """A clone or fetch that failed; `str()` is Portainer's wording."""


def commit_hash(url: str, ref: str, index: int, files: Mapping[str, str]) -> str:
    """A deterministic 40-hex commit id."""
    payload = json.dumps([url, ref, index, sorted(files.items())], separators=(",", ":"))
    return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()


def full_ref(name: str) -> str:
    """A branch given by its short name in a scenario file -> `refs/heads/<name>`."""
    return name if name.startswith("refs/") else f"refs/heads/{name}"


def trim_url(url: str) -> str:
    """Portainer stores a repository URL without its trailing slash."""
    return url.rstrip("/")


def new_repository(
    url: str,
    branches: Mapping[str, Mapping[str, str]],
    default_branch: str | None = None,
    password: str | None = None,
) -> GitRepository:
    """A repository with one commit per branch (`branches`: name -> {path: content})."""
    url = trim_url(url)
    names = list(branches)
    default = full_ref(default_branch or (names[0] if names else "main"))
    repo = GitRepository(url=url, default_ref=default)
    for name, files in branches.items():
        ref = full_ref(name)
        content = {str(k): str(v) for k, v in files.items()}
        repo.refs[ref] = [GitCommit(commit_hash(url, ref, 0, content), content)]
    if password:
        repo.password_digest = secrets.secret_digest(password)
    return repo


class Repositories:
    """The mocked repositories of one state."""

    def __init__(self, state: State) -> None:
        self.state = state

    def latest(self, url: str, ref: str, password_digest: str | None = None) -> GitCommit:
        """The head commit of `ref` ("" means the default branch), as a clone would get it;
        `password_digest` is the digest of the password sent (repositories may require one)."""
        repo = self.state.git_repositories.get(trim_url(url))
        if repo is None:
            raise GitError(REPOSITORY_NOT_FOUND)
        needs = repo.password_digest
        if needs is not None and (
            password_digest is None or not secrets.same(password_digest, needs)
        ):
            raise GitError(INVALID_CREDENTIAL)
        commits = repo.refs.get(ref or repo.default_ref)
        if not commits:
            raise GitError(REFERENCE_NOT_FOUND)
        return commits[-1]

    def push(self, url: str, files: Mapping[str, str], ref: str | None = None) -> GitCommit:
        """A new commit on `ref` (default: the repository's default branch) with `files`
        changed or added; an unknown repository or branch is created."""
        url = trim_url(url)
        repo = self.state.git_repositories.get(url)
        if repo is None:
            repo = GitRepository(url=url, default_ref=full_ref(ref or "main"))
            self.state.git_repositories[url] = repo
        name = full_ref(ref) if ref else repo.default_ref
        commits = repo.refs.setdefault(name, [])
        content = dict(commits[-1].files) if commits else {}
        content.update({str(k): str(v) for k, v in files.items()})
        commit = GitCommit(commit_hash(url, name, len(commits), content), content)
        commits.append(commit)
        return commit


def clone_error(error: GitError) -> str:
    """The message of a failed clone at stack creation (stackutils.DownloadGitRepository)."""
    if str(error) == INVALID_CREDENTIAL:
        return INVALID_CREDENTIAL
    return f"unable to clone git repository: failed to clone git repository: {error}"
