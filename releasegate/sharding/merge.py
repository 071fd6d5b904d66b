"""``releasegate merge``: the parts of one sharded run put together and judged by the
same phases as a single run (see ``releasegate.sharding``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.baseline import Baseline
from releasegate.cache import cache_disabled, default_cache_dir
from releasegate.checkapi import Check, CheckContext, Phase, RunEvidence
from releasegate.checks.registry import REGISTRY
from releasegate.context import ReleaseContext, resolve_context
from releasegate.decide import StaticInputs
from releasegate.errors import ReleasegateError, UsageError
from releasegate.model import (
    CheckResult,
    Decision,
    Finding,
    JSONValue,
    PolicyInfo,
    ReleaseInfo,
    Status,
)
from releasegate.pipeline import Evaluation, finding_owners, judge, run_after_checks, run_evidence
from releasegate.policy.loader import parse_policy
from releasegate.policy.schema import LoadedPolicy, utc_today
from releasegate.procs import ToolRunner
from releasegate.runenv import RunEnvironment
from releasegate.sharding.part import Part, load_part
from releasegate.sharding.partition import PARTITION, sharded
from releasegate.suppression_comments import Suppression


def _check_same_run(parts: Sequence[Part]) -> None:
    first = parts[0]
    for part in parts[1:]:
        if part.model.binding == first.model.binding:
            continue
        mine, theirs = (
            part.model.run.model_dump(mode="json"),
            first.model.run.model_dump(mode="json"),
        )
        field = next((key for key in mine if mine[key] != theirs[key]), "binding")
        raise UsageError(
            f"{part.label} and {first.label} are not parts of one run: {field} "
            f"{theirs.get(field)!r} vs {mine.get(field)!r}",
            hint="merge the parts of one matrix run: same commit, base, mode, --only, "
            "shard count, policy and releasegate version",
        )


def _check_complete(parts: Sequence[Part]) -> None:
    count = parts[0].model.shard.count
    seen: dict[int, Part] = {}
    for part in parts:
        index = part.model.shard.index
        if index in seen:
            raise UsageError(
                f"duplicate part: shard {index}/{count} is both {seen[index].path} and {part.path}",
                hint="pass each part once",
            )
        seen[index] = part
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing:
        raise UsageError(
            f"missing part(s): shard {', '.join(missing)} (got {len(seen)} of {count})",
            hint="a merge needs every part; did a matrix job fail to upload its part?",
        )


def _worst(statuses: Sequence[Status]) -> Status:
    for status in (Status.ERROR, Status.FAIL, Status.PASS):
        if status in statuses:
            return status
    return Status.SKIPPED


def _finding_order(finding: Finding) -> tuple[str, int, int, str, str]:
    return (finding.path, finding.line, finding.column or 0, finding.rule_id, finding.fingerprint)


def _merge_static(check_id: str, shards: Sequence[tuple[Part, CheckResult]]) -> CheckResult:
    results = [r for _, r in shards]
    status = _worst([r.status for r in results])
    reasons: list[str] = []
    for part, result in shards:
        for reason in result.reasons:
            text = (
                f"shard {part.model.shard.index}/{part.model.shard.count}: {reason}"
                if result.status in (Status.ERROR, Status.FAIL)
                else reason
            )
            if text not in reasons:
                reasons.append(text)
    findings = sorted((f for r in results for f in r.findings), key=_finding_order)
    evidence: dict[str, JSONValue] = {
        "sharded": f"{len(shards)} shards, {PARTITION}",
        "shards": [
            {"shard": f"{p.model.shard.index}/{p.model.shard.count}", "evidence": dict(r.evidence)}
            for p, r in shards
        ],
    }
    return CheckResult(
        id=check_id,
        stage=results[0].stage,
        status=status,
        reasons=tuple(reasons),
        findings=tuple(findings),
        evidence=evidence,
        duration_seconds=max(r.duration_seconds for r in results),
    )


@dataclass(frozen=True, kw_only=True)
class MergedRun:
    """The parts put together: what ``decide()`` needs, as in a single run."""

    release: ReleaseInfo
    policy_info: PolicyInfo
    loaded: LoadedPolicy
    results: tuple[CheckResult, ...]
    unavailable: tuple[CheckResult, ...]
    deferred: tuple[str, ...]
    static: StaticInputs
    tool_version: str
    only: tuple[str, ...]


def merge_parts(paths: Sequence[Path]) -> MergedRun:
    """Validate and combine the parts. Usage errors name the part and what is wrong."""
    if not paths:
        raise UsageError("merge needs the part files (releasegate merge part-*.json)")
    parts = [load_part(path) for path in paths]
    _check_same_run(parts)
    _check_complete(parts)
    parts.sort(key=lambda p: p.model.shard.index)
    first = parts[0].model
    count = first.shard.count
    for part in parts[1:]:
        for key in ("policy", "static", "unavailable", "deferred"):
            if getattr(part.model, key) != getattr(first, key):
                raise UsageError(f"{part.label} disagrees with shard 1/{count} about {key}")
    unavailable_ids = set(first.unavailable)
    static_ids = [r.id for r in first.results if sharded(r.id) and r.id not in unavailable_ids]
    by_part: list[dict[str, CheckResult]] = []
    for part in parts:
        results = {r.id: r.model() for r in part.model.results}
        if len(results) != len(part.model.results):
            raise UsageError(f"{part.label}: a check has more than one result")
        own_static = [i for i, r in results.items() if sharded(i) and i not in unavailable_ids]
        if sorted(own_static) != sorted(static_ids):
            raise UsageError(
                f"{part.label}: static checks {sorted(own_static)} differ from shard 1's "
                f"{sorted(static_ids)}"
            )
        if part.model.shard.index > 1:
            extra = sorted(i for i, r in results.items() if not sharded(i) or i in unavailable_ids)
            if extra:
                raise UsageError(
                    f"{part.label}: results for {', '.join(extra)}, which only shard 1 runs"
                )
        by_part.append(results)
    merged: list[CheckResult] = []
    unavailable: list[CheckResult] = []
    for model in first.results:
        if model.id in unavailable_ids:
            unavailable.append(by_part[0][model.id])
            continue
        if sharded(model.id):
            merged.append(
                _merge_static(
                    model.id, [(p, r[model.id]) for p, r in zip(parts, by_part, strict=True)]
                )
            )
            continue
        result = by_part[0][model.id]
        if count > 1:
            evidence = dict(result.evidence)
            evidence["shard"] = f"ran in shard 1/{count} only (checks that are not sharded)"
            result = dataclasses.replace(result, evidence=evidence)
        merged.append(result)
    policy = parse_policy(first.policy.text, first.policy.source)
    policy_info = PolicyInfo(
        source=first.policy.source,
        trusted=first.policy.trusted,
        digest=first.policy.digest,
        changed_in_range=first.policy.changed_in_range,
    )
    baseline = first.static.baseline
    static = StaticInputs(
        baseline=None
        if baseline is None
        else Baseline(
            path=baseline.path,
            digest=baseline.digest,
            entries={entry.fingerprint: entry for entry in baseline.entries},
        ),
        baseline_changed=first.static.baseline_changed,
        suppressions=tuple(
            Suppression(
                path=s.path,
                line=s.line,
                standalone=s.standalone,
                marker=s.marker,
                rule_ids=tuple(s.rule_ids),
                reason=s.reason,
                comment=s.comment,
            )
            for s in first.static.suppressions
        ),
        suppression_changes={
            path: None if lines is None else frozenset(lines)
            for path, lines in first.static.suppression_changes.items()
        },
    )
    return MergedRun(
        release=first.release.model(),
        policy_info=policy_info,
        loaded=LoadedPolicy(
            policy=policy,
            source=first.policy.source,
            trusted=first.policy.trusted,
            digest=first.policy.digest,
        ),
        results=tuple(merged),
        unavailable=tuple(unavailable),
        deferred=tuple(first.deferred),
        static=static,
        tool_version=first.run.tool_version,
        only=tuple(first.run.only),
    )


@dataclass(frozen=True, kw_only=True)
class MergeOutcome:
    decision: Decision
    evaluation: Evaluation | None  # None when the repository was not needed or not there


def _release_context(merged: MergedRun, repo: Path, environment: RunEnvironment) -> ReleaseContext:
    policy = merged.loaded.policy
    release = resolve_context(
        repo,
        head=merged.release.commit,
        base=merged.release.base,
        tag_pattern=policy.release.tag_pattern,
        default_branch=policy.release.default_branch,
        environ=environment.variables,
    )
    if release.head != merged.release.commit:
        raise UsageError(f"{repo}: resolves the parts' commit to {release.head}: not the same")
    return release


def _deferred_results(
    merged: MergedRun,
    release: ReleaseContext | None,
    run: RunEvidence,
    *,
    why_no_repo: str,
    environment: RunEnvironment,
) -> list[CheckResult]:
    """The after-checks phase the parts deferred, run as a single run runs it."""
    checks: list[Check] = []
    for check_id in merged.deferred:
        check = REGISTRY.get(check_id)
        if check is None or check.phase is not Phase.AFTER_CHECKS:
            raise UsageError(
                f"the parts defer check {check_id!r}, which this version does not run "
                "after the other checks"
            )
        checks.append(check)
    if not checks:
        return []
    if release is None:
        return [
            CheckResult.error(
                c.id,
                c.stage,
                f"verified at merge time in the repository, which is not available: {why_no_repo}",
            )
            for c in checks
        ]
    policy = merged.loaded.policy
    environ = environment.variables
    cache_dir = default_cache_dir(environ)
    found = release

    def contexts(tree: Path) -> Callable[[ToolRunner], CheckContext]:
        def make_context(tools: ToolRunner) -> CheckContext:
            return CheckContext(
                release=found,
                policy=policy,
                tree=tree,
                files=(),
                tools=tools,
                cache_dir=cache_dir,
                use_cache=not cache_disabled(environ),
                environment=environment,
            )

        return make_context

    return run_after_checks(checks, run, contexts, timeout_seconds=policy.timeout_seconds)


def judge_merged(
    merged: MergedRun,
    *,
    repo: Path | None,
    need_repository: bool,
    environment: RunEnvironment,
    today: dt.date | None = None,
    signoff_file: Path | None = None,
) -> MergeOutcome:
    """Decide from the merged parts with the same ``decide()`` as a single run.

    The repository (``repo``) is needed to verify deferred checks (the
    sign-off), for an attestation and for the audit record; without it, a
    deferred check is an ``error`` (fail closed).
    """
    day = today or utc_today()
    release: ReleaseContext | None = None
    why_no_repo = "no --repo given"
    if repo is not None and (merged.deferred or need_repository):
        try:
            release = _release_context(merged, repo, environment)
        except ReleasegateError as exc:
            if need_repository:
                raise UsageError(
                    f"merge needs the repository at {repo}: {exc.diagnostics()}",
                    hint="run merge in a full checkout of the commit (actions/checkout with "
                    "fetch-depth: 0), or pass --no-audit",
                ) from None
            why_no_repo = exc.diagnostics()
    policy = merged.loaded.policy
    all_results = [*merged.results, *merged.unavailable]
    evidence = run_evidence(
        merged.release,
        policy_digest=merged.policy_info.digest,
        policy=policy,
        results=all_results,
        static=merged.static,
        today=day,
    )
    run = RunEvidence(evidence=evidence, today=day, signoff_file=signoff_file)
    deferred = _deferred_results(
        merged, release, run, why_no_repo=why_no_repo, environment=environment
    )
    decision = judge(
        policy=policy,
        policy_info=merged.policy_info,
        results=[*merged.results, *deferred, *merged.unavailable],
        release=merged.release,
        today=day,
        tool_version=merged.tool_version,
        static=merged.static,
        owners=None if release is None else finding_owners(release, merged.results),
    )
    evaluation = (
        None
        if release is None
        else Evaluation(
            decision=decision,
            release=release,
            loaded=merged.loaded,
            evidence=evidence,
            today=day,
            static=merged.static,
        )
    )
    return MergeOutcome(decision=decision, evaluation=evaluation)
