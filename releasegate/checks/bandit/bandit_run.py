"""Running bandit: processes, parallel shards, and the retry on newer interpreters.

The files are split into shards balanced by size and run concurrently, each in
argv-sized chunks (one bandit process a chunk). Files the primary interpreter
cannot parse are retried on each newer one found (``interpreters``). What every
process made of its files is kept in an ``Outcome``; nothing is dropped.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet

from releasegate.checkapi import CheckContext
from releasegate.checks.bandit.bandit_output import (
    TOOL,
    FileError,
    FileMetrics,
    Issue,
    OutputError,
    Report,
    parse_report,
)
from releasegate.checks.bandit.interpreters import BanditPython, BanditPythons, Selection
from releasegate.errors import ToolError
from releasegate.procs import chunked, first_line

SYNTAX_ERROR = "syntax error while parsing AST from file"
FILES_PER_SHARD = 50
MAX_CHUNK_FILES = 500
MAX_CHUNK_CHARS = 64 * 1024
_NAMES_IN_CAUSE = 5


# --- shards and chunks --------------------------------------------------------------------


def shard_count(files: int, cpus: int | None = None) -> int:
    """How many concurrent shards ``files`` files are worth."""
    return max(1, min(cpus or os.cpu_count() or 1, math.ceil(files / FILES_PER_SHARD)))


def balance(sizes: Mapping[str, int], shards: int) -> list[list[str]]:
    """Split files into ``shards`` lists of roughly equal total size (largest first)."""
    buckets: list[list[str]] = [[] for _ in range(max(shards, 1))]
    loads = [0] * len(buckets)
    for path in sorted(sizes, key=lambda p: (-sizes[p], p)):
        lightest = loads.index(min(loads))
        buckets[lightest].append(path)
        loads[lightest] += sizes[path] + 1
    return [sorted(bucket) for bucket in buckets if bucket]


# --- running bandit -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Settings:
    tree: Path
    skips: tuple[str, ...]
    ini: Path
    pycache: Path


@dataclass(frozen=True, kw_only=True)
class _Chunk:
    """One bandit process: the files it was given and its report, or why there is none."""

    files: tuple[str, ...]
    report: Report | None
    failure: str | None = None


@dataclass(frozen=True, kw_only=True)
class _Pass:
    """What one interpreter made of some files."""

    python: BanditPython
    chunks: tuple[_Chunk, ...]
    shard_seconds: tuple[float, ...]
    shard_files: tuple[int, ...]


def _argv_path(path: str) -> str:
    # bandit reads standard input for a target named "-".
    return f"./{path}" if path == "-" else path


def _invoke(ctx: CheckContext, python: BanditPython, files: Sequence[str], s: _Settings) -> Report:
    """One bandit process over ``files``; raises ``ToolError`` with a one-line cause."""
    args = ["-f", "json", "-q", "--ignore-nosec", "--ini", str(s.ini), "-x", ""]
    if s.skips:
        args += ["-s", ",".join(s.skips)]
    args += ["--", *(_argv_path(path) for path in files)]
    who = f"bandit on Python {python.version_text}"
    done = ctx.tools.run(
        python.bandit_argv(args, pycache=s.pycache), cwd=s.tree, tool=TOOL, cores=1
    )
    if done.returncode not in (0, 1):
        raise ToolError(
            f"{who} exited with status {done.returncode}: {first_line(done.stderr or done.stdout)}",
            hint="run bandit by hand on these files to see why",
        )
    try:
        report = parse_report(done.stdout, requested=set(files))
    except OutputError as exc:
        detail = first_line(done.stderr) if done.stderr.strip() else first_line(done.stdout, 120)
        raise ToolError(
            f"{who} printed unusable output ({exc}): {detail}",
            hint="check that bandit is installed correctly",
        ) from None
    if done.returncode == 1 and not report.issues:
        raise ToolError(
            f"{who} exited with status 1 but reported no issue: {first_line(done.stderr)}"
        )
    if done.returncode == 0 and report.issues:
        raise ToolError(f"{who} exited with status 0 but reported {len(report.issues)} issue(s)")
    return report


def _size(tree: Path, path: str) -> int:
    try:
        return (tree / path).stat().st_size
    except OSError:
        return 0


def _scan(ctx: CheckContext, python: BanditPython, files: Sequence[str], s: _Settings) -> _Pass:
    sizes = {path: _size(s.tree, path) for path in files}
    shards = balance(sizes, shard_count(len(files)))

    def run_shard(shard: list[str]) -> tuple[list[_Chunk], float]:
        started = time.monotonic()
        chunks: list[_Chunk] = []
        for part in chunked(shard, max_files=MAX_CHUNK_FILES, max_chars=MAX_CHUNK_CHARS):
            try:
                report = _invoke(ctx, python, part, s)
            except ToolError as exc:
                chunks.append(_Chunk(files=tuple(part), report=None, failure=exc.diagnostics()))
            else:
                chunks.append(_Chunk(files=tuple(part), report=report))
        return chunks, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(shards)) as pool:
        outcomes = list(pool.map(run_shard, shards))
    return _Pass(
        python=python,
        chunks=tuple(chunk for chunks, _ in outcomes for chunk in chunks),
        shard_seconds=tuple(round(seconds, 3) for _, seconds in outcomes),
        shard_files=tuple(len(shard) for shard in shards),
    )


# --- analysing: on the primary interpreter, then on newer ones ----------------------------


def _show(path: str) -> str:
    """A path as one printable line (git allows line breaks in file names)."""
    return path if path.isprintable() else repr(path)


def names(paths: Sequence[str]) -> str:
    shown = ", ".join(_show(path) for path in paths[:_NAMES_IN_CAUSE])
    more = len(paths) - _NAMES_IN_CAUSE
    return f"{shown} and {more} more" if more > 0 else shown


@dataclass(frozen=True, kw_only=True)
class Outcome:
    issues: list[Issue]
    analysed: dict[str, tuple[BanditPython, FileMetrics]]
    file_errors: list[FileError]
    unparsed: list[str]
    failures: list[str]
    passes: list[_Pass]


def _analyse(
    ctx: CheckContext, pythons: BanditPythons, primary: BanditPython, s: _Settings, files: list[str]
) -> Outcome:
    """Scan ``files`` on ``primary``; retry what it cannot parse on newer interpreters."""
    out = Outcome(issues=[], analysed={}, file_errors=[], unparsed=[], failures=[], passes=[])
    newer: list[BanditPython] | None = None
    python = primary
    pending = files
    while True:
        done = _scan(ctx, python, pending, s)
        out.passes.append(done)
        retry: list[str] = []
        for chunk in done.chunks:
            if chunk.report is None:
                out.failures.append(
                    f"{chunk.failure} [{len(chunk.files)} file(s) not scanned: "
                    f"{names(chunk.files)}]"
                )
                continue
            report = chunk.report
            failed = {error.path for error in report.errors}
            out.issues.extend(issue for issue in report.issues if issue.path not in failed)
            for path, metrics in report.metrics.items():
                if path not in failed:
                    out.analysed[path] = (python, metrics)
            for error in report.errors:
                if error.reason == SYNTAX_ERROR:
                    retry.append(error.path)
                else:
                    out.file_errors.append(error)
            for path in chunk.files:
                if path not in failed and path not in report.metrics:
                    out.file_errors.append(
                        FileError(path=path, reason="bandit neither analysed nor reported it")
                    )
        pending = sorted(set(retry))
        if not pending:
            break
        if newer is None:
            newer = pythons.newer(primary)
        if not newer:
            break
        python = newer.pop(0)
    out.unparsed.extend(pending)
    return out


@dataclass(frozen=True, kw_only=True)
class Fresh:
    """The files analysed in this run, and what analysed them."""

    selection: Selection
    outcome: Outcome
    from_env: bool


def analyse_misses(
    ctx: CheckContext, requires: SpecifierSet | None, skips: tuple[str, ...], files: list[str]
) -> Fresh:
    """Pick the interpreters (probing them) and analyse ``files``; raises ``ToolError``."""
    pythons = BanditPythons(ctx.tools, ctx.cache_dir, environ=ctx.environment.variables)
    selection = pythons.select(requires)
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bandit-", dir=ctx.cache_dir) as scratch:
        ini = Path(scratch) / "releasegate.bandit"
        # An empty [bandit] section: bandit reads no .bandit file of the tree.
        ini.write_text("[bandit]\n", encoding="utf-8")
        settings = _Settings(tree=ctx.tree, skips=skips, ini=ini, pycache=ctx.cache_dir / "pycache")
        outcome = _analyse(ctx, pythons, selection.primary, settings, files)
    return Fresh(selection=selection, outcome=outcome, from_env=pythons.from_environment)
