"""The ``suppressions`` check: every in-code suppression is justified, and listed."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

import git

from releasegate.checkapi import BaseCheck, CheckContext, static_scope_reads
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.scope import select_files
from releasegate.suppression_comments import Suppression, suppression_findings

MAX_BLAMES = 100


def _blame(ctx: CheckContext, suppression: Suppression) -> str | None:
    """Who added the line (cheap enough for the handful of suppressions a repo has)."""
    try:
        out = ctx.release.repo.git.blame(
            "--porcelain",
            "-L",
            f"{suppression.line},{suppression.line}",
            ctx.release.head,
            "--",
            suppression.path,
        )
    except git.GitCommandError:
        return None
    author = mail = ""
    for line in out.splitlines():
        if line.startswith("author "):
            author = line.removeprefix("author ").strip()
        elif line.startswith("author-mail "):
            mail = line.removeprefix("author-mail ").strip()
    return f"{author} {mail}".strip() or None


@dataclass(frozen=True, kw_only=True)
class SuppressionsCheck(BaseCheck):
    per_file: ClassVar[bool] = True
    id: str = "suppressions"
    stage: Stage = Stage.STATIC

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        return static_scope_reads(policy, files)

    def enabled(self, policy: Policy) -> bool:
        return policy.static.required

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        static = ctx.policy.static
        scope = select_files(ctx.files, static.include, static.exclude)
        in_scope = set(scope.included)
        found = [s for s in ctx.suppressions if s.path in in_scope]
        authors: dict[tuple[str, int], str] = {}
        for suppression in [s for s in found if s.justified][:MAX_BLAMES]:
            author = _blame(ctx, suppression)
            if author:
                authors[(suppression.path, suppression.line)] = author
        findings = suppression_findings(found, authors)
        justified = [s for s in found if s.justified]
        evidence: dict[str, JSONValue] = {
            "files_in_scope": len(scope.included),
            "suppressions": len(found),
            "justified": [
                {
                    "path": s.path,
                    "line": s.line,
                    "tool": s.tool,
                    "rules": list(s.rule_ids),
                    "reason": s.reason,
                    "added_by": authors.get((s.path, s.line)),
                }
                for s in justified
            ],
            "unjustified": len(found) - len(justified),
        }
        return CheckResult(
            id=self.id,
            stage=self.stage,
            status=Status.PASS,
            findings=tuple(findings),
            evidence=evidence,
            duration_seconds=time.monotonic() - started,
        )


SUPPRESSIONS = SuppressionsCheck()
