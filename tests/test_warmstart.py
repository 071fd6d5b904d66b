"""semgrep started ahead of need: the same program, environment and results, nothing left.

The console script (``releasegate.launch``) starts pysemgrep's interpreter before it
imports the CLI; the semgrep check runs its scan in it only when its program and
environment are exactly those it would start. These tests drive the real console
script, the real pysemgrep and real git.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import rg_cli
from rg_testlib import STATIC_ONLY_POLICY, GitRepo, check, load_report, releasegate

from releasegate import semgrep_tool, warmstart
from releasegate.errors import ToolError
from releasegate.launch import will_scan
from releasegate.pipeline import RunOptions, evaluate
from releasegate.procs import ToolRunner
from releasegate.runenv import RunEnvironment

# A tool's console-script module, for the interpreter tests: prints what it was given.
PROBE = """\
import json, os, sys
def main():
    print(json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0],
                      "stdin": sys.stdin.read(), "env": os.environ.get("PROBE_ENV")}))
    return 3
def hang():
    import time
    time.sleep(120)
"""

# The rule pack's eval-exec-non-literal flags both lines (request data into eval).
EVAL_APP = """\
from flask import Flask, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    return str(eval(request.args.get("expr", "0")))


def load(text):
    exec(text, {"__builtins__": {}})
