"""The ``signoff`` check: a named member of the security team accepted this exact
commit with this exact evidence, until a stated date.

It judges the evidence of the other checks, so it declares the after-checks
phase: the pipeline runs it *after* them, and ``bind`` gives it the evidence
summary (``releasegate.evidence``) of the run, the date and an optional
``--signoff FILE``. Routes, either of
which suffices:

- SSH (``signoff.allowed_signers``): a statement signed with ``ssh-keygen -Y
  sign`` by a key of the allowed_signers file *at the base*, for the head
  commit and the current evidence digest, not expired
  (``releasegate.signoff.verify``);
- GitHub (``signoff.github_team``): an approval by an active team member
  (``releasegate.signoff.team``).

``pass``: a route accepted the release. ``fail``: one reason per failure
(missing, unknown signer, bad signature, stale commit, stale evidence naming
what changed, expired), after the reasons the release needs sign-off
(changes to the policy, CODEOWNERS, allowed signers, baseline, waivers; any
waiver in force). ``error``: the evidence could not be collected (the allowed
signers file missing at the base, GitHub unreachable...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from releasegate.checkapi import BaseCheck, CheckContext, Phase, RunEvidence
from releasegate.errors import ForgeError
from releasegate.evidence import EvidenceSummary
from releasegate.forge.client import (
    ClientSettings,
    Clock,
    GitHubClient,
    config_from_env,
    settings_from_env,
)
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.schema import Policy, utc_today
from releasegate.signoff.requirements import signoff_requirements
from releasegate.signoff.team import GitHubSignoffForge, verify_github
from releasegate.signoff.verify import RouteOutcome, verify_ssh

NO_SIGNERS = (
    "signoff.required is true, but the policy names nobody who may sign off: set "
    "signoff.allowed_signers (an OpenSSH allowed_signers file, read from the base) or "
    "signoff.github_team (`releasegate init` writes both files; the policy of the base "
    "governs, so a change committed since takes effect once it is on a base; then sign "
    "with `releasegate signoff`)"
)
NOT_BOUND = (
    "internal error: the sign-off is verified after the other checks, with their evidence, "
    "and was run without it"
)


@dataclass(frozen=True, kw_only=True)
class SignoffCheck(BaseCheck):
    phase: ClassVar[Phase] = Phase.AFTER_CHECKS
    id: str = "signoff"
    stage: Stage = Stage.SIGNOFF
    evidence: EvidenceSummary | None = None
    today: dt.date | None = None
    signoff_file: Path | None = None
    environ: Mapping[str, str] | None = None  # None: the process environment
    clock: Clock | None = None
    settings: ClientSettings = field(default_factory=ClientSettings)

    def enabled(self, policy: Policy) -> bool:
        return policy.signoff.required

    def bind(self, run: RunEvidence) -> SignoffCheck:
        return dataclasses.replace(
            self, evidence=run.evidence, today=run.today, signoff_file=run.signoff_file
        )

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        if self.evidence is None:
            return CheckResult.error(self.id, self.stage, NOT_BOUND)
        today = self.today or utc_today()
        policy = ctx.policy.signoff
        requires = signoff_requirements(ctx.release, ctx.policy, today)
        evidence: dict[str, JSONValue] = {
            "requires_signoff": list(requires),
            "evidence_digest": self.evidence.digest,
            "evidence": self.evidence.to_json(),
        }

        def result(status: Status, reasons: tuple[str, ...] = ()) -> CheckResult:
            return CheckResult(
                id=self.id,
                stage=self.stage,
                status=status,
                reasons=reasons,
                evidence=evidence,
                duration_seconds=time.monotonic() - started,
            )

        if policy.allowed_signers is None and policy.github_team is None:
            return result(Status.ERROR, (NO_SIGNERS,))
        outcomes: list[RouteOutcome] = []
        if policy.allowed_signers is not None:
            outcomes.append(
                verify_ssh(
                    release=ctx.release,
                    tools=ctx.tools,
                    allowed_signers_path=policy.allowed_signers,
                    evidence=self.evidence,
                    today=today,
                    signoff_file=self.signoff_file,
                )
            )
        if policy.github_team is not None and not any(o.passed for o in outcomes):
            outcomes.append(self._github(ctx, policy.github_team, policy.environment))
        evidence["routes"] = [dict(o.evidence) for o in outcomes]
        accepted = next((o for o in outcomes if o.passed), None)
        if accepted is not None:
            evidence["used"] = {
                **accepted.evidence,
                "statement_digest": accepted.statement_digest,
            }
            return result(Status.PASS)
        evidence["used"] = None
        reasons = tuple(f"needs security sign-off: {item}" for item in requires)
        reasons += tuple(reason for o in outcomes for reason in o.reasons)
        status = Status.ERROR if any(o.error for o in outcomes) else Status.FAIL
        return result(status, reasons)

    def _github(self, ctx: CheckContext, team: str, environment: str | None) -> RouteOutcome:
        environ = self.environ if self.environ is not None else ctx.environment.variables
        try:
            config = config_from_env(environ)
            settings = settings_from_env(environ, self.settings)
        except ForgeError as exc:
            return RouteOutcome(
                route="github",
                passed=False,
                error=True,
                reasons=(f"signoff.github_team: {exc.diagnostics()}",),
            )
        with GitHubClient(
            config, settings=settings, clock=self.clock, remaining=ctx.tools.remaining
        ) as client:
            outcome = verify_github(
                GitHubSignoffForge(client),
                team=team,
                head=ctx.release.head,
                run_id=(environ.get("GITHUB_RUN_ID") or "").strip() or None,
                environment=environment,
            )
        token = config.token
        return dataclasses.replace(
            outcome,
            reasons=tuple(token.scrub(reason) for reason in outcome.reasons),
            # Every string, at any depth (defence in depth: the token never shows).
            evidence={key: token.scrub_json(value) for key, value in outcome.evidence.items()},
        )


SIGNOFF = SignoffCheck()
