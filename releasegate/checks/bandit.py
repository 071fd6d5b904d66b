"""bandit: the Python security linter, as the first static check.

What is scanned: the tracked files the policy's ``static.include`` /
``static.exclude`` globs put in scope (``releasegate.scope``), as relative
paths from the tree root, so that reported paths are repository paths.

The project under judgement is untrusted, so it cannot configure its own
judge:

- bandit is given an empty ``--ini`` file of ours, so a ``.bandit`` file in the
  tree is never read; no ``-c`` is given, so ``pyproject.toml [tool.bandit]``
  and ``setup.cfg`` are never read either (bandit reads them only when named);
- ``-x ""`` replaces bandit's default excluded paths, which match by
  *substring* and would silently drop e.g. ``tools/.github_release.py`` or
  ``CVSparser.py``: releasegate's scope alone decides what is scanned;
- ``--ignore-nosec``: ``# nosec`` comments are written by the authors of the
  code under judgement. Governed suppressions (waivers with an owner and an
  expiry, in the trusted policy) replace them; until then every finding is
  reported and ``decide()`` applies the policy;
- interpreters run isolated (``-I``, see ``releasegate.interpreters``), so
  modules in the tree cannot replace bandit or its dependencies.

Only ``static.bandit.skips`` from the trusted policy becomes ``-s``.

bandit is CPU-bound, so the files are split into shards balanced by size and
run concurrently, each in argv-sized chunks. bandit parses with the ``ast`` of
the interpreter it runs on: files it cannot parse on the primary interpreter
are retried on each newer one found. Nothing is skipped silently: a file no
interpreter can parse, a file bandit could not scan, a file bandit neither
analysed nor reported, a crash, an unexpected exit status or output all make
the check ``error`` with a one-line cause naming the file or the tool.

Re-runs are near free: each file bandit analysed is stored in the
content-addressed cache (``releasegate.cache``) under a salt of everything its
result depends on that is known without running anything (bandit's version in
releasegate's environment, the installed bandit plugins, the skips, the
project's ``requires-python``). Only the files not found there are analysed,
and only then are interpreters probed: a fully warm run starts no process. A
file that errored, was not parsed or belonged to a failed bandit run is never
stored, so it is retried next time; a stored entry is validated as strictly as
bandit's own output and is a miss when it does not have the expected shape.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import ClassVar

from packaging.specifiers import SpecifierSet

from releasegate.cache import FileResultCache, digest_of
from releasegate.checkapi import BaseCheck, CheckContext
from releasegate.errors import ToolError
from releasegate.fingerprint import Located, fingerprints, read_source
from releasegate.interpreters import (
    BANDIT_DIST,
    ENV_VAR,
    BanditPython,
    BanditPythons,
    Selection,
    project_requires_python,
)
from releasegate.model import CheckResult, Confidence, Finding, JSONValue, Severity, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.procs import chunked, first_line
from releasegate.scope import select_files

TOOL = "bandit"
SYNTAX_ERROR = "syntax error while parsing AST from file"
FILES_PER_SHARD = 50
MAX_CHUNK_FILES = 500
MAX_CHUNK_CHARS = 64 * 1024
_NAMES_IN_CAUSE = 5
_TEST_ID = re.compile(r"^[A-Z]+\d+$")
# Bump when what a cached per-file result holds, or what it means, changes.
RESULT_FORMAT = "bandit-file-result-1"
SELECTION_TOOL = "bandit-selection"
_SELECTION_KEY = "selection"
_PLUGIN_GROUPS = ("bandit.plugins", "bandit.blacklists")
_VERSION_TEXT = re.compile(r"^\d+\.\d+\.\d+$")

_SEVERITIES = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_CONFIDENCES = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}


# --- bandit's JSON report, validated ------------------------------------------------------


class OutputError(ValueError):
    """bandit's output does not have the expected shape; ``str()`` says where."""


