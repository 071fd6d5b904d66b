"""Workflow commands and step outputs: hostile text stays text, GitHub's caps hold,
and ``run --annotations --github-output`` writes what the action exposes."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from rg_testlib import GitRepo, releasegate

from releasegate.model import (
    CheckResult,
    Confidence,
    Decision,
    Finding,
    JudgedCheck,
    Mode,
    PolicyInfo,
    Reason,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
    Verdict,
)
from releasegate.reports.annotations import (
    MAX_ERRORS,
    MAX_WARNINGS,
    Annotation,
    escape_data,
    escape_property,
    render_annotations,
)
from releasegate.reports.github_outputs import format_outputs

HOSTILE = '"; echo pwned # ::set-output name=x::y %0A::error::injected\r\n::warning::two'
# A workflow command: "::name" then optional " props" then "::" then data, one line.
_COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::[^\r\n]*$")


def _finding(index: int, *, blocking: bool, message: str = "m", path: str = "a.py") -> Finding:
    return Finding(
        tool="semgrep",
        rule_id=f"rule.{index}",
        severity=Severity.HIGH if blocking else Severity.MEDIUM,
        confidence=Confidence.HIGH,
        path=path,
        line=index + 1,
        message=message,
        fingerprint=f"fp{index:04d}",
        blocking=blocking,
    )


def _blocking(findings: list[Finding]) -> Reason:
    """The reason decide() gives for blocking findings: one child per finding."""
    children = tuple(
        Reason(message=f.message, blocking=True, check="semgrep", finding=f.fingerprint)
        for f in findings
        if f.blocking
    )
    return Reason(
        message=f"semgrep: {len(children)} blocking findings",
        blocking=True,
        check="semgrep",
        children=children,
    )


def _parse_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name<<DELIMITER`` ... ``DELIMITER``."""
    outputs: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        name, _, delimiter = line.partition("<<")
        body: list[str] = []
        for item in lines:
            if item == delimiter:
                break
            body.append(item)
        else:
            raise AssertionError(f"{name}: no closing delimiter")
        outputs[name] = "\n".join(body)
    return outputs


def _decision(findings: list[Finding], reasons: tuple[Reason, ...] = ()) -> Decision:
    result = CheckResult(id="semgrep", stage=Stage.STATIC, status=Status.PASS)
    return Decision(
        verdict=Verdict.BLOCK if reasons else Verdict.PASS,
        reasons=reasons,
        notes=(),
        checks=(
            JudgedCheck(result=result, status=Status.FAIL, reasons=(), findings=tuple(findings)),
        ),
        release=ReleaseInfo(
            repo="/r",
            commit="a" * 40,
            base=None,
            ref=None,
            base_source="root",
            commits=1,
            changed_files=(),
            mode=Mode.RELEASE,
        ),
        policy=PolicyInfo(source="p", trusted=True, digest="sha256:0", changed_in_range=False),
        tool_version="0",
    )


def test_escaping_follows_the_workflow_command_rules() -> None:
    assert escape_data("100%\r\nx") == "100%25%0D%0Ax"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_hostile_message_path_and_rule_stay_on_one_inert_line() -> None:
    finding = Finding(
        tool="semgrep",
        rule_id="r,title=x::y",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        path="app/evil,line=1::set-output name=a::b.py",
        line=3,
        message=HOSTILE,
        fingerprint="fp",
        blocking=True,
    )
    text = render_annotations(_decision([finding], (_blocking([finding]),)))
    lines = text.splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert _COMMAND.match(line), line
    # The properties are exactly file, line and title: nothing injected more.
    properties = line.split("::")[1].split(" ", 1)[1]
    assert [p.split("=", 1)[0] for p in properties.split(",")] == ["file", "line", "title"]
    assert "%3A%3Aset-output" in properties
    data = line.split("::", 2)[2]
    assert "%0A" not in data.replace("%250A", "")  # the literal "%0A" is shown as "%250A"
    assert "%250A" in data
    assert "::set-output" not in data  # "::" is split by a word joiner
    assert "pwned" in data  # the text is still shown


def test_caps_and_pointer_to_the_report() -> None:
    findings = [_finding(i, blocking=True) for i in range(25)]
    findings += [_finding(100 + i, blocking=False) for i in range(12)]
    decision = _decision(findings, (_blocking(findings),))
    lines = render_annotations(decision, report="out/r.json").splitlines()
    assert sum(line.startswith("::error ") for line in lines) == MAX_ERRORS
    assert sum(line.startswith("::warning ") for line in lines) == MAX_WARNINGS
    (notice,) = [line for line in lines if line.startswith("::notice")]
    assert "15 more error(s) and 2 more warning(s)" in notice
    assert "out/r.json" in notice


def test_blocking_reason_without_a_finding_is_an_error_annotation() -> None:
    reason = Reason(message="bandit: error: bandit crashed", blocking=True, check="bandit")
    (line,) = render_annotations(_decision([], (reason,))).splitlines()
    assert line.startswith("::error title=releasegate%3A blocked::bandit: error: bandit crashed")


def test_waived_and_baselined_findings_are_not_annotated() -> None:
    waived = replace(_finding(1, blocking=False), waived=True)
    old = replace(_finding(2, blocking=False), new=False)
    assert render_annotations(_decision([waived, old])) == ""


def test_annotation_without_location() -> None:
    assert Annotation(level="notice", message="a\nb").command() == "::notice::a b"


def test_outputs_use_delimiters_that_never_occur_in_the_value() -> None:
    value = "line1\nghadelimiter_x\nname=evil\n"
    text = format_outputs({"decision": "block", "report-path": value})
    assert _parse_outputs(text) == {"decision": "block", "report-path": value}


def test_run_writes_annotations_outputs_and_summary(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit(
        "init",
        **{
            ".releasegate.yml": "version: 1\n",
            "app.py": "import subprocess\n\n\ndef f(x):\n"
            '    subprocess.call("ls " + x, shell=True)\n',
        },
    )
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    done = releasegate(
        "run",
        "--repo",
        str(repo.root),
        "--only",
        "bandit",
        "--json",
        str(tmp_path / "r.json"),
        "--no-audit",
        "--annotations",
        "--github-output",
        env={"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.returncode == 1, done.stderr
    assert "::error file=app.py,line=5," in done.stdout
    assert _parse_outputs(output.read_text("utf-8")) == {
        "record-id": "",  # --no-audit: no record
        "decision": "block",
        "blocking-count": "1",
        "report-path": str(tmp_path / "r.json"),
        "sarif-path": "",
        "summary-path": "",
        "vsa-predicate-path": "",
    }
    assert "Release blocked" in summary.read_text("utf-8")


def test_github_output_outside_actions_is_a_usage_error(repo: GitRepo) -> None:
    repo.commit("init", **{".releasegate.yml": "version: 1\n", "app.py": "X = 1\n"})
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-audit", "--github-output"
    )
    assert done.returncode == 2
    assert "GITHUB_OUTPUT is not set" in done.stderr
