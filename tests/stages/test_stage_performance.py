"""The performance stage: pytest-benchmark results against the baseline of the base."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rg_testlib import GitRepo, releasegate
from stage_helpers import benchmark_json, reasons, run_gate, stage, with_policy, write_untracked

from releasegate.stages.benchmark import (
    BenchmarkSet,
    BenchmarkStats,
    Judgement,
    compare,
    parse_benchmark_json,
    parse_perf_baseline,
    render_perf_baseline,
)

SORT = "tests/test_bench.py::test_sort"
PARSE = "tests/test_bench.py::test_parse"
CI_POLICY = (
    "version: 1\n"
    "stages:\n"
    "  functional:\n"
    "    required: false\n"
    "  performance:\n"
    "    results: build/bench.json\n"
)


def _baseline_from(results: str, tmp_path: Path) -> str:
    """The baseline `releasegate perf-baseline` writes for ``results``."""
    source = tmp_path / "base-bench.json"
    source.write_text(results, encoding="utf-8")
    target = tmp_path / "baseline.json"
    done = releasegate("perf-baseline", "--results", str(source), "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert f"wrote {target}: 2 benchmark(s)" in done.stdout
    return target.read_text("utf-8")


def _ci_repo(repo: GitRepo, tmp_path: Path) -> None:
    """Base: policy and a baseline of 10 ms (sort) and 2 ms (parse), both tight."""
    baseline = _baseline_from(
        benchmark_json({SORT: (0.010, 0.0002, 60), PARSE: (0.002, 0.00005, 300)}), tmp_path
    )
    with_policy(
        repo,
        CI_POLICY,
        **{".gitignore": "build/\n", ".releasegate-perf-baseline.json": baseline},
    )
    repo.commit("change", **{"app.py": "x = 1\n"})


def test_a_benchmark_30_percent_slower_blocks_naming_it_and_the_ratio(
    repo: GitRepo, tmp_path: Path
) -> None:
    _ci_repo(repo, tmp_path)
    write_untracked(
        repo,
        "build/bench.json",
        benchmark_json({SORT: (0.013, 0.0003, 55), PARSE: (0.002, 0.00005, 300)}),
    )
    done, report = run_gate(repo, "performance")
    assert done.returncode == 1, done.stdout + done.stderr
    performance = stage(report, "performance")
    assert performance["status"] == "fail"
    [reason] = performance["reasons"]
    assert reason.startswith(f"performance: benchmark {SORT} regressed: median 1.30x the baseline")
    assert "13 ms vs 10 ms" in reason
    assert "budget 1.10x" in reason
    assert PARSE not in reasons(report)
    verdicts = {b["benchmark"]: b for b in performance["evidence"]["benchmarks"]}
    assert verdicts[SORT]["verdict"] == "regressed"
    assert verdicts[SORT]["ratio"] == 1.3
    assert verdicts[SORT]["spread_seconds"] == pytest.approx(0.0003)
    assert verdicts[PARSE]["verdict"] == "ok"
    baseline = performance["evidence"]["baseline"]
    assert baseline["commit"] == repo.git("rev-parse", "v1")
    assert baseline["changed_in_range"] is False


def test_a_3_percent_change_within_noise_passes(repo: GitRepo, tmp_path: Path) -> None:
    _ci_repo(repo, tmp_path)
    write_untracked(
        repo,
        "build/bench.json",
        benchmark_json({SORT: (0.0103, 0.0002, 58), PARSE: (0.00194, 0.00005, 310)}),
    )
    done, report = run_gate(repo, "performance")
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = {b["benchmark"]: b for b in stage(report, "performance")["evidence"]["benchmarks"]}
    assert verdicts[SORT]["verdict"] == "ok"
    assert verdicts[SORT]["ratio"] == 1.03
    assert verdicts[PARSE]["verdict"] == "improved"


def test_a_slowdown_inside_the_measured_spread_does_not_fail(repo: GitRepo, tmp_path: Path) -> None:
    _ci_repo(repo, tmp_path)
    # 30% slower, but this run was so noisy (IQR 4 ms) that 3 ms cannot be told apart.
    write_untracked(
        repo,
        "build/bench.json",
        benchmark_json({SORT: (0.013, 0.004, 60), PARSE: (0.002, 0.00005, 300)}),
    )
    done, report = run_gate(repo, "performance")
    assert done.returncode == 0, done.stdout
    verdicts = {b["benchmark"]: b for b in stage(report, "performance")["evidence"]["benchmarks"]}
    assert verdicts[SORT]["verdict"] == "within-noise"
    assert "over budget but within the measured spread" in verdicts[SORT]["summary"]


def test_missing_benchmarks_fail_and_new_ones_are_reported(repo: GitRepo, tmp_path: Path) -> None:
    _ci_repo(repo, tmp_path)
    write_untracked(
        repo,
        "build/bench.json",
        benchmark_json(
            {SORT: (0.010, 0.0002, 60), "tests/test_bench.py::test_new": (1.0, 0.01, 9)}
        ),
    )
    done, report = run_gate(repo, "performance")
    assert done.returncode == 1
    performance = stage(report, "performance")
    assert performance["reasons"] == [
        f"performance: benchmark {PARSE} is in the baseline but missing from the results"
    ]
    verdicts = {b["benchmark"]: b["verdict"] for b in performance["evidence"]["benchmarks"]}
    assert verdicts["tests/test_bench.py::test_new"] == "new"


def test_too_few_rounds_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    _ci_repo(repo, tmp_path)
    write_untracked(
        repo,
        "build/bench.json",
        benchmark_json({SORT: (0.010, 0.0002, 3), PARSE: (0.002, 0.00005, 300)}),
    )
    done, report = run_gate(repo, "performance")
    assert done.returncode == 1
    performance = stage(report, "performance")
    assert performance["status"] == "error"
    assert performance["reasons"] == [
        f"performance: error: benchmark {SORT}: not enough rounds to judge (results 3; "
        "min_rounds 5)"
    ]


def test_the_baseline_comes_from_the_base_not_the_head(repo: GitRepo, tmp_path: Path) -> None:
    _ci_repo(repo, tmp_path)
    # The change under judgement rewrites the baseline to make itself look fine.
    lenient = _baseline_from(
        benchmark_json({SORT: (0.013, 0.0002, 60), PARSE: (0.002, 0.00005, 300)}), tmp_path
    )
    repo.commit("move the goalposts", **{".releasegate-perf-baseline.json": lenient})
    write_untracked(
        repo,
        "build/bench.json",
        benchmark_json({SORT: (0.013, 0.0002, 60), PARSE: (0.002, 0.00005, 300)}),
    )
    done, report = run_gate(repo, "performance")
    assert done.returncode == 1
    performance = stage(report, "performance")
    assert "regressed: median 1.30x" in performance["reasons"][0]
    assert performance["evidence"]["baseline"]["changed_in_range"] is True


def test_no_baseline_at_the_base_is_an_error_saying_how_to_write_one(repo: GitRepo) -> None:
    with_policy(repo, CI_POLICY, **{".gitignore": "build/\n"})
    repo.commit("change", **{"app.py": "x = 1\n"})
    write_untracked(repo, "build/bench.json", benchmark_json({SORT: (0.01, 0.0002, 60)}))
    done, report = run_gate(repo, "performance")
    assert done.returncode == 1
    [reason] = stage(report, "performance")["reasons"]
    assert "no performance baseline .releasegate-perf-baseline.json in the base commit" in reason
    assert "releasegate perf-baseline --results FILE" in reason


BENCH_TEST = """import time


