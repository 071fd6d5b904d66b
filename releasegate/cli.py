"""Command line: ``releasegate run | baseline | perf-baseline | init | validate | schema``,
and ``signoff | audit verify | evidence`` (``releasegate.signoff.commands``).

Exit codes: 0 allowed, 1 blocked, 2 usage or configuration error, 3 internal bug.
Only this layer writes files or talks to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

import git
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from releasegate import __version__, adoption, hook
from releasegate.errors import ConfigError, ReleasegateError, UsageError
from releasegate.files import FileTooLarge, read_capped, write_atomic
from releasegate.model import (
    EXIT_INTERNAL,
    EXIT_PASS,
    EXIT_USAGE,
    CheckResult,
    Decision,
    Stage,
    verdict_exit_code,
)
from releasegate.pipeline import Evaluation, RunOptions, evaluate_full, write_baseline
from releasegate.policy import (
    DEFAULT_PERF_BASELINE,
    POLICY_FILE,
    parse_policy,
    policy_json_schema,
    read_policy_file,
)
from releasegate.procs import cancel_all
from releasegate.reports import (
    LinkBase,
    render_json,
    render_markdown,
    render_sarif,
    render_terminal,
)
from releasegate.reports.annotations import render_annotations
from releasegate.reports.github_outputs import decision_outputs, write_outputs
from releasegate.sharding.merge import judge_merged, merge_parts
from releasegate.sharding.part import describe_part, render_part
from releasegate.sharding.partition import ShardSpec
from releasegate.signoff import commands as signoff_commands
from releasegate.snapshot import ENV_GIT_TIMEOUT, git_timeout
from releasegate.stages.benchmark import parse_benchmark_json, render_perf_baseline
from releasegate.stages.execute import MAX_RESULT_BYTES


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"releasegate: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="releasegate",
        description="A secure release gate: may this exact commit ship?",
    )
    parser.add_argument("--version", action="version", version=f"releasegate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="judge a release candidate and exit 0 (pass) or 1 (block)")
    signoff_commands.add_range_arguments(run)
    run.add_argument("--json", type=Path, help="write the JSON report here")
    run.add_argument("--sarif", type=Path, help="write SARIF 2.1.0 here")
    run.add_argument("--summary", type=Path, help="write the Markdown summary here")
    run.add_argument("--no-progress", action="store_true", help="no live progress on stderr")
    signoff_commands.add_run_arguments(run)
    _add_github_arguments(run)
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="judge shard K of N of the static scope (files split by a stable hash of the "
        "path; other checks run in shard 1) and write the part to --json for `releasegate "
        "merge`",
    )

    baseline = sub.add_parser(
        "baseline", help="record the current static findings as accepted (the baseline file)"
    )
    baseline.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    baseline.add_argument("--head", help="commit whose findings to record (default: HEAD)")
    baseline.add_argument("--reason", required=True, help="why these findings are accepted")
    baseline.add_argument("--owner", help="who owns them (default: git user.email)")
    baseline.add_argument(
        "--output", type=Path, help="where to write it (default: the policy's static.baseline)"
    )
    baseline.add_argument("--config", type=Path, help="policy file for local experiments")

    perf = sub.add_parser(
        "perf-baseline",
        help="write the performance baseline from pytest-benchmark results (--benchmark-json)",
    )
    perf.add_argument("--results", type=Path, required=True, help="pytest-benchmark JSON file")
    perf.add_argument(
        "--output",
        type=Path,
        default=Path(DEFAULT_PERF_BASELINE),
        help=f"where to write it (default: {DEFAULT_PERF_BASELINE}, the default of "
        "stages.performance.baseline); commit it",
    )
    perf.add_argument(
        "--min-rounds",
        type=int,
        default=5,
        help="refuse benchmarks measured in fewer rounds (default: 5, the policy's default)",
    )

    init = sub.add_parser(
        "init",
        help=f"first adoption: write a commented starter {POLICY_FILE} and an "
        "allowed_signers file, print the next steps",
    )
    init.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument(
        "--review",
        choices=["github", "git"],
        default="github",
        help="where reviews are proven: GitHub pull requests (default), or signed commits "
        "with Reviewed-by: trailers (other forges, air-gapped mirrors)",
    )
    init.add_argument(
        "--signer",
        action="append",
        default=[],
        metavar="PRINCIPAL=PUBLIC_KEY_FILE",
        help="a key allowed to sign off (and, with --review git, to sign reviewed commits); "
        "repeatable",
    )
    init.add_argument(
        "--baseline",
        metavar="REASON",
        help="also record today's static findings as accepted, for this reason",
    )

    validate = sub.add_parser("validate", help="validate a policy file")
    validate.add_argument("file", type=Path, nargs="?", default=Path(POLICY_FILE))

    schema = sub.add_parser("schema", help="print a published JSON Schema")
    schema.add_argument("which", choices=["policy", "report"])
    signoff_commands.add_parsers(sub)
    _add_merge_and_hook_parsers(sub)
    return parser


class _LiveProgress:
    """Live per-check progress on stderr while checks run."""

    def __init__(self, console: Console) -> None:
        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _LiveProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def started(self, check_id: str) -> None:
        self._tasks[check_id] = self._progress.add_task(f"{check_id}: running", total=1)

    def finished(self, result: CheckResult) -> None:
        task = self._tasks.get(result.id)
        if task is not None:
            self._progress.update(
                task, completed=1, description=f"{result.id}: {result.status.value}"
            )


def _links(decision: Decision) -> LinkBase | None:
    server = os.environ.get("GITHUB_SERVER_URL")
    repository = os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return LinkBase(server_url=server, repository=repository, commit=decision.release.commit)
    return None


_OUTPUT_FLAGS = ("json", "sarif", "summary", "attestation")


def _preflight(args: argparse.Namespace) -> None:
    """Refuse what cannot work before judging anything; drop stale outputs.

    A report left at ``--json`` by an earlier run must never pass for this
    run's: every output file is removed now and written anew at the end.
    """
    if args.github_output and not os.environ.get("GITHUB_OUTPUT"):
        raise UsageError(
            "--github-output: $GITHUB_OUTPUT is not set (not in GitHub Actions?)",
            hint="drop --github-output outside GitHub Actions",
        )
    if getattr(args, "attestation_key", None) is not None and args.attestation is None:
        raise UsageError("--attestation-key needs --attestation FILE")
    for flag in _OUTPUT_FLAGS:
        path: Path | None = getattr(args, flag, None)
        if path is None:
            continue
        with contextlib.suppress(OSError):  # a directory or unwritable: reported at the end
            path.unlink()


def _outputs(
    decision: Decision, args: argparse.Namespace, evaluation: Evaluation | None
) -> list[tuple[str, Callable[[], None]]]:
    """Each output the command line asks for, as (what, how to write it)."""
    outputs: list[tuple[str, Callable[[], None]]] = []
    if args.json:
        outputs.append(
            (f"--json {args.json}", lambda: write_atomic(args.json, render_json(decision)))
        )
    if args.sarif:
        links = _links(decision)
        repository_uri = f"{links.server_url}/{links.repository}" if links else None
        outputs.append(
            (
                f"--sarif {args.sarif}",
                lambda: write_atomic(
                    args.sarif, render_sarif(decision, repository_uri=repository_uri)
                ),
            )
        )
    summary_needed = args.summary or os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_needed:
        summary = render_markdown(decision, links=_links(decision))
        if args.summary:
            outputs.append(
                (f"--summary {args.summary}", lambda: write_atomic(args.summary, summary))
            )
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if step_summary:

            def append_summary() -> None:
                with Path(step_summary).open("a", encoding="utf-8") as handle:
                    handle.write(summary + "\n")

            outputs.append((f"$GITHUB_STEP_SUMMARY {step_summary}", append_summary))
    if args.annotations:
        pointer = str(args.json) if args.json else None

        def annotate() -> None:
            sys.stdout.write(render_annotations(decision, report=pointer))
            sys.stdout.flush()

        outputs.append(("--annotations", annotate))
    if args.github_output:
        values = decision_outputs(
            decision, report=args.json, sarif=args.sarif, summary=args.summary
        )
        outputs.append(("--github-output", lambda: _github_output_file(values)))
    if evaluation is not None and args.attestation is not None:
        outputs.append(
            (
                f"--attestation {args.attestation}",
                lambda: signoff_commands.write_attestation(args, evaluation),
            )
        )
    return outputs


def _conclude(decision: Decision, args: argparse.Namespace, evaluation: Evaluation | None) -> int:
    """Print the verdict, append the audit record, then write each output.

    Nothing an output can do loses the verdict or the record: a file that cannot
    be written is reported on its own line afterwards, and the exit code is 2.
    """
    out = Console(file=sys.stdout, soft_wrap=False)
    print(render_terminal(decision, width=out.width, color=out.is_terminal), end="")
    sys.stdout.flush()
    failures: list[str] = []
    if evaluation is not None:
        try:
            signoff_commands.record(args, evaluation)
        except (OSError, ReleasegateError) as exc:
            failures.append(f"the audit record was not written: {_cause(exc)}")
    for what, write in _outputs(decision, args, evaluation):
        try:
            write()
        except (OSError, ReleasegateError) as exc:
            failures.append(f"{what}: not written: {_cause(exc)}")
    for failure in failures:
        print(f"releasegate: error: {failure}", file=sys.stderr)
    return EXIT_USAGE if failures else verdict_exit_code(decision.verdict)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, ReleasegateError):
        return exc.diagnostics()
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc) or type(exc).__name__


def _cmd_run(args: argparse.Namespace) -> int:
    options = signoff_commands.run_options(args)
    if args.shard:
        return _run_shard(args, options)
    _preflight(args)
    err = Console(file=sys.stderr)
    if args.no_progress or not err.is_terminal:
        evaluation = evaluate_full(options)
    else:
        with _LiveProgress(err) as live:
            evaluation = evaluate_full(options, progress=live)
    return _conclude(evaluation.decision, args, evaluation)


def _cmd_baseline(args: argparse.Namespace) -> int:
    options = RunOptions(
        repo=args.repo, head=args.head, only=(Stage.STATIC.value,), config=args.config
    )
    written = write_baseline(options, reason=args.reason, owner=args.owner, output=args.output)
    print(
        f"wrote {written.path}: {written.entries} finding(s) accepted "
        f"({written.added} new, {written.dropped} dropped); commit it. A baseline change "
        "inside a release range needs security sign-off."
    )
    return EXIT_PASS


def _cmd_perf_baseline(args: argparse.Namespace) -> int:
    path: Path = args.results
    try:
        data = read_capped(path, MAX_RESULT_BYTES)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except FileTooLarge:
        raise UsageError(f"{path}: larger than {MAX_RESULT_BYTES} bytes") from None
    results = parse_benchmark_json(data, str(path))
    if not results.benchmarks:
        raise UsageError(f"{path}: no benchmarks", hint="run pytest with --benchmark-json FILE")
    few = [s.fullname for s in results.benchmarks.values() if s.rounds < args.min_rounds]
    if few:
        raise UsageError(
            f"{path}: fewer than {args.min_rounds} rounds for {', '.join(few[:10])}",
            hint="measure longer (--benchmark-min-rounds) so the baseline can judge noise",
        )
    text = render_perf_baseline(
        results, source=path.name, generated_by=f"releasegate {__version__}"
    )
    write_atomic(args.output, text)
    print(
        f"wrote {args.output}: {len(results.benchmarks)} benchmark(s); commit it: the "
        "performance stage reads it from the base of the next release range"
    )
    return EXIT_PASS


def _repository_root(path: Path) -> Path:
    """The top level of the git work tree ``path`` is in (``init`` writes there)."""
    try:
        top = git.Repo(path, search_parent_directories=True).working_tree_dir
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        top = None
    if top is None:
        raise UsageError(f"{path}: not a git repository", hint="run `git init` first")
    return Path(top).resolve()


def _inside_root(root: Path, target: Path) -> Path:
    """``target``, refused when it or a directory on its way is a link out of ``root``."""
    if target.is_symlink() or not target.parent.resolve().is_relative_to(root):
        raise UsageError(
            f"{target}: is or lies under a symbolic link leading out of the repository",
            hint="remove the link; init writes only inside the repository",
        )
    return target


def _cmd_init(args: argparse.Namespace) -> int:
    signers = [adoption.parse_signer(text) for text in args.signer]
    root = _repository_root(args.repo)
    policy = _inside_root(root, root / POLICY_FILE)
    allowed = root / adoption.SIGNERS_FILE
    if allowed.parent.is_symlink():
        _inside_root(root, allowed)
    allowed.parent.mkdir(parents=True, exist_ok=True)
    _inside_root(root, allowed)
    for target in (policy, allowed):
        if target.exists() and not args.force:
            raise UsageError(f"{target}: already exists", hint="pass --force to overwrite it")
    write_atomic(policy, adoption.policy_text(args.review))
    write_atomic(allowed, adoption.signers_text(signers))
    print(f"wrote {policy} (review.source: {args.review}; review and sign-off required)")
    print(f"wrote {allowed} ({len(signers)} signer(s))")
    baseline = None
    if args.baseline:
        written = write_baseline(
            RunOptions(repo=root, only=(Stage.STATIC.value,), config=policy),
            reason=args.baseline,
            owner=None,
            output=None,
        )
        baseline = str(written.path.resolve().relative_to(root))
        print(f"wrote {written.path}: {written.entries} finding(s) accepted")
    print("next steps:")
    steps = adoption.next_steps(review=args.review, signers=len(signers), baseline=baseline)
    for number, step in enumerate(steps, 1):
        print(f"  {number}. {step}")
    return EXIT_PASS


def _cmd_validate(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = read_policy_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    parse_policy(text, str(path))
    print(f"{path}: valid policy (version 1)")
    return EXIT_PASS


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.which == "policy":
        print(json.dumps(policy_json_schema(), indent=2))
    else:
        print(resources.files("releasegate.data").joinpath("report.schema.json").read_text())
    return EXIT_PASS


# --- GitHub Actions outputs, sharded runs, the pre-push hook (annotations.py,
# github_outputs.py, shard.py, hook.py) -------------------------------------------------------


def _add_github_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--annotations",
        action="store_true",
        help="print GitHub Actions annotations (::error file=...,line=...::) for what blocks "
        "and warnings for other new findings (at most 10 of each, then a pointer)",
    )
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="append decision, blocking-count, report-path, sarif-path and summary-path to "
        "the $GITHUB_OUTPUT file",
    )


def _add_merge_and_hook_parsers(sub: argparse._SubParsersAction[_ArgumentParser]) -> None:
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
    signoff_commands.add_run_arguments(merge)
    _add_github_arguments(merge)

    hook = sub.add_parser("hook", help="the local pre-push hook: install, uninstall, run")
    actions = hook.add_subparsers(dest="hook_command", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="write the pre-push hook of this repository")
    install.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    how = install.add_mutually_exclusive_group()
    how.add_argument(
        "--force", action="store_true", help="replace a pre-push hook releasegate did not write"
    )
    how.add_argument(
        "--chain", action="store_true", help="keep an existing pre-push hook and run it first"
    )
    uninstall = actions.add_parser(
        "uninstall", help="remove the hook and restore the one it replaced"
    )
    uninstall.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    run = actions.add_parser(
        "run", help="what the installed hook runs: judge the refs git is pushing (stdin)"
    )
    run.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    run.add_argument("--previous", type=Path, help="a chained hook to run first")
    run.add_argument("git_args", nargs="*", metavar="ARG", help="git's arguments: remote, URL")


def _github_output_file(outputs: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        raise UsageError("--github-output: $GITHUB_OUTPUT is not set (not in GitHub Actions?)")
    write_outputs(Path(target), outputs)


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
        _github_output_file({"report-path": str(args.json), "shard": str(spec)})
    return EXIT_PASS


def _cmd_merge(args: argparse.Namespace) -> int:
    _preflight(args)
    merged = merge_parts(args.parts)
    outcome = judge_merged(
        merged,
        repo=args.repo,
        need_repository=args.attestation is not None or not args.no_audit,
        signoff_file=args.signoff,
    )
    return _conclude(outcome.decision, args, outcome.evaluation)


def _cmd_hook(args: argparse.Namespace) -> int:
    if args.hook_command == "install":
        done = hook.install(args.repo, force=args.force, chain=args.chain)
        kept = f"; the previous hook is kept as {done.previous.name}" if done.previous else ""
        chained = " and runs it first" if done.chained else ""
        print(f"installed {done.path}{kept}{chained}. Remove with `releasegate hook uninstall`.")
        return EXIT_PASS
    if args.hook_command == "uninstall":
        path, restored = hook.uninstall(args.repo)
        back = "; restored the hook it had replaced" if restored else ""
        print(f"removed releasegate's {path}{back}")
        return EXIT_PASS
    stdin = "" if hook.under_pre_commit(os.environ) else sys.stdin.read()
    return hook.run_hook(
        args.repo,
        argv=args.git_args,
        stdin=stdin,
        environ=os.environ,
        previous=args.previous,
    )


_COMMANDS = {
    "run": _cmd_run,
    "merge": _cmd_merge,
    "hook": _cmd_hook,
    "init": _cmd_init,
    "baseline": _cmd_baseline,
    "perf-baseline": _cmd_perf_baseline,
    "validate": _cmd_validate,
    "schema": _cmd_schema,
    **signoff_commands.COMMANDS,
}


def _git_failure(exc: git.GitCommandError) -> str:
    """One line for a git command that failed outside the checks."""
    argv = exc.command if isinstance(exc.command, list) else str(exc.command).split()
    words = [str(a) for a in argv[1:] if not str(a).startswith("-")][:1]
    stderr = " ".join(str(exc.stderr or "").replace("stderr:", "").split()).strip(" '")
    if stderr.startswith("Timeout:"):
        return (
            f"git {' '.join(words) or '(command)'} timed out after {git_timeout():g}s (check the "
            f"repository with `git fsck`; raise {ENV_GIT_TIMEOUT} for a huge one)"
        )
    cause = stderr or f"exit status {exc.status}"
    return (
        f"git {' '.join(words) or '(command)'} failed: {cause[:300]} (check the repository "
        "with `git fsck`, and that --repo/--base/--head name what you mean)"
    )


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    if shutil.which("git") is None:
        print(
            "releasegate: error: git: not found on PATH (install git: releasegate reads the "
            "release range with it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return _COMMANDS[args.command](args)
    except ReleasegateError as exc:
        print(f"releasegate: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    except git.GitCommandError as exc:
        print(f"releasegate: error: {_git_failure(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, _Terminated) as exc:
        # Temporary copies are gone (their ``finally`` ran); kill what is still running.
        cancel_all()
        what = "SIGTERM" if isinstance(exc, _Terminated) else "SIGINT"
        print(
            f"releasegate: interrupted ({what}): every tool it started was stopped; "
            "each report is complete or absent",
            file=sys.stderr,
        )
        return 128 + (signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)
    except Exception as exc:
        print(
            f"releasegate: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug; set RELEASEGATE_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        if os.environ.get("RELEASEGATE_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
