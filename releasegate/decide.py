"""``decide()``: the one place where a release is judged.

A pure function from (policy, check results, release) to a ``Decision`` with a
tree of reasons: what blocked, which finding, which rule of the policy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from typing_extensions import assert_never

from releasegate.baseline import Baseline
from releasegate.dedupe import merge_duplicates, reports
from releasegate.deps.pins import LIBRARY_RANGE_RULE, UNPINNED_RULE, canonical
from releasegate.globs import matches
from releasegate.model import (
    BaselineInfo,
    CheckResult,
    Decision,
    Finding,
    JudgedCheck,
    Mode,
    PolicyInfo,
    Reason,
    ReleaseInfo,
    Stage,
    Status,
    Verdict,
)
from releasegate.policy.fields import EMBEDDED_POLICY, RuleBlocking, UnpinnedAction
from releasegate.policy.schema import Policy, Waiver, expiring
from releasegate.rulepack_files import blocking_defaults
from releasegate.suppression_comments import Suppression
from releasegate.suppression_comments import apply as apply_suppressions

WAIVER_WARNING_DAYS = 14
_MAX_LISTED_FILES = 10


def _library_range(policy: Policy, _mode: Mode) -> str | None:
    if policy.dependencies.unpinned is not UnpinnedAction.BLOCK:
        return None
    return "dependencies.unpinned: block (ranges block, in a library too)"


def _unpinned(policy: Policy, mode: Mode) -> str | None:
    setting = policy.dependencies.unpinned
    effective = setting or ("block" if mode is Mode.RELEASE else "warn")
    if effective == "warn":
        return None
    source = "dependencies.unpinned" if setting else f"{mode.value} mode default"
    return f"{source}: block (a range cannot be audited as one version)"


# The dependency findings ``dependencies.unpinned`` governs: rule id -> the policy rule
# that makes one block (None: reported only). Every other dependency finding blocks.
_UNPINNED_RULES: dict[str, Callable[[Policy, Mode], str | None]] = {
    LIBRARY_RANGE_RULE: _library_range,
    UNPINNED_RULE: _unpinned,
}


def _where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}"


def _describe(finding: Finding) -> str:
    also = "".join(f" + {a.tool} {a.rule_id}" for a in finding.also)
    return (
        f"{finding.tool} {finding.rule_id}{also} ({finding.severity.value} severity, "
        f"{finding.confidence.value} confidence) at {_where(finding)}: {finding.message}"
    )


def _waiver_matches(waiver: Waiver, finding: Finding) -> bool:
    if waiver.id != finding.rule_id and waiver.id not in finding.aliases:
        return False
    if waiver.package is not None and (
        finding.package is None or canonical(waiver.package) != canonical(finding.package)
    ):
        return False
    if not waiver.paths:
        return True
    return matches(waiver.paths, finding.path)


def _waiver_label(index: int, waiver: Waiver) -> str:
    return f"waivers[{index}] ({waiver.id}, owner {waiver.owner})"


@dataclass(frozen=True, kw_only=True)
class _Judgement:
    finding: Finding
    reason: Reason | None


@dataclass(frozen=True, kw_only=True)
class StaticInputs:
    """What the static stage is judged with besides the findings."""

    baseline: Baseline | None = None
    baseline_changed: bool = False
    suppressions: tuple[Suppression, ...] = ()
    # For each file with a justified suppression: the head lines the range added or
    # changed (None: the whole file is new to the range). A suppression that waives a
    # finding on a changed line (its own line or the finding's) needs security sign-off.
    suppression_changes: Mapping[str, frozenset[int] | None] = dataclasses.field(
        default_factory=dict
    )


@dataclass(kw_only=True)
class _Judge:
    policy: Policy
    today: dt.date
    mode: Mode
    static: StaticInputs
    used_waivers: set[int]
    baselined: set[str]
    waived_in_range: dict[str, str] = dataclasses.field(default_factory=dict)
    # Static findings whose severity reached block_on but whose rule only reports.
    reported_only: dict[str, int] = dataclasses.field(default_factory=dict)


def _rule_blocks(rule_id: str, judge: _Judge) -> bool:
    """Whether a rule's findings may block: the policy's ``static.rule_blocking``, else the
    rule pack's default (``checks/blocking.toml``), else yes."""
    setting = judge.policy.static.rule_blocking.get(rule_id)
    if setting is not None:
        return setting is RuleBlocking.BLOCK
    default = blocking_defaults().get(rule_id)
    return default is None or default.blocks


