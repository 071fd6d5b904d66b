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
- interpreters run isolated (``-I``, see ``releasegate.checks.bandit.interpreters``),
  so modules in the tree cannot replace bandit or its dependencies.

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

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from releasegate.checkapi import BaseCheck, CheckContext, static_scope_reads
from releasegate.checks.bandit.bandit_cache import Chosen, FileResult, Stored, fresh_results
from releasegate.checks.bandit.bandit_output import TOOL, Issue, issues_by_path
from releasegate.checks.bandit.bandit_run import Fresh, Outcome, analyse_misses, names
from releasegate.checks.bandit.interpreters import (
    BANDIT_DIST,
    ENV_VAR,
    BanditPython,
    project_requires_python,
)
from releasegate.checks.reachability import downgrade, proof_store
from releasegate.errors import ToolError
from releasegate.fingerprint import Located, fingerprints, read_source
from releasegate.model import CheckResult, Finding, JSONValue, Stage, Status
from releasegate.policy.schema import Policy
from releasegate.scope import select_files

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


def _next_minor(versions: Sequence[tuple[int, int, int]]) -> str:
    major, minor, _ = max(versions)
    return f"{major}.{minor + 1}"


def _interpreters_json(outcome: Outcome) -> list[JSONValue]:
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


def _causes(outcome: Outcome, tried: Sequence[BanditPython], from_env: bool) -> list[str]:
    causes = list(outcome.failures)
    if outcome.file_errors:
        by_reason: dict[str, list[str]] = {}
        for error in outcome.file_errors:
            by_reason.setdefault(error.reason, []).append(error.path)
        for reason, paths in sorted(by_reason.items()):
            unique = sorted(set(paths))
            causes.append(
                f"bandit could not scan {len(unique)} file(s) ({reason}): {names(unique)}; "
                "run `bandit --debug FILE` on them to see why"
            )
    if outcome.unparsed:
        versions = ", ".join(python.version_text for python in tried)
        where = f"the interpreters in {ENV_VAR}" if from_env else "every interpreter found"
        causes.append(
            f"bandit could not parse {len(outcome.unparsed)} file(s) with {where} "
            f"(Python {versions}): {names(outcome.unparsed)}; fix the syntax, or if the "
            f"code needs a newer Python, install Python >= "
            f"{_next_minor([p.version for p in tried])} (bandit runs on it via releasegate's "
            f"portable path) or set {ENV_VAR}"
        )
    return causes


def _failures(fresh: Fresh | None, evidence: dict[str, JSONValue]) -> list[str]:
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
    results: Mapping[str, FileResult], fresh: Fresh | None
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

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        # The scope, and pyproject.toml for the interpreter its requires-python asks for.
        return [*static_scope_reads(policy, files), "pyproject.toml"]

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
        store = Stored.open(ctx, skips, spec_text)
        if ctx.use_cache and store.bandit_version is None:
            notes.append(
                f"result cache off: {BANDIT_DIST} is not installed in releasegate's environment"
            )
        cached, misses, digests = store.lookup(ctx.tree, scope.included)
        evidence["cache"] = store.files.evidence()
        fresh: Fresh | None = None
        chosen: Chosen | None
        results: dict[str, FileResult] = dict(cached)
        if misses:
            try:
                fresh = analyse_misses(ctx, requires.spec, skips, misses)
            except ToolError as exc:
                return error(exc.diagnostics())
            chosen = Chosen.of(fresh.selection)
            analysed = fresh_results(fresh)
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
        fresh_issues = issues_by_path(fresh.outcome.issues) if fresh is not None else {}
        issues = [
            issue
            for path in scope.included
            for issue in (cached[path].issues if path in cached else fresh_issues.get(path, ()))
        ]
        findings, downgraded = downgrade(
            to_findings(issues, ctx.tree), ctx.tree, proof_store(ctx, "bandit")
        )
        evidence.update(_results_evidence(results, fresh))
        if downgraded:
            evidence["downgraded"] = list(downgraded)
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
