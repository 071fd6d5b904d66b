"""semgrep with releasegate's own rule pack: offline, fail closed, cached per file.

- Local rules only: the built-in pack (``checks/``, shipped in the wheel) and
  rule files of the repository read from the *base* commit (the head under
  judgement cannot weaken its own rules). Registry configs (``p/...``,
  ``auto``, URLs) are refused by the policy unless explicitly allowed.
- No network: metrics off, version check off (``--disable-version-check`` and
  ``SEMGREP_ENABLE_VERSION_CHECK=0``; on a machine without network the version
  check alone turns a seconds-long scan into minutes).
- Explicit limits: ``--timeout`` per rule and file, ``--max-memory``, a size
  cap (a larger file in scope is an error, not a skip), and the check's own
  wall-clock limit (the runner kills the process group).
- Fail closed: any entry in semgrep's ``errors`` (parse errors, timeouts, rule
  errors), a requested file semgrep did not scan (``.semgrepignore`` of the
  scanned project, size), an exit status other than 0, or output that is not
  the expected JSON makes the check ``error``, naming files and rules.
- ``--disable-nosem``: ``# nosemgrep`` comments are judged by releasegate's
  suppression governance, not obeyed blindly.
- Our rules are intra-file (taint within a function or file), so semgrep's
  cross-file analysis is not needed, and per-file results can be cached.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, cast

import yaml

from releasegate.boundedyaml import BoundedSafeLoader
from releasegate.cache import FileResultCache, digest_of
from releasegate.checkapi import BaseCheck, CheckContext, result_maker, static_scope_reads
from releasegate.checks.reachability import downgrade, proof_store
from releasegate.errors import ToolError
from releasegate.fingerprint import Located, fingerprints, read_source
from releasegate.model import CheckResult, Confidence, Finding, JSONValue, Severity, Stage, Status
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.schema import BUILTIN_RULES, Policy, is_network_config
from releasegate.procs import ToolRunner, chunked, first_line
from releasegate.rulepack_files import builtin_rulepack, digest_rules, rule_files
from releasegate.scope import select_files
from releasegate.semgrep_tool import (
    ENGINE_FLAG,
    ENV_SEMGREP,
    SemgrepCommand,
    located,
    offline_env,
)

TOOL = "semgrep"
CACHE_FORMAT = "semgrep-2"  # 2: results of the native command line (osemgrep)
_NAMES_IN_CAUSE = 5
_CWE = re.compile(r"CWE-(\d+)")
_SEVERITIES = {
    "ERROR": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}
_CONFIDENCES = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}


class OutputError(ValueError):
    """semgrep's output does not have the expected shape."""


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[int, ...]
    help_uri: str


@dataclass(frozen=True, kw_only=True)
class Match:
    """One semgrep result, reduced to what a finding needs (and cacheable)."""

    rule_id: str
    path: str
    line: int
    end_line: int
    column: int
    message: str

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "rule_id": self.rule_id,
            "line": self.line,
            "end_line": self.end_line,
            "column": self.column,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, path: str, raw: object) -> Match:
        if not isinstance(raw, dict):
            raise OutputError("cached match is not an object")
        values = {key: raw.get(key) for key in ("rule_id", "message")}
        numbers = {key: raw.get(key) for key in ("line", "end_line", "column")}
        if not all(isinstance(v, str) for v in values.values()) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in numbers.values()
        ):
            raise OutputError("cached match has the wrong shape")
        return cls(path=path, **cast(dict[str, Any], values), **cast(dict[str, Any], numbers))


@dataclass(frozen=True, kw_only=True)
class Scan:
    matches: tuple[Match, ...]
    scanned: frozenset[str]
    problems: tuple[str, ...]
    failed_files: frozenset[str]


# --- rules --------------------------------------------------------------------------------


