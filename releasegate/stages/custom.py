"""Custom stages (``system``, ``ux``, ``e2e``...): a command and a known result format.

``junit`` and ``exit-code`` are judged like the functional stage. ``sarif``:
every ``error``-level result becomes a finding (and unwaived findings of a
custom stage block); ``warning`` and ``note`` results are counted and listed
in the evidence. A command that exits non-zero without any error-level result
is an error (the run did not finish as its results claim).
"""

from __future__ import annotations

from pathlib import Path

from releasegate.checkapi import CheckContext
from releasegate.errors import StageError
from releasegate.fingerprint import Located, fingerprints, read_source
from releasegate.model import CheckResult, Confidence, Finding, JSONValue, Severity, Stage, Status
from releasegate.policy.quality_stages import CustomStage
from releasegate.stages.common import MAX_LISTED, Evidence, collect, guarded, plural
from releasegate.stages.functional import run_tests_stage
from releasegate.stages.sarif_input import LEVELS, SarifResult, parse_sarif


def severity_of(result: SarifResult) -> Severity:
    """An error-level result's severity: its ``security-severity`` score, else high."""
    score = result.security_severity
    if score is None:
        return Severity.HIGH
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW if score > 0 else Severity.INFO


def _code(tree: Path, result: SarifResult) -> str:
    """The flagged source line (for a fingerprint that survives line moves), else the message."""
    if result.path and result.line >= 1:
        target = (tree / result.path).resolve()
        if target.is_relative_to(tree) and target.is_file():
            lines = read_source(target)
            if result.line <= len(lines):
                return lines[result.line - 1]
    return result.message


def sarif_findings(tree: Path, results: list[SarifResult]) -> list[Finding]:
    tree = tree.resolve()
    located = [
        Located(
            tool=result.tool,
            rule_id=result.rule_id,
            path=result.path,
            line=result.line,
            code=_code(tree, result),
        )
        for result in results
    ]
    findings = []
    for result, fingerprint in zip(results, fingerprints(located), strict=True):
        message = result.message
        if result.suppressed:
            message += " [suppressed in the source: not honoured; waive it in the policy]"
        findings.append(
            Finding(
                tool=result.tool,
                rule_id=result.rule_id,
                severity=severity_of(result),
                confidence=Confidence.MEDIUM,
                path=result.path,
                line=result.line,
                end_line=result.end_line,
                column=result.column,
                message=message,
                fingerprint=fingerprint,
                help_uri=result.help_uri,
            )
        )
    return findings


def _listed(results: list[SarifResult]) -> list[JSONValue]:
    return [
        {
            "tool": r.tool,
            "rule_id": r.rule_id,
            "level": r.level,
            "path": r.path,
            "line": r.line,
            "message": r.message,
        }
        for r in results[:MAX_LISTED]
    ]


def run_custom_stage(ctx: CheckContext, name: str, definition: CustomStage) -> CheckResult:
    if definition.format != "sarif":
        return run_tests_stage(ctx, name, Stage.CUSTOM, definition)
    evidence: Evidence = {}

    def body() -> CheckResult:
        collected = collect(ctx, name, definition, evidence)
        results = collected.results
        if results is None:
            raise StageError(f"{name}: format sarif needs a results file")
        log = parse_sarif(results.data, results.path, roots=(ctx.tree.resolve(), ctx.release.root))
        errors = log.at_level("error")
        evidence["tools"] = list(log.tools)
        evidence["results_by_level"] = {level: len(log.at_level(level)) for level in LEVELS}
        evidence["errors"] = _listed(errors)
        evidence["warnings_and_notes"] = _listed(log.at_level("warning") + log.at_level("note"))
        suppressed = sum(1 for r in errors if r.suppressed)
        if suppressed:
            evidence["suppressed_in_source_not_honoured"] = suppressed
        if log.failures:
            return CheckResult(
                id=name,
                stage=Stage.CUSTOM,
                status=Status.ERROR,
                reasons=tuple(log.failures),
                evidence=evidence,
            )
        run = collected.run
        if run is not None and run.returncode != 0 and not errors:
            return CheckResult(
                id=name,
                stage=Stage.CUSTOM,
                status=Status.ERROR,
                reasons=(
                    f"the command exited {run.returncode} but reported no error-level "
                    f"result ({plural(len(log.results), 'result')} in all; output: "
                    f"{run.stdout.path.parent})",
                ),
                evidence=evidence,
            )
        return CheckResult(
            id=name,
            stage=Stage.CUSTOM,
            status=Status.PASS,
            findings=tuple(sarif_findings(ctx.tree, errors)),
            evidence=evidence,
        )

    return guarded(name, Stage.CUSTOM, evidence, body)
