"""Every commit of ``base..head`` reached the release through an approved pull request.

For each commit, the pull request that brought it in is the one GitHub
associates with it (``GET /repos/{o}/{r}/commits/{sha}/pulls``), merged: first
the one whose ``merge_commit_sha`` is the commit (merge, squash and rebase
merges), then one whose commits contain it, then any other merged one GitHub
lists. When one of those is approved, the commit is covered. A commit no
merged pull request brought in is a direct push.

In a merge queue (a ``merge_group`` event) nothing is merged yet: the queued pull
requests count in place of merged ones. They are the pull request the queue ref
names (``gh-readonly-queue/<branch>/pr-<N>-<sha>``) and those the group's own
commits name (``Merge pull request #N from ...`` with the pull request's head as
second parent, or a single-parent squash commit ending ``(#N)``); each must be
open and based on the queue's branch (``GET /pulls/{n}``). The queue's own commit
for a pull request must hold exactly what the queue writes: its tree is git's
merge of its first parent and the pull request's head (``same_change``). A commit of a queued
pull request is covered when that pull request is approved; so is the queue's own
commit for it. Anything else in the group is a direct push. A queue that merges by
rebase writes copies of the commits that no pull request claims: they block.

Requests are saved without weakening that rule: a merge commit is looked up
first, and when its pull request is approved, the commits of that pull request
(``/pulls/{n}/commits``) in the range are covered by it without a lookup of
their own. Everything else is looked up. Lookups and the reviews, commits and
files of each pull request are fetched concurrently in a small pool.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from releasegate.context import CommitInfo
from releasegate.errors import ForgeNotFound
from releasegate.forge.github import Membership, PullCommit, PullFile, PullRequest, Review
from releasegate.ghevent import MergeQueue
from releasegate.model import JSONValue
from releasegate.review.approvals import PullJudgement, Rules, judge_pull
from releasegate.review.text import describe_commit, quoted

MAX_COMMITS_NAMED = 5
# The subjects GitHub gives a merge queue's commits: a merge, or a squash.
_QUEUE_MERGE = re.compile(r"Merge pull request #(?P<n>[1-9][0-9]{0,9}) from \S")
_QUEUE_SQUASH = re.compile(r".*\(#(?P<n>[1-9][0-9]{0,9})\)")


class ReviewSource(Protocol):
    """What the review rules need from a forge (``forge.github.GitHubReviews``)."""

    def pulls_for_commit(self, sha: str) -> list[PullRequest]: ...

    def pull(self, number: int) -> PullRequest: ...

    def reviews(self, number: int) -> list[Review]: ...

    def commits(self, number: int) -> list[PullCommit]: ...

    def files(self, number: int) -> list[PullFile]: ...

    def membership(self, org: str, team: str, login: str) -> Membership: ...


@dataclass(frozen=True, kw_only=True)
class Coverage:
    commit: CommitInfo
    pull: int | None  # the pull request that covers it, or the one that failed to
    covered: bool
    how: str

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "sha": self.commit.sha,
            "subject": self.commit.subject,
            "author": self.commit.author,
            "pull_request": self.pull,
            "covered": self.covered,
            "how": self.how,
        }


@dataclass(frozen=True, kw_only=True)
class RangeOutcome:
    coverage: tuple[Coverage, ...]  # in the order of the range (newest first)
    pulls: tuple[PullJudgement, ...]  # by number
    reasons: tuple[str, ...]  # one per failing pull request or direct push
    queued: frozenset[int] = frozenset()  # merge_group: the queued pull requests judged
    not_queued: dict[int, str] = field(default_factory=dict)  # named, not queued: why

    @property
    def passed(self) -> bool:
        return all(c.covered for c in self.coverage)


# Whether a queue commit holds exactly a pull request's change: None when it does, else why.
SameChange = Callable[[CommitInfo, PullRequest], "str | None"]


class _Verifier:
    def __init__(
        self,
        source: ReviewSource,
        rules: Rules,
        pool: ThreadPoolExecutor,
        queue: MergeQueue | None = None,
        same_change: SameChange | None = None,
    ) -> None:
        self.source = source
        self.rules = rules
        self.pool = pool
        self.queue = queue
        self.same_change = same_change
        self.judged: dict[int, PullJudgement] = {}
        self.pull_commits: dict[int, frozenset[str]] = {}
        self.queued: dict[int, PullRequest] = {}  # the open pull requests of the merge group
        self.not_queued: dict[int, str] = {}  # named by the group, but not in it: why

    def eligible(self, pull: PullRequest) -> bool:
        """Whether ``pull`` can cover a commit: merged, or queued in the merge group."""
        return pull.merged or pull.number in self.queued

    def find_queue(self, commits: Sequence[CommitInfo]) -> None:
        """The merge group's pull requests: the one its ref names and those its commits
        name, each open and based on the queue's branch."""
        queue = self.queue
        if queue is None:
            return
        named = {queue.last_pull}
        for commit in commits:
            number = _queue_commit_pull(commit)
            if number is not None:
                named.add(number)
        for number, found in zip(
            sorted(named), self.pool.map(self._queued_pull, sorted(named)), strict=True
        ):
            if isinstance(found, str):
                self.not_queued[number] = found
            else:
                self.queued[number] = found
        self.judge_all(self.queued.values())

    def _queued_pull(self, number: int) -> PullRequest | str:
        assert self.queue is not None  # noqa: S101 - only called with a queue
        try:
            pull = self.source.pull(number)
        except ForgeNotFound:
            return f"there is no PR #{number}"
        if pull.merged or pull.state != "open":
            return f"PR #{number} is {pull.state}{' and merged' if pull.merged else ''}, not queued"
        if pull.base_ref != self.queue.branch:
            return (
                f"PR #{number} is based on {quoted(pull.base_ref)}, not on the queue's branch "
                f"{quoted(self.queue.branch)}"
            )
        return pull

    def queue_commit(self, commit: CommitInfo) -> Coverage | None:
        """The merge queue's own commit for a queued pull request, judged by it."""
        number = _queue_commit_pull(commit)
        if self.queue is None or number is None:
            return None
        pull = self.queued.get(number)
        if pull is None:
            why = self.not_queued.get(number, f"PR #{number} is not in the merge group")
            return Coverage(
                commit=commit,
                pull=None,
                covered=False,
                how=f"names PR #{number} as the merge queue does, but {why} (pushed by "
                f"{commit.author})",
            )
        if len(commit.parents) == 2 and commit.parents[1] != pull.head_sha:
            return Coverage(
                commit=commit,
                pull=None,
                covered=False,
                how=f"a merge naming queued PR #{number} that does not merge its head "
                f"{pull.head_sha[:12]} (pushed by {commit.author})",
            )
        differs = (
            "its content cannot be compared with the pull request's"
            if self.same_change is None
            else self.same_change(commit, pull)
        )
        if differs is not None:
            kind = "merge" if len(commit.parents) == 2 else "squash"
            return Coverage(
                commit=commit,
                pull=None,
                covered=False,
                how=f"a {kind} naming queued PR #{number} that is not what the queue writes: "
                f"{differs} (pushed by {commit.author})",
            )
        approved = self.judged[number].approved
        return Coverage(
            commit=commit,
            pull=number,
            covered=approved,
            how=f"merge queue commit of queued PR #{number}"
            + ("" if approved else ", which is not approved"),
        )

    def lookup(self, shas: Sequence[str]) -> dict[str, list[PullRequest]]:
        return dict(zip(shas, self.pool.map(self.source.pulls_for_commit, shas), strict=True))

    def judge_all(self, pulls: Iterable[PullRequest]) -> None:
        todo = {p.number: p for p in pulls if self.eligible(p) and p.number not in self.judged}
        for judgement, commits in self.pool.map(self._judge, todo.values()):
            self.judged[judgement.pull.number] = judgement
            self.pull_commits[judgement.pull.number] = commits

    def _judge(self, pull: PullRequest) -> tuple[PullJudgement, frozenset[str]]:
        reviews = self.source.reviews(pull.number)
        commits = self.source.commits(pull.number)
        needs_files = self.rules.codeowners is not None and bool(self.rules.codeowners.rules)
        files = self.source.files(pull.number) if needs_files else None
        judgement = judge_pull(
            pull,
            reviews=reviews,
            commits=commits,
            files=files,
            rules=self.rules,
            membership=self.source.membership,
        )
        return judgement, frozenset(c.sha for c in commits)

    def choose(self, commit: CommitInfo, pulls: Sequence[PullRequest], branch: str) -> Coverage:
        merged = [p for p in pulls if self.eligible(p)]
        if not merged:
            queued = self.queue_commit(commit)
            if queued is not None:
                return queued
            how = f"reached {branch} without a pull request (direct push by {commit.author})"
            unmerged = [p for p in pulls if not p.merged]
            if unmerged:
                listed = ", ".join(
                    f"PR #{p.number} {quoted(p.title)} ({p.state}, not merged)" for p in unmerged
                )
                how = (
                    f"reached {branch} without a merged pull request (only in {listed}; "
                    f"pushed by {commit.author})"
                )
            return Coverage(commit=commit, pull=None, covered=False, how=how)
        exact = [p for p in merged if p.merge_commit_sha == commit.sha]
        containing = [
            p
            for p in merged
            if p not in exact and commit.sha in self.pull_commits.get(p.number, frozenset())
        ]
        associated = [p for p in merged if p not in exact and p not in containing]
        ranked = [
            *((p, "merge commit of") for p in exact),
            *((p, "a commit of") for p in containing),
            *((p, "brought in by") for p in associated),
        ]
        for pull, relation in ranked:
            if self.judged[pull.number].approved:
                return Coverage(
                    commit=commit,
                    pull=pull.number,
                    covered=True,
                    how=f"{relation} approved PR #{pull.number}",
                )
        pull, relation = ranked[0]
        return Coverage(
            commit=commit,
            pull=pull.number,
            covered=False,
            how=f"{relation} PR #{pull.number}, which is not approved",
        )


