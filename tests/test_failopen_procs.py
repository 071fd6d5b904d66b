"""Processes and outputs under faults: hung tools and their escaped children, SIGTERM and
SIGINT mid-run, stale reports, and outputs that cannot be written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import rg_cli
from rg_testlib import (
    FIXED_APP,
    STATIC_ONLY_POLICY,
    VULNERABLE_APP,
    GitRepo,
    load_report,
    releasegate,
)

from releasegate.errors import ToolError
from releasegate.procs import ToolRunner

# A tool that starts a daemon in a session of its own, holding the tool's stdout.
ESCAPING_TOOL = """
import os, sys, time
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        open(sys.argv[1], "w").write(str(os.getpid()))
        time.sleep(600)
    os._exit(0)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def _wait_for(path: Path, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def test_a_hung_tool_with_an_escaped_child_is_stopped_within_bounds(tmp_path: Path) -> None:
    pidfile = tmp_path / "daemon.pid"
    runner = ToolRunner()
    started = time.monotonic()
    with pytest.raises(ToolError) as caught:
        runner.run([sys.executable, "-c", ESCAPING_TOOL, str(pidfile)], timeout=2, tool="hang")
    took = time.monotonic() - started
    assert took < 15, took  # not the daemon's 600 s
    assert "timed out" in str(caught.value)
    assert "session of their own" in str(caught.value)
    daemon = int(_wait_for(pidfile))
    deadline = time.monotonic() + 5
    while _alive(daemon) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(daemon), "the escaped daemon is still running"


def _repo_with_hanging_stage(repo: GitRepo, pidfile: Path) -> None:
    stage = (
        f"import os, time\nopen({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n"
    )
    policy = STATIC_ONLY_POLICY + "  hang:\n    command: [python, hang.py]\n    format: exit-code\n"
    repo.commit("policy", **{".releasegate.yml": policy, "hang.py": stage})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FIXED_APP})


# Starts a command with SIGINT at its default, as a terminal or a CI step does. A test
# run started in the background of a non-interactive shell (`pytest &`) ignores SIGINT,
# every process it starts inherits that, and Python (like every POSIX tool) then keeps
# ignoring it: the SIGINT case would hang for a reason outside releasegate.
_SIGINT_DEFAULT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_stops_everything_and_leaves_nothing_behind(
    repo: GitRepo, tmp_path: Path, signum: int
) -> None:
    pidfile = tmp_path / "stage.pid"
    _repo_with_hanging_stage(repo, pidfile)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    report = tmp_path / "report.json"
    report.write_text('{"decision": "pass", "stale": true}\\n', encoding="utf-8")
    [exe] = rg_cli.console_script()
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIGINT_DEFAULT, exe,
         "run", "--repo", str(repo.root), "--json", str(report), "--no-progress",
         "--audit-log", str(tmp_path / "audit.jsonl")],
        # faulthandler: a run that does not stop is made to print every thread's stack.
        env={**os.environ, "TMPDIR": str(private_tmp), "PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        stage_pid = int(_wait_for(pidfile, 120))
        assert not report.exists()  # the stale report went at the start
        proc.send_signal(signum)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            out, err = proc.communicate(timeout=30)
            children = subprocess.run(
                ["ps", "-o", "pid,stat,args", "--ppid", str(proc.pid)],
                capture_output=True, text=True, check=False,
            ).stdout  # fmt: skip
            pytest.fail(f"still running 30 s after the signal; children:\n{children}\n{err}")
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum, (out, err)
    assert "interrupted" in err
    deadline = time.monotonic() + 5
    while _alive(stage_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(stage_pid), "the stage command outlived the run"
    # No snapshot, no checkout copy, no scratch HOME of ours is left (semgrep keeps a
    # folder of its own there).
    assert [p.name for p in private_tmp.iterdir() if p.name.startswith("releasegate-")] == []
    assert not report.exists()
    audit = tmp_path / "audit.jsonl"
    assert not audit.exists() or all(json.loads(line) for line in audit.read_text().splitlines())


def _gate(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Any:
    return releasegate("run", "--repo", str(repo.root), "--no-progress", *args, env=env)


def _vulnerable(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY})
    repo.tag("v1")
    repo.commit("app", **{"app.py": VULNERABLE_APP})


def test_a_report_path_that_is_a_directory_loses_neither_verdict_nor_record(
    repo: GitRepo, tmp_path: Path
) -> None:
    _vulnerable(repo)
    target = tmp_path / "a-directory"
    target.mkdir()
    audit = tmp_path / "audit.jsonl"
    sarif = tmp_path / "report.sarif"
    done = _gate(repo, "--json", str(target), "--sarif", str(sarif), "--audit-log", str(audit))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "BLOCKED" in done.stdout  # the verdict is printed
    [record] = audit.read_text("utf-8").splitlines()
    assert json.loads(record)["decision"] == "block"  # the record is written
    assert sarif.is_file()  # the other outputs are written
    [line] = [x for x in done.stderr.splitlines() if "--json" in x]
    assert str(target) in line and "not written" in line
    assert "internal error" not in done.stderr
    assert target.is_dir() and not any(target.iterdir())


def test_a_full_disk_loses_neither_verdict_nor_record(repo: GitRepo, tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.fail("util-linux unshare is needed to mount a tiny tmpfs")
    _vulnerable(repo)
    full = tmp_path / "full"
    full.mkdir()
    audit = tmp_path / "audit.jsonl"
    [exe] = rg_cli.console_script()
    script = (
        f'mount -t tmpfs -o size=4k tmpfs "{full}" && exec "{exe}" run --repo "{repo.root}" '
        f'--no-progress --json "{full}/report.json" --audit-log "{audit}"'
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "BLOCKED" in done.stdout
    assert "No space left on device" in done.stderr
    assert json.loads(audit.read_text("utf-8").splitlines()[0])["decision"] == "block"


def test_github_output_outside_actions_is_refused_before_any_verdict(
    repo: GitRepo, tmp_path: Path
) -> None:
    _vulnerable(repo)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_OUTPUT"}
    done = subprocess.run(
        [*rg_cli.console_script(), "run", "--repo", str(repo.root),
         "--github-output", "--no-audit"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "PASSED" not in done.stdout and "BLOCKED" not in done.stdout
    assert "$GITHUB_OUTPUT is not set" in done.stderr


def test_a_stale_report_never_stands_for_a_new_commit(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FIXED_APP})
    report = tmp_path / "report.json"
    assert _gate(repo, "--json", str(report), "--no-audit").returncode == 0
    first = load_report(report)["release"]["commit"]
    repo.commit("vuln", **{"app.py": VULNERABLE_APP})
    # This run cannot write its report (the policy file is fine, the repo is not).
    bad = _gate(repo, "--json", str(report), "--no-audit", "--head", "no-such-rev")
    assert bad.returncode == 2
    assert not report.exists(), "the previous commit's report still stands at --json"
    assert first != repo.head()
