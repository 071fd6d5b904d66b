"""The ``Check`` protocol and what a check is given to work with.

A check declares the phase of the pipeline it runs in (``releasegate.pipeline``):

- ``Phase.CHECKS`` (every check but one): it reads the head's files, or runs the
  head's code, and reports;
- ``Phase.AFTER_CHECKS``: it judges the evidence of every other check of the run
  (the sign-off). The pipeline gives it that evidence with ``bind`` before running
  it; a sharded run defers it to the merge, which runs the same phase.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import ClassVar, Protocol

from typing_extensions import Self

from releasegate.cache import CacheKey
from releasegate.context import ReleaseContext
from releasegate.evidence import EvidenceSummary
from releasegate.model import CheckResult, Finding, JSONValue, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.procs import ToolRunner
from releasegate.runenv import RunEnvironment
from releasegate.scope import select_files
from releasegate.snapshot import TreeIssue
from releasegate.suppression_comments import Suppression


@dataclass(frozen=True, kw_only=True)
class CheckContext:
    """Everything a check may read. ``tree`` holds exactly the head commit's files: for the
    analysers, the private snapshot (``releasegate.snapshot``); for stage commands, the
    checkout they run in."""

    release: ReleaseContext
    policy: Policy
    tree: Path
    files: tuple[str, ...]
    tools: ToolRunner
    cache_dir: Path
    use_cache: bool = True
    suppressions: tuple[Suppression, ...] = ()
    advisory_db: Path | None = None  # --advisory-db: overrides dependencies.advisory_db
    # Every file of the analysers' snapshot (``files`` is narrower in pull-request mode),
    # and what the snapshot could not represent (links leaving the tree, submodules, ...).
    all_files: tuple[str, ...] = ()
    tree_issues: tuple[TreeIssue, ...] = ()
    # What the run sees of the process environment (read once by the CLI), and the key
    # the result cache authenticates its entries with (None: the cache is off).
    environment: RunEnvironment = field(default_factory=RunEnvironment)
    cache_key: CacheKey | None = None
    # Writes files of a lazy snapshot into ``tree`` (a no-op for a full tree): for a check
    # that learns what it reads only as it reads (a dependency file's ``-r`` includes).
    materialize: Callable[[Collection[str]], None] = field(default=lambda _paths: None)


class Phase(Enum):
    CHECKS = "checks"
    AFTER_CHECKS = "after-checks"


@dataclass(frozen=True, kw_only=True)
class RunEvidence:
    """What an after-checks check is bound to: the evidence of the run's other checks."""

    evidence: EvidenceSummary
    today: dt.date
    signoff_file: Path | None = None  # --signoff FILE: a sign-off kept in a file, not a note


class Check(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def stage(self) -> Stage: ...

    @property
    def phase(self) -> Phase:
        """When the pipeline runs it (``Phase``)."""
        ...

    @property
    def per_file(self) -> bool:
        """It analyses the static scope file by file: each shard of a sharded run runs it
        on its own files. Otherwise (the whole tree, files outside the static scope, any
        other stage) only shard 1 runs it."""
        ...

    @property
    def baselined_tools(self) -> frozenset[str]:
        """The tools whose findings of this check ``releasegate baseline`` records."""
        ...

    def bind(self, run: RunEvidence) -> Check:
        """This check given the evidence of the others (after-checks phase only)."""
        ...

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        """The snapshot files this check reads (``files``: those judged; ``all_files``:
        every file of the head). They are written before the checks start; ``None``:
        it may read any file, so the whole snapshot is written."""
        ...

    def enabled(self, policy: Policy) -> bool:
        """Whether the policy asks for this check at all."""
        ...

    def run(self, ctx: CheckContext) -> CheckResult:
        """Collect the evidence. Expected failures come back as ``error`` results."""
        ...


class BaseCheck:
    """What most checks share: the checks phase, and nothing to bind."""

    phase: ClassVar[Phase] = Phase.CHECKS
    per_file: ClassVar[bool] = False
    baselined_tools: ClassVar[frozenset[str]] = frozenset()

    def bind(self, run: RunEvidence) -> Self:
        return self

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        return None  # unless a check says what it reads, it gets the whole tree


def static_scope_reads(policy: Policy, files: Sequence[str]) -> list[str]:
    """What an analyser of the static scope reads: the judged files the scope selects."""
    return list(select_files(files, policy.static.include, policy.static.exclude).included)


NOTHING: frozenset[str] = frozenset()  # what a check that reads no file of the tree reads


class ResultMaker(Protocol):
    def __call__(
        self, status: Status, causes: Sequence[str] = (), findings: Sequence[Finding] = ()
    ) -> CheckResult: ...


def result_maker(check: Check, started: float, evidence: Mapping[str, JSONValue]) -> ResultMaker:
    """``check``'s results of one run: the status, causes and findings given, the run's
    ``evidence`` as it stands when the result is made, the time since ``started``."""

    def result(
        status: Status, causes: Sequence[str] = (), findings: Sequence[Finding] = ()
    ) -> CheckResult:
        return CheckResult(
            id=check.id,
            stage=check.stage,
            status=status,
            reasons=tuple(causes),
            findings=tuple(findings),
            evidence=evidence,
            duration_seconds=time.monotonic() - started,
        )

    return result
