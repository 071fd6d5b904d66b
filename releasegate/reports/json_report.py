"""The JSON report: the stable, machine-readable account of a Decision.

Its shape is published as ``releasegate/data/report.schema.json``; change both
together and bump ``model.REPORT_SCHEMA_VERSION`` when the change is not
backwards compatible.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import cast

from releasegate.codec import (
    check_to_json,
    policy_to_json,
    reason_to_json,
    release_to_json,
    severity_counts,
    utf8_safe,
)
from releasegate.model import (
    REPORT_SCHEMA_VERSION,
    BaselineInfo,
    Decision,
    JSONValue,
    JudgedCheck,
)

SCHEMA_ID = f"releasegate-report/{REPORT_SCHEMA_VERSION}"
TOOL_NAME = "releasegate"


def _check_dict(check: JudgedCheck) -> dict[str, JSONValue]:
    return check_to_json(
        check.result,
        status=check.status,
        reasons=[reason.message for reason in check.reasons],
        findings=check.findings,
    )


def _counts(decision: Decision) -> dict[str, JSONValue]:
    findings = decision.findings
    by_severity = severity_counts(findings)
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
        "reason_tree": [reason_to_json(reason) for reason in decision.reasons],
        "release": release_to_json(release),
        "policy": policy_to_json(policy),
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
