"""The ``Check`` protocol and what a check is given to work with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from releasegate.context import ReleaseContext
from releasegate.model import CheckResult, Stage
from releasegate.policy import Policy
from releasegate.procs import ToolRunner
from releasegate.snapshot import TreeIssue
from releasegate.suppressions import Suppression


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


class Check(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def stage(self) -> Stage: ...

    def enabled(self, policy: Policy) -> bool:
        """Whether the policy asks for this check at all."""
        ...

    def run(self, ctx: CheckContext) -> CheckResult:
        """Collect the evidence. Expected failures come back as ``error`` results."""
        ...
