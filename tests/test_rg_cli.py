"""The tests' forked CLI runs (tests/rg_zygote.py) behave as the console script does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rg_cli
from rg_testlib import VULNERABLE_APP, GitRepo

# These tests are about the zygote itself: with RG_TEST_EXEC=1 there is none.
zygote_only = pytest.mark.skipif(
    os.environ.get(rg_cli.ENV_EXEC) == "1", reason="RG_TEST_EXEC=1: every run is exec'd"
)


def _both(*args: str, env: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    forked = rg_cli.run(*args, env=env)
    execd = rg_cli.run(*args, env={**(env or {}), rg_cli.ENV_EXEC: "1"})
    return [forked, execd]


def test_a_forked_run_gives_the_console_scripts_verdict_output_and_exit_code(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    runs = []
    for name, extra in (("forked", {}), ("exec", {rg_cli.ENV_EXEC: "1"})):
        out = tmp_path / f"{name}.json"
        done = rg_cli.run("run", "--repo", str(repo.root), "--only", "static", "--json", str(out),
                          env=extra)  # fmt: skip
        report = json.loads(out.read_text("utf-8"))
        runs.append((done.returncode, done.stdout.splitlines()[-1], report["decision"]))
    assert runs[0] == runs[1]
    assert runs[0][0] == 1
    assert "BLOCKED" in runs[0][1]


def test_usage_errors_and_the_environment_reach_the_run_as_they_would_exec(tmp_path: Path) -> None:
    forked, execd = _both("no-such-command")
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        execd.returncode,
        execd.stdout,
        execd.stderr,
    )
    assert forked.returncode == 2
    assert "invalid choice" in forked.stderr
    # The run's own environment and directory, not the zygote's.
    policy = tmp_path / "bad.yml"
    policy.write_text("version: 1\nstages: [nope\n", encoding="utf-8")
    forked, execd = _both("validate", str(policy), env={"COLUMNS": "50"})
    assert forked.returncode == execd.returncode != 0
    assert forked.stdout == execd.stdout
    assert forked.stderr == execd.stderr
    assert str(policy) in forked.stdout + forked.stderr


@zygote_only
def test_a_test_that_changes_path_gets_the_real_console_script(tmp_path: Path) -> None:
    (tmp_path / "git").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    (tmp_path / "git").chmod(0o755)
    assert not rg_cli.forkable({**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert rg_cli.forkable(dict(os.environ))
    assert not rg_cli.forkable({**os.environ, rg_cli.ENV_EXEC: "1"})


def test_a_run_past_its_time_limit_is_killed(tmp_path: Path) -> None:
    # A run that never ends: the audit subcommand reading a FIFO nobody writes.
    fifo = tmp_path / "log.jsonl"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        rg_cli.run("audit", "verify", "--audit-log", str(fifo), timeout=2)
    assert time.monotonic() - started < 30
    # Nothing is left blocked on the FIFO: opening it for writing finds no reader.
    time.sleep(0.5)
    with pytest.raises(OSError):
        os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)


@zygote_only
def test_the_zygote_ends_with_the_test_process_that_started_it(tmp_path: Path) -> None:
    script = (
        "import rg_cli, sys\n"
        "done = rg_cli.run('--version')\n"
        "print(rg_cli._zygote.process.pid, flush=True)\n"
        "import os; os._exit(0)\n"  # no atexit: the zygote must notice on its own
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
        timeout=120,
        check=True,
    )
    pid = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return False
