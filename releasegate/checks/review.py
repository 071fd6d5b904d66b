"""The ``review`` check: every commit of ``base..head`` reached the release through an
approved review.

- ``review.source: github`` (default): pull requests and reviews from the GitHub
  REST API (``releasegate.review.github_mode``), code owners from the CODEOWNERS
  file at the base.
- ``review.source: git``: ``Reviewed-by:``/``Approved-by:`` trailers on commits
  signed by an allowed SSH key (``releasegate.review.trailers``).

The rules (required approvals, committers, bots, code owners) come from the
trusted policy and files at the base, never from the head being judged.

``pass``: every commit is covered. ``fail``: one reason per failing pull request
or commit, naming it and the rule. ``error``: the evidence could not be
collected (no token, GitHub unreachable or rate limited past the capped wait,
malformed answers, an unreadable CODEOWNERS): that blocks as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from releasegate.checkapi import NOTHING, BaseCheck, CheckContext
from releasegate.context import CommitInfo, ReleaseContext
from releasegate.errors import ForgeError, ReleasegateError
from releasegate.forge.client import (
    ClientSettings,
    Clock,
    GitHubClient,
    Secret,
    config_from_env,
    settings_from_env,
)
from releasegate.forge.github import GitHubReviews, PullRequest
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.fields import ReviewSource
from releasegate.policy.schema import Policy
from releasegate.review.approvals import Rules
from releasegate.review.codeowners import LOCATIONS, CodeOwners, load_codeowners
from releasegate.review.github_mode import verify_range
from releasegate.review.trailers import verify_trailers


@dataclass(frozen=True, kw_only=True)
class ReviewCheck(BaseCheck):
    """The ``review`` check. Tests may inject the environment, a clock and settings."""

    id: str = "review"
    stage: Stage = Stage.REVIEW
    environ: Mapping[str, str] | None = None  # None: the process environment
    clock: Clock | None = None
    settings: ClientSettings = field(default_factory=ClientSettings)
    jitter: Callable[[], float] | None = None

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        return NOTHING  # the forge or git's objects (CODEOWNERS at the base)

    def enabled(self, policy: Policy) -> bool:
        return policy.review.required

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        review = ctx.policy.review
        evidence: dict[str, JSONValue] = {
            "source": review.source,
            "required_approvals": review.required_approvals,
            "commits_in_range": len(ctx.release.commits),
        }

        def result(status: Status, reasons: Sequence[str] = ()) -> CheckResult:
            return CheckResult(
                id=self.id,
                stage=self.stage,
                status=status,
                reasons=tuple(reasons),
                evidence=evidence,
                duration_seconds=time.monotonic() - started,
            )

        if review.source is ReviewSource.GIT:
            return self._run_git(ctx, evidence, result)
        return self._run_github(ctx, evidence, result)

    def _run_git(
        self,
        ctx: CheckContext,
        evidence: dict[str, JSONValue],
        result: Callable[[Status, Sequence[str]], CheckResult],
    ) -> CheckResult:
        review = ctx.policy.review
        evidence["allowed_signers_changed_in_range"] = bool(
            review.allowed_signers and ctx.release.changed_in_range(review.allowed_signers)
        )
        try:
            outcome = verify_trailers(
                ctx.release,
                ctx.tools,
                required=review.required_approvals,
                signers_path=review.allowed_signers,
            )
        except ReleasegateError as exc:
            return result(Status.ERROR, [exc.diagnostics()])
        evidence["allowed_signers"] = outcome.allowed_signers
        evidence["commits"] = [c.to_json() for c in outcome.coverage]
        if outcome.passed:
            return result(Status.PASS, [])
        return result(Status.FAIL, outcome.reasons)

    def _run_github(
        self,
        ctx: CheckContext,
        evidence: dict[str, JSONValue],
        result: Callable[[Status, Sequence[str]], CheckResult],
    ) -> CheckResult:
        review = ctx.policy.review
        release = ctx.release
        environ = self.environ if self.environ is not None else ctx.environment.variables
        try:
            config = config_from_env(environ)
            settings = settings_from_env(environ, self.settings)
        except ForgeError as exc:
            return result(Status.ERROR, [exc.diagnostics()])
        evidence["api_url"] = config.api_url
        evidence["repository"] = config.repository
        evidence["exclude_committers"] = review.exclude_committers
        evidence["allowed_bots"] = list(review.allowed_bots)
        codeowners: CodeOwners | None = None
        if review.codeowners and release.trusted_base is not None:
            base = release.trusted_base
            try:
                codeowners = load_codeowners(
                    lambda path: release.show(base, path), f"at base {base[:12]}"
                )
            except ReleasegateError as exc:
                return result(Status.ERROR, [exc.diagnostics()])
        evidence["codeowners"] = (
            {"file": codeowners.source, "rules": len(codeowners.rules)} if codeowners else None
        )
        evidence["codeowners_changed_in_range"] = any(
            release.changed_in_range(path) for path in LOCATIONS
        )
        rules = Rules(
            required_approvals=review.required_approvals,
            exclude_committers=review.exclude_committers,
            allowed_bots=frozenset(bot.lower() for bot in review.allowed_bots),
            codeowners=codeowners,
        )
        with GitHubClient(
            config,
            settings=settings,
            clock=self.clock,
            remaining=ctx.tools.remaining,
            jitter=self.jitter,
        ) as client:
            try:
                outcome = verify_range(
                    release.commits,
                    GitHubReviews(client),
                    rules,
                    ref=release.ref,
                    workers=settings.concurrency,
                    queue=release.queue,
                    same_change=_same_change(release),
                )
            except ForgeError as exc:
                evidence["requests"] = client.stats.to_json()
                return self._scrubbed(result(Status.ERROR, [exc.diagnostics()]), config.token)
            evidence["requests"] = client.stats.to_json()
        if release.queue is not None:
            evidence["merge_queue"] = {
                "ref": release.queue.head_ref,
                "branch": release.queue.branch,
                "queued": [p.pull.number for p in outcome.pulls if p.pull.number in outcome.queued],
                "not_queued": {str(n): why for n, why in sorted(outcome.not_queued.items())},
            }
        evidence["pull_requests"] = [p.to_json() for p in outcome.pulls]
        evidence["commits"] = [c.to_json() for c in outcome.coverage]
        if outcome.passed:
            return self._scrubbed(result(Status.PASS, []), config.token)
        return self._scrubbed(result(Status.FAIL, outcome.reasons), config.token)

    @staticmethod
    def _scrubbed(done: CheckResult, token: Secret) -> CheckResult:
        """Defence in depth: no string of the result may contain the token."""
        evidence = token.scrub_json(dict(done.evidence))
        assert isinstance(evidence, dict)  # noqa: S101 - a dict stays a dict
        return CheckResult(
            id=done.id,
            stage=done.stage,
            status=done.status,
            reasons=tuple(token.scrub(r) for r in done.reasons),
            findings=done.findings,
            evidence=evidence,
            duration_seconds=done.duration_seconds,
        )


def _same_change(release: ReleaseContext) -> Callable[[CommitInfo, PullRequest], str | None]:
    """Whether a merge queue's commit for a pull request holds exactly what the queue
    would write: its tree is git's merge of its first parent and the pull request's head
    (a merge commit: of its two parents, the second being that head; a squash: of its
    parent and that head). Anything else in it is content nobody approved."""

    def differs(commit: CommitInfo, pull: PullRequest) -> str | None:
        if not release.has_commit(pull.head_sha):
            fetch = f"fetch it: `git fetch origin refs/pull/{pull.number}/head`"
            return f"PR #{pull.number}'s head {pull.head_sha[:12]} is not in the clone ({fetch})"
        expected = release.merged_tree(commit.parents[0], pull.head_sha)
        if expected is None:
            return (
                f"PR #{pull.number}'s head {pull.head_sha[:12]} does not merge cleanly onto "
                f"{commit.parents[0][:12]}, so the queue could not have written it"
            )
        actual = release.tree_of(commit.sha)
        if actual != expected:
            return (
                f"its tree {actual[:12]} is not the merge of {commit.parents[0][:12]} and PR "
                f"#{pull.number}'s head ({expected[:12]}): it holds changes the pull request "
                "does not"
            )
        return None

    return differs


REVIEW = ReviewCheck()
