"""Which semgrep the gate runs, and with which environment.

The gate runs semgrep's native command line, ``osemgrep``: the ``semgrep-core`` binary of
the semgrep package installed for this Python, started as ``osemgrep scan --experimental``
(what semgrep's own ``semgrep`` script execs for ``--experimental``). Its results are
semgrep's own; it starts in a tenth of a second, where ``pysemgrep`` (semgrep's older
Python command line, which ``semgrep scan`` still runs) spends two seconds importing its
command line and several more validating rules before it scans a file.

``RELEASEGATE_SEMGREP`` names another ``semgrep`` command (semgrep's entry-point script,
which execs ``osemgrep`` for ``--experimental``); ``semgrep`` on ``PATH`` serves when no
semgrep is installed for this Python.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from releasegate.errors import ToolError

ENV_SEMGREP = "RELEASEGATE_SEMGREP"
NATIVE = "osemgrep"  # semgrep-core acts as semgrep's command line under this argv[0]
ENGINE_FLAG = "--experimental"  # `semgrep scan --experimental`: the native command line


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
    # semgrep starts in the judged tree: for a `semgrep` script (Python) an empty or
    # relative PYTHONPATH entry would put that tree on sys.path before site-packages, and
    # a `semgrep/` package committed in the head would run in semgrep's place. Only
    # absolute entries are kept.
    if "PYTHONPATH" in env:
        kept = [part for part in env["PYTHONPATH"].split(os.pathsep) if Path(part).is_absolute()]
        if kept:
            env["PYTHONPATH"] = os.pathsep.join(kept)
        else:
            del env["PYTHONPATH"]
    return env


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


@dataclass(frozen=True, kw_only=True)
class SemgrepCommand:
    """How to start semgrep: ``executable`` is run with ``argv0`` as its ``argv[0]``."""

    executable: str
    argv0: str
    version: str | None  # known without running it (the installed package's)
    engine: str  # for the evidence: which command line ran

    def argv(self, *args: str) -> list[str]:
        return [self.argv0, *args]

    def scan(self, *args: str) -> list[str]:
        return self.argv("scan", ENGINE_FLAG, *args)


def _site_dirs() -> list[Path]:
    """Where this Python's packages are installed (not ``sys.path``: no working
    directory, no ``PYTHONPATH``)."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys(Path(paths[key]) for key in ("purelib", "platlib")))


def installed() -> SemgrepCommand | None:
    """The native command line of the semgrep package installed for this Python."""
    for site in _site_dirs():
        core = site / "semgrep" / "bin" / "semgrep-core"
        if _executable(core):
            version = next(
                (d.version for d in metadata.distributions(name="semgrep", path=[str(site)])),
                None,
            )
            return SemgrepCommand(
                executable=str(core), argv0=NATIVE, version=version, engine=NATIVE
            )
    return None


def located(environ: Mapping[str, str]) -> SemgrepCommand:
    """The semgrep to run: ``RELEASEGATE_SEMGREP``, else the one installed for this
    Python, else ``semgrep`` on ``PATH``."""
    configured = environ.get(ENV_SEMGREP)
    if configured:
        return SemgrepCommand(
            executable=configured, argv0=configured, version=None, engine=ENV_SEMGREP
        )
    found = installed()
    if found is not None:
        return found
    on_path = shutil.which("semgrep", path=environ.get("PATH", ""))
    if on_path is None:
        raise ToolError("semgrep: not found", hint="pip install semgrep")
    return SemgrepCommand(executable=on_path, argv0=on_path, version=None, engine="PATH")
