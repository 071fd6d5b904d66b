"""The evidence digest: a canonical digest of what a security reviewer judges.

The summary holds the head commit, the base, the mode, the policy digest, every
check's id, stage and status (the ``signoff`` stage itself excluded), every
finding of those checks (fingerprint, severity, tool, rule), and what accepts
findings: the waivers in force, the baseline entries and the in-code
suppressions. Nothing else: no timings, no temporary paths, no tool versions,
no messages. Same evidence, same digest, on any machine.

``describe_changes`` lists what differs between a signed summary and the
current one, so that a stale sign-off says exactly why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from releasegate.canonical import digest_of
from releasegate.decide import StaticInputs
from releasegate.model import CheckResult, JSONValue, Mode, Stage
from releasegate.policy.schema import Policy

EVIDENCE_VERSION = 1
_MAX_CHANGES = 12


@dataclass(frozen=True, kw_only=True)
class EvidenceSummary:
    """The canonical evidence of one run and its ``sha256:`` digest."""

    data: Mapping[str, JSONValue]
    digest: str

    @classmethod
    def of(cls, data: Mapping[str, JSONValue]) -> EvidenceSummary:
        plain = dict(data)
        return cls(data=plain, digest=digest_of(plain))

    def to_json(self) -> dict[str, JSONValue]:
        return dict(self.data)


def _finding_rows(results: Sequence[CheckResult]) -> list[JSONValue]:
    rows: list[dict[str, JSONValue]] = [
        {
            "check": result.id,
            "tool": finding.tool,
            "rule": finding.rule_id,
            "severity": finding.severity.value,
            "fingerprint": finding.fingerprint,
        }
        for result in results
        for finding in result.findings
    ]
    rows.sort(key=lambda r: (str(r["fingerprint"]), str(r["check"]), str(r["rule"])))
    return list(rows)


def _waiver_rows(policy: Policy, today: dt.date) -> list[JSONValue]:
    rows: list[JSONValue] = []
    for index, waiver in enumerate(policy.waivers):
        if waiver.expires < today:
            continue  # expired: no longer accepts anything
        rows.append(
            {
                "index": index,
                "id": waiver.id,
                "package": waiver.package,
                "paths": list(waiver.paths),
                "owner": waiver.owner,
                "reason": waiver.reason,
                "expires": waiver.expires.isoformat(),
            }
        )
    return rows


def _baseline_rows(static: StaticInputs) -> list[JSONValue]:
    if static.baseline is None:
        return []
    rows: list[JSONValue] = [
        {"fingerprint": fp, "tool": entry.tool, "rule": entry.rule_id, "owner": entry.owner}
        for fp, entry in sorted(static.baseline.entries.items())
    ]
    return rows


def _suppression_rows(static: StaticInputs) -> list[JSONValue]:
    rows: list[dict[str, JSONValue]] = [
        {
            "path": s.path,
            "line": s.line,
            "marker": s.marker,
            "rules": list(s.rule_ids),
            "reason": s.reason,
        }
        for s in static.suppressions
    ]
    rows.sort(key=lambda r: (str(r["path"]), int(str(r["line"])), str(r["marker"])))
    return list(rows)


def summarise(
    *,
    commit: str,
    base: str | None,
    mode: Mode,
    policy_digest: str,
    policy: Policy,
    results: Sequence[CheckResult],
    static: StaticInputs,
    today: dt.date,
) -> EvidenceSummary:
    """The evidence of ``results`` (sign-off results are left out)."""
    judged = [r for r in results if r.stage is not Stage.SIGNOFF]
    checks: list[JSONValue] = [
        {"id": r.id, "stage": r.stage.value, "status": r.status.value}
        for r in sorted(judged, key=lambda r: r.id)
    ]
    return EvidenceSummary.of(
        {
            "version": EVIDENCE_VERSION,
            "commit": commit,
            "base": base,
            "mode": mode.value,
            "policy_digest": policy_digest,
            "checks": checks,
            "findings": _finding_rows(judged),
            "waivers": _waiver_rows(policy, today),
            "baseline": _baseline_rows(static),
            "suppressions": _suppression_rows(static),
        }
    )


# --- what changed -------------------------------------------------------------------------


def _rows(data: Mapping[str, JSONValue], key: str) -> list[dict[str, JSONValue]]:
    raw = data.get(key)
    if not isinstance(raw, list):
        return []
    return [row for row in raw if isinstance(row, dict)]


def _text(value: JSONValue) -> str:
    return "" if value is None else str(value)


def _finding_key(row: Mapping[str, JSONValue]) -> tuple[str, str, str, str]:
    return (
        _text(row.get("fingerprint")),
        _text(row.get("rule")),
        _text(row.get("tool")),
        _text(row.get("check")),
    )


def _finding_label(key: tuple[str, str, str, str], severity: str) -> str:
    fingerprint, rule, tool, check = key
    sev = f", {severity}" if severity else ""
    return f"{rule} ({tool}{sev}, check {check}) fingerprint {fingerprint}"


def _finding_changes(
    signed: Mapping[str, JSONValue], current: Mapping[str, JSONValue]
) -> list[str]:
    old_rows, new_rows = _rows(signed, "findings"), _rows(current, "findings")
    old = Counter(_finding_key(r) for r in old_rows)
    new = Counter(_finding_key(r) for r in new_rows)
    severity = {_finding_key(r): _text(r.get("severity")) for r in [*old_rows, *new_rows]}
    changes = [
        f"new finding {_finding_label(key, severity[key])}"
        for key in sorted((new - old).elements())
    ]
    changes += [
        f"finding gone {_finding_label(key, severity[key])}"
        for key in sorted((old - new).elements())
    ]
    return changes


def _check_changes(signed: Mapping[str, JSONValue], current: Mapping[str, JSONValue]) -> list[str]:
    old = {_text(r.get("id")): _text(r.get("status")) for r in _rows(signed, "checks")}
    new = {_text(r.get("id")): _text(r.get("status")) for r in _rows(current, "checks")}
    changes: list[str] = []
    for check_id in sorted(old.keys() | new.keys()):
        before, after = old.get(check_id), new.get(check_id)
        if before is None:
            changes.append(f"check {check_id} added ({after})")
        elif after is None:
            changes.append(f"check {check_id} no longer run (was {before})")
        elif before != after:
            changes.append(f"check {check_id}: {before} -> {after}")
    return changes


def _set_changes(
    signed: Mapping[str, JSONValue],
    current: Mapping[str, JSONValue],
    key: str,
    label: str,
    name: Iterable[str],
) -> list[str]:
    fields = tuple(name)

    def ident(row: Mapping[str, JSONValue]) -> str:
        return " ".join(_text(row.get(f)) for f in fields if row.get(f) not in (None, "", []))

    old = {digest_of(dict(r)): ident(r) for r in _rows(signed, key)}
    new = {digest_of(dict(r)): ident(r) for r in _rows(current, key)}
    changes = [
        f"{label} added: {new[d]}" for d in sorted(new.keys() - old.keys(), key=new.__getitem__)
    ]
    changes += [
        f"{label} removed: {old[d]}" for d in sorted(old.keys() - new.keys(), key=old.__getitem__)
    ]
    return changes


def describe_changes(
    signed: Mapping[str, JSONValue], current: Mapping[str, JSONValue]
) -> list[str]:
    """What differs between the signed evidence and the current one, most telling first."""
    changes: list[str] = []
    for key, label in (
        ("commit", "commit"),
        ("base", "base"),
        ("mode", "mode"),
        ("policy_digest", "policy"),
        ("version", "evidence format"),
    ):
        if signed.get(key) != current.get(key):
            changes.append(f"{label}: {_text(signed.get(key))} -> {_text(current.get(key))}")
    changes += _finding_changes(signed, current)
    changes += _check_changes(signed, current)
    changes += _set_changes(
        signed, current, "waivers", "waiver", ("id", "package", "owner", "expires")
    )
    changes += _set_changes(signed, current, "baseline", "baseline entry", ("rule", "fingerprint"))
    changes += _set_changes(
        signed, current, "suppressions", "in-code suppression", ("path", "line", "rules")
    )
    if not changes:
        changes.append("the evidence differs in form (a different releasegate version?)")
    return changes


def summarise_changes(changes: Sequence[str]) -> str:
    shown = "; ".join(changes[:_MAX_CHANGES])
    if len(changes) > _MAX_CHANGES:
        shown += f"; and {len(changes) - _MAX_CHANGES} more"
    return shown
