"""Static-analysis benchmark: releasegate's static stage against the same tools run by hand.

The subject is a large real codebase, the Django sdist from the package index, made into a
git repository with a fixed author and date (so its commit SHAs are reproducible). One run
measures, in this order:

(a) "by hand": bandit, then semgrep with the rule pack in ``checks/``, one after the other,
    over the files releasegate's default policy puts in scope (same explicit file list),
    semgrep as a user types it (``semgrep scan``, which runs pysemgrep);
(a') the same with ``semgrep scan --experimental``: semgrep's native command line, the one
    the gate runs; it must report what (a) reports. Its CPU gives a second, stricter limit;
(b) ``releasegate run --only static`` with an empty result cache (cold);
(c) the same again, nothing changed (warm);
(d) after a commit that changes 5 in-scope Python files, warm cache;
(e) that commit judged as a pull request (``--mode pull-request --base HEAD~1``: only the
    5 files), empty cache: the pre-push hook's path.

releasegate's modules are byte-compiled first, as ``pip install .`` leaves them.

For every command it records the wall-clock time (``time.perf_counter``) and two memory
figures:

* peak tree RSS: the largest sum of the resident set sizes of the command and all its
  descendants, sampled from ``/proc`` every 0.1 s (Linux only; a conservative figure, since
  pages shared between processes are counted once per process; processes living less than
  one sampling interval can be missed);
* max process RSS: ``ru_maxrss`` from ``os.wait4`` on the command, the figure
  ``/usr/bin/time -f %M`` prints: the largest RSS any single process of the tree reached
  (of those reaped inside the tree), not a sum.

It prints a table with the targets of the spec and whether each was met, and writes it as
JSON to ``bench/.cache/static_bench.json``. It measures; it never fails on a missed target.
Exit status: 0 when every step did the same work; 1 when the numbers are not a valid
measurement (a releasegate check ended in error, a tool by hand reported errors, or the rule
pack changed during the run; the table is still printed and written); 2 when the benchmark
could not be run (a tool failed, releasegate exited 2 or 3).

Usage (from the repository root): ``python bench/static_bench.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import releasegate
from releasegate.policy.loader import default_policy
from releasegate.scope import select_files

DJANGO_VERSION = "5.2.8"
SDIST_NAME = f"django-{DJANGO_VERSION}.tar.gz"

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CHECKS_DIR = REPO_ROOT / "checks"
DEFAULT_CACHE = BENCH_DIR / ".cache"

BY_HAND_STEPS = ("a_bandit", "a", "a_semgrep", "a_semgrep_native", "a_native")
CHANGED_FILES = 5
SMALL_DIFF_TARGET_S = 4.0  # a pull request of <= 5 files, and the pre-push hook
MARKER = "releasegate-bench"  # in .git/ of the work repo: safe to remove and recreate
BENCH_LINE = "_releasegate_bench = 1\n"
SAMPLE_INTERVAL_S = 0.1
# Bytes of file arguments per command; far below ARG_MAX (usually 2 MiB incl. environment).
ARGV_BUDGET = 100_000
GIB = 1 << 30
RSS_TARGET_MIB = 1.5 * GIB / (1 << 20)

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "releasegate bench",
    "GIT_AUTHOR_EMAIL": "bench@releasegate.invalid",
    "GIT_COMMITTER_NAME": "releasegate bench",
    "GIT_COMMITTER_EMAIL": "bench@releasegate.invalid",
    # The system's git configuration does not change the commits (nor the user's: below).
    "GIT_CONFIG_NOSYSTEM": "1",
}
BASE_DATE = "2025-11-05T12:00:00+00:00"
CHANGE_DATE = "2025-11-06T12:00:00+00:00"


class BenchError(Exception):
    """The benchmark could not be run (not: a target was missed)."""


# --- measuring a command -------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_tree_rss_kib: int
    max_proc_rss_kib: int
    returncode: int
    stdout: Path
    stderr: Path
    load1: float  # the 1-minute load average when the command started (other work on the box)
    cpu_seconds: float = 0.0  # user + system time of the command and the children it waited for


def _page_kib() -> int:
    return os.sysconf("SC_PAGE_SIZE") // 1024


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and its descendants from /proc.

    A process belongs to the tree when its parent does, or it is in the root's session (the
    command is started in a new session), or it was seen in the tree before (so orphans
    re-parented to init still count).
    """

    def __init__(self, root: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.root = root
        self.interval = interval
        self.members: set[int] = {root}
        self.peak_kib = 0
        self.samples = 0
        self._halt = threading.Event()
        self._page_kib = _page_kib()
        self.available = Path("/proc/self/stat").exists()

    def run(self) -> None:
        if not self.available:
            return
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def sample(self) -> None:
        procs: dict[int, tuple[int, int, int]] = {}
        with contextlib.suppress(OSError):
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    data = Path("/proc", entry.name, "stat").read_bytes()
                except OSError:
                    continue
                # "pid (comm) state ppid pgrp session ... rss(24th) ..."; comm may hold ')'.
                fields = data.rpartition(b")")[2].split()
                if len(fields) < 22:
                    continue
                procs[int(entry.name)] = (int(fields[1]), int(fields[3]), int(fields[21]))
        members = {pid for pid in self.members if pid in procs}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, sid, _rss) in procs.items():
                if pid not in members and (ppid in members or sid == self.root):
                    members.add(pid)
                    grew = True
        self.members = members | {self.root}
        total = sum(procs[pid][2] for pid in members) * self._page_kib
        self.peak_kib = max(self.peak_kib, total)
        self.samples += 1