"""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--repo", "."], True),
        (["run", "--only", "static"], True),
        (["run", "--only=bandit,semgrep"], True),
        (["run", "--only", ""], True),
        (["hook", "run"], True),
        (["run", "--only", "review"], False),
        (["run", "--only=dependencies,review"], False),
        # argparse takes an unambiguous prefix, and keeps the last --only.
        (["run", "--onl", "bandit"], False),
        (["run", "--o=review"], False),
        (["run", "--only", "semgrep", "--only", "bandit"], False),
        (["run", "--only", "bandit", "--only", "static"], True),
        (["run", "--help"], False),
        (["hook", "install"], False),
        (["validate", "x.yml"], False),
        (["merge", "a.json"], False),
        ([], False),
    ],
)
def test_only_a_command_that_may_scan_starts_semgrep_ahead(argv: list[str], expected: bool) -> None:
    assert will_scan(argv) is expected


def _probe_module(tmp_path: Path) -> Path:
    where = tmp_path / "probe-lib"
    where.mkdir()
    (where / "rg_probe_tool.py").write_text(PROBE, encoding="utf-8")
    return where


def _probe_env(lib: Path, scratch: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(lib), "PROBE_ENV": str(scratch)}


def _start_probe(tmp_path: Path, entry: str = "rg_probe_tool:main") -> str:
    lib = _probe_module(tmp_path)
    warmstart.start(
        "probe",
        python=sys.executable,
        entry=entry,
        preload=(),
        env_for=lambda scratch: _probe_env(lib, scratch),
    )
    return str(warmstart._warm["probe"].scratch)


def _take_probe(tmp_path: Path, entry: str = "rg_probe_tool:main") -> warmstart.Warm | None:
    """Taken as a check takes it: the environment rebuilt for its scratch directory."""
    lib = tmp_path / "probe-lib"
    return warmstart.take(
        "probe",
        python=sys.executable,
        entry=entry,
        env_for=lambda scratch: _probe_env(lib, scratch),
    )


def test_the_interpreter_runs_the_job_argv_and_cwd_exactly_and_reads_no_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hostile working directory at start: a json.py there must not be imported.
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "json.py").write_text("raise SystemExit('imported from cwd')\n")
    monkeypatch.chdir(hostile)
    scratch = _start_probe(tmp_path)
    warm = _take_probe(tmp_path)
    assert warm is not None
    work = tmp_path / "wörk dir"
    work.mkdir()
    odd = ["tool", "a file\nwith a newline.py", "bytes-\udcff-name.py", "--", "$(id)", " "]
    done = ToolRunner(deadline=time.monotonic() + 60).run(
        odd, tool="probe", prestarted=warm.prestarted(odd, work)
    )
    warm.close()
    assert done.returncode == 3, done.stderr
    said = json.loads(done.stdout)
    assert said["argv"] == odd
    assert said["cwd"] == str(work)
    assert said["stdin"] == ""  # the job line was consumed; stdin is then /dev/null
    assert said["env"] == scratch
    # sys.path[0] is the interpreter's private boot directory, never a working directory.
    assert Path(said["path0"]).parent == Path(scratch)
    assert not Path(scratch).exists()  # closed: its scratch is gone


def test_an_interpreter_with_another_environment_is_not_taken_and_is_ended(
    tmp_path: Path,
) -> None:
    _start_probe(tmp_path)
    warm = warmstart._warm["probe"]
    different = {**warm.env, "SEMGREP_RULES": "elsewhere.yml"}
    assert warmstart.take("probe", python=sys.executable, entry="rg_probe_tool:main",
                          env_for=lambda _scratch: different) is None  # fmt: skip
    assert warm.proc.wait(timeout=10) is not None
    assert not warm.scratch.exists()
    assert "probe" not in warmstart._warm


def test_an_interpreter_that_ended_before_its_job_is_not_taken(tmp_path: Path) -> None:
    _start_probe(tmp_path)
    warm = warmstart._warm["probe"]
    os.killpg(warm.proc.pid, 9)
    warm.proc.wait(timeout=10)
    assert _take_probe(tmp_path) is None
    assert not warm.scratch.exists()


def test_a_tool_that_cannot_import_fails_as_its_console_script_would(tmp_path: Path) -> None:
    _start_probe(tmp_path, entry="rg_no_such_tool_module:main")
    warm = _take_probe(tmp_path, entry="rg_no_such_tool_module:main")
    assert warm is not None
    done = ToolRunner().run(["tool"], tool="probe", prestarted=warm.prestarted(["tool"], tmp_path))
    warm.close()
    assert done.returncode == 1
    assert b"ModuleNotFoundError: No module named 'rg_no_such_tool_module'" in done.stderr


def test_a_prestarted_tool_past_its_deadline_is_killed(tmp_path: Path) -> None:
    _start_probe(tmp_path, entry="rg_probe_tool:hang")
    warm = _take_probe(tmp_path, entry="rg_probe_tool:hang")
    assert warm is not None
    runner = ToolRunner(deadline=time.monotonic() + 3)
    with pytest.raises(ToolError, match="timed out"):
        runner.run(["tool"], tool="probe", prestarted=warm.prestarted(["tool"], tmp_path))
    assert warm.proc.poll() is not None
    warm.close()


def test_a_cancelled_runner_kills_the_prestarted_tool_instead_of_starting_it(
    tmp_path: Path,
) -> None:
    _start_probe(tmp_path)
    warm = _take_probe(tmp_path)
    assert warm is not None
    runner = ToolRunner()
    runner.cancel()
    with pytest.raises(ToolError, match="cancelled"):
        runner.run(["tool"], tool="probe", prestarted=warm.prestarted(["tool"], tmp_path))
    assert warm.proc.wait(timeout=10) != 0
    warm.close()


def _vulnerable_repo(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY})
    repo.tag("v1")
    repo.commit("app", **{"app.py": EVAL_APP, "lib/weird name.py": EVAL_APP})
    return repo


def _console_run(repo: GitRepo, tmp_path: Path, name: str, **env: str) -> dict[str, Any]:
    """``releasegate run --only static`` through the real console script."""
    report = tmp_path / f"{name}.json"
    private_tmp = tmp_path / f"{name}-tmp"
    private_tmp.mkdir()
    [exe] = rg_cli.console_script()
    done = subprocess.run(
        [exe, "run", "--repo", str(repo.root), "--only", "static", "--no-progress",
         "--json", str(report)],
        env={**os.environ, "RELEASEGATE_CACHE_DIR": str(tmp_path / f"{name}-cache"),
             "TMPDIR": str(private_tmp), **env},
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    # Nothing of the interpreter started ahead is left: no scratch, no process.
    assert [p.name for p in private_tmp.iterdir() if p.name.startswith("releasegate-")] == []
    assert _boot_processes(private_tmp) == []
    return load_report(report)


def _boot_processes(under: Path) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if str(under) in cmdline and "releasegate_warm_boot" in cmdline:
                found.append(cmdline)
    return found


def _semgrep_findings(report: dict[str, Any]) -> list[tuple[str, str, int, str]]:
    """Every semgrep result of the report: its own findings and those folded into another
    tool's finding of the same weakness (``also``)."""
    found = []
    for result in report["checks"]:
        for f in result["findings"]:
            if f["tool"] == "semgrep":
                found.append((f["rule_id"], f["path"], f["line"], f["fingerprint"]))
            for also in f.get("also") or []:
                if also["tool"] == "semgrep":
                    found.append((also["rule_id"], f["path"], f["line"], also["fingerprint"]))
    return sorted(found)


