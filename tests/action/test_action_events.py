"""End to end: the composite action (``uses: ./``) run by ``act`` on ``merge_group``,
``workflow_dispatch`` and ``push`` payloads, with no base or head given to the action:
releasegate takes the range from the event and the summary names the event and how
the range was chosen.

- ``merge_group``: the merge queue's temporary branch holds two queued pull requests,
  both approved on the fake GitHub (a local HTTP server speaking GitHub's REST
  shapes); the review stage judges them, and the gate passes.
- ``workflow_dispatch`` with ``inputs.base`` and ``inputs.head``: exactly that range.
- ``push`` to the default branch: ``before..after``, the pushed commits, not the
  range since the last release.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from action_helpers import ActRun, copy_action, run_act
from fakegithub import ALICE, BOB, CAROL, TOKEN, FakeGitHub, Forge
from rg_testlib import GitRepo

pytestmark = pytest.mark.slow

POLICY = """version: 1
static:
  include: ["app/**/*.py"]
review:
  required: true
  required_approvals: 1
dependencies:
  required: false
"""
WORKFLOW = """name: gate
on: [push, merge_group, workflow_dispatch]
permissions: {}
jobs:
  gate:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: false
      - name: releasegate
        id: gate
        uses: ./
        with:
          only: ${{ github.event_name == 'merge_group' && 'static,review' || 'static' }}
      - name: record what the gate gave the workflow
        if: always()
        env:
          DECISION: ${{ steps.gate.outputs.decision }}
          REPORT: ${{ steps.gate.outputs.report-path }}
          SUMMARY: ${{ steps.gate.outputs.summary-path }}
        run: |
          mkdir -p "$RG_TEST_OUT"
          printf '%s' "$DECISION" > "$RG_TEST_OUT/decision"
          cp "$REPORT" "$RG_TEST_OUT/report.json"
          cp "$SUMMARY" "$RG_TEST_OUT/summary.md"
"""


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(owner="acme", repo="app") as server:
        yield server


def _fixture(root: Path) -> GitRepo:
    repo = GitRepo(root)
    copy_action(root)
    repo.write(".gitignore", "build/\n*.egg-info/\n__pycache__/\n")
    repo.write(".github/workflows/gate.yml", WORKFLOW)
    repo.write(".releasegate.yml", POLICY)
    repo.write("app/__init__.py", "")
    repo.write("app/core.py", "def double(x):\n    return 2 * x\n")
    repo.commit("base")
    return repo


def _repository() -> dict[str, Any]:
    return {
        "full_name": "acme/app",
        "name": "app",
        "owner": {"login": "acme"},
        "default_branch": "main",
    }


def _act(repo: GitRepo, name: str, event: dict[str, Any], tmp: Path, gh: FakeGitHub) -> ActRun:
    return run_act(
        repo.root,
        name,
        event,
        tmp,
        env={"GITHUB_API_URL": gh.url, "GITHUB_REPOSITORY": "acme/app"},
        secrets={"GITHUB_TOKEN": TOKEN},
    )


def _release(run: ActRun) -> dict[str, Any]:
    assert (run.out / "report.json").exists(), run.log[-5000:]
    report: dict[str, Any] = json.loads(run.read("report.json"))
    release: dict[str, Any] = report["release"]
    return release


def test_merge_group_judges_the_queued_pull_requests(tmp_path: Path, gh: FakeGitHub) -> None:
    repo = _fixture(tmp_path / "fixture")
    forge = Forge(repo, gh)
    first = forge.pull_request(
        "Add triple",
        ALICE,
        [("triple", {"app/triple.py": "def t(x):\n    return 3 * x\n"})],
        merge="open",
    )
    second = forge.pull_request(
        "Add half",
        CAROL,
        [("half", {"app/half.py": "def h(x):\n    return x / 2\n"})],
        merge="open",
    )
    gh.review(first.number, BOB)
    gh.review(second.number, BOB)
    group = forge.merge_queue([first, second])
    branch = group.ref.removeprefix("refs/heads/")
    base, head = group.base, group.head
    repo.git("checkout", "-q", branch)  # the workspace act copies is the queue's
    event = group.event(_repository())
    run = _act(repo, "merge_group", event, tmp_path, gh)
    assert "Job succeeded" in run.log, run.log[-5000:]
    assert run.read("decision") == "partial-pass"  # only: static,review
    release = _release(run)
    assert (release["base"], release["commit"]) == (base, head)
    assert release["event"] == "merge_group"
    assert release["mode"] == "pull-request"  # mode auto: a merge group is a pull-request run
    report = json.loads(run.read("report.json"))
    [review] = [c for c in report["checks"] if c["id"] == "review"]
    assert review["status"] == "pass", review["reasons"]
    assert review["evidence"]["merge_queue"]["queued"] == [first.number, second.number]
    summary = run.read("summary.md")
    # Markdown-escaped (it renders as "merge_group").
    assert "**Event:** merge\\_group" in summary
    assert f"merge\\_group {branch}: merge\\_group.base\\_sha..head\\_sha" in summary
    assert gh.requests(f"/pulls/{first.number}") and gh.requests(f"/pulls/{second.number}")


def test_workflow_dispatch_judges_the_range_of_its_inputs(tmp_path: Path, gh: FakeGitHub) -> None:
    repo = _fixture(tmp_path / "fixture")
    repo.tag("v1.0.0")
    start = repo.commit("feature", **{"app/feature.py": "def f():\n    return 1\n"})
    end = repo.commit("more", **{"app/more.py": "def m():\n    return 2\n"})
    repo.commit("newer, not judged", **{"app/newer.py": "X = 1\n"})
    event = {
        "inputs": {"base": start, "head": end},
        "ref": "refs/heads/main",
        "repository": _repository(),
    }
    run = _act(repo, "workflow_dispatch", event, tmp_path, gh)
    assert "Job succeeded" in run.log, run.log[-5000:]
    release = _release(run)
    assert (release["base"], release["commit"], release["commits"]) == (start, end, 1)
    assert release["event"] == "workflow_dispatch"
    assert release["base_source"] == "workflow_dispatch: inputs.base and inputs.head of the event"
    summary = run.read("summary.md")
    assert "**Event:** workflow\\_dispatch" in summary
    assert "inputs.base and inputs.head" in summary


def test_push_to_the_default_branch_judges_the_pushed_commits(
    tmp_path: Path, gh: FakeGitHub
) -> None:
    repo = _fixture(tmp_path / "fixture")
    repo.tag("v1.0.0")
    repo.commit("since the release", **{"app/one.py": "ONE = 1\n"})
    before = repo.head()
    repo.commit("pushed 1", **{"app/two.py": "TWO = 2\n"})
    after = repo.commit("pushed 2", **{"app/three.py": "THREE = 3\n"})
    event = {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "repository": _repository(),
    }
    run = _act(repo, "push", event, tmp_path, gh)
    assert "Job succeeded" in run.log, run.log[-5000:]
    release = _release(run)
    # The pushed commits, not everything since v1.0.0 (three commits).
    assert (release["base"], release["commit"], release["commits"]) == (before, after, 2)
    assert release["event"] == "push"
    assert release["base_source"].startswith("push to the default branch main: before..after")
    assert release["mode"] == "release"
    assert "**Event:** push" in run.read("summary.md")