def _queue_commit_pull(commit: CommitInfo) -> int | None:
    """The pull request a merge queue commit is for, by GitHub's subject and shape."""
    if len(commit.parents) == 2:
        match = _QUEUE_MERGE.match(commit.subject)
    elif len(commit.parents) == 1:
        match = _QUEUE_SQUASH.fullmatch(commit.subject)
    else:
        return None
    return None if match is None else int(match["n"])


def _branch(ref: str | None) -> str:
    if ref and ref.startswith("refs/heads/"):
        return ref.removeprefix("refs/heads/")
    return "the release"


def verify_range(
    commits: Sequence[CommitInfo],
    source: ReviewSource,
    rules: Rules,
    *,
    ref: str | None = None,
    workers: int = 4,
    queue: MergeQueue | None = None,
    same_change: SameChange | None = None,
) -> RangeOutcome:
    """Judge every commit of the range. Forge errors propagate (they block as errors).

    ``queue``: a merge_group event's merge queue; its queued pull requests count."""
    branch = _branch(ref) if queue is None else f"the merge queue of {queue.branch}"
    in_range = {c.sha: c for c in commits}
    coverage: dict[str, Coverage] = {}
    with ThreadPoolExecutor(max_workers=max(workers, 1), thread_name_prefix="review") as pool:
        verifier = _Verifier(source, rules, pool, queue, same_change)
        verifier.find_queue(commits)
        merges = [c for c in commits if len(c.parents) > 1]
        found = verifier.lookup([c.sha for c in merges])
        verifier.judge_all(p for pulls in found.values() for p in pulls)
        for merge in merges:
            chosen = verifier.choose(merge, found[merge.sha], branch)
            coverage[merge.sha] = chosen
            if chosen.covered and chosen.pull is not None:
                judged = verifier.judged[chosen.pull].pull
                if judged.merge_commit_sha != merge.sha:
                    continue
                for sha in verifier.pull_commits[chosen.pull] & in_range.keys():
                    if sha not in coverage:
                        coverage[sha] = Coverage(
                            commit=in_range[sha],
                            pull=chosen.pull,
                            covered=True,
                            how=f"a commit of approved PR #{chosen.pull} (merged by "
                            f"{merge.sha[:7]})",
                        )
        rest = [c for c in commits if c.sha not in coverage]
        found = verifier.lookup([c.sha for c in rest])
        verifier.judge_all(p for pulls in found.values() for p in pulls)
        for commit in rest:
            coverage[commit.sha] = verifier.choose(commit, found[commit.sha], branch)
    ordered = tuple(coverage[c.sha] for c in commits)
    return RangeOutcome(
        coverage=ordered,
        pulls=tuple(verifier.judged[n] for n in sorted(verifier.judged)),
        reasons=_reasons(ordered, verifier.judged, branch),
        queued=frozenset(verifier.queued),
        not_queued=dict(verifier.not_queued),
    )


