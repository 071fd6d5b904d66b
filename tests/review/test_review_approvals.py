"""The approval rules as pure functions over GitHub's review values (no server)."""

from __future__ import annotations

import dataclasses

from releasegate.forge.github import (
    Account,
    Membership,
    PullCommit,
    PullFile,
    PullRequest,
    Review,
    ReviewState,
)
from releasegate.review.approvals import Rejection, Rules, count_approvals, judge_pull
from releasegate.review.codeowners import parse_codeowners

HEAD = "b" * 40
OLD = "a" * 40
PULL = PullRequest(
    number=3,
    title="Change",
    author=Account(login="Alice", type="User"),
    state="closed",
    merged_at="2024-01-01T00:00:00Z",
    merge_commit_sha="c" * 40,
    head_sha=HEAD,
    base_ref="main",
)
RULES = Rules(
    required_approvals=1, exclude_committers=False, allowed_bots=frozenset(), codeowners=None
)


def review(
    login: str | None,
    state: str = "APPROVED",
    *,
    at: int = 0,
    commit: str = HEAD,
    kind: str = "User",
) -> Review:
    return Review(
        id=100 + at,
        user=Account(login=login, type=kind) if login is not None else None,
        state=ReviewState(state),
        commit_id=commit,
        submitted_at=f"2024-01-01T00:{at:02d}:00Z",
    )


def no_membership(org: str, team: str, login: str) -> Membership:
    raise AssertionError("no team lookups expected")


def test_latest_non_comment_state_per_reviewer_decides() -> None:
    reviews = [
        review("bob", "CHANGES_REQUESTED", at=1),
        review("bob", "APPROVED", at=2),
        review("bob", "COMMENTED", at=3),
        review("carol", "APPROVED", at=4),
        review("carol", "CHANGES_REQUESTED", at=5),
    ]
    counted = count_approvals(PULL, reviews, [], RULES)
    assert counted.approvers == ("bob",)
    [superseded] = counted.rejected
    assert superseded.reviewer == "carol" and superseded.reason is Rejection.SUPERSEDED


def test_reviews_are_ordered_by_submission_time_not_list_order() -> None:
    reviews = [review("bob", "CHANGES_REQUESTED", at=9), review("bob", "APPROVED", at=1)]
    assert count_approvals(PULL, reviews, [], RULES).approvers == ()


def test_author_match_ignores_case_and_bots_are_recognised_both_ways() -> None:
    reviews = [
        review("alice", at=1),
        review("renovate", at=2, kind="Bot"),
        review("ci[bot]", at=3),
    ]
    rejected = {r.reviewer: r.reason for r in count_approvals(PULL, reviews, [], RULES).rejected}
    assert rejected == {
        "alice": Rejection.SELF,
        "renovate": Rejection.BOT,
        "ci[bot]": Rejection.BOT,
    }


def test_pending_reviews_and_null_commit_ids() -> None:
    reviews = [
        Review(
            id=1,
            user=Account(login="bob", type="User"),
            state=ReviewState.PENDING,
            commit_id=HEAD,
            submitted_at=None,
        ),
        review("carol", commit=OLD),
    ]
    counted = count_approvals(PULL, reviews, [], RULES)
    assert counted.approvers == ()
    assert [r.reason for r in counted.rejected] == [Rejection.STALE]


def test_committers_are_excluded_only_when_the_policy_says_so() -> None:
    commits = [
        PullCommit(
            sha=OLD,
            author_login="alice",
            committer_login="Bob",
            author_name="A",
            author_email="a@x",
        ),
    ]
    strict = Rules(
        required_approvals=1, exclude_committers=True, allowed_bots=frozenset(), codeowners=None
    )
    assert count_approvals(PULL, [review("bob")], commits, RULES).approvers == ("bob",)
    counted = count_approvals(PULL, [review("bob")], commits, strict)
    assert counted.approvers == ()
    assert counted.rejected[0].reason is Rejection.COMMITTER


def test_zero_required_approvals_passes_without_reviews() -> None:
    rules = Rules(
        required_approvals=0, exclude_committers=False, allowed_bots=frozenset(), codeowners=None
    )
    judged = judge_pull(
        PULL, reviews=[], commits=[], files=None, rules=rules, membership=no_membership
    )
    assert judged.approved


def test_code_owners_user_and_email_owners() -> None:
    owners = parse_codeowners("*.md docs@example.com\nsrc/ @Bob\n", "CODEOWNERS")
    rules = Rules(
        required_approvals=1, exclude_committers=False, allowed_bots=frozenset(), codeowners=owners
    )
    files = [
        PullFile(filename="src/a.py", previous_filename=None),
        PullFile(filename="README.md", previous_filename="OLD.md"),
    ]
    judged = judge_pull(
        PULL,
        reviews=[review("bob")],
        commits=[],
        files=files,
        rules=rules,
        membership=no_membership,
    )
    assert not judged.approved
    [gap] = judged.owner_gaps
    assert gap.paths == ("OLD.md", "README.md")  # a rename needs the old path's owner too
    assert "cannot be matched to GitHub reviews" in gap.notes[0]
    assert judged.owners_checked == 3


def test_team_owner_is_satisfied_by_an_active_member() -> None:
    owners = parse_codeowners("src/ @acme/core\n", "CODEOWNERS")
    rules = Rules(
        required_approvals=1, exclude_committers=False, allowed_bots=frozenset(), codeowners=owners
    )
    asked: list[tuple[str, str, str]] = []

    def membership(org: str, team: str, login: str) -> Membership:
        asked.append((org, team, login))
        return Membership.ACTIVE if login == "carol" else Membership.NOT_MEMBER

    files = [PullFile(filename="src/a.py", previous_filename=None)]
    judged = judge_pull(
        PULL,
        reviews=[review("bob", at=1), review("carol", at=2)],
        commits=[],
        files=files,
        rules=rules,
        membership=membership,
    )
    assert judged.approved, judged.problems
    assert asked == [("acme", "core", "bob"), ("acme", "core", "carol")]


def test_allowed_bot_needs_no_review_but_another_bot_does() -> None:
    bot_pull = dataclasses.replace(PULL, author=Account(login="dependabot[bot]", type="Bot"))
    allowed = Rules(
        required_approvals=1,
        exclude_committers=False,
        allowed_bots=frozenset({"dependabot[bot]"}),
        codeowners=None,
    )
    assert judge_pull(
        bot_pull, reviews=[], commits=[], files=None, rules=allowed, membership=no_membership
    ).allowed_bot
    judged = judge_pull(
        bot_pull, reviews=[], commits=[], files=None, rules=RULES, membership=no_membership
    )
    assert not judged.approved
    assert any("is by the bot dependabot[bot]" in p for p in judged.problems)