def _reported_only_notes(judge: _Judge) -> list[Reason]:
    notes: list[Reason] = []
    defaults = blocking_defaults()
    for rule_id, count in sorted(judge.reported_only.items()):
        default = defaults.get(rule_id)
        if judge.policy.static.rule_blocking.get(rule_id) is RuleBlocking.REPORT or default is None:
            why = "static.rule_blocking sets it to report"
        else:
            why = f"the rule pack reports it without blocking by default: {default.why}"
        notes.append(
            Reason(
                message=f"{count} {rule_id} finding(s) reached static.block_on and did not "
                f"block: {why} (static.rule_blocking: {{{rule_id}: block}} blocks them)",
                blocking=False,
                rule=f"static.rule_blocking / rule pack default for {rule_id}",
            )
        )
    return notes


def _judge_finding(finding: Finding, stage: Stage, judge: _Judge) -> _Judgement:
    policy, today, used = judge.policy, judge.today, judge.used_waivers
    baseline = judge.static.baseline
    if stage is Stage.STATIC and baseline is not None and finding.fingerprint in baseline:
        judge.baselined.add(finding.fingerprint)
        return _Judgement(
            finding=dataclasses.replace(finding, new=False, blocking=False), reason=None
        )
    if finding.waived:
        # Waived before judgement (a justified in-code suppression): listed, never blocking.
        return _Judgement(finding=dataclasses.replace(finding, blocking=False), reason=None)
    expired: list[Reason] = []
    for index, waiver in enumerate(policy.waivers):
        if not _waiver_matches(waiver, finding):
            continue
        used.add(index)
        if waiver.expires < today:
            expired.append(
                Reason(
                    message=f"{_waiver_label(index, waiver)} expired on "
                    f"{waiver.expires.isoformat()}",
                    blocking=True,
                    rule=f"waivers[{index}].expires",
                    finding=finding.fingerprint,
                )
            )
            continue
        return _Judgement(
            finding=dataclasses.replace(finding, waived=True, blocking=False), reason=None
        )
    if (
        stage is Stage.STATIC
        and judge.mode is Mode.RELEASE
        and policy.static.release_blocks_unbaselined
    ):
        rule_name = (
            "static.release_blocks_unbaselined "
            "(release mode: every finding not in the baseline blocks)"
        )
    elif stage is Stage.STATIC:
        match = policy.static.block_rule_for(finding.path)
        if match is None:
            return _Judgement(finding=dataclasses.replace(finding, blocking=False), reason=None)
        index, rule = match
        reached = [
            (report.rule_id, _rule_blocks(report.rule_id, judge))
            for report in reports(finding)
            if rule.blocks(report.severity, report.confidence)
        ]
        if not any(blocks for _, blocks in reached):
            for rule_id, _ in reached:
                judge.reported_only[rule_id] = judge.reported_only.get(rule_id, 0) + 1
            return _Judgement(finding=dataclasses.replace(finding, blocking=False), reason=None)
        rule_name = (
            f"static.block_on[{index}] (severity >= {rule.severity}, "
            f"confidence >= {rule.confidence})"
        )
    elif stage is Stage.DEPENDENCIES and finding.rule_id in _UNPINNED_RULES:
        named = _UNPINNED_RULES[finding.rule_id](policy, judge.mode)
        if named is None:
            return _Judgement(finding=dataclasses.replace(finding, blocking=False), reason=None)
        rule_name = named
    else:
        # Stages without thresholds of their own: every finding blocks (fail closed).
        rule_name = f"{stage.value}: every unwaived finding blocks"
    blocked = dataclasses.replace(finding, blocking=True)
    return _Judgement(
        finding=blocked,
        reason=Reason(
            message=_describe(finding),
            blocking=True,
            check=None,
            rule=rule_name,
            finding=finding.fingerprint,
            children=tuple(expired),
        ),
    )


