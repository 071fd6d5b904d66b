"""The one serialisation of the model: findings, check results, releases and reasons
to JSON and back.

Every document releasegate writes and reads again uses these functions: the JSON
report (``reports.json_report``), the parts of a sharded run (``sharding.part``),
and the release records (``record_to_json``: the audit log's lines and the records
ref, read back by ``record_from_json`` for ``audit verify``, ``records`` and the
dashboard). Writing gives plain JSON data in a fixed key order
that always serialises to valid UTF-8 (``plain``). Reading validates strictly
(pydantic: no unknown key, no coercion of a wrong type) and raises ``CodecError``
naming the first bad field. The JSON Schemas of these shapes are generated from the
validators (``schemas``); ``tests/test_codec.py`` holds the round trips and keeps the
published report schema (``data/report.schema.json``) in step with them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
)

from releasegate.canonical import digest_of
from releasegate.errors import ReleasegateError
from releasegate.model import (
    AlsoReported,
    CheckResult,
    Confidence,
    Decision,
    Finding,
    JSONValue,
    Mode,
    PolicyInfo,
    Reason,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
    Verdict,
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
        "event": None if release.event is None else utf8_safe(release.event),
    }


def policy_to_json(policy: PolicyInfo) -> dict[str, JSONValue]:
    return {
        "source": utf8_safe(policy.source),
        "trusted": policy.trusted,
        "digest": utf8_safe(policy.digest),
        "changed_in_range": policy.changed_in_range,
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


class _ReleaseFields(_Strict):
    """The range under judgement, as the report and the records write it."""

    repo: str
    commit: str
    base: str | None
    ref: str | None
    base_source: str
    commits: StrictInt
    dirty_files: list[str]
    mode: Mode
    event: str | None = None  # absent in records written before events were named


class ReleaseJSON(_ReleaseFields):
    changed_files: list[str]

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
            event=self.event,
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


# --- release records ---------------------------------------------------------------------
#
# One record per gate run: what was judged, the verdict and why, and everything an auditor
# asks about it (approvals, sign-off, waivers, digests, tool versions, the CI run). A
# container (the JSONL audit log, the records ref) seals a record with ``seq``, ``prev`` and
# ``digest``; ``id`` is the digest of the record before sealing, the same in every container.

RECORD_FORMAT = "releasegate-record/2"
LEGACY_RECORD_FORMAT = "releasegate-audit/1"
RECORD_KIND = "gate-decision"
SEAL_KEYS = ("seq", "prev", "digest")
MAX_RECORD_FINDINGS = 200  # blocking first; the rest are counted in findings_omitted
MAX_RECORD_BASELINED = 200  # oldest first; the rest are counted in baselined_omitted


@dataclass(frozen=True, kw_only=True)
class RecordContext:
    """What a record says beside the Decision: where and when the run happened."""

    time: dt.datetime
    evidence_digest: str
    who: Mapping[str, JSONValue]
    tool_versions: Mapping[str, JSONValue]
    waivers: Sequence[Mapping[str, JSONValue]] = ()  # in force: id, package, paths, ...
    baselined: Sequence[Mapping[str, JSONValue]] = ()  # accepted findings, oldest first
    suppressed: int = 0  # findings silenced by a justified suppression comment
    run_url: str | None = None
    source_url: str | None = None  # the repository on its forge (links to the code)
    vsa: Mapping[str, JSONValue] | None = None
    # Random per run: two runs with the same results in the same second are two records.
    nonce: str = ""
    extra: Mapping[str, JSONValue] = field(default_factory=dict)


def record_time(time: dt.datetime) -> str:
    return time.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stage_statuses(decision: Decision) -> dict[str, JSONValue]:
    order = {status: rank for rank, status in enumerate(STATUS_ORDER)}
    worst: dict[Stage, Status] = {}
    for check in decision.checks:
        seen = worst.get(check.stage)
        if seen is None or order[check.status] < order[seen]:
            worst[check.stage] = check.status
    return {stage.value: worst[stage].value for stage in Stage if stage in worst}


# The status a stage shows: the worst of its checks'.
STATUS_ORDER = (Status.ERROR, Status.FAIL, Status.PASS, Status.SKIPPED)


def stage_evidence(decision: Decision, stage: Stage, key: str) -> JSONValue:
    """Evidence ``key`` of the first check of ``stage`` that has it."""
    for check in decision.checks:
        if check.stage is stage and key in check.result.evidence:
            return check.result.evidence[key]
    return None


def _pull_requests(decision: Decision) -> list[JSONValue]:
    pulls = stage_evidence(decision, Stage.REVIEW, "pull_requests")
    rows: list[JSONValue] = []
    for pull in pulls if isinstance(pulls, list) else []:
        if not isinstance(pull, dict):
            continue
        rejected = pull.get("rejected_approvals")
        approvers = pull.get("approvers")
        rows.append(
            {
                "number": pull.get("number") if isinstance(pull.get("number"), int) else None,
                "title": plain(pull.get("title") or ""),
                "author": plain(pull.get("author")),
                "approved": pull.get("approved") is True,
                "approvers": [plain(a) for a in approvers if a]
                if isinstance(approvers, list)
                else [],
                "rejected": [
                    {
                        "reviewer": plain(r.get("reviewer") or ""),
                        "reason": plain(r.get("reason") or ""),
                        "detail": plain(r.get("detail") or ""),
                    }
                    for r in (rejected if isinstance(rejected, list) else [])
                    if isinstance(r, dict)
                ],
            }
        )
    return rows


def _signoff(decision: Decision) -> JSONValue:
    used = stage_evidence(decision, Stage.SIGNOFF, "used")
    if not isinstance(used, dict):
        return None
    route = str(used.get("route") or "")
    if route == "github":
        accepted = used.get("accepted")
        logins = (
            [str(a.get("login")) for a in accepted or [] if isinstance(a, dict) and a.get("login")]
            if isinstance(accepted, list)
            else []
        )
        signer = ", ".join(logins)
        how = (
            "; ".join(
                str(a.get("how")) for a in accepted or [] if isinstance(a, dict) and a.get("how")
            )
            if isinstance(accepted, list)
            else ""
        )
    else:
        signer = str(used.get("principal") or "")
        how = str(used.get("source") or "")

    def text(key: str) -> JSONValue:
        value = used.get(key)
        return None if value is None else plain(str(value))

    return {
        "route": plain(route),
        "signer": plain(signer),
        "how": plain(how),
        "signed_at": text("signed_at"),
        "expires": text("expires"),
        "statement_digest": text("statement_digest"),
    }


def _record_findings(decision: Decision) -> tuple[list[JSONValue], int]:
    findings = sorted(
        decision.findings,
        key=lambda f: (not f.blocking, not f.new, -f.severity.rank, f.path, f.line, f.rule_id),
    )
    kept = findings[:MAX_RECORD_FINDINGS]
    return [finding_to_json(f) for f in kept], len(findings) - len(kept)


def severity_counts(findings: Sequence[Finding]) -> dict[str, JSONValue]:
    """How many findings of each severity, most severe first (the report and the record)."""
    return {
        severity.value: sum(1 for f in findings if f.severity is severity)
        for severity in reversed(Severity)
    }


def _record_counts(decision: Decision, suppressed: int) -> dict[str, JSONValue]:
    findings = decision.findings
    return {
        "findings": len(findings),
        "blocking": sum(1 for f in findings if f.blocking),
        "by_severity": severity_counts(findings),
        "by_state": {
            "new": sum(1 for f in findings if f.new and not f.waived),
            "baselined": sum(1 for f in findings if not f.new),
            "waived": sum(1 for f in findings if f.waived),
            "suppressed": suppressed,
        },
    }


def record_to_json(decision: Decision, context: RecordContext) -> dict[str, JSONValue]:
    """The record of one gate run, unsealed, with its ``id``."""
    release = decision.release
    findings, omitted = _record_findings(decision)
    baselined = [plain(dict(row)) for row in context.baselined[:MAX_RECORD_BASELINED]]
    body: dict[str, JSONValue] = {
        "format": RECORD_FORMAT,
        "kind": RECORD_KIND,
        "time": record_time(context.time),
        "nonce": utf8_safe(context.nonce),
        "decision": decision.verdict.value,
        "scope": {"complete": decision.complete, "not_run": list(decision.not_run)},
        "reasons": [utf8_safe(reason.message) for reason in decision.blocking_reasons],
        "reason_tree": [reason_to_json(reason) for reason in decision.reasons],
        "notes": [utf8_safe(note.message) for note in decision.notes],
        # The release as the report writes it, its changed files counted, not listed.
        **release_to_json(release),
        "changed_files": len(release.changed_files),
        "policy": policy_to_json(decision.policy),
        "evidence_digest": utf8_safe(context.evidence_digest),
        "stages": _stage_statuses(decision),
        "checks": [
            {
                "id": utf8_safe(c.id),
                "stage": c.stage.value,
                "status": c.status.value,
                "reasons": [utf8_safe(r.message) for r in c.reasons],
                "findings": len(c.findings),
                "duration_seconds": duration(c.result.duration_seconds),
            }
            for c in decision.checks
        ],
        "counts": _record_counts(decision, context.suppressed),
        "findings": findings,
        "findings_omitted": omitted,
        "waivers": [plain(dict(w)) for w in context.waivers],
        "baseline": None
        if decision.baseline is None
        else {
            "path": utf8_safe(decision.baseline.path),
            "digest": utf8_safe(decision.baseline.digest),
            "entries": decision.baseline.entries,
            "matched": decision.baseline.matched,
            "changed_in_range": decision.baseline.changed_in_range,
        },
        "baselined": baselined,
        "baselined_omitted": len(context.baselined) - len(baselined),
        "pull_requests": _pull_requests(decision),
        "signoff": _signoff(decision),
        "tool_versions": plain(dict(sorted(context.tool_versions.items()))),
        "run_url": context.run_url,
        "source_url": context.source_url,
        "vsa": None if context.vsa is None else plain(dict(context.vsa)),
        "who": plain(dict(context.who)),
        **{key: plain(value) for key, value in context.extra.items()},
    }
    body["id"] = record_id(body)
    return body


def record_id(record: Mapping[str, JSONValue]) -> str:
    """The identity of a record in every container: the digest of its unsealed body."""
    return digest_of({k: v for k, v in record.items() if k not in ("id", *SEAL_KEYS)})


class RecordScope(_Strict):
    complete: StrictBool
    not_run: list[str]


class ReasonJSON(_Strict):
    message: str
    blocking: StrictBool
    check: str | None
    rule: str | None
    finding: str | None
    children: list[ReasonJSON]


class RecordPolicy(_Strict):
    source: str
    digest: str
    trusted: StrictBool
    changed_in_range: StrictBool


class RecordCheck(_Strict):
    id: str
    stage: Stage
    status: Status
    reasons: list[str]
    findings: StrictInt = Field(ge=0)
    duration_seconds: float


class RecordStates(_Strict):
    new: StrictInt = Field(ge=0)
    baselined: StrictInt = Field(ge=0)
    waived: StrictInt = Field(ge=0)
    suppressed: StrictInt = Field(ge=0)


class RecordCounts(_Strict):
    findings: StrictInt = Field(ge=0)
    blocking: StrictInt = Field(ge=0)
    by_severity: dict[Severity, StrictInt]
    by_state: RecordStates


class RecordWaiver(_Strict):
    index: StrictInt
    id: str
    package: str | None
    paths: list[str]
    owner: str
    reason: str
    expires: dt.date


class RecordBaselined(_Strict):
    fingerprint: str
    tool: str
    rule_id: str
    path: str
    line: StrictInt
    owner: str
    reason: str
    added: dt.date


class RecordBaseline(_Strict):
    path: str
    digest: str
    entries: StrictInt
    matched: StrictInt
    changed_in_range: StrictBool


class RecordRejected(_Strict):
    reviewer: str
    reason: str
    detail: str


class RecordPull(_Strict):
    number: StrictInt | None
    title: str
    author: str | None
    approved: StrictBool
    approvers: list[str]
    rejected: list[RecordRejected]


class RecordSignoff(_Strict):
    route: str
    signer: str
    how: str
    signed_at: str | None
    expires: str | None
    statement_digest: str | None


class RecordJSON(_ReleaseFields):
    """A release record, as the audit log and the records ref hold it (sealed or not)."""

    format: Literal["releasegate-record/2"]
    kind: Literal["gate-decision"]
    id: str
    time: dt.datetime
    nonce: str
    decision: Verdict
    scope: RecordScope
    reasons: list[str]
    reason_tree: list[ReasonJSON]
    notes: list[str]
    changed_files: StrictInt  # counted: a monorepo release may change thousands
    policy: RecordPolicy
    evidence_digest: str
    stages: dict[Stage, Status]
    checks: list[RecordCheck]
    counts: RecordCounts
    findings: list[FindingJSON]
    findings_omitted: StrictInt = Field(ge=0)
    waivers: list[RecordWaiver]
    baseline: RecordBaseline | None
    baselined: list[RecordBaselined]
    baselined_omitted: StrictInt = Field(ge=0)
    pull_requests: list[RecordPull]
    signoff: RecordSignoff | None
    tool_versions: dict[str, Any]
    run_url: str | None
    source_url: str | None
    vsa: dict[str, Any] | None
    who: dict[str, Any]
    # The container's seal: absent in a record not yet appended anywhere.
    seq: StrictInt | None = Field(default=None, ge=1)
    prev: str | None = None
    digest: str | None = None


# --- watch records: the shipped releases re-audited (``releasegate watch``) ---------------

WATCH_RECORD_KIND = "watch"


class WatchAdvisory(_Strict):
    id: str
    aliases: list[str]
    summary: str
    severity: Severity
    package: str
    version: str
    path: str
    line: StrictInt
    published: dt.datetime | None  # None: unknown, counted as published after the release
    # None: unknown (counted as after the release); absent from records written before it.
    modified: dt.datetime | None = None
    when: Literal["published-after-release", "known-at-release"]
    fixed: list[str]
    upgrade: str | None
    problem: str | None


class WatchRelease(_Strict):
    tag: str
    commit: str
    date: dt.datetime | None  # None: the tag could not be read (it has an error)
    dated_by: Literal["tagger", "committer"] | None
    supported: StrictBool
    files: list[str]
    unpinned: list[str]
    packages: StrictInt = Field(ge=0)
    new: list[WatchAdvisory]
    known: list[WatchAdvisory]
    omitted: StrictInt = Field(ge=0)
    errors: list[str]


class WatchSupportedJSON(_Strict):
    newest: StrictInt = Field(ge=0)
    pattern: str | None


class WatchRecordJSON(_Strict):
    """A ``releasegate watch`` run, as the audit log and the records ref hold it."""

    format: Literal["releasegate-record/2"]
    kind: Literal["watch"]
    id: str
    time: dt.datetime
    nonce: str
    repo: str
    commit: str  # the commit whose policy was read (HEAD)
    policy: RecordPolicy
    supported: WatchSupportedJSON
    since: str | None
    outcome: Literal["affected", "clear", "error"]
    service: dict[str, Any]
    errors: list[str]
    releases: list[WatchRelease]
    tool_versions: dict[str, Any]
    run_url: str | None
    who: dict[str, Any]
    seq: StrictInt | None = Field(default=None, ge=1)
    prev: str | None = None
    digest: str | None = None


AnyRecord = RecordJSON | WatchRecordJSON


def watch_record_to_json(
    report: Mapping[str, JSONValue],
    *,
    time: dt.datetime,
    nonce: str,
    repo: str,
    commit: str,
    policy: PolicyInfo,
    supported: Mapping[str, JSONValue],
    since: str | None,
    tool_versions: Mapping[str, JSONValue],
    run_url: str | None,
    who: Mapping[str, JSONValue],
) -> dict[str, JSONValue]:
    """The record of one watch run (``report``: ``WatchReport.to_json()``), unsealed."""
    body: dict[str, JSONValue] = {
        "format": RECORD_FORMAT,
        "kind": WATCH_RECORD_KIND,
        "time": record_time(time),
        "nonce": utf8_safe(nonce),
        "repo": utf8_safe(repo),
        "commit": utf8_safe(commit),
        "policy": policy_to_json(policy),
        "supported": plain(dict(supported)),
        "since": None if since is None else utf8_safe(since),
        "outcome": plain(report["outcome"]),
        "service": plain(report["service"]),
        "errors": plain(report["errors"]),
        "releases": plain(report["releases"]),
        "tool_versions": plain(dict(sorted(tool_versions.items()))),
        "run_url": run_url,
        "who": plain(dict(who)),
    }
    body["id"] = record_id(body)
    return body


def any_record_from_json(data: object) -> AnyRecord:
    """A gate or a watch record read back (by its ``kind``), its id checked."""
    if isinstance(data, dict) and data.get("kind") == WATCH_RECORD_KIND:
        record = _read(WatchRecordJSON, data, "watch record")
        if record_id(data) != record.id:
            raise CodecError(
                f"not a watch record: at id: {record.id} is not the digest of its body"
            )
        return record
    return record_from_json(data)


def record_from_json(data: object) -> RecordJSON:
    """A record read back (``CodecError`` naming the first bad field), its id checked."""
    legacy = isinstance(data, dict) and data.get("format") == LEGACY_RECORD_FORMAT
    if legacy:
        data = upgrade_legacy_record(data)  # type: ignore[arg-type]
    record = _read(RecordJSON, data, "release record")
    if not legacy and isinstance(data, dict) and record_id(data) != record.id:
        raise CodecError(f"not a release record: at id: {record.id} is not the digest of its body")
    return record


def upgrade_legacy_record(data: Mapping[str, Any]) -> dict[str, JSONValue]:
    """A ``releasegate-audit/1`` line in the shape of a record (what it did not say is empty).

    Its ``id`` is that of the legacy body, so it stays stable; the seal is kept."""
    scope: Mapping[str, Any] = data["scope"] if isinstance(data.get("scope"), dict) else {}
    policy: Mapping[str, Any] = data["policy"] if isinstance(data.get("policy"), dict) else {}
    checks = [c for c in data.get("checks") or [] if isinstance(c, dict)]
    upgraded: dict[str, JSONValue] = {
        "format": RECORD_FORMAT,
        "kind": RECORD_KIND,
        "time": plain(data.get("time")),
        "nonce": "",
        "decision": plain(data.get("decision")),
        "scope": {
            "complete": scope.get("complete") is True,
            "not_run": plain(scope.get("not_run") or []),
        },
        "reasons": plain(data.get("reasons") or []),
        "reason_tree": [],
        "notes": [],
        "repo": plain(data.get("repo") or ""),
        "commit": plain(data.get("commit") or ""),
        "base": plain(data.get("base")),
        "ref": plain(data.get("ref")),
        "base_source": "",
        "commits": 0,
        "changed_files": 0,
        "dirty_files": [],
        "mode": plain(data.get("mode") or Mode.RELEASE.value),
        "policy": {
            "source": plain(policy.get("source") or ""),
            "digest": plain(policy.get("digest") or ""),
            "trusted": policy.get("trusted") is True,
            "changed_in_range": False,
        },
        "evidence_digest": plain(data.get("evidence_digest") or ""),
        "stages": {},
        "checks": [
            {
                "id": plain(c.get("id") or ""),
                "stage": _legacy_stage(c.get("id")).value,
                "status": plain(c.get("status")),
                "reasons": [],
                "findings": 0,
                "duration_seconds": 0.0,
            }
            for c in checks
        ],
        "counts": {
            "findings": 0,
            "blocking": 0,
            "by_severity": {s.value: 0 for s in reversed(Severity)},
            "by_state": {"new": 0, "baselined": 0, "waived": 0, "suppressed": 0},
        },
        "findings": [],
        "findings_omitted": 0,
        "waivers": [],
        "baseline": None,
        "baselined": [],
        "baselined_omitted": 0,
        "pull_requests": [],
        "signoff": None,
        "tool_versions": plain(data.get("tool_versions") or {}),
        "run_url": None,
        "source_url": None,
        "vsa": None,
        "who": plain(data.get("who") or {}),
        "id": digest_of({k: v for k, v in data.items() if k not in SEAL_KEYS}),
    }
    for key in SEAL_KEYS:
        if key in data:
            upgraded[key] = plain(data[key])
    return upgraded


_LEGACY_STATIC = frozenset({"bandit", "semgrep", "suppressions", "workflows"})


def _legacy_stage(check_id: object) -> Stage:
    """A format-1 record named checks only: their stage, from the built-in check ids."""
    if check_id in _LEGACY_STATIC:
        return Stage.STATIC
    try:
        return Stage(check_id)
    except ValueError:
        return Stage.CUSTOM


def schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each shape, generated from its validator."""
    return {
        "finding": FindingJSON.model_json_schema(),
        "check": CheckJSON.model_json_schema(),
        "release": ReleaseJSON.model_json_schema(),
        "record": record_schema(),
    }


def record_schema() -> dict[str, Any]:
    """The published JSON Schema of a release record (``releasegate schema record``): a
    gate decision or (``kind: watch``) a watch run."""
    schema = TypeAdapter(
        Annotated[RecordJSON | WatchRecordJSON, Field(discriminator="kind")]
    ).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:releasegate:record-schema:2"
    schema["title"] = f"releasegate release record ({RECORD_FORMAT})"
    return schema
