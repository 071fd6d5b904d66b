"""The partition of a sharded run: which shard analyses which file, and the check
wrapper that shows a static check only its shard's files (see ``releasegate.sharding``)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from releasegate.checkapi import BaseCheck, Check, CheckContext, Phase
from releasegate.checks.registry import REGISTRY
from releasegate.errors import UsageError
from releasegate.model import (
    CheckResult,
    JSONValue,
    Stage,
)
from releasegate.policy.schema import Policy
from releasegate.scope import select_files

MAX_SHARDS = 256
PARTITION = "by file: sha256 of the path, first 8 bytes as an integer, modulo the shard count"


def sharded(check_id: str) -> bool:
    """Whether each shard runs this check on its own part of the static scope (the check
    declares it: ``per_file``)."""
    check = REGISTRY.get(check_id)
    return check is not None and check.per_file


# --- the partition -------------------------------------------------------------------------


def shard_of(path: str, count: int) -> int:
    """The shard (1-based) that analyses ``path`` when the scope is split ``count`` ways."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


@dataclass(frozen=True)
class ShardSpec:
    """Shard ``index`` of ``count`` (1-based), as in ``--shard 2/3``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not 1 <= self.index <= self.count:
            raise UsageError(
                f"--shard {self.index}/{self.count}: want K/N with 1 <= K <= N <= {MAX_SHARDS}"
            )

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        index, sep, count = text.strip().partition("/")
        if not sep or not index.isdigit() or not count.isdigit():
            raise UsageError(f"--shard {text!r}: write it as K/N, e.g. --shard 2/3")
        return cls(int(index), int(count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, path: str) -> bool:
        return shard_of(path, self.count) == self.index

    def select(
        self, checks: Sequence[Check], unavailable: Sequence[CheckResult]
    ) -> tuple[list[Check], list[CheckResult]]:
        """What this shard runs: the per-file static checks on its files; every other
        check (the whole-tree ``tree`` check too) in shard 1 only; the sign-off in none
        (the merge verifies it)."""
        selected: list[Check] = []
        for check in checks:
            if check.phase is Phase.AFTER_CHECKS:
                continue
            if check.per_file:
                selected.append(ShardedCheck(inner=check, shard=self))
            elif self.index == 1:
                selected.append(check)
        return selected, list(unavailable) if self.index == 1 else []


@dataclass(frozen=True, kw_only=True)
class ShardedCheck(BaseCheck):
    """A static check that sees only its shard's part of the static scope.

    Files outside the static scope (``pyproject.toml``, data files) stay visible
    to every shard: checks read them for settings, not to analyse them.
    """

    inner: Check
    shard: ShardSpec

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def stage(self) -> Stage:
        return self.inner.stage

    def enabled(self, policy: Policy) -> bool:
        return self.inner.enabled(policy)

    def run(self, ctx: CheckContext) -> CheckResult:
        static = ctx.policy.static
        in_scope = set(select_files(ctx.files, static.include, static.exclude).included)
        files = tuple(p for p in ctx.files if p not in in_scope or self.shard.owns(p))
        owned = sum(1 for p in in_scope if self.shard.owns(p))
        result = self.inner.run(dataclasses.replace(ctx, files=files))
        evidence: dict[str, JSONValue] = dict(result.evidence)
        evidence["shard"] = str(self.shard)
        evidence["shard_files"] = owned
        return dataclasses.replace(result, evidence=evidence)


# --- the part document ---------------------------------------------------------------------
