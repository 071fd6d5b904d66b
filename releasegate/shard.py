"""Sharded runs: ``run --shard K/N --json part-K.json`` in each job of a matrix, then
``releasegate merge part-*.json`` decides from all parts exactly as one run would.

How the work is split:

- The *static scope* (the files the static checks analyse) is partitioned by
  file: a file belongs to shard ``int(sha256(path)[:8]) % N + 1``. The hash is
  of the path alone, so the partition is the same on every machine and every
  run, the shards are disjoint and together cover the scope. Static findings
  are per file (fingerprints digest the rule, the path and the file's code), so
  they are exactly those of an unsharded run.
- Checks of the other stages (dependencies, review, tests...) run only in
  shard 1; their merged evidence says so. Give the matrix ``--only static``
  (or ``static,dependencies``) to spread the heavy part.
- The ``signoff`` stage judges the evidence of *all* other checks, so no shard
  runs it: the merge computes the evidence of the merged results and then
  verifies the sign-off in the repository (``merge --repo``).

A part carries what the merge needs to call the same ``decide()`` as a single
run: the shard, the raw check results with their findings, the release, the
policy (its text, re-parsed at merge time and checked against its digest),
the baseline and the in-code suppressions, and a *binding* digest over the
commit, base, mode, selection, shard count, policy digest and tool version.
Parts of different runs, a missing part or a part given twice are usage errors
(exit 2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from releasegate.baseline import Baseline, BaselineEntry
from releasegate.cache import cache_disabled, default_cache_dir
from releasegate.checks.base import Check, CheckContext
from releasegate.checks.registry import REGISTRY
from releasegate.checks.signoff import bind_signoff
from releasegate.checks.tree import TREE
from releasegate.context import ReleaseContext, resolve_context
from releasegate.decide import StaticInputs, decide
from releasegate.engine import Evaluation, RunOptions, select_checks
from releasegate.errors import ReleasegateError, UsageError
from releasegate.files import FileTooLarge, read_capped
from releasegate.model import (
    AlsoReported,
    CheckResult,
    Confidence,
    Decision,
    Finding,
    JSONValue,
    Mode,
    PolicyInfo,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
)
from releasegate.policy import (
    POLICY_FILE,
    LoadedPolicy,
    Policy,
    parse_policy,
    starter_policy_text,
    utc_today,
)
from releasegate.procs import ToolRunner
from releasegate.reports.json_report import finding_dict
from releasegate.runner import run_checks
from releasegate.scope import select_files
from releasegate.signoff.canonical import digest_of, sha256_digest
from releasegate.signoff.evidence import EvidenceSummary, summarise
from releasegate.suppressions import Suppression

PART_SCHEMA = "releasegate-shard/1"
MAX_SHARDS = 256
MAX_PART_BYTES = 256 * 1024 * 1024
_PARTITION = "by file: sha256 of the path, first 8 bytes as an integer, modulo the shard count"

# Checks that judge the tree as a whole: one shard runs them.
WHOLE_TREE_CHECKS = frozenset({TREE.id})


def sharded(stage: Stage, check_id: str) -> bool:
    """Whether each shard runs this check on its own part of the static scope."""
    return stage is Stage.STATIC and check_id not in WHOLE_TREE_CHECKS


# --- the partition -------------------------------------------------------------------------


def shard_of(path: str, count: int) -> int:
    """The shard (1-based) that analyses ``path`` when the scope is split ``count`` ways."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


