"""How the tests run the releasegate CLI: the real console script, or a forked run.

``run`` behaves as ``subprocess.run([releasegate, *args], capture_output=True,
text=True, env=..., cwd=..., timeout=...)``. By default the run is forked from a
zygote that imported the CLI once (``tests/rg_zygote.py``, which says why and
what it keeps equal); the console script itself is exec'd when the test changes
what import time reads, or for every run with ``RG_TEST_EXEC=1`` (in the
environment of the tests or of the one run).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ENV_EXEC = "RG_TEST_EXEC"
ZYGOTE = Path(__file__).resolve().parent / "rg_zygote.py"

# What a forked run inherits from the zygote's imports rather than redoing: a
# test that sets any of these gets the real console script.
_IMPORT_TIME_NAMES = ("PATH", "LANG", "LANGUAGE", "HOME")
_IMPORT_TIME_PREFIXES = ("LC_", "PYTHON", "GIT_PYTHON_")

# The environment the zygote is started with: the worker's, before any test ran.
_BASE_ENV = dict(os.environ)


def console_script() -> list[str]:
    """The installed ``releasegate`` beside this Python, else on PATH, else ``-m``."""
    beside = Path(sys.executable).parent / "releasegate"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    exe = shutil.which("releasegate")
    return [exe] if exe else [sys.executable, "-m", "releasegate"]


def _import_time_view(env: dict[str, str]) -> dict[str, str]:
    # releasegate's own import sets GIT_PYTHON_REFRESH (in the zygote too).
    return {
        name: value
        for name, value in env.items()
        if (name in _IMPORT_TIME_NAMES or name.startswith(_IMPORT_TIME_PREFIXES))
        and name != "GIT_PYTHON_REFRESH"
    }


class _Zygote:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="rg-zygote-")
        self.socket = str(Path(self.dir) / "socket")
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE), self.socket],
            env=_BASE_ENV,
            stdin=subprocess.PIPE,  # closed when this process ends: the zygote then exits
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.dir,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"releasegate test zygote did not start: {ready!r}")
        atexit.register(self.close)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(
        self, argv: list[str], env: dict[str, str], cwd: str, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="rg-run-") as scratch:
            out, err = str(Path(scratch) / "stdout"), str(Path(scratch) / "stderr")
            request = {"argv": argv, "env": env, "cwd": cwd, "stdout": out, "stderr": err}
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(timeout)
                conn.connect(self.socket)
                conn.sendall(json.dumps(request).encode("utf-8") + b"\n")
                replies = conn.makefile("rb")
                pid = int(json.loads(replies.readline())["pid"])
                try:
                    line = replies.readline()
                except TimeoutError:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(argv, timeout) from None
                if not line:
                    raise RuntimeError("releasegate test zygote: the handler died")
                returncode = int(json.loads(line)["returncode"])
            return subprocess.CompletedProcess(argv, returncode, _text(out), _text(err))


def _text(path: str) -> str:
    """The file decoded as ``subprocess.run(text=True)`` decodes a pipe."""
    return io.TextIOWrapper(io.BytesIO(Path(path).read_bytes())).read()


_zygote: _Zygote | None = None
_BASE_VIEW = _import_time_view(_BASE_ENV)


def forkable(env: dict[str, str]) -> bool:
    """Whether a run with this environment may be forked rather than exec'd."""
    return env.get(ENV_EXEC) != "1" and _import_time_view(env) == _BASE_VIEW


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    global _zygote  # noqa: PLW0603 - one zygote per test process, made on first use
    argv = [*console_script(), *args]
    full = {**os.environ, **(env or {})}
    if not (forkable(full) and len(argv) == 1 + len(args)):
        return subprocess.run(
            argv, check=False, capture_output=True, text=True, env=full, cwd=cwd, timeout=timeout
        )
    if _zygote is None or _zygote.process.poll() is not None:
        _zygote = _Zygote()
    return _zygote.run(argv, full, str(cwd or Path.cwd()), timeout)
