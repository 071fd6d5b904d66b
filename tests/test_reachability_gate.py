"""The reachability pre-pass in a real gate run: a safe twin's finding is kept, low,
saying why, and does not block; its vulnerable twin still blocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rg_testlib import GitRepo, releasegate

SAFE = """import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/lookup")
def lookup():
    param = request.args.get("host", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "localhost"
    else:
        bar = param
    subprocess.run(f"nslookup {bar}", shell=True, check=False)
    return "done"
"""
VULNERABLE = SAFE.replace(
    'bar = "localhost"\n    else:\n        bar = param',
    'bar = param\n    else:\n        bar = "localhost"',
)


def _gate(repo: GitRepo, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "static", "--no-progress", "--no-audit",
        "--json", str(out),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return done.returncode, report


def test_a_sink_no_input_reaches_is_reported_low_and_does_not_block(
    repo: GitRepo, tmp_path: Path
) -> None:
    assert VULNERABLE != SAFE
    repo.commit("safe", **{"app.py": SAFE})
    code, report = _gate(repo, tmp_path)
    assert code == 0, report["reasons"]
    findings = [f for c in report["checks"] for f in c["findings"]]
    shell = [f for f in findings if f["line"] == 16]
    assert shell, findings  # kept: bandit B602 and the rule pack's shell rules
    assert all(f["severity"] == "low" and not f["blocking"] for f in shell)
    assert all("downgraded from high" in f["message"] for f in shell), shell
    downgraded = [d for c in report["checks"] for d in c["evidence"].get("downgraded", [])]
    assert {d["path"] for d in downgraded} == {"app.py"}
    assert all(d["was"] != "low" and "constant" in d["reason"] for d in downgraded), downgraded


def test_its_vulnerable_twin_still_blocks(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("vulnerable", **{"app.py": VULNERABLE})
    code, report = _gate(repo, tmp_path)
    assert code == 1
    blocking = [f for c in report["checks"] for f in c["findings"] if f["blocking"]]
    assert any(f["line"] == 16 and f["severity"] == "high" for f in blocking), blocking
    assert not [d for c in report["checks"] for d in c["evidence"].get("downgraded", [])]
