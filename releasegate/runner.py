"""Run checks concurrently, each under a wall-clock limit.

Whatever happens inside a check (an exception, a hang, a missing tool, output
it could not read) comes back as an ``error`` result with a one-line cause.
A check that overruns its limit has every process group it started killed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from releasegate.checkapi import Check, CheckContext
from releasegate.errors import ReleasegateError
from releasegate.model import CheckResult, Stage, Status
from releasegate.procs import ToolRunner

# After an interrupt: how long the checks get to clean up once their tools are killed.
_SETTLE_SECONDS = 10.0


class Progress(Protocol):
    def started(self, check_id: str) -> None: ...

    def finished(self, result: CheckResult) -> None: ...


class NoProgress:
    def started(self, check_id: str) -> None:
        return None

    def finished(self, result: CheckResult) -> None:
        return None


@dataclass
class _Slot:
    check: Check
    tools: ToolRunner
    started: float
    result: CheckResult | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set when the check's own code (its ``finally`` included) has returned.
    returned: threading.Event = field(default_factory=threading.Event)

    def outcome(self) -> CheckResult:
        with self.lock:
            if self.result is None:
                raise RuntimeError(f"check {self.check.id} has no result yet")
            return self.result

    def settle(self, result: CheckResult) -> bool:
        """Record the first result only: a late finish cannot undo a timeout."""
        with self.lock:
            if self.result is not None:
                return False
            self.result = result
            return True


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"


def _run_one(slot: _Slot, make_context: Callable[[ToolRunner], CheckContext]) -> None:
    try:
        _settle_run(slot, make_context)
    finally:
        slot.returned.set()


def _settle_run(slot: _Slot, make_context: Callable[[ToolRunner], CheckContext]) -> None:
    check = slot.check
    try:
        result = check.run(make_context(slot.tools))
        if not isinstance(result, CheckResult):
            result = CheckResult.error(
                check.id, check.stage, f"internal error: returned {type(result).__name__}"
            )
    except ReleasegateError as exc:
        result = CheckResult.error(check.id, check.stage, _one_line(exc.diagnostics()))
    except Exception as exc:
        result = CheckResult.error(
            check.id,
            check.stage,
            f"internal error in check {check.id}: {type(exc).__name__}: {_one_line(str(exc))}",
        )
    slot.settle(replace(result, duration_seconds=round(time.monotonic() - slot.started, 3)))


def run_checks(
    checks: Sequence[Check],
    make_context: Callable[[ToolRunner], CheckContext],
    *,
    timeout_seconds: float,
    progress: Progress | None = None,
) -> list[CheckResult]:
    """Run ``checks`` concurrently; results come back in the order of ``checks``."""
    sink = progress or NoProgress()
    slots: list[_Slot] = []
    threads: list[threading.Thread] = []
    for check in checks:
        started = time.monotonic()
        slot = _Slot(
            check=check, tools=ToolRunner(deadline=started + timeout_seconds), started=started
        )
        sink.started(check.id)
        # Daemon threads: a check stuck in pure Python cannot hold the process open.
        thread = threading.Thread(
            target=_run_one, args=(slot, make_context), name=f"check-{check.id}", daemon=True
        )
        thread.start()
        slots.append(slot)
        threads.append(thread)
    try:
        pending = dict(enumerate(threads))
        while pending:
            for index, thread in list(pending.items()):
                slot = slots[index]
                left = slot.started + timeout_seconds - time.monotonic()
                thread.join(timeout=min(max(left, 0.0), 0.05))
                if not thread.is_alive():
                    del pending[index]
                    sink.finished(slot.outcome())
                elif left <= 0:
                    del pending[index]
                    settled = slot.settle(
                        CheckResult.error(
                            slot.check.id,
                            slot.check.stage,
                            f"timed out after {timeout_seconds:g}s and was stopped "
                            "(raise timeout_seconds in the policy if the check needs longer)",
                            duration_seconds=round(time.monotonic() - slot.started, 3),
                        )
                    )
                    if settled:
                        slot.tools.cancel()
                    sink.finished(slot.outcome())
    except BaseException:
        # Interrupted (SIGINT / SIGTERM): no tool of ours outlives the run.
        for slot in slots:
            slot.tools.cancel()
        # Give each check's ``finally`` (scratch HOMEs, copies) the moment it needs to run
        # once its tools are dead; a check stuck in pure Python is not waited for long.
        # (An event, not ``Thread.join``: a join the interrupt broke into can report a live
        # thread as finished.)
        settle_by = time.monotonic() + _SETTLE_SECONDS
        for slot in slots:
            slot.returned.wait(timeout=max(settle_by - time.monotonic(), 0.0))
        raise
    return [slot.outcome() for slot in slots]


def not_supported(check_id: str, stage_name: str) -> CheckResult:
    """The result for a stage the policy requires but this version cannot check yet."""
    return CheckResult(
        id=check_id,
        stage=Stage(stage_name),
        status=Status.ERROR,
        reasons=(
            f"the policy requires the {stage_name} stage, but this version of releasegate "
            f"cannot verify it yet (not supported yet); set {stage_name}.required: false "
            "in the policy only if this evidence is collected elsewhere",
        ),
    )
