"""pytest-benchmark results, the performance baseline, and how they compare.

Results: the JSON pytest-benchmark writes with ``--benchmark-json`` (or
``--benchmark-autosave``): ``benchmarks[]`` with ``name``, ``fullname`` and
``stats`` (``median``, ``iqr``, ``stddev``, ``rounds``; seconds).

Baseline (``releasegate perf-baseline`` writes it; commit it, and the
performance stage reads it from the base of the range)::

    {
      "format": "releasegate-perf-baseline",
      "version": 1,
      "generated_by": "releasegate 0.1.0",
      "source": {"results": "bench.json", "commit": "<pytest-benchmark commit id>",
                 "machine": {"cpu": "...", "machine": "x86_64", "python": "3.11.7"}},
      "benchmarks": {
        "<fullname>": {"name": "...", "median": 0.0012, "iqr": 0.00003,
                       "stddev": 0.00004, "rounds": 1000}
      }
    }

The rule, per benchmark (keyed by ``fullname``):

- either side has fewer than ``min_rounds`` rounds: too few to judge (error);
- ``ratio = new median / baseline median``; the spread is
  ``max(baseline IQR, new IQR)``, the benchmark's own measure of noise;
- ``ratio > 1 + max_regression`` and ``new - baseline > spread``: regressed;
- ``ratio > 1 + max_regression`` but the difference is inside the spread:
  within noise (reported, does not fail: the measurement cannot tell);
- ``baseline - new > spread`` and below budget: improved (reported);
- in the baseline but not in the results: missing (fails);
- in the results but not in the baseline: new (reported).
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from releasegate.errors import ResultFormatError
from releasegate.model import JSONValue

BASELINE_FORMAT = "releasegate-perf-baseline"
BASELINE_VERSION = 1
_NAME_CHARS = 500


@dataclass(frozen=True, kw_only=True)
class BenchmarkStats:
    fullname: str
    name: str
    median: float
    iqr: float
    stddev: float
    rounds: int

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "name": self.name,
            "median": self.median,
            "iqr": self.iqr,
            "stddev": self.stddev,
            "rounds": self.rounds,
        }


@dataclass(frozen=True, kw_only=True)
class BenchmarkSet:
    """Benchmarks by full name, and where they were measured."""

    benchmarks: Mapping[str, BenchmarkStats]
    machine: Mapping[str, str] = field(default_factory=dict)
    commit: str | None = None
    generated_by: str | None = None


def _load(data: bytes, source: str) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ResultFormatError(f"{source}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ResultFormatError(f"{source}: not JSON: {exc}") from None
    except RecursionError:
        raise ResultFormatError(f"{source}: JSON nested too deeply") from None


def _text(value: object, what: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ResultFormatError(f"{source}: {what} is not a non-empty string")
    return value[:_NAME_CHARS]


def _number(value: object, what: str, source: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResultFormatError(f"{source}: {what} is not a number")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ResultFormatError(
            f"{source}: {what} must be a finite {'positive' if positive else 'non-negative'} "
            f"number, not {value!r}"
        )
    return number


def _rounds(value: object, what: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ResultFormatError(f"{source}: {what} is not a count")
    return value


def _stats(fullname: str, name: str, raw: object, source: str) -> BenchmarkStats:
    if not isinstance(raw, dict):
        raise ResultFormatError(f"{source}: {fullname}: stats is not an object")
    return BenchmarkStats(
        fullname=fullname,
        name=name,
        median=_number(raw.get("median"), f"{fullname}: median", source, positive=True),
        iqr=_number(raw.get("iqr"), f"{fullname}: iqr", source),
        stddev=_number(raw.get("stddev", 0.0), f"{fullname}: stddev", source),
        rounds=_rounds(raw.get("rounds"), f"{fullname}: rounds", source),
    )


def _machine(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    cpu = raw.get("cpu")
    found = {
        "cpu": cpu.get("brand_raw") if isinstance(cpu, dict) else None,
        "machine": raw.get("machine"),
        "python": raw.get("python_version"),
        "implementation": raw.get("python_implementation"),
    }
    return {key: value[:_NAME_CHARS] for key, value in found.items() if isinstance(value, str)}


def parse_benchmark_json(data: bytes, source: str) -> BenchmarkSet:
    """Parse pytest-benchmark JSON. Raises ``ResultFormatError`` naming ``source``."""
    document = _load(data, source)
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise ResultFormatError(f"{source}: not pytest-benchmark JSON (no `benchmarks` list)")
    found: dict[str, BenchmarkStats] = {}
    for entry in document["benchmarks"]:
        if not isinstance(entry, dict):
            raise ResultFormatError(f"{source}: a benchmark is not an object")
        name = _text(entry.get("name"), "a benchmark's name", source)
        fullname = _text(entry.get("fullname", name), f"{name}: fullname", source)
        if fullname in found:
            raise ResultFormatError(f"{source}: benchmark {fullname} appears twice")
        found[fullname] = _stats(fullname, name, entry.get("stats"), source)
    commit_info = document.get("commit_info")
    commit = commit_info.get("id") if isinstance(commit_info, dict) else None
    return BenchmarkSet(
        benchmarks=found,
        machine=_machine(document.get("machine_info")),
        commit=commit[:_NAME_CHARS] if isinstance(commit, str) else None,
    )


def render_perf_baseline(results: BenchmarkSet, *, source: str, generated_by: str) -> str:
    """The baseline file for ``results`` (sorted keys: same results, same text)."""
    document: dict[str, JSONValue] = {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "generated_by": generated_by,
        "source": {
            "results": source,
            "commit": results.commit,
            "machine": dict(results.machine),
        },
        "benchmarks": {name: stats.to_json() for name, stats in results.benchmarks.items()},
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def parse_perf_baseline(data: bytes, source: str) -> BenchmarkSet:
    """Parse a baseline file. Raises ``ResultFormatError`` naming ``source``."""
    document = _load(data, source)
    if not isinstance(document, dict) or document.get("format") != BASELINE_FORMAT:
        raise ResultFormatError(
            f"{source}: not a releasegate performance baseline (format {BASELINE_FORMAT!r})",
            hint="write it with `releasegate perf-baseline --results FILE`",
        )
    if document.get("version") != BASELINE_VERSION:
        raise ResultFormatError(
            f"{source}: baseline version {document.get('version')!r}; this releasegate reads "
            f"version {BASELINE_VERSION}"
        )
    raw = document.get("benchmarks")
    if not isinstance(raw, dict):
        raise ResultFormatError(f"{source}: `benchmarks` is not an object")
    found = {}
    for fullname, stats in raw.items():
        name = stats.get("name", fullname) if isinstance(stats, dict) else fullname
        found[fullname] = _stats(fullname, _text(name, f"{fullname}: name", source), stats, source)
    origin = document.get("source")
    origin = origin if isinstance(origin, dict) else {}
    machine = origin.get("machine")
    commit = origin.get("commit")
    generated_by = document.get("generated_by")
    return BenchmarkSet(
        benchmarks=found,
        machine={k: v for k, v in machine.items() if isinstance(v, str)}
        if isinstance(machine, dict)
        else {},
        commit=commit if isinstance(commit, str) else None,
        generated_by=generated_by if isinstance(generated_by, str) else None,
    )


class Judgement(enum.Enum):
    OK = "ok"
    IMPROVED = "improved"
    WITHIN_NOISE = "within-noise"
    REGRESSED = "regressed"
    MISSING = "missing"
    NEW = "new"
    TOO_FEW_ROUNDS = "too-few-rounds"


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


@dataclass(frozen=True, kw_only=True)
class Comparison:
    fullname: str
    judgement: Judgement
    baseline: BenchmarkStats | None
    current: BenchmarkStats | None
    max_regression: float
    min_rounds: int

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current.median / self.baseline.median

    @property
    def spread(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return max(self.baseline.iqr, self.current.iqr)

    def describe(self) -> str:
        """One line for a person: what happened to this benchmark."""
        name = self.fullname
        if self.judgement is Judgement.MISSING:
            return f"benchmark {name} is in the baseline but missing from the results"
        if self.judgement is Judgement.NEW:
            return f"benchmark {name} is new (not in the baseline)"
        if self.judgement is Judgement.TOO_FEW_ROUNDS:
            rounds = [
                f"{side} {stats.rounds}"
                for side, stats in (("baseline", self.baseline), ("results", self.current))
                if stats is not None and stats.rounds < self.min_rounds
            ]
            return (
                f"benchmark {name}: not enough rounds to judge ({', '.join(rounds)}; "
                f"min_rounds {self.min_rounds})"
            )
        ratio, spread = self.ratio, self.spread
        if self.baseline is None or self.current is None or ratio is None or spread is None:
            return f"benchmark {name}: {self.judgement.value}"
        figures = (
            f"median {ratio:.2f}x the baseline ({_duration(self.current.median)} vs "
            f"{_duration(self.baseline.median)}; budget {1 + self.max_regression:.2f}x, "
            f"spread ±{_duration(spread)})"
        )
        if self.judgement is Judgement.REGRESSED:
            return f"benchmark {name} regressed: {figures}"
        if self.judgement is Judgement.WITHIN_NOISE:
            return f"benchmark {name}: over budget but within the measured spread: {figures}"
        if self.judgement is Judgement.IMPROVED:
            return f"benchmark {name} improved: {figures}"
        return f"benchmark {name}: {figures}"

    def to_json(self) -> dict[str, JSONValue]:
        ratio, spread = self.ratio, self.spread
        return {
            "benchmark": self.fullname,
            "verdict": self.judgement.value,
            "ratio": None if ratio is None else round(ratio, 4),
            "spread_seconds": spread,
            "baseline": None if self.baseline is None else self.baseline.to_json(),
            "results": None if self.current is None else self.current.to_json(),
            "summary": self.describe(),
        }


def _judge(
    baseline: BenchmarkStats, current: BenchmarkStats, max_regression: float, min_rounds: int
) -> Judgement:
    if baseline.rounds < min_rounds or current.rounds < min_rounds:
        return Judgement.TOO_FEW_ROUNDS
    difference = current.median - baseline.median
    spread = max(baseline.iqr, current.iqr)
    if current.median / baseline.median > 1 + max_regression:
        return Judgement.REGRESSED if difference > spread else Judgement.WITHIN_NOISE
    if -difference > spread:
        return Judgement.IMPROVED
    return Judgement.OK


def compare(
    baseline: BenchmarkSet, results: BenchmarkSet, *, max_regression: float, min_rounds: int
) -> list[Comparison]:
    """Every benchmark of either side, judged, in name order."""
    comparisons = []
    for fullname in sorted({*baseline.benchmarks, *results.benchmarks}):
        old = baseline.benchmarks.get(fullname)
        new = results.benchmarks.get(fullname)
        if old is None:
            judgement = Judgement.NEW
        elif new is None:
            judgement = Judgement.MISSING
        else:
            judgement = _judge(old, new, max_regression, min_rounds)
        comparisons.append(
            Comparison(
                fullname=fullname,
                judgement=judgement,
                baseline=old,
                current=new,
                max_regression=max_regression,
                min_rounds=min_rounds,
            )
        )
    return comparisons
