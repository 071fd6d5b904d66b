"""The range a GitHub Actions event implies (``releasegate.ghevent``): each event's
fields, and payloads that must be errors rather than some other range."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from releasegate.errors import GitError
from releasegate.ghevent import event_range, read_event

A = "a" * 40
B = "b" * 40
REPO = {"full_name": "o/r", "default_branch": "main"}


def test_pull_request_range_is_base_sha_to_head_sha() -> None:
    got = event_range(
        "pull_request",
        {"pull_request": {"number": 7, "base": {"sha": A}, "head": {"sha": B}}},
        "event.json",
    )
    assert (got.base, got.head, got.queue) == (A, B, None)
    assert got.how == "pull_request #7: pull_request.base.sha..pull_request.head.sha of the event"


def test_push_to_the_default_branch_is_before_to_after() -> None:
    got = event_range(
        "push", {"ref": "refs/heads/main", "before": A, "after": B, "repository": REPO}, "e"
    )
    assert (got.base, got.head) == (A, B)


@pytest.mark.parametrize(
    ("ref", "before", "how"),
    [
        ("refs/tags/v1.2.0", A, "push of tag v1.2.0: the head is the event's after"),
        ("refs/heads/main", "0" * 40, "push creating main: before is all zeros"),
        ("refs/heads/topic", A, "push to topic (not the default branch): the head is the event's"),
    ],
)
def test_other_pushes_leave_the_base_to_the_usual_choice(ref: str, before: str, how: str) -> None:
    got = event_range("push", {"ref": ref, "before": before, "after": B, "repository": REPO}, "e")
    assert (got.base, got.head) == (None, B)
    assert got.how.startswith(how)


def test_workflow_dispatch_takes_the_inputs_given() -> None:
    both = event_range("workflow_dispatch", {"inputs": {"base": "v1.0.0", "head": B}}, "e")
    assert (both.base, both.head) == ("v1.0.0", B)
    one = event_range("workflow_dispatch", {"inputs": {"base": "", "head": B}}, "e")
    assert (one.base, one.head) == (None, B)
    assert (
        one.how == "workflow_dispatch: inputs.head of the event; the other end as without an event"
    )
    none = event_range("workflow_dispatch", {"inputs": {}}, "e")
    assert (none.base, none.head) == (None, None)


def test_a_dispatch_input_that_reads_as_an_option_is_an_error() -> None:
    with pytest.raises(GitError, match=re.escape("inputs.head of the workflow_dispatch event")):
        event_range("workflow_dispatch", {"inputs": {"head": "--output=/etc/passwd"}}, "e")


def test_merge_group_names_its_queue() -> None:
    ref = f"refs/heads/gh-readonly-queue/release/2.x/pr-12-{A}"
    got = event_range(
        "merge_group",
        {
            "merge_group": {
                "base_sha": A,
                "head_sha": B,
                "head_ref": ref,
                "base_ref": "refs/heads/release/2.x",
            }
        },
        "e",
    )
    assert got.queue is not None
    assert (got.queue.branch, got.queue.last_pull, got.queue.head_ref) == ("release/2.x", 12, ref)


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        (
            "pull_request",
            {"pull_request": {"number": 1, "base": {"sha": A}}},
            "no pull_request.head",
        ),
        (
            "pull_request",
            {"pull_request": {"number": 1, "base": {"sha": A}, "head": {"sha": 5}}},
            "pull_request.head.sha in the event payload is not a commit SHA",
        ),
        ("push", {"ref": "refs/heads/main", "before": A, "after": "HEAD~3"}, "after in the event"),
        (
            "merge_group",
            {
                "merge_group": {
                    "base_sha": A,
                    "head_sha": B,
                    "base_ref": "refs/heads/main",
                    "head_ref": "refs/heads/gh-readonly-queue/main/pr-0-x",
                }
            },
            "is not a merge queue ref",
        ),
        ("push", ["not", "an", "object"], "the event payload is not a JSON object"),
    ],
)
def test_a_payload_that_does_not_hold_is_an_error(name: str, payload: Any, message: str) -> None:
    with pytest.raises(GitError, match=message) as raised:
        event_range(name, payload, "GITHUB_EVENT_PATH /e.json")
    assert "pass --base and --head explicitly" in raised.value.diagnostics()


def test_a_merge_group_whose_base_ref_is_not_its_queue_branch_is_an_error() -> None:
    ref = f"refs/heads/gh-readonly-queue/main/pr-3-{A}"
    group = {"base_sha": A, "head_sha": B, "head_ref": ref, "base_ref": "refs/heads/release"}
    with pytest.raises(GitError, match=re.escape("is not the branch of its queue ref")):
        event_range("merge_group", {"merge_group": group}, "e")


def test_an_unknown_event_is_named_with_the_usual_range() -> None:
    got = event_range("schedule", {"schedule": "0 3 * * *"}, "e")
    assert (got.name, got.base, got.head, got.how) == ("schedule", None, None, "schedule event")


def test_the_event_is_read_only_inside_github_actions(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"ref": "refs/heads/main", "before": A, "after": B}), "utf-8")
    env = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)}
    assert read_event(env) is None
    got = read_event({**env, "GITHUB_ACTIONS": "true"})
    assert got is not None and got.head == B


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "the push event is not JSON"), (None, "cannot read the push event")],
)
def test_an_unreadable_event_is_an_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "event.json"
    if content is not None:
        path.write_bytes(content)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)}
    with pytest.raises(GitError, match=message):
        read_event(env)
