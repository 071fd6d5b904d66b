"""The stability stage: run the test suite several times; a test that both passed
and failed is flaky, and fails the stage.

The suite is the stage's own command, else the functional stage's command,
else (functional automatic) pytest on the head's test suite. Each run writes
its own JUnit XML (a command's ``results`` file is copied to
``run-<n>/junit.xml`` after each run).

Order: with the automatic pytest command, run 1 keeps the collection order and
the later runs are shuffled by releasegate's own pytest plugin (modules, then
tests within each module; ``pytest-randomly``, if installed, is disabled so
that one seed decides). A command of the policy keeps its own order; every run
gets a different ``PYTHONHASHSEED`` and ``RELEASEGATE_SHUFFLE_SEED``. Seeds are
derived from the head commit and the run number, and recorded in the
evidence, so an order can be replayed.

A test that failed in every run (never passed) fails the stage as well; a run
that executed no test fails it; a rerun plugin's "passed on rerun" is flaky.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from releasegate.checkapi import CheckContext
from releasegate.errors import StageError
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.quality_stages import StabilityStage
from releasegate.stages.common import MAX_LISTED, MAX_NAMED_IN_REASON, Evidence, guarded, plural
from releasegate.stages.execute import (
    read_result_file,
    read_run_file,
    run_command,
    run_directory,
    stamp,
)
from releasegate.stages.junit import JUnitReport, Outcome, parse_junit
from releasegate.stages.pytest_shuffle import SEED_VARIABLE
from releasegate.stages.suite import find_test_suite, pytest_argv

NAME = "stability"
PLUGIN_MODULE = "_releasegate_shuffle"
_BAD = (Outcome.FAILED, Outcome.ERRORED)
_RANK = {Outcome.SKIPPED: 0, Outcome.PASSED: 1, Outcome.ERRORED: 2, Outcome.FAILED: 3}


def seed_for(head: str, run: int) -> int:
    """A non-zero 32-bit seed for ``run`` of ``head`` (same commit, same seeds)."""
    digest = hashlib.sha256(f"{head}:{run}".encode()).digest()
    return int.from_bytes(digest[:4], "big") or 1


@dataclass(frozen=True, kw_only=True)
class Suite:
    command: tuple[str, ...] | None  # None: the automatic pytest command
    results: str | None
    timeout: float | None
    source: str


def _suite(ctx: CheckContext, definition: StabilityStage) -> Suite:
    functional = ctx.policy.stages.functional
    if definition.command is not None:
        return Suite(
            command=tuple(definition.command),
            results=definition.results,
            timeout=definition.timeout_seconds,
            source="stages.stability.command",
        )
    if not functional.automatic:
        if functional.command is None or functional.results is None:
            raise StageError(
                "stability needs a command to run the suite several times",
                hint="set stages.stability.command and results",
            )
        return Suite(
            command=tuple(functional.command),
            results=functional.results,
            timeout=definition.timeout_seconds or functional.timeout_seconds,
            source="stages.functional.command",
        )
    return Suite(
        command=None,
        results=None,
        timeout=definition.timeout_seconds or functional.timeout_seconds,
        source="automatic: pytest with the interpreter running releasegate",
    )


def _install_plugin(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = resources.files("releasegate.stages").joinpath("pytest_shuffle.py").read_text("utf-8")
    (directory / f"{PLUGIN_MODULE}.py").write_text(text, encoding="utf-8")
    return directory


@dataclass(frozen=True, kw_only=True)
class _Setup:
    suite: Suite
    base_dir: Path
    plugin_dir: Path | None
    files: frozenset[str]


def _one_run(
    ctx: CheckContext, setup: _Setup, number: int
) -> tuple[JUnitReport, dict[str, JSONValue]]:
    suite = setup.suite
    head = ctx.release.head
    shuffle_seed = 0 if number == 1 else seed_for(head, number)
    hash_seed = seed_for(head, number)
    run_dir = setup.base_dir / f"run-{number}"
    run_dir.mkdir(parents=True, exist_ok=True)
    junit = run_dir / "junit.xml"
    env = {SEED_VARIABLE: str(shuffle_seed), "PYTHONHASHSEED": str(hash_seed)}
    before = None
    if suite.command is None:
        argv = pytest_argv(junit, "-p", "no:randomly", "-p", PLUGIN_MODULE)
        existing = ctx.environment.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(setup.plugin_dir), existing) if p)
    else:
        argv = list(suite.command)
        if suite.results is not None:
            before = stamp(ctx, suite.results)
    run = run_command(
        ctx,
        argv,
        output_dir=run_dir,
        timeout=suite.timeout,
        label=f"stability run {number}",
        extra_env=env,
    )
    if suite.command is None:
        if not junit.is_file():
            raise StageError(
                f"stability run {number}: pytest exited {run.returncode} without writing its "
                f"JUnit XML (output: {run_dir})"
            )
        data = read_run_file(junit, what=f"stability run {number} results")
    elif suite.results is not None:
        data = read_result_file(
            ctx, suite.results, what=f"stability run {number} results", before=before, ran=True
        ).data
        junit.write_bytes(data)
    else:
        raise StageError("stability needs JUnit results from its command")
    report = parse_junit(data, f"stability run {number} ({junit})", files=setup.files)
    evidence: dict[str, JSONValue] = {
        "run": number,
        "shuffle_seed": shuffle_seed,
        "pythonhashseed": hash_seed,
        **run.to_json(),
        "junit": str(junit),
        "tests": {
            "executed": report.executed,
            "passed": report.count(Outcome.PASSED),
            "failed": report.count(Outcome.FAILED),
            "errored": report.count(Outcome.ERRORED),
            "skipped": report.count(Outcome.SKIPPED),
        },
    }
    return report, evidence


@dataclass(frozen=True, kw_only=True)
class Flakiness:
    flaky: list[dict[str, JSONValue]]
    always_failing: list[dict[str, JSONValue]]


def judge_runs(reports: list[JUnitReport]) -> Flakiness:
    """Flaky tests (passed in one run, failed in another) and tests that never passed."""
    outcomes: dict[str, dict[int, Outcome]] = {}
    messages: dict[str, str] = {}
    reruns: dict[str, int] = {}
    for number, report in enumerate(reports, start=1):
        for case in report.cases:
            runs = outcomes.setdefault(case.id, {})
            previous = runs.get(number)
            if previous is None or _RANK[case.outcome] > _RANK[previous]:
                runs[number] = case.outcome
            if case.outcome in _BAD and case.message:
                messages.setdefault(case.id, case.message)
            reruns[case.id] = reruns.get(case.id, 0) + case.reruns
    flaky: list[dict[str, JSONValue]] = []
    always: list[dict[str, JSONValue]] = []
    for test, runs in sorted(outcomes.items()):
        passed: list[JSONValue] = [n for n, o in sorted(runs.items()) if o is Outcome.PASSED]
        failed: list[JSONValue] = [n for n, o in sorted(runs.items()) if o in _BAD]
        entry: dict[str, JSONValue] = {
            "id": test,
            "passed_runs": passed,
            "failed_runs": failed,
            "passed_on_rerun": reruns.get(test, 0),
            "message": messages.get(test, ""),
        }
        if (passed and failed) or reruns.get(test, 0):
            flaky.append(entry)
        elif failed:
            always.append(entry)
    return Flakiness(flaky=flaky, always_failing=always)


def _describe_flaky(entry: dict[str, JSONValue]) -> str:
    def runs(key: str) -> str:
        value = entry[key]
        numbers = value if isinstance(value, list) else []
        return ", ".join(str(n) for n in numbers)

    parts = []
    if entry["passed_runs"]:
        parts.append(f"passed in run {runs('passed_runs')}")
    if entry["failed_runs"]:
        parts.append(f"failed in run {runs('failed_runs')}")
    if entry["passed_on_rerun"]:
        parts.append("passed only when rerun")
    message = f": {entry['message']}" if entry["message"] else ""
    return f"flaky test {entry['id']} ({'; '.join(parts)}){message}"


def _reasons(flakiness: Flakiness, empty_runs: list[int], runs: int) -> list[str]:
    reasons = [_describe_flaky(entry) for entry in flakiness.flaky[:MAX_NAMED_IN_REASON]]
    if len(flakiness.flaky) > MAX_NAMED_IN_REASON:
        reasons.append(f"and {len(flakiness.flaky) - MAX_NAMED_IN_REASON} more flaky tests")
    always = [str(entry["id"]) for entry in flakiness.always_failing]
    if always:
        shown = ", ".join(always[:MAX_NAMED_IN_REASON])
        more = len(always) - MAX_NAMED_IN_REASON
        reasons.append(
            f"{plural(len(always), 'test')} failed in every run of {runs}: {shown}"
            + (f" (and {more} more)" if more > 0 else "")
        )
    if empty_runs:
        reasons.append(f"no tests executed in run {', '.join(str(n) for n in empty_runs)}")
    return reasons


def run_stability(ctx: CheckContext, definition: StabilityStage) -> CheckResult:
    evidence: Evidence = {"runs_requested": definition.runs}

    def body() -> CheckResult:
        suite = _suite(ctx, definition)
        evidence["suite"] = suite.source
        tracked = ctx.release.tracked_files()
        if suite.command is None:
            found = find_test_suite(
                tracked,
                lambda path: ctx.release.show(ctx.release.head, path),
            )
            if found is None:
                return CheckResult(
                    id=NAME,
                    stage=Stage.STABILITY,
                    status=Status.SKIPPED,
                    reasons=("no test suite in the head commit to run repeatedly",),
                    evidence=evidence,
                )
            evidence["order"] = (
                "run 1 in collection order; later runs shuffled by releasegate's pytest plugin "
                "(modules, then tests within a module; seed per run); PYTHONHASHSEED per run"
            )
        else:
            evidence["order"] = (
                "the command's own; PYTHONHASHSEED and RELEASEGATE_SHUFFLE_SEED differ per run"
            )
        base_dir = run_directory(ctx, NAME)
        setup = _Setup(
            suite=suite,
            base_dir=base_dir,
            plugin_dir=_install_plugin(base_dir / "plugin") if suite.command is None else None,
            files=frozenset(tracked),
        )
        reports: list[JUnitReport] = []
        runs: list[JSONValue] = []
        evidence["runs"] = runs
        for number in range(1, definition.runs + 1):
            report, run_evidence = _one_run(ctx, setup, number)
            reports.append(report)
            runs.append(run_evidence)
        flakiness = judge_runs(reports)
        evidence["flaky"] = list(flakiness.flaky[:MAX_LISTED])
        evidence["failing_in_every_run"] = list(flakiness.always_failing[:MAX_LISTED])
        empty = [n for n, report in enumerate(reports, start=1) if report.executed == 0]
        reasons = _reasons(flakiness, empty, definition.runs)
        if reasons:
            status = Status.FAIL
        else:
            status = Status.PASS
            for number, (report, raw) in enumerate(zip(reports, runs, strict=True), start=1):
                code = raw.get("exit_code") if isinstance(raw, dict) else None
                if code != 0 and not report.with_outcome(*_BAD):
                    status = Status.ERROR
                    reasons.append(
                        f"stability run {number}: the command exited {code} although its "
                        "results show no failing test (interrupted, or it crashed?)"
                    )
        return CheckResult(
            id=NAME, stage=Stage.STABILITY, status=status, reasons=tuple(reasons), evidence=evidence
        )

    return guarded(NAME, Stage.STABILITY, evidence, body)
