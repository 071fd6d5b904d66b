"""When a pull request counts as approved: pure rules over GitHub's reviews.

An approval counts only when all of these hold:

- it is the reviewer's latest review that is not COMMENTED (APPROVED and then
  CHANGES_REQUESTED is no approval; a DISMISSED review is none);
- the reviewer is a user (``user`` is not null) and not a bot (``type`` Bot,
  or a login ending in ``[bot]``);
- the reviewer is not the pull request's author, and, when the policy says so
  (``review.exclude_committers``), did not commit to it;
- it was given for the pull request's final head commit (an approval from
  before later pushes is stale).

A pull request is approved with at least ``required_approvals`` distinct
approvers and, when CODEOWNERS applies, an approval from an owner of every
owned path it changes. Every approval that does not count is recorded with
its reason.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from releasegate.forge.github import (
    Account,
    Membership,
    PullCommit,
    PullFile,
    PullRequest,
    Review,
    ReviewState,
)
from releasegate.model import JSONValue
from releasegate.review.codeowners import CodeOwners, Owner, OwnerKind
from releasegate.review.text import short

MAX_PATHS_SHOWN = 5
GITHUB_FILES_LIMIT = 3000  # /pulls/{n}/files lists at most this many files


class Rejection(enum.Enum):
    STALE = "stale"
    SELF = "self-approval"
    BOT = "bot"
    NULL_USER = "null user"
    DISMISSED = "dismissed"
    SUPERSEDED = "superseded"
    COMMITTER = "committer"
    NOT_OWNER = "not a code owner"


@dataclass(frozen=True, kw_only=True)
class RejectedApproval:
    reviewer: str | None
    reason: Rejection
    detail: str
    review_id: int
    commit_id: str | None

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "reviewer": self.reviewer,
            "reason": self.reason.value,
            "detail": self.detail,
            "review_id": self.review_id,
            "commit_id": self.commit_id,
        }


@dataclass(frozen=True, kw_only=True)
class ApprovalCount:
    approvers: tuple[str, ...]  # distinct logins whose approval counts, in review order
    rejected: tuple[RejectedApproval, ...]
    approvals: tuple[Review, ...] = ()  # the counted reviews, one per approver


@dataclass(frozen=True, kw_only=True)
class OwnerGap:
    """Owned paths of a pull request that no owner approved."""

    owners: tuple[str, ...]
    paths: tuple[str, ...]
    notes: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.paths[:MAX_PATHS_SHOWN])
        if len(self.paths) > MAX_PATHS_SHOWN:
            shown += f" and {len(self.paths) - MAX_PATHS_SHOWN} more"
        text = f"has no approval from a code owner ({' or '.join(self.owners)}) of {shown}"
        if self.notes:
            text += " (" + "; ".join(self.notes) + ")"
        return text

    def to_json(self) -> dict[str, JSONValue]:
        return {"owners": list(self.owners), "paths": list(self.paths), "notes": list(self.notes)}


@dataclass(frozen=True, kw_only=True)
class Rules:
    """The review rules of the trusted policy."""

    required_approvals: int
    exclude_committers: bool
    allowed_bots: frozenset[str]  # lower-cased logins
    codeowners: CodeOwners | None


@dataclass(frozen=True, kw_only=True)
class PullJudgement:
    pull: PullRequest
    approved: bool
    approvers: tuple[str, ...]
    rejected: tuple[RejectedApproval, ...]
    owner_gaps: tuple[OwnerGap, ...]
    problems: tuple[str, ...]  # why it is not approved, one clause each
    allowed_bot: bool = False
    owners_checked: int = 0  # owned paths

    def to_json(self) -> dict[str, JSONValue]:
        pull = self.pull
        return {
            "number": pull.number,
            "title": pull.title,
            "author": pull.author.login if pull.author else None,
            "state": pull.state,
            "merged_at": pull.merged_at,
            "head_sha": pull.head_sha,
            "merge_commit_sha": pull.merge_commit_sha,
            "base_ref": pull.base_ref,
            "approved": self.approved,
            "approvers": list(self.approvers),
            "rejected_approvals": [r.to_json() for r in self.rejected],
            "code_owner_gaps": [g.to_json() for g in self.owner_gaps],
            "owned_paths": self.owners_checked,
            "allowed_bot": self.allowed_bot,
            "problems": list(self.problems),
        }


def count_approvals(
    pull: PullRequest, reviews: Sequence[Review], commits: Sequence[PullCommit], rules: Rules
) -> ApprovalCount:
    author = pull.author.login.lower() if pull.author else None
    committers = {
        login.lower()
        for commit in commits
        for login in (commit.author_login, commit.committer_login)
        if login
    }
    ordered = sorted(enumerate(reviews), key=lambda item: (item[1].submitted_at or "", item[0]))
    rejected: list[RejectedApproval] = []
    latest: dict[str, Review] = {}
    history: dict[str, list[Review]] = {}
    names: dict[str, str] = {}
    for _, review in ordered:
        if review.state in (ReviewState.COMMENTED, ReviewState.PENDING):
            continue
        if review.user is None:
            if review.state is ReviewState.APPROVED:
                rejected.append(
                    RejectedApproval(
                        reviewer=None,
                        reason=Rejection.NULL_USER,
                        detail="an approval by a deleted account (user is null) does not count",
                        review_id=review.id,
                        commit_id=review.commit_id,
                    )
                )
            continue
        key = review.user.login.lower()
        names.setdefault(key, review.user.login)
        latest[key] = review
        history.setdefault(key, []).append(review)

    approvers: list[str] = []
    approvals: list[Review] = []
    for key, review in latest.items():
        user = review.user
        assert user is not None  # noqa: S101 - null users were set aside above
        login = names[key]
        for earlier in history[key][:-1]:
            if earlier.state is ReviewState.APPROVED and review.state is not ReviewState.APPROVED:
                rejected.append(
                    RejectedApproval(
                        reviewer=login,
                        reason=Rejection.SUPERSEDED,
                        detail=f"{login}'s approval was superseded by a later "
                        f"{review.state.value} review",
                        review_id=earlier.id,
                        commit_id=earlier.commit_id,
                    )
                )
        if review.state is ReviewState.DISMISSED:
            rejected.append(
                RejectedApproval(
                    reviewer=login,
                    reason=Rejection.DISMISSED,
                    detail=f"{login}'s review was dismissed",
                    review_id=review.id,
                    commit_id=review.commit_id,
                )
            )
            continue
        if review.state is not ReviewState.APPROVED:
            continue
        reason = _disqualified(
            user=user,
            key=key,
            review=review,
            pull=pull,
            author=author,
            committers=committers,
            rules=rules,
        )
        if reason is not None:
            rejected.append(reason)
            continue
        approvers.append(login)
        approvals.append(review)
    return ApprovalCount(
        approvers=tuple(approvers), rejected=tuple(rejected), approvals=tuple(approvals)
    )


def _disqualified(
    *,
    user: Account,
    key: str,
    review: Review,
    pull: PullRequest,
    author: str | None,
    committers: set[str],
    rules: Rules,
) -> RejectedApproval | None:
    login = user.login

    def reject(reason: Rejection, detail: str) -> RejectedApproval:
        return RejectedApproval(
            reviewer=login,
            reason=reason,
            detail=detail,
            review_id=review.id,
            commit_id=review.commit_id,
        )

    if user.is_bot:
        return reject(Rejection.BOT, f"{login} is a bot (a bot's approval does not count)")
    if author is not None and key == author:
        return reject(Rejection.SELF, f"{login} is the PR author (self-approval)")
    if rules.exclude_committers and key in committers:
        return reject(
            Rejection.COMMITTER,
            f"{login} committed to the PR (review.exclude_committers)",
        )
    if review.commit_id != pull.head_sha:
        return reject(
            Rejection.STALE,
            f"{login}'s approval is stale (given at {short(review.commit_id)}, "
            f"the final head is {short(pull.head_sha)})",
        )
    return None


MembershipLookup = Callable[[str, str, str], Membership]


def _owner_matches(
    owner: Owner, login: str, membership: MembershipLookup, notes: list[str]
) -> bool:
    if owner.kind is OwnerKind.USER:
        return owner.login.lower() == login.lower()
    if owner.kind is OwnerKind.TEAM:
        state = membership(owner.org, owner.team, login)
        if state is Membership.ACTIVE:
            return True
        team = f"@{owner.org}/{owner.team}"
        if state is Membership.PENDING:
            notes.append(f"{login}'s membership of {team} is pending, not active")
        elif state is Membership.NOT_MEMBER:
            notes.append(f"{login} is not a member of {team}")
        else:
            notes.append(
                f"cannot tell whether {login} is a member of {team}: GitHub answers 404 for "
                "the team itself, so the token most likely cannot see the team's members "
                "(it needs members: read), or the team does not exist"
            )
        return False
    return False  # an e-mail address cannot be matched to a GitHub reviewer


def code_owner_gaps(
    paths: Sequence[str], owners: CodeOwners, approvers: Sequence[str], membership: MembershipLookup
) -> tuple[tuple[OwnerGap, ...], int]:
    """Owned paths no approver owns, grouped by owners; and the number of owned paths."""
    by_rule: dict[int, list[str]] = {}
    rules = {}
    for path in paths:
        rule = owners.rule_for(path)
        if rule is None or not rule.owners:
            continue
        by_rule.setdefault(rule.line, []).append(path)
        rules[rule.line] = rule
    gaps: list[OwnerGap] = []
    for line, owned in by_rule.items():
        rule = rules[line]
        notes: list[str] = []
        satisfied = False
        for login in approvers:
            if any(_owner_matches(owner, login, membership, notes) for owner in rule.owners):
                satisfied = True
                break
        if satisfied:
            continue
        if all(owner.kind is OwnerKind.EMAIL for owner in rule.owners):
            notes.append(
                "owners given only as e-mail addresses cannot be matched to GitHub reviews"
            )
        gaps.append(
            OwnerGap(
                owners=tuple(owner.text for owner in rule.owners),
                paths=tuple(sorted(owned)),
                notes=tuple(dict.fromkeys(notes)),
            )
        )
    owned_count = sum(len(p) for p in by_rule.values())
    return tuple(gaps), owned_count


def judge_pull(
    pull: PullRequest,
    *,
    reviews: Sequence[Review],
    commits: Sequence[PullCommit],
    files: Sequence[PullFile] | None,
    rules: Rules,
    membership: MembershipLookup,
) -> PullJudgement:
    """Whether ``pull`` is approved under ``rules``, with every reason it is not."""
    author = pull.author
    if author is not None and author.login.lower() in rules.allowed_bots:
        return PullJudgement(
            pull=pull,
            approved=True,
            approvers=(),
            rejected=(),
            owner_gaps=(),
            problems=(),
            allowed_bot=True,
        )
    count = count_approvals(pull, reviews, commits, rules)
    problems: list[str] = []
    if len(count.approvers) < rules.required_approvals:
        clauses = [f"counted: {', '.join(count.approvers)}"] if count.approvers else []
        clauses += [r.detail for r in count.rejected]
        if not clauses:
            clauses.append("no reviews" if not reviews else "no approving reviews")
        problems.append(
            f"has {len(count.approvers)} of {rules.required_approvals} required approvals "
            f"at its final head {short(pull.head_sha)}: {'; '.join(clauses)}"
        )
    gaps: tuple[OwnerGap, ...] = ()
    owned = 0
    rejected = list(count.rejected)
    if rules.codeowners is not None and rules.codeowners.rules:
        if files is None:
            raise ValueError("code owners need the pull request's files")
        if len(files) >= GITHUB_FILES_LIMIT:
            problems.append(
                f"changes {len(files)} or more files, and GitHub lists at most "
                f"{GITHUB_FILES_LIMIT}: its code owners cannot be verified"
            )
        paths = sorted(
            {f.filename for f in files}
            | {f.previous_filename for f in files if f.previous_filename}
        )
        gaps, owned = code_owner_gaps(paths, rules.codeowners, count.approvers, membership)
        for gap in gaps:
            problems.append(gap.describe())
        if gaps:
            unowned = ", ".join(p for gap in gaps for p in gap.paths[:MAX_PATHS_SHOWN])
            for login, review in zip(count.approvers, count.approvals, strict=True):
                rejected.append(
                    RejectedApproval(
                        reviewer=login,
                        reason=Rejection.NOT_OWNER,
                        detail=f"{login} is not a code owner of {unowned}",
                        review_id=review.id,
                        commit_id=review.commit_id,
                    )
                )
    if author is not None and author.is_bot and problems:
        problems.append(
            f"is by the bot {author.login}, whose pull requests need the same review unless "
            "review.allowed_bots lists it"
        )
    return PullJudgement(
        pull=pull,
        approved=not problems,
        approvers=count.approvers,
        rejected=tuple(rejected),
        owner_gaps=gaps,
        problems=tuple(problems),
        owners_checked=owned,
    )
