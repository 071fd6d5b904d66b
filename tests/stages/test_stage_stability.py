"""The stability stage: the suite runs several times; a flaky test fails the stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rg_testlib import GitRepo
from stage_helpers import run_gate, stage, with_policy

from releasegate.stages.environment import ENV_STAGE_ENV
from releasegate.stages.junit import CaseResult, JUnitReport, Outcome
from releasegate.stages.pytest_shuffle import shuffled
from releasegate.stages.stability import judge_runs, seed_for

FLAKY_TESTS = """import os
from pathlib import Path


def test_sometimes():
    # Fails on every second run: the run count lives outside the repository.
    state = Path(os.environ["FLAKY_STATE"])
    runs = int(state.read_text()) if state.exists() else 0
    state.write_text(str(runs + 1))
    assert runs % 2 == 0, f"run {runs + 1} of the flaky test"


def test_always():
    assert 1 + 1 == 2
"""

STABLE_TESTS = """def test_one():
    assert True


def test_two():
    assert [1, 2] == sorted([2, 1])
"""


def test_a_flaky_test_is_named_and_fails_the_stage(repo: GitRepo, tmp_path: Path) -> None:
    with_policy(repo, "version: 1\nstages:\n  stability:\n    runs: 3\n")
    repo.commit("flaky", **{"tests/test_flaky.py": FLAKY_TESTS})
    state = tmp_path / "flaky-state"
    done, report = run_gate(
        repo, "stability", env={"FLAKY_STATE": str(state), ENV_STAGE_ENV: "FLAKY_STATE"}
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert state.read_text() == "3"  # the suite really ran three times
    stability = stage(report, "stability")
    assert stability["status"] == "fail"
    [reason] = stability["reasons"]
    assert reason.startswith(
        "stability: flaky test tests/test_flaky.py::test_sometimes "
        "(passed in run 1, 3; failed in run 2): AssertionError: run 2 of the flaky test"
    )
    assert "test_always" not in reason
    evidence = stability["evidence"]
    assert [entry["id"] for entry in evidence["flaky"]] == ["tests/test_flaky.py::test_sometimes"]
    assert evidence["flaky"][0]["failed_runs"] == [2]
    runs = evidence["runs"]
    assert [run["run"] for run in runs] == [1, 2, 3]
    assert runs[0]["shuffle_seed"] == 0
    assert runs[1]["shuffle_seed"] == seed_for(repo.head(), 2) != 0
    assert len({run["pythonhashseed"] for run in runs}) == 3
    assert [run["tests"]["failed"] for run in runs] == [0, 1, 0]
    for run in runs:  # each run has its own JUnit file and output
        assert Path(run["junit"]).is_file()
        assert Path(run["junit"]).parent.name == f"run-{run['run']}"
        assert Path(run["stdout"]["path"]).is_file()


def test_a_stable_suite_passes(repo: GitRepo) -> None:
    with_policy(repo, "version: 1\nstages:\n  stability:\n    runs: 2\n")
    repo.commit("stable", **{"tests/test_stable.py": STABLE_TESTS})
    done, report = run_gate(repo, "stability")
    assert done.returncode == 0, done.stdout + done.stderr
    stability = stage(report, "stability")
    assert stability["status"] == "pass"
    assert len(stability["evidence"]["runs"]) == 2
    assert stability["evidence"]["flaky"] == []


ORDER_DEPENDENT = """STATE = []


def test_a_sets_up():
    STATE.append("ready")


def test_b_relies_on_a():
    assert STATE, "test_a_sets_up did not run first"
"""


def test_an_order_dependent_test_is_caught_by_the_shuffled_runs(repo: GitRepo) -> None:
    # Two modules of one test each would keep their order half the time; use enough
    # runs that some later run puts test_b first (seeds are fixed per commit).
    with_policy(repo, "version: 1\nstages:\n  stability:\n    runs: 8\n")
    repo.commit("order", **{"tests/test_order.py": ORDER_DEPENDENT})
    done, report = run_gate(repo, "stability")
    tests = [_Item(f"tests/test_order.py::{name}") for name in ("test_a_sets_up", "test_b")]
    orders = [shuffled(tests, seed_for(repo.head(), n)) for n in range(2, 9)]
    if all(order == tests for order in orders):  # pragma: no cover - p = 1/128
        return  # these seeds never reorder the two tests: nothing to observe
    assert done.returncode == 1, done.stdout
    stability = stage(report, "stability")
    assert "tests/test_order.py::test_b_relies_on_a" in stability["reasons"][0]


def test_the_policy_command_is_rerun_with_its_results_copied_per_run(
    repo: GitRepo, tmp_path: Path
) -> None:
    policy = (
        "version: 1\n"
        "stages:\n"
        "  functional:\n"
        "    command: [python, -m, pytest, -q, -p, no:cacheprovider, --junitxml=junit.xml]\n"
        "    results: junit.xml\n"
        "  stability:\n"
        "    runs: 2\n"
    )
    with_policy(repo, policy, **{".gitignore": "junit.xml\n"})
    repo.commit("flaky", **{"tests/test_flaky.py": FLAKY_TESTS})
    state = tmp_path / "state"
    done, report = run_gate(
        repo, "stability", env={"FLAKY_STATE": str(state), ENV_STAGE_ENV: "FLAKY_STATE"}
    )
    assert done.returncode == 1
    stability = stage(report, "stability")
    assert stability["evidence"]["suite"] == "stages.functional.command"
    assert "flaky test tests/test_flaky.py::test_sometimes" in stability["reasons"][0]
    assert all(Path(run["junit"]).is_file() for run in stability["evidence"]["runs"])


# --- unit ---------------------------------------------------------------------------------


@dataclass
class _Item:
    nodeid: str


def test_shuffle_keeps_modules_together_and_seed_zero_keeps_the_order() -> None:
    items = [_Item(f"m{m}.py::t{t}") for m in range(4) for t in range(5)]
    assert shuffled(items, 0) == items
    order = shuffled(items, 12345)
    assert sorted(i.nodeid for i in order) == sorted(i.nodeid for i in items)
    assert order != items
    modules = [item.nodeid.split("::")[0] for item in order]
    blocks = [m for i, m in enumerate(modules) if i == 0 or modules[i - 1] != m]
    assert len(blocks) == 4  # each module's tests stay contiguous
    assert shuffled(items, 12345) == order  # the same seed gives the same order


def _run(**outcomes: Outcome) -> JUnitReport:
    return JUnitReport(
        cases=tuple(CaseResult(id=i, outcome=o, message="boom") for i, o in outcomes.items()),
        reported_seconds=None,
    )


def test_judge_runs_separates_flaky_from_always_failing() -> None:
    runs = [
        _run(a=Outcome.PASSED, b=Outcome.FAILED, c=Outcome.PASSED, d=Outcome.SKIPPED),
        _run(a=Outcome.ERRORED, b=Outcome.FAILED, c=Outcome.PASSED, d=Outcome.SKIPPED),
    ]
    judged = judge_runs(runs)
    assert [entry["id"] for entry in judged.flaky] == ["a"]
    assert judged.flaky[0]["passed_runs"] == [1]
    assert judged.flaky[0]["failed_runs"] == [2]
    assert [entry["id"] for entry in judged.always_failing] == ["b"]


def test_passing_only_on_a_rerun_is_flaky() -> None:
    retried = JUnitReport(
        cases=(CaseResult(id="r", outcome=Outcome.PASSED, reruns=2),), reported_seconds=None
    )
    assert [entry["id"] for entry in judge_runs([retried, retried]).flaky] == ["r"]
