"""The JSON report: the stable, machine-readable account of a Decision.

Its shape is published as ``releasegate/data/report.schema.json``; change both
together and bump ``model.REPORT_SCHEMA_VERSION`` when the change is not
backwards compatible.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from importlib import resources
from typing import cast

from releasegate.model import (
    REPORT_SCHEMA_VERSION,
    BaselineInfo,
    Decision,
    Finding,
    JSONValue,
    JudgedCheck,
    Reason,
    Severity,
)
from releasegate.reports.escape import utf8_safe

SCHEMA_ID = f"releasegate-report/{REPORT_SCHEMA_VERSION}"
TOOL_NAME = "releasegate"


def _plain(value: object) -> JSONValue:
    """``value`` as plain JSON data that always serialises to valid UTF-8 JSON.

    Evidence is free-form and comes from tools: non-finite floats (not JSON)
    become strings, lone surrogates are replaced, tuples become lists and
    anything else is shown by its ``str``.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, Mapping):
        return {utf8_safe(str(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return utf8_safe(str(value))


def _duration(seconds: float) -> float:
    if not math.isfinite(seconds) or seconds < 0:
        return 0.0
    return round(seconds, 3)


def finding_dict(finding: Finding) -> dict[str, JSONValue]:
    return {
        "tool": utf8_safe(finding.tool),
        "rule_id": utf8_safe(finding.rule_id),
        "rule_name": utf8_safe(finding.rule_name),
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "path": utf8_safe(finding.path),
        "line": finding.line,
        "end_line": finding.end_line,
        "column": finding.column,
        "message": utf8_safe(finding.message),
        "cwe": list(finding.cwe),
        "fingerprint": utf8_safe(finding.fingerprint),
        "new": finding.new,
        "waived": finding.waived,
        "blocking": finding.blocking,
        "help_uri": utf8_safe(finding.help_uri),
        "aliases": [utf8_safe(alias) for alias in finding.aliases],
        "package": None if finding.package is None else utf8_safe(finding.package),
        "fix": utf8_safe(finding.fix),
        "also": [
            {
                "tool": utf8_safe(also.tool),
                "rule_id": utf8_safe(also.rule_id),
                "fingerprint": utf8_safe(also.fingerprint),
                "severity": also.severity.value,
                "confidence": also.confidence.value,
            }
            for also in finding.also
        ],
    }


def _check_dict(check: JudgedCheck) -> dict[str, JSONValue]:
    return {
        "id": utf8_safe(check.id),
        "stage": check.stage.value,
        "status": check.status.value,
        "reasons": [utf8_safe(reason.message) for reason in check.reasons],
        "findings": [finding_dict(finding) for finding in check.findings],
        "evidence": _plain(check.result.evidence),
        "duration_seconds": _duration(check.result.duration_seconds),
    }


def _reason_tree(reason: Reason) -> JSONValue:
    return _plain(reason.to_json())


def _counts(decision: Decision) -> dict[str, JSONValue]:
    findings = decision.findings
    by_severity: dict[str, JSONValue] = {
        severity.value: sum(1 for f in findings if f.severity is severity)
        for severity in reversed(Severity)
    }
    return {
        "findings": len(findings),
        "blocking": sum(1 for f in findings if f.blocking),
        "waived": sum(1 for f in findings if f.waived),
        "new": sum(1 for f in findings if f.new),
        "by_severity": by_severity,
    }


def _baseline_dict(baseline: BaselineInfo | None) -> JSONValue:
    if baseline is None:
        return None
    return {
        "path": utf8_safe(baseline.path),
        "digest": utf8_safe(baseline.digest),
        "entries": baseline.entries,
        "matched": baseline.matched,
        "changed_in_range": baseline.changed_in_range,
    }


def report_dict(decision: Decision) -> dict[str, JSONValue]:
    """The report as plain JSON data, keys in a fixed order."""
    release = decision.release
    policy = decision.policy
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": TOOL_NAME, "version": utf8_safe(decision.tool_version)},
        "decision": decision.verdict.value,
        "scope": "complete" if decision.complete else "partial",
        "not_run": list(decision.not_run),
        "reasons": [utf8_safe(reason.message) for reason in decision.blocking_reasons],
        "notes": [utf8_safe(note.message) for note in decision.notes],
        "reason_tree": [_reason_tree(reason) for reason in decision.reasons],
        "release": {
            "repo": utf8_safe(release.repo),
            "commit": utf8_safe(release.commit),
            "base": None if release.base is None else utf8_safe(release.base),
            "ref": None if release.ref is None else utf8_safe(release.ref),
            "base_source": utf8_safe(release.base_source),
            "commits": release.commits,
            "changed_files": [utf8_safe(path) for path in release.changed_files],
            "dirty_files": [utf8_safe(path) for path in release.dirty_files],
            "mode": release.mode.value,
        },
        "policy": {
            "source": utf8_safe(policy.source),
            "trusted": policy.trusted,
            "digest": utf8_safe(policy.digest),
            "changed_in_range": policy.changed_in_range,
        },
        "baseline": _baseline_dict(decision.baseline),
        "checks": [_check_dict(check) for check in decision.checks],
        "counts": _counts(decision),
    }


def render_json(decision: Decision) -> str:
    """The JSON report, indented, ending with a newline. Same Decision, same text."""
    return json.dumps(report_dict(decision), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def report_schema() -> dict[str, JSONValue]:
    """The published JSON Schema of the report (draft 2020-12)."""
    text = resources.files("releasegate.data").joinpath("report.schema.json").read_text("utf-8")
    return cast("dict[str, JSONValue]", json.loads(text))
