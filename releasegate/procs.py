"""Running external tools: own process group, wall-clock limit, kill the whole group.

Every external call goes through ``ToolRunner.run``. The runner of a check can
be cancelled from outside (the check timed out): every process group it
started is then killed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.errors import ToolError


@dataclass(frozen=True, kw_only=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float


_DRAIN_SECONDS = 5.0  # after a kill, how long to wait for the output pipes to close
_RUNNERS: weakref.WeakSet[ToolRunner] = weakref.WeakSet()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group ``proc`` leads (every tool starts a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _pipe_inodes(proc: subprocess.Popen[bytes]) -> set[int]:
    inodes: set[int] = set()
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream is not None and not stream.closed:
            with contextlib.suppress(OSError, ValueError):
                inodes.add(os.fstat(stream.fileno()).st_ino)
    return inodes


def pipe_holders(inodes: set[int]) -> set[int]:
    """Processes (other than this one) holding one of the pipes ``inodes``: whatever a
    tool started that outlived its process group (a daemon in a session of its own)."""
    wanted = {f"pipe:[{inode}]" for inode in inodes}
    found: set[int] = set()
    me = os.getpid()
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if str(fd.readlink()) in wanted:
                        found.add(int(entry.name))
                        break
    return found


def _kill_everything(proc: subprocess.Popen[bytes]) -> int:
    """Kill the tool's group and every process holding its pipes; how many escapees."""
    _kill_group(proc)
    escaped = pipe_holders(_pipe_inodes(proc)) - {proc.pid}
    for pid in escaped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return len(escaped)


def _drain(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """What a killed tool printed, waiting at most ``_DRAIN_SECONDS`` for its pipes."""
    try:
        stdout, stderr = proc.communicate(timeout=_DRAIN_SECONDS)
    except subprocess.TimeoutExpired:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_DRAIN_SECONDS)
        return b"", b""
    return stdout or b"", stderr or b""


class _NoCores(Exception):
    """The deadline came while a lease waited for its cores."""


class _Stopped(Exception):
    """The check was cancelled while a lease waited for its cores."""