def test_a_scan_started_ahead_finds_exactly_what_a_fresh_semgrep_finds(tmp_path: Path) -> None:
    if semgrep_tool.beside() is None or semgrep_tool.beside().name != "pysemgrep":  # type: ignore[union-attr]
        pytest.skip("semgrep is not installed beside this Python")
    repo = _vulnerable_repo(tmp_path / "repo")
    ahead = _console_run(repo, tmp_path, "ahead")
    semgrep = check(ahead, "semgrep")
    assert semgrep["evidence"]["started_ahead"] is True
    # The same run in a process that started nothing ahead (the test zygote runs the CLI).
    fresh_report = tmp_path / "fresh.json"
    releasegate(
        "run", "--repo", str(repo.root), "--only", "static", "--no-progress",
        "--json", str(fresh_report),
        env={"RELEASEGATE_CACHE_DIR": str(tmp_path / "fresh-cache")},
    )  # fmt: skip
    fresh = load_report(fresh_report)
    assert check(fresh, "semgrep")["evidence"]["started_ahead"] is False
    found = _semgrep_findings(ahead)
    assert found == _semgrep_findings(fresh)
    assert [(rule.rsplit(".", 1)[-1], path, line) for rule, path, line, _ in found] == [
        ("eval-exec-non-literal", "app.py", 8),
        ("eval-exec-non-literal", "app.py", 12),
        ("eval-exec-non-literal", "lib/weird name.py", 8),
        ("eval-exec-non-literal", "lib/weird name.py", 12),
    ]
    assert ahead["counts"] == fresh["counts"]


def test_a_run_that_needs_no_scan_ends_the_semgrep_started_ahead(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY, "README.md": "no code\n"})
    report = _console_run(repo, tmp_path, "nothing")
    assert "started_ahead" not in check(report, "semgrep")["evidence"]


def test_another_semgrep_is_run_as_configured_not_the_one_started_ahead(
    tmp_path: Path,
) -> None:
    repo = _vulnerable_repo(tmp_path / "repo")
    beside = semgrep_tool.beside()
    assert beside is not None
    wrapper = tmp_path / "semgrep-wrapper"
    log = tmp_path / "wrapper.log"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {beside} "$@"\n')
    wrapper.chmod(0o755)
    report = _console_run(repo, tmp_path, "configured", RELEASEGATE_SEMGREP=str(wrapper))
    assert check(report, "semgrep")["evidence"]["started_ahead"] is False
    assert "scan" in log.read_text()


# A `semgrep` package committed in the judged head that answers "nothing found".
FAKE_SEMGREP = """\
import json, os, sys
if "scan" in sys.argv:
    files = sys.argv[sys.argv.index("--") + 1:]
    print(json.dumps({"results": [], "errors": [], "paths": {"scanned": files}}))
    sys.stdout.flush()
    os._exit(0)
"""


