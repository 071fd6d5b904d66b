"""One weakness on one line is one finding (releasegate.dedupe), whatever the tool order."""

from __future__ import annotations

from releasegate.dedupe import merge_duplicates
from releasegate.model import CheckResult, Confidence, Finding, Severity, Stage, Status
from releasegate.suppression_comments import Suppression
from releasegate.suppression_comments import apply as apply_suppressions


def _finding(tool: str, rule: str, line: int, cwe: tuple[int, ...], **kw: object) -> Finding:
    defaults: dict[str, object] = {
        "severity": Severity.HIGH,
        "confidence": Confidence.HIGH,
        "message": f"{rule} says so",
    }
    defaults.update(kw)
    return Finding(
        tool=tool,
        rule_id=rule,
        path="app.py",
        line=line,
        cwe=cwe,
        fingerprint=f"{tool}-{rule}-{line}",
        **defaults,  # type: ignore[arg-type]
    )


def _result(check: str, *findings: Finding) -> CheckResult:
    return CheckResult(id=check, stage=Stage.STATIC, status=Status.PASS, findings=findings)


BANDIT = _result(
    "bandit",
    _finding("bandit", "B602", 3, (78,), confidence=Confidence.MEDIUM),
    _finding("bandit", "B324", 9, (327,), severity=Severity.MEDIUM),
    _finding("bandit", "B101", 12, (703,), severity=Severity.LOW),
)
SEMGREP = _result(
    "semgrep",
    _finding("semgrep", "releasegate.python.injection.shell-command-from-request", 3, (78,)),
    _finding("semgrep", "releasegate.python.crypto.weak-password-hash", 9, (916, 328)),
    _finding("semgrep", "releasegate.python.xss.request-data-in-html-response", 12, (79,)),
)


def _all(results: list[CheckResult]) -> dict[int, Finding]:
    return {f.line: f for r in results for f in r.findings if f.also}


def test_the_same_weakness_from_two_tools_is_one_finding_in_either_order() -> None:
    one = _all(merge_duplicates([BANDIT, SEMGREP]))
    other = _all(merge_duplicates([SEMGREP, BANDIT]))
    assert one == other
    # Line 3 shares CWE-78; line 9 is a pair of the rule pack's table; line 12 differs.
    assert set(one) == {3, 9}
    shell = one[3]
    # semgrep ranks first (high/high over high/medium): its fingerprint is kept.
    assert (shell.tool, shell.fingerprint) == (
        "semgrep",
        "semgrep-releasegate.python.injection.shell-command-from-request-3",
    )
    assert [(a.tool, a.rule_id, a.confidence) for a in shell.also] == [
        ("bandit", "B602", Confidence.MEDIUM)
    ]
    weak = one[9]
    assert weak.severity is Severity.HIGH and weak.cwe == (327, 328, 916)
    assert [a.rule_id for a in weak.also] == ["B324"]
    merged = merge_duplicates([BANDIT, SEMGREP])
    assert [f.line for f in merged[0].findings] == [12]  # bandit keeps only its own
    assert [f.line for f in merged[1].findings] == [3, 9, 12]


def test_the_same_tool_twice_on_a_line_is_not_merged() -> None:
    twice = _result(
        "bandit",
        _finding("bandit", "B602", 3, (78,)),
        _finding("bandit", "B604", 3, (78,)),
    )
    assert merge_duplicates([twice]) == [twice]


def _suppression(marker: str, rule: str) -> Suppression:
    return Suppression(
        path="app.py",
        line=3,
        standalone=False,
        marker=marker,
        rule_ids=(rule,),
        reason="reviewed: the command is a constant",
        comment=f"# {marker} {rule} -- reviewed",
    )


def test_one_tools_suppression_does_not_waive_the_other_tools_report() -> None:
    [shell] = [f for r in merge_duplicates([BANDIT, SEMGREP]) for f in r.findings if f.line == 3]
    nosec = _suppression("nosec", "B602")
    nosemgrep = _suppression("nosemgrep", "releasegate.python.injection.shell-command-from-request")
    assert not apply_suppressions([shell], [nosec])[0].waived
    assert not apply_suppressions([shell], [nosemgrep])[0].waived
    assert apply_suppressions([shell], [nosec, nosemgrep])[0].waived


def test_a_report_something_accepts_is_never_merged() -> None:
    accepted = {"bandit-B602-3"}  # e.g. in the baseline, or matched by a waiver
    merged = merge_duplicates([BANDIT, SEMGREP], lambda f: f.fingerprint not in accepted)
    assert set(_all(merged)) == {9}
    assert [f.line for f in merged[0].findings] == [3, 12]
