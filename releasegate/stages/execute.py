"""Running a stage command, capturing its output to files, reading its results.

- Every command goes through ``ToolRunner.run``: its own process group, the
  stage's timeout (bounded by the check's), the whole group killed when it
  runs out; the root of the head tree as working directory; the environment
  of ``environment.stage_environment`` (an allow-list, a scratch HOME, no
  secrets); captured output masked of secrets (``releasegate.redact``).
- Stage commands of one releasegate process run one at a time: they share the
  head tree (result files, ports, databases), and concurrent test suites
  would make each other flaky.
- Output goes to ``<cache dir>/runs/<head sha>/<stage>/stdout.txt`` and
  ``stderr.txt``; the report references the files (path, size, last lines).
- A result file must be a regular file inside the head tree, at most
  ``MAX_RESULT_BYTES``, not committed in the head (the change under judgement
  cannot bring its own results), and, when a command ran, written by it.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.checkapi import CheckContext
from releasegate.errors import StageError, ToolError
from releasegate.files import FileTooLarge, read_capped
from releasegate.model import JSONValue
from releasegate.redact import redact
from releasegate.stages.environment import stage_environment

MAX_RESULT_BYTES = 64 * 1024 * 1024
TAIL_LINES = 20
TAIL_LINE_CHARS = 300

_COMMANDS = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class CapturedOutput:
    """One output stream of a command, written to a file."""

    path: Path
    size: int
    tail: tuple[str, ...]

    def to_json(self) -> dict[str, JSONValue]:
        return {"path": str(self.path), "bytes": self.size, "tail": list(self.tail)}


@dataclass(frozen=True, kw_only=True)
class CommandRun:
    argv: tuple[str, ...]
    returncode: int
    seconds: float
    stdout: CapturedOutput
    stderr: CapturedOutput
    removed: tuple[str, ...]
    not_passed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "command": list(self.argv),
            "exit_code": self.returncode,
            "seconds": round(self.seconds, 3),
            "stdout": self.stdout.to_json(),
            "stderr": self.stderr.to_json(),
            "secrets_removed_from_environment": list(self.removed),
            "environment_not_passed": list(self.not_passed),
        }


def _tail(data: bytes) -> tuple[str, ...]:
    lines = data.decode("utf-8", "replace").splitlines()[-TAIL_LINES:]
    return tuple(
        line if len(line) <= TAIL_LINE_CHARS else line[: TAIL_LINE_CHARS - 1] + "…"
        for line in lines
    )


def _capture(path: Path, data: bytes, withheld: Sequence[str]) -> CapturedOutput:
    """Write a command's output, masked of the withheld secrets and credential shapes."""
    masked = redact(data.decode("utf-8", "surrogateescape"), withheld)
    clean = masked.encode("utf-8", "surrogateescape")
    path.write_bytes(clean)
    return CapturedOutput(path=path, size=len(clean), tail=_tail(clean))


def run_directory(ctx: CheckContext, stage: str) -> Path:
    """A fresh directory for the output of ``stage`` on the head commit."""
    path = ctx.cache_dir / "runs" / ctx.release.head / stage
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_command(
    ctx: CheckContext,
    argv: Sequence[str],
    *,
    output_dir: Path,
    timeout: float | None,
    label: str,
    extra_env: Mapping[str, str] | None = None,
) -> CommandRun:
    """Run a stage command in the head tree; raises ``StageError`` if it cannot finish."""
    wait = ctx.tools.remaining()
    if not _COMMANDS.acquire(timeout=-1 if wait is None else wait):
        raise StageError(f"{label}: ran out of time waiting for another stage's command")
    try:
        with tempfile.TemporaryDirectory(prefix="releasegate-home-") as home:
            stage_env = stage_environment(ctx.environment.variables, Path(home))
            env = {**stage_env.env, **(extra_env or {})}
            done = ctx.tools.run(argv, cwd=ctx.tree, env=env, timeout=timeout, tool=label)
    except ToolError as exc:
        raise StageError(exc.message, hint=exc.hint) from None
    finally:
        _COMMANDS.release()
    output_dir.mkdir(parents=True, exist_ok=True)
    withheld = stage_env.withheld_values
    return CommandRun(
        argv=tuple(argv),
        returncode=done.returncode,
        seconds=done.seconds,
        stdout=_capture(output_dir / "stdout.txt", done.stdout, withheld),
        stderr=_capture(output_dir / "stderr.txt", done.stderr, withheld),
        removed=stage_env.secrets_removed,
        not_passed=stage_env.not_passed,
    )


Stamp = tuple[int, int, int]


def stamp(ctx: CheckContext, path: str) -> Stamp | None:
    """What identifies the file at ``path`` now (inode, size, mtime), None if absent."""
    try:
        info = (ctx.tree / path).stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


@dataclass(frozen=True, kw_only=True)
class ResultFile:
    path: str
    data: bytes

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "path": self.path,
            "bytes": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


def read_result_file(
    ctx: CheckContext, path: str, *, what: str, before: Stamp | None = None, ran: bool = False
) -> ResultFile:
    """The result file at repository path ``path`` of the head tree.

    ``ran``: a command was run to write it, and ``before`` is the file's stamp
    from before that command (a file the command did not rewrite is stale).
    """
    if ctx.release.show(ctx.release.head, path) is not None:
        raise StageError(
            f"{what} {path}: is committed in the head commit; results must come from this "
            "run or an earlier CI job, not from the change under judgement",
            hint="remove it from the repository (and add it to .gitignore)",
        )
    tree = ctx.tree.resolve()
    target = tree / path
    where = "the head tree" if tree == ctx.release.root else f"the head tree ({tree})"
    try:
        resolved = target.resolve(strict=True)
    except FileNotFoundError:
        hint = (
            "did the command write it there?"
            if ran
            else "results left by an earlier CI job are read from the work tree, and only "
            "when it is checked out at the head commit"
        )
        raise StageError(f"{what} {path}: not found in {where}", hint=hint) from None
    except (OSError, RuntimeError) as exc:
        raise StageError(f"{what} {path}: cannot be read: {exc}") from None
    if not resolved.is_relative_to(tree):
        raise StageError(f"{what} {path}: leads outside the repository (a symbolic link?)")
    info = resolved.stat()
    if not stat.S_ISREG(info.st_mode):
        raise StageError(f"{what} {path}: is not a regular file")
    if info.st_size > MAX_RESULT_BYTES:
        raise StageError(
            f"{what} {path}: {info.st_size} bytes, more than the {MAX_RESULT_BYTES} bytes "
            "releasegate reads"
        )
    if ran and before is not None and stamp(ctx, path) == before:
        raise StageError(
            f"{what} {path}: the command did not write it (the file is left over from an "
            "earlier run)"
        )
    try:
        data = read_capped(resolved, MAX_RESULT_BYTES)
    except FileTooLarge:
        grew = f"{what} {path}: grew beyond {MAX_RESULT_BYTES} bytes while read"
        raise StageError(grew) from None
    return ResultFile(path=path, data=data)


def read_run_file(path: Path, *, what: str) -> bytes:
    """A result file the stage had its command write into the run directory (size-capped)."""
    try:
        return read_capped(path, MAX_RESULT_BYTES)
    except OSError as exc:
        raise StageError(f"{what} {path}: cannot be read: {exc}") from None
    except FileTooLarge:
        raise StageError(
            f"{what} {path}: more than the {MAX_RESULT_BYTES} bytes releasegate reads"
        ) from None
