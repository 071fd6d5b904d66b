"""The functional stage (and custom stages with JUnit results): do the tests pass?

- Zero tests executed (none collected, or all skipped) is a failure, never a pass.
- The share of executed tests that passed must reach ``min_pass_rate`` (1.0:
  every test); the reasons name the failing and erroring tests.
- A command that exits non-zero although its results show no failing test
  (interrupted, crashed after writing them) is an error: the results cannot
  be trusted to be complete.
"""

from __future__ import annotations

from releasegate.checkapi import CheckContext
from releasegate.errors import StageError
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.quality_stages import CustomStage, FunctionalStage
from releasegate.stages.common import (
    MAX_LISTED,
    Evidence,
    collect,
    exit_code_verdict,
    guarded,
    named,
    plural,
)
from releasegate.stages.execute import ResultFile, read_run_file, run_command, run_directory
from releasegate.stages.junit import CaseResult, JUnitReport, Outcome, parse_junit
from releasegate.stages.suite import find_test_suite, pytest_argv


def _listed(cases: list[CaseResult]) -> list[JSONValue]:
    return [{"id": case.id, "message": case.message} for case in cases[:MAX_LISTED]]


def tests_evidence(report: JUnitReport) -> Evidence:
    failed = report.with_outcome(Outcome.FAILED)
    errored = report.with_outcome(Outcome.ERRORED)
    evidence: Evidence = {
        "tests": {
            "executed": report.executed,
            "passed": report.count(Outcome.PASSED),
            "failed": len(failed),
            "errored": len(errored),
            "skipped": report.count(Outcome.SKIPPED),
        },
        "failed": _listed(failed),
        "errored": _listed(errored),
        "reported_seconds": report.reported_seconds,
    }
    omitted = max(len(failed) - MAX_LISTED, 0) + max(len(errored) - MAX_LISTED, 0)
    if omitted:
        evidence["not_listed"] = omitted
    rerun = [case.id for case in report.cases if case.reruns]
    if rerun:
        evidence["passed_only_on_rerun"] = list(rerun[:MAX_LISTED])
    return evidence


def judge_tests(
    report: JUnitReport, *, min_pass_rate: float, exit_code: int | None
) -> tuple[Status, tuple[str, ...], Evidence]:
    """Status and reasons for a JUnit report, with the evidence to show."""
    evidence = tests_evidence(report)
    if report.executed == 0:
        skipped = report.count(Outcome.SKIPPED)
        why = f" ({plural(skipped, 'test')} skipped)" if skipped else ""
        return Status.FAIL, (f"no tests executed{why}",), evidence
    failed = report.with_outcome(Outcome.FAILED)
    errored = report.with_outcome(Outcome.ERRORED)
    passed = report.count(Outcome.PASSED)
    rate = passed / report.executed
    evidence["pass_rate"] = round(rate, 4)
    evidence["min_pass_rate"] = min_pass_rate
    if exit_code not in (None, 0) and not failed and not errored:
        return (
            Status.ERROR,
            (
                f"the command exited {exit_code} although its results show no failing test "
                "(interrupted, or it crashed after writing them?)",
            ),
            evidence,
        )
    if rate >= min_pass_rate:
        return Status.PASS, (), evidence
    reasons = []
    if failed:
        reasons.append(
            f"{len(failed)} of {plural(report.executed, 'test')} failed: "
            + named([case.id for case in failed])
        )
    if errored:
        reasons.append(
            f"{len(errored)} of {plural(report.executed, 'test')} errored: "
            + named([case.id for case in errored])
        )
    if min_pass_rate < 1.0:
        reasons.append(f"pass rate {rate:.1%} is below min_pass_rate {min_pass_rate:.1%}")
    return Status.FAIL, tuple(reasons), evidence


def _automatic(
    ctx: CheckContext, name: str, stage: Stage, definition: FunctionalStage, evidence: Evidence
) -> CheckResult:
    tracked = ctx.release.tracked_files()
    suite = find_test_suite(tracked, lambda path: ctx.release.show(ctx.release.head, path))
    evidence["mode"] = "automatic: pytest with the interpreter running releasegate"
    if suite is None:
        return CheckResult(
            id=name,
            stage=stage,
            status=Status.SKIPPED,
            reasons=(
                "no test suite in the head commit (no test_*.py, *_test.py, conftest.py or "
                "pytest configuration); set stages.functional.command to run another",
            ),
            evidence=evidence,
        )
    evidence["test_suite"] = suite
    run_dir = run_directory(ctx, name)
    junit = run_dir / "junit.xml"
    run = run_command(
        ctx,
        pytest_argv(junit),
        output_dir=run_dir,
        timeout=definition.timeout_seconds,
        label="pytest",
    )
    evidence["run"] = run.to_json()
    if not junit.is_file():
        raise StageError(
            f"pytest exited {run.returncode} without writing its JUnit XML (output: {run_dir})",
            hint="can pytest import the project and its test dependencies?",
        )
    results = ResultFile(path=str(junit), data=read_run_file(junit, what="pytest results"))
    evidence["results"] = {**results.to_json(), "source": "written by pytest"}
    report = parse_junit(results.data, str(junit), files=set(tracked))
    status, reasons, found = judge_tests(
        report, min_pass_rate=definition.min_pass_rate, exit_code=run.returncode
    )
    evidence.update(found)
    return CheckResult(id=name, stage=stage, status=status, reasons=reasons, evidence=evidence)


def run_tests_stage(
    ctx: CheckContext, name: str, stage: Stage, definition: FunctionalStage | CustomStage
) -> CheckResult:
    """The functional stage, or a custom stage whose format is junit or exit-code."""
    evidence: Evidence = {}

    def body() -> CheckResult:
        if isinstance(definition, FunctionalStage) and definition.automatic:
            return _automatic(ctx, name, stage, definition, evidence)
        collected = collect(ctx, name, definition, evidence)
        run = collected.run
        if definition.format == "exit-code":
            if run is None:
                raise StageError(f"{name}: format exit-code needs a command")
            status, reasons = exit_code_verdict(run)
            return CheckResult(
                id=name, stage=stage, status=status, reasons=reasons, evidence=evidence
            )
        results = collected.results
        if results is None:
            raise StageError(f"{name}: format junit needs a results file")
        report = parse_junit(results.data, results.path, files=set(ctx.release.tracked_files()))
        status, reasons, found = judge_tests(
            report,
            min_pass_rate=definition.min_pass_rate,
            exit_code=None if run is None else run.returncode,
        )
        evidence.update(found)
        return CheckResult(id=name, stage=stage, status=status, reasons=reasons, evidence=evidence)

    return guarded(name, stage, evidence, body)
