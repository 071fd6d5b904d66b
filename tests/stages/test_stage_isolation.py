"""Stage commands run without secrets, in the head tree, and die with their timeout."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from rg_testlib import GitRepo
from stage_helpers import run_gate, stage, with_policy

from releasegate.stages.environment import ENV_STAGE_ENV, is_secret_name, stage_environment

PRINT_ENV = """import os


def test_print_environment():
    print("ENVIRONMENT", dict(os.environ))
    # Fails on purpose, so that pytest shows the captured output in its report.
    assert "KEEP_ME" not in os.environ
"""


def test_a_test_printing_the_environment_sees_no_secrets(repo: GitRepo) -> None:
    with_policy(repo, "version: 1\n")
    repo.commit("env", **{"tests/test_env.py": PRINT_ENV})
    secrets = {
        "GITHUB_TOKEN": "secret123",
        "ACTIONS_RUNTIME_TOKEN": "secret-runtime",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "secret-oidc",
        "PYPI_API_TOKEN": "secret-pypi",
        "aws_secret_access_key": "secret-aws",
        "DB_PASSWORD": "secret-db",
        "SIGNING_SECRET": "secret-signing",
    }
    env = {**secrets, "KEEP_ME": "visible-value", "DROP_ME": "dropped-value"}
    _, report = run_gate(repo, "functional", env={**env, ENV_STAGE_ENV: "KEEP_ME,DB_PASSWORD"})
    functional = stage(report, "functional")
    assert functional["status"] == "fail"  # the test fails on purpose
    run = functional["evidence"]["run"]
    captured = Path(run["stdout"]["path"]).read_text("utf-8")
    assert "ENVIRONMENT" in captured
    assert "visible-value" in captured  # the dump really is in the captured output
    assert "dropped-value" not in captured  # not on the allow-list
    assert "DROP_ME" in run["environment_not_passed"]
    for name, value in secrets.items():
        assert value not in captured, name
        assert name not in captured, name
    assert sorted(secrets) == sorted(
        name for name in run["secrets_removed_from_environment"] if name in secrets
    )
    # The report names what was removed, never the values.
    assert "secret123" not in json.dumps(report)


def test_a_command_that_overruns_is_stopped_with_its_children(
    repo: GitRepo, tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    hang = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen(['sleep', '300']); "
        f"open({str(pidfile)!r}, 'w').write(str(child.pid)); "
        "time.sleep(300)"
    )
    policy = (
        "version: 1\nstages:\n  functional:\n    required: false\n"
        f"  soak:\n    command: [python, -c, {hang!r}]\n    format: exit-code\n"
        "    timeout_seconds: 2\n"
    )
    with_policy(repo, policy)
    repo.commit("work", **{"app.py": "x = 1\n"})
    started = time.monotonic()
    done, report = run_gate(repo, "soak")
    assert time.monotonic() - started < 60
    assert done.returncode == 1
    soak = stage(report, "soak")
    assert soak["status"] == "error"
    assert "timed out after 2s and was stopped" in soak["reasons"][0]
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the command's child survived the timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def test_commands_run_in_the_root_of_the_head_tree(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  functional:\n    required: false\n"
        "  where:\n    command: [python, -c, 'import os; print(\"CWD\", os.getcwd())']\n"
        "    format: exit-code\n"
    )
    with_policy(repo, policy)
    repo.commit("work", **{"app.py": "x = 1\n"})
    _, report = run_gate(repo, "where")
    where = stage(report, "where")
    assert where["status"] == "pass"
    assert where["evidence"]["run"]["stdout"]["tail"] == [f"CWD {repo.root.resolve()}"]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("GITHUB_TOKEN", True),
        ("github_token", True),
        ("NPM_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("TWINE_PASSWORD", True),
        ("GOOGLE_APPLICATION_CREDENTIALS", True),
        ("SSH_AUTH_SOCK", True),
        ("PASSWORD", True),
        ("PATH", False),
        ("HOME", False),
        ("KEYBOARD_LAYOUT", False),
        ("TOKENIZERS_PARALLELISM", False),
        ("PYTHONHASHSEED", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_the_stage_environment_is_an_allow_list_with_a_scratch_home(tmp_path: Path) -> None:
    environ = {
        "PATH": "/bin",
        "LC_ALL": "C.UTF-8",
        "GH_TOKEN": "ghp_secretvalue",
        "API_KEY": "k-value",
        "GITHUB_PAT": "pat-value",
        "NPM_AUTH": "npm-value",
        "DATABASE_URL": "postgres://u:pw@db/x",
        "HOME": "/root",
        "MY_SETTING": "on",
        ENV_STAGE_ENV: "MY_SETTING, API_KEY",
    }
    stage = stage_environment(environ, tmp_path)
    assert stage.env["PATH"] == "/bin"
    assert stage.env["LC_ALL"] == "C.UTF-8"
    assert stage.env["MY_SETTING"] == "on"  # listed by the operator
    assert "API_KEY" not in stage.env  # secret-shaped: never, even when listed
    assert stage.env["HOME"] == str(tmp_path)
    assert stage.env["XDG_CONFIG_HOME"] == str(tmp_path / ".config")
    for name in ("GH_TOKEN", "GITHUB_PAT", "NPM_AUTH", "DATABASE_URL", ENV_STAGE_ENV):
        assert name not in stage.env
    assert stage.secrets_removed == ("API_KEY", "GH_TOKEN")
    assert set(stage.not_passed) == {"DATABASE_URL", "GITHUB_PAT", "HOME", "NPM_AUTH"}
    assert set(stage.withheld_values) == {"ghp_secretvalue", "k-value"}
