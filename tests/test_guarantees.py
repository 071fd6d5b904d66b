"""The guarantees table of the README ("what releasegate does when things go wrong"): one
test for each row no other test file proves. Each drives the installed ``releasegate``
on a real git repository where that is cheap, with the faulty tool replaced by a shim
that wraps the real one (so truncated or broken output is the real tool's output, cut).

A test marked ``xfail(strict=True)`` states the behaviour as it should be: the code
does not (yet) do it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from fakegithub import ALICE, BOB, TOKEN, FakeGitHub, FakePull, Fault, Forge, run_review
from fakegithub import policy_text as review_policy
from rg_testlib import (
    FIXED_APP,
    FLASK_SQLI,
    VULNERABLE_APP,
    GitRepo,
    check,
    load_report,
    releasegate,
)

from releasegate.audit import append_record
from releasegate.errors import ForgeError
from releasegate.forge.client import ClientSettings, GitHubClient, config_from_env

# --- helpers ------------------------------------------------------------------------------


def policy(*, semgrep: bool = False, static: str = "", top: str = "", stages: str = "") -> str:
    """A policy requiring the static stage only (bandit; semgrep when asked)."""
    return (
        "version: 1\n"
        f"{top}"
        "review:\n  required: false\n"
        "signoff:\n  required: false\n"
        "dependencies:\n  required: false\n"
        "static:\n"
        f"  semgrep:\n    enabled: {'true' if semgrep else 'false'}\n"
        f"{static}"
        "stages:\n  functional:\n    required: false\n"
        f"{stages}"
    )


def trusted(repo: GitRepo, text: str, **files: str) -> None:
    """The base commit: ``text`` as the policy, tagged v1 (a trusted release tag)."""
    repo.commit("policy", **{".releasegate.yml": text, **files})
    repo.tag("v1")


def commit_bytes(repo: GitRepo, message: str, files: dict[str, bytes]) -> str:
    for path, data in files.items():
        target = repo.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty", "-m", message)
    return repo.head()


def gate(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``releasegate run`` with a JSON report, which must be written."""
    out = repo.root.parent / "report.json"
    out.unlink(missing_ok=True)
    done = releasegate(
        "run", "--repo", str(repo.root), "--no-progress", "--no-audit", "--json", str(out),
        *args, env=env,
    )  # fmt: skip
    assert out.is_file(), done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done, load_report(out)


def one_line_error(report: dict[str, Any], check_id: str) -> str:
    """The check errored, with exactly one one-line cause: that cause."""
    result = check(report, check_id)
    assert result["status"] == "error", result
    assert report["decision"] == "block"
    [reason] = result["reasons"]
    assert "\n" not in reason
    return str(reason)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(") ", 1)[1].startswith("Z"))


