"""Quality stages as checks: ``functional``, ``performance``, ``stability``, custom.

Which ones run follows the policy's ``stages`` section (``select_checks`` asks
``quality_checks``); the work is done in ``releasegate.stages``. A custom
stage's check id is its name (``system``), its stage ``custom``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from releasegate.checkapi import BaseCheck, Check, CheckContext
from releasegate.model import CheckResult, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.stages.custom import run_custom_stage
from releasegate.stages.functional import run_tests_stage
from releasegate.stages.performance import run_performance
from releasegate.stages.stability import run_stability

D = TypeVar("D", bound="_Declared")


def _not_declared(check_id: str, stage: Stage) -> CheckResult:
    return CheckResult(
        id=check_id,
        stage=stage,
        status=Status.SKIPPED,
        reasons=(f"the policy declares no {check_id} stage",),
    )


@dataclass(frozen=True, kw_only=True)
class FunctionalCheck(BaseCheck):
    id: str = "functional"
    stage: Stage = Stage.FUNCTIONAL

    def enabled(self, policy: Policy) -> bool:
        return policy.stages.functional.required

    def run(self, ctx: CheckContext) -> CheckResult:
        return run_tests_stage(ctx, self.id, self.stage, ctx.policy.stages.functional)


class _Declared(Protocol):
    @property
    def required(self) -> bool: ...


@dataclass(frozen=True, kw_only=True)
class DeclaredStageCheck(BaseCheck, Generic[D]):
    """A built-in stage the policy may declare (performance, stability): its definition
    is read from the policy by ``declared``, and ``runner`` judges it."""

    id: str
    stage: Stage
    declared: Callable[[Policy], D | None]
    runner: Callable[[CheckContext, D], CheckResult]

    def enabled(self, policy: Policy) -> bool:
        definition = self.declared(policy)
        return definition is not None and definition.required

    def run(self, ctx: CheckContext) -> CheckResult:
        definition = self.declared(ctx.policy)
        if definition is None:
            return _not_declared(self.id, self.stage)
        return self.runner(ctx, definition)


@dataclass(frozen=True, kw_only=True)
class CustomStageCheck(BaseCheck):
    """A stage the policy declares under its own name; the name is the check id."""

    id: str
    stage: Stage = Stage.CUSTOM

    def enabled(self, policy: Policy) -> bool:
        definition = policy.stages.custom.get(self.id)
        return definition is not None and definition.required

    def run(self, ctx: CheckContext) -> CheckResult:
        definition = ctx.policy.stages.custom.get(self.id)
        if definition is None:
            return _not_declared(self.id, self.stage)
        return run_custom_stage(ctx, self.id, definition)


FUNCTIONAL = FunctionalCheck()
PERFORMANCE = DeclaredStageCheck(
    id="performance",
    stage=Stage.PERFORMANCE,
    declared=lambda policy: policy.stages.performance,
    runner=run_performance,
)
STABILITY = DeclaredStageCheck(
    id="stability",
    stage=Stage.STABILITY,
    declared=lambda policy: policy.stages.stability,
    runner=run_stability,
)


def quality_checks(policy: Policy) -> list[Check]:
    """A check for every stage the policy declares (required or not), built-in ones first."""
    checks: list[Check] = [FUNCTIONAL]
    if policy.stages.performance is not None:
        checks.append(PERFORMANCE)
    if policy.stages.stability is not None:
        checks.append(STABILITY)
    checks += [CustomStageCheck(id=name) for name in policy.stages.custom]
    return checks
