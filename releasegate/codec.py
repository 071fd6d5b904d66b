"""The one serialisation of the model: findings, check results, releases and reasons
to JSON and back.

Every document releasegate writes and reads again uses these functions: the JSON
report (``reports.json_report``), the parts of a sharded run (``sharding.part``),
and the release records to come. Writing gives plain JSON data in a fixed key order
that always serialises to valid UTF-8 (``plain``). Reading validates strictly
(pydantic: no unknown key, no coercion of a wrong type) and raises ``CodecError``
naming the first bad field. The JSON Schemas of these shapes are generated from the
validators (``schemas``); ``tests/test_codec.py`` holds the round trips and keeps the
published report schema (``data/report.schema.json``) in step with them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, ValidationError

from releasegate.errors import ReleasegateError
from releasegate.model import (
    AlsoReported,
    CheckResult,
    Confidence,
    Finding,
    JSONValue,
    Mode,
    Reason,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
)

REPLACEMENT = "\ufffd"


class CodecError(ReleasegateError):
    """A document does not have the shape of the model."""


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so it always encodes as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(REPLACEMENT if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text


def plain(value: object) -> JSONValue:
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
        return {utf8_safe(str(key)): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return utf8_safe(str(value))


def duration(seconds: float) -> float:
    """A duration as written: milliseconds, never negative or non-finite."""
    if not math.isfinite(seconds) or seconds < 0:
        return 0.0
    return round(seconds, 3)


# --- writing -------------------------------------------------------------------------------


def also_to_json(also: AlsoReported) -> dict[str, JSONValue]:
    return {
        "tool": utf8_safe(also.tool),
        "rule_id": utf8_safe(also.rule_id),
        "fingerprint": utf8_safe(also.fingerprint),
        "severity": also.severity.value,
        "confidence": also.confidence.value,
    }


def finding_to_json(finding: Finding) -> dict[str, JSONValue]:
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
        "also": [also_to_json(also) for also in finding.also],
    }


def check_to_json(
    result: CheckResult,
    *,
    status: Status | None = None,
    reasons: Sequence[str] | None = None,
    findings: Sequence[Finding] | None = None,
) -> dict[str, JSONValue]:
    """A check's result; the report passes the status, reasons and findings as judged."""
    return {
        "id": utf8_safe(result.id),
        "stage": result.stage.value,
        "status": (status or result.status).value,
        "reasons": [utf8_safe(r) for r in (result.reasons if reasons is None else reasons)],
        "findings": [
            finding_to_json(f) for f in (result.findings if findings is None else findings)
        ],
        "evidence": plain(result.evidence),
        "duration_seconds": duration(result.duration_seconds),
    }


def release_to_json(release: ReleaseInfo) -> dict[str, JSONValue]:
    return {
        "repo": utf8_safe(release.repo),
        "commit": utf8_safe(release.commit),
        "base": None if release.base is None else utf8_safe(release.base),
        "ref": None if release.ref is None else utf8_safe(release.ref),
        "base_source": utf8_safe(release.base_source),
        "commits": release.commits,
        "changed_files": [utf8_safe(path) for path in release.changed_files],
        "dirty_files": [utf8_safe(path) for path in release.dirty_files],
        "mode": release.mode.value,
    }


def reason_to_json(reason: Reason) -> JSONValue:
    return plain(reason.to_json())


# --- reading -------------------------------------------------------------------------------


class _Strict(BaseModel):
    # No unknown key; integers and booleans are not coerced (StrictInt, StrictBool), and
    # pydantic never turns a number into a string; enums are read from their values.
    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=_Strict)


class AlsoJSON(_Strict):
    tool: str
    rule_id: str
    fingerprint: str
    severity: Severity
    confidence: Confidence

    def model(self) -> AlsoReported:
        return AlsoReported(
            tool=self.tool,
            rule_id=self.rule_id,
            fingerprint=self.fingerprint,
            severity=self.severity,
            confidence=self.confidence,
        )


class FindingJSON(_Strict):
    tool: str
    rule_id: str
    rule_name: str
    severity: Severity
    confidence: Confidence
    path: str
    line: StrictInt
    end_line: StrictInt | None
    column: StrictInt | None
    message: str
    cwe: list[StrictInt]
    fingerprint: str
    new: StrictBool
    waived: StrictBool
    blocking: StrictBool
    help_uri: str
    aliases: list[str]
    package: str | None
    fix: str
    also: list[AlsoJSON]

    def model(self) -> Finding:
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
            also=tuple(a.model() for a in self.also),
        )


class CheckJSON(_Strict):
    id: str
    stage: Stage
    status: Status
    reasons: list[str]
    findings: list[FindingJSON]
    evidence: dict[str, Any]
    duration_seconds: float

    def model(self) -> CheckResult:
        return CheckResult(
            id=self.id,
            stage=self.stage,
            status=self.status,
            reasons=tuple(self.reasons),
            findings=tuple(f.model() for f in self.findings),
            evidence=self.evidence,
            duration_seconds=self.duration_seconds,
        )


class ReleaseJSON(_Strict):
    repo: str
    commit: str
    base: str | None
    ref: str | None
    base_source: str
    commits: StrictInt
    changed_files: list[str]
    dirty_files: list[str]
    mode: Mode

    def model(self) -> ReleaseInfo:
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


def _read(validator: type[M], data: object, what: str) -> M:
    try:
        return validator.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise CodecError(f"not a {what}: at {where}: {first['msg']}") from None


def finding_from_json(data: object) -> Finding:
    return _read(FindingJSON, data, "finding").model()


def check_from_json(data: object) -> CheckResult:
    return _read(CheckJSON, data, "check result").model()


def release_from_json(data: object) -> ReleaseInfo:
    return _read(ReleaseJSON, data, "release").model()


def schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each shape, generated from its validator."""
    return {
        "finding": FindingJSON.model_json_schema(),
        "check": CheckJSON.model_json_schema(),
        "release": ReleaseJSON.model_json_schema(),
    }
