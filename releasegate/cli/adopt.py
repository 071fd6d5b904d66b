"""Adopting and tuning the gate: ``init``, ``baseline``, ``perf-baseline``,
``validate`` and ``schema``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import git

from releasegate import __version__, adoption
from releasegate.baseline import parse_baseline, render_baseline
from releasegate.checks.registry import REGISTRY
from releasegate.cli.options import Parser
from releasegate.context import ReleaseContext
from releasegate.dedupe import reports
from releasegate.errors import ConfigError, ReleasegateError, StageError, UsageError
from releasegate.files import FileTooLarge, read_capped, write_atomic
from releasegate.model import (
    EXIT_PASS,
    Stage,
    Status,
)
from releasegate.pipeline import RunOptions, evaluate_full
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.loader import parse_policy, policy_json_schema, read_policy_file
from releasegate.policy.quality_stages import DEFAULT_PERF_BASELINE
from releasegate.policy.schema import utc_today
from releasegate.stages.benchmark import parse_benchmark_json, render_perf_baseline
from releasegate.stages.execute import MAX_RESULT_BYTES


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
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
    schema.add_argument("which", choices=["policy", "report", "record"])


# The analysers whose findings `releasegate baseline` records (each check declares them).
BASELINED_TOOLS = frozenset(tool for c in REGISTRY.values() for tool in c.baselined_tools)


@dataclass(frozen=True, kw_only=True)
class BaselineWritten:
    path: Path
    entries: int
    added: int
    dropped: int


def write_baseline(
    options: RunOptions, *, reason: str, owner: str | None, output: Path | None
) -> BaselineWritten:
    """Run the static stage on the head and record its findings as the baseline."""
    evaluation = evaluate_full(options)
    decision, release, loaded = evaluation.decision, evaluation.release, evaluation.loaded
    failed = [c for c in decision.checks if c.stage is Stage.STATIC and c.status is Status.ERROR]
    if failed:
        causes = "; ".join(r.message for c in failed for r in c.reasons)
        raise ReleasegateError(
            f"cannot write a baseline while a static check errors: {causes}",
            hint="fix what the check reports, then run `releasegate baseline` again",
        )
    target = output or release.root / loaded.policy.static.baseline
    previous = None
    if target.is_file():
        try:
            previous = parse_baseline(target.read_bytes(), str(target))
        except ConfigError:
            previous = None  # unreadable: rewritten from scratch
    # A finding several tools reported is one finding, but each tool's report is
    # recorded: a later run of one tool alone (--only bandit) still matches it.
    findings = [
        report
        for f in decision.findings
        if f.tool in BASELINED_TOOLS and not f.waived
        for report in reports(f)
        if report.tool in BASELINED_TOOLS
    ]
    who = owner or _git_user(release) or "unknown"
    text = render_baseline(
        findings,
        previous=previous,
        owner=who,
        reason=reason,
        today=options.today or utc_today(),
        commit=release.head,
        generated_by=f"releasegate {__version__}",
    )
    write_atomic(target, text)
    old = set(previous.entries) if previous else set()
    new = {f.fingerprint for f in findings}
    return BaselineWritten(
        path=target, entries=len(new), added=len(new - old), dropped=len(old - new)
    )


def _git_user(release: ReleaseContext) -> str | None:
    try:
        email = str(release.repo.git.config("user.email")).strip()
    except git.GitCommandError:
        return None
    return email or None


def _cmd_baseline(args: argparse.Namespace) -> int:
    options = RunOptions(
        repo=args.repo,
        head=args.head,
        only=(Stage.STATIC.value,),
        config=args.config,
        environment=args.environment,
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
    try:
        results = parse_benchmark_json(data, str(path))
    except StageError as exc:  # bad input on the command line: a usage error, as always
        raise UsageError(exc.message, hint=exc.hint) from None
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
            RunOptions(
                repo=root,
                only=(Stage.STATIC.value,),
                config=policy,
                environment=args.environment,
            ),
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
        name = f"{args.which}.schema.json"
        print(resources.files("releasegate.data").joinpath(name).read_text(), end="")
    return EXIT_PASS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": _cmd_init,
    "baseline": _cmd_baseline,
    "perf-baseline": _cmd_perf_baseline,
    "validate": _cmd_validate,
    "schema": _cmd_schema,
}
