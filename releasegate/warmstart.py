"""Python tools started ahead of need: their imports overlap releasegate's own work.

A tool written in Python (pysemgrep) spends most of a small run importing itself: about
2 s before it looks at the first file. ``start`` launches that interpreter at the start
of a run, in a session of its own, with the tool's final environment; it imports the
tool's modules and then waits for one job on stdin: ``{"argv": [...], "cwd": "..."}``.
On the job it changes to ``cwd``, sets ``sys.argv`` and calls the tool's console-script
function, exactly the code its console script runs (imports ahead of time are the only
difference). ``take`` hands the process to the check that runs the tool
(``procs.ToolRunner.run(prestarted=...)``); a process nobody takes reads end-of-file
when it is released, or when releasegate exits, and ends without doing anything.

Nothing here changes what the tool does: the environment is fixed when the process
starts and a caller takes the process only when that is exactly the environment it
would give the tool (``take`` compares them); otherwise it starts the tool as usual.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.procs import Prestarted, kill_group

# The interpreter's program: import the tool, wait for the job, run the tool's entry.
# A failed import is the tool's own failure (as its console script would show it): it
# is printed when the job arrives, with the exit status of an uncaught exception.
_BOOT = """\
import importlib, json, os, shutil, sys, traceback
def boot():
    entry_module, entry_name, *preload = sys.argv[1:]
    failed = None
    try:
        for name in (entry_module, *preload):
            importlib.import_module(name)
    except BaseException:
        failed = traceback.format_exc()
    line = sys.stdin.buffer.readline()
    if not line:
        # Released, or releasegate ended (even killed): remove the scratch it made.
        shutil.rmtree(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), True)
        raise SystemExit(0)
    job = json.loads(line)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if failed is not None:
        sys.stderr.write(failed)
        raise SystemExit(1)
    os.chdir(job["cwd"])
    sys.argv = list(job["argv"])
    raise SystemExit(getattr(sys.modules[entry_module], entry_name)())
if __name__ == "__main__":
    boot()
"""


@dataclass(frozen=True, kw_only=True)
class Warm:
    """One interpreter started ahead of need, with the scratch directory its
    environment names (removed with it)."""

    python: str
    entry: str
    env: Mapping[str, str]
    scratch: Path
    proc: subprocess.Popen[bytes]

    def prestarted(self, argv: Sequence[str], cwd: Path) -> Prestarted:
        job = json.dumps({"argv": list(argv), "cwd": str(cwd)}) + "\n"
        return Prestarted(proc=self.proc, job=job.encode("utf-8"))

    def close(self) -> None:
        """End it (if it is still waiting: end-of-file, then a kill) and remove its scratch."""
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        if self.proc.poll() is None:
            kill_group(self.proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


_lock = threading.Lock()
_warm: dict[str, Warm] = {}


def start(
    name: str,
    *,
    python: str,
    entry: str,
    preload: Sequence[str],
    env_for: Callable[[Path], Mapping[str, str]],
) -> None:
    """Start ``python`` importing ``entry`` (``module:function``) and ``preload``, with
    the environment ``env_for(scratch)``, for a later ``take(name, ...)``.

    Best effort: when the interpreter cannot be started nothing is registered and the
    tool is started as usual when it is needed (its own error, if any, is reported then).
    """
    module, _, function = entry.partition(":")
    scratch = Path(tempfile.mkdtemp(prefix=f"releasegate-{name}-"))
    env = dict(env_for(scratch))
    # A program file, not ``-c``: ``sys.path[0]`` is then this private directory, as a
    # console script's is its own (``-c`` would put the working directory first).
    boot = scratch / "boot" / "releasegate_warm_boot.py"
    try:
        boot.parent.mkdir()
        boot.write_text(_BOOT, encoding="utf-8")
        proc = subprocess.Popen(
            [python, str(boot), module, function, *preload],
            cwd=boot.parent,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
        return
    warm = Warm(python=python, entry=entry, env=env, scratch=scratch, proc=proc)
    with _lock:
        old = _warm.pop(name, None)
        _warm[name] = warm
    if old is not None:
        old.close()


def take(
    name: str, *, python: str, entry: str, env_for: Callable[[Path], Mapping[str, str]]
) -> Warm | None:
    """The interpreter ``start(name, ...)`` started, if it runs ``entry`` on ``python``
    with exactly the environment ``env_for`` gives for its scratch directory, and is still
    waiting; it is the caller's to ``close``.

    A process that does not match (or has ended) is closed, and None returned.
    """
    with _lock:
        warm = _warm.pop(name, None)
    if warm is None:
        return None
    if (
        warm.python == python
        and warm.entry == entry
        and dict(warm.env) == dict(env_for(warm.scratch))
        and warm.proc.poll() is None
    ):
        return warm
    warm.close()
    return None


def release(name: str) -> None:
    """End the interpreter waiting under ``name``, if any: it will not be needed."""
    with _lock:
        warm = _warm.pop(name, None)
    if warm is not None:
        warm.close()


def release_all() -> None:
    with _lock:
        names = list(_warm)
    for name in names:
        release(name)


atexit.register(release_all)