@dataclass(frozen=True)
class ShardSpec:
    """Shard ``index`` of ``count`` (1-based), as in ``--shard 2/3``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not 1 <= self.index <= self.count:
            raise UsageError(
                f"--shard {self.index}/{self.count}: want K/N with 1 <= K <= N <= {MAX_SHARDS}"
            )

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        index, sep, count = text.strip().partition("/")
        if not sep or not index.isdigit() or not count.isdigit():
            raise UsageError(f"--shard {text!r}: write it as K/N, e.g. --shard 2/3")
        return cls(int(index), int(count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, path: str) -> bool:
        return shard_of(path, self.count) == self.index

    def select(
        self, checks: Sequence[Check], unavailable: Sequence[CheckResult]
    ) -> tuple[list[Check], list[CheckResult]]:
        """What this shard runs: the per-file static checks on its files; every other
        check (the whole-tree ``tree`` check too) in shard 1 only; the sign-off in none
        (the merge verifies it)."""
        selected: list[Check] = []
        for check in checks:
            if check.stage is Stage.SIGNOFF:
                continue
            if sharded(check.stage, check.id):
                selected.append(ShardedCheck(inner=check, shard=self))
            elif self.index == 1:
                selected.append(check)
        return selected, list(unavailable) if self.index == 1 else []


@dataclass(frozen=True, kw_only=True)
class ShardedCheck:
    """A static check that sees only its shard's part of the static scope.

    Files outside the static scope (``pyproject.toml``, data files) stay visible
    to every shard: checks read them for settings, not to analyse them.
    """

    inner: Check
    shard: ShardSpec

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def stage(self) -> Stage:
        return self.inner.stage

    def enabled(self, policy: Policy) -> bool:
        return self.inner.enabled(policy)

    def run(self, ctx: CheckContext) -> CheckResult:
        static = ctx.policy.static
        in_scope = set(select_files(ctx.files, static.include, static.exclude).included)
        files = tuple(p for p in ctx.files if p not in in_scope or self.shard.owns(p))
        owned = sum(1 for p in in_scope if self.shard.owns(p))
        result = self.inner.run(dataclasses.replace(ctx, files=files))
        evidence: dict[str, JSONValue] = dict(result.evidence)
        evidence["shard"] = str(self.shard)
        evidence["shard_files"] = owned
        return dataclasses.replace(result, evidence=evidence)


# --- the part document ---------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _AlsoModel(_Model):
    tool: str
    rule_id: str
    fingerprint: str
    severity: Severity
    confidence: Confidence

    def also(self) -> AlsoReported:
        return AlsoReported(
            tool=self.tool,
            rule_id=self.rule_id,
            fingerprint=self.fingerprint,
            severity=self.severity,
            confidence=self.confidence,
        )


class _FindingModel(_Model):
    tool: str
    rule_id: str
    rule_name: str = ""
    severity: Severity
    confidence: Confidence
    path: str
    line: int
    end_line: int | None = None
    column: int | None = None
    message: str
    cwe: list[int] = Field(default_factory=list)
    fingerprint: str
    new: bool = True
    waived: bool = False
    blocking: bool = False
    help_uri: str = ""
    aliases: list[str] = Field(default_factory=list)
    package: str | None = None
    fix: str = ""
    also: list[_AlsoModel] = Field(default_factory=list)

    def finding(self) -> Finding:
        return Finding(
            tool=self.tool,
            rule_id=self.rule_id,
            rule_name=self.rule_name,
            severity=self.severity,
            confidence=self.confidence,
            path=self.path,
            line=self.line,
            end_line=self.end_line,
            column=self.column,
            message=self.message,
            cwe=tuple(self.cwe),
            fingerprint=self.fingerprint,
            new=self.new,
            waived=self.waived,
            blocking=self.blocking,
            help_uri=self.help_uri,
            aliases=tuple(self.aliases),
            package=self.package,
            fix=self.fix,
            also=tuple(a.also() for a in self.also),
        )


class _ResultModel(_Model):
    id: str
    stage: Stage
    status: Status
    reasons: list[str] = Field(default_factory=list)
    findings: list[_FindingModel] = Field(default_factory=list)
    evidence: dict[str, Any] = Field(default_factory=dict)
    duration_seconds: float = 0.0

    def result(self) -> CheckResult:
        return CheckResult(
            id=self.id,
            stage=self.stage,
            status=self.status,
            reasons=tuple(self.reasons),
            findings=tuple(f.finding() for f in self.findings),
            evidence=self.evidence,
            duration_seconds=self.duration_seconds,
        )


class _ReleaseModel(_Model):
    repo: str
    commit: str
    base: str | None
    ref: str | None
    base_source: str
    commits: int
    changed_files: list[str]
    dirty_files: list[str]
    mode: Mode

    def info(self) -> ReleaseInfo:
        return ReleaseInfo(
            repo=self.repo,
            commit=self.commit,
            base=self.base,
            ref=self.ref,
            base_source=self.base_source,
            commits=self.commits,
            changed_files=tuple(self.changed_files),
            dirty_files=tuple(self.dirty_files),
            mode=self.mode,
        )


class _PolicyModel(_Model):
    source: str
    trusted: bool
    digest: str
    changed_in_range: bool
    text: str


class _BaselineModel(_Model):
    path: str
    digest: str
    entries: list[BaselineEntry]


class _SuppressionModel(_Model):
    path: str
    line: int
    standalone: bool
    marker: str
    rule_ids: list[str]
    reason: str
    comment: str


class _StaticModel(_Model):
    baseline: _BaselineModel | None
    baseline_changed: bool
    suppressions: list[_SuppressionModel]
    # path -> changed head lines; null: the whole file is new to the range.
    suppression_changes: dict[str, list[int] | None]


class _RunModel(_Model):
    """What binds the parts of one sharded run together."""

    commit: str
    base: str | None
    mode: Mode
    only: list[str]
    count: int
    policy_digest: str
    tool_version: str


class _ShardModel(_Model):
    index: int
    count: int


class _PartModel(_Model):
    schema_: Literal["releasegate-shard/1"] = Field(alias="schema")
    shard: _ShardModel
    binding: str
    run: _RunModel
    release: _ReleaseModel
    policy: _PolicyModel
    static: _StaticModel
    results: list[_ResultModel]
    unavailable: list[str]
    deferred: list[str]


def _policy_text(evaluation: Evaluation, options: RunOptions) -> str:
    """The text of the policy the run was judged by (its digest must match)."""
    candidates: list[str] = []
    if options.config is not None:
        candidates.append(options.config.read_text("utf-8"))
    release = evaluation.release
    if release.base is not None:
        data = release.show(release.base, POLICY_FILE)
        if data is not None:
            candidates.append(data.decode("utf-8", "surrogateescape"))
    candidates.append(starter_policy_text())
    for text in candidates:
        if _text_digest(text) == evaluation.loaded.digest:
            return text
    raise UsageError(
        "cannot find the text of the policy this shard was judged by (it changed while "
        "the shard ran?)",
        hint="run the shard again",
    )


def _text_digest(text: str) -> str:
    return sha256_digest(text.encode("utf-8", "surrogateescape"))


def _result_json(result: CheckResult) -> dict[str, JSONValue]:
    return {
        "id": result.id,
        "stage": result.stage.value,
        "status": result.status.value,
        "reasons": list(result.reasons),
        "findings": [finding_dict(f) for f in result.findings],
        "evidence": json.loads(json.dumps(result.evidence, default=str)),
        "duration_seconds": result.duration_seconds,
    }


def _baseline_json(baseline: Baseline | None) -> JSONValue:
    if baseline is None:
        return None
    entries: list[JSONValue] = [
        entry.model_dump(mode="json") for _, entry in sorted(baseline.entries.items())
    ]
    return {"path": baseline.path, "digest": baseline.digest, "entries": entries}


def _suppression_json(s: Suppression) -> dict[str, JSONValue]:
    return {
        "path": s.path,
        "line": s.line,
        "standalone": s.standalone,
        "marker": s.marker,
        "rule_ids": list(s.rule_ids),
        "reason": s.reason,
        "comment": s.comment,
    }


def _run_json(
    *, release: ReleaseInfo, options: RunOptions, count: int, policy_digest: str, tool: str
) -> dict[str, JSONValue]:
    return {
        "commit": release.commit,
        "base": release.base,
        "mode": release.mode.value,
        "only": list(options.only),
        "count": count,
        "policy_digest": policy_digest,
        "tool_version": tool,
    }


def part_document(evaluation: Evaluation, options: RunOptions) -> dict[str, JSONValue]:
    """The part a shard writes (``--json`` with ``--shard``)."""
    shard = options.shard
    if shard is None:
        raise ValueError("part_document needs a sharded run")
    decision = evaluation.decision
    policy = evaluation.loaded.policy
    selected, unavailable = select_checks(policy, options.only)
    deferred: list[JSONValue] = [
        c.id for c in selected if c.stage is Stage.SIGNOFF and not options.without_signoff
    ]
    run = _run_json(
        release=decision.release,
        options=options,
        count=shard.count,
        policy_digest=decision.policy.digest,
        tool=decision.tool_version,
    )
    release = decision.release
    static = evaluation.static
    results: list[JSONValue] = [_result_json(check.result) for check in decision.checks]
    suppressions: list[JSONValue] = [_suppression_json(s) for s in static.suppressions]
    return {
        "schema": PART_SCHEMA,
        "shard": {"index": shard.index, "count": shard.count},
        "binding": digest_of(run),
        "run": run,
        "release": {
            "repo": release.repo,
            "commit": release.commit,
            "base": release.base,
            "ref": release.ref,
            "base_source": release.base_source,
            "commits": release.commits,
            "changed_files": list(release.changed_files),
            "dirty_files": list(release.dirty_files),
            "mode": release.mode.value,
        },
        "policy": {
            "source": decision.policy.source,
            "trusted": decision.policy.trusted,
            "digest": decision.policy.digest,
            "changed_in_range": decision.policy.changed_in_range,
            "text": _policy_text(evaluation, options),
        },
        "static": {
            "baseline": _baseline_json(static.baseline),
            "baseline_changed": static.baseline_changed,
            "suppressions": suppressions,
            "suppression_changes": {
                path: None if lines is None else list[JSONValue](sorted(lines))
                for path, lines in static.suppression_changes.items()
            },
        },
        "results": results,
        "unavailable": [r.id for r in unavailable if shard.index == 1],
        "deferred": deferred,
    }


def render_part(evaluation: Evaluation, options: RunOptions) -> str:
    return (
        json.dumps(
            # allow_nan: free-form evidence may hold a non-finite float; merge reads it
            # back with Python's json, and the report renders it as text.
            part_document(evaluation, options),
            indent=1,
            ensure_ascii=False,
            allow_nan=True,
        )
        + "\n"
    )


# --- merging -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Part:
    path: Path
    model: _PartModel

    @property
    def label(self) -> str:
        return f"{self.path} (shard {self.model.shard.index}/{self.model.shard.count})"


def load_part(path: Path) -> _Part:
    try:
        data = read_capped(path, MAX_PART_BYTES)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the part: {exc}") from None
    except FileTooLarge:
        raise UsageError(f"{path}: larger than {MAX_PART_BYTES} bytes: not a shard part") from None
    try:
        raw = json.loads(data.decode("utf-8", "surrogateescape"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a shard part (not JSON: {exc})") from None
    if not isinstance(raw, dict) or raw.get("schema") != PART_SCHEMA:
        found = raw.get("schema") if isinstance(raw, dict) else None
        raise UsageError(
            f"{path}: not a shard part (schema {found!r}, want {PART_SCHEMA!r})",
            hint="merge the files written by `releasegate run --shard K/N --json FILE`",
        )
    try:
        model = _PartModel.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise UsageError(f"{path}: invalid shard part at {where}: {first['msg']}") from None
    run = model.run.model_dump(mode="json")
    if digest_of(run) != model.binding:
        raise UsageError(f"{path}: the part's binding digest does not match its run: edited?")
    if model.shard.count != model.run.count or not 1 <= model.shard.index <= model.shard.count:
        raise UsageError(f"{path}: inconsistent shard {model.shard.index}/{model.shard.count}")
    if _text_digest(model.policy.text) != model.policy.digest:
        raise UsageError(f"{path}: the policy text does not match the policy digest: edited?")
    return _Part(path=path, model=model)


def _check_same_run(parts: Sequence[_Part]) -> None:
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


def _check_complete(parts: Sequence[_Part]) -> None:
    count = parts[0].model.shard.count
    seen: dict[int, _Part] = {}
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


def _merge_static(check_id: str, shards: Sequence[tuple[_Part, CheckResult]]) -> CheckResult:
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
        "sharded": f"{len(shards)} shards, {_PARTITION}",
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
    static_ids = [
        r.id for r in first.results if sharded(r.stage, r.id) and r.id not in unavailable_ids
    ]
    by_part: list[dict[str, CheckResult]] = []
    for part in parts:
        results = {r.id: r.result() for r in part.model.results}
        if len(results) != len(part.model.results):
            raise UsageError(f"{part.label}: a check has more than one result")
        own_static = [
            i for i, r in results.items() if sharded(r.stage, i) and i not in unavailable_ids
        ]
        if sorted(own_static) != sorted(static_ids):
            raise UsageError(
                f"{part.label}: static checks {sorted(own_static)} differ from shard 1's "
                f"{sorted(static_ids)}"
            )
        if part.model.shard.index > 1:
            extra = sorted(
                i for i, r in results.items() if not sharded(r.stage, i) or i in unavailable_ids
            )
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
        if sharded(model.stage, model.id):
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
        release=first.release.info(),
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


def _release_context(merged: MergedRun, repo: Path) -> ReleaseContext:
    policy = merged.loaded.policy
    release = resolve_context(
        repo,
        head=merged.release.commit,
        base=merged.release.base,
        tag_pattern=policy.release.tag_pattern,
        default_branch=policy.release.default_branch,
    )
    if release.head != merged.release.commit:
        raise UsageError(f"{repo}: resolves the parts' commit to {release.head}: not the same")
    return release


def _deferred_results(
    merged: MergedRun,
    release: ReleaseContext | None,
    *,
    evidence: EvidenceSummary,
    today: dt.date,
    signoff_file: Path | None,
    why_no_repo: str,
) -> list[CheckResult]:
    checks: list[Check] = []
    for check_id in merged.deferred:
        check = REGISTRY.get(check_id)
        if check is None:
            raise UsageError(f"the parts defer check {check_id!r}, which this version lacks")
        checks.append(
            bind_signoff(check, evidence=evidence, today=today, signoff_file=signoff_file)
        )
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
    cache_dir = default_cache_dir()
    with release.checkout() as tree:

        def make_context(tools: ToolRunner) -> CheckContext:
            return CheckContext(
                release=release,
                policy=policy,
                tree=tree,
                files=(),
                tools=tools,
                cache_dir=cache_dir,
                use_cache=not cache_disabled(),
            )

        return run_checks(checks, make_context, timeout_seconds=policy.timeout_seconds)


def judge_merged(
    merged: MergedRun,
    *,
    repo: Path | None,
    need_repository: bool,
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
            release = _release_context(merged, repo)
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
    evidence = summarise(
        commit=merged.release.commit,
        base=merged.release.base,
        mode=merged.release.mode,
        policy_digest=merged.policy_info.digest,
        policy=policy,
        results=all_results,
        static=merged.static,
        today=day,
    )
    deferred = _deferred_results(
        merged,
        release,
        evidence=evidence,
        today=day,
        signoff_file=signoff_file,
        why_no_repo=why_no_repo,
    )
    decision = decide(
        policy=policy,
        policy_info=merged.policy_info,
        results=[*merged.results, *deferred, *merged.unavailable],
        release=merged.release,
        today=day,
        tool_version=merged.tool_version,
        static=merged.static,
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


def describe_part(evaluation: Evaluation, shard: ShardSpec) -> str:
    """One line for the terminal after a shard ran."""
    checks = evaluation.decision.checks
    findings = sum(len(c.result.findings) for c in checks)
    errors = [c.id for c in checks if c.result.status is Status.ERROR]
    erred = f"; check(s) in error: {', '.join(errors)}" if errors else ""
    return (
        f"shard {shard}: {len(checks)} check result(s), {findings} finding(s){erred}. "
        "This is one part: `releasegate merge` decides from all parts."
    )
