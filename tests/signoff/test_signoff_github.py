"""The GitHub-native sign-off route (``signoff.github_team``) end to end: the installed CLI
on real repositories against the local GitHub-shaped server over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fakegithub import ALICE, BOB, CAROL, DAVE, FakeGitHub, FakePull, Forge, Person
from rg_testlib import GitRepo
from signoff_helpers import Gate, gate

TEAM = "o/security"


class ActionsGitHub(FakeGitHub):
    """The fake server, plus workflow runs and their deployment approvals:
    ``GET /repos/{o}/{r}/actions/runs/{id}`` and ``.../approvals``."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, dict[str, Any]] = {}

    def add_run(self, run_id: str, head_sha: str) -> None:
        self.runs[run_id] = {"id": int(run_id), "head_sha": head_sha, "approvals": []}

    def approve_run(
        self, run_id: str, who: Person, environment: str, state: str = "approved"
    ) -> None:
        self.runs[run_id]["approvals"].append(
            {
                "state": state,
                "comment": "ship it",
                "environments": [{"id": 1, "name": environment}],
                "user": who.account(),
            }
        )

    def _answer(
        self, path: str, query: dict[str, list[str]], authorized: bool
    ) -> tuple[int, Any, dict[str, str], bool, bytes | None]:
        pattern = (
            re.escape(f"/repos/{self.owner}/{self.repo}") + r"/actions/runs/(\d+)(/approvals)?"
        )
        match = re.fullmatch(pattern, path)
        if match is None or not authorized:
            return super()._answer(path, query, authorized)
        run = self.runs.get(match[1])
        if run is None:
            return 404, {"message": "Not Found"}, {}, False, None
        if match[2] is None:
            return 200, {"id": run["id"], "head_sha": run["head_sha"]}, {}, False, None
        return self._page(path, query, run["approvals"])


@pytest.fixture
def gh() -> Iterator[ActionsGitHub]:
    server = ActionsGitHub()
    server.start()
    try:
        server.add_team("o", "security", {"carol": "active", "dave": "pending"})
        yield server
    finally:
        server.stop()


def policy(environment: str | None = None) -> str:
    text = f"version: 1\nsignoff:\n  github_team: {TEAM}\n"
    if environment:
        text += f"  environment: {environment}\n"
    return text


def merged_pull(repo: GitRepo, gh: FakeGitHub, environment: str | None = None) -> FakePull:
    repo.commit("base", **{".releasegate.yml": policy(environment), "app.py": "X = 1\n"})
    repo.tag("v1")
    forge = Forge(repo, gh)
    return forge.pull_request(
        "Add parser",
        ALICE,
        [("parser", {"parser.py": "A = 1\n"}), ("fix parser", {"parser.py": "A = 2\n"})],
    )


def run(repo: GitRepo, gh: FakeGitHub, **env: str) -> Gate:
    return gate(repo, env=gh.env(**{"GITHUB_RUN_ID": "", **env}))


def test_a_team_members_approval_at_the_final_head_is_a_signoff(
    repo: GitRepo, gh: ActionsGitHub
) -> None:
    pull = merged_pull(repo, gh)
    assert repo.head() == pull.merge_commit_sha
    gh.review(pull.number, CAROL)
    result = run(repo, gh)
    assert result.done.returncode == 0, result.reasons
    used = result.signoff["evidence"]["used"]
    assert used["route"] == "github"
    assert used["accepted"] == [
        {"how": "pull request approval", "pull_request": pull.number, "login": "carol"}
    ]
    assert gh.requests("/memberships/carol")


def test_a_non_members_approval_is_an_unknown_signer(repo: GitRepo, gh: ActionsGitHub) -> None:
    pull = merged_pull(repo, gh)
    gh.review(pull.number, BOB)
    gh.review(pull.number, DAVE)  # invited to the team, not yet a member
    result = run(repo, gh)
    assert result.blocked
    assert result.reasons == [
        f"unknown signer: bob approved pull request #{pull.number} but is not an active "
        f"member of {TEAM}",
        f"unknown signer: dave approved pull request #{pull.number} but is not an active "
        f"member of {TEAM}",
    ]


def test_an_approval_of_an_earlier_head_is_stale(repo: GitRepo, gh: ActionsGitHub) -> None:
    pull = merged_pull(repo, gh)
    first = pull.commits[0]["sha"]
    gh.review(pull.number, CAROL, commit_id=first)
    result = run(repo, gh)
    assert result.blocked
    assert result.reasons == [
        f"stale: carol approved pull request #{pull.number} at commit {first[:12]}, its final "
        f"head is {pull.head_sha[:12]}"
    ]


def test_a_dismissed_approval_does_not_count(repo: GitRepo, gh: ActionsGitHub) -> None:
    pull = merged_pull(repo, gh)
    gh.review(pull.number, CAROL)
    gh.review(pull.number, CAROL, "DISMISSED")
    [reason] = run(repo, gh).reasons
    assert reason.startswith(
        f"security sign-off missing: no approval by an active member of {TEAM}"
    )


def test_a_commit_after_the_merge_is_not_signed_off(repo: GitRepo, gh: ActionsGitHub) -> None:
    pull = merged_pull(repo, gh)
    gh.review(pull.number, CAROL)
    head = repo.commit("direct push", **{"app.py": "X = 2\n"})
    Forge(repo, gh).sync()  # the server knows the commit, and no pull request for it
    [reason] = run(repo, gh).reasons
    assert reason.startswith("security sign-off missing")
    assert f"no pull request was merged as {head[:12]}" in reason


def test_a_deployment_approval_of_this_run_by_a_member_is_a_signoff(
    repo: GitRepo, gh: ActionsGitHub
) -> None:
    merged_pull(repo, gh, environment="production")
    head = repo.head()
    gh.add_run("4242", head)
    gh.approve_run("4242", BOB, "production")  # not a member
    gh.approve_run("4242", CAROL, "staging")  # another environment
    blocked = run(repo, gh, GITHUB_RUN_ID="4242")
    assert blocked.blocked
    assert blocked.reasons == [
        f"unknown signer: bob approved the deployment to production but is not an active "
        f"member of {TEAM}"
    ]
    gh.approve_run("4242", CAROL, "production")
    result = run(repo, gh, GITHUB_RUN_ID="4242")
    assert result.done.returncode == 0, result.reasons
    assert {"how": "deployment approval (production)", "run_id": "4242", "login": "carol"} in (
        result.signoff["evidence"]["used"]["accepted"]
    )


def test_a_deployment_approval_of_a_run_for_another_commit_is_stale(
    repo: GitRepo, gh: ActionsGitHub
) -> None:
    pull = merged_pull(repo, gh, environment="production")
    gh.add_run("7", pull.head_sha)
    gh.approve_run("7", CAROL, "production")
    [reason] = run(repo, gh, GITHUB_RUN_ID="7").reasons
    assert reason == (
        f"stale: carol approved workflow run 7, which is for commit {pull.head_sha[:12]}, "
        f"releasing {repo.head()[:12]}"
    )


def test_without_a_token_the_github_route_is_an_error(repo: GitRepo, gh: ActionsGitHub) -> None:
    merged_pull(repo, gh)
    result = gate(repo, env={"GITHUB_TOKEN": "", "GITHUB_REPOSITORY": "o/r"})
    assert result.signoff["status"] == "error"
    assert "GITHUB_TOKEN is not set" in result.reasons[0]