def _per_pin(
    children: tuple[Reason, ...], findings: tuple[Finding, ...], check: str
) -> tuple[Reason, ...]:
    """One reason per vulnerable pin with several advisories: the upgrade that fixes them
    all first, the advisories under it."""
    by_print = {f.fingerprint: f for f in findings}
    groups: dict[tuple[str, int, str], list[Reason]] = {}
    order: list[tuple[str, int, str] | Reason] = []
    for child in children:
        finding = by_print.get(child.finding or "")
        if finding is None or finding.package is None or not finding.fix:
            order.append(child)
            continue
        key = (finding.path, finding.line, finding.fix)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(child)
    out: list[Reason] = []
    for item in order:
        if isinstance(item, Reason):
            out.append(item)
            continue
        members = groups[item]
        if len(members) == 1:
            out.append(members[0])
            continue
        path, line, fix = item
        ids = [by_print[m.finding or ""].rule_id for m in members]
        out.append(
            Reason(
                message=f"{fix} at {path}:{line} (fixes {len(members)} advisories: {_listed(ids)})",
                blocking=True,
                check=check,
                rule=members[0].rule,
                finding=members[0].finding,
                children=tuple(members),
            )
        )
    return tuple(out)


def _accepted(finding: Finding, judge: _Judge) -> bool:
    """Whether a baseline entry or a policy waiver (in force or not) touches ``finding``."""
    baseline = judge.static.baseline
    if baseline is not None and finding.fingerprint in baseline:
        return True
    return any(_waiver_matches(waiver, finding) for waiver in judge.policy.waivers)


def _suppressed(results: Sequence[CheckResult], judge: _Judge) -> list[CheckResult]:
    """The static findings with the justified in-code suppressions applied (before the
    same weakness from several tools is merged: a line one tool's suppression waives is
    not merged with another tool's unsuppressed report of it, which is judged alone)."""
    if not judge.static.suppressions:
        return list(results)
    return [
        dataclasses.replace(
            r, findings=tuple(apply_suppressions(r.findings, judge.static.suppressions))
        )
        if r.stage is Stage.STATIC and r.findings
        else r
        for r in results
    ]


def _judge_check(result: CheckResult, judge: _Judge, own: tuple[Finding, ...]) -> JudgedCheck:
    """``result`` judged; ``own`` are its findings as ``decide`` prepared them (in-code
    suppressions applied, the same weakness from several tools merged)."""
    status = result.status
    if status is Status.SKIPPED:
        why = "; ".join(result.reasons) or "skipped"
        reason = Reason(message=f"{result.id}: skipped: {why}", blocking=False, check=result.id)
        return JudgedCheck(
            result=result, status=status, reasons=(reason,), findings=result.findings
        )
    if status is Status.PASS or status is Status.FAIL or status is Status.ERROR:
        # An erroring check's findings (what it found before the error) are judged too:
        # the run shows everything that blocks, not only the error hiding it.
        if result.stage is Stage.STATIC and judge.static.suppressions:
            _note_waived_in_range(own, judge)
        judged = [_judge_finding(f, result.stage, judge) for f in own]
        findings = tuple(j.finding for j in judged)
        children = tuple(
            dataclasses.replace(j.reason, check=result.id) for j in judged if j.reason is not None
        )
        if result.stage is Stage.DEPENDENCIES:
            children = _per_pin(children, findings, result.id)
        reasons: list[Reason] = []
        if status is Status.ERROR:
            causes = result.reasons or ("the check failed without saying why",)
            reasons.append(
                Reason(
                    message=f"{result.id}: error: {'; '.join(causes)}",
                    blocking=True,
                    check=result.id,
                    rule="a check that errors blocks (fail closed)",
                )
            )
        if status is Status.FAIL:
            for cause in result.reasons or ("the check reported a failure",):
                reasons.append(
                    Reason(message=f"{result.id}: {cause}", blocking=True, check=result.id)
                )
        if children:
            count = sum(1 for f in findings if f.blocking)
            reasons.append(
                Reason(
                    message=f"{result.id}: {count} blocking finding{'s' if count != 1 else ''}",
                    blocking=True,
                    check=result.id,
                    children=children,
                )
            )
        waived = sum(1 for f in findings if f.waived)
        if waived:
            reasons.append(
                Reason(
                    message=f"{result.id}: {waived} finding(s) waived "
                    "(policy waivers or justified in-code suppressions)",
                    blocking=False,
                    check=result.id,
                )
            )
        accepted = sum(1 for f in findings if not f.new)
        if accepted:
            reasons.append(
                Reason(
                    message=f"{result.id}: {accepted} finding(s) accepted by the baseline",
                    blocking=False,
                    check=result.id,
                )
            )
        if status is Status.ERROR:
            final = Status.ERROR
        else:
            final = Status.FAIL if any(r.blocking for r in reasons) else Status.PASS
        return JudgedCheck(result=result, status=final, reasons=tuple(reasons), findings=findings)
    assert_never(status)


SUPPRESSION_SIGNOFF_RULE = "a suppression added or changed inside the range needs security sign-off"


