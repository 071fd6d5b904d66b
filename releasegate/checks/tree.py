"""The ``tree`` check: what the analysers' snapshot could not judge is said, never dropped.

A symbolic link that leaves the repository, dangles or loops, a submodule whose
recorded commit is not available, a Python file that cannot be decoded as
Python would decode it, and an empty static scope in a head with Python files
make the check fail, one reason each; every issue, a file converted from its
declared encoding included, is listed in the evidence.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from releasegate.checkapi import NOTHING, BaseCheck, CheckContext
from releasegate.globs import matches
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.scope import select_files
from releasegate.snapshot import IssueKind, TreeIssue


def _allowed(ctx: CheckContext, issue: TreeIssue) -> bool:
    listed = ctx.policy.static.unanalysed_submodules
    return (
        issue.kind is IssueKind.SUBMODULE_UNANALYSED
        and bool(listed)
        and matches(listed, issue.path)
    )


@dataclass(frozen=True, kw_only=True)
class TreeCheck(BaseCheck):
    id: str = "tree"
    stage: Stage = Stage.STATIC

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        return NOTHING  # the tree's listing and issues, never a file's bytes

    def enabled(self, policy: Policy) -> bool:
        return policy.static.required

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        blocking = [i for i in ctx.tree_issues if i.blocking and not _allowed(ctx, i)]
        problems = [f"{_shown(i.path)}: {i.detail}" for i in blocking]
        empty = _empty_scope(ctx)
        if empty:
            problems.append(empty)
        evidence: dict[str, JSONValue] = {
            "issues": [
                {
                    "kind": i.kind.value,
                    "path": i.path,
                    "detail": i.detail,
                    "blocking": i in blocking,
                }
                for i in ctx.tree_issues
            ],
            # What the static stage leaves out (what does not ship, tests...), in force.
            "static_exclude": list(ctx.policy.static.exclude),
            "static_excluded_files": len(
                select_files(
                    ctx.all_files, ctx.policy.static.include, ctx.policy.static.exclude
                ).excluded
            ),
        }
        return CheckResult(
            id=self.id,
            stage=self.stage,
            status=Status.FAIL if problems else Status.PASS,
            reasons=tuple(problems),
            evidence=evidence,
            duration_seconds=time.monotonic() - started,
        )


def _empty_scope(ctx: CheckContext) -> str | None:
    """Why the static scope is empty although the head has Python files, if it is."""
    static = ctx.policy.static
    python = [p for p in ctx.all_files if p.endswith(".py")]
    if not python:
        return None
    scope = select_files(ctx.all_files, static.include, static.exclude)
    if scope.included:
        return None
    excluded = len([p for p in python if p in set(scope.excluded)])
    return (
        f"the static scope is empty: static.include {list(static.include)} minus static.exclude "
        f"leaves none of the head's {len(python)} Python file(s) ({excluded} excluded, e.g. "
        f"{_shown(python[0])}), so the static stage could never block; fix static.include / "
        "static.exclude, or set static.required: false"
    )


def _shown(path: str) -> str:
    return path if path.isprintable() else repr(path)


TREE = TreeCheck()