def work():
    time.sleep({seconds})


def test_sleep(benchmark):
    benchmark(work)
"""


def test_real_pytest_benchmark_runs_through_the_stage_command(
    repo: GitRepo, tmp_path: Path
) -> None:
    """Real measurements: a sleep of 1 ms at the base, 20 ms in the head (a gap wider than
    the spread sleeps show on a loaded machine, where 5 ms once came out as noise)."""
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "test_bench.py").write_text(BENCH_TEST.format(seconds=0.001), encoding="utf-8")
    measured = tmp_path / "measured.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-max-time=0.2",
            f"--benchmark-json={measured}",
            "test_bench.py",
        ],
        cwd=bench,
        check=True,
        capture_output=True,
        timeout=300,
        # pytest-benchmark switches itself off inside an xdist worker's environment.
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
    )
    target = tmp_path / "perf-baseline.json"
    done = releasegate("perf-baseline", "--results", str(measured), "--output", str(target))
    assert done.returncode == 0, done.stderr
    policy = (
        "version: 1\n"
        "stages:\n"
        "  functional:\n"
        "    required: false\n"
        "  performance:\n"
        "    command: [python, -m, pytest, -q, -p, no:cacheprovider, bench/,\n"
        "              --benchmark-max-time=0.2, --benchmark-json=bench.json]\n"
        "    results: bench.json\n"
        "    baseline: perf/baseline.json\n"
    )
    baseline = target.read_text("utf-8").replace("test_bench.py::", "bench/test_bench.py::")
    with_policy(
        repo,
        policy,
        **{
            ".gitignore": "bench.json\n",
            "perf/baseline.json": baseline,
            "bench/test_bench.py": BENCH_TEST.format(seconds=0.001),
        },
    )
    repo.commit("slower", **{"bench/test_bench.py": BENCH_TEST.format(seconds=0.02)})
    done, report = run_gate(repo, "performance")
    assert done.returncode == 1, done.stdout + done.stderr
    performance = stage(report, "performance")
    assert performance["status"] == "fail"
    [verdict] = performance["evidence"]["benchmarks"]
    assert verdict["benchmark"] == "bench/test_bench.py::test_sleep"
    assert verdict["verdict"] == "regressed"
    assert verdict["ratio"] > 2
    assert "bench/test_bench.py::test_sleep regressed" in performance["reasons"][0]
    assert performance["evidence"]["run"]["exit_code"] == 0


def test_perf_baseline_refuses_too_few_rounds_and_writes_a_versioned_file(
    tmp_path: Path,
) -> None:
    few = tmp_path / "few.json"
    few.write_text(benchmark_json({SORT: (0.01, 0.001, 2)}), encoding="utf-8")
    done = releasegate("perf-baseline", "--results", str(few), "--output", str(tmp_path / "b"))
    assert done.returncode == 2
    assert f"fewer than 5 rounds for {SORT}" in done.stderr
    assert not (tmp_path / "b").exists()

    results = tmp_path / "ok.json"
    results.write_text(benchmark_json({SORT: (0.01, 0.001, 20)}), encoding="utf-8")
    done = releasegate("perf-baseline", "--results", str(results), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / ".releasegate-perf-baseline.json").read_text("utf-8"))
    assert written["format"] == "releasegate-perf-baseline"
    assert written["version"] == 1
    assert written["benchmarks"][SORT]["median"] == 0.01
    assert written["source"]["machine"]["cpu"] == "Example CPU @ 3.00GHz"


# --- unit: the comparison rule -----------------------------------------------------------


def _set(**medians: tuple[float, float, int]) -> BenchmarkSet:
    return BenchmarkSet(
        benchmarks={
            name: BenchmarkStats(
                fullname=name, name=name, median=m, iqr=iqr, stddev=iqr, rounds=rounds
            )
            for name, (m, iqr, rounds) in medians.items()
        }
    )


@pytest.mark.parametrize(
    ("old", "new", "judgement"),
    [
        ((1.0, 0.01, 10), (1.10, 0.01, 10), Judgement.OK),  # exactly on budget
        ((1.0, 0.01, 10), (1.11, 0.01, 10), Judgement.REGRESSED),
        ((1.0, 0.20, 10), (1.15, 0.01, 10), Judgement.WITHIN_NOISE),  # the baseline was noisy
        ((1.0, 0.01, 10), (0.80, 0.01, 10), Judgement.IMPROVED),
        ((1.0, 0.01, 10), (0.99, 0.02, 10), Judgement.OK),
        ((1.0, 0.01, 4), (1.0, 0.01, 10), Judgement.TOO_FEW_ROUNDS),
    ],
)
def test_comparison_rule(
    old: tuple[float, float, int], new: tuple[float, float, int], judgement: Judgement
) -> None:
    [comparison] = compare(_set(b=old), _set(b=new), max_regression=0.10, min_rounds=5)
    assert comparison.judgement is judgement


def test_baseline_round_trip() -> None:
    results = parse_benchmark_json(
        benchmark_json({SORT: (0.01, 0.001, 20), PARSE: (0.002, 0.0001, 100)}).encode(), "b.json"
    )
    text = render_perf_baseline(results, source="b.json", generated_by="releasegate test")
    again = parse_perf_baseline(text.encode(), "baseline.json")
    assert again.benchmarks == results.benchmarks
    assert again.machine == results.machine
    assert again.generated_by == "releasegate test"
    assert render_perf_baseline(again, source="b.json", generated_by="releasegate test") == text
