"""Decisions built by hand, shaped like what ``decide()`` produces from real bandit runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

import pytest

from releasegate.model import (
    CheckResult,
    Confidence,
    Decision,
    Finding,
    JSONValue,
    JudgedCheck,
    PolicyInfo,
    Reason,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
    Verdict,
)

COMMIT = "9fceb02d0ae598e95dc970b74767f19372d61af8"
BASE = "4e1243bd22c66e76c2ba9eddc1f91394e57f9f83"
BANDIT_VERSION = "1.7.9"
BANDIT_DOCS = "https://bandit.readthedocs.io/en/1.7.9/plugins/"

HOSTILE = (
    '"; echo pwned #',
    "::set-output name=x::y",
    "%0A::error::injected",
    "| col | break |",
    "<script>alert(1)</script>",
    "[link](javascript:alert(1))",
    "@everyone",
    "\x1b[31mred\x1b[0m",
    "line one\nline two\r\n::warning::three",
    "[bold red]markup[/bold red]",
    "`code` **bold** _em_ ~~strike~~ ![img](https://evil.example/x.png)",
    "&lt;entity&gt; &amp;",
    "\u202eevil\u202c",
)
HOSTILE_MESSAGE = " ".join(HOSTILE)


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:32]


def bandit_finding(**overrides: object) -> Finding:
    """A B602 finding as the bandit adapter reports it; ``overrides`` replace fields."""
    base = Finding(
        tool="bandit",
        rule_id="B602",
        rule_name="subprocess_popen_with_shell_equals_true",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        path="src/shop/payments.py",
        line=41,
        end_line=42,
        column=9,
        message="subprocess call with shell=True identified, security issue.",
        cwe=(78,),
        fingerprint=fingerprint("bandit", "B602", "src/shop/payments.py", 0),
        help_uri=BANDIT_DOCS + "b602_subprocess_popen_with_shell_equals_true.html",
        new=True,
        waived=False,
        blocking=True,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def sql_finding(**overrides: object) -> Finding:
    base = bandit_finding(
        rule_id="B608",
        rule_name="hardcoded_sql_expressions",
        severity=Severity.MEDIUM,
        confidence=Confidence.LOW,
        path="src/shop/orders.py",
        line=88,
        end_line=88,
        column=16,
        message="Possible SQL injection vector through string-based query construction.",
        cwe=(89,),
        fingerprint=fingerprint("bandit", "B608", "src/shop/orders.py", 0),
        help_uri=BANDIT_DOCS + "b608_hardcoded_sql_expressions.html",
        new=False,
        blocking=False,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def random_finding(**overrides: object) -> Finding:
    base = bandit_finding(
        rule_id="B311",
        rule_name="blacklist",
        severity=Severity.LOW,
        confidence=Confidence.HIGH,
        path="src/shop/coupons.py",
        line=12,
        end_line=None,
        column=None,
        message="Standard pseudo-random generators are not suitable for "
        "security/cryptographic purposes.",
        cwe=(330,),
        fingerprint=fingerprint("bandit", "B311", "src/shop/coupons.py", 0),
        help_uri=BANDIT_DOCS + "b311_random.html",
        new=True,
        blocking=False,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def describe(finding: Finding) -> str:
    """The message ``decide()`` gives a blocking finding."""
    return (
        f"{finding.tool} {finding.rule_id} ({finding.severity.value} severity, "
        f"{finding.confidence.value} confidence) at {finding.path}:{finding.line}: "
        f"{finding.message}"
    )


def judged(
    check_id: str,
    stage: Stage,
    status: Status,
    findings: tuple[Finding, ...] = (),
    *,
    reasons: tuple[Reason, ...] | None = None,
    raw_status: Status | None = None,
    raw_reasons: tuple[str, ...] = (),
    evidence: dict[str, JSONValue] | None = None,
    duration: float = 1.25,
) -> JudgedCheck:
    """A judged check; blocking findings get the reason tree ``decide()`` builds."""
    if reasons is None:
        children = tuple(
            Reason(
                message=describe(f),
                blocking=True,
                check=check_id,
                rule="static.block_on[0] (severity >= high, confidence >= medium)",
                finding=f.fingerprint,
            )
            for f in findings
            if f.blocking
        )
        built: list[Reason] = []
        if children:
            built.append(
                Reason(
                    message=f"{check_id}: {len(children)} blocking finding"
                    + ("s" if len(children) != 1 else ""),
                    blocking=True,
                    check=check_id,
                    children=children,
                )
            )
        waived = sum(1 for f in findings if f.waived)
        if waived:
            built.append(
                Reason(
                    message=f"{check_id}: {waived} finding(s) waived by the policy",
                    blocking=False,
                    check=check_id,
                )
            )
        reasons = tuple(built)
    result = CheckResult(
        id=check_id,
        stage=stage,
        status=raw_status or (Status.PASS if status is Status.FAIL else status),
        reasons=raw_reasons,
        findings=tuple(replace(f, blocking=False, waived=False) for f in findings),
        evidence=evidence if evidence is not None else {},
        duration_seconds=duration,
    )
    return JudgedCheck(result=result, status=status, reasons=reasons, findings=findings)


def bandit_evidence(files: int = 42) -> dict[str, JSONValue]:
    return {
        "bandit_version": BANDIT_VERSION,
        "files_scanned": files,
        "skipped_files": [],
        "rules": ["B101", "B311", "B602", "B608"],
    }


def release(**overrides: object) -> ReleaseInfo:
    base = ReleaseInfo(
        repo="https://github.com/acme/shop",
        commit=COMMIT,
        base=BASE,
        ref="refs/tags/v2.4.0",
        base_source="previous release tag v2.3.1",
        commits=17,
        changed_files=("src/shop/payments.py", "src/shop/orders.py", "README.md"),
        dirty_files=(),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def trusted_policy(**overrides: object) -> PolicyInfo:
    base = PolicyInfo(
        source=f".releasegate.yml at {BASE[:12]}",
        trusted=True,
        digest="sha256:" + "ab" * 32,
        changed_in_range=False,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def decision_of(
    checks: tuple[JudgedCheck, ...],
    *,
    notes: tuple[Reason, ...] = (),
    extra_reasons: tuple[Reason, ...] = (),
    release_info: ReleaseInfo | None = None,
    policy: PolicyInfo | None = None,
) -> Decision:
    """A Decision whose reasons are gathered from the checks the way ``decide()`` does."""
    reasons = list(extra_reasons)
    gathered_notes = list(notes)
    for check in checks:
        for reason in check.reasons:
            (reasons if reason.blocking else gathered_notes).append(reason)
    blocking = tuple(r for r in reasons if r.blocking)
    return Decision(
        verdict=Verdict.BLOCK if blocking else Verdict.PASS,
        reasons=blocking,
        notes=tuple(gathered_notes),
        checks=checks,
        release=release_info or release(),
        policy=policy or trusted_policy(),
        tool_version="0.1.0",
    )


DecisionFactory = Callable[..., Decision]


@pytest.fixture
def pass_decision() -> Decision:
    """Every check passed; bandit reported one low finding that does not block."""
    return decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.PASS,
                (random_finding(),),
                evidence=bandit_evidence(),
                duration=3.42,
            ),
            judged("review", Stage.REVIEW, Status.PASS, evidence={"approvals": 2}, duration=0.4),
            judged(
                "performance",
                Stage.PERFORMANCE,
                Status.SKIPPED,
                reasons=(
                    Reason(
                        message="performance: skipped: no benchmarks configured",
                        blocking=False,
                        check="performance",
                    ),
                ),
                duration=0.0,
            ),
        )
    )


@pytest.fixture
def block_decision() -> Decision:
    """Bandit blocks on B602; a medium SQL finding is reported but allowed."""
    return decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.FAIL,
                (bandit_finding(), sql_finding(), random_finding(new=False)),
                evidence=bandit_evidence(),
                duration=3.42,
            ),
            judged("review", Stage.REVIEW, Status.PASS, evidence={"approvals": 1}, duration=0.31),
        )
    )


@pytest.fixture
def error_decision() -> Decision:
    """Semgrep crashed: the check errors and the release blocks (fail closed)."""
    cause = "semgrep exited with code 2: invalid rule schema in checks/python.yml"
    return decision_of(
        (
            judged("bandit", Stage.STATIC, Status.PASS, evidence=bandit_evidence(), duration=2.0),
            judged(
                "semgrep",
                Stage.STATIC,
                Status.ERROR,
                reasons=(
                    Reason(
                        message=f"semgrep: error: {cause}",
                        blocking=True,
                        check="semgrep",
                        rule="a check that errors blocks (fail closed)",
                    ),
                ),
                raw_status=Status.ERROR,
                raw_reasons=(cause,),
                evidence={},
                duration=61.5,
            ),
        )
    )


@pytest.fixture
def waived_decision() -> Decision:
    """The B602 finding is waived by the policy: the release passes, with a note."""
    waived = bandit_finding(waived=True, blocking=False, new=False)
    return decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.PASS,
                (waived,),
                evidence=bandit_evidence(),
                duration=3.0,
            ),
        ),
        notes=(
            Reason(
                message="waivers[0] (B602, owner @acme/security) expires on 2025-07-01 "
                "(within 14 days)",
                blocking=False,
                rule="waivers[0].expires",
            ),
        ),
    )


@pytest.fixture
def hostile_decision() -> Decision:
    """Attacker-controlled text in every field that can carry it."""
    evil = bandit_finding(
        rule_id="B602|x\n::error::y",
        rule_name="<img src=x onerror=alert(1)>",
        path="src/evil dir/| col | break |#<b>.py",
        message=HOSTILE_MESSAGE,
        fingerprint=fingerprint("evil", 1),
    )
    escaping = bandit_finding(
        path="../../../attacker/repo/blob/main/x.py",
        line=3,
        message="@everyone [click](https://evil.example) \x1b]8;;https://evil.example\x07x",
        fingerprint=fingerprint("evil", 2),
    )
    return decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.FAIL,
                (evil, escaping),
                evidence={**bandit_evidence(), "stderr": "\x1b[2J" + HOSTILE_MESSAGE},
            ),
        ),
        notes=(
            Reason(message="note: " + HOSTILE_MESSAGE, blocking=False),
            Reason(message="policy is untrusted (--config)", blocking=False),
        ),
        release_info=release(
            ref='refs/heads/"; echo pwned #|@everyone\n::set-output name=x::y',
            base_source="<script>alert(1)</script>",
            dirty_files=("src/| col | break |.py", "@everyone.py"),
        ),
        policy=trusted_policy(
            source="/tmp/[link](javascript:alert(1)).yml",
            trusted=False,
            changed_in_range=True,
        ),
    )


@pytest.fixture
def many_findings() -> Callable[[int], Decision]:
    """A factory: a Decision with ``n`` blocking B602 findings in distinct files."""

    def build(n: int) -> Decision:
        findings = tuple(
            bandit_finding(
                path=f"src/pkg/module_{i:05d}.py",
                line=i % 500 + 1,
                end_line=None,
                message="subprocess call with shell=True identified, security issue. " + "x" * 150,
                fingerprint=fingerprint("many", i),
            )
            for i in range(n)
        )
        return decision_of(
            (judged("bandit", Stage.STATIC, Status.FAIL, findings, evidence=bandit_evidence()),)
        )

    return build


@pytest.fixture(
    params=["pass_decision", "block_decision", "error_decision", "waived_decision", "hostile"]
)
def any_decision(request: pytest.FixtureRequest) -> Decision:
    """Each of the hand-built decisions in turn."""
    name = str(request.param)
    decision: Decision = request.getfixturevalue("hostile_decision" if name == "hostile" else name)
    return decision
