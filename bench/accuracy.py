"""Accuracy of the gate's static stage on a labelled corpus: TPR - FPR per weakness (CWE).

The corpus is ``bench/accuracy/cases/cwe-<n>/*.py``: one small web-app case per file, labelled
on line 1 (``# accuracy: cwe=89 label=safe trick=constant-branch framework=flask``), with
vulnerable and safe twins for every category (``bench/accuracy/README.md``).

One run commits the corpus to a fresh git repository (fixed author and date), runs the real
gate on it, ``python -m releasegate run --repo R --only static --json OUT --no-progress
--no-audit --no-cache`` under the embedded default policy (the repository has no
``.releasegate.yml``; the corpus lies under ``cases/``, which the default scope includes), and
maps every finding of the JSON report to its case file. A case is

* *reported* when a finding on its file carries a CWE of the case's category
  (``CATEGORIES``; a finding that merges several tools' reports carries the union of their
  CWEs), and *blocked* when such a finding has ``blocking: true``;
* findings of other CWEs on the file do not count for the category; they are listed with
  ``--misses`` and a safe case blocked by one is counted in the ``safe blocked (any)`` column.

Per category, TPR = vulnerable cases flagged / vulnerable cases and FPR = safe cases flagged /
safe cases, for blocking and for reporting. Targets (issue 15): blocking TPR - FPR >= 0.6 and
blocking FPR <= 0.1 in every category; a category that misses one is marked ``FAIL``.

Exit status: 0 when the measurement is valid (whatever the scores); 1 when it is not (a check
ended in error, or a case file was not in the static scope); 2 when the gate could not be run.

Usage (from the repository root): ``python bench/accuracy.py [--cwe N] [--misses] [--json F]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from static_bench import BenchError, _git

from releasegate.rulepack_files import builtin_rulepack, digest_rules

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CORPUS_DIR = BENCH_DIR / "accuracy" / "cases"
TARGET_DIR = "cases"  # where the corpus lies in the scanned repository
GATE_TIMEOUT_S = 1800
BLOCK_DELTA_TARGET = 0.6
BLOCK_FPR_TARGET = 0.1

HEADER_RE = re.compile(
    r"^# accuracy: cwe=(?P<cwe>[0-9]+) label=(?P<label>vulnerable|safe)"
    r" trick=(?P<trick>[a-z0-9][a-z0-9-]*) framework=(?P<framework>[a-z0-9][a-z0-9_-]*)$"
)
DIR_RE = re.compile(r"^cwe-(?P<cwe>[0-9]{3,4})$")
FRAMEWORKS = frozenset({"flask", "django", "fastapi", "starlette", "aiohttp"})


@dataclass(frozen=True)
class Category:
    cwe: int
    title: str
    matches: frozenset[int]  # a finding with any of these CWEs counts for the category


def _category(cwe: int, title: str, *related: int) -> tuple[int, Category]:
    return cwe, Category(cwe, title, frozenset({cwe, *related}))


CATEGORIES: dict[int, Category] = dict(
    [
        _category(22, "path traversal", 23, 36, 73),
        _category(78, "OS command injection", 77, 88),
        _category(79, "cross-site scripting", 80, 116),
        _category(89, "SQL injection"),
        _category(327, "weak crypto / hash", 326, 328, 916),
        _category(330, "weak randomness for secrets", 331, 335, 338),
        _category(352, "CSRF"),
        _category(501, "trust boundary violation"),
        _category(502, "unsafe deserialisation"),
        _category(601, "open redirect"),
        _category(611, "XXE", 776, 827),
        _category(614, "insecure cookie (Secure / HttpOnly)", 1004, 1275),
        _category(643, "XPath injection"),
        _category(918, "SSRF"),
    ]
)


class CorpusError(Exception):
    """A case file without a valid label, or in the wrong place."""


@dataclass(frozen=True)
class Case:
    path: str  # relative to the corpus directory, posix: "cwe-089/safe-03-....py"
    cwe: int  # the category
    label: str  # "vulnerable" or "safe"
    trick: str
    framework: str

    @property
    def vulnerable(self) -> bool:
        return self.label == "vulnerable"


def parse_header(line: str) -> dict[str, str] | None:
    match = HEADER_RE.match(line.rstrip("\r\n"))
    return match.groupdict() if match else None


def load_case(path: Path, root: Path) -> Case:
    rel = path.relative_to(root).as_posix()
    with path.open(encoding="utf-8") as fh:
        first = fh.readline()
    header = parse_header(first)
    if header is None:
        raise CorpusError(f"{rel}: line 1 is not an accuracy label: {first.strip()!r}")
    folder = DIR_RE.match(path.parent.name)
    cwe = int(header["cwe"])
    if folder is None or int(folder["cwe"]) != cwe or path.parent.parent != root:
        raise CorpusError(f"{rel}: cwe={cwe} but the case is not in cwe-{cwe:03d}/")
    if cwe not in CATEGORIES:
        raise CorpusError(f"{rel}: cwe={cwe} is not a category of bench/accuracy.py")
    if header["framework"] not in FRAMEWORKS:
        raise CorpusError(f"{rel}: unknown framework {header['framework']!r}")
    return Case(rel, cwe, header["label"], header["trick"], header["framework"])


def load_cases(root: Path = CORPUS_DIR) -> list[Case]:
    return [load_case(path, root) for path in sorted(root.rglob("*.py"))]


def select(cases: Iterable[Case], cwes: Sequence[int]) -> list[Case]:
    """The cases of the categories named (by their id or any CWE they match); all if none."""
    if not cwes:
        return list(cases)
    wanted = {c.cwe for c in CATEGORIES.values() if c.matches & set(cwes)}
    return [case for case in cases if case.cwe in wanted]


# --- scoring a report -----------------------------------------------------------------------


@dataclass
class Verdict:
    case: Case
    reported: bool = False
    blocked: bool = False
    rules: list[str] = field(default_factory=list)  # the category's findings: tool/rule ids
    other: list[str] = field(default_factory=list)  # findings of other CWEs on the file
    other_blocked: bool = False

    @property
    def blocked_any(self) -> bool:
        return self.blocked or self.other_blocked


def _rule_names(finding: Mapping[str, Any]) -> list[str]:
    names = [f"{finding['tool']}:{finding['rule_id']}"]
    names += [f"{also['tool']}:{also['rule_id']}" for also in finding.get("also", [])]
    return names


def findings_by_path(report: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for check in report.get("checks", []):
        for finding in check.get("findings", []):
            path = finding.get("path")
            if isinstance(path, str):
                found.setdefault(path, []).append(finding)
    return found


def judge(
    cases: Iterable[Case], report: Mapping[str, Any], prefix: str = TARGET_DIR
) -> list[Verdict]:
    """One verdict per case from a releasegate JSON report (case paths under ``prefix``)."""
    found = findings_by_path(report)
    verdicts = []
    for case in cases:
        verdict = Verdict(case)
        matches = CATEGORIES[case.cwe].matches
        for finding in found.get(f"{prefix}/{case.path}" if prefix else case.path, []):
            names = _rule_names(finding)
            blocking = finding.get("blocking") is True
            if matches & set(finding.get("cwe", [])):
                verdict.reported = True
                verdict.blocked |= blocking
                verdict.rules += names
            else:
                verdict.other += names
                verdict.other_blocked |= blocking
        verdict.rules = sorted(set(verdict.rules))
        verdict.other = sorted(set(verdict.other))
        verdicts.append(verdict)
    return verdicts


@dataclass
class Score:
    name: str
    n_vuln: int = 0
    n_safe: int = 0
    tp_block: int = 0
    fp_block: int = 0
    tp_report: int = 0
    fp_report: int = 0
    fp_block_any: int = 0

    def add(self, verdict: Verdict) -> None:
        if verdict.case.vulnerable:
            self.n_vuln += 1
            self.tp_block += verdict.blocked
            self.tp_report += verdict.reported
        else:
            self.n_safe += 1
            self.fp_block += verdict.blocked
            self.fp_report += verdict.reported
            self.fp_block_any += verdict.blocked_any

    @staticmethod
    def _rate(count: int, total: int) -> float:
        return count / total if total else 0.0

    @property
    def tpr_block(self) -> float:
        return self._rate(self.tp_block, self.n_vuln)

    @property
    def fpr_block(self) -> float:
        return self._rate(self.fp_block, self.n_safe)

    @property
    def tpr_report(self) -> float:
        return self._rate(self.tp_report, self.n_vuln)

    @property
    def fpr_report(self) -> float:
        return self._rate(self.fp_report, self.n_safe)

    @property
    def fpr_block_any(self) -> float:
        return self._rate(self.fp_block_any, self.n_safe)

    @property
    def delta_block(self) -> float:
        return self.tpr_block - self.fpr_block

    @property
    def delta_report(self) -> float:
        return self.tpr_report - self.fpr_report

    @property
    def meets_targets(self) -> bool:
        return self.delta_block >= BLOCK_DELTA_TARGET and self.fpr_block <= BLOCK_FPR_TARGET

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)
        for key in (
            "tpr_block",
            "fpr_block",
            "delta_block",
            "tpr_report",
            "fpr_report",
            "delta_report",
            "fpr_block_any",
            "meets_targets",
        ):
            data[key] = getattr(self, key)
        return data


def score(verdicts: Iterable[Verdict]) -> tuple[list[Score], Score]:
    """Per-category scores (in CWE order) and the total over all cases."""
    rows: dict[int, Score] = {}
    total = Score("total")
    for verdict in verdicts:
        cwe = verdict.case.cwe
        rows.setdefault(cwe, Score(f"CWE-{cwe} {CATEGORIES[cwe].title}")).add(verdict)
        total.add(verdict)
    return [rows[cwe] for cwe in sorted(rows)], total


def markdown_table(rows: Sequence[Score], total: Score) -> str:
    head = (
        "| category | n_vuln | n_safe | block TPR | block FPR | block TPR-FPR "
        "| report TPR | report FPR | report TPR-FPR | safe blocked (any CWE) | targets |"
    )
    lines = [head, "|" + "---|" * 11]
    for row in [*rows, total]:
        status = "met" if row.meets_targets else "**FAIL**"
        name = f"**{row.name}**" if row is total else row.name
        lines.append(
            f"| {name} | {row.n_vuln} | {row.n_safe} | {row.tpr_block:.2f} | "
            f"{row.fpr_block:.2f} | {row.delta_block:+.2f} | {row.tpr_report:.2f} | "
            f"{row.fpr_report:.2f} | {row.delta_report:+.2f} | {row.fpr_block_any:.2f} | "
            f"{status} |"
        )
    return "\n".join(lines)


def misses(verdicts: Iterable[Verdict]) -> list[str]:
    """One line per case the gate got wrong for blocking, or reported as safe."""
    out = []
    for v in verdicts:
        case = v.case
        if case.vulnerable and v.blocked:
            continue
        if not case.vulnerable and not v.reported and not v.other_blocked:
            continue
        if case.vulnerable:
            kind = "missed (reported, not blocked)" if v.reported else "missed"
        elif v.blocked:
            kind = "false block"
        elif v.reported:
            kind = "false report"
        else:
            kind = "blocked by another CWE"
        detail = f"  rules: {', '.join(v.rules)}" if v.rules else ""
        if v.other:
            detail += f"  other CWEs: {', '.join(v.other)}"
        out.append(
            f"{case.path}  {case.label} trick={case.trick} framework={case.framework}: "
            f"{kind}{detail}"
        )
    return out


# --- running the gate -----------------------------------------------------------------------


def make_repo(repo: Path, cases: Sequence[Case], corpus: Path) -> None:
    """A fresh git repository holding ``cases`` under ``cases/``, in one commit."""
    repo.mkdir(parents=True)
    for case in cases:
        target = repo / TARGET_DIR / case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / case.path, target)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "accuracy corpus")


def gate_argv(repo: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "releasegate",
        "run",
        "--repo",
        str(repo),
        "--only",
        "static",
        "--json",
        str(out),
        "--no-progress",
        "--no-audit",
        "--no-cache",
    ]


def run_gate(repo: Path, out: Path, log: Path) -> dict[str, Any]:
    argv = gate_argv(repo, out)
    with log.open("wb") as sink:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=GATE_TIMEOUT_S,
            check=False,
        )
    if done.returncode not in (0, 1) or not out.is_file():
        tail = log.read_text("utf-8", "replace")[-3000:]
        sys.stderr.write(f"--- output of the gate ({log}) ---\n{tail}\n")
        raise BenchError(f"releasegate exited {done.returncode}: {' '.join(argv[2:5])} ...")
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def problems(report: Mapping[str, Any], cases: Sequence[Case]) -> list[str]:
    """Why the report is not a valid measurement of every case (empty: it is)."""
    found = []
    ran = {check.get("id"): check for check in report.get("checks", [])}
    for check_id in ("bandit", "semgrep"):
        check = ran.get(check_id)
        if check is None:
            found.append(f"{check_id} did not run")
            continue
        if check.get("status") == "error":
            found.append(f"{check_id} ended in error: {'; '.join(check.get('reasons', []))}")
        in_scope = check.get("evidence", {}).get("files_in_scope")
        if in_scope != len(cases):
            found.append(f"{check_id}: {in_scope} files in scope, the corpus has {len(cases)}")
    return found


def rulepack_info() -> dict[str, Any]:
    """Which rule pack the gate runs (an editable install of another checkout: not ours)."""
    pack = builtin_rulepack()
    ours = REPO_ROOT / "checks"
    info: dict[str, Any] = {"path": str(pack), "digest": digest_rules(pack)}
    if ours.is_dir() and pack.resolve() != ours.resolve():
        same = digest_rules(ours) == info["digest"]
        info["warning"] = f"the gate runs the rule pack at {pack}, not this checkout's {ours}"
        info["warning"] += "" if same else " (and they differ)"
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=Path, default=CORPUS_DIR, help="corpus directory")
    parser.add_argument(
        "--cwe", type=int, action="append", default=[], help="only this category (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="write the table and verdicts as JSON here")
    parser.add_argument("--misses", action="store_true", help="list each case the gate got wrong")
    parser.add_argument("--keep", action="store_true", help="keep the scanned repository")
    args = parser.parse_args(argv)
    corpus: Path = args.cases.resolve()

    try:
        cases = select(load_cases(corpus), args.cwe)
    except (CorpusError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not cases:
        print("error: no case selected", file=sys.stderr)
        return 2
    pack = rulepack_info()
    if "warning" in pack:
        print(f"warning: {pack['warning']}", file=sys.stderr)

    work = Path(tempfile.mkdtemp(prefix="releasegate-accuracy-"))
    repo, out, log = work / "corpus", work / "report.json", work / "gate.log"
    started = time.perf_counter()
    try:
        make_repo(repo, cases, corpus)
        report = run_gate(repo, out, log)
    except (BenchError, OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        seconds = time.perf_counter() - started
        if args.keep:
            print(f"kept: {work} (repository {repo}, report {out}, log {log})")
        else:
            shutil.rmtree(work, ignore_errors=True)

    verdicts = judge(cases, report)
    rows, total = score(verdicts)
    invalid = problems(report, cases)
    print(markdown_table(rows, total))
    print(
        f"\n{len(cases)} cases ({total.n_vuln} vulnerable, {total.n_safe} safe) in "
        f"{seconds:.1f} s; rule pack {pack['digest'][:12]}; targets: blocking TPR-FPR >= "
        f"{BLOCK_DELTA_TARGET}, blocking FPR <= {BLOCK_FPR_TARGET}"
    )
    if args.misses:
        print("\nMisses:")
        for line in misses(verdicts):
            print(f"  {line}")
    for problem in invalid:
        print(f"invalid measurement: {problem}", file=sys.stderr)
    if args.json is not None:
        document = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(seconds, 1),
            "gate_command": gate_argv(Path("<repo>"), Path("<report>"))[1:],
            "rulepack": pack,
            "targets": {"block_delta": BLOCK_DELTA_TARGET, "block_fpr": BLOCK_FPR_TARGET},
            "categories": [row.as_dict() for row in rows],
            "total": total.as_dict(),
            "problems": invalid,
            "cases": [
                {**asdict(v.case), **{k: getattr(v, k) for k in _VERDICT_FIELDS}} for v in verdicts
            ],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if invalid else 0


_VERDICT_FIELDS = ("reported", "blocked", "rules", "other", "other_blocked")


if __name__ == "__main__":
    sys.exit(main())
