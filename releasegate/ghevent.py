"""The GitHub Actions event a run judges, and the range that event implies.

Read only inside GitHub Actions (``GITHUB_ACTIONS=true`` with ``GITHUB_EVENT_NAME``
and ``GITHUB_EVENT_PATH`` set). The payload is GitHub's; every field the range
depends on is checked (a SHA is 40 hex digits, a merge queue's ref has GitHub's
shape) and a payload that does not hold is an error naming the field, never a
silent fallback to some other range.

- ``pull_request`` / ``pull_request_target``: ``pull_request.base.sha..pull_request.head.sha``.
- ``merge_group``: ``merge_group.base_sha..merge_group.head_sha``: the merge queue's
  temporary commit on ``gh-readonly-queue/<branch>/pr-<N>-<sha>``. There is no pull
  request in the event: the review stage judges the queued pull requests the group
  holds (``MergeQueue``).
- ``workflow_dispatch``: the workflow's ``inputs.base`` / ``inputs.head`` when given;
  what is not given is chosen as without an event.
- ``push`` to the repository's default branch: ``before..after``, the pushed commits
  (a new branch, ``before`` all zeros, or a tag: as without an event).
- Any other event: named, the range chosen as without an event.

``--base`` / ``--head`` given on the command line win over the event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from releasegate.errors import GitError

_SHA = re.compile(r"[0-9a-f]{40}")
_ZERO = "0" * 40
# GitHub's merge queue branch: gh-readonly-queue/<base branch>/pr-<number>-<base sha>.
_QUEUE_REF = re.compile(
    r"refs/heads/gh-readonly-queue/(?P<branch>[^\x00-\x20~^:?*\[\\]+)/pr-(?P<number>[1-9][0-9]{0,9})-"
    r"(?P<sha>[0-9a-f]{40})"
)
_HINT = "pass --base and --head explicitly"
MAX_EVENT_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


@dataclass(frozen=True, kw_only=True)
class MergeQueue:
    """A ``merge_group`` event: the branch the group merges into and the pull request
    whose queue entry the group ends with (the others are named by the group's
    commits: ``releasegate.review.github_mode``)."""

    branch: str
    head_ref: str
    last_pull: int


@dataclass(frozen=True, kw_only=True)
class EventRange:
    name: str
    base: str | None  # None: chosen as without an event
    head: str | None
    how: str  # how the event chose the range, for the report
    queue: MergeQueue | None = None


def _field(data: object, dotted: str, where: str) -> object:
    value = data
    for key in dotted.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise GitError(
                f"{where}: the event payload has no {dotted}, so the range cannot be taken from it",
                hint=_HINT,
            )
        value = value[key]
    return value


def _sha(data: object, dotted: str, where: str) -> str:
    value = _field(data, dotted, where)
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise GitError(f"{where}: {dotted} in the event payload is not a commit SHA", hint=_HINT)
    return value


def _text(data: object, dotted: str, where: str) -> str:
    value = _field(data, dotted, where)
    if not isinstance(value, str) or not value:
        raise GitError(f"{where}: {dotted} in the event payload is not a string", hint=_HINT)
    return value


def _optional_rev(inputs: Mapping[str, object], key: str, where: str) -> str | None:
    value = inputs.get(key)
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not text or text.startswith("-") or any(c.isspace() or c in ":\\" for c in text):
        raise GitError(
            f"{where}: inputs.{key} of the workflow_dispatch event is not a revision "
            "(a tag, branch or commit SHA)"
        )
    return text


def _pull_request(name: str, payload: Mapping[str, object], where: str) -> EventRange:
    number = _field(payload, "pull_request.number", where)
    base = _sha(payload, "pull_request.base.sha", where)
    head = _sha(payload, "pull_request.head.sha", where)
    return EventRange(
        name=name,
        base=base,
        head=head,
        how=f"{name} #{number}: pull_request.base.sha..pull_request.head.sha of the event",
    )


def _merge_group(payload: Mapping[str, object], where: str) -> EventRange:
    base = _sha(payload, "merge_group.base_sha", where)
    head = _sha(payload, "merge_group.head_sha", where)
    head_ref = _text(payload, "merge_group.head_ref", where)
    base_ref = _text(payload, "merge_group.base_ref", where)
    match = _QUEUE_REF.fullmatch(head_ref)
    if match is None:
        raise GitError(
            f"{where}: merge_group.head_ref {head_ref[:120]!r} is not a merge queue ref "
            "(refs/heads/gh-readonly-queue/<branch>/pr-<number>-<sha>)",
            hint=_HINT,
        )
    branch = match["branch"]
    if base_ref != f"refs/heads/{branch}":
        raise GitError(
            f"{where}: merge_group.base_ref {base_ref[:120]!r} is not the branch of its "
            f"queue ref (refs/heads/{branch})",
            hint=_HINT,
        )
    short = head_ref.removeprefix("refs/heads/")
    return EventRange(
        name="merge_group",
        base=base,
        head=head,
        how=(
            f"merge_group {short}: merge_group.base_sha..head_sha of the event (the merge "
            f"queue's temporary commit onto {branch})"
        ),
        queue=MergeQueue(branch=branch, head_ref=head_ref, last_pull=int(match["number"])),
    )


def _workflow_dispatch(payload: Mapping[str, object], where: str) -> EventRange:
    raw = payload.get("inputs")
    inputs: Mapping[str, object] = raw if isinstance(raw, Mapping) else {}
    base = _optional_rev(inputs, "base", where)
    head = _optional_rev(inputs, "head", where)
    given = [f"inputs.{key}" for key, value in (("base", base), ("head", head)) if value]
    how = (
        f"workflow_dispatch: {' and '.join(given)} of the event"
        if given
        else "workflow_dispatch without inputs.base / inputs.head: the dispatched ref"
    )
    if given and len(given) == 1:
        how += "; the other end as without an event"
    return EventRange(name="workflow_dispatch", base=base, head=head, how=how)


def _push(payload: Mapping[str, object], where: str) -> EventRange:
    ref = _text(payload, "ref", where)
    after = _sha(payload, "after", where)
    before = _sha(payload, "before", where)
    default = payload.get("repository")
    branch = default.get("default_branch") if isinstance(default, Mapping) else None
    if ref.startswith("refs/tags/"):
        return EventRange(
            name="push",
            base=None,
            head=after,
            how=f"push of tag {ref.removeprefix('refs/tags/')}: the head is the event's after",
        )
    if isinstance(branch, str) and ref == f"refs/heads/{branch}":
        if before == _ZERO:
            return EventRange(
                name="push",
                base=None,
                head=after,
                how=f"push creating {branch}: before is all zeros",
            )
        return EventRange(
            name="push",
            base=before,
            head=after,
            how=f"push to the default branch {branch}: before..after of the event (the pushed "
            "commits)",
        )
    return EventRange(
        name="push",
        base=None,
        head=after,
        how=f"push to {ref.removeprefix('refs/heads/')} (not the default branch): the head is "
        "the event's after",
    )


def event_range(name: str, payload: object, where: str) -> EventRange:
    """The range ``payload`` (the event ``name``'s JSON, read from ``where``) implies."""
    if not isinstance(payload, Mapping):
        raise GitError(f"{where}: the event payload is not a JSON object", hint=_HINT)
    if name in ("pull_request", "pull_request_target"):
        return _pull_request(name, payload, where)
    if name == "merge_group":
        return _merge_group(payload, where)
    if name == "workflow_dispatch":
        return _workflow_dispatch(payload, where)
    if name == "push":
        return _push(payload, where)
    return EventRange(name=name, base=None, head=None, how=f"{name} event")


def read_event(environ: Mapping[str, str]) -> EventRange | None:
    """The event of this GitHub Actions run; None outside GitHub Actions."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    name = environ.get("GITHUB_EVENT_NAME", "")
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not name or not path:
        return None
    where = f"GITHUB_EVENT_PATH {path}"
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_EVENT_BYTES + 1)
    except OSError as exc:
        raise GitError(
            f"{where}: cannot read the {name} event: {exc.strerror}", hint=_HINT
        ) from None
    if len(raw) > MAX_EVENT_BYTES:
        raise GitError(f"{where}: the event payload is over 25 MB", hint=_HINT)
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GitError(f"{where}: the {name} event is not JSON: {exc}", hint=_HINT) from None
    return event_range(name, payload, where)