def measure(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_dir: Path,
    name: str,
) -> Measured:
    """Run ``argv``, wait for it with ``os.wait4``; stdout and stderr go to files."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path = log_dir / f"{name}.out"
    err_path = log_dir / f"{name}.err"
    load1 = os.getloadavg()[0]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            raise
        finally:
            elapsed = time.perf_counter() - started
            sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB (macOS in bytes; this bench targets Linux).
    return Measured(
        seconds=elapsed,
        peak_tree_rss_kib=sampler.peak_kib,
        max_proc_rss_kib=int(usage.ru_maxrss),
        returncode=proc.returncode,
        stdout=out_path,
        stderr=err_path,
        load1=load1,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def _fail(step: str, measured: Measured, argv: Sequence[str]) -> BenchError:
    tail = measured.stderr.read_text("utf-8", "replace")[-4000:]
    sys.stderr.write(f"--- stderr of {step} ({measured.stderr}) ---\n{tail}\n")
    return BenchError(f"{step}: exit status {measured.returncode} from {' '.join(argv[:6])} ...")


# --- the subject: Django as a git repository -------------------------------------------------


def _git(repo: Path, *args: str, date: str = BASE_DATE) -> str:
    # An empty file as the global configuration (not os.devnull: not always a device).
    empty = repo.parent / ".empty.gitconfig"
    if not empty.is_file():
        empty.write_bytes(b"")
    env = {**os.environ, **GIT_IDENTITY, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    env["GIT_CONFIG_GLOBAL"] = str(empty)
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout


def obtain_sdist(cache: Path, sdist: Path | None) -> Path:
    if sdist is not None:
        if not sdist.is_file():
            raise BenchError(f"--sdist {sdist}: no such file")
        return sdist
    download = cache / "sdist"
    cached = download / SDIST_NAME
    if cached.is_file():
        return cached
    download.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pip", "download", f"django=={DJANGO_VERSION}"]
    argv += ["--no-deps", "--no-binary", ":all:", "-d", str(download)]
    print(f"downloading: {' '.join(argv)}", flush=True)
    if subprocess.run(argv, check=False).returncode != 0 or not cached.is_file():
        raise BenchError(f"could not download {SDIST_NAME} into {download}")
    return cached


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def make_repo(sdist: Path, work: Path) -> str:
    """Extract ``sdist`` into a fresh ``work`` directory, commit it; return the commit SHA."""
    if work.exists():
        if any(work.iterdir()) and not (work / ".git" / MARKER).is_file():
            raise BenchError(f"{work} exists and was not made by this bench: not removing it")
        shutil.rmtree(work)
    work.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="extract-", dir=work.parent) as scratch:
        with tarfile.open(sdist, "r:gz") as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(scratch, filter="data")
            else:  # Python without the extraction filters (before 3.10.12)
                archive.extractall(scratch)  # noqa: S202 - a pinned sdist from the index
        tops = list(Path(scratch).iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise BenchError(f"{sdist}: expected one top-level directory, found {len(tops)}")
        tops[0].rename(work)
    (work / ".git").mkdir()
    (work / ".git" / MARKER).write_text("made by bench/static_bench.py\n", encoding="utf-8")
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "--no-gpg-sign", "-m", f"Django {DJANGO_VERSION} sdist")
    return _git(work, "rev-parse", "HEAD").strip()


def in_scope_files(repo: Path) -> list[str]:
    """The files releasegate's default policy gives to static analysers."""
    listed = _git(repo, "ls-files", "-z").split("\0")
    static = default_policy().policy.static
    scope = select_files([path for path in listed if path], static.include, static.exclude)
    return list(scope.included)