def gone_soon(pid: int, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def path_without(where: Path, *names: str) -> str:
    """A PATH holding everything of this PATH but ``names`` (links in ``where``)."""
    where.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for folder in map(Path, os.environ.get("PATH", "").split(os.pathsep)):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name in names or entry.name in seen:
                continue
            seen.add(entry.name)
            (where / entry.name).symlink_to(entry)
    return str(where)


# Shims of the real tools. MODE says how they misbehave; everything else is the real tool.
# A shim that wraps a real run takes its real output and damages it.
WRAPPER = """\
#!{python}
import json, os, subprocess, sys, time
REAL, MODE, PIDFILE, VERSION = {real!r}, {mode!r}, {pidfile!r}, {version!r}
args = sys.argv[1:]


def damage(out):
    if MODE == "truncated":
        return out[: len(out) // 2]
    if MODE == "empty":
        return b""
    if MODE == "not-json":
        return b"<html><body>502 Bad Gateway</body></html>\\n"
    if MODE == "schema":
        data = json.loads(out)
        if "dependencies" in data:  # pip-audit
            data["dependencies"][0]["vulns"] = "none"
        else:  # bandit, semgrep
            data["results"] = {{"not": "a list"}}
        return json.dumps(data).encode()
    return out


"""

# bandit runs as ``<python> -I -c BOOTSTRAP ... --ignore-nosec ...``; the interpreter is
# probed first (``-c PROBE``): the fake answers the probe as the real Python does, but
# names itself as the interpreter, so that bandit's runs come to it.
FAKE_PYTHON = """\
if "--ignore-nosec" not in args:
    done = subprocess.run([REAL, *args], capture_output=True, check=True)
    probe = json.loads(done.stdout)
    probe["executable"] = os.path.abspath(__file__)
    sys.stdout.write(json.dumps(probe) + "\\n")
    sys.exit(0)
if MODE == "hang":
    open(PIDFILE, "w").write(str(os.getpid()))
    time.sleep(600)
if MODE == "crash":
    sys.stderr.write("Fatal Python error: Segmentation fault\\n")
    os.kill(os.getpid(), 11)
done = subprocess.run([REAL, *args], capture_output=True)
sys.stdout.buffer.write(damage(done.stdout))
sys.stderr.buffer.write(done.stderr)
sys.exit(done.returncode)
"""

FAKE_SEMGREP = """\
if "--version" in args:  # what the real one prints (asking it takes seconds)
    print(VERSION)
    sys.exit(0)
if MODE == "hang":
    open(PIDFILE, "w").write(str(os.getpid()))
    time.sleep(600)
if MODE == "crash":
    sys.stderr.write("Traceback (most recent call last):\\n  File \\"semgrep\\"\\nMemoryError\\n")
    sys.exit(2)
if MODE == "record":
    done = subprocess.run([REAL, *args], capture_output=True)
    open(PIDFILE + ".out", "wb").write(done.stdout)
    open(PIDFILE + ".rc", "w").write(str(done.returncode))
    sys.stdout.buffer.write(done.stdout)
    sys.exit(done.returncode)
# Replay what the real semgrep printed for the same files (recorded once), damaged.
RECORDED = os.environ["RECORDED_SEMGREP"]
sys.stdout.buffer.write(damage(open(RECORDED + ".out", "rb").read()))
sys.exit(int(open(RECORDED + ".rc").read()))
"""


def shim(where: Path, name: str, body: str, real: str, mode: str) -> tuple[Path, Path]:
    pidfile = where / f"{name}.pid"
    version = metadata.version("semgrep")
    head = WRAPPER.format(
        python=sys.executable, real=real, mode=mode, pidfile=str(pidfile), version=version
    )
    return executable(where / name, head + body), pidfile


def real_semgrep() -> str:
    beside = Path(sys.executable).parent / "semgrep"
    found = str(beside) if beside.is_file() else shutil.which("semgrep")
    assert found, "semgrep is not installed"
    return found


# --- bandit -------------------------------------------------------------------------------


@pytest.mark.fresh_cache
def test_a_hanging_bandit_is_killed_and_blocks(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, policy(top="timeout_seconds: 3\n"))
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    fake, pidfile = shim(tmp_path / "bin", "python3", FAKE_PYTHON, sys.executable, "hang")
    started = time.monotonic()
    done, report = gate(repo, env={"RELEASEGATE_PYTHONS": str(fake)})
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stdout + done.stderr
    assert "timed out" in one_line_error(report, "bandit")
    assert gone_soon(int(pidfile.read_text())), "the hung bandit is still running"


@pytest.mark.fresh_cache
def test_a_bandit_killed_by_a_signal_blocks(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, policy())
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    fake, _ = shim(tmp_path / "bin", "python3", FAKE_PYTHON, sys.executable, "crash")
    done, report = gate(repo, env={"RELEASEGATE_PYTHONS": str(fake)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "bandit" in one_line_error(report, "bandit")


@pytest.mark.fresh_cache
@pytest.mark.parametrize("mode", ["truncated", "empty", "not-json", "schema"])
def test_damaged_real_bandit_output_blocks(repo: GitRepo, tmp_path: Path, mode: str) -> None:
    trusted(repo, policy())
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    fake, _ = shim(tmp_path / "bin", "python3", FAKE_PYTHON, sys.executable, mode)
    done, report = gate(repo, env={"RELEASEGATE_PYTHONS": str(fake)})
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "bandit")
    assert "unusable output" in cause, cause
    assert check(report, "bandit")["evidence"]["cache"]["writes"] == 0


# --- semgrep ------------------------------------------------------------------------------


def test_a_missing_semgrep_blocks(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, policy(semgrep=True))
    repo.commit("app", **{"app.py": FIXED_APP})
    missing = tmp_path / "no-such-semgrep"
    done, report = gate(repo, env={"RELEASEGATE_SEMGREP": str(missing)})
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "semgrep")
    assert "not found" in cause and str(missing) in cause
    assert check(report, "bandit")["status"] == "pass"


@pytest.mark.fresh_cache
def test_a_hanging_semgrep_is_killed_and_blocks(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, policy(semgrep=True, top="timeout_seconds: 3\n"))
    repo.commit("app", **{"app.py": FIXED_APP})
    fake, pidfile = shim(tmp_path / "bin", "semgrep", FAKE_SEMGREP, real_semgrep(), "hang")
    done, report = gate(repo, env={"RELEASEGATE_SEMGREP": str(fake)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "timed out" in one_line_error(report, "semgrep")
    assert gone_soon(int(pidfile.read_text())), "the hung semgrep is still running"


def _semgrep_repo(root: Path) -> GitRepo:
    repo = GitRepo(root)
    trusted(repo, policy(semgrep=True))
    repo.commit("app", **{"app.py": FLASK_SQLI})
    return repo


@pytest.fixture(scope="module")
def recorded_semgrep(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What the real semgrep prints when releasegate scans ``_semgrep_repo`` (one run)."""
    where = tmp_path_factory.mktemp("semgrep-record")
    repo = _semgrep_repo(where / "repo")
    fake, pidfile = shim(where / "bin", "semgrep", FAKE_SEMGREP, real_semgrep(), "record")
    env = {
        "RELEASEGATE_SEMGREP": str(fake),
        "RELEASEGATE_CACHE_DIR": str(where / "cache"),
        "RELEASEGATE_CONFIG_DIR": str(where / "config"),
    }
    done, report = gate(repo, env=env)
    assert done.returncode == 1 and check(report, "semgrep")["status"] == "fail", report
    return str(pidfile)


@pytest.mark.parametrize("mode", ["crash", "truncated", "empty", "not-json", "schema"])
def test_a_crashing_or_damaged_semgrep_scan_blocks(
    tmp_path: Path, recorded_semgrep: str, mode: str
) -> None:
    repo = _semgrep_repo(tmp_path / "repo")
    fake, _ = shim(tmp_path / "bin", "semgrep", FAKE_SEMGREP, real_semgrep(), mode)
    env = {"RELEASEGATE_SEMGREP": str(fake), "RECORDED_SEMGREP": recorded_semgrep}
    done, report = gate(repo, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "semgrep")
    assert cause.startswith("semgrep: error: semgrep exited with status"), cause
    assert check(report, "semgrep")["findings"] == []
    assert check(report, "semgrep")["evidence"].get("cache", {}).get("writes", 0) == 0


# --- pip-audit ----------------------------------------------------------------------------
# pip-audit runs from releasegate's own environment (``python -I -m pip_audit``): the runs
# below start the CLI with ``pip_audit_command`` pointed at a shim, or with pip-audit gone.

DEPS_POLICY = (
    "version: 1\n"
    "review:\n  required: false\n"
    "signoff:\n  required: false\n"
    "static:\n  required: false\n"
    "stages:\n  functional:\n    required: false\n"
)
CAPTURED_PIP_AUDIT = Path(__file__).resolve().parent / "data" / "deps" / "pip-audit"

PATCHED_CLI = """\
import importlib, sys, types
import releasegate.deps.online as online
fake = sys.argv.pop(1)
if fake == "--not-installed":
    online.importlib = types.SimpleNamespace(util=types.SimpleNamespace(find_spec=lambda n: None))
else:
    online.pip_audit_command = lambda: [fake]
from releasegate.cli import main
sys.exit(main(sys.argv[1:]))
"""

FAKE_PIP_AUDIT = """\
if MODE == "hang":
    open(PIDFILE, "w").write(str(os.getpid()))
    time.sleep(600)
if MODE == "crash":
    sys.stderr.write("Traceback (most recent call last):\\n  File \\"pip_audit\\"\\n")
    sys.stderr.write("KeyError: 'vulns'\\n")
    sys.exit(1)
# The real pip-audit's output for django==3.2 and pyyaml==5.1 (tests/data/deps), damaged.
out = open(os.path.join(REAL, "osv-local-vulnerable.stdout"), "rb").read()
sys.stdout.buffer.write(damage(out))
sys.exit(int(open(os.path.join(REAL, "osv-local-vulnerable.rc")).read()))
"""


def deps_gate(
    repo: GitRepo, fake: str, *, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = repo.root.parent / "report.json"
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", PATCHED_CLI, fake, "run", "--repo", str(repo.root),
         "--no-progress", "--no-audit", "--no-cache", "--json", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert out.is_file(), done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done, load_report(out)


def _pinned_repo(repo: GitRepo, top: str = "") -> None:
    trusted(repo, DEPS_POLICY.replace("version: 1\n", f"version: 1\n{top}"))
    repo.commit("deps", **{"requirements.txt": "django==3.2\npyyaml==5.1\n"})


def test_pip_audit_not_installed_blocks(repo: GitRepo, tmp_path: Path) -> None:
    _pinned_repo(repo)
    env = {"PATH": path_without(tmp_path / "path", "pip-audit")}
    done, report = deps_gate(repo, "--not-installed", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "dependencies")
    assert "pip-audit: not found" in cause, cause


def test_a_hanging_pip_audit_is_killed_and_blocks(repo: GitRepo, tmp_path: Path) -> None:
    _pinned_repo(repo, top="timeout_seconds: 3\n")
    fake, pidfile = shim(tmp_path, "pip-audit", FAKE_PIP_AUDIT, str(CAPTURED_PIP_AUDIT), "hang")
    done, report = deps_gate(repo, str(fake))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "timed out" in one_line_error(report, "dependencies")
    assert gone_soon(int(pidfile.read_text())), "the hung pip-audit is still running"


@pytest.mark.parametrize("mode", ["crash", "truncated", "empty", "not-json", "schema"])
def test_a_crashing_pip_audit_or_its_damaged_real_output_blocks(
    repo: GitRepo, tmp_path: Path, mode: str
) -> None:
    _pinned_repo(repo)
    fake, _ = shim(tmp_path, "pip-audit", FAKE_PIP_AUDIT, str(CAPTURED_PIP_AUDIT), mode)
    done, report = deps_gate(repo, str(fake))
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "dependencies")
    assert "pip-audit" in cause, cause
    assert "no known vulnerabilities" not in cause.lower()
    assert check(report, "dependencies")["findings"] == []


# --- git ----------------------------------------------------------------------------------

FAKE_GIT = """\
# The subcommand: the first argument that is not an option (or an option's value).
index = 0
while index < len(args) and args[index].startswith("-") or args[index - 1] in ("-C", "-c"):
    index += 1
sub = args[index] if index < len(args) else ""
if sub == os.environ.get("SHIM_SUBCOMMAND"):
    if MODE == "hang":
        open(PIDFILE, "w").write(str(os.getpid()))
        time.sleep(600)
    if MODE == "crash":
        sys.stderr.write("fatal: unable to read tree 1a2b3c <garbage>\\n")
        sys.exit(128)
    if MODE == "short-blob" and "--batch" in args:  # a blob cut short, then EOF
        sys.stdout.write("1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d blob 1000\\nimport os\\n")
        sys.exit(0)
os.execv(REAL, [REAL, *args])
"""


def git_shim(tmp_path: Path, mode: str) -> str:
    """A PATH whose ``git`` misbehaves in ``mode`` for the subcommand in SHIM_SUBCOMMAND."""
    real = shutil.which("git")
    assert real is not None
    shim(tmp_path / "shim", "git", FAKE_GIT, real, mode)
    return f"{tmp_path / 'shim'}{os.pathsep}{os.environ['PATH']}"


def _released(repo: GitRepo) -> None:
    trusted(repo, policy())
    repo.commit("app", **{"app.py": FIXED_APP})


def test_without_git_the_run_stops_with_a_one_line_cause(repo: GitRepo, tmp_path: Path) -> None:
    _released(repo)
    exe = Path(sys.executable).parent / "releasegate"
    done = subprocess.run(
        [str(exe), "run", "--repo", str(repo.root), "--no-progress", "--no-audit"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PATH": path_without(tmp_path / "path", "git")},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "git" in line and "not found" in line


@pytest.mark.parametrize(
    "subcommand",
    [
        "ls-tree",
        "log",
        "diff",
        "status",
        "for-each-ref",
    ],
)
def test_a_failing_git_stops_the_run_with_a_one_line_cause(
    repo: GitRepo, tmp_path: Path, subcommand: str
) -> None:
    _released(repo)
    env = {"PATH": git_shim(tmp_path, "crash"), "SHIM_SUBCOMMAND": subcommand}
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit", env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "PASSED" not in done.stdout
    assert "internal error" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "git" in line and "unable to read tree" in line


def test_a_blob_git_cuts_short_stops_the_run(repo: GitRepo, tmp_path: Path) -> None:
    _released(repo)
    env = {"PATH": git_shim(tmp_path, "short-blob"), "SHIM_SUBCOMMAND": "cat-file"}
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit", env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "git cat-file ended early" in done.stderr
    assert "PASSED" not in done.stdout


def test_a_hanging_git_is_stopped_within_bounds(repo: GitRepo, tmp_path: Path) -> None:
    """Every git command has a time limit (RELEASEGATE_GIT_TIMEOUT, default 600 s)."""
    _released(repo)
    env = {
        **os.environ,
        "PATH": git_shim(tmp_path, "hang"),
        "SHIM_SUBCOMMAND": "status",
        "RELEASEGATE_GIT_TIMEOUT": "2",
    }
    exe = Path(sys.executable).parent / "releasegate"
    proc = subprocess.Popen(
        [str(exe), "run", "--repo", str(repo.root), "--no-progress", "--no-audit"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _, err = proc.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        raise AssertionError("releasegate was still waiting for git after 8 s") from None
    finally:
        pidfile = tmp_path / "shim" / "git.pid"
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError):  # gone already: releasegate killed it
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert proc.returncode == 2, err
    assert "git" in err and "timed out" in err


# --- ssh-keygen (the sign-off) ------------------------------------------------------------

SIGNERS = ".github/allowed_signers"
SIGNOFF_POLICY = policy(top="timeout_seconds: 5\n").replace(
    "signoff:\n  required: false\n", f"signoff:\n  allowed_signers: {SIGNERS}\n"
)

FAKE_SSH_KEYGEN = """\
if "-Y" in args:
    if MODE == "hang":
        open(PIDFILE, "w").write(str(os.getpid()))
        time.sleep(600)
    if MODE == "crash":
        sys.stderr.write("Segmentation fault (core dumped)\\n")
        sys.exit(139)
    if MODE == "empty":  # exit 0 and nothing else: no "Good ... signature for" line
        sys.exit(0)
os.execv(REAL, [REAL, *args])
"""


def signed_off_repo(repo: GitRepo, tmp_path: Path) -> None:
    """A release candidate with a real, valid SSH sign-off in its git note."""
    key = tmp_path / "keys" / "alice"
    key.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@example.com", "-f", str(key)],
        check=True, capture_output=True,
    )  # fmt: skip
    public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    trusted(repo, SIGNOFF_POLICY, **{SIGNERS: f"alice@example.com {public}\n"})
    repo.commit("feature", **{"app.py": FIXED_APP})
    signed = releasegate("signoff", "--repo", str(repo.root), "--key", str(key), "--yes")
    assert signed.returncode == 0, signed.stdout + signed.stderr


def keygen_path(tmp_path: Path, mode: str) -> str:
    if mode == "real":
        return os.environ["PATH"]
    if mode == "missing":
        return path_without(tmp_path / "path", "ssh-keygen")
    real = shutil.which("ssh-keygen")
    assert real is not None
    shim(tmp_path / "shim", "ssh-keygen", FAKE_SSH_KEYGEN, real, mode)
    return f"{tmp_path / 'shim'}{os.pathsep}{os.environ['PATH']}"


@pytest.mark.parametrize(
    ("mode", "status", "cause"),
    [
        ("real", "pass", ""),  # the sign-off is valid
        ("missing", "error", "ssh-keygen: not found"),
        ("crash", "fail", "the signature does not verify"),
        ("hang", "error", "timed out"),
        ("empty", "error", "ssh-keygen -Y check-novalidate exited 0 without saying"),
    ],
)
def test_a_missing_crashing_hanging_or_silent_ssh_keygen_never_signs_off(
    repo: GitRepo, tmp_path: Path, mode: str, status: str, cause: str
) -> None:
    signed_off_repo(repo, tmp_path)
    done, report = gate(repo, env={"PATH": keygen_path(tmp_path, mode)})
    signoff = check(report, "signoff")
    assert signoff["status"] == status, signoff
    if mode == "real":
        assert done.returncode == 0, done.stdout + done.stderr
        return
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(cause in reason for reason in signoff["reasons"]), signoff["reasons"]
    pidfile = tmp_path / "shim" / "ssh-keygen.pid"
    if mode == "hang":
        assert gone_soon(int(pidfile.read_text())), "the hung ssh-keygen is still running"


def test_a_hanging_git_inside_a_check_is_killed_and_blocks(repo: GitRepo, tmp_path: Path) -> None:
    signed_off_repo(repo, tmp_path)
    env = {"PATH": git_shim(tmp_path, "hang"), "SHIM_SUBCOMMAND": "notes"}
    done, report = gate(repo, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "timed out" in one_line_error(report, "signoff")
    assert gone_soon(int((tmp_path / "shim" / "git.pid").read_text()))


# --- pytest (the functional stage) --------------------------------------------------------


def functional_policy(timeout_seconds: int) -> str:
    return policy().replace(
        "stages:\n  functional:\n    required: false\n",
        f"stages:\n  functional:\n    timeout_seconds: {timeout_seconds}\n",
    )


# A suite that must finish gets a budget a loaded CI runner meets (a real pytest with
# its plugins starts in seconds there); only the hanging suite gets the short one.
FUNCTIONAL_POLICY = functional_policy(120)
HANGING_FUNCTIONAL_POLICY = functional_policy(3)


def patched_cli(
    patch: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The releasegate CLI in a fresh interpreter, after ``patch`` (Python) ran."""
    code = (
        f"import sys, types\n{patch}\n"
        "from releasegate.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def functional(report: dict[str, Any]) -> dict[str, Any]:
    return check(report, "functional")


def test_pytest_not_installed_blocks(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, FUNCTIONAL_POLICY)
    repo.commit("tests", **{"app.py": FIXED_APP, "tests/test_app.py": "def test_ok():\n    pass\n"})
    out = tmp_path / "report.json"
    done = patched_cli(
        "import releasegate.stages.suite as suite\n"
        "suite.importlib = types.SimpleNamespace(\n"
        "    util=types.SimpleNamespace(find_spec=lambda name: None))",
        "run", "--repo", str(repo.root), "--no-progress", "--no-audit", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(load_report(out), "functional")
    assert "pytest is not installed" in cause, cause


TRUNCATE_JUNIT = """\
def pytest_unconfigure(config):
    path = config.option.xmlpath
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
"""
EMPTY_JUNIT = """\
def pytest_unconfigure(config):
    open(config.option.xmlpath, "wb").close()
"""
CRASHING_CONFTEST = "raise ImportError('cannot import name Session from requests')\n"


@pytest.mark.parametrize(
    ("conftest", "cause"),
    [
        (CRASHING_CONFTEST, "without writing its JUnit XML"),
        (TRUNCATE_JUNIT, "not well-formed XML"),
        (EMPTY_JUNIT, "not well-formed XML: no element found"),
    ],
    ids=["crash", "truncated-junit", "empty-junit"],
)
def test_a_crashing_pytest_or_a_damaged_junit_report_blocks(
    repo: GitRepo, conftest: str, cause: str
) -> None:
    trusted(repo, FUNCTIONAL_POLICY)
    tests = {"tests/test_app.py": "def test_ok():\n    pass\n", "tests/conftest.py": conftest}
    repo.commit("tests", **{"app.py": FIXED_APP, **tests})
    done, report = gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    reason = one_line_error(report, "functional")
    assert cause in reason, reason


def test_a_hanging_test_suite_is_killed_and_blocks(repo: GitRepo, tmp_path: Path) -> None:
    pidfile = tmp_path / "test.pid"
    hang = (
        "import os, time\n\n\ndef test_hangs():\n"
        f"    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(600)\n"
    )
    trusted(repo, HANGING_FUNCTIONAL_POLICY)
    repo.commit("tests", **{"app.py": FIXED_APP, "tests/test_app.py": hang})
    done, report = gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "timed out" in one_line_error(report, "functional")
    assert gone_soon(int(pidfile.read_text())), "the hung test is still running"


# --- the GitHub API -----------------------------------------------------------------------


class NoSleep:
    """A clock for the client: time passes only when it sleeps, and sleeping is instant."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def now(self) -> float:
        return 1_800_000_000.0 + self.elapsed

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.elapsed += seconds


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def client(gh: FakeGitHub, **settings: Any) -> GitHubClient:
    return GitHubClient(
        config_from_env(gh.env()), settings=ClientSettings(**settings), clock=NoSleep()
    )


def forge_error(gh: FakeGitHub, path: str, **settings: Any) -> str:
    with client(gh, **settings) as api, pytest.raises(ForgeError) as raised:
        api.get_list(path)
    message = str(raised.value)
    assert TOKEN not in message and "\n" not in message
    return message


def test_a_next_page_link_that_loops_is_refused(gh: FakeGitHub) -> None:
    loop = f'<{gh.url}/loop?per_page=100&page=2>; rel="next"'
    gh.fail_always("/loop", Fault(200, {"Link": loop}, [{"n": 1}]))
    assert "the next-page link loops back" in forge_error(gh, "/loop")
    assert len(gh.requests("/loop")) == 2


def test_endless_pages_are_refused_at_the_cap(gh: FakeGitHub) -> None:
    files = [{"filename": f"f{i}.py"} for i in range(20)]  # ten pages of two
    gh.add_pull(
        FakePull(number=7, title="t", author=ALICE.account(), head_sha="a" * 40, files=files)
    )
    path = gh.repo_path("/pulls/7/files")
    assert "more than 3 pages; refusing to read on" in forge_error(gh, path, max_pages=3)
    assert len(gh.requests(path)) == 3


class _Silent:
    """A server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_github_that_never_answers_is_an_error_after_bounded_attempts() -> None:
    silent = _Silent()
    env = {"GITHUB_API_URL": f"http://127.0.0.1:{silent.port}", "GITHUB_REPOSITORY": "o/r",
           "GITHUB_TOKEN": TOKEN}  # fmt: skip
    settings = ClientSettings(read_timeout=0.5, connect_timeout=0.5, max_attempts=2)
    started = time.monotonic()
    try:
        api = GitHubClient(config_from_env(env), settings=settings, clock=NoSleep())
        with api, pytest.raises(ForgeError) as raised:
            api.get_json("/repos/o/r")
    finally:
        silent.close()
    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert "cannot reach GitHub" in message and "after 2 attempts" in message
    assert "ReadTimeout" in message
    assert TOKEN not in message


class _Elsewhere:
    """Another host (``localhost`` is not ``127.0.0.1``): it logs what it is asked."""

    def __init__(self) -> None:
        seen = self.seen = []  # type: list[dict[str, str]]

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                body = b'[{"stolen": true}]'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_to_another_host_is_not_followed(gh: FakeGitHub, status: int) -> None:
    elsewhere = _Elsewhere()
    try:
        target = f"http://localhost:{elsewhere.port}/repos/o/r/pulls/1/reviews"
        gh.fail_always("/moved", Fault(status, {"Location": target}, {"message": "Moved"}))
        message = forge_error(gh, "/moved")
    finally:
        elsewhere.close()
    assert elsewhere.seen == []
    assert "redirect" in message


# --- the offline advisory database (OSV) --------------------------------------------------


def osv_gate(
    repo: GitRepo, tmp_path: Path, affected: dict[str, Any], *, details: str = "d"
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``demo==1.5`` pinned, audited against one advisory for demo with ``affected``."""
    folder = tmp_path / "db" / "vulns" / "demo"
    folder.mkdir(parents=True)
    advisory = {
        "id": "PYSEC-2099-7",
        "modified": "2024-01-01T00:00:00Z",
        "details": details,
        "affected": [{"package": {"name": "demo", "ecosystem": "PyPI"}, **affected}],
    }
    (folder / "PYSEC-2099-7.json").write_text(json.dumps(advisory), encoding="utf-8")
    trusted(repo, DEPS_POLICY)
    repo.commit("deps", **{"requirements.txt": "demo==1.5\n"})
    return gate(repo, "--advisory-db", str(tmp_path / "db"))


def _reported(report: dict[str, Any]) -> list[str]:
    return [str(f["rule_id"]) for f in check(report, "dependencies")["findings"]]


def test_a_huge_advisory_is_read_whole(repo: GitRepo, tmp_path: Path) -> None:
    events = [{"introduced": "0"}, {"fixed": "2.0"}]
    details = "A very long description. " * 800_000  # 20 MB
    done, report = osv_gate(
        repo, tmp_path, {"ranges": [{"type": "ECOSYSTEM", "events": events}]}, details=details
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "PYSEC-2099-7" in _reported(report)


@pytest.mark.parametrize("kind", ["ECOSYTEM", "ecosystem", None])
def test_an_advisory_range_of_an_unknown_type_is_not_a_clean_bill(
    repo: GitRepo, tmp_path: Path, kind: str | None
) -> None:
    events = [{"introduced": "0"}, {"fixed": "2.0"}]
    ranges = [{"events": events} if kind is None else {"type": kind, "events": events}]
    done, report = osv_gate(repo, tmp_path, {"ranges": ranges})
    assert done.returncode == 1, done.stdout + done.stderr
    deps = check(report, "dependencies")
    assert deps["status"] in ("fail", "error")
    assert "PYSEC-2099-7" in json.dumps(deps)


def test_a_non_pep440_introduced_version_is_not_a_clean_bill(repo: GitRepo, tmp_path: Path) -> None:
    events = [{"introduced": "1.0-custom-build"}, {"fixed": "2.0"}]
    done, report = osv_gate(repo, tmp_path, {"ranges": [{"type": "ECOSYSTEM", "events": events}]})
    assert done.returncode == 1, done.stdout + done.stderr
    deps = check(report, "dependencies")
    assert deps["status"] in ("fail", "error")
    assert "PYSEC-2099-7" in json.dumps(deps["findings"] or deps["reasons"])


# --- trust files: policy, waivers, baseline, CODEOWNERS, allowed_signers -----------------

BASELINE = ".releasegate-baseline.json"


def test_a_policy_that_is_not_utf8_is_a_configuration_error(repo: GitRepo) -> None:
    commit_bytes(repo, "policy", {".releasegate.yml": policy().encode() + b"# caf\xe9\n"})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FIXED_APP})
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert ".releasegate.yml (at base " in done.stderr and "not UTF-8 text" in done.stderr
    assert "PASSED" not in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("lines", [15_000, 40_000], ids=["under-1-MiB", "over-1-MiB"])
def test_a_huge_policy_is_read_whole_or_refused(repo: GitRepo, lines: int) -> None:
    comment = "# comment line {:06d} of a very long policy file .....\n"
    comments = "".join(comment.format(i) for i in range(lines))
    text = policy() + comments + "reveiw:\n  required_approvals: 2\n"
    trusted(repo, text)
    repo.commit("app", **{"app.py": FIXED_APP})
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit")
    assert done.returncode == 2, done.stdout + done.stderr
    if len(text) < 1 << 20:  # read to its end: the typo on its last line but one is found
        line = text.count("\n") - 1
        assert f".releasegate.yml:{line}: unknown key 'reveiw'" in done.stderr, done.stderr
    else:
        assert "over the limit of 1 MiB" in done.stderr, done.stderr


def test_a_waiver_with_a_duplicated_key_is_refused(repo: GitRepo) -> None:
    waiver = (
        "waivers:\n  - id: B602\n    package: demo\n    reason: r\n    owner: o\n"
        "    expires: 2020-01-01\n    expires: 2999-01-01\n"
    )
    trusted(repo, policy() + waiver)
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert ".releasegate.yml:" in done.stderr and "duplicate key 'expires'" in done.stderr


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", ".releasegate-baseline.json:1: the baseline is not valid JSON"),
        (b'{"version": 1, "entries": [], "generated_by": "\xff"}', "the baseline is not UTF-8"),
    ],
    ids=["empty", "not-utf8"],
)
def test_an_empty_or_undecodable_baseline_is_a_configuration_error(
    repo: GitRepo, data: bytes, expected: str
) -> None:
    trusted(repo, policy())
    commit_bytes(repo, "baseline", {"app.py": FIXED_APP.encode(), BASELINE: data})
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr


def _entry(fingerprint: str) -> dict[str, Any]:
    return {
        "fingerprint": fingerprint, "tool": "bandit", "rule_id": "B602", "path": "app.py",
        "line": 7, "owner": "o", "reason": "r", "added": "2024-01-01",
    }  # fmt: skip


def test_a_huge_baseline_is_read_and_still_blocks_what_it_does_not_list(repo: GitRepo) -> None:
    entries = [_entry(f"{i:064x}") for i in range(100_000)]
    baseline = json.dumps({"version": 1, "entries": entries})
    trusted(repo, policy(), **{BASELINE: baseline})
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    done, report = gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = [f for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"]
    assert finding["blocking"] is True


def test_a_baseline_with_a_duplicated_key_is_refused(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, policy())
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    done, report = gate(repo)
    [finding] = [f for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"]
    # Accept the finding in a second "entries" that shadows the first, empty one.
    shadow = json.dumps(_entry(finding["fingerprint"]))
    text = '{"version": 1, "entries": [], "entries": [' + shadow + "]}"
    repo.git("tag", "-d", "v1")
    repo.commit("baseline", **{BASELINE: text})
    repo.tag("v1")
    repo.commit("next", **{"other.py": "x = 1\n"})
    done = releasegate("run", "--repo", str(repo.root), "--no-progress", "--no-audit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "duplicate key 'entries'" in done.stderr


@pytest.mark.parametrize(
    "case",
    [
        (b"", True, ""),
        (b"# owners\n\n# nobody yet\n", True, ""),
        (b"src/ @dave # caf\xe9\n", False, "not UTF-8 text"),
        # 4 MB of rules (GitHub ignores a CODEOWNERS over 3 MB): the last rule still applies.
        ("".join(f"docs/d{i:06d}/ @bob\n" for i in range(200_000)).encode() + b"src/ @dave\n",
         False, "has no approval from a code owner (@dave) of src/x.py"),
    ],
    ids=["empty", "comments-only", "not-utf8", "huge"],
)  # fmt: skip
def test_codeowners_empty_undecodable_or_huge(
    repo: GitRepo, gh: FakeGitHub, tmp_path: Path, case: tuple[bytes, bool, str]
) -> None:
    codeowners, passes, why = case
    commit_bytes(
        repo,
        "initial",
        {".releasegate.yml": review_policy().encode(), ".github/CODEOWNERS": codeowners},
    )
    base = repo.head()
    pull = Forge(repo, gh).pull_request("Change", ALICE, [("change", {"src/x.py": "x = 1\n"})])
    gh.review(pull.number, BOB)
    run = run_review(repo, base, tmp_path, gh.env())
    if passes:
        assert run.done.returncode == 0, run.reasons
        return
    assert run.done.returncode == 1
    assert any(why in reason for reason in run.reasons), run.reasons


@pytest.mark.parametrize(
    ("signers", "expected"),
    [
        (b"", "lists no keys"),
        (b"# the security team\n\n# (nobody yet)\n", "lists no keys"),
    ],
    ids=["empty", "comments-only"],
)
def test_an_allowed_signers_file_with_no_keys_is_an_error(
    repo: GitRepo, signers: bytes, expected: str
) -> None:
    commit_bytes(repo, "policy", {".releasegate.yml": SIGNOFF_POLICY.encode(), SIGNERS: signers})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FIXED_APP})
    done, report = gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in one_line_error(report, "signoff")


def test_a_malformed_or_undecodable_allowed_signers_file_signs_nobody_off(
    repo: GitRepo, tmp_path: Path
) -> None:
    key = tmp_path / "keys" / "alice"
    key.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@example.com", "-f", str(key)],
        check=True, capture_output=True,
    )  # fmt: skip
    garbage = b"alice@example.com ssh-ed25519 \xff\xfe!!not-base64\n"
    commit_bytes(repo, "policy", {".releasegate.yml": SIGNOFF_POLICY.encode(), SIGNERS: garbage})
    repo.tag("v1")
    repo.commit("feature", **{"app.py": FIXED_APP})
    signed = releasegate("signoff", "--repo", str(repo.root), "--key", str(key), "--yes")
    done, report = gate(repo)
    assert done.returncode == 1, signed.stdout + signed.stderr + done.stdout + done.stderr
    signoff = check(report, "signoff")
    assert signoff["status"] == "fail", signoff
    assert "unknown signer" in signoff["reasons"][0]


# --- the head tree: hostile names, undecodable and huge Python, requirements files --------

HOSTILE_NAMES = [
    "--help.py",  # an option, if it reached a tool's argv as one
    "-rf.py",
    "a\nb.py",  # a newline
    "ctrl\x1b[31mred.py",  # a terminal escape
    "::error file=x.py::pwned.py",  # a workflow command
    "100%25,x:y.py",  # the workflow-command escape characters
]
ANNOTATION = re.compile(r"^::(error|warning|notice)( \w+=[^,:\n]*(,\w+=[^,:\n]*)*)?::")


def test_hostile_file_names_are_analysed_and_shown_inert(repo: GitRepo) -> None:
    trusted(repo, policy())
    repo.commit("hostile", **{name: VULNERABLE_APP for name in HOSTILE_NAMES})
    done, report = gate(repo, "--annotations")
    assert done.returncode == 1, done.stdout + done.stderr
    found = {f["path"] for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"}
    assert found == set(HOSTILE_NAMES)  # each analysed, under its exact name
    assert "\x1b" not in done.stdout + done.stderr
    commands = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 2 * len(HOSTILE_NAMES)  # B602 and B404 per file, nothing else
    assert all(ANNOTATION.match(line) for line in commands), commands
    assert not any(line.startswith("::error file=x.py") for line in done.stdout.splitlines())


@pytest.mark.parametrize(
    ("source", "tree_fails"),
    [
        (b"latin = 'caf\xe9'\nimport os\nos.system(input())\n", True),  # no coding cookie
        (b"x = 1\n\x00\nimport os\nos.system(input())\n", False),  # a NUL byte
    ],
    ids=["latin-1-without-cookie", "nul-byte"],
)
def test_python_that_python_cannot_read_blocks_naming_the_file(
    repo: GitRepo, source: bytes, tree_fails: bool
) -> None:
    trusted(repo, policy())
    commit_bytes(repo, "bad", {"app.py": FIXED_APP.encode(), "bad.py": source})
    done, report = gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "bandit")
    assert "could not parse 1 file(s)" in cause and cause.rstrip().endswith("RELEASEGATE_PYTHONS")
    assert "bad.py" in cause
    assert (check(report, "tree")["status"] == "fail") is tree_fails


def test_a_50_mb_python_file_is_analysed_or_blocks(repo: GitRepo) -> None:
    trusted(repo, policy(semgrep=True))
    padding = ("# " + "x" * 97 + "\n") * 500_000
    repo.commit("big", **{"big.py": VULNERABLE_APP + padding})
    done, report = gate(repo, env={"RELEASEGATE_PYTHONS": sys.executable})
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(f["rule_id"] == "B602" for f in check(report, "bandit")["findings"])
    cause = one_line_error(report, "semgrep")
    assert "exceed static.semgrep.max_target_bytes" in cause and "big.py" in cause


def _advisory_db(where: Path, package: str) -> Path:
    folder = where / "db" / "vulns" / package
    folder.mkdir(parents=True)
    advisory = {
        "id": "PYSEC-2099-9",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    }
    (folder / "PYSEC-2099-9.json").write_text(json.dumps(advisory), encoding="utf-8")
    return where / "db"


def test_a_requirements_file_of_100k_lines_is_read_whole(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, DEPS_POLICY)
    lines = "".join(f"pkg{i}==1.{i}\n" for i in range(100_000))
    repo.commit("deps", **{"requirements.txt": lines})
    done, report = gate(repo, "--advisory-db", str(_advisory_db(tmp_path, "pkg99999")))
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = check(report, "dependencies")["findings"]
    assert (finding["path"], finding["line"]) == ("requirements.txt", 100_000)


def test_includes_leaving_the_repository_block_and_are_never_read(
    repo: GitRepo, tmp_path: Path
) -> None:
    (repo.root.parent.parent / "x").write_text("evil==1\n", encoding="utf-8")
    trusted(repo, DEPS_POLICY)
    repo.commit("deps", **{"requirements.txt": "-r /etc/passwd\n-r ../../x\nsix==1.16.0\n"})
    done, report = gate(repo, "--advisory-db", str(_advisory_db(tmp_path, "demo")))
    assert done.returncode == 1, done.stdout + done.stderr
    cause = one_line_error(report, "dependencies")
    assert "requirements.txt:1: -r /etc/passwd: leaves the repository" in cause
    assert "requirements.txt:2: -r ../../x: leaves the repository" in cause
    assert "root:x:0" not in json.dumps(report) and "evil" not in json.dumps(report)


# --- outputs, the audit log ---------------------------------------------------------------


def test_a_report_path_on_a_read_only_file_system_loses_neither_verdict_nor_record(
    repo: GitRepo, tmp_path: Path
) -> None:
    if shutil.which("unshare") is None:
        pytest.fail("util-linux unshare is needed to mount a read-only tmpfs")
    trusted(repo, policy())
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    readonly = tmp_path / "ro"
    readonly.mkdir()
    audit = tmp_path / "audit.jsonl"
    exe = Path(sys.executable).parent / "releasegate"
    script = (
        f'mount -t tmpfs -o ro tmpfs "{readonly}" && exec "{exe}" run --repo "{repo.root}" '
        f'--no-progress --json "{readonly}/report.json" --sarif "{tmp_path}/report.sarif" '
        f'--audit-log "{audit}"'
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "BLOCKED" in done.stdout
    [line] = [x for x in done.stderr.splitlines() if "--json" in x]
    assert "Read-only file system" in line and "not written" in line
    assert "internal error" not in done.stderr
    assert (tmp_path / "report.sarif").is_file()
    assert json.loads(audit.read_text("utf-8").splitlines()[0])["decision"] == "block"


def test_concurrent_runs_append_one_intact_chain(repo: GitRepo, tmp_path: Path) -> None:
    trusted(repo, policy())
    repo.commit("app", **{"app.py": FIXED_APP})
    log = tmp_path / "audit.jsonl"
    exe = Path(sys.executable).parent / "releasegate"
    argv = [str(exe), "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress",
            "--no-cache", "--audit-log", str(log)]  # fmt: skip
    runs = [
        subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for proc in runs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    records = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert all(b["prev"] == a["digest"] for a, b in itertools.pairwise(records))
    done = releasegate("audit", "verify", "--repo", str(repo.root), "--audit-log", str(log))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 records, chain intact" in done.stdout


def test_interleaved_runs_leave_the_anchor_on_the_newest_record(
    repo: GitRepo, tmp_path: Path
) -> None:
    """The anchor moves under the log's lock, with the append (a run's path): whatever the
    order two runs take, it names the newest record."""
    repo.commit("one", **{"app.py": "x = 1\n"})
    log = tmp_path / "audit.jsonl"
    git_dir = repo.root / ".git"
    append_record(log, {"run": "A"}, anchor_in=git_dir)
    append_record(log, {"run": "B"}, anchor_in=git_dir)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0])  # B's record is cut off
    done = releasegate("audit", "verify", "--repo", str(repo.root), "--audit-log", str(log))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "truncated" in done.stderr


# --- secrets in stage output ----------------------------------------------------------------

# The credentials are put together when the stage runs: the policy holds none of them.
LEAKY_STAGE = (
    "import base64; "
    "print('found ghp_' + 'A' * 36 + ' and ' + 'AKIA' + 'IOSFODNN7EXAMPLE'); "
    "print('Authorization: Bearer ' + 'eyJhbGciOiJIUzI1NiJ9' + '.e30.' + 'abcdefgh'); "
    "raise SystemExit(1)"
)


def test_credentials_a_stage_prints_are_masked_in_what_is_kept(repo: GitRepo) -> None:
    stages = f"  leaky:\n    command: [python, -c, {LEAKY_STAGE!r}]\n    format: exit-code\n"
    trusted(repo, policy(stages=stages))
    repo.commit("app", **{"app.py": FIXED_APP})
    done, report = gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    leaky = check(report, "leaky")
    assert leaky["status"] == "fail"
    captured = Path(leaky["evidence"]["run"]["stdout"]["path"]).read_text("utf-8")
    assert "found " in captured  # the output is kept, masked
    everything = captured + json.dumps(report) + done.stdout + done.stderr
    for leak in ("ghp_" + "A" * 36, "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.e30.abcdefgh"):
        assert leak not in everything
