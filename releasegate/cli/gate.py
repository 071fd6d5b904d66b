"""``releasegate run`` (one run, or one shard of it) and ``releasegate merge``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from releasegate.cli.options import (
    Parser,
    add_github_arguments,
    add_range_arguments,
    add_run_arguments,
    run_options,
)
from releasegate.cli.outputs import LiveProgress, conclude, github_output_file, preflight
from releasegate.errors import UsageError
from releasegate.files import write_atomic
from releasegate.model import (
    EXIT_PASS,
)
from releasegate.pipeline import RunOptions, evaluate_full
from releasegate.sharding.merge import judge_merged, merge_parts
from releasegate.sharding.part import describe_part, render_part
from releasegate.sharding.partition import ShardSpec


def add_run_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    run = sub.add_parser("run", help="judge a release candidate and exit 0 (pass) or 1 (block)")
    add_range_arguments(run)
    run.add_argument("--json", type=Path, help="write the JSON report here")
    run.add_argument("--sarif", type=Path, help="write SARIF 2.1.0 here")
    run.add_argument("--summary", type=Path, help="write the Markdown summary here")
    run.add_argument("--no-progress", action="store_true", help="no live progress on stderr")
    add_run_arguments(run)
    add_github_arguments(run)
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="judge shard K of N of the static scope (files split by a stable hash of the "
        "path; other checks run in shard 1) and write the part to --json for `releasegate "
        "merge`",
    )


def add_merge_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    merge = sub.add_parser(
        "merge",
        help="decide from the parts of a sharded run (run --shard K/N --json part-K.json)",
    )
    merge.add_argument("parts", type=Path, nargs="+", metavar="PART.json")
    merge.add_argument(
        "--repo",
        type=Path,
        default=Path(),
        help="the repository (default: .): needed to verify the sign-off, for "
        "--attestation and for the audit record",
    )
    merge.add_argument("--json", type=Path, help="write the JSON report here")
    merge.add_argument("--sarif", type=Path, help="write SARIF 2.1.0 here")
    merge.add_argument("--summary", type=Path, help="write the Markdown summary here")
    add_run_arguments(merge)
    add_github_arguments(merge)


def _cmd_run(args: argparse.Namespace) -> int:
    options = run_options(args)
    if args.shard:
        return _run_shard(args, options)
    preflight(args)
    err = Console(file=sys.stderr)
    if args.no_progress or not err.is_terminal:
        evaluation = evaluate_full(options)
    else:
        with LiveProgress(err) as live:
            evaluation = evaluate_full(options, progress=live)
    return conclude(evaluation.decision, args, evaluation)


def _run_shard(args: argparse.Namespace, options: RunOptions) -> int:
    spec = ShardSpec.parse(args.shard)
    if args.json is None:
        raise UsageError("--shard needs --json PART.json: the part that `releasegate merge` reads")
    refused = [
        flag
        for flag, given in (
            ("--sarif", args.sarif),
            ("--summary", args.summary),
            ("--annotations", args.annotations),
            ("--attestation", args.attestation),
            ("--vsa-predicate", args.vsa_predicate),
        )
        if given
    ]
    if refused:
        raise UsageError(
            f"--shard with {', '.join(refused)}: a shard does not decide",
            hint="pass these to `releasegate merge`",
        )
    options = replace(options, shard=spec)
    evaluation = evaluate_full(options)
    write_atomic(args.json, render_part(evaluation, options))
    print(describe_part(evaluation, spec) + f" Wrote {args.json}.")
    if args.github_output:
        github_output_file(
            {"report-path": str(args.json), "shard": str(spec)}, args.environment.variables
        )
    return EXIT_PASS


def _cmd_merge(args: argparse.Namespace) -> int:
    preflight(args)
    merged = merge_parts(args.parts)
    outcome = judge_merged(
        merged,
        repo=args.repo,
        need_repository=args.attestation is not None
        or args.vsa_predicate is not None
        or not args.no_audit,
        environment=args.environment,
        signoff_file=args.signoff,
    )
    return conclude(outcome.decision, args, outcome.evaluation)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"run": _cmd_run, "merge": _cmd_merge}