def _note_waived_in_range(findings: Sequence[Finding], judge: _Judge) -> None:
    """Record the suppressions that waive a finding on a line this range added or changed."""
    changes = judge.static.suppression_changes
    for finding in findings:
        if not finding.waived or finding.path not in changes:
            continue
        changed = changes[finding.path]
        for suppression in judge.static.suppressions:
            if not suppression.covers(finding):
                continue
            lines = {suppression.line, *range(finding.line, (finding.end_line or finding.line) + 1)}
            if changed is None or lines & changed:
                label = (
                    f"{suppression.path}:{suppression.line} ({suppression.marker} "
                    f"{' '.join(suppression.rule_ids)})"
                )
                judge.waived_in_range.setdefault(label, finding.fingerprint)


def _suppression_verdict(
    judge: _Judge, checks: Sequence[JudgedCheck], reasons: list[Reason], notes: list[Reason]
) -> None:
    added = sorted(judge.waived_in_range)
    if not added:
        return
    rule = SUPPRESSION_SIGNOFF_RULE
    signed_off = any(c.stage is Stage.SIGNOFF and c.status is Status.PASS for c in checks)
    shown = _listed(added)
    if signed_off:
        notes.append(
            Reason(
                message=f"{len(added)} in-code suppression(s) added or changed in this range "
                f"accepted by the security sign-off: {shown}",
                blocking=False,
                rule=rule,
            )
        )
    elif judge.policy.static.suppressions_need_signoff:
        reasons.append(
            Reason(
                message=f"{len(added)} in-code suppression(s) added or changed in this range "
                f"waive findings and need a valid security sign-off: {shown} (releasegate "
                "signoff; or fix the code instead)",
                blocking=True,
                rule=rule,
            )
        )
    else:
        notes.append(
            Reason(
                message=f"{len(added)} in-code suppression(s) added or changed in this range "
                f"(static.suppressions_need_signoff is false): {shown}",
                blocking=False,
                rule=rule,
            )
        )


def _baseline_verdict(
    judge: _Judge, checks: Sequence[JudgedCheck], reasons: list[Reason], notes: list[Reason]
) -> BaselineInfo | None:
    static = judge.static
    if static.baseline is None:
        return None
    baseline = static.baseline
    if static.baseline_changed:
        signed_off = any(c.stage is Stage.SIGNOFF and c.status is Status.PASS for c in checks)
        if signed_off:
            notes.append(
                Reason(
                    message=f"the baseline {baseline.path} changed in this range: accepted "
                    "by the security sign-off",
                    blocking=False,
                    rule="a baseline change inside the range needs security sign-off",
                )
            )
        else:
            reasons.append(
                Reason(
                    message=f"the baseline {baseline.path} changed in this range: accepting "
                    "findings needs a valid security sign-off (releasegate signoff; run the "
                    "signoff stage)",
                    blocking=True,
                    rule="a baseline change inside the range needs security sign-off",
                )
            )
    ran_whole_tree = judge.mode is Mode.RELEASE and any(
        c.stage is Stage.STATIC and c.status is not Status.SKIPPED for c in checks
    )
    stale = len(baseline.entries) - len(judge.baselined)
    if ran_whole_tree and stale > 0:
        notes.append(
            Reason(
                message=f"{stale} baseline entr{'y' if stale == 1 else 'ies'} in {baseline.path} "
                "match no finding any more (fixed?): run `releasegate baseline` to drop them",
                blocking=False,
                rule="static.baseline",
            )
        )
    return BaselineInfo(
        path=baseline.path,
        digest=baseline.digest,
        entries=len(baseline.entries),
        matched=len(judge.baselined),
        changed_in_range=static.baseline_changed,
    )


def _listed(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:_MAX_LISTED_FILES])
    if len(paths) > _MAX_LISTED_FILES:
        shown += f", and {len(paths) - _MAX_LISTED_FILES} more"
    return shown