@dataclass(frozen=True, kw_only=True)
class Issue:
    path: str
    test_id: str
    test_name: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[int, ...]
    text: str
    line: int
    line_range: tuple[int, ...]
    col_offset: int | None
    more_info: str

    @property
    def first_line(self) -> int:
        return min((self.line, *self.line_range))

    @property
    def end_line(self) -> int:
        return max((self.line, *self.line_range))


@dataclass(frozen=True, kw_only=True)
class FileError:
    path: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class FileMetrics:
    loc: int
    nosec: int


@dataclass(frozen=True, kw_only=True)
class Report:
    """One bandit run: issues, per-file errors and per-file metrics, paths normalised."""

    issues: tuple[Issue, ...]
    errors: tuple[FileError, ...]
    metrics: Mapping[str, FileMetrics]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _missing(entry: Mapping[str, object], key: str, where: str) -> OutputError:
    if key not in entry:
        return OutputError(f"{where}: missing {key!r}")
    return OutputError(f"{where}: {key!r} is {type(entry[key]).__name__}, not the expected type")


def _str(entry: Mapping[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise _missing(entry, key, where)
    return value


def _int(entry: Mapping[str, object], key: str, where: str) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _missing(entry, key, where)
    return value


def _path(raw: str, requested: Collection[str], where: str) -> str:
    path = raw
    while path.startswith("./"):
        path = path[2:]
    if path not in requested:
        raise OutputError(f"{where}: reports {raw!r}, a file it was not asked to scan")
    return path


def _issue(raw: object, index: int, requested: Collection[str]) -> Issue:
    where = f"results[{index}]"
    if not isinstance(raw, dict):
        raise OutputError(f"{where} is not an object")
    path = _path(_str(raw, "filename", where), requested, where)
    test_id = _str(raw, "test_id", where)
    if not _TEST_ID.match(test_id):
        raise OutputError(f"{where}: test_id {test_id!r} is not a bandit test id")
    severity = _SEVERITIES.get(_str(raw, "issue_severity", where))
    confidence = _CONFIDENCES.get(_str(raw, "issue_confidence", where))
    if severity is None or confidence is None:
        raise OutputError(
            f"{where}: unknown severity/confidence "
            f"{raw['issue_severity']!r}/{raw['issue_confidence']!r}"
        )
    line = _int(raw, "line_number", where)
    if line < 1:
        raise OutputError(f"{where}: line_number {line} is not a line")
    line_range = raw.get("line_range", [line])
    if not isinstance(line_range, list) or not all(_is_int(n) and n >= 1 for n in line_range):
        raise OutputError(f"{where}: line_range is not a list of line numbers")
    cwe: tuple[int, ...] = ()
    raw_cwe = raw.get("issue_cwe")
    if raw_cwe is not None:
        if not isinstance(raw_cwe, dict):
            raise OutputError(f"{where}: issue_cwe is not an object")
        cwe_id = raw_cwe.get("id")
        if cwe_id is not None and not (_is_int(cwe_id) and cwe_id >= 0):
            raise OutputError(f"{where}: issue_cwe.id {cwe_id!r} is not a CWE number")
        if cwe_id:
            cwe = (int(cwe_id),)
    col = raw.get("col_offset")
    if col is not None and not (_is_int(col) and col >= 0):
        raise OutputError(f"{where}: col_offset {col!r} is not a column")
    more_info = raw.get("more_info", "")
    if not isinstance(more_info, str):
        raise OutputError(f"{where}: more_info is not a string")
    return Issue(
        path=path,
        test_id=test_id,
        test_name=_str(raw, "test_name", where),
        severity=severity,
        confidence=confidence,
        cwe=cwe,
        text=_str(raw, "issue_text", where),
        line=line,
        line_range=tuple(int(n) for n in line_range),
        col_offset=int(col) if col is not None else None,
        more_info=more_info,
    )


def parse_report(stdout: bytes, *, requested: Collection[str]) -> Report:
    """Validate bandit's ``-f json`` output; raises ``OutputError`` on anything unexpected.

    ``requested`` are the paths bandit was asked to scan: a report about any
    other file is unexpected too.
    """
    try:
        data = json.loads(stdout.decode("utf-8"))
    except UnicodeDecodeError:
        raise OutputError("output is not UTF-8") from None
    except ValueError as exc:
        raise OutputError(f"output is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise OutputError("output is not a JSON object")
    for key, kind in (("results", list), ("errors", list), ("metrics", dict)):
        if not isinstance(data.get(key), kind):
            raise OutputError(f"{key!r} is missing or not a {kind.__name__}")
    issues = tuple(_issue(raw, i, requested) for i, raw in enumerate(data["results"]))
    errors: list[FileError] = []
    for index, raw in enumerate(data["errors"]):
        where = f"errors[{index}]"
        if not isinstance(raw, dict):
            raise OutputError(f"{where} is not an object")
        path = _path(_str(raw, "filename", where), requested, where)
        reason = " ".join(_str(raw, "reason", where).split())[:300]
        errors.append(FileError(path=path, reason=reason))
    metrics: dict[str, FileMetrics] = {}
    for name, raw in data["metrics"].items():
        where = f"metrics[{name!r}]"
        if not isinstance(raw, dict):
            raise OutputError(f"{where} is not an object")
        if name == "_totals":
            continue
        path = _path(name, requested, where)
        metrics[path] = FileMetrics(loc=_int(raw, "loc", where), nosec=_int(raw, "nosec", where))
    return Report(issues=issues, errors=tuple(errors), metrics=metrics)


# --- per-file results, as the cache holds them --------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FileResult:
    """What bandit made of one file it analysed: all a re-run needs instead of analysing it.

    ``python`` is the version of the interpreter that parsed it; ``reparsed`` says
    whether that was a newer interpreter than the primary one.
    """

    issues: tuple[Issue, ...]
    metrics: FileMetrics
    python: str
    reparsed: bool


def _issue_json(issue: Issue) -> dict[str, JSONValue]:
    """``issue`` in bandit's own report shape, without the file name (the cache key has it)."""
    return {
        "test_id": issue.test_id,
        "test_name": issue.test_name,
        "issue_severity": issue.severity.name,
        "issue_confidence": issue.confidence.name,
        "issue_cwe": {"id": issue.cwe[0]} if issue.cwe else None,
        "issue_text": issue.text,
        "line_number": issue.line,
        "line_range": list(issue.line_range),
        "col_offset": issue.col_offset,
        "more_info": issue.more_info,
    }


def file_result_json(result: FileResult) -> dict[str, JSONValue]:
    return {
        "python": result.python,
        "reparsed": result.reparsed,
        "metrics": {"loc": result.metrics.loc, "nosec": result.metrics.nosec},
        "issues": [_issue_json(issue) for issue in result.issues],
    }


_RESULT_KEYS = frozenset(("python", "reparsed", "metrics", "issues"))


def file_result_from_json(path: str, raw: JSONValue) -> FileResult | None:
    """A cached result for ``path`` rebuilt with the checks bandit's own output gets.

    None when it does not have exactly the expected shape: the caller analyses
    the file instead of trusting the entry.
    """
    if not isinstance(raw, dict) or set(raw) != _RESULT_KEYS:
        return None
    python, reparsed = raw["python"], raw["reparsed"]
    metrics, issues = raw["metrics"], raw["issues"]
    if not (
        isinstance(python, str)
        and _VERSION_TEXT.match(python)
        and isinstance(reparsed, bool)
        and isinstance(metrics, dict)
        and isinstance(issues, list)
    ):
        return None
    try:
        loc = _int(metrics, "loc", "metrics")
        nosec = _int(metrics, "nosec", "metrics")
        rebuilt = tuple(
            _issue({**item, "filename": path} if isinstance(item, dict) else item, i, (path,))
            for i, item in enumerate(issues)
        )
    except OutputError:
        return None
    if loc < 0 or nosec < 0:
        return None
    return FileResult(
        issues=rebuilt,
        metrics=FileMetrics(loc=loc, nosec=nosec),
        python=python,
        reparsed=reparsed,
    )


def installed_bandit_version() -> str | None:
    """bandit's version in releasegate's own environment, known without running anything.

    Results are cached under it, so only results of an interpreter proven (by its
    probe) to run this very version are stored (``_Stored.save``).
    """
    try:
        return metadata.version(BANDIT_DIST)
    except metadata.PackageNotFoundError:
        return None


def _plugins() -> list[JSONValue]:
    """The bandit plugins installed next to releasegate: a new one can change results."""
    found: set[str] = set()
    for group in _PLUGIN_GROUPS:
        for entry in metadata.entry_points(group=group):
            dist = entry.dist
            owner = f"{dist.metadata['Name']} {dist.version}" if dist is not None else "?"
            found.add(f"{group}:{entry.name}={entry.value} ({owner})")
    return [*sorted(found)]


def cache_salt(bandit_version: str, skips: Sequence[str], requires_python: str | None) -> str:
    """Everything a file's result depends on besides its path and bytes, known without probing.

    ``requires_python`` decides which interpreter parses the files.
    """
    return digest_of(RESULT_FORMAT, bandit_version, list(skips), _plugins(), requires_python)


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
    done = ctx.tools.run(python.bandit_argv(args, pycache=s.pycache), cwd=s.tree, tool=TOOL)
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


# --- findings -----------------------------------------------------------------------------


def to_findings(issues: Sequence[Issue], tree: Path) -> list[Finding]:
    """Map bandit issues to findings, fingerprinted on the flagged source lines."""
    ordered = sorted(
        issues, key=lambda i: (i.path, i.line, i.col_offset or 0, i.test_id, i.end_line)
    )
    sources: dict[str, list[str]] = {}
    located: list[Located] = []
    for issue in ordered:
        if issue.path not in sources:
            sources[issue.path] = read_source(tree / issue.path)
        lines = sources[issue.path]
        code = "\n".join(lines[issue.first_line - 1 : issue.end_line])
        located.append(
            Located(tool=TOOL, rule_id=issue.test_id, path=issue.path, line=issue.line, code=code)
        )
    prints = fingerprints(located)
    return [
        Finding(
            tool=TOOL,
            rule_id=issue.test_id,
            rule_name=issue.test_name,
            severity=issue.severity,
            confidence=issue.confidence,
            path=issue.path,
            line=issue.line,
            end_line=issue.end_line,
            column=issue.col_offset + 1 if issue.col_offset is not None else None,
            message=issue.text,
            cwe=issue.cwe,
            help_uri=issue.more_info,
            fingerprint=fingerprint,
        )
        for issue, fingerprint in zip(ordered, prints, strict=True)
    ]


# --- the check ----------------------------------------------------------------------------


def _show(path: str) -> str:
    """A path as one printable line (git allows line breaks in file names)."""
    return path if path.isprintable() else repr(path)


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(_show(path) for path in paths[:_NAMES_IN_CAUSE])
    more = len(paths) - _NAMES_IN_CAUSE
    return f"{shown} and {more} more" if more > 0 else shown


def _next_minor(versions: Sequence[tuple[int, int, int]]) -> str:
    major, minor, _ = max(versions)
    return f"{major}.{minor + 1}"


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    issues: list[Issue]
    analysed: dict[str, tuple[BanditPython, FileMetrics]]
    file_errors: list[FileError]
    unparsed: list[str]
    failures: list[str]
    passes: list[_Pass]


def _analyse(
    ctx: CheckContext, pythons: BanditPythons, primary: BanditPython, s: _Settings, files: list[str]
) -> _Outcome:
    """Scan ``files`` on ``primary``; retry what it cannot parse on newer interpreters."""
    out = _Outcome(issues=[], analysed={}, file_errors=[], unparsed=[], failures=[], passes=[])
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
                    f"{_names(chunk.files)}]"
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


def _interpreters_json(outcome: _Outcome) -> list[JSONValue]:
    counts: dict[str, int] = {}
    for python, _ in outcome.analysed.values():
        counts[python.executable] = counts.get(python.executable, 0) + 1
    listed: list[JSONValue] = []
    seen: set[str] = set()
    for done in outcome.passes:
        if done.python.executable in seen:
            continue
        seen.add(done.python.executable)
        entry: dict[str, JSONValue] = dict(done.python.to_json())
        entry["files"] = counts.get(done.python.executable, 0)
        listed.append(entry)
    return listed


def _causes(outcome: _Outcome, tried: Sequence[BanditPython], from_env: bool) -> list[str]:
    causes = list(outcome.failures)
    if outcome.file_errors:
        by_reason: dict[str, list[str]] = {}
        for error in outcome.file_errors:
            by_reason.setdefault(error.reason, []).append(error.path)
        for reason, paths in sorted(by_reason.items()):
            unique = sorted(set(paths))
            causes.append(
                f"bandit could not scan {len(unique)} file(s) ({reason}): {_names(unique)}; "
                "run `bandit --debug FILE` on them to see why"
            )
    if outcome.unparsed:
        versions = ", ".join(python.version_text for python in tried)
        where = f"the interpreters in {ENV_VAR}" if from_env else "every interpreter found"
        causes.append(
            f"bandit could not parse {len(outcome.unparsed)} file(s) with {where} "
            f"(Python {versions}): {_names(outcome.unparsed)}; fix the syntax, or if the "
            f"code needs a newer Python, install Python >= "
            f"{_next_minor([p.version for p in tried])} (bandit runs on it via releasegate's "
            f"portable path) or set {ENV_VAR}"
        )
    return causes


@dataclass(frozen=True, kw_only=True)
class _Chosen:
    """What interpreter selection found that the evidence reports; kept for warm runs."""

    bandit_version: str
    tests: tuple[str, ...]
    note: str | None

    @classmethod
    def of(cls, selection: Selection) -> _Chosen:
        primary = selection.primary
        return cls(bandit_version=primary.bandit_version, tests=primary.tests, note=selection.note)

    def to_json(self) -> dict[str, JSONValue]:
        return {"bandit_version": self.bandit_version, "tests": list(self.tests), "note": self.note}

    @classmethod
    def from_json(cls, raw: JSONValue) -> _Chosen | None:
        if not isinstance(raw, dict) or set(raw) != {"bandit_version", "tests", "note"}:
            return None
        version, tests, note = raw["bandit_version"], raw["tests"], raw["note"]
        if not isinstance(version, str) or not isinstance(tests, list):
            return None
        names = [test for test in tests if isinstance(test, str)]
        if len(names) != len(tests) or not (note is None or isinstance(note, str)):
            return None
        return cls(bandit_version=version, tests=tuple(names), note=note)

    def notes(self, skips: Sequence[str]) -> list[JSONValue]:
        notes: list[JSONValue] = [self.note] if self.note else []
        unknown = [skip for skip in skips if skip not in self.tests]
        if unknown:
            notes.append(
                f"static.bandit.skips names tests bandit {self.bandit_version} "
                f"does not have, so they skip nothing: {', '.join(unknown)}"
            )
        return notes


@dataclass(frozen=True, kw_only=True)
class _Fresh:
    """The files analysed in this run, and what analysed them."""

    selection: Selection
    outcome: _Outcome
    from_env: bool


def _analyse_misses(
    ctx: CheckContext, requires: SpecifierSet | None, skips: tuple[str, ...], files: list[str]
) -> _Fresh:
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
    return _Fresh(selection=selection, outcome=outcome, from_env=pythons.from_environment)


def _issues_by_path(issues: Sequence[Issue]) -> dict[str, list[Issue]]:
    by_path: dict[str, list[Issue]] = {}
    for issue in issues:
        by_path.setdefault(issue.path, []).append(issue)
    return by_path


def _fresh_results(fresh: _Fresh) -> dict[str, FileResult]:
    """The result of every file analysed in this run."""
    by_path = _issues_by_path(fresh.outcome.issues)
    primary = fresh.selection.primary
    return {
        path: FileResult(
            issues=tuple(by_path.get(path, ())),
            metrics=metrics,
            python=python.version_text,
            reparsed=python is not primary,
        )
        for path, (python, metrics) in fresh.outcome.analysed.items()
    }


def _retry_next_time(outcome: _Outcome) -> set[str]:
    """Files never to store, whatever else bandit said about them: they must be retried."""
    retry = {error.path for error in outcome.file_errors} | set(outcome.unparsed)
    for done in outcome.passes:
        for chunk in done.chunks:
            if chunk.report is None:
                retry.update(chunk.files)
    return retry


@dataclass(frozen=True, kw_only=True)
class _Stored:
    """This check's part of the cache: per-file results, and the last selection's record."""

    bandit_version: str | None
    salt: str
    files: FileResultCache
    selection: FileResultCache

    @classmethod
    def open(cls, ctx: CheckContext, skips: Sequence[str], requires_python: str | None) -> _Stored:
        version = installed_bandit_version()
        salt = cache_salt(version or "", skips, requires_python)
        enabled = ctx.use_cache and version is not None
        key = ctx.cache_key
        return cls(
            bandit_version=version,
            salt=salt,
            files=FileResultCache(
                root=ctx.cache_dir, tool=TOOL, salt=salt, enabled=enabled, key=key
            ),
            selection=FileResultCache(
                root=ctx.cache_dir, tool=SELECTION_TOOL, salt=salt, enabled=enabled, key=key
            ),
        )

    def lookup(
        self, tree: Path, paths: Sequence[str]
    ) -> tuple[dict[str, FileResult], list[str], Mapping[str, str]]:
        """Cached results that pass validation, the files to analyse (in order), digests."""
        found = self.files.lookup(tree, paths)
        cached: dict[str, FileResult] = {}
        for path, raw in found.hits.items():
            result = file_result_from_json(path, raw)
            if result is not None:
                cached[path] = result
        # An entry without the expected shape is analysed again: count it as the miss it is.
        invalid = len(found.hits) - len(cached)
        stats = self.files.stats
        stats["hits"] -= invalid
        stats["misses"] += invalid
        stats["invalid"] = stats.get("invalid", 0) + invalid
        return cached, [path for path in paths if path not in cached], found.digests

    def chosen(self) -> _Chosen | None:
        return _Chosen.from_json(self.selection.get(_SELECTION_KEY, self.salt))

    def save(
        self, fresh: _Fresh, results: Mapping[str, FileResult], digests: Mapping[str, str]
    ) -> None:
        """Store what this run analysed, except what must be retried next time.

        The salt names the bandit of releasegate's environment: a result of any
        other bandit is never stored under it.
        """
        primary = fresh.selection.primary
        if primary.bandit_version == self.bandit_version:
            self.selection.put(_SELECTION_KEY, self.salt, _Chosen.of(fresh.selection).to_json())
        retry = _retry_next_time(fresh.outcome)
        for path, (python, _) in sorted(fresh.outcome.analysed.items()):
            digest = digests.get(path)
            if path in retry or digest is None or python.bandit_version != self.bandit_version:
                continue
            self.files.put(path, digest, file_result_json(results[path]))


def _failures(fresh: _Fresh | None, evidence: dict[str, JSONValue]) -> list[str]:
    """The causes of an ``error`` (one line each), with their evidence."""
    if fresh is None:
        return []
    outcome = fresh.outcome
    causes = _causes(outcome, [done.python for done in outcome.passes], fresh.from_env)
    if outcome.unparsed:
        evidence["unparsed"] = list(outcome.unparsed)
    if outcome.file_errors:
        evidence["file_errors"] = [
            {"path": e.path, "reason": e.reason} for e in outcome.file_errors
        ]
    return causes


def _results_evidence(
    results: Mapping[str, FileResult], fresh: _Fresh | None
) -> dict[str, JSONValue]:
    """Evidence about every file whose result is known, whether from the cache or fresh."""
    parsed_with: dict[str, int] = {}
    for result in results.values():
        parsed_with[result.python] = parsed_with.get(result.python, 0) + 1
    outcome = fresh.outcome if fresh is not None else None
    return {
        "files_scanned": len(results),
        "files_analysed": len(outcome.analysed) if outcome is not None else 0,
        "interpreters": _interpreters_json(outcome) if outcome is not None else [],
        "shards": [
            {"python": done.python.version_text, "files": files, "seconds": seconds}
            for done in (outcome.passes if outcome is not None else [])
            for files, seconds in zip(done.shard_files, done.shard_seconds, strict=True)
        ],
        "loc": sum(result.metrics.loc for result in results.values()),
        "nosec": sum(result.metrics.nosec for result in results.values()),
        "parsed_with": {version: count for version, count in sorted(parsed_with.items())},
        "reparsed": {
            path: result.python for path, result in sorted(results.items()) if result.reparsed
        },
    }


@dataclass(frozen=True, kw_only=True)
class BanditCheck(BaseCheck):
    """The ``bandit`` check: Python security lint of the files in static scope."""

    per_file: ClassVar[bool] = True
    baselined_tools: ClassVar[frozenset[str]] = frozenset({"bandit"})

    id: str = "bandit"
    stage: Stage = Stage.STATIC

    def enabled(self, policy: Policy) -> bool:
        return policy.static.required and policy.static.bandit.enabled

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        static = ctx.policy.static
        scope = select_files(ctx.files, static.include, static.exclude)
        skips = tuple(static.bandit.skips)
        evidence: dict[str, JSONValue] = {
            "tool": TOOL,
            "files_in_scope": len(scope.included),
            "files_excluded": len(scope.excluded),
            "files_scanned": 0,
            "files_analysed": 0,
            "skips": list(skips),
            "ignore_nosec": True,
        }

        def error(*causes: str) -> CheckResult:
            return CheckResult(
                id=self.id,
                stage=self.stage,
                status=Status.ERROR,
                reasons=causes,
                evidence=evidence,
                duration_seconds=time.monotonic() - started,
            )

        if not scope.included:
            evidence["note"] = "no files in scope: static.include matched nothing to scan"
            return CheckResult(
                id=self.id,
                stage=self.stage,
                status=Status.PASS,
                evidence=evidence,
                duration_seconds=time.monotonic() - started,
            )
        requires = project_requires_python(ctx.tree, ctx.files)
        spec_text = str(requires.spec) if requires.spec is not None else None
        evidence["requires_python"] = spec_text
        notes: list[JSONValue] = [requires.problem] if requires.problem else []
        store = _Stored.open(ctx, skips, spec_text)
        if ctx.use_cache and store.bandit_version is None:
            notes.append(
                f"result cache off: {BANDIT_DIST} is not installed in releasegate's environment"
            )
        cached, misses, digests = store.lookup(ctx.tree, scope.included)
        evidence["cache"] = store.files.evidence()
        fresh: _Fresh | None = None
        chosen: _Chosen | None
        results: dict[str, FileResult] = dict(cached)
        if misses:
            try:
                fresh = _analyse_misses(ctx, requires.spec, skips, misses)
            except ToolError as exc:
                return error(exc.diagnostics())
            chosen = _Chosen.of(fresh.selection)
            analysed = _fresh_results(fresh)
            store.save(fresh, analysed, digests)
            results.update(analysed)
        else:
            chosen = store.chosen()
        evidence["bandit_version"] = (
            chosen.bandit_version if chosen is not None else store.bandit_version
        )
        if chosen is not None:
            notes.extend(chosen.notes(skips))
        # Every issue, by file and in bandit's order within a file: cold, warm and uncached
        # runs then sort and fingerprint them identically.
        fresh_issues = _issues_by_path(fresh.outcome.issues) if fresh is not None else {}
        issues = [
            issue
            for path in scope.included
            for issue in (cached[path].issues if path in cached else fresh_issues.get(path, ()))
        ]
        findings = to_findings(issues, ctx.tree)
        evidence.update(_results_evidence(results, fresh))
        evidence["cache"] = store.files.evidence()
        if notes:
            evidence["notes"] = notes
        causes = _failures(fresh, evidence)
        return CheckResult(
            id=self.id,
            stage=self.stage,
            status=Status.ERROR if causes else Status.PASS,
            reasons=tuple(causes),
            findings=tuple(findings),
            evidence=evidence,
            duration_seconds=time.monotonic() - started,
        )


BANDIT = BanditCheck()
