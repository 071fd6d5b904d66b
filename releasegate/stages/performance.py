"""The performance stage: pytest-benchmark results against the trusted baseline.

The baseline is read from the *base* commit of the range (the change under
judgement cannot move its own goalposts); a baseline changed inside the range
governs from the next release on. See ``benchmark`` for the file format and
the rule that separates a regression from noise.
"""

from __future__ import annotations

from releasegate.checkapi import CheckContext
from releasegate.errors import StageError
from releasegate.model import CheckResult, Stage, Status
from releasegate.policy.quality_stages import PerformanceStage
from releasegate.stages.benchmark import (
    Judgement,
    compare,
    parse_benchmark_json,
    parse_perf_baseline,
)
from releasegate.stages.common import Evidence, collect, guarded

NAME = "performance"
RULE = (
    "a benchmark fails when its median is more than max_regression slower than the "
    "baseline's and the difference exceeds the measured spread, max(baseline IQR, new IQR); "
    "a slowdown inside the spread is reported as within noise; a benchmark missing from the "
    "results fails; fewer than min_rounds rounds on either side is an error"
)


def run_performance(ctx: CheckContext, definition: PerformanceStage) -> CheckResult:
    evidence: Evidence = {
        "max_regression": definition.max_regression,
        "min_rounds": definition.min_rounds,
        "rule": RULE,
    }

    def body() -> CheckResult:
        base = ctx.release.base
        path = definition.baseline
        if base is None:
            raise StageError("no base commit to read the performance baseline from")
        raw = ctx.release.show(base, path)
        if raw is None:
            raise StageError(
                f"no performance baseline {path} in the base commit {base[:12]}",
                hint="write it with `releasegate perf-baseline --results FILE` and commit it; "
                "it governs from the next release range on",
            )
        baseline = parse_perf_baseline(raw, f"{path} (at base {base[:12]})")
        if not baseline.benchmarks:
            raise StageError(f"the performance baseline {path} has no benchmarks")
        evidence["baseline"] = {
            "path": path,
            "commit": base,
            "changed_in_range": ctx.release.changed_in_range(path),
            "generated_by": baseline.generated_by,
            "machine": dict(baseline.machine),
            "benchmarks": len(baseline.benchmarks),
        }
        collected = collect(ctx, NAME, definition, evidence)
        if collected.results is None:
            raise StageError("performance needs a results file")
        results = parse_benchmark_json(collected.results.data, collected.results.path)
        evidence["machine"] = dict(results.machine)
        if baseline.machine and results.machine and baseline.machine != results.machine:
            evidence["machine_differs_from_baseline"] = True
        comparisons = compare(
            baseline,
            results,
            max_regression=definition.max_regression,
            min_rounds=definition.min_rounds,
        )
        evidence["benchmarks"] = [comparison.to_json() for comparison in comparisons]
        failing = [
            c.describe()
            for c in comparisons
            if c.judgement in (Judgement.REGRESSED, Judgement.MISSING)
        ]
        problems = [c.describe() for c in comparisons if c.judgement is Judgement.TOO_FEW_ROUNDS]
        run = collected.run
        if run is not None and run.returncode != 0:
            problems.append(
                f"the benchmark command exited {run.returncode} (output: {run.stdout.path.parent})"
            )
        if failing:
            status, reasons = Status.FAIL, failing + problems
        elif problems:
            status, reasons = Status.ERROR, problems
        else:
            status, reasons = Status.PASS, []
        return CheckResult(
            id=NAME,
            stage=Stage.PERFORMANCE,
            status=status,
            reasons=tuple(reasons),
            evidence=evidence,
        )

    return guarded(NAME, Stage.PERFORMANCE, evidence, body)
