"""The part document one shard writes, and reading it back strictly (see
``releasegate.sharding``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from releasegate.baseline import Baseline, BaselineEntry
from releasegate.canonical import digest_of, sha256_digest
from releasegate.checkapi import Phase
from releasegate.codec import CheckJSON, ReleaseJSON, check_to_json, release_to_json
from releasegate.errors import UsageError
from releasegate.files import FileTooLarge, read_capped
from releasegate.model import (
    JSONValue,
    Mode,
    ReleaseInfo,
    Status,
)
from releasegate.pipeline import Evaluation, RunOptions, select_checks
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.loader import starter_policy_text
from releasegate.sharding.partition import ShardSpec
from releasegate.suppression_comments import Suppression

PART_SCHEMA = "releasegate-shard/1"
MAX_PART_BYTES = 256 * 1024 * 1024


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _PolicyModel(_Model):
    source: str
    trusted: bool
    digest: str
    changed_in_range: bool
    text: str


class _BaselineModel(_Model):
    path: str
    digest: str
    entries: list[BaselineEntry]


class _SuppressionModel(_Model):
    path: str
    line: int
    standalone: bool
    marker: str
    rule_ids: list[str]
    reason: str
    comment: str


class _StaticModel(_Model):
    baseline: _BaselineModel | None
    baseline_changed: bool
    suppressions: list[_SuppressionModel]
    # path -> changed head lines; null: the whole file is new to the range.
    suppression_changes: dict[str, list[int] | None]


class _RunModel(_Model):
    """What binds the parts of one sharded run together."""

    commit: str
    base: str | None
    mode: Mode
    only: list[str]
    count: int
    policy_digest: str
    tool_version: str


class _ShardModel(_Model):
    index: int
    count: int


class _PartModel(_Model):
    schema_: Literal["releasegate-shard/1"] = Field(alias="schema")
    shard: _ShardModel
    binding: str
    run: _RunModel
    release: ReleaseJSON
    policy: _PolicyModel
    static: _StaticModel
    results: list[CheckJSON]
    unavailable: list[str]
    deferred: list[str]


def _policy_text(evaluation: Evaluation, options: RunOptions) -> str:
    """The text of the policy the run was judged by (its digest must match)."""
    candidates: list[str] = []
    if options.config is not None:
        candidates.append(options.config.read_text("utf-8"))
    release = evaluation.release
    if release.base is not None:
        data = release.show(release.base, POLICY_FILE)
        if data is not None:
            candidates.append(data.decode("utf-8", "surrogateescape"))
    candidates.append(starter_policy_text())
    for text in candidates:
        if _text_digest(text) == evaluation.loaded.digest:
            return text
    raise UsageError(
        "cannot find the text of the policy this shard was judged by (it changed while "
        "the shard ran?)",
        hint="run the shard again",
    )


def _text_digest(text: str) -> str:
    return sha256_digest(text.encode("utf-8", "surrogateescape"))


def _baseline_json(baseline: Baseline | None) -> JSONValue:
    if baseline is None:
        return None
    entries: list[JSONValue] = [
        entry.model_dump(mode="json") for _, entry in sorted(baseline.entries.items())
    ]
    return {"path": baseline.path, "digest": baseline.digest, "entries": entries}


def _suppression_json(s: Suppression) -> dict[str, JSONValue]:
    return {
        "path": s.path,
        "line": s.line,
        "standalone": s.standalone,
        "marker": s.marker,
        "rule_ids": list(s.rule_ids),
        "reason": s.reason,
        "comment": s.comment,
    }


def _run_json(
    *, release: ReleaseInfo, options: RunOptions, count: int, policy_digest: str, tool: str
) -> dict[str, JSONValue]:
    return {
        "commit": release.commit,
        "base": release.base,
        "mode": release.mode.value,
        "only": list(options.only),
        "count": count,
        "policy_digest": policy_digest,
        "tool_version": tool,
    }


def part_document(evaluation: Evaluation, options: RunOptions) -> dict[str, JSONValue]:
    """The part a shard writes (``--json`` with ``--shard``)."""
    shard = options.shard
    if shard is None:
        raise ValueError("part_document needs a sharded run")
    decision = evaluation.decision
    policy = evaluation.loaded.policy
    selected, unavailable = select_checks(policy, options.only)
    deferred: list[JSONValue] = [
        c.id for c in selected if c.phase is Phase.AFTER_CHECKS and not options.without_signoff
    ]
    run = _run_json(
        release=decision.release,
        options=options,
        count=shard.count,
        policy_digest=decision.policy.digest,
        tool=decision.tool_version,
    )
    release = decision.release
    static = evaluation.static
    results: list[JSONValue] = [check_to_json(check.result) for check in decision.checks]
    suppressions: list[JSONValue] = [_suppression_json(s) for s in static.suppressions]
    return {
        "schema": PART_SCHEMA,
        "shard": {"index": shard.index, "count": shard.count},
        "binding": digest_of(run),
        "run": run,
        "release": release_to_json(release),
        "policy": {
            "source": decision.policy.source,
            "trusted": decision.policy.trusted,
            "digest": decision.policy.digest,
            "changed_in_range": decision.policy.changed_in_range,
            "text": _policy_text(evaluation, options),
        },
        "static": {
            "baseline": _baseline_json(static.baseline),
            "baseline_changed": static.baseline_changed,
            "suppressions": suppressions,
            "suppression_changes": {
                path: None if lines is None else list[JSONValue](sorted(lines))
                for path, lines in static.suppression_changes.items()
            },
        },
        "results": results,
        "unavailable": [r.id for r in unavailable if shard.index == 1],
        "deferred": deferred,
    }


def render_part(evaluation: Evaluation, options: RunOptions) -> str:
    return (
        json.dumps(
            # allow_nan: free-form evidence may hold a non-finite float; merge reads it
            # back with Python's json, and the report renders it as text.
            part_document(evaluation, options),
            indent=1,
            ensure_ascii=False,
            allow_nan=True,
        )
        + "\n"
    )


# --- merging -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Part:
    path: Path
    model: _PartModel

    @property
    def label(self) -> str:
        return f"{self.path} (shard {self.model.shard.index}/{self.model.shard.count})"


def load_part(path: Path) -> Part:
    try:
        data = read_capped(path, MAX_PART_BYTES)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the part: {exc}") from None
    except FileTooLarge:
        raise UsageError(f"{path}: larger than {MAX_PART_BYTES} bytes: not a shard part") from None
    try:
        raw = json.loads(data.decode("utf-8", "surrogateescape"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a shard part (not JSON: {exc})") from None
    if not isinstance(raw, dict) or raw.get("schema") != PART_SCHEMA:
        found = raw.get("schema") if isinstance(raw, dict) else None
        raise UsageError(
            f"{path}: not a shard part (schema {found!r}, want {PART_SCHEMA!r})",
            hint="merge the files written by `releasegate run --shard K/N --json FILE`",
        )
    try:
        model = _PartModel.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise UsageError(f"{path}: invalid shard part at {where}: {first['msg']}") from None
    run = model.run.model_dump(mode="json")
    if digest_of(run) != model.binding:
        raise UsageError(f"{path}: the part's binding digest does not match its run: edited?")
    if model.shard.count != model.run.count or not 1 <= model.shard.index <= model.shard.count:
        raise UsageError(f"{path}: inconsistent shard {model.shard.index}/{model.shard.count}")
    if _text_digest(model.policy.text) != model.policy.digest:
        raise UsageError(f"{path}: the policy text does not match the policy digest: edited?")
    return Part(path=path, model=model)


def describe_part(evaluation: Evaluation, shard: ShardSpec) -> str:
    """One line for the terminal after a shard ran."""
    checks = evaluation.decision.checks
    findings = sum(len(c.result.findings) for c in checks)
    errors = [c.id for c in checks if c.result.status is Status.ERROR]
    erred = f"; check(s) in error: {', '.join(errors)}" if errors else ""
    return (
        f"shard {shard}: {len(checks)} check result(s), {findings} finding(s){erred}. "
        "This is one part: `releasegate merge` decides from all parts."
    )
