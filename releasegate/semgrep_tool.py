"""Which semgrep the gate runs, with which environment, and starting it ahead of need.

Light on purpose (the standard library and ``warmstart`` only): the command line's
entry point calls ``start_ahead`` before it imports the rest of releasegate.

The gate runs ``pysemgrep``, semgrep's own Python command line, from the semgrep
installed beside this Python: the ``semgrep`` script beside it only execs the
``osemgrep`` binary, which for ``scan`` execs ``pysemgrep`` again, found on ``PATH``
(a pyenv shim or another installation's, possibly). ``RELEASEGATE_SEMGREP`` names
another executable; the one on ``PATH`` serves when none is installed beside.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from releasegate import warmstart
from releasegate.errors import ToolError

ENV_SEMGREP = "RELEASEGATE_SEMGREP"
WARM_NAME = "semgrep"
# pysemgrep's console script runs exactly this; these modules are what it imports.
ENTRY = "semgrep.console_scripts.pysemgrep:main"
PRELOAD = ("semgrep.main", "semgrep.cli")
_PYTHON_NAME = re.compile(r"python[0-9.]*")


def offline_env(scratch: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """semgrep's environment: no version check, no metrics, settings and logs of its own.

    Each run gets its own settings file and log directory, so concurrent runs
    never race on ``~/.semgrep`` (semgrep rewrites its settings file).
    """
    env = dict(environ)
    env.update(
        {
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "SEMGREP_SEND_METRICS": "off",
            "SEMGREP_SETTINGS_FILE": str(scratch / "settings.yml"),
            "SEMGREP_LOG_FILE": str(scratch / "semgrep.log"),
            "SEMGREP_VERSION_CACHE_PATH": str(scratch / "version-cache"),
        }
    )
    # No credentials, and no GitHub identity (the pre-push hook adds both for the review
    # check; semgrep reads GITHUB_REPOSITORY only for `semgrep ci` metadata).
    for name in ("SEMGREP_APP_TOKEN", "GITHUB_TOKEN", "GITHUB_REPOSITORY"):
        env.pop(name, None)
    # semgrep starts in the judged tree: an empty or relative PYTHONPATH entry would put
    # that tree on sys.path before site-packages, and a `semgrep/` package committed in
    # the head would run in semgrep's place. Only absolute entries are kept.
    if "PYTHONPATH" in env:
        kept = [part for part in env["PYTHONPATH"].split(os.pathsep) if Path(part).is_absolute()]
        if kept:
            env["PYTHONPATH"] = os.pathsep.join(kept)
        else:
            del env["PYTHONPATH"]
    return env


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def beside() -> Path | None:
    """The semgrep command line installed beside this Python: ``pysemgrep``, else the
    ``semgrep`` script (a semgrep without ``pysemgrep``)."""
    scripts = Path(sys.executable).parent
    for name in ("pysemgrep", "semgrep"):
        if _executable(scripts / name):
            return scripts / name
    return None


def located(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The semgrep executable, and whether it is the one installed beside this Python."""
    configured = environ.get(ENV_SEMGREP)
    if configured:
        return configured, False
    found = beside()
    if found is not None:
        return str(found), True
    on_path = shutil.which("semgrep", path=environ.get("PATH", ""))
    if on_path is None:
        raise ToolError("semgrep: not found", hint="pip install semgrep")
    return on_path, False


def _interpreter(script: Path) -> str | None:
    """The Python a console script runs: its ``#!`` line, when that is an absolute path
    to an executable with no arguments (anything else is not started ahead)."""
    try:
        with script.open("rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    try:
        command = first[2:].decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    path = Path(command)
    if (
        not command
        or " " in command
        or not path.is_absolute()
        or not _PYTHON_NAME.fullmatch(path.name)
        or not _executable(path)
    ):
        # pip's `#!/bin/sh` launcher (a long or spaced path), `env python`, arguments...
        return None
    return command


def _ahead(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(pysemgrep, its Python) when the semgrep to run is the ``pysemgrep`` beside this
    Python, the only one started ahead."""
    exe, is_beside = located(environ)
    if not is_beside or Path(exe).name != "pysemgrep":
        return None
    python = _interpreter(Path(exe))
    return None if python is None else (exe, python)


def start_ahead(environ: Mapping[str, str]) -> None:
    """Start the semgrep the gate will run, so that its imports overlap ours."""
    try:
        ahead = _ahead(environ)
    except ToolError:
        return
    if ahead is not None:
        warmstart.start(
            WARM_NAME,
            python=ahead[1],
            entry=ENTRY,
            preload=PRELOAD,
            env_for=lambda scratch: offline_env(scratch, environ),
        )


def take_ahead(exe: str, environ: Mapping[str, str]) -> warmstart.Warm | None:
    """The semgrep ``start_ahead`` started, when it is ``exe`` and has exactly the
    environment ``offline_env`` gives for ``environ`` (then the caller's to close)."""
    ahead = _ahead(environ)
    if ahead is None or ahead[0] != exe:
        warmstart.release(WARM_NAME)
        return None
    return warmstart.take(
        WARM_NAME,
        python=ahead[1],
        entry=ENTRY,
        env_for=lambda scratch: offline_env(scratch, environ),
    )


def release_ahead() -> None:
    """semgrep will not run: end the one started ahead."""
    warmstart.release(WARM_NAME)
