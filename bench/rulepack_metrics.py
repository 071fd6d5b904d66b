"""Precision/recall of the built-in semgrep rule pack against its own annotated test files.

Every rule ``checks/<lang>/<category>/<name>.yaml`` has a sibling ``<name>.py`` in which
semgrep test annotations mark the line that follows them:

* ``# ruleid: <id>``      a vulnerable line the rule must report (positive)
* ``# todoruleid: <id>``  a vulnerable line the rule is known to miss (still a positive)
* ``# ok: <id>``          a safe look-alike the rule must not report (negative)
* ``# todook: <id>``      a safe line the rule is known to report (still a negative)

The script runs semgrep once over all test files (local rules only, offline), maps each
finding to (rule id, file, line) and prints TP/FP/FN/TN, precision and recall per rule and in
total. A finding on a line without an annotation for that rule counts as a false positive.

Exit status: 0 when every rule has at least one positive and one negative case, its test
file exists, its metadata is complete and semgrep reported no errors; 1 otherwise; 2 when
semgrep cannot be run.

Usage (from the repository root): ``python bench/rulepack_metrics.py [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from releasegate.checks.semgrep import scan_argv
from releasegate.errors import ToolError
from releasegate.policy.schema import SemgrepSection
from releasegate.semgrep_tool import located, offline_env

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKS_DIR = REPO_ROOT / "checks"
SEMGREP_TIMEOUT_S = 600
REQUIRED_METADATA = (
    "cwe",
    "owasp",
    "category",
    "confidence",
    "likelihood",
    "impact",
    "references",
    "releasegate-control",
)
ANNOTATION_RE = re.compile(r"#\s*(?P<kind>todoruleid|todook|ruleid|ok)\s*:\s*(?P<ids>[^#]+)")
POSITIVE_KINDS = frozenset({"ruleid", "todoruleid"})


@dataclass
class RuleStats:
    """Confusion counts for one rule over its annotated test lines."""

    rule_id: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    todo: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def negatives(self) -> int:
        return self.fp + self.tn

    @property
    def precision(self) -> float | None:
        reported = self.tp + self.fp
        return self.tp / reported if reported else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.positives if self.positives else None

    def add(self, other: RuleStats) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn
        self.todo += other.todo


@dataclass(frozen=True)
class Rule:
    rule_id: str
    rule_file: Path
    test_file: Path
    metadata: dict[str, Any]


def load_rules(checks_dir: Path) -> list[Rule]:
    """Read every rule file under ``checks_dir``; the test file is the sibling ``.py``."""
    rules: list[Rule] = []
    for rule_file in sorted(checks_dir.rglob("*.yaml")):
        document = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
            continue
        for raw in document["rules"]:
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                continue
            metadata = raw.get("metadata")
            rules.append(
                Rule(
                    rule_id=raw["id"],
                    rule_file=rule_file,
                    test_file=rule_file.with_suffix(".py"),
                    metadata=metadata if isinstance(metadata, dict) else {},
                )
            )
    return rules


def parse_annotations(test_file: Path) -> dict[tuple[str, int], str]:
    """Map (rule id, target line) to the annotation kind for one test file.

    A comment-only annotation applies to the next line that is not itself an annotation; a
    trailing annotation applies to its own line (the semgrep ``--test`` convention).
    """
    lines = test_file.read_text(encoding="utf-8").splitlines()
    labels: dict[tuple[str, int], str] = {}
    for index, text in enumerate(lines):
        match = ANNOTATION_RE.search(text)
        if match is None:
            continue
        if text.lstrip().startswith("#"):
            target = index + 1
            while target < len(lines) and ANNOTATION_RE.match(lines[target].strip()):
                target += 1
            line_no = target + 1
        else:
            line_no = index + 1
        for rule_id in match.group("ids").split(","):
            if rule_id.strip():
                labels[(rule_id.strip(), line_no)] = match.group("kind")
    return labels


def run_semgrep(rules_dir: Path, targets: Iterable[Path]) -> dict[str, Any]:
    """One offline semgrep run of the whole pack over the given test files."""
    # The gate's own semgrep, command line and environment, with the policy's defaults.
    semgrep = located(os.environ)
    settings = SemgrepSection()
    command = scan_argv(
        semgrep,
        [str(rules_dir)],
        [str(t) for t in targets],
        timeout=settings.timeout_per_file,
        max_memory=settings.max_memory_mib,
        jobs=max(os.cpu_count() or 1, 1),
    )
    with tempfile.TemporaryDirectory(prefix="rulepack-metrics-") as scratch:
        proc = subprocess.run(
            command,
            executable=semgrep.executable,
            capture_output=True,
            text=True,
            env=offline_env(Path(scratch), os.environ),
            timeout=SEMGREP_TIMEOUT_S,
            check=False,
        )
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"semgrep exited {proc.returncode}: {tail[0]}") from exc
    if not isinstance(output, dict):
        raise RuntimeError("semgrep JSON output is not an object")
    return output


def findings_by_file(output: dict[str, Any]) -> dict[tuple[str, Path], set[int]]:
    """(rule id, resolved path) -> start lines reported by semgrep."""
    found: dict[tuple[str, Path], set[int]] = {}
    for result in output.get("results", []):
        key = (str(result["check_id"]), Path(result["path"]).resolve())
        found.setdefault(key, set()).add(int(result["start"]["line"]))
    return found


def score_rule(rule: Rule, reported: set[int]) -> RuleStats:
    stats = RuleStats(rule.rule_id)
    missing = [key for key in REQUIRED_METADATA if not rule.metadata.get(key)]
    if missing:
        stats.problems.append("metadata missing: " + ", ".join(missing))
    if not rule.test_file.is_file():
        stats.problems.append(f"no test file {rule.test_file.name}")
        return stats
    labels = {
        line: kind
        for (rule_id, line), kind in parse_annotations(rule.test_file).items()
        if rule_id == rule.rule_id
    }
    for line, kind in labels.items():
        hit = line in reported
        stats.todo += kind.startswith("todo")
        if kind in POSITIVE_KINDS:
            stats.tp += hit
            stats.fn += not hit
        else:
            stats.fp += hit
            stats.tn += not hit
    stats.fp += len(reported - labels.keys())
    if stats.positives == 0:
        stats.problems.append("no vulnerable (ruleid) test case")
    if stats.negatives == 0:
        stats.problems.append("no safe (ok) test case")
    return stats


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def print_table(rows: list[RuleStats], total: RuleStats) -> None:
    width = max(len(r.rule_id) for r in [*rows, total])
    header = f"{'rule':<{width}}  {'TP':>3} {'FP':>3} {'FN':>3} {'TN':>3} {'todo':>4}  prec  recall"
    print(header)
    print("-" * len(header))
    for r in [*rows, total]:
        if r is total:
            print("-" * len(header))
        print(
            f"{r.rule_id:<{width}}  {r.tp:>3} {r.fp:>3} {r.fn:>3} {r.tn:>3} {r.todo:>4}  "
            f"{fmt_ratio(r.precision):>4}  {fmt_ratio(r.recall):>6}"
        )


def as_json(rows: list[RuleStats], total: RuleStats) -> str:
    def row(r: RuleStats) -> dict[str, Any]:
        return {
            "rule_id": r.rule_id,
            "tp": r.tp,
            "fp": r.fp,
            "fn": r.fn,
            "tn": r.tn,
            "todo": r.todo,
            "precision": r.precision,
            "recall": r.recall,
            "problems": r.problems,
        }

    return json.dumps({"rules": [row(r) for r in rows], "total": row(total)}, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--checks", type=Path, default=CHECKS_DIR, help="rule pack directory")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    checks_dir: Path = args.checks.resolve()

    rules = load_rules(checks_dir)
    if not rules:
        print(f"error: no semgrep rules found under {checks_dir}", file=sys.stderr)
        return 1
    targets = sorted({r.test_file for r in rules if r.test_file.is_file()})
    try:
        output = run_semgrep(checks_dir, targets)
    except (RuntimeError, OSError, subprocess.TimeoutExpired, ToolError) as exc:
        print(f"error: cannot run semgrep: {exc}", file=sys.stderr)
        return 2

    found = findings_by_file(output)
    rows = [score_rule(r, found.get((r.rule_id, r.test_file.resolve()), set())) for r in rules]
    total = RuleStats("TOTAL")
    for r in rows:
        total.add(r)

    if args.json:
        print(as_json(rows, total))
    else:
        print_table(rows, total)
        print(f"\n{len(rows)} rules, {total.positives} vulnerable and {total.negatives} safe cases")

    failed = False
    if not output.get("results"):
        failed = True
        print("error: semgrep reported no findings at all on the test files", file=sys.stderr)
    for err in output.get("errors", []):
        failed = True
        print(f"semgrep error: {err.get('message', err)}", file=sys.stderr)
    for r in rows:
        for problem in r.problems:
            failed = True
            print(f"{r.rule_id}: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