@pytest.mark.parametrize("ahead", [True, False])
def test_a_semgrep_package_in_the_head_never_runs_in_semgreps_place(
    tmp_path: Path, ahead: bool
) -> None:
    # An empty PYTHONPATH entry (`PYTHONPATH=$PYTHONPATH:/x` with it unset) would put the
    # judged tree, semgrep's working directory, on sys.path before site-packages.
    repo = _vulnerable_repo(tmp_path / "repo")
    repo.commit("fake", **{"semgrep/__init__.py": FAKE_SEMGREP,
                           "semgrep/console_scripts/__init__.py": "",
                           "semgrep/console_scripts/pysemgrep.py": FAKE_SEMGREP})  # fmt: skip
    env = {"PYTHONPATH": f":{tmp_path / 'nonexistent'}:relative/dir"}
    if not ahead:
        beside = semgrep_tool.beside()
        assert beside is not None
        env["RELEASEGATE_SEMGREP"] = str(beside)
    report = _console_run(repo, tmp_path, "hostile", **env)
    assert check(report, "semgrep")["evidence"]["started_ahead"] is ahead
    assert len(_semgrep_findings(report)) == 4  # the real semgrep ran


def test_semgreps_environment_keeps_only_absolute_pythonpath_entries_and_no_github_identity(
    tmp_path: Path,
) -> None:
    environ = {
        "PYTHONPATH": f":/abs/one:rel:{os.pathsep}/abs/two:.",
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "o/r",
        "SEMGREP_APP_TOKEN": "s",
        "KEPT": "1",
    }
    env = semgrep_tool.offline_env(tmp_path, environ)
    assert env["PYTHONPATH"] == f"/abs/one{os.pathsep}/abs/two"
    assert not {"GITHUB_TOKEN", "GITHUB_REPOSITORY", "SEMGREP_APP_TOKEN"} & set(env)
    assert env["KEPT"] == "1"
    assert "PYTHONPATH" not in semgrep_tool.offline_env(tmp_path, {"PYTHONPATH": ":rel"})


@pytest.mark.parametrize(
    "first_line",
    [
        "#!/bin/sh",  # pip's launcher for a long or spaced interpreter path
        "#!/usr/bin/env python3",
        f"#!{sys.executable} -E",
        "#!python3",
        "no shebang",
    ],
)
def test_only_a_plain_python_shebang_is_started_ahead(tmp_path: Path, first_line: str) -> None:
    script = tmp_path / "pysemgrep"
    script.write_text(f"{first_line}\nprint('hi')\n")
    assert semgrep_tool._interpreter(script) is None
    script.write_text(f"#!{sys.executable}\nprint('hi')\n")
    assert semgrep_tool._interpreter(script) == sys.executable


def test_an_interpreter_whose_releasegate_died_removes_its_own_scratch(tmp_path: Path) -> None:
    _start_probe(tmp_path)
    with warmstart._lock:
        warm = warmstart._warm.pop("probe")
    assert warm.proc.stdin is not None
    warm.proc.stdin.close()  # what the kernel does when releasegate is killed
    assert warm.proc.wait(timeout=30) == 0
    assert not warm.scratch.exists()


def test_a_run_without_the_semgrep_check_ends_the_semgrep_started_ahead(tmp_path: Path) -> None:
    repo = _vulnerable_repo(tmp_path / "repo")
    _start_probe(tmp_path)
    with warmstart._lock:  # stand in for the console script's semgrep
        warmstart._warm["semgrep"] = warmstart._warm.pop("probe")
    warm = warmstart._warm["semgrep"]
    evaluate(
        RunOptions(repo=repo.root, only=("bandit",), environment=RunEnvironment.of(os.environ))
    )
    assert "semgrep" not in warmstart._warm
    assert warm.proc.wait(timeout=30) is not None
    assert not warm.scratch.exists()
