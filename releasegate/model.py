"""The data model: findings, check results, reasons and the decision.

Everything here is a frozen value. Checks produce ``CheckResult``; ``decide()``
produces a ``Decision``; reporters render a ``Decision``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

JSONValue: TypeAlias = str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None

REPORT_SCHEMA_VERSION = "1.0"


class Status(enum.Enum):
    """What became of a check."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


class Verdict(enum.Enum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    BLOCK = "block"
    # Nothing blocks, but the run did not evaluate every stage the policy requires
    # (--only, a shard, the sign-off preview): not a release certification.
    PARTIAL_PASS = "partial-pass"  # noqa: S105


# Exit codes (DESIGN.md): 0 allowed, 1 blocked, 2 usage or configuration, 3 internal bug.
EXIT_PASS = 0
EXIT_BLOCK = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def verdict_exit_code(verdict: Verdict) -> int:
    """0 unless the verdict blocks: a partial pass stays green for local feedback, and
    says everywhere else that it certifies nothing."""
    return EXIT_BLOCK if verdict is Verdict.BLOCK else EXIT_PASS


class _Ranked(enum.Enum):
    """An enum whose members are ordered by declaration."""

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank < other.rank


class Severity(_Ranked):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Confidence(_Ranked):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Mode(enum.Enum):
    """What the run certifies: a release (whole tree) or a pull request (its changes)."""

    RELEASE = "release"
    PULL_REQUEST = "pull-request"


class Stage(enum.Enum):
    """The stages a release goes through; ``--only`` accepts these names.

    ``CUSTOM`` holds the stages a policy declares under its own names (``system``,
    ``e2e``...); such a check's id is the stage's name.
    """

    STATIC = "static"
    DEPENDENCIES = "dependencies"
    REVIEW = "review"
    FUNCTIONAL = "functional"
    PERFORMANCE = "performance"
    STABILITY = "stability"
    SIGNOFF = "signoff"
    CUSTOM = "custom"


@dataclass(frozen=True, kw_only=True)
class StageInfo:
    """What releasegate knows about a stage, in one place (``STAGES``)."""

    # The policy's top-level section whose ``required`` asks for it; None: declared
    # under ``stages:`` (functional, performance, stability, custom ones).
    policy_section: str | None
    # The verification level the VSA lists when every check of the stage passed.
    vsa_level: str | None
    # Its commands are the head's own code: run after every analyser read the snapshot.
    runs_head_code: bool
    # A quality stage of the policy's ``stages:`` with a built-in name.
    declared: bool = False


STAGES: dict[Stage, StageInfo] = {
    Stage.STATIC: StageInfo(
        policy_section="static", vsa_level="RELEASEGATE_STATIC_ANALYSED", runs_head_code=False
    ),
    Stage.DEPENDENCIES: StageInfo(
        policy_section="dependencies",
        vsa_level="RELEASEGATE_DEPENDENCIES_AUDITED",
        runs_head_code=False,
    ),
    Stage.REVIEW: StageInfo(
        policy_section="review", vsa_level="RELEASEGATE_REVIEWED", runs_head_code=False
    ),
    Stage.FUNCTIONAL: StageInfo(
        policy_section=None,
        vsa_level="RELEASEGATE_FUNCTIONAL_TESTED",
        runs_head_code=True,
        declared=True,
    ),
    Stage.PERFORMANCE: StageInfo(
        policy_section=None,
        vsa_level="RELEASEGATE_PERFORMANCE_TESTED",
        runs_head_code=True,
        declared=True,
    ),
    Stage.STABILITY: StageInfo(
        policy_section=None,
        vsa_level="RELEASEGATE_STABILITY_TESTED",
        runs_head_code=True,
        declared=True,
    ),
    Stage.SIGNOFF: StageInfo(
        policy_section="signoff", vsa_level="RELEASEGATE_SIGNED_OFF", runs_head_code=False
    ),
    Stage.CUSTOM: StageInfo(policy_section=None, vsa_level=None, runs_head_code=True),
}


@dataclass(frozen=True, kw_only=True)
class AlsoReported:
    """Another tool's report of the same weakness on the same line (``releasegate.dedupe``)."""

    tool: str
    rule_id: str
    fingerprint: str
    severity: Severity
    confidence: Confidence


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem a tool reported, located in the tree being released.

    ``also``: the other tools that reported the same weakness on the same line; the
    finding is then one row everywhere, with the highest severity of them all.
    """

    tool: str
    rule_id: str
    severity: Severity
    confidence: Confidence
    path: str
    line: int
    message: str
    cwe: tuple[int, ...] = ()
    fingerprint: str
    end_line: int | None = None
    column: int | None = None
    rule_name: str = ""
    help_uri: str = ""
    aliases: tuple[str, ...] = ()
    package: str | None = None
    # What fixes it, when the tool knows (a dependency's smallest fixing upgrade).
    fix: str = ""
    also: tuple[AlsoReported, ...] = ()
    new: bool = True
    waived: bool = False
    blocking: bool = False


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """What one check observed. Errors are data here, never exceptions.

    ``status`` is the check's own account (``pass`` means it ran to completion
    and collected its evidence); ``decide()`` judges the findings against the
    policy and may turn a ``pass`` into a ``fail``.
    """

    id: str
    stage: Stage
    status: Status
    reasons: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    evidence: Mapping[str, JSONValue] = field(default_factory=dict)
    duration_seconds: float = 0.0

    @classmethod
    def error(
        cls, id: str, stage: Stage, cause: str, *, duration_seconds: float = 0.0
    ) -> CheckResult:
        return cls(
            id=id,
            stage=stage,
            status=Status.ERROR,
            reasons=(cause,),
            duration_seconds=duration_seconds,
        )


def tool_versions(result: CheckResult) -> dict[str, str]:
    """The tools a check ran, by name, with their versions.

    The convention every check follows: a ``<tool>_version`` entry in its evidence
    (``semgrep_version``), at the top or up to two tables down (``audit.pip_audit_version``).
    The SARIF driver and the audit record read it here, nowhere else.
    """
    found: dict[str, str] = {}

    def walk(evidence: Mapping[str, JSONValue], depth: int) -> None:
        for key, value in evidence.items():
            if key.endswith("_version") and isinstance(value, str) and value:
                found.setdefault(key.removesuffix("_version"), value)
            elif isinstance(value, dict) and depth < 2:
                walk(value, depth + 1)

    walk(result.evidence, 0)
    return found


@dataclass(frozen=True, kw_only=True)
class Reason:
    """A node in the tree of reasons behind a decision."""

    message: str
    blocking: bool
    check: str | None = None
    rule: str | None = None
    finding: str | None = None
    children: tuple[Reason, ...] = ()

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "message": self.message,
            "blocking": self.blocking,
            "check": self.check,
            "rule": self.rule,
            "finding": self.finding,
            "children": [child.to_json() for child in self.children],
        }


@dataclass(frozen=True, kw_only=True)
class ReleaseInfo:
    """The range under judgement."""

    repo: str
    commit: str
    base: str | None
    ref: str | None
    base_source: str
    commits: int
    changed_files: tuple[str, ...]
    dirty_files: tuple[str, ...] = ()
    mode: Mode = Mode.RELEASE
    event: str | None = None  # the GitHub Actions event judged (push, merge_group, ...)


@dataclass(frozen=True, kw_only=True)
class BaselineInfo:
    """The baseline in force for this run."""

    path: str
    digest: str
    entries: int
    matched: int
    changed_in_range: bool


@dataclass(frozen=True, kw_only=True)
class PolicyInfo:
    """Where the policy came from, so the report can say whether to trust it."""

    source: str
    trusted: bool
    digest: str
    changed_in_range: bool


@dataclass(frozen=True, kw_only=True)
class JudgedCheck:
    """A check result after ``decide()``: final status and the reasons for it."""

    result: CheckResult
    status: Status
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]

    @property
    def id(self) -> str:
        return self.result.id

    @property
    def stage(self) -> Stage:
        return self.result.stage


@dataclass(frozen=True, kw_only=True)
class Decision:
    verdict: Verdict
    reasons: tuple[Reason, ...]
    notes: tuple[Reason, ...]
    checks: tuple[JudgedCheck, ...]
    release: ReleaseInfo
    policy: PolicyInfo
    tool_version: str
    baseline: BaselineInfo | None = None
    # Required stages (or shards) this run did not evaluate; empty for a complete run.
    not_run: tuple[str, ...] = ()
    # Who owns each finding's file (CODEOWNERS of the trusted base): who must act.
    owners: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.not_run

    @property
    def certified(self) -> bool:
        """A release pass: nothing blocks and every required stage was evaluated."""
        return self.verdict is Verdict.PASS

    @property
    def blocking_reasons(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.blocking)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checks for f in c.findings)
