"""The CPU-bound tools of a run lease the machine's cores: never more processes busy than
cores (semgrep's domains spin when one waits for a core), first come first served, within
the check's time, and a cancelled check stops waiting."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from releasegate import procs
from releasegate.errors import ToolError
from releasegate.procs import CpuSlots, ToolRunner

# Prints when it started and ended (time.monotonic is shared by every process here).
INTERVAL = (
    "import time, sys; s = time.monotonic(); time.sleep(float(sys.argv[1])); "
    "print(s, time.monotonic())"
)


def _timed_runs(
    cores: Sequence[int], total: int, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[float, float]]:
    """Run one real process per entry of ``cores`` at once; when each really ran."""
    monkeypatch.setattr(procs, "CPU", CpuSlots(total))
    found: list[tuple[float, float]] = []
    errors: list[BaseException] = []

    def one(count: int) -> None:
        try:
            done = ToolRunner(deadline=time.monotonic() + 60).run(
                [sys.executable, "-c", INTERVAL, "0.4"], tool="sleeper", cores=count
            )
            start, end = map(float, done.stdout.split())
            found.append((start, end))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(count,)) for count in cores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    return sorted(found)


def _overlap(intervals: list[tuple[float, float]]) -> bool:
    return any(b[0] < a[1] for a, b in itertools.pairwise(intervals))


def test_tools_that_need_every_core_run_one_after_the_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not _overlap(_timed_runs([2, 2, 2], total=2, monkeypatch=monkeypatch))


def test_tools_that_fit_together_run_together(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _overlap(_timed_runs([1, 1], total=2, monkeypatch=monkeypatch))


def test_a_tool_asking_for_more_cores_than_there_are_gets_them_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(_timed_runs([64], total=2, monkeypatch=monkeypatch)) == 1


def test_leases_are_granted_in_the_order_they_were_asked_for() -> None:
    """A lease for every core, asked for while one is held, goes before a later lease
    for one core that would fit: the big one never starves."""
    slots = CpuSlots(2)
    order: list[str] = []
    held = threading.Event()
    release = threading.Event()

    def take(name: str, cores: int, hold: threading.Event | None = None) -> None:
        with slots.lease(cores, stop=lambda: False, deadline=None):
            order.append(name)
            if hold is not None:
                held.set()
                release.wait(10)

    first = threading.Thread(target=take, args=("one core, held", 1, held))
    first.start()
    held.wait(10)
    big = threading.Thread(target=take, args=("every core", 2))
    big.start()
    time.sleep(0.3)  # the big lease is waiting now
    small = threading.Thread(target=take, args=("one core, later", 1))
    small.start()
    time.sleep(0.3)
    assert order == ["one core, held"]  # the later small lease did not jump the queue
    release.set()
    for thread in (first, big, small):
        thread.join(10)
    assert order == ["one core, held", "every core", "one core, later"]


def test_waiting_for_cores_past_the_deadline_is_an_error_and_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slots = CpuSlots(1)
    monkeypatch.setattr(procs, "CPU", slots)
    marker = tmp_path / "started"
    with slots.lease(1, stop=lambda: False, deadline=None):
        runner = ToolRunner(deadline=time.monotonic() + 0.5)
        with pytest.raises(ToolError, match="waiting for a free core") as raised:
            runner.run(["touch", str(marker)], tool="touch", cores=1)
    assert "timeout_seconds" in (raised.value.hint or "")
    assert not marker.exists()


def test_a_cancelled_check_stops_waiting_for_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slots = CpuSlots(1)
    monkeypatch.setattr(procs, "CPU", slots)
    marker = tmp_path / "started"
    runner = ToolRunner(deadline=time.monotonic() + 60)
    raised: list[ToolError] = []

    def wait() -> None:
        try:
            runner.run(["touch", str(marker)], tool="touch", cores=1)
        except ToolError as exc:
            raised.append(exc)

    with slots.lease(1, stop=lambda: False, deadline=None):
        waiting = threading.Thread(target=wait)
        waiting.start()
        time.sleep(0.3)
        began = time.monotonic()
        runner.cancel()
        waiting.join(10)
        assert time.monotonic() - began < 2
    assert [str(e) for e in raised] == ["touch: not started, the check was cancelled"]
    assert not marker.exists()


def test_a_failing_tool_gives_its_cores_back(monkeypatch: pytest.MonkeyPatch) -> None:
    slots = CpuSlots(2)
    monkeypatch.setattr(procs, "CPU", slots)
    runner = ToolRunner(deadline=time.monotonic() + 60)
    with pytest.raises(ToolError, match="not found"):
        runner.run(["definitely-not-a-tool-xyz"], tool="xyz", cores=2)
    with slots.lease(2, stop=lambda: False, deadline=time.monotonic() + 1):
        pass  # would raise if the failed run still held them
