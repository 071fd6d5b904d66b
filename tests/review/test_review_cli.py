"""End to end: ``releasegate run --only review`` on real repositories against the fake
GitHub over real HTTP. Each test proves one rule of the review semantics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakegithub import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    DEPENDABOT,
    TOKEN,
    FakeGitHub,
    Fault,
    Forge,
    Person,
    Run,
    policy_text,
    run_review,
    secondary_rate_limit,
    server_error,
)
from rg_testlib import GitRepo


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def start(
    repo: GitRepo, gh: FakeGitHub, policy: str | None = None, **files: str
) -> tuple[Forge, str]:
    """The base commit (with the trusted policy) and a Forge building on it."""
    repo.commit(
        "initial", **{".releasegate.yml": policy or policy_text(), "README.md": "hi\n", **files}
    )
    return Forge(repo, gh), repo.head()


def review(repo: GitRepo, base: str, tmp_path: Path, gh: FakeGitHub, **env: str) -> Run:
    return run_review(repo, base, tmp_path, gh.env(**env))


def test_pull_request_approved_at_its_head_passes(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Add parser", ALICE, [("parser", {"p.py": "1\n"}), ("tests", {})])
    gh.review(pull.number, CAROL, "COMMENTED")
    gh.review(pull.number, BOB)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 0, run.done.stdout
    assert run.report["decision"] == "partial-pass"  # --only review
    assert run.review["status"] == "pass"
    evidence = run.pull(1)
    assert evidence["approved"] is True
    assert evidence["approvers"] == ["bob"]
    assert evidence["head_sha"] == pull.head_sha
    assert evidence["merge_commit_sha"] == pull.merge_commit_sha
    assert all(c["covered"] for c in run.review["evidence"]["commits"])
    assert len(run.review["evidence"]["commits"]) == 3  # two commits and the merge commit
    assert run.commit(str(pull.merge_commit_sha))["how"] == "merge commit of approved PR #1"
    # every request carried the token, and each distinct one was answered once
    # the merge commit's lookup finds the approved PR, which covers its own commits
    lookups = [e for e in gh.requests("/commits/") if e.path.endswith("/pulls")]
    assert [e.path for e in lookups] == [gh.repo_path(f"/commits/{pull.merge_commit_sha}/pulls")]
    assert gh.requests() and all(entry.authorized for entry in gh.requests())
    assert gh.answered_twice() == []
    assert run.review["evidence"]["requests"]["http_requests"] == len(gh.requests())


def test_self_approval_does_not_count(repo: GitRepo, gh: FakeGitHub, tmp_path: Path) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Add cache", ALICE)
    gh.review(pull.number, ALICE)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert run.review["status"] == "fail"
    [reason] = run.reasons
    assert reason.startswith("review: PR #1 'Add cache' has 0 of 1 required approvals")
    assert "alice is the PR author (self-approval)" in reason
    assert f"{pull.head_sha[:7]} 'Add cache'" in reason  # the commit, short sha and subject
    [rejected] = run.pull(1)["rejected_approvals"]
    assert rejected["reviewer"] == "alice" and rejected["reason"] == "self-approval"


def test_stale_approval_from_before_later_pushes_does_not_count(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request(
        "Retry", ALICE, [("first", {"r.py": "1\n"}), ("second", {"r.py": "2\n"})]
    )
    first = pull.commits[0]["sha"]
    gh.review(pull.number, BOB, commit_id=first)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    [reason] = run.reasons
    assert f"bob's approval is stale (given at {first[:7]}" in reason
    assert f"final head {pull.head_sha[:7]}" in reason
    assert run.pull(1)["rejected_approvals"][0]["reason"] == "stale"


def test_direct_push_is_listed_with_author_and_subject(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Reviewed change", ALICE)
    gh.review(pull.number, BOB)
    sha = forge.direct_push(CAROL, "Hotfix straight to main", **{"hot.py": "x = 1\n"})
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert run.reasons == [
        f"review: commit {sha[:7]} 'Hotfix straight to main' reached main without a pull "
        "request (direct push by Carol <carol@example.com>)"
    ]
    assert run.commit(sha)["covered"] is False
    assert run.commit(sha)["pull_request"] is None


def test_approval_on_the_second_page_of_reviews_counts(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    assert gh.page_size == 2
    forge, base = start(repo, gh)
    pull = forge.pull_request("Paged", ALICE)
    for who in (CAROL, DAVE, CAROL):
        gh.review(pull.number, who, "COMMENTED")
    gh.review(pull.number, BOB)  # the fourth review: page 2
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 0, run.reasons
    assert run.pull(1)["approvers"] == ["bob"]
    pages = [e.query for e in gh.requests("/pulls/1/reviews")]
    assert any("page=2" in query for query in pages)
    assert all("per_page=100" in query for query in pages)


def test_dismissed_approval_does_not_count(repo: GitRepo, gh: FakeGitHub, tmp_path: Path) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Dismissed", ALICE)
    gh.review(pull.number, BOB, "DISMISSED")
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "bob's review was dismissed" in run.reasons[0]
    assert run.pull(1)["rejected_approvals"][0]["reason"] == "dismissed"


def test_approval_followed_by_changes_requested_does_not_count(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Flip-flop", ALICE)
    gh.review(pull.number, BOB)
    gh.review(pull.number, BOB, "COMMENTED")  # a later comment does not change the state
    gh.review(pull.number, BOB, "CHANGES_REQUESTED")
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "bob's approval was superseded by a later CHANGES_REQUESTED review" in run.reasons[0]


def test_bot_approval_does_not_count(repo: GitRepo, gh: FakeGitHub, tmp_path: Path) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Bot approved", ALICE)
    gh.review(pull.number, Person("approver-bot", "x", "x@example.com", "Bot"))
    gh.review(pull.number, Person("helper[bot]", "y", "y@example.com"))  # type User, [bot] login
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "approver-bot is a bot" in run.reasons[0]
    assert "helper[bot] is a bot" in run.reasons[0]


def test_approval_by_a_deleted_account_does_not_count(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Ghost approved", ALICE)
    gh.review(pull.number, None)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "deleted account (user is null)" in run.reasons[0]
    assert run.pull(1)["rejected_approvals"][0] == {
        "reviewer": None,
        "reason": "null user",
        "detail": "an approval by a deleted account (user is null) does not count",
        "review_id": run.pull(1)["rejected_approvals"][0]["review_id"],
        "commit_id": pull.head_sha,
    }


def test_squash_merged_pull_request_covers_its_commit(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request(
        "Squashed", ALICE, [("a", {"s.py": "1\n"}), ("b", {"s.py": "2\n"})], merge="squash"
    )
    gh.review(pull.number, BOB)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 0, run.reasons
    [commit] = run.review["evidence"]["commits"]
    assert commit["sha"] == pull.merge_commit_sha == repo.head()
    assert commit["how"] == "merge commit of approved PR #1"


def test_squash_merge_of_an_unapproved_pull_request_fails(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    forge.pull_request("Unreviewed squash", ALICE, merge="squash")
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert run.reasons[0].startswith("review: PR #1 'Unreviewed squash' has 0 of 1")
    assert "no reviews" in run.reasons[0]


def test_commit_only_in_an_open_pull_request_is_not_reviewed_into_main(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Still open", ALICE, merge="open")
    gh.review(pull.number, BOB)
    # the branch's commit reaches main without the pull request being merged
    repo.git("merge", "--ff-only", "-q", f"pr-{pull.number}")
    forge.sync()
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert (
        "reached main without a merged pull request (only in PR #1 'Still open'" in (run.reasons[0])
    )


def test_bad_gateway_then_success_is_retried(repo: GitRepo, gh: FakeGitHub, tmp_path: Path) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Flaky", ALICE)
    gh.review(pull.number, BOB)
    gh.fail(gh.repo_path("/pulls/1/reviews"), server_error(502))
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 0, run.reasons
    statuses = [e.status for e in gh.requests("/pulls/1/reviews")]
    assert statuses == [502, 200]
    assert run.review["evidence"]["requests"]["retries"] == 1


def test_secondary_rate_limit_beyond_the_wait_cap_is_an_error(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Busy", ALICE)
    gh.review(pull.number, BOB)
    gh.fail(gh.repo_path("/pulls/1/reviews"), secondary_rate_limit(retry_after=120))
    run = review(repo, base, tmp_path, gh, RELEASEGATE_GITHUB_MAX_WAIT="30")
    assert run.done.returncode == 1
    assert run.review["status"] == "error"
    [reason] = run.reasons
    assert "rate limited (403: You have exceeded a secondary rate limit" in reason
    assert "exceed the cap of 30s" in reason
    assert run.review["evidence"]["requests"]["http_requests"] >= 1


def test_persistent_server_error_blocks_as_an_error_never_as_no_reviews(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Down", ALICE)
    gh.review(pull.number, BOB)
    gh.fail_always(gh.repo_path(f"/commits/{pull.merge_commit_sha}/pulls"), server_error(500))
    run = review(repo, base, tmp_path, gh, RELEASEGATE_GITHUB_MAX_WAIT="0")
    assert run.done.returncode == 1
    assert run.review["status"] == "error"
    assert "GitHub answered 500" in run.reasons[0] or "500" in run.reasons[0]
    assert TOKEN not in run.done.stdout + run.done.stderr + run.report_text


def test_no_token_is_an_error_naming_the_permissions(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    forge.pull_request("Anything", ALICE)
    run = review(repo, base, tmp_path, gh, GITHUB_TOKEN="")
    assert run.done.returncode == 1
    assert run.review["status"] == "error"
    [reason] = run.reasons
    assert "GITHUB_TOKEN is not set" in reason
    for permission in ("contents: read", "pull-requests: read", "members: read"):
        assert permission in reason
    assert gh.requests() == []


def test_rejected_token_is_an_error_and_never_printed(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    forge.pull_request("Anything", ALICE)
    gh.token = "the-token-the-server-expects"
    run = review(repo, base, tmp_path, gh, GITHUB_TOKEN=TOKEN)
    assert run.done.returncode == 1
    assert "GitHub rejected the token (401: Bad credentials)" in run.reasons[0]
    assert TOKEN not in run.done.stdout + run.done.stderr + run.report_text


CODEOWNERS = "# owners\n*.md @o/docs\nsrc/ @o/core\n"


@dataclass(frozen=True)
class OwnerCase:
    approver: Person
    members: dict[str, str]
    visible: bool
    passes: bool
    why: str


OWNER_CASES = {
    "member": OwnerCase(BOB, {"bob": "active"}, True, True, ""),
    "non-member": OwnerCase(
        CAROL, {"bob": "active"}, True, False, "carol is not a member of @o/core"
    ),
    "pending": OwnerCase(
        CAROL, {"carol": "pending"}, True, False, "carol's membership of @o/core is pending"
    ),
    "team-invisible": OwnerCase(
        CAROL,
        {"carol": "active"},
        False,
        False,
        "the token most likely cannot see the team's members (it needs members: read)",
    ),
}


@pytest.mark.parametrize("name", list(OWNER_CASES))
def test_code_owner_team_member_is_required_for_owned_paths(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path, name: str
) -> None:
    case = OWNER_CASES[name]
    forge, base = start(repo, gh, **{".github/CODEOWNERS": CODEOWNERS})
    pull = forge.pull_request("Core change", ALICE, [("core", {"src/core.py": "x = 2\n"})])
    gh.add_team("o", "core", case.members, visible=case.visible)
    gh.review(pull.number, case.approver)
    run = review(repo, base, tmp_path, gh)
    assert run.review["evidence"]["codeowners"]["file"].startswith(".github/CODEOWNERS (at base")
    if case.passes:
        assert run.done.returncode == 0, run.reasons
        assert run.pull(1)["owned_paths"] == 1
        return
    assert run.done.returncode == 1
    [reason] = run.reasons
    assert "has no approval from a code owner (@o/core) of src/core.py" in reason
    assert case.why in reason
    assert run.pull(1)["code_owner_gaps"][0]["paths"] == ["src/core.py"]
    assert run.pull(1)["rejected_approvals"][-1]["reason"] == "not a code owner"


def test_codeowners_is_read_from_the_base_not_the_head(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh, **{"CODEOWNERS": "src/ @dave\n"})
    pull = forge.pull_request(
        "Take over ownership",
        ALICE,
        [("own it", {"CODEOWNERS": "src/ @bob\n", "src/x.py": "1\n"})],
    )
    gh.review(pull.number, BOB)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "has no approval from a code owner (@dave) of src/x.py" in run.reasons[0]
    assert run.review["evidence"]["codeowners_changed_in_range"] is True


@pytest.mark.parametrize(
    ("approvers", "passes"),
    [((BOB, CAROL), True), ((BOB, BOB), False)],
    ids=["two-distinct", "one-approver-twice"],
)
def test_two_required_approvals_need_two_distinct_approvers(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path, approvers: tuple[Person, ...], passes: bool
) -> None:
    forge, base = start(repo, gh, policy_text(required_approvals=2))
    pull = forge.pull_request("Needs two", ALICE)
    for who in approvers:
        gh.review(pull.number, who)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == (0 if passes else 1), run.reasons
    if not passes:
        assert "PR #1 'Needs two' has 1 of 2 required approvals" in run.reasons[0]
        assert "counted: bob" in run.reasons[0]


def test_head_lowering_required_approvals_does_not_weaken_the_base_policy(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh, policy_text(required_approvals=2))
    pull = forge.pull_request(
        "Relax review", ALICE, [("relax", {".releasegate.yml": policy_text(required_approvals=1)})]
    )
    gh.review(pull.number, BOB)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "PR #1 'Relax review' has 1 of 2 required approvals" in run.reasons[0]
    assert run.review["evidence"]["required_approvals"] == 2
    assert run.report["policy"]["changed_in_range"] is True


def test_bot_pull_request_needs_review_unless_the_policy_lists_the_bot(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    forge.pull_request("Bump requests", DEPENDABOT)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "is by the bot dependabot[bot]" in run.reasons[0]

    allowed = GitRepo(tmp_path / "allowed")
    forge2, base2 = start(allowed, gh, policy_text(allowed_bots=["dependabot[bot]"]))
    forge2.pull_request("Bump urllib3", DEPENDABOT, number=50)
    run = run_review(allowed, base2, tmp_path, gh.env())
    assert run.done.returncode == 0, run.reasons
    assert run.pull(50)["allowed_bot"] is True


def test_committer_approval_does_not_count_when_the_policy_excludes_committers(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh, policy_text(exclude_committers=True))
    pull = forge.pull_request("Pair work", ALICE)
    pull.commits[0]["committer"] = BOB.account()  # bob committed to it
    gh.review(pull.number, BOB)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "bob committed to the PR (review.exclude_committers)" in run.reasons[0]


def test_github_enterprise_server_api_prefix(repo: GitRepo, tmp_path: Path) -> None:
    with FakeGitHub(prefix="/api/v3") as ghes:
        forge, base = start(repo, ghes)
        pull = forge.pull_request("On GHES", ALICE)
        ghes.review(pull.number, BOB)
        run = run_review(repo, base, tmp_path, ghes.env())
        assert run.done.returncode == 0, run.reasons
        assert run.review["evidence"]["api_url"].endswith("/api/v3")
        assert all(e.path.startswith("/api/v3/repos/o/r/") for e in ghes.requests())


def test_malformed_answer_is_an_error(repo: GitRepo, gh: FakeGitHub, tmp_path: Path) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Odd", ALICE)
    gh.fail(gh.repo_path("/pulls/1/reviews"), Fault(200, {}, [{"id": 1, "state": "APPROVED"}]))
    gh.review(pull.number, BOB)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert run.review["status"] == "error"
    assert "malformed GitHub answer" in run.reasons[0]


def test_untrusted_title_stays_data_in_the_report(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    forge.pull_request("Fix\n::set-output name=x::\x1b[31mred", ALICE)
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert "\n" not in run.reasons[0] and "\x1b" not in run.reasons[0]
    assert "\x1b" not in run.done.stdout
    assert run.pull(1)["title"] == "Fix\n::set-output name=x::\x1b[31mred"  # evidence: as data


def test_commit_github_does_not_know_is_an_error_not_a_direct_push(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge, base = start(repo, gh)
    pull = forge.pull_request("Pushed", ALICE)
    gh.review(pull.number, BOB)
    local = repo.commit("never pushed", **{"local.py": "1\n"})  # the server does not know it
    run = review(repo, base, tmp_path, gh)
    assert run.done.returncode == 1
    assert run.review["status"] == "error"
    assert f"GitHub does not know commit {local[:12]} in o/r (GET " in run.reasons[0]
    assert "422" in run.reasons[0]
