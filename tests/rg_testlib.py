"""Test helpers: real git repositories in temporary directories, sample code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import rg_cli


class GitRepo:
    """A real git repository in a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test Author")
        self.git("config", "user.email", "author@example.com")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "tag.gpgsign", "false")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def commit(self, message: str = "change", **files: str) -> str:
        for path, text in files.items():
            self.write(path, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, rev: str = "HEAD") -> None:
        self.git("tag", name, rev)


# A policy that needs no reviews, sign-off, dependency audit or functional stage: the
# static stage (and the workflows audit) alone decide.
STATIC_ONLY_POLICY = (
    "version: 1\n"
    "review:\n  required: false\n"
    "signoff:\n  required: false\n"
    "dependencies:\n  required: false\n"
    "stages:\n  functional:\n    required: false\n"
)


def run_only(
    repo: GitRepo, only: str, out: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``releasegate run --only ONLY --json OUT ARGS`` on ``repo``: it exits 0 or 1, its
    report is valid against the published schema and its decision agrees with the exit
    status (a stale report at ``out`` is removed first)."""
    out.unlink(missing_ok=True)
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", only, "--no-progress", "--json", str(out),
        *args, env=env,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = load_report(out)
    assert (done.returncode == 1) == (report["decision"] == "block")
    return done, report


VULNERABLE_APP = """import subprocess
import sys


def run(user_input):
    cmd = "ls " + user_input
    return subprocess.call(cmd, shell=True)


if __name__ == "__main__":
    run(sys.argv[1])
"""

# A Flask SQL injection the built-in semgrep pack finds (request.args into execute).
FLASK_SQLI = """import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name")
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return str(cur.fetchall())
"""

FIXED_APP = """import subprocess
import sys


def run(user_input):
    return subprocess.call(["ls", "--", user_input])


if __name__ == "__main__":
    run(sys.argv[1])
"""


def newer_python() -> str | None:
    """A Python >= 3.12 on this machine that really runs (pyenv shims may not), or None."""
    candidates: list[str] = []
    for root in {os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")}:
        if root:
            candidates += sorted(str(p) for p in Path(root).glob("versions/3.1[2-9]*/bin/python3"))
    for minor in range(12, 16):
        hit = shutil.which(f"python3.{minor}")
        if hit:
            candidates.append(hit)
    for candidate in candidates:
        try:
            done = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and done.stdout.strip() == "True":
            return candidate
    return None


# The OASIS SARIF 2.1.0 JSON Schema, kept in the repository (tests/data/schemas/README.md).
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "schemas" / "sarif-schema-2.1.0.json"


def releasegate(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The releasegate CLI run as a separate process (see ``rg_cli``)."""
    return rg_cli.run(*args, env=env, cwd=cwd)


def report_schema() -> dict[str, Any]:
    text = resources.files("releasegate.data").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text("utf-8"))
    jsonschema.validate(report, report_schema())
    return report


def check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in report["checks"] if c["id"] == check_id]
    assert len(found) == 1, f"expected one check {check_id!r}, got {len(found)}"
    return found[0]


def ssh_key(directory: Path, name: str) -> Path:
    """A new ed25519 key pair ``directory/name`` (+ ``.pub``), commented ``name``."""
    key = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key