def decide(
    *,
    policy: Policy,
    policy_info: PolicyInfo,
    results: Sequence[CheckResult],
    release: ReleaseInfo,
    today: dt.date,
    tool_version: str,
    static: StaticInputs | None = None,
    not_run: Sequence[str] = (),
    owners: Mapping[str, tuple[str, ...]] | None = None,
) -> Decision:
    """Judge the results against the policy. Pure: same inputs, same Decision.

    ``not_run`` names the required stages (or shards) the run did not evaluate:
    with any, nothing can be a release pass (``Verdict.PARTIAL_PASS`` at best).
    """
    judge = _Judge(
        policy=policy,
        today=today,
        mode=release.mode,
        static=static or StaticInputs(),
        used_waivers=set(),
        baselined=set(),
    )
    used = judge.used_waivers
    # Judged: each tool's weakness once (releasegate.dedupe); kept as the check's own
    # account: the result it reported, which the evidence and shard parts carry.
    merged = merge_duplicates(_suppressed(results, judge), lambda f: not _accepted(f, judge))
    checks = tuple(
        _judge_check(result, judge, own.findings)
        for result, own in zip(results, merged, strict=True)
    )
    reasons: list[Reason] = []
    notes: list[Reason] = []
    baseline_info = _baseline_verdict(judge, checks, reasons, notes)
    _suppression_verdict(judge, checks, reasons, notes)

    if release.dirty_files:
        reasons.append(
            Reason(
                message="uncommitted changes: cannot certify a release "
                f"({len(release.dirty_files)} modified file(s): {_listed(release.dirty_files)})",
                blocking=True,
                rule="the judged commit must be exactly what is checked out",
            )
        )
    if not checks or all(c.status is Status.SKIPPED for c in checks):
        reasons.append(
            Reason(
                message="no checks ran: an empty set of checks cannot certify a release",
                blocking=True,
                rule="an empty set of checks blocks",
            )
        )
    for judged in checks:
        for reason in judged.reasons:
            (reasons if reason.blocking else notes).append(reason)
    notes.extend(_reported_only_notes(judge))
    counted_once = sum(len(f.also) for c in checks for f in c.findings)
    if counted_once:
        notes.append(
            Reason(
                message=f"{counted_once} report(s) of a weakness that another tool also "
                "reported on the same line are counted once, with every tool and rule id listed",
                blocking=False,
                rule="one weakness on one line is one finding (releasegate.dedupe)",
            )
        )

    if not policy_info.trusted:
        notes.insert(
            0,
            Reason(
                message=f"policy is untrusted ({policy_info.source}): "
                "this run is a local experiment, not a certification",
                blocking=False,
                rule="the policy is read from the base of the range",
            ),
        )
    embedded = policy_info.source.startswith(EMBEDDED_POLICY)
    if policy_info.changed_in_range:
        governs = "the embedded default policy" if embedded else "the base's policy"
        notes.insert(
            0,
            Reason(
                message=f"the policy file changed in this range: {governs} governs this "
                "release, the new one from the next release on (its commit must be on the "
                "base: the newest release tag, or the merge base with the default branch)",
                blocking=False,
                rule="the policy is read from the base of the range",
            ),
        )
    elif embedded:
        notes.insert(
            0,
            Reason(
                message=f"{policy_info.source} governs: the base has no .releasegate.yml. "
                "`releasegate init` writes a starter policy and allowed_signers file; "
                "commit them, and they govern once that commit is the base",
                blocking=False,
                rule="the policy is read from the base of the range",
            ),
        )
    ran = {c.id for c in checks if c.status is not Status.SKIPPED}
    for index, waiver in enumerate(policy.waivers):
        label = _waiver_label(index, waiver)
        if index not in used and ran:
            notes.append(
                Reason(
                    message=f"{label} is stale: it matches no finding in the checks that ran",
                    blocking=False,
                    rule=f"waivers[{index}]",
                )
            )
        elif waiver.expires >= today and expiring(waiver, today, WAIVER_WARNING_DAYS):
            notes.append(
                Reason(
                    message=f"{label} expires on {waiver.expires.isoformat()} "
                    f"(within {WAIVER_WARNING_DAYS} days)",
                    blocking=False,
                    rule=f"waivers[{index}].expires",
                )
            )

    blocking = [r for r in reasons if r.blocking]
    if not_run:
        notes.insert(
            0,
            Reason(
                message=f"partial run: not a release certification (not run: {', '.join(not_run)})",
                blocking=False,
                rule="only a complete run certifies a release",
            ),
        )
    verdict = Verdict.BLOCK if blocking else Verdict.PARTIAL_PASS if not_run else Verdict.PASS
    return Decision(
        verdict=verdict,
        reasons=tuple(blocking),
        notes=tuple(notes),
        checks=checks,
        release=release,
        policy=policy_info,
        tool_version=tool_version,
        baseline=baseline_info,
        not_run=tuple(not_run),
        owners=dict(owners or {}),
    )