class CpuSlots:
    """The machine's cores, leased to the CPU-bound tools of a run, first come first served.

    semgrep (whose worker domains spin while one of them waits for a core) and
    bandit's shards, run side by side on more processes than cores, did not finish
    sooner than one after the other: on 2 cores they took 37-44 s together against
    37.5 s in turn, semgrep's CPU time growing by 9-16 s. A tool that asks for more
    cores than there are gets them all."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self._free = self.total
        self._queue: list[object] = []  # waiting leases, in the order they asked
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def lease(
        self, cores: int, *, stop: Callable[[], bool], deadline: float | None
    ) -> Iterator[None]:
        """Hold ``cores`` (at most all) while the block runs. Raises ``_NoCores`` at
        ``deadline`` (``time.monotonic``) and ``_Stopped`` once ``stop()``."""
        want = min(max(cores, 1), self.total)
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or self._free < want:
                    if stop():
                        raise _Stopped
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise _NoCores
                    self._changed.wait(0.25 if left is None else min(left, 0.25))
            finally:
                self._queue.remove(ticket)
                self._changed.notify_all()
            self._free -= want
        try:
            yield
        finally:
            with self._changed:
                self._free += want
                self._changed.notify_all()


CPU = CpuSlots(os.cpu_count() or 1)


def cancel_all() -> None:
    """Kill every tool any runner of this process started (on SIGTERM / SIGINT)."""
    for runner in list(_RUNNERS):
        runner.cancel()


class ToolRunner:
    """Starts tools for one check, each in a new session, within a deadline."""

    def __init__(self, *, deadline: float | None = None) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[bytes]] = set()
        self._cancelled = False
        _RUNNERS.add(self)

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return max(self.deadline - time.monotonic(), 0.0)

    def cancel(self) -> None:
        """Kill every process group this runner started and refuse new ones."""
        with self._lock:
            self._cancelled = True
            live = list(self._live)
        for proc in live:
            _kill_everything(proc)

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
        tool: str | None = None,
        executable: str | None = None,
        cores: int | None = None,
    ) -> Completed:
        """Run ``argv`` to completion. Raises ``ToolError`` if missing or timed out.

        ``executable`` is the file to run when it is not ``argv[0]`` (a program that acts
        on the name it is started under). ``cores``: a CPU-bound tool that keeps that many
        cores busy starts once ``CPU`` can lease them (its wait counts against its time)."""
        name = tool or Path(argv[0]).name
        started = time.monotonic()
        call = functools.partial(
            self._run,
            argv,
            name=name,
            cwd=cwd,
            env=env,
            stdin=stdin,
            timeout=timeout,
            executable=executable,
            started=started,
        )
        if cores is None:
            return call()
        deadline = self.deadline
        if timeout is not None:
            deadline = started + timeout if deadline is None else min(deadline, started + timeout)
        try:
            with CPU.lease(cores, stop=lambda: self._cancelled, deadline=deadline):
                return call()
        except _NoCores:
            raise ToolError(
                f"{name}: timed out after {time.monotonic() - started:.0f}s waiting for a "
                "free core (other tools of this run held them) and was not started",
                hint="raise timeout_seconds in the policy, or scan less",
            ) from None
        except _Stopped:
            raise ToolError(f"{name}: not started, the check was cancelled") from None

    def _run(
        self,
        argv: Sequence[str],
        *,
        name: str,
        cwd: Path | None,
        env: Mapping[str, str] | None,
        stdin: bytes | None,
        timeout: float | None,
        executable: str | None,
        started: float,
    ) -> Completed:
        limit = self.remaining()
        if timeout is not None:
            left = max(timeout - (time.monotonic() - started), 0.0)
            limit = left if limit is None else min(limit, left)
        with self._lock:
            if self._cancelled:
                raise ToolError(f"{name}: not started, the check was cancelled")
            proc = self._start(
                argv, name, executable=executable, cwd=cwd, env=env, stdin=stdin is not None
            )
            self._live.add(proc)
        try:
            stdout, stderr = proc.communicate(stdin, timeout=limit)
        except subprocess.TimeoutExpired:
            escaped = _kill_everything(proc)
            _drain(proc)
            also = (
                f" (with {escaped} process(es) it had started in a session of their own)"
                if escaped
                else ""
            )
            raise ToolError(
                f"{name}: timed out after {time.monotonic() - started:.0f}s and was stopped{also}",
                hint="raise timeout_seconds in the policy, or scan less",
            ) from None
        finally:
            # The tool may have left children behind in its group; they die with it.
            _kill_group(proc)
            with self._lock:
                self._live.discard(proc)
        if self._cancelled:
            raise ToolError(f"{name}: stopped, the check ran out of time")
        return Completed(
            argv=tuple(argv),
            returncode=proc.returncode,
            stdout=stdout,
            stderr=stderr,
            seconds=time.monotonic() - started,
        )

    @staticmethod
    def _start(
        argv: Sequence[str],
        name: str,
        *,
        executable: str | None,
        cwd: Path | None,
        env: Mapping[str, str] | None,
        stdin: bool,
    ) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                list(argv),
                executable=executable,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise ToolError(
                f"{name}: not found ({executable or argv[0]})",
                hint=f"install {name} into the environment that runs releasegate",
            ) from None
        except PermissionError:
            raise ToolError(f"{name}: {executable or argv[0]} is not executable") from None


def first_line(data: bytes | str, limit: int = 300) -> str:
    """The first non-empty line of tool output, for a one-line cause."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return "(no output)"


ARGV_CHUNK_FILES = 500
ARGV_CHUNK_CHARS = 64 * 1024


def chunked(
    files: Sequence[str],
    *,
    max_files: int = ARGV_CHUNK_FILES,
    max_chars: int = ARGV_CHUNK_CHARS,
) -> list[list[str]]:
    """Split file arguments so that no command line gets near the OS limits."""
    chunks: list[list[str]] = []
    current: list[str] = []
    chars = 0
    for path in files:
        if current and (len(current) >= max_files or chars + len(path) + 1 > max_chars):
            chunks.append(current)
            current, chars = [], 0
        current.append(path)
        chars += len(path) + 1
    if current:
        chunks.append(current)
    return chunks
