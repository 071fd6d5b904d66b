"""Helpers for the quality-stage tests: repositories with a policy at the base tag."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from rg_testlib import GitRepo, check, load_report, releasegate


def with_policy(repo: GitRepo, policy: str, **files: str) -> str:
    """Commit ``policy`` (and ``files``) and tag the commit ``v1``: the trusted base."""
    sha = repo.commit("policy", **{".releasegate.yml": policy, **files})
    repo.tag("v1")
    return sha


def run_gate(
    repo: GitRepo, only: str, *, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``releasegate run --only ONLY`` on ``repo``: the process and its JSON report."""
    out = repo.root.parent / f"report-{only}.json"
    out.unlink(missing_ok=True)
    done = releasegate("run", "--repo", str(repo.root), "--only", only, "--json", str(out), env=env)
    assert out.is_file(), done.stdout + done.stderr
    return done, load_report(out)


def stage(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return check(report, check_id)


def reasons(report: dict[str, Any]) -> str:
    return "\n".join(report["reasons"])


def benchmark_json(benchmarks: dict[str, tuple[float, float, int]]) -> str:
    """pytest-benchmark 5 JSON as ``--benchmark-json`` writes it.

    ``benchmarks`` maps a test node id to (median, iqr, rounds), in seconds.
    """
    entries = []
    for fullname, (median, iqr, rounds) in benchmarks.items():
        name = fullname.rsplit("::", 1)[-1]
        entries.append(
            {
                "group": None,
                "name": name,
                "fullname": fullname,
                "params": None,
                "param": None,
                "extra_info": {},
                "options": {
                    "disable_gc": False,
                    "timer": "perf_counter",
                    "min_rounds": 5,
                    "max_time": 1.0,
                    "min_time": 5e-06,
                    "warmup": False,
                },
                "stats": {
                    "min": median - iqr,
                    "max": median + 2 * iqr,
                    "mean": median,
                    "stddev": iqr * 0.75,
                    "rounds": rounds,
                    "median": median,
                    "iqr": iqr,
                    "q1": median - iqr / 2,
                    "q3": median + iqr / 2,
                    "iqr_outliers": 0,
                    "stddev_outliers": 1,
                    "outliers": "1;0",
                    "ld15iqr": median - iqr,
                    "hd15iqr": median + iqr,
                    "ops": 1 / median,
                    "total": median * rounds,
                    "iterations": 1,
                },
            }
        )
    return json.dumps(
        {
            "machine_info": {
                "node": "ci-runner",
                "processor": "x86_64",
                "machine": "x86_64",
                "python_compiler": "GCC 11.4.0",
                "python_implementation": "CPython",
                "python_implementation_version": "3.11.7",
                "python_version": "3.11.7",
                "python_build": ["main", "Jan 1 2024 00:00:00"],
                "release": "6.5.0",
                "system": "Linux",
                "cpu": {"brand_raw": "Example CPU @ 3.00GHz", "count": 4},
            },
            "commit_info": {"id": "0123abcd", "dirty": False, "project": "app", "branch": "main"},
            "benchmarks": entries,
            "datetime": "2026-01-01T00:00:00.000000+00:00",
            "version": "5.2.3",
        },
        indent=4,
    )


def write_untracked(repo: GitRepo, path: str, text: str) -> Path:
    """A file an earlier CI job left in the work tree (not committed)."""
    target = repo.write(path, text)
    assert repo.git("status", "--porcelain", "--untracked-files=no") == ""
    return target