def load_rules(
    root: Path,
    into: dict[str, Rule] | None = None,
    *,
    raw: list[object] | None = None,
    shipped: bool = False,
) -> dict[str, Rule]:
    """The rules defined under ``root`` (added to ``into``), by id.

    ``raw``, when given, receives each rule as its file states it. ``shipped``: the
    built-in pack, installed with releasegate's own code (read with libyaml's safe
    loader, ~10x faster); anything else is repository content, read bounded.
    Raises ToolError on unreadable rule files and on an id defined twice.
    """
    rules = into if into is not None else {}
    loader: Any = BoundedSafeLoader
    if shipped:
        loader = getattr(yaml, "CSafeLoader", BoundedSafeLoader)
    for path in rule_files(root):
        try:
            # Bounded: the rule files are repository content (alias bombs, deep nesting).
            data = yaml.load(path.read_text("utf-8"), Loader=loader)  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ToolError(
                f"semgrep rules {path}: cannot be read: {first_line(str(exc))}"
            ) from None
        entries = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ToolError(f"semgrep rules {path}: no `rules:` list")
        for entry in entries:
            rule = _rule(entry, path)
            if rule.id in rules:
                raise ToolError(f"semgrep rules {path}: rule id {rule.id!r} is defined twice")
            rules[rule.id] = rule
            if raw is not None:
                raw.append(entry)
    return rules


