"""The pre-push hook against a real bare remote: an SQL injection is refused with the
finding shown, the fix goes through, deletions and new branches are handled; install
respects core.hooksPath and foreign hooks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from rg_testlib import GitRepo, releasegate

from releasegate.hook import (
    MARKER,
    Update,
    github_repository,
    parse_updates,
    updates_from_pre_commit,
)

POLICY = """version: 1
review:
  required: false
signoff:
  required: false
"""
SQLI = """import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % request.args["name"])
    return str(cur.fetchall())
"""
FIXED = SQLI.replace(
    """cur.execute("SELECT * FROM users WHERE name = '%s'" % request.args["name"])""",
    """cur.execute("SELECT * FROM users WHERE name = ?", (request.args["name"],))""",
)
ZERO = "0" * 40


def _push(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )


@pytest.fixture
def pushed(tmp_path: Path) -> GitRepo:
    """A clone of a bare remote with the policy pushed and the hook installed."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo = GitRepo(tmp_path / "work")
    repo.git("remote", "add", "origin", str(remote))
    repo.commit("policy", **{".releasegate.yml": POLICY, "app.py": "VALUE = 1\n"})
    assert _push(repo, "-q", "origin", "main").returncode == 0
    done = releasegate("hook", "install", "--repo", str(repo.root))
    assert done.returncode == 0, done.stderr
    return repo


@pytest.mark.slow
def test_sql_injection_is_refused_and_the_fix_goes_through(pushed: GitRepo) -> None:
    pushed.commit("add a user lookup", **{"app.py": SQLI})
    done = _push(pushed, "origin", "main")
    assert done.returncode != 0
    assert "releasegate.python.sqli.formatted-sql-to-execute" in done.stderr
    assert "app.py:11" in done.stderr
    assert "push of refs/heads/main rejected" in done.stderr
    assert pushed.git("ls-remote", "origin", "refs/heads/main").split()[0] != pushed.head()

    pushed.commit("bind the parameter", **{"app.py": FIXED})
    done = _push(pushed, "origin", "main")
    assert done.returncode == 0, done.stderr
    assert "PASSED" in done.stderr
    assert pushed.git("ls-remote", "origin", "refs/heads/main").split()[0] == pushed.head()


@pytest.mark.slow
def test_new_branch_is_judged_on_its_own_commits_and_deletion_passes(pushed: GitRepo) -> None:
    pushed.git("checkout", "-q", "-b", "feature")
    pushed.commit("one", **{"one.py": "ONE = 1\n"})
    pushed.commit("two", **{"two.py": "TWO = 2\n"})
    done = _push(pushed, "origin", "feature")
    assert done.returncode == 0, done.stderr
    assert "new branch: judging the commits no remote has" in done.stderr
    base = pushed.git("rev-parse", "main")
    assert f"refs/heads/feature ({base[:12]}..{pushed.head()[:12]})" in done.stderr

    done = _push(pushed, "origin", "--delete", "feature")
    assert done.returncode == 0, done.stderr
    assert "refs/heads/feature: deleted: nothing to check" in done.stderr


@pytest.mark.slow
def test_new_branch_with_an_injection_is_refused(pushed: GitRepo) -> None:
    pushed.git("checkout", "-q", "-b", "risky")
    pushed.commit("lookup", **{"lookup.py": SQLI})
    done = _push(pushed, "origin", "risky")
    assert done.returncode != 0
    assert "formatted-sql-to-execute" in done.stderr


