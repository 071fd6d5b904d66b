"""The GitHub endpoints reviews are proven with, parsed strictly into frozen values.

Field names are GitHub's documented ones. An answer without a field the
semantics depend on is a ``ForgeResponseError``, never a default: a malformed
review must not read as "no reviews".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from releasegate.errors import ForgeNotFound, ForgeResponseError, ForgeUnprocessable
from releasegate.forge.client import GitHubClient

_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


@dataclass(frozen=True, kw_only=True)
class Account:
    login: str
    type: str

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot" or self.login.lower().endswith("[bot]")


@dataclass(frozen=True, kw_only=True)
class PullRequest:
    number: int
    title: str
    author: Account | None
    state: str
    merged_at: str | None
    merge_commit_sha: str | None
    head_sha: str
    base_ref: str

    @property
    def merged(self) -> bool:
        return self.merged_at is not None


class ReviewState(enum.Enum):
    APPROVED = "APPROVED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    COMMENTED = "COMMENTED"
    DISMISSED = "DISMISSED"
    PENDING = "PENDING"


@dataclass(frozen=True, kw_only=True)
class Review:
    id: int
    user: Account | None
    state: ReviewState
    commit_id: str | None
    submitted_at: str | None


@dataclass(frozen=True, kw_only=True)
class PullCommit:
    sha: str
    author_login: str | None
    committer_login: str | None
    author_name: str
    author_email: str


@dataclass(frozen=True, kw_only=True)
class PullFile:
    filename: str
    previous_filename: str | None


class Membership(enum.Enum):
    ACTIVE = "active"
    PENDING = "pending"
    NOT_MEMBER = "not a member"  # 404 for the membership, the team itself is visible
    UNKNOWN = "unknown"  # 404 for the team too: no permission to see it, or no such team


# --- strict field access -----------------------------------------------------------------


def _object(raw: object, what: str) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise ForgeResponseError(f"malformed GitHub answer: {what} is not a JSON object")
    return raw


def _str(data: Mapping[str, object], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ForgeResponseError(f"malformed GitHub answer: {what} has no string '{key}'")
    return value


def _require(data: Mapping[str, object], key: str, what: str) -> object:
    """``data[key]``, which may be null but must be there."""
    if key not in data:
        raise ForgeResponseError(f"malformed GitHub answer: {what} has no '{key}'")
    return data[key]


def _opt_str(
    data: Mapping[str, object], key: str, what: str, *, required: bool = False
) -> str | None:
    value = _require(data, key, what) if required else data.get(key)
    if value is not None and not isinstance(value, str):
        raise ForgeResponseError(f"malformed GitHub answer: {what} has a non-string '{key}'")
    return value


def _int(data: Mapping[str, object], key: str, what: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ForgeResponseError(f"malformed GitHub answer: {what} has no integer '{key}'")
    return value


def _sha(data: Mapping[str, object], key: str, what: str) -> str:
    value = _str(data, key, what)
    if not _SHA.fullmatch(value):
        raise ForgeResponseError(f"malformed GitHub answer: {what} '{key}' is not a commit id")
    return value


def _account(raw: object, what: str) -> Account | None:
    if raw is None:
        return None
    data = _object(raw, what)
    return Account(login=_str(data, "login", what), type=_opt_str(data, "type", what) or "User")


def parse_pull(raw: object) -> PullRequest:
    data = _object(raw, "a pull request")
    number = _int(data, "number", "a pull request")
    what = f"pull request #{number}"
    head = _object(data.get("head"), f"{what} head")
    base = _object(data.get("base"), f"{what} base")
    merge_commit = _opt_str(data, "merge_commit_sha", what, required=True)
    if merge_commit is not None and not _SHA.fullmatch(merge_commit):
        raise ForgeResponseError(f"malformed GitHub answer: {what} merge_commit_sha is not a sha")
    return PullRequest(
        number=number,
        title=_str(data, "title", what),
        author=_account(_require(data, "user", what), f"{what} user"),
        state=_str(data, "state", what),
        merged_at=_opt_str(data, "merged_at", what, required=True),
        merge_commit_sha=merge_commit,
        head_sha=_sha(head, "sha", f"{what} head"),
        base_ref=_str(base, "ref", f"{what} base"),
    )


def parse_review(raw: object, number: int) -> Review:
    what = f"a review of pull request #{number}"
    data = _object(raw, what)
    state_text = _str(data, "state", what)
    try:
        state = ReviewState(state_text)
    except ValueError:
        raise ForgeResponseError(
            f"malformed GitHub answer: {what} has the unknown state {state_text[:40]!r}"
        ) from None
    return Review(
        id=_int(data, "id", what),
        user=_account(_require(data, "user", what), f"{what} user"),
        state=state,
        commit_id=_opt_str(data, "commit_id", what, required=True),
        submitted_at=_opt_str(data, "submitted_at", what),
    )


def parse_pull_commit(raw: object, number: int) -> PullCommit:
    what = f"a commit of pull request #{number}"
    data = _object(raw, what)
    commit = _object(data.get("commit"), f"{what} (commit)")
    git_author = _object(commit.get("author"), f"{what} (commit.author)")
    author = _account(data.get("author"), f"{what} author")
    committer = _account(data.get("committer"), f"{what} committer")
    return PullCommit(
        sha=_sha(data, "sha", what),
        author_login=author.login if author else None,
        committer_login=committer.login if committer else None,
        author_name=_opt_str(git_author, "name", what) or "",
        author_email=_opt_str(git_author, "email", what) or "",
    )


def parse_pull_file(raw: object, number: int) -> PullFile:
    what = f"a file of pull request #{number}"
    data = _object(raw, what)
    return PullFile(
        filename=_str(data, "filename", what),
        previous_filename=_opt_str(data, "previous_filename", what),
    )


def _segment(text: str) -> str:
    return quote(text, safe="")


class GitHubReviews:
    """The review-related endpoints of one repository (typed, cached by the client)."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client
        self._repo = f"/repos/{_segment(client.config.owner)}/{_segment(client.config.repo)}"

    def pulls_for_commit(self, sha: str) -> list[PullRequest]:
        """``GET /repos/{o}/{r}/commits/{sha}/pulls``: the PRs GitHub associates with it."""
        try:
            items = self.client.get_list(f"{self._repo}/commits/{_segment(sha)}/pulls")
        except (ForgeNotFound, ForgeUnprocessable) as exc:
            raise type(exc)(
                f"GitHub does not know commit {sha[:12]} in {self.client.config.repository} "
                f"({exc.message})",
                hint="push the commits being released; check GITHUB_REPOSITORY, and that the "
                "token can read that repository",
            ) from None
        return [parse_pull(item) for item in items]

    def pull(self, number: int) -> PullRequest:
        """``GET /repos/{o}/{r}/pulls/{n}`` (``ForgeNotFound`` when there is none)."""
        return parse_pull(self.client.get_json(f"{self._repo}/pulls/{number}"))

    def reviews(self, number: int) -> list[Review]:
        items = self.client.get_list(f"{self._repo}/pulls/{number}/reviews")
        return [parse_review(item, number) for item in items]

    def commits(self, number: int) -> list[PullCommit]:
        items = self.client.get_list(f"{self._repo}/pulls/{number}/commits")
        return [parse_pull_commit(item, number) for item in items]

    def files(self, number: int) -> list[PullFile]:
        items = self.client.get_list(f"{self._repo}/pulls/{number}/files")
        return [parse_pull_file(item, number) for item in items]

    def membership(self, org: str, team: str, login: str) -> Membership:
        """``GET /orgs/{org}/teams/{team}/memberships/{login}``; on 404, whether the
        team itself is visible tells "not a member" from "cannot see the members"."""
        team_path = f"/orgs/{_segment(org)}/teams/{_segment(team)}"
        try:
            raw = self.client.get_json(f"{team_path}/memberships/{_segment(login)}")
        except ForgeNotFound:
            try:
                self.client.get_json(team_path)
            except ForgeNotFound:
                return Membership.UNKNOWN
            return Membership.NOT_MEMBER
        state = _str(_object(raw, "a team membership"), "state", "a team membership")
        if state == "active":
            return Membership.ACTIVE
        if state == "pending":
            return Membership.PENDING
        raise ForgeResponseError(
            f"malformed GitHub answer: team membership state {state[:40]!r} is unknown"
        )