def merged_rules_file(entries: list[object], dest: Path) -> Path:
    """One rule file holding ``entries``: semgrep validates each config file it is given
    in a semgrep-core process of its own (~0.1 s of CPU per file), so the built-in
    pack's ~30 files are handed over as one. Rule ids are kept (``--no-rewrite-rule-ids``)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ~6x faster
    text = yaml.dump(
        {"rules": entries}, Dumper=dumper, sort_keys=False, allow_unicode=True, width=2**20
    )
    dest.write_text(text, encoding="utf-8")
    return dest


def _rule(entry: object, path: Path) -> Rule:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise ToolError(f"semgrep rules {path}: a rule without an id")
    raw_meta = entry.get("metadata")
    meta: dict[str, object] = raw_meta if isinstance(raw_meta, dict) else {}
    cwe_field = meta.get("cwe", [])
    cwe_texts = cwe_field if isinstance(cwe_field, list) else [cwe_field]
    cwe = tuple(sorted({int(m) for text in cwe_texts for m in _CWE.findall(str(text))}))
    references = meta.get("references")
    help_uri = ""
    if isinstance(references, list) and references and isinstance(references[0], str):
        help_uri = references[0]
    return Rule(
        id=entry["id"],
        severity=_SEVERITIES.get(str(entry.get("severity", "")).upper(), Severity.MEDIUM),
        confidence=_CONFIDENCES.get(str(meta.get("confidence", "")).upper(), Confidence.MEDIUM),
        cwe=cwe,
        help_uri=help_uri,
    )


# A built-in rule's prefilter: a file the rule can report on contains a match of it (after
# NFKC normalisation, as Python reads identifiers). Tested sound on every real match of the
# pack's test files and the accuracy corpus (tests/checks/test_rule_prefilter.py).
PREFILTER_KEY = "releasegate-prefilter"


@dataclass(frozen=True, kw_only=True)
class PackRule:
    """A rule of the built-in pack as its file states it, with its prefilter."""

    id: str
    entry: object
    prefilter: re.Pattern[str] | None  # None: loaded for every scan
    # The words of a prefilter of the form \bword\b or \b(w1|w2|...)\b: a text without
    # any of them as a substring cannot match it (a substring test is ~30x faster than
    # the regex over a large tree). None: the regex alone decides.
    words: tuple[str, ...] | None = None


_WORDS_ONLY = re.compile(r"\\b(?:\(((?:\w+\|)*\w+)\)|(\w+))\\b")


def prefilter_words(pattern: str) -> tuple[str, ...] | None:
    """The words a text must contain for ``pattern`` to match, when it is only words."""
    found = _WORDS_ONLY.fullmatch(pattern)
    if found is None:
        return None
    return tuple((found.group(1) or found.group(2)).split("|"))


def prefilter_matches(rule: PackRule, normal: str) -> bool:
    """Whether ``rule`` can match a file whose NFKC-normalised text is ``normal``."""
    if rule.prefilter is None:
        return True
    if rule.words is not None and not any(word in normal for word in rule.words):
        return False
    return rule.prefilter.search(normal) is not None


def pack_rule(entry: object, path: Path) -> PackRule:
    rule = _rule(entry, path)
    assert isinstance(entry, dict)  # noqa: S101 - _rule checked it
    raw_meta = entry.get("metadata")
    value = raw_meta.get(PREFILTER_KEY) if isinstance(raw_meta, dict) else None
    if value is None:
        return PackRule(id=rule.id, entry=entry, prefilter=None)
    if not isinstance(value, str) or not value:
        raise ToolError(f"semgrep rules {path}: {rule.id}: metadata.{PREFILTER_KEY} is not a regex")
    try:
        return PackRule(
            id=rule.id, entry=entry, prefilter=re.compile(value), words=prefilter_words(value)
        )
    except re.error as exc:
        raise ToolError(
            f"semgrep rules {path}: {rule.id}: metadata.{PREFILTER_KEY} does not compile: {exc}"
        ) from None


def select_pack_rules(pack: Sequence[PackRule], texts: Iterable[str | None]) -> list[PackRule]:
    """The rules of ``pack`` that can match one of ``texts`` (the files to scan), in the
    pack's order: a rule without a prefilter always, else when its prefilter matches. A
    text that is None (a file that could not be read) takes every rule."""
    pending = list(pack)
    chosen: set[str] = set()
    for text in texts:
        if not pending:
            break
        if text is None:
            return list(pack)
        normal = unicodedata.normalize("NFKC", text)
        rest = []
        for rule in pending:
            if prefilter_matches(rule, normal):
                chosen.add(rule.id)
            else:
                rest.append(rule)
        pending = rest
    return [rule for rule in pack if rule.id in chosen]


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    # The built-in pack's entry (at ``pack_config``) is the file ``configs_for`` writes
    # the rules it selects to: use ``configs_for``, not ``configs``, to run semgrep.
    configs: tuple[str, ...]
    described: tuple[dict[str, JSONValue], ...]
    rules: Mapping[str, Rule]
    digest: str
    offline: bool
    pack: tuple[PackRule, ...] = ()  # the built-in pack's rules, when it is configured
    pack_config: int | None = None  # its position in configs (one merged file)

    def configs_for(self, texts: Iterable[str | None]) -> tuple[tuple[str, ...], int]:
        """The configs to scan files of ``texts`` with: the built-in pack cut to the rules
        whose prefilter matches one of them. Also the number of built-in rules left out."""
        if self.pack_config is None:
            return self.configs, 0
        chosen = select_pack_rules(self.pack, texts)
        configs = list(self.configs)
        if chosen:
            merged_rules_file([r.entry for r in chosen], Path(configs[self.pack_config]))
        else:
            del configs[self.pack_config]
        return tuple(configs), len(self.pack) - len(chosen)


def _repository_rules(ctx: CheckContext, pattern: str, dest: Path) -> Path:
    """Rule files of the repository as they are in the base commit."""
    base = ctx.release.trusted_base
    if base is None:
        raise ToolError(ctx.release.trust_problem(f"static.semgrep.rules {pattern!r}"))
    relative = pattern.rstrip("/")
    if not ctx.release.export(base, relative, dest):
        raise ToolError(
            f"static.semgrep.rules {pattern!r}: no such file or folder in the base commit "
            f"{base[:12]}",
            hint=f"rules are read from the base, like {POLICY_FILE}; commit them first",
        )
    return dest / relative


def resolve_rules(ctx: CheckContext, scratch: Path) -> RuleSet:
    """The configs semgrep runs with, their digests, and the rules they define."""
    configs: list[str] = []
    described: list[dict[str, JSONValue]] = []
    rules: dict[str, Rule] = {}
    offline = True
    builtin: list[PackRule] = []
    pack_config: int | None = None
    for index, entry in enumerate(ctx.policy.static.semgrep.rules):
        if is_network_config(entry):
            offline = False
            configs.append(entry)
            described.append({"config": entry, "source": "network (allowed by the policy)"})
            continue
        before = len(rules)
        if entry == BUILTIN_RULES:
            path = builtin_rulepack()
            pack: list[object] = []
            load_rules(path, rules, raw=pack, shipped=True)
            builtin = [pack_rule(item, path) for item in pack]
            pack_config = len(configs)
            configs.append(str(scratch / "builtin-rules.yaml"))  # written by configs_for
        else:
            path = _repository_rules(ctx, entry, scratch / f"rules-{index}")
            load_rules(path, rules)
            configs.append(str(path))
        described.append(
            {"config": entry, "digest": digest_rules(path), "rules": len(rules) - before}
        )
    if not rules and offline:
        raise ToolError(
            "semgrep: the configured rule set is empty, so nothing would be checked",
            hint="list rule files in static.semgrep.rules, or keep 'builtin'",
        )
    return RuleSet(
        configs=tuple(configs),
        described=tuple(described),
        rules=rules,
        digest=digest_of(*[item.get("digest", item["config"]) for item in described]),
        offline=offline,
        pack=tuple(builtin),
        pack_config=pack_config,
    )


# --- running semgrep ----------------------------------------------------------------------


def semgrep_version(
    tools: ToolRunner, semgrep: SemgrepCommand, scratch: Path, environ: Mapping[str, str]
) -> str:
    """The installed package's version, else what ``semgrep --version`` says (osemgrep's
    own takes seconds: it looks for a newer release whatever its flags say)."""
    if semgrep.version is not None:
        return semgrep.version
    done = tools.run(
        semgrep.argv("--version", "--disable-version-check"),
        executable=semgrep.executable,
        env=offline_env(scratch, environ),
        tool=TOOL,
    )
    version = first_line(done.stdout)
    if done.returncode != 0 or not re.match(r"^\d+\.\d+", version):
        raise ToolError(f"semgrep --version failed: {first_line(done.stderr or done.stdout)}")
    return version


def _position(raw: Mapping[str, object], key: str, where: str) -> tuple[int, int]:
    pos = raw.get(key)
    if not isinstance(pos, dict):
        raise OutputError(f"{where}: {key!r} is missing")
    line, col = pos.get("line"), pos.get("col")
    if not (isinstance(line, int) and isinstance(col, int)) or line < 1:
        raise OutputError(f"{where}: {key!r} has no line/col")
    return line, col


def _relative(raw: object, requested: Collection[str], where: str) -> str:
    if not isinstance(raw, str):
        raise OutputError(f"{where}: path is not a string")
    path = raw[2:] if raw.startswith("./") else raw
    if path not in requested:
        raise OutputError(f"{where}: reports {raw!r}, a file it was not asked to scan")
    return path


def _describe_error(
    raw: Mapping[str, object], requested: Collection[str]
) -> tuple[str, str | None]:
    kind = str(raw.get("type", "error"))
    if isinstance(raw.get("type"), list):
        kind = str(cast(list[object], raw["type"])[0])
    message = " ".join(str(raw.get("message", "")).split())[:240]
    path = raw.get("path")
    rule = raw.get("rule_id")
    where = ""
    name: str | None = None
    if isinstance(path, str):
        candidate = path[2:] if path.startswith("./") else path
        name = candidate if candidate in requested else None
        where += f" in {candidate}"
    if isinstance(rule, str):
        where += f" (rule {rule})"
    return f"{kind}{where}: {message}" if message else f"{kind}{where}", name


def parse_output(stdout: bytes, requested: Collection[str]) -> Scan:
    try:
        data = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OutputError(f"output is not JSON ({first_line(str(exc))})") from None
    if not isinstance(data, dict):
        raise OutputError("output is not a JSON object")
    results, errors, paths = data.get("results"), data.get("errors"), data.get("paths")
    if not isinstance(results, list) or not isinstance(errors, list):
        raise OutputError("'results' or 'errors' is missing")
    if not isinstance(paths, dict) or not isinstance(paths.get("scanned"), list):
        raise OutputError("'paths.scanned' is missing")
    matches = []
    for index, raw in enumerate(results):
        where = f"results[{index}]"
        if not isinstance(raw, dict):
            raise OutputError(f"{where} is not an object")
        extra = raw.get("extra")
        if not isinstance(extra, dict) or not isinstance(extra.get("message"), str):
            raise OutputError(f"{where}: extra.message is missing")
        check_id = raw.get("check_id")
        if not isinstance(check_id, str):
            raise OutputError(f"{where}: check_id is missing")
        line, col = _position(raw, "start", where)
        end_line, _ = _position(raw, "end", where)
        matches.append(
            Match(
                rule_id=check_id,
                path=_relative(raw.get("path"), requested, where),
                line=line,
                end_line=max(end_line, line),
                column=col,
                message=str(extra["message"]).strip(),
            )
        )
    problems: list[str] = []
    failed: set[str] = set()
    for raw in errors:
        if not isinstance(raw, dict):
            raise OutputError("an entry of 'errors' is not an object")
        text, name = _describe_error(raw, requested)
        problems.append(text)
        if name is not None:
            failed.add(name)
    scanned = {
        path[2:] if isinstance(path, str) and path.startswith("./") else path
        for path in paths["scanned"]
    }
    return Scan(
        matches=tuple(matches),
        scanned=frozenset(p for p in scanned if isinstance(p, str)),
        problems=tuple(problems),
        failed_files=frozenset(failed),
    )


@dataclass(frozen=True, kw_only=True)
class _Settings:
    semgrep: SemgrepCommand
    configs: tuple[str, ...]
    timeout: int
    max_memory: int
    jobs: int
    scratch: Path


def scan_argv(
    semgrep: SemgrepCommand,
    configs: Sequence[str],
    files: Sequence[str],
    *,
    timeout: int,
    max_memory: int,
    jobs: int,
) -> list[str]:
    """The one semgrep command line of the gate (``bench/rulepack_metrics.py`` runs it too,
    so the benchmark measures exactly what the gate runs)."""
    argv = semgrep.scan(
        "--json",
        "--quiet",
        "--metrics=off",
        "--disable-version-check",
        "--disable-nosem",
        "--no-rewrite-rule-ids",
        "--oss-only",
        f"--timeout={timeout}",
        "--timeout-threshold=0",
        f"--max-memory={max_memory}",
        "--max-target-bytes=0",
        f"--jobs={jobs}",
    )
    for config in configs:
        argv += ["--config", config]
    return [*argv, "--", *files]


def _invoke(ctx: CheckContext, files: Sequence[str], s: _Settings) -> Scan:
    """One semgrep run over ``files``."""
    argv = scan_argv(
        s.semgrep, s.configs, files, timeout=s.timeout, max_memory=s.max_memory, jobs=s.jobs
    )
    done = ctx.tools.run(
        argv,
        executable=s.semgrep.executable,
        cwd=ctx.tree,
        env=offline_env(s.scratch, ctx.environment.variables),
        tool=TOOL,
        cores=s.jobs,  # its --jobs: never beside bandit's shards (procs.CpuSlots)
    )
    try:
        scan = parse_output(done.stdout, set(files))
    except OutputError as exc:
        said = first_line(done.stderr or done.stdout)
        hint = "run semgrep by hand with --json on these files to see why"
        if s.semgrep.engine == ENV_SEMGREP and ENGINE_FLAG in (done.stderr or b"").decode(
            "utf-8", "replace"
        ):
            said = f"{ENV_SEMGREP}={s.semgrep.executable} does not take {ENGINE_FLAG}"
            hint = (
                f"set {ENV_SEMGREP} to semgrep's `semgrep` command (it runs semgrep's native "
                f"command line for `scan {ENGINE_FLAG}`; pysemgrep has none), or unset it"
            )
        raise ToolError(
            f"semgrep exited with status {done.returncode} and unusable output ({exc}): {said}",
            hint=hint,
        ) from None
    if done.returncode != 0:
        first = scan.problems[0] if scan.problems else first_line(done.stderr)
        raise ToolError(f"semgrep exited with status {done.returncode}: {first}")
    return scan


def _scan_and_cache(
    ctx: CheckContext,
    files: Sequence[str],
    run: _Settings,
    cache: FileResultCache,
    digests: Mapping[str, str],
) -> tuple[list[Match], list[str]]:
    """Scan ``files``; cache the result of every file semgrep scanned without error."""
    matches: list[Match] = []
    problems: list[str] = []
    for chunk in chunked(files, max_files=len(files) or 1):
        scan = _invoke(ctx, chunk, run)
        problems.extend(scan.problems)
        matches.extend(scan.matches)
        skipped = sorted(set(chunk) - scan.scanned)
        if skipped:
            problems.append(
                f"semgrep did not scan {len(skipped)} requested file(s) (ignored by the "
                f"project's .semgrepignore, or unsupported): {_names(skipped)}"
            )
        by_path: dict[str, list[JSONValue]] = {path: [] for path in chunk}
        for match in scan.matches:
            by_path[match.path].append(match.to_json())
        cache.put_many(
            (path, digests[path], cast(JSONValue, by_path[path]))
            for path in chunk
            if path in scan.scanned and path not in scan.failed_files and path in digests
        )
    return matches, problems


def _analyse(
    ctx: CheckContext,
    *,
    ruleset: RuleSet,
    semgrep: SemgrepCommand,
    scratch: Path,
    misses: Sequence[str],
    cache: FileResultCache,
    digests: Mapping[str, str],
    evidence: dict[str, JSONValue],
) -> tuple[list[Match], list[str]]:
    """The files no cached result serves: scanned with the rules their text can match."""
    configs: tuple[str, ...] = ()
    if misses:
        configs, left_out = ruleset.configs_for(
            prefilter_text(ctx.tree / path) for path in sorted(misses)
        )
        evidence["rules_left_out_by_prefilter"] = left_out
    if not configs:
        # No rule can match any of them (every rule's prefilter fails on each file):
        # their result is known without semgrep: nothing. Bandit still parses them.
        cache.put_many((path, digests[path], []) for path in misses if path in digests)
        return [], []
    settings = ctx.policy.static.semgrep
    run = _Settings(
        semgrep=semgrep,
        configs=configs,
        timeout=settings.timeout_per_file,
        max_memory=settings.max_memory_mib,
        jobs=max(os.cpu_count() or 1, 1),
        scratch=scratch,
    )
    return _scan_and_cache(ctx, sorted(misses), run, cache, digests)


def prefilter_text(path: Path) -> str | None:
    """A file's text for the prefilter (undecodable bytes replaced); None when it cannot
    be read: then every rule is loaded, and semgrep itself says what is wrong."""
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(p if p.isprintable() else repr(p) for p in paths[:_NAMES_IN_CAUSE])
    more = len(paths) - _NAMES_IN_CAUSE
    return f"{shown} and {more} more" if more > 0 else shown


def to_findings(matches: Sequence[Match], rules: Mapping[str, Rule], tree: Path) -> list[Finding]:
    ordered = sorted(matches, key=lambda m: (m.path, m.line, m.column, m.rule_id, m.end_line))
    sources: dict[str, list[str]] = {}
    located = []
    for match in ordered:
        if match.path not in sources:
            sources[match.path] = read_source(tree / match.path)
        code = "\n".join(sources[match.path][match.line - 1 : match.end_line])
        located.append(
            Located(tool=TOOL, rule_id=match.rule_id, path=match.path, line=match.line, code=code)
        )
    findings = []
    for match, fingerprint in zip(ordered, fingerprints(located), strict=True):
        rule = rules.get(match.rule_id)
        findings.append(
            Finding(
                tool=TOOL,
                rule_id=match.rule_id,
                rule_name=match.rule_id.rsplit(".", 1)[-1],
                severity=rule.severity if rule else Severity.MEDIUM,
                confidence=rule.confidence if rule else Confidence.MEDIUM,
                path=match.path,
                line=match.line,
                end_line=match.end_line,
                column=match.column,
                message=match.message,
                cwe=rule.cwe if rule else (),
                help_uri=rule.help_uri if rule else "",
                fingerprint=fingerprint,
            )
        )
    return findings


@dataclass(frozen=True, kw_only=True)
class SemgrepCheck(BaseCheck):
    """The ``semgrep`` check: releasegate's rule pack over the files in static scope."""

    per_file: ClassVar[bool] = True
    baselined_tools: ClassVar[frozenset[str]] = frozenset({"semgrep"})

    id: str = "semgrep"
    stage: Stage = Stage.STATIC

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        return static_scope_reads(policy, files)

    def enabled(self, policy: Policy) -> bool:
        return policy.static.required and policy.static.semgrep.enabled

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        settings = ctx.policy.static.semgrep
        scope = select_files(ctx.files, ctx.policy.static.include, ctx.policy.static.exclude)
        evidence: dict[str, JSONValue] = {
            "tool": TOOL,
            "files_in_scope": len(scope.included),
            "files_excluded": len(scope.excluded),
        }

        result = result_maker(self, started, evidence)

        ctx.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="semgrep-", dir=ctx.cache_dir) as scratch:
            ruleset = resolve_rules(ctx, Path(scratch))
            evidence["rules"] = list(ruleset.described)
            evidence["rule_count"] = len(ruleset.rules)
            semgrep = located(ctx.environment.variables)
            evidence["semgrep_engine"] = semgrep.engine
            too_big = [
                path
                for path in scope.included
                if (ctx.tree / path).stat().st_size > settings.max_target_bytes
            ]
            if too_big:
                return result(
                    Status.ERROR,
                    [
                        f"{len(too_big)} file(s) in scope exceed static.semgrep.max_target_bytes "
                        f"({settings.max_target_bytes}): {_names(too_big)}; raise the limit or "
                        "exclude them in static.exclude"
                    ],
                )
            version = semgrep_version(ctx.tools, semgrep, Path(scratch), ctx.environment.variables)
            evidence["semgrep_version"] = version
            cache = FileResultCache(
                root=ctx.cache_dir,
                tool=TOOL,
                salt=digest_of(
                    CACHE_FORMAT,
                    semgrep.engine,
                    version,
                    ruleset.digest,
                    settings.timeout_per_file,
                    settings.max_memory_mib,
                ),
                # Network rules can change under us: their results are never cached.
                enabled=ctx.use_cache and ruleset.offline,
                key=ctx.cache_key,
            )
            lookup = cache.lookup(ctx.tree, scope.included)
            matches: list[Match] = []
            misses = list(lookup.misses)
            for path, cached in lookup.hits.items():
                try:
                    matches.extend(
                        Match.from_json(path, item) for item in cast(list[object], cached)
                    )
                except (OutputError, TypeError):
                    misses.append(path)
            fresh, problems = _analyse(
                ctx,
                ruleset=ruleset,
                semgrep=semgrep,
                scratch=Path(scratch),
                misses=misses,
                cache=cache,
                digests=lookup.digests,
                evidence=evidence,
            )
            matches.extend(fresh)
            analysed = len(misses)
        evidence["files_analysed"] = analysed
        evidence["cache"] = cache.evidence()
        findings, downgraded = downgrade(
            to_findings(matches, ruleset.rules, ctx.tree), ctx.tree, proof_store(ctx, TOOL)
        )
        if downgraded:
            evidence["downgraded"] = list(downgraded)
        if problems:
            shown = problems[:_NAMES_IN_CAUSE]
            more = len(problems) - len(shown)
            evidence["errors"] = list(problems)
            cause = "semgrep reported errors: " + "; ".join(shown)
            if more > 0:
                cause += f"; and {more} more (see the evidence)"
            return result(Status.ERROR, [cause], findings)
        return result(Status.PASS, (), findings)


SEMGREP = SemgrepCheck()
