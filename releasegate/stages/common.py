"""What every stage does: run its command, read its results, report errors as data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from releasegate.checkapi import CheckContext
from releasegate.errors import ReleasegateError
from releasegate.model import CheckResult, JSONValue, Stage, Status
from releasegate.policy.quality_stages import StageDefinition
from releasegate.stages.execute import (
    CommandRun,
    ResultFile,
    read_result_file,
    run_command,
    run_directory,
    stamp,
)

MAX_NAMED_IN_REASON = 10
MAX_LISTED = 50

Evidence = dict[str, JSONValue]


@dataclass(frozen=True, kw_only=True)
class Collected:
    run: CommandRun | None
    results: ResultFile | None


def collect(
    ctx: CheckContext, name: str, definition: StageDefinition, evidence: Evidence
) -> Collected:
    """Run the stage's command (if any) and read its results file (if any).

    Records what happened in ``evidence`` as it goes, so that an error still
    leaves the command's output referenced in the report.
    """
    fmt = str(getattr(definition, "format", ""))
    evidence["format"] = fmt
    run = None
    if definition.command is not None:
        before = stamp(ctx, definition.results) if definition.results else None
        run = run_command(
            ctx,
            definition.command,
            output_dir=run_directory(ctx, name),
            timeout=definition.timeout_seconds,
            label=f"{name} stage command",
        )
        evidence["run"] = run.to_json()
    else:
        before = None
    results = None
    if definition.results is not None:
        results = read_result_file(
            ctx,
            definition.results,
            what=f"{name} results",
            before=before,
            ran=run is not None,
        )
        evidence["results"] = {
            **results.to_json(),
            "source": "written by the command" if run is not None else "left by an earlier job",
        }
    return Collected(run=run, results=results)


def guarded(
    name: str, stage: Stage, evidence: Evidence, body: Callable[[], CheckResult]
) -> CheckResult:
    """``body()``, or an ``error`` result keeping the evidence collected so far."""
    try:
        return body()
    except ReleasegateError as exc:
        return CheckResult(
            id=name,
            stage=stage,
            status=Status.ERROR,
            reasons=(exc.diagnostics(),),
            evidence=evidence,
        )


def named(items: Sequence[str], limit: int = MAX_NAMED_IN_REASON) -> str:
    """``a, b, c`` (and N more)."""
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" (and {len(items) - limit} more)"
    return shown


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def exit_code_verdict(run: CommandRun) -> tuple[Status, tuple[str, ...]]:
    """Format exit-code: the command's exit status is the whole verdict."""
    if run.returncode == 0:
        return Status.PASS, ()
    last = run.stderr.tail[-1:] or run.stdout.tail[-1:]
    detail = f": {last[0]}" if last else ""
    return Status.FAIL, (
        f"the command exited {run.returncode}{detail} (output: {run.stdout.path.parent})",
    )
