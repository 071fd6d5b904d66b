"""The runner turns every failure of a check into an error result, and kills overruns."""

from __future__ import annotations

import _thread
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from releasegate.checkapi import BaseCheck, CheckContext
from releasegate.errors import ToolError
from releasegate.model import CheckResult, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.procs import ToolRunner
from releasegate.runner import run_checks

BARRIER = threading.Barrier(3, timeout=5)


@dataclass(frozen=True)
class FakeCheck(BaseCheck):
    id: str
    behaviour: str
    tmp: Path
    stage: Stage = Stage.STATIC

    def enabled(self, policy: Policy) -> bool:
        return True

    def run(self, ctx: CheckContext) -> CheckResult:
        if self.behaviour == "raise":
            raise RuntimeError("boom\nsecond line")
        if self.behaviour == "tool-missing":
            ctx.tools.run(["definitely-not-a-tool-xyz"], tool="xyz")
        if self.behaviour == "hang-in-tool":
            # A shell that starts a grandchild writing its pid, then both sleep.
            script = f"sleep 60 & echo $! > {self.tmp / 'grandchild.pid'}; sleep 60"
            ctx.tools.run(["sh", "-c", script], tool="sh")
        if self.behaviour == "clean-up-after-tool":
            # Like a stage command's scratch HOME: removed only after the tool is killed.
            try:
                (self.tmp / "started").touch()
                ctx.tools.run(["sleep", "60"], tool="sleep")
            finally:
                time.sleep(0.5)
                (self.tmp / "cleaned").touch()
        if self.behaviour == "hang-in-python":
            time.sleep(30)
        if self.behaviour == "garbage":
            return "not a result"  # type: ignore[return-value]
        if self.behaviour == "meet":
            # Passes only if all checks of the barrier run at the same time.
            BARRIER.wait()
        return CheckResult(id=self.id, stage=self.stage, status=Status.PASS)


def _context(tools: ToolRunner) -> CheckContext:
    return CheckContext(
        release=None,  # type: ignore[arg-type]
        policy=Policy(version=1),
        tree=Path(),
        files=(),
        tools=tools,
        cache_dir=Path(),
    )


def _run(*checks: FakeCheck, timeout: float = 10) -> list[CheckResult]:
    return run_checks(list(checks), _context, timeout_seconds=timeout)


def test_exception_becomes_a_one_line_error(tmp_path: Path) -> None:
    [result] = _run(FakeCheck("c", "raise", tmp_path))
    assert result.status is Status.ERROR
    assert result.reasons == ("internal error in check c: RuntimeError: boom second line",)


def test_missing_tool_becomes_an_error_naming_the_tool(tmp_path: Path) -> None:
    [result] = _run(FakeCheck("c", "tool-missing", tmp_path))
    assert result.status is Status.ERROR
    assert result.reasons[0].startswith("xyz: not found")


def test_wrong_return_type_is_an_error(tmp_path: Path) -> None:
    [result] = _run(FakeCheck("c", "garbage", tmp_path))
    assert result.status is Status.ERROR
    assert "returned str" in result.reasons[0]


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    started = time.monotonic()
    [result] = _run(FakeCheck("c", "hang-in-tool", tmp_path), timeout=1.5)
    assert time.monotonic() - started < 10
    assert result.status is Status.ERROR
    assert "timed out" in result.reasons[0]
    pid = int((tmp_path / "grandchild.pid").read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # a killed child may linger as a zombie until reaped by init; check its state
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"grandchild {pid} survived the timeout")


def test_timeout_of_a_check_stuck_in_python_does_not_hang_the_gate(tmp_path: Path) -> None:
    started = time.monotonic()
    results = _run(
        FakeCheck("stuck", "hang-in-python", tmp_path), FakeCheck("ok", "pass", tmp_path), timeout=1
    )
    assert time.monotonic() - started < 5
    assert [r.status for r in results] == [Status.ERROR, Status.PASS]


def test_checks_run_concurrently(tmp_path: Path) -> None:
    results = _run(*(FakeCheck(f"c{i}", "meet", tmp_path) for i in range(3)))
    assert [r.status for r in results] == [Status.PASS] * 3, results
    assert [r.id for r in results] == ["c0", "c1", "c2"]


def test_tool_runner_refuses_work_after_cancel() -> None:
    tools = ToolRunner()
    tools.cancel()
    with pytest.raises(ToolError, match="cancelled"):
        tools.run(["true"])


def test_an_interrupt_waits_for_each_check_to_clean_up_after_its_killed_tool(
    tmp_path: Path,
) -> None:
    # SIGINT / SIGTERM reach the main thread; the checks' ``finally`` run in theirs. An
    # interrupt that propagated at once would let the process exit with a daemon thread
    # still holding a scratch directory (seen in CI: a releasegate-home-* left behind).
    def interrupt_when_started() -> None:
        deadline = time.monotonic() + 10
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        _run(FakeCheck("c", "clean-up-after-tool", tmp_path), timeout=30)
    assert (tmp_path / "cleaned").exists()
