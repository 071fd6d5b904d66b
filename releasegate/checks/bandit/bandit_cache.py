"""The bandit check's part of the result cache (``releasegate.cache``).

Per-file results as the cache holds them (``FileResult``, validated on the way
back in like bandit's own output), the salt they are stored under, the record of
the last interpreter selection (``Chosen``) for warm runs, and what a run stores
(``Stored``): never a file that must be retried.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from releasegate.cache import FileResultCache, digest_of
from releasegate.checkapi import CheckContext
from releasegate.checks.bandit.bandit_output import (
    TOOL,
    FileMetrics,
    Issue,
    OutputError,
    int_field,
    issues_by_path,
    parse_issue,
)
from releasegate.checks.bandit.bandit_run import Fresh, Outcome
from releasegate.checks.bandit.interpreters import BANDIT_DIST, Selection
from releasegate.model import JSONValue

# Bump when what a cached per-file result holds, or what it means, changes.
RESULT_FORMAT = "bandit-file-result-1"
SELECTION_TOOL = "bandit-selection"
_SELECTION_KEY = "selection"
_PLUGIN_GROUPS = ("bandit.plugins", "bandit.blacklists")
_VERSION_TEXT = re.compile(r"^\d+\.\d+\.\d+$")


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
        loc = int_field(metrics, "loc", "metrics")
        nosec = int_field(metrics, "nosec", "metrics")
        rebuilt = tuple(
            parse_issue({**item, "filename": path} if isinstance(item, dict) else item, i, (path,))
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
    probe) to run this very version are stored (``Stored.save``).
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


# --- what a run reads from and stores in the cache ----------------------------------------


@dataclass(frozen=True, kw_only=True)
class Chosen:
    """What interpreter selection found that the evidence reports; kept for warm runs."""

    bandit_version: str
    tests: tuple[str, ...]
    note: str | None

    @classmethod
    def of(cls, selection: Selection) -> Chosen:
        primary = selection.primary
        return cls(bandit_version=primary.bandit_version, tests=primary.tests, note=selection.note)

    def to_json(self) -> dict[str, JSONValue]:
        return {"bandit_version": self.bandit_version, "tests": list(self.tests), "note": self.note}

    @classmethod
    def from_json(cls, raw: JSONValue) -> Chosen | None:
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


def fresh_results(fresh: Fresh) -> dict[str, FileResult]:
    """The result of every file analysed in this run."""
    by_path = issues_by_path(fresh.outcome.issues)
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


def _retry_next_time(outcome: Outcome) -> set[str]:
    """Files never to store, whatever else bandit said about them: they must be retried."""
    retry = {error.path for error in outcome.file_errors} | set(outcome.unparsed)
    for done in outcome.passes:
        for chunk in done.chunks:
            if chunk.report is None:
                retry.update(chunk.files)
    return retry


@dataclass(frozen=True, kw_only=True)
class Stored:
    """This check's part of the cache: per-file results, and the last selection's record."""

    bandit_version: str | None
    salt: str
    files: FileResultCache
    selection: FileResultCache

    @classmethod
    def open(cls, ctx: CheckContext, skips: Sequence[str], requires_python: str | None) -> Stored:
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

    def chosen(self) -> Chosen | None:
        return Chosen.from_json(self.selection.get(_SELECTION_KEY, self.salt))

    def save(
        self, fresh: Fresh, results: Mapping[str, FileResult], digests: Mapping[str, str]
    ) -> None:
        """Store what this run analysed, except what must be retried next time.

        The salt names the bandit of releasegate's environment: a result of any
        other bandit is never stored under it.
        """
        primary = fresh.selection.primary
        if primary.bandit_version == self.bandit_version:
            self.selection.put(_SELECTION_KEY, self.salt, Chosen.of(fresh.selection).to_json())
        retry = _retry_next_time(fresh.outcome)
        self.files.put_many(
            (path, digests[path], file_result_json(results[path]))
            for path, (python, _) in sorted(fresh.outcome.analysed.items())
            if path not in retry
            and path in digests
            and python.bandit_version == self.bandit_version
        )