def change_files(repo: Path, scope: Sequence[str], count: int = CHANGED_FILES) -> list[str]:
    """Append a harmless line to ``count`` in-scope files spread over the list; commit."""
    step = max(1, len(scope) // count)
    chosen = [scope[min(len(scope) - 1, step // 2 + i * step)] for i in range(count)]
    for path in chosen:
        target = repo / path
        text = target.read_bytes()
        prefix = b"" if not text or text.endswith(b"\n") else b"\n"
        target.write_bytes(text + prefix + BENCH_LINE.encode())
    _git(repo, "add", "--", *chosen)
    _git(repo, "commit", "-q", "--no-gpg-sign", "-m", "bench: change 5 files", date=CHANGE_DATE)
    return chosen


# --- the steps -------------------------------------------------------------------------------


def chunks(paths: Sequence[str], budget: int = ARGV_BUDGET) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for path in paths:
        if batch and size + len(path) + 1 > budget:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += len(path) + 1
    if batch:
        yield batch


def rule_files() -> list[Path]:
    if not CHECKS_DIR.is_dir():
        return []
    return sorted(p for p in CHECKS_DIR.rglob("*") if p.suffix in (".yml", ".yaml"))


@dataclass
class StepResult:
    step: str
    samples: list[float] = field(default_factory=list)
    peak_tree_rss_kib: int = 0
    max_proc_rss_kib: int = 0
    counts: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    load1: float = 0.0
    problems: list[str] = field(default_factory=list)
    cpu_samples: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(self.cpu_samples) if self.cpu_samples else float("nan")

    def record(self, run: Measured | ToolRun, counts: dict[str, Any] | None = None) -> None:
        self.samples.append(run.seconds)
        self.cpu_samples.append(run.cpu_seconds)
        self.peak_tree_rss_kib = max(self.peak_tree_rss_kib, run.peak_tree_rss_kib)
        self.max_proc_rss_kib = max(self.max_proc_rss_kib, run.max_proc_rss_kib)
        self.load1 = max(self.load1, run.load1)
        if counts is not None:
            self.counts = counts
        elif isinstance(run, ToolRun):
            self.counts = run.counts

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "seconds": None if not self.samples else round(self.seconds, 3),
            "samples": [round(s, 3) for s in self.samples],
            "cpu_seconds": [round(s, 3) for s in self.cpu_samples],
            "peak_tree_rss_mib": round(self.peak_tree_rss_kib / 1024, 1),
            "max_proc_rss_mib": round(self.max_proc_rss_kib / 1024, 1),
            "load1_at_start": round(self.load1, 2),
            "counts": self.counts,
            "note": self.note,
            "problems": self.problems,
        }


def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
    env["SEMGREP_SEND_METRICS"] = "off"
    env.pop("RELEASEGATE_CACHE_DIR", None)
    env.pop("RELEASEGATE_NO_CACHE", None)
    return env


@dataclass(frozen=True)
class ToolRun:
    """One tool over the whole scope (possibly several commands, one per argv chunk)."""

    seconds: float
    peak_tree_rss_kib: int
    max_proc_rss_kib: int
    counts: dict[str, Any]
    load1: float
    cpu_seconds: float = 0.0


def _run_chunked(
    *, tool: str, head: Sequence[str], scope: Sequence[str], repo: Path, logs: Path, tag: str
) -> tuple[ToolRun, list[dict[str, Any]]]:
    seconds, peak, proc, load1, cpu = 0.0, 0, 0, 0.0, 0.0
    reports: list[dict[str, Any]] = []
    for index, batch in enumerate(chunks(scope)):
        argv = [*head, "--", *batch]
        measured = measure(argv, cwd=repo, env=tool_env(), log_dir=logs, name=f"{tag}-{index}")
        if measured.returncode not in (0, 1):
            raise _fail(f"(a) {tool}", measured, argv)
        reports.append(json.loads(measured.stdout.read_text("utf-8")))
        seconds += measured.seconds
        cpu += measured.cpu_seconds
        peak = max(peak, measured.peak_tree_rss_kib)
        proc = max(proc, measured.max_proc_rss_kib)
        load1 = max(load1, measured.load1)
    return ToolRun(seconds, peak, proc, {}, load1, cpu), reports


def run_bandit(repo: Path, scope: Sequence[str], logs: Path, tag: str) -> ToolRun:
    # The explicit file list is already the policy's scope, so no -x: bandit's -x also
    # drops files by substring ("env/", "build/"), which would scan less than releasegate.
    # --ignore-nosec as releasegate does, so both report the same findings.
    head = ["bandit", "-q", "-f", "json", "--ignore-nosec", "-r"]
    run, reports = _run_chunked(
        tool="bandit", head=head, scope=scope, repo=repo, logs=logs, tag=tag
    )
    by_severity: dict[str, int] = {}
    findings = errors = scanned = 0
    for report in reports:
        for issue in report.get("results", []):
            severity = str(issue.get("issue_severity", "?")).lower()
            by_severity[severity] = by_severity.get(severity, 0) + 1
            findings += 1
        errors += len(report.get("errors", []))
        scanned += len([key for key in report.get("metrics", {}) if key != "_totals"])
    run.counts.update(
        {
            "commands": len(reports),
            "files_scanned": scanned,
            "findings": findings,
            "by_severity": by_severity,
            "errors": errors,
        }
    )
    return run


def run_semgrep(
    repo: Path, scope: Sequence[str], logs: Path, tag: str, *, native: bool = False
) -> ToolRun:
    """``semgrep scan`` over the scope: as a user types it (pysemgrep, semgrep's default
    for ``scan``), or with ``--experimental``: semgrep's native command line, the one the
    gate runs."""
    head = ["semgrep", "scan", *(["--experimental"] if native else [])]
    head += ["--json", "--metrics=off", "--disable-version-check", "--config", str(CHECKS_DIR)]
    run, reports = _run_chunked(
        tool="semgrep", head=head, scope=scope, repo=repo, logs=logs, tag=tag
    )
    by_rule: dict[str, int] = {}
    findings = errors = scanned = 0
    for report in reports:
        for result in report.get("results", []):
            rule = str(result.get("check_id", "?")).rsplit(".", 1)[-1]
            by_rule[rule] = by_rule.get(rule, 0) + 1
            findings += 1
        errors += len(report.get("errors", []))
        scanned += len((report.get("paths") or {}).get("scanned", []))
    run.counts.update(
        {
            "commands": len(reports),
            "rule_files": len(rule_files()),
            "files_scanned": scanned,
            "findings": findings,
            "errors": errors,
            "by_rule": dict(sorted(by_rule.items())),
        }
    )
    return run


def releasegate_argv() -> list[str]:
    """The console script installed beside this Python (a pyenv shim on PATH would add its
    own start-up to every figure), else the one on PATH, else ``-m``."""
    beside = Path(sys.executable).parent / "releasegate"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("releasegate")
    return [found] if found else [sys.executable, "-m", "releasegate"]


def compile_releasegate() -> None:
    """Byte-compile releasegate's modules, as ``pip install .`` does: an editable install
    (or PYTHONDONTWRITEBYTECODE) would otherwise compile every module on every run."""
    package = Path(releasegate.__file__).resolve().parent
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"bench: could not byte-compile {package}")


def run_releasegate(
    repo: Path, rg_cache: Path, logs: Path, tag: str, *extra: str
) -> tuple[Measured, dict[str, Any]]:
    report_path = logs / f"{tag}.json"
    argv = [*releasegate_argv(), "run", "--repo", str(repo), "--only", "static", *extra]
    argv += ["--no-progress", "--json", str(report_path)]
    env = tool_env()
    env["RELEASEGATE_CACHE_DIR"] = str(rg_cache)
    measured = measure(argv, cwd=repo, env=env, log_dir=logs, name=tag)
    if measured.returncode not in (0, 1):
        raise _fail(tag, measured, argv)
    report = json.loads(report_path.read_text("utf-8"))
    counts = report.get("counts", {})
    checks: list[dict[str, Any]] = []
    for check in report.get("checks", []):
        evidence = check.get("evidence") or {}
        checks.append(
            {
                "id": check.get("id"),
                "status": check.get("status"),
                "findings": len(check.get("findings", [])),
                "evidence": {
                    key: value
                    for key, value in evidence.items()
                    if isinstance(value, (int, float, str)) and not isinstance(value, bool)
                },
            }
        )
    # releasegate's own share of the wall time: what is not the longest check (the checks
    # run concurrently; start-up, resolving, the snapshot, judging and reporting are ours).
    durations = [float(c.get("duration_seconds") or 0.0) for c in report.get("checks", [])]
    longest = max(durations, default=0.0)
    summary = {
        "exit": measured.returncode,
        "decision": report.get("decision"),
        "longest_check_seconds": round(longest, 3),
        "own_overhead_seconds": round(max(measured.seconds - longest, 0.0), 3),
        "findings": counts.get("findings"),
        "blocking": counts.get("blocking"),
        "new": counts.get("new"),
        "by_severity": counts.get("by_severity"),
        "checks": checks,
        # A check in error did not do its work: the step's time does not measure it.
        "errors": [
            f"{check.get('id')}: " + "; ".join(check.get("reasons") or ["error"])
            for check in report.get("checks", [])
            if check.get("status") == "error"
        ],
    }
    return measured, summary


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    step: str
    label: str
    seconds: float | None
    ratio_a: float | None
    target: str
    met: str
    peak_mib: float
    proc_mib: float
    load1: float
    valid: bool


def _ratio(x: float | None, y: float | None) -> float | None:
    if x is None or y is None or y <= 0 or math.isnan(x) or math.isnan(y):
        return None
    return x / y


def _met(value: float | None, limit: float) -> str:
    if value is None:
        return "n/a"
    return "met" if value <= limit else "missed"


def build_rows(steps: Mapping[str, StepResult]) -> list[Row]:
    def secs(key: str) -> float | None:
        step = steps.get(key)
        return None if step is None or not step.samples else step.seconds

    def limit_of(key: str) -> float | None:
        # The machine's limit: the analysers' CPU-seconds (by hand) spread over every core.
        by_hand = steps.get(key)
        if by_hand is None or not by_hand.cpu_samples or math.isnan(by_hand.cpu_seconds):
            return None
        return by_hand.cpu_seconds / (os.cpu_count() or 1)

    a = secs("a")
    a_native = secs("a_native")
    limit, limit_native = limit_of("a"), limit_of("a_native")
    rows: list[Row] = []
    labels = {
        "a_bandit": "(a) bandit by hand",
        "a_semgrep": "(a) semgrep by hand (pysemgrep)",
        "a": "(a) by hand, total",
        "a_semgrep_native": "(a') semgrep --experimental by hand",
        "a_native": "(a') by hand, total",
        "b": "(b) releasegate cold",
        "c": "(c) releasegate warm",
        "d": "(d) 5 files changed, warm",
        "e": "(e) pull request, 5 files, cold",
    }
    for key, label in labels.items():
        step = steps.get(key)
        if step is None:
            continue
        limits = (("limit", "(a)", limit), ("limit'", "(a')", limit_native))
        for name, by, seconds in limits if key == "b" else ():
            if seconds is not None:
                rows.append(
                    Row(
                        step=name,
                        label=f"{name}: CPU of {by} / cores",
                        seconds=seconds,
                        ratio_a=_ratio(seconds, a),
                        target="",
                        met="",
                        peak_mib=0.0,
                        proc_mib=0.0,
                        load1=0.0,
                        valid=True,
                    )
                )
        value = secs(key)
        ratio = _ratio(value, a)
        target, met = "", ""
        if key == "b":
            to_limit = _ratio(value, limit)
            to_native = _ratio(value, limit_native)
            shown = "n/a" if to_limit is None else f"{to_limit:.2f}"
            target, met = f"<= 1.15 x limit [{shown}]", _met(to_limit, 1.15)
            if to_native is not None:
                target += f" [{to_native:.2f} x limit']"
        elif key == "c":
            target, met = "<= 0.05 x (a)", _met(ratio, 0.05)
            native_ratio = _ratio(value, a_native)
            if native_ratio is not None:
                target += f" [{native_ratio:.3f} x (a')]"
        elif key in {"d", "e"}:
            target, met = f"< {SMALL_DIFF_TARGET_S:g} s", _met(value, SMALL_DIFF_TARGET_S)
        if step.problems and met:
            met = "invalid"
        rows.append(
            Row(
                step=key,
                label=label,
                seconds=value,
                ratio_a=ratio,
                target=target,
                met=met,
                peak_mib=step.peak_tree_rss_kib / 1024,
                proc_mib=step.max_proc_rss_kib / 1024,
                load1=step.load1,
                valid=not step.problems,
            )
        )
    return rows


def render_table(rows: Sequence[Row]) -> str:
    head = (
        "step",
        "seconds",
        "x (a)",
        "time target",
        "time",
        "peak tree RSS MiB",
        "max proc RSS MiB",
        "RSS <= 1.5 GiB",
        "load",
    )
    body = [
        (
            row.label,
            "n/a" if row.seconds is None else f"{row.seconds:.2f}",
            "n/a" if row.ratio_a is None else f"{row.ratio_a:.3f}",
            row.target or "-",
            row.met or "-",
            f"{row.peak_mib:.0f}",
            f"{row.proc_mib:.0f}",
            _met(row.peak_mib, RSS_TARGET_MIB) if row.peak_mib else "n/a",
            f"{row.load1:.1f}",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i in (0, 3, 4, 7) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([fmt(head), rule, *(fmt(line) for line in body)])


# --- machine and versions ---------------------------------------------------------------------


def _version(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, check=False, env=tool_env(), timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib: float | None = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / (1 << 20), 1)
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
    }


# --- main -------------------------------------------------------------------------------------


def rules_digest(rules: Sequence[Path]) -> str:
    """sha256 over the rule files' paths and bytes: which rule pack (a) and (b) ran."""
    digest = hashlib.sha256()
    for path in sorted(rules):
        digest.update(path.relative_to(CHECKS_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _load_previous(path: Path, digest: str) -> dict[str, StepResult]:
    """The (a) steps of the previous run, if it ran the same rule pack."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("rules_digest") != digest:
        print("note: the previous run's (a) used another rule pack (or none is recorded)")
        return {}
    previous: dict[str, StepResult] = {}
    for item in data.get("steps", []):
        key = item.get("step")
        if key in BY_HAND_STEPS and item.get("samples"):
            previous[key] = StepResult(
                step=key,
                samples=[float(s) for s in item["samples"]],
                peak_tree_rss_kib=int(float(item.get("peak_tree_rss_mib", 0)) * 1024),
                max_proc_rss_kib=int(float(item.get("max_proc_rss_mib", 0)) * 1024),
                counts=item.get("counts", {}),
                note="reused from a previous run (--skip-by-hand)",
                load1=float(item.get("load1_at_start", 0.0)),
            )
    return previous


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sdist", type=Path, help=f"use this {SDIST_NAME} (no download)")
    parser.add_argument("--work", type=Path, help="work dir for the repo (default: .cache/work)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=argparse.SUPPRESS)
    parser.add_argument(
        "--skip-by-hand",
        action="store_true",
        help="reuse the (a) numbers of the previous run's JSON, if present",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step (median)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


@dataclass(frozen=True)
class Subject:
    sdist: Path
    work: Path
    base: str
    tracked: int
    scope: list[str]
    rules: list[Path]
    rules_digest: str
    semgrep_note: str
    versions: dict[str, str]


def prepare(sdist_arg: Path | None, cache: Path, work: Path) -> Subject:
    sdist = obtain_sdist(cache, sdist_arg)
    print(f"subject: {sdist} (sha256 {_sha256(sdist)[:16]}...)", flush=True)
    base = make_repo(sdist, work)
    scope = in_scope_files(work)
    tracked = len([p for p in _git(work, "ls-files", "-z").split("\0") if p])
    print(f"repo: {work} at {base} ({tracked} tracked files)")
    print(f"in scope (default policy static.include/exclude): {len(scope)} files", flush=True)
    rules = rule_files()
    note = ""
    if not rules:
        note = f"no semgrep rules in {CHECKS_DIR}: semgrep by hand skipped"
    elif shutil.which("semgrep") is None:
        note = "semgrep is not installed: semgrep by hand skipped"
        rules = []
    if note:
        print(f"note: {note}")
    # Also warms up each tool's start-up (imports, binaries) before anything is timed.
    versions = {
        "bandit": _version(["bandit", "--version"]),
        "semgrep": _version(["semgrep", "--version"]) if rules else "not run",
        "releasegate": _version([*releasegate_argv(), "--version"]),
        "git": _version(["git", "--version"]),
    }
    print("versions: " + "; ".join(f"{k} {v}" for k, v in versions.items()), flush=True)
    digest = rules_digest(rules)
    print(f"rule pack: {len(rules)} rule files in {CHECKS_DIR}, sha256 {digest[:16]}...")
    return Subject(sdist, work, base, tracked, scope, rules, digest, note, versions)


def by_hand(subject: Subject, steps: dict[str, StepResult], logs: Path, rep: int) -> None:
    """Step (a): bandit, then semgrep, over the in-scope files; and (a'): the same with
    semgrep's native command line (``--experimental``), the one the gate runs."""
    for key in BY_HAND_STEPS:
        if subject.rules or key in ("a_bandit", "a"):
            steps.setdefault(key, StepResult(key))
    bandit = run_bandit(subject.work, subject.scope, logs, f"a-bandit-{rep}")
    steps["a_bandit"].record(bandit)
    if bandit.counts["errors"]:
        steps["a"].problems.append(f"bandit reported {bandit.counts['errors']} error(s)")
    print(f"(a) bandit: {bandit.seconds:.2f} s, {bandit.counts}", flush=True)
    runs = {"bandit": bandit}
    if subject.rules:
        semgrep = run_semgrep(subject.work, subject.scope, logs, f"a-semgrep-{rep}")
        steps["a_semgrep"].record(semgrep)
        if semgrep.counts["errors"]:
            steps["a"].problems.append(f"semgrep reported {semgrep.counts['errors']} error(s)")
        found = {k: v for k, v in semgrep.counts.items() if k != "by_rule"}
        print(f"(a) semgrep: {semgrep.seconds:.2f} s, {found}", flush=True)
        runs["semgrep"] = semgrep
        native = run_semgrep(
            subject.work, subject.scope, logs, f"a-semgrep-native-{rep}", native=True
        )
        steps["a_semgrep_native"].record(native)
        if native.counts != semgrep.counts:
            steps["a_native"].problems.append(
                f"semgrep --experimental reported {native.counts}, pysemgrep {semgrep.counts}"
            )
        print(f"(a') semgrep --experimental: {native.seconds:.2f} s", flush=True)
        steps["a_native"].record(_total({"bandit": bandit, "semgrep": native}))
    steps["a"].record(_total(runs))
    steps["a"].note = subject.semgrep_note


def _total(runs: Mapping[str, ToolRun]) -> ToolRun:
    return ToolRun(
        seconds=sum(r.seconds for r in runs.values()),
        peak_tree_rss_kib=max(r.peak_tree_rss_kib for r in runs.values()),
        max_proc_rss_kib=max(r.max_proc_rss_kib for r in runs.values()),
        counts={tool: r.counts for tool, r in runs.items()},
        load1=max(r.load1 for r in runs.values()),
        cpu_seconds=sum(r.cpu_seconds for r in runs.values()),
    )


def through_gate(
    subject: Subject, steps: dict[str, StepResult], cache: Path, logs: Path, rep: int
) -> list[str]:
    """Steps (b), (c), (d); returns the files (d) changed."""
    rg_cache = cache / "releasegate-cache"
    if rg_cache.exists():
        shutil.rmtree(rg_cache)
    rg_cache.mkdir(parents=True)
    changed: list[str] = []
    for key, title in (("b", "cold"), ("c", "warm"), ("d", "5 files changed, warm")):
        if key == "d":
            changed = change_files(subject.work, subject.scope)
        measured, summary = run_releasegate(subject.work, rg_cache, logs, f"{key}-{rep}")
        step = steps.setdefault(key, StepResult(key))
        step.record(measured, summary)
        for problem in summary["errors"]:
            step.problems.append(f"run {rep + 1}: {problem}")
            print(f"WARNING: ({key}) a check ended in error, so this step is invalid: {problem}")
        print(
            f"({key}) releasegate {title}: {measured.seconds:.2f} s, exit {measured.returncode}, "
            f"{summary['decision']}, {summary['findings']} findings",
            flush=True,
        )
    steps["d"].note = "changed: " + ", ".join(changed)
    # (e) the pre-push hook's path: the same 5-file commit judged as a pull request
    # (only the files it changes), with an empty cache.
    pr_cache = cache / "releasegate-cache-pr"
    if pr_cache.exists():
        shutil.rmtree(pr_cache)
    pr_cache.mkdir(parents=True)
    measured, summary = run_releasegate(
        subject.work, pr_cache, logs, f"e-{rep}", "--mode", "pull-request", "--base", "HEAD~1"
    )
    step = steps.setdefault("e", StepResult("e"))
    step.record(measured, summary)
    for problem in summary["errors"]:
        step.problems.append(f"run {rep + 1}: {problem}")
    print(
        f"(e) releasegate pull request, 5 files, cold: {measured.seconds:.2f} s, "
        f"exit {measured.returncode}, {summary['decision']}, {summary['findings']} findings",
        flush=True,
    )
    return changed


def print_counts(steps: Mapping[str, StepResult]) -> None:
    for key in ("a", "b", "c", "d", "e"):
        step = steps.get(key)
        if step is None:
            continue
        counts = step.counts
        if key == "a":
            parts = [f"{tool}: {json.dumps(c, sort_keys=True)}" for tool, c in counts.items()]
            print(f"({key}) " + "; ".join(parts) + (f" [{step.note}]" if step.note else ""))
            continue
        ran = ", ".join(f"{c['id']}={c['status']}" for c in counts.get("checks", []))
        print(
            f"({key}) exit {counts.get('exit')}, decision {counts.get('decision')}, "
            f"findings {counts.get('findings')} (blocking {counts.get('blocking')}, "
            f"new {counts.get('new')}), by severity {counts.get('by_severity')}; "
            f"checks: {ran}"
        )
        for check in counts.get("checks", []):
            print(f"    {check['id']}: {json.dumps(check['evidence'], sort_keys=True)}")
        overhead = counts.get("own_overhead_seconds")
        if isinstance(overhead, int | float) and step.samples:
            share = overhead / step.seconds if step.seconds else float("nan")
            print(
                f"    own overhead: {overhead:.2f} s of {step.seconds:.2f} s ({share:.1%}; "
                f"target < 5 % cold): the wall time outside the longest check"
            )
    if "d" in steps:
        print(f"(d) {steps['d'].note}")
    print(
        f"load: 1-minute load average when the step started ({os.cpu_count()} CPUs); "
        "well above the CPU count means other work competed for the machine"
    )
    print(
        "peak tree RSS: summed RSS of the command's process tree, sampled every "
        f"{SAMPLE_INTERVAL_S} s; max proc RSS: ru_maxrss from wait4 (largest single process)"
    )


def result_json(
    subject: Subject, steps: Mapping[str, StepResult], rows: Sequence[Row], repeat: int
) -> dict[str, Any]:
    return {
        "django": DJANGO_VERSION,
        "sdist": str(subject.sdist),
        "sdist_sha256": _sha256(subject.sdist),
        "repo": str(subject.work),
        "base_commit": subject.base,
        "tracked_files": subject.tracked,
        "files_in_scope": len(subject.scope),
        "rule_files": len(subject.rules),
        "rules_digest": subject.rules_digest,
        "repeat": repeat,
        "machine": machine(),
        "versions": subject.versions,
        "memory_measures": {
            "peak_tree_rss": f"summed RSS of the process tree, sampled every {SAMPLE_INTERVAL_S} s",
            "max_proc_rss": "ru_maxrss of os.wait4: the largest single process of the tree",
        },
        "targets": {
            "b": "<= 0.6 x (a)",
            "c": "<= 0.05 x (a)",
            "d": f"< {SMALL_DIFF_TARGET_S:g} s",
            "e": f"< {SMALL_DIFF_TARGET_S:g} s",
            "rss": "peak tree RSS <= 1.5 GiB",
        },
        "steps": [step.to_json() for step in steps.values()],
        "table": [
            {
                "step": row.step,
                "label": row.label,
                "seconds": None if row.seconds is None else round(row.seconds, 3),
                "ratio_vs_a": None if row.ratio_a is None else round(row.ratio_a, 4),
                "target": row.target,
                "time_target": row.met,
                "peak_tree_rss_mib": round(row.peak_mib, 1),
                "max_proc_rss_mib": round(row.proc_mib, 1),
                "rss_target": _met(row.peak_mib, RSS_TARGET_MIB) if row.peak_mib else "n/a",
                "valid": row.valid,
            }
            for row in rows
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cache: Path = args.cache.resolve()
    work: Path = (args.work or cache / "work" / "django").resolve()
    out_json = cache / "static_bench.json"
    logs = cache / "logs"
    cache.mkdir(parents=True, exist_ok=True)
    if logs.exists():
        shutil.rmtree(logs)

    compile_releasegate()
    subject = prepare(args.sdist, cache, work)
    steps = _load_previous(out_json, subject.rules_digest) if args.skip_by_hand else {}
    if args.skip_by_hand and "a" not in steps:
        print("note: --skip-by-hand, but no usable previous (a) numbers: measuring (a)")
    measure_a = "a" not in steps

    for rep in range(args.repeat):
        if rep:
            _git(work, "reset", "-q", "--hard", subject.base)
            _git(work, "clean", "-q", "-fdx")
        print(f"--- run {rep + 1}/{args.repeat}", flush=True)
        if measure_a:
            by_hand(subject, steps, logs, rep)
        through_gate(subject, steps, cache, logs, rep)

    rows = build_rows(steps)
    print()
    print(render_table(rows))
    print()
    print_counts(steps)
    result = result_json(subject, steps, rows, args.repeat)
    problems = [f"({step.step}) {problem}" for step in steps.values() for problem in step.problems]
    if rules_digest(rule_files()) != subject.rules_digest:
        problems.append(f"the rule pack in {CHECKS_DIR} changed during the run")
    result["problems"] = problems
    out_json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out_json}")
    if problems:
        print("\nNOT A VALID MEASUREMENT, not the same work in every step:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        sys.stderr.write(f"static_bench: {exc}\n")
        sys.exit(2)