@pytest.mark.slow
def test_release_tag_gets_the_verdict_preview(pushed: GitRepo) -> None:
    # The previous release (v0.9.0) carries the default policy: review and sign-off.
    pushed.commit("the default policy", **{".releasegate.yml": "version: 1\n"})
    pushed.tag("v0.9.0")
    assert _push(pushed, "-q", "--no-verify", "origin", "main", "v0.9.0").returncode == 0
    pushed.commit("more", **{"more.py": "MORE = 1\n"})
    assert _push(pushed, "-q", "origin", "main").returncode == 0
    pushed.tag("v1.0.0")
    env = {k: v for k, v in os.environ.items() if k not in {"GITHUB_TOKEN", "GH_TOKEN"}}
    done = subprocess.run(
        ["git", "push", "origin", "v1.0.0"],
        cwd=pushed.root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    # The default policy (from the base) requires review and sign-off: without a token
    # they cannot be verified here, and the hook says so instead of guessing.
    assert "refs/tags/v1.0.0" in done.stderr
    assert "release verdict preview" in done.stderr
    assert "not verified locally: review" in done.stderr
    assert "not verified locally: signoff" in done.stderr


def test_a_tag_that_is_not_a_release_is_not_judged(pushed: GitRepo) -> None:
    pushed.tag("nightly-1")
    done = _push(pushed, "origin", "nightly-1")
    assert done.returncode == 0, done.stderr
    assert "tag does not match release.tag_pattern (version tags" in done.stderr


def test_install_refuses_a_foreign_hook_then_chains_and_uninstall_restores(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("init", **{"a.py": "A = 1\n"})
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    foreign = hooks / "pre-push"
    log = tmp_path / "foreign.log"
    foreign.write_text(f'#!/bin/sh\ncat > "{log}"\necho "$1 $2" >> "{log}"\nexit 0\n')
    foreign.chmod(0o755)
    original = foreign.read_text()

    done = releasegate("hook", "install", "--repo", str(repo.root))
    assert done.returncode == 2
    assert "--chain" in done.stderr and "--force" in done.stderr
    assert foreign.read_text() == original

    done = releasegate("hook", "install", "--repo", str(repo.root), "--chain")
    assert done.returncode == 0, done.stderr
    assert MARKER in foreign.read_text()
    assert "--previous" in foreign.read_text()
    assert (hooks / "pre-push.releasegate-previous").read_text() == original

    # The chained hook runs first with git's arguments and input.
    head = repo.head()
    line = f"refs/heads/main {head} refs/heads/main {ZERO}\n"
    done = subprocess.run(
        [str(foreign), "origin", "file:///nowhere"],
        input=line,
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert log.read_text().startswith(line)
    assert "origin file:///nowhere" in log.read_text()

    done = releasegate("hook", "uninstall", "--repo", str(repo.root))
    assert done.returncode == 0, done.stderr
    assert foreign.read_text() == original
    assert not (hooks / "pre-push.releasegate-previous").exists()


def test_a_failing_chained_hook_stops_the_push_first(repo: GitRepo) -> None:
    repo.commit("init", **{"a.py": "A = 1\n"})
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "pre-push").write_text("#!/bin/sh\necho foreign says no >&2\nexit 7\n")
    (hooks / "pre-push").chmod(0o755)
    assert releasegate("hook", "install", "--repo", str(repo.root), "--chain").returncode == 0
    done = subprocess.run(
        [str(hooks / "pre-push"), "origin", "url"],
        input=f"refs/heads/main {repo.head()} refs/heads/main {ZERO}\n",
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 7
    assert "foreign says no" in done.stderr
    assert "chained hook pre-push.releasegate-previous failed (exit 7)" in done.stderr


def test_force_replaces_and_uninstall_restores(repo: GitRepo) -> None:
    repo.commit("init", **{"a.py": "A = 1\n"})
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "pre-push").write_text("#!/bin/sh\nexit 0\n")
    done = releasegate("hook", "install", "--repo", str(repo.root), "--force")
    assert done.returncode == 0, done.stderr
    text = (hooks / "pre-push").read_text()
    assert MARKER in text and "--previous" not in text
    assert releasegate("hook", "install", "--repo", str(repo.root)).returncode == 0  # again: ok
    assert releasegate("hook", "uninstall", "--repo", str(repo.root)).returncode == 0
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\nexit 0\n"


def test_install_respects_core_hooks_path(repo: GitRepo) -> None:
    repo.commit("init", **{"a.py": "A = 1\n"})
    repo.git("config", "core.hooksPath", "githooks")
    done = releasegate("hook", "install", "--repo", str(repo.root))
    assert done.returncode == 0, done.stderr
    assert MARKER in (repo.root / "githooks" / "pre-push").read_text()
    assert not (repo.root / ".git" / "hooks" / "pre-push").exists()
    assert releasegate("hook", "uninstall", "--repo", str(repo.root)).returncode == 0
    assert not (repo.root / "githooks" / "pre-push").exists()


def test_uninstall_leaves_a_foreign_hook_alone(repo: GitRepo) -> None:
    repo.commit("init", **{"a.py": "A = 1\n"})
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "pre-push").write_text("#!/bin/sh\nexit 0\n")
    done = releasegate("hook", "uninstall", "--repo", str(repo.root))
    assert done.returncode == 2
    assert "not written by releasegate" in done.stderr
    assert (hooks / "pre-push").exists()


def test_parse_pre_push_input() -> None:
    sha = "a" * 40
    updates = parse_updates(
        f"refs/heads/x {sha} refs/heads/x {ZERO}\n\n(delete) {ZERO} refs/heads/y {sha}\n"
    )
    assert updates == [
        Update(local_ref="refs/heads/x", local_sha=sha, remote_ref="refs/heads/x", remote_sha=ZERO),
        Update(local_ref="(delete)", local_sha=ZERO, remote_ref="refs/heads/y", remote_sha=sha),
    ]
    with pytest.raises(Exception, match="want '<local ref>"):
        parse_updates("garbage\n")


def test_pre_commit_framework_variables() -> None:
    assert updates_from_pre_commit({}) is None
    updates = updates_from_pre_commit(
        {
            "PRE_COMMIT_FROM_REF": "b" * 40,
            "PRE_COMMIT_TO_REF": "c" * 40,
            "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
            "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
        }
    )
    assert updates is not None
    (update,) = updates
    assert update == Update(
        local_ref="refs/heads/main",
        local_sha="c" * 40,
        remote_ref="refs/heads/main",
        remote_sha="b" * 40,
    )


@pytest.mark.slow
def test_pre_commit_style_run_judges_the_range(pushed: GitRepo) -> None:
    base = pushed.head()
    pushed.commit("lookup", **{"app.py": SQLI})
    done = releasegate(
        "hook",
        "run",
        "--repo",
        str(pushed.root),
        env={
            "PRE_COMMIT_FROM_REF": base,
            "PRE_COMMIT_TO_REF": pushed.head(),
            "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
            "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
        },
    )
    assert done.returncode == 1
    assert "formatted-sql-to-execute" in done.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/app.git", "acme/app"),
        ("git@github.com:acme/app.git", "acme/app"),
        ("ssh://git@github.com/acme/app", "acme/app"),
        ("https://x-access-token:t@github.com/acme/app", "acme/app"),
        ("https://gitlab.com/acme/app.git", None),
        ("/srv/git/app.git", None),
    ],
)
def test_github_repository_from_remote_url(url: str, expected: str | None) -> None:
    assert github_repository(url) == expected
