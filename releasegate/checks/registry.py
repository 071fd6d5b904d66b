"""The explicit registry of checks: id -> check object."""

from __future__ import annotations

from releasegate.checkapi import Check
from releasegate.checks.bandit.check import BANDIT
from releasegate.checks.dependencies import DEPENDENCIES
from releasegate.checks.review import REVIEW
from releasegate.checks.semgrep import SEMGREP
from releasegate.checks.signoff import SIGNOFF
from releasegate.checks.suppressions import SUPPRESSIONS
from releasegate.checks.tree import TREE
from releasegate.checks.workflows import WORKFLOWS
from releasegate.model import Stage

REGISTRY: dict[str, Check] = {
    BANDIT.id: BANDIT,
    DEPENDENCIES.id: DEPENDENCIES,
    REVIEW.id: REVIEW,
    SEMGREP.id: SEMGREP,
    SIGNOFF.id: SIGNOFF,
    SUPPRESSIONS.id: SUPPRESSIONS,
    TREE.id: TREE,
    WORKFLOWS.id: WORKFLOWS,
}


def checks_for_stage(stage: Stage) -> list[Check]:
    return [check for check in REGISTRY.values() if check.stage is stage]
