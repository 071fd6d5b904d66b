"""Benchmark of the offline dependency audit: advisory load time and the audit of N pins.

    python bench/deps_bench.py [--db DIR] [--pins 500] [--repeat 5] [--cli] [--json FILE]

What it measures (wall clock, ``time.perf_counter``), in one process:

1. ``load (cold)``: the first ``load_database(DB)`` of the process: walking the
   directory, reading every advisory (YAML with CSafeLoader) and indexing it.
2. ``load (cached)``: the same call again: the stat of every file that decides
   whether the in-process copy is still current.
3. ``read sources``: ``collect()`` of a ``requirements.txt`` with N pins.
4. ``audit``: the offline audit of the N pins (``OfflineService.audit``: range
   evaluation, alias merging, smallest upgrade) plus turning the results into
   findings, on a fresh copy of the index each repeat (no memo carried over).
   The first repeat and the median are reported.
5. with ``--cli``: ``releasegate run --only dependencies --advisory-db DB`` on a
   git repository holding that requirements file, as a user would run it (a new
   process, so it includes interpreter start-up and the cold load).

The N pins are real: the first N packages of the database (sorted by name),
each pinned at a version one of its advisories lists as affected when there is
one (so every affected pin pays for alias merging and the upgrade search), else
at ``1.0``. It measures; it does not assert timings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from releasegate.checks.dependencies import vulnerability_findings
from releasegate.deps.osv import AdvisoryDatabase, OfflineService, load_database
from releasegate.deps.sources.collector import collect

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO_ROOT / ".." / "shared" / "advisory-db" / "pypa"


def _pins(db: AdvisoryDatabase, count: int) -> list[tuple[str, str]]:
    pins: list[tuple[str, str]] = []
    for name in sorted(db.by_package)[:count]:
        listed = sorted(
            {v for entry in db.by_package[name] for a in entry.affected for v in a.versions}
        )
        pins.append((name, str(listed[len(listed) // 2]) if listed else "1.0"))
    return pins


def _fresh(db: AdvisoryDatabase) -> AdvisoryDatabase:
    return AdvisoryDatabase(
        path=db.path,
        by_package=db.by_package,
        files=db.files,
        advisories=db.advisories,
        withdrawn=db.withdrawn,
        other_ecosystems=db.other_ecosystems,
        notes=db.notes,
        skipped_events=db.skipped_events,
        load_seconds=db.load_seconds,
    )


def _cli(requirements: str, db: Path, work: Path) -> float:
    repo = work / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text(requirements, "utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-qm", "pins"],
    ):
        subprocess.run(argv, cwd=repo, check=True, env=env)
    exe = shutil.which("releasegate")
    argv = [exe] if exe else [sys.executable, "-m", "releasegate"]
    started = time.perf_counter()
    done = subprocess.run(
        [
            *argv,
            "run",
            "--repo",
            str(repo),
            "--only",
            "dependencies",
            "--advisory-db",
            str(db),
            "--no-progress",
            "--json",
            str(work / "out.json"),
        ],
        capture_output=True,
        check=False,
        env={**os.environ, "RELEASEGATE_CACHE_DIR": str(work / "cache")},
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"releasegate exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="OSV advisory directory")
    parser.add_argument("--pins", type=int, default=500, help="pinned dependencies to audit")
    parser.add_argument("--repeat", type=int, default=5, help="audit repeats")
    parser.add_argument("--cli", action="store_true", help="also time the CLI end to end")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.pins < 1:
        parser.error("--pins and --repeat must be at least 1")

    started = time.perf_counter()
    db, cached = load_database(args.db)
    cold = time.perf_counter() - started
    assert not cached
    started = time.perf_counter()
    load_database(args.db)
    warm = time.perf_counter() - started

    pins = _pins(db, args.pins)
    requirements = "".join(f"{name}=={version}\n" for name, version in pins)
    with tempfile.TemporaryDirectory(prefix="deps-bench-") as tmp:
        work = Path(tmp)
        (work / "requirements.txt").write_text(requirements, "utf-8")
        started = time.perf_counter()
        inventory = collect(work, ["requirements.txt"])
        read = time.perf_counter() - started
        assert len(inventory.pins) == len(pins) and not inventory.problems

        audits: list[float] = []
        findings = 0
        for _ in range(args.repeat):
            service = OfflineService(database=_fresh(db))
            started = time.perf_counter()
            packages = sorted({(pin.canonical, pin.version) for pin in inventory.pins})
            answer = service.audit(packages)
            findings = len(vulnerability_findings(inventory.pins, answer, service.tool))
            audits.append(time.perf_counter() - started)
        cli = _cli(requirements, args.db, work) if args.cli else None

    vulnerable = sum(1 for a in answer.audits.values() if a.vulnerabilities)
    figures: dict[str, object] = {
        "db": str(args.db.resolve()),
        "advisory_files": db.files,
        "advisories": db.advisories,
        "packages_indexed": len(db.by_package),
        "pins": len(pins),
        "vulnerable_pins": vulnerable,
        "findings": findings,
        "load_cold_seconds": round(cold, 3),
        "load_cached_seconds": round(warm, 4),
        "read_sources_seconds": round(read, 4),
        "audit_first_seconds": round(audits[0], 4),
        "audit_median_seconds": round(statistics.median(audits), 4),
        "cli_seconds": round(cli, 3) if cli is not None else None,
        "python": sys.version.split()[0],
    }
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