def _reasons(
    coverage: Sequence[Coverage], judged: dict[int, PullJudgement], branch: str
) -> tuple[str, ...]:
    """One reason per direct push and per failing pull request, oldest first."""
    entries: list[CommitInfo | int] = []
    failing: dict[int, list[CommitInfo]] = {}
    for item in reversed(coverage):  # git log order is newest first
        if item.covered:
            continue
        if item.pull is None:
            entries.append(item.commit)
            continue
        if item.pull not in failing:
            failing[item.pull] = []
            entries.append(item.pull)
        failing[item.pull].append(item.commit)
    hows = {c.commit.sha: c.how for c in coverage}
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, CommitInfo):
            out.append(f"commit {describe_commit(entry)} {hows[entry.sha]}")
            continue
        judgement = judged[entry]
        pull_commits = failing[entry]
        named = ", ".join(describe_commit(c) for c in pull_commits[:MAX_COMMITS_NAMED])
        if len(pull_commits) > MAX_COMMITS_NAMED:
            named += f" and {len(pull_commits) - MAX_COMMITS_NAMED} more"
        problems = "; and it ".join(judgement.problems)
        plural = "s" if len(pull_commits) != 1 else ""
        out.append(
            f"PR #{entry} {quoted(judgement.pull.title)} {problems} "
            f"[commit{plural} that reached {branch} through it: {named}]"
        )
    return tuple(out)
