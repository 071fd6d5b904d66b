"""From a repository and options to a Decision: context, policy, checks, decide."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from releasegate import __version__
from releasegate.baseline import Baseline, parse_baseline
from releasegate.cache import cache_disabled, cache_key, default_cache_dir
from releasegate.checkapi import Check, CheckContext, Phase, RunEvidence
from releasegate.checks.quality import quality_checks
from releasegate.checks.registry import REGISTRY
from releasegate.context import ReleaseContext, resolve_context
from releasegate.decide import StaticInputs, decide
from releasegate.errors import ConfigError, ReleasegateError, UsageError
from releasegate.evidence import EvidenceSummary, summarise
from releasegate.model import (
    STAGES,
    CheckResult,
    Decision,
    Mode,
    PolicyInfo,
    ReleaseInfo,
    Stage,
    Status,
)
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.loader import default_policy, loaded_from_text, read_policy_file
from releasegate.policy.schema import LoadedPolicy, Policy, analyse_shipped_packages, utc_today
from releasegate.procs import ToolRunner
from releasegate.review.codeowners import load_codeowners
from releasegate.runenv import RunEnvironment
from releasegate.runner import Progress, not_supported, run_checks
from releasegate.scope import select_files
from releasegate.sharding.partition import ShardSpec
from releasegate.snapshot import Snapshot, TreeIssue, tree_entries
from releasegate.suppression_comments import find_suppressions

# Stages the policy can require, and whether it does.
# Stages whose commands are the head's own code: they run after the analysers.
HEAD_CODE_STAGES = frozenset(stage for stage, info in STAGES.items() if info.runs_head_code)


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    repo: Path
    base: str | None = None
    head: str | None = None
    only: tuple[str, ...] = ()
    config: Path | None = None
    today: dt.date | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    mode: Mode = Mode.RELEASE
    advisory_db: Path | None = None
    signoff_file: Path | None = None  # --signoff FILE: a sign-off kept in a file, not a note
    without_signoff: bool = False  # `releasegate signoff`: judge everything but the sign-off
    shard: ShardSpec | None = None  # --shard K/N: this part of the static scope (sharding)
    # What the run sees of the process environment; the CLI reads it once.
    environment: RunEnvironment


def stage_required(policy: Policy, stage: Stage) -> bool:
    if stage is Stage.CUSTOM:
        return any(definition.required for definition in policy.stages.custom.values())
    declared = policy.stages.declared().get(stage.value)
    if declared is not None:
        return declared.required
    section = STAGES[stage].policy_section
    if section is None:
        return False
    required: bool = getattr(policy, section).required
    return required


def not_evaluated(
    policy: Policy, results: Sequence[CheckResult], shard: ShardSpec | None = None
) -> tuple[str, ...]:
    """The checks a complete run under ``policy`` has and ``results`` lack (and the other
    shards of a part): ``--only bandit`` leaves ``semgrep`` unevaluated, say."""
    complete, unavailable = select_checks(policy, ())
    ran = {r.id for r in results}
    expected = [c.id for c in complete] + [r.id for r in unavailable]
    missing = [check_id for check_id in dict.fromkeys(expected) if check_id not in ran]
    if shard is not None and shard.count > 1:
        missing.append(f"shards other than {shard}")
    return tuple(missing)


def _policy_at(release: ReleaseContext) -> LoadedPolicy:
    """The policy governing ``release``: the file at its base, else the embedded default."""
    if release.base is None:
        return default_policy()
    if not release.base_trusted:
        return default_policy(why=release.base_trust)
    data = release.show(release.base, POLICY_FILE)
    if data is None:
        return default_policy()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{POLICY_FILE} (at base {release.base[:12]}): not UTF-8 text",
            hint="save the policy file as UTF-8",
        ) from None
    return loaded_from_text(
        text, path=POLICY_FILE, origin=f"at base {release.base[:12]}", trusted=True
    )


def _config_file(path: Path) -> LoadedPolicy:
    try:
        text = read_policy_file(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file", hint="check the --config path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return loaded_from_text(text, path=str(path), origin="--config, untrusted", trusted=False)


def resolve(options: RunOptions) -> tuple[ReleaseContext, LoadedPolicy]:
    """Resolve the range and its trusted policy.

    The base depends on the policy's release-tag pattern, and the policy is
    read from the base: start from the defaults and repeat until both agree.
    """

    def context_for(loaded: LoadedPolicy) -> ReleaseContext:
        return resolve_context(
            options.repo,
            head=options.head,
            base=options.base,
            tag_pattern=loaded.policy.release.tag_pattern,
            default_branch=loaded.policy.release.default_branch,
            environ=options.environment.variables,
        )

    if options.config is not None:
        loaded = _config_file(options.config)
        return context_for(loaded), loaded
    loaded = default_policy()
    for _ in range(4):
        release = context_for(loaded)
        governing = _policy_at(release)
        if governing.policy.release == loaded.policy.release:
            return release, governing
        loaded = governing
    raise ConfigError(
        f"{POLICY_FILE}: release.tag_pattern / default_branch disagree between the base "
        "commits they select, so no base is stable",
        hint="pass --base explicitly",
    )


def select_checks(policy: Policy, only: Sequence[str]) -> tuple[list[Check], list[CheckResult]]:
    """The checks to run, and results for stages that cannot run.

    Besides the registry's checks, every quality stage the policy declares is a
    check (``quality_checks``); a custom stage's id is its name, and ``--only``
    accepts it.
    """
    quality = {check.id: check for check in quality_checks(policy)}
    custom = [name for name, check in quality.items() if check.stage is Stage.CUSTOM]
    for name in custom:
        if name in REGISTRY:
            raise ConfigError(
                f"{POLICY_FILE}: stages.{name}: {name!r} is the id of a built-in check",
                hint="give the custom stage another name",
            )
    stage_names = {stage.value: stage for stage in Stage}
    for item in only:
        if item not in REGISTRY and item not in stage_names and item not in quality:
            custom_hint = f"; custom stages: {', '.join(custom)}" if custom else ""
            raise UsageError(
                f"--only {item}: no such check or stage",
                hint=f"checks: {', '.join(sorted(REGISTRY))}; stages: "
                f"{', '.join(stage_names)}{custom_hint}",
            )
    wanted_stages = [stage for stage in Stage if not only or stage.value in only]
    runnable: list[Check] = []
    unavailable: list[CheckResult] = []
    for stage in wanted_stages:
        stage_checks = [c for c in REGISTRY.values() if c.stage is stage and c.enabled(policy)]
        stage_checks += [c for c in quality.values() if c.stage is stage and c.enabled(policy)]
        if not stage_required(policy, stage):
            if only and stage.value in only:
                unavailable.append(
                    CheckResult(
                        id=stage.value,
                        stage=stage,
                        status=Status.SKIPPED,
                        reasons=(f"the policy does not require the {stage.value} stage",),
                    )
                )
            continue
        if not stage_checks:
            unavailable.append(not_supported(stage.value, stage.value))
        runnable += stage_checks
    for item in only:
        check = REGISTRY.get(item) or quality.get(item)
        if check is None or check in runnable:
            continue
        if check.enabled(policy):
            runnable.append(check)
        elif item in custom:
            unavailable.append(
                CheckResult(
                    id=item,
                    stage=Stage.CUSTOM,
                    status=Status.SKIPPED,
                    reasons=(f"the policy does not require the {item} stage",),
                )
            )
    return runnable, unavailable


def release_info(release: ReleaseContext, mode: Mode) -> ReleaseInfo:
    return ReleaseInfo(
        repo=str(release.root),
        commit=release.head,
        base=release.base,
        ref=release.ref,
        base_source=release.base_source,
        commits=len(release.commits),
        changed_files=release.changed_files,
        dirty_files=release.dirty_files,
        mode=mode,
        event=release.event,
    )


def _load_baseline(tree: Path, policy: Policy) -> Baseline | None:
    path = policy.static.baseline
    try:
        data = (tree / path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the baseline: {exc}") from None
    return parse_baseline(data, path)


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """What the checks of one run look at: the head's files, in scope for this mode."""

    tree: Path
    files: tuple[str, ...]
    all_files: tuple[str, ...]
    issues: tuple[TreeIssue, ...]
    static: StaticInputs


def prepare(release: ReleaseContext, policy: Policy, mode: Mode, snapshot: Snapshot) -> Workspace:
    files = snapshot.files
    if mode is Mode.PULL_REQUEST:
        # Diff-aware: a pull request is judged on the files it changes (a changed link or
        # submodule changes every file judged under its name, and so does a change to
        # the file a link points at).
        changed = set(release.changed_files)
        files = tuple(
            path
            for path in files
            if _changed_under(path, changed)
            or (path in snapshot.origins and _changed_under(snapshot.origins[path], changed))
        )
    static_scope = select_files(files, policy.static.include, policy.static.exclude)
    tree = snapshot.root
    snapshot.materialize([*static_scope.included, policy.static.baseline])
    baseline = _load_baseline(tree, policy) if policy.static.required else None
    suppressions = tuple(find_suppressions(tree, static_scope.included))
    return Workspace(
        tree=tree,
        files=files,
        all_files=snapshot.files,
        issues=snapshot.issues,
        static=StaticInputs(
            baseline=baseline,
            baseline_changed=baseline is not None
            and release.changed_in_range(policy.static.baseline),
            suppressions=suppressions,
            suppression_changes={
                path: release.changed_lines(path)
                for path in sorted({s.path for s in suppressions if s.justified})
            },
        ),
    )


def snapshot_reads(
    checks: Sequence[Check], policy: Policy, workspace: Workspace
) -> set[str] | None:
    """What the analysers read of the snapshot (None: any file, so all of it)."""
    wanted: set[str] = set()
    for check in checks:
        reads = check.reads(policy, workspace.files, workspace.all_files)
        if reads is None:
            return None
        wanted.update(reads)
    return wanted


def _changed_under(path: str, changed: set[str]) -> bool:
    if path in changed:
        return True
    parts = path.split("/")
    return any("/".join(parts[:n]) in changed for n in range(1, len(parts)))


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """A Decision with what it was made from: the range, the policy and the evidence."""

    decision: Decision
    release: ReleaseContext
    loaded: LoadedPolicy
    evidence: EvidenceSummary
    today: dt.date
    static: StaticInputs = field(default_factory=StaticInputs)


def evaluate(options: RunOptions, progress: Progress | None = None) -> Decision:
    return evaluate_full(options, progress).decision


@dataclass(frozen=True, kw_only=True)
class CheckPlan:
    """The checks of one run, by when they run."""

    analysers: tuple[Check, ...]  # read the private snapshot of the head
    head_code: tuple[Check, ...]  # run the head's own code, once every analyser is done
    after: tuple[Check, ...]  # the after-checks phase: judge the evidence of the others
    unavailable: tuple[CheckResult, ...]  # stages that cannot run (results already)


def plan_checks(policy: Policy, options: RunOptions) -> CheckPlan:
    checks, unavailable = select_checks(policy, options.only)
    if options.shard is not None:
        checks, unavailable = options.shard.select(checks, unavailable)
    after = [c for c in checks if c.phase is Phase.AFTER_CHECKS]
    if options.without_signoff:
        after = []
    checks = [c for c in checks if c.phase is not Phase.AFTER_CHECKS]
    return CheckPlan(
        analysers=tuple(c for c in checks if c.stage not in HEAD_CODE_STAGES),
        head_code=tuple(c for c in checks if c.stage in HEAD_CODE_STAGES),
        after=tuple(after),
        unavailable=tuple(unavailable),
    )


ContextFactory = Callable[[Path], Callable[[ToolRunner], CheckContext]]


def run_after_checks(
    after: Sequence[Check],
    run: RunEvidence,
    contexts: ContextFactory,
    *,
    timeout_seconds: float,
    progress: Progress | None = None,
) -> list[CheckResult]:
    """The after-checks phase: each such check bound to the evidence of the others."""
    if not after:
        return []
    bound = [check.bind(run) for check in after]
    # They read git and the evidence, no files: they get an empty tree.
    with tempfile.TemporaryDirectory(prefix="releasegate-signoff-") as empty:
        return run_checks(
            bound, contexts(Path(empty)), timeout_seconds=timeout_seconds, progress=progress
        )


def evaluate_full(options: RunOptions, progress: Progress | None = None) -> Evaluation:
    """One run: resolve the range and its trusted policy, prepare the workspace, run the
    checks, then the after-checks phase, then decide."""
    release, loaded = resolve(options)
    return evaluate_resolved(options, release, loaded, progress)


def evaluate_resolved(
    options: RunOptions,
    release: ReleaseContext,
    loaded: LoadedPolicy,
    progress: Progress | None = None,
) -> Evaluation:
    """``evaluate_full`` from the range and policy ``resolve(options)`` gave."""
    # Every path of the head (a linked __init__.py makes a package too).
    head_paths = frozenset(entry.path for entry in tree_entries(release.git_dir, release.head))
    policy = analyse_shipped_packages(loaded.policy, head_paths)
    today = options.today or utc_today()
    plan = plan_checks(policy, options)
    environ = options.environment.variables
    cache_dir = options.cache_dir or default_cache_dir(environ)
    use_cache = options.use_cache and not cache_disabled(environ)
    key = cache_key(cache_dir, environ) if use_cache else None

    def contexts(
        tree: Path, workspace: Workspace, snapshot: Snapshot | None = None
    ) -> Callable[[ToolRunner], CheckContext]:
        def make_context(tools: ToolRunner) -> CheckContext:
            return CheckContext(
                materialize=(lambda _paths: None) if snapshot is None else snapshot.materialize,
                release=release,
                policy=policy,
                tree=tree,
                files=workspace.files,
                all_files=workspace.all_files,
                tree_issues=workspace.issues,
                tools=tools,
                cache_dir=cache_dir,
                use_cache=use_cache,
                suppressions=workspace.static.suppressions,
                advisory_db=options.advisory_db,
                environment=options.environment,
                cache_key=key,
            )

        return make_context

    timeout = policy.timeout_seconds
    with release.analysis_snapshot(lazy=True, environ=environ) as snapshot:
        workspace = prepare(release, policy, options.mode, snapshot)
        snapshot.materialize(snapshot_reads(plan.analysers, policy, workspace))
        results = run_checks(
            plan.analysers,
            contexts(snapshot.root, workspace, snapshot),
            timeout_seconds=timeout,
            progress=progress,
        )
    if plan.head_code:
        with release.checkout() as tree:
            results += run_checks(
                plan.head_code,
                contexts(tree, workspace),
                timeout_seconds=timeout,
                progress=progress,
            )
        order = {c.id: n for n, c in enumerate([*plan.analysers, *plan.head_code])}
        results.sort(key=lambda r: order.get(r.id, len(order)))
    info = release_info(release, options.mode)
    evidence = run_evidence(
        info,
        policy_digest=loaded.digest,
        policy=policy,
        results=[*results, *plan.unavailable],
        static=workspace.static,
        today=today,
    )
    results += run_after_checks(
        plan.after,
        RunEvidence(evidence=evidence, today=today, signoff_file=options.signoff_file),
        lambda tree: contexts(tree, workspace),
        timeout_seconds=timeout,
        progress=progress,
    )
    policy_info = PolicyInfo(
        source=loaded.source,
        trusted=loaded.trusted,
        digest=loaded.digest,
        changed_in_range=release.changed_in_range(POLICY_FILE),
    )
    decision = judge(
        policy=policy,
        policy_info=policy_info,
        results=[*results, *plan.unavailable],
        release=info,
        today=today,
        tool_version=__version__,
        static=workspace.static,
        shard=options.shard,
        owners=finding_owners(release, results),
    )
    return Evaluation(
        decision=decision,
        release=release,
        loaded=loaded,
        evidence=evidence,
        today=today,
        static=workspace.static,
    )


def run_evidence(
    release: ReleaseInfo,
    *,
    policy_digest: str,
    policy: Policy,
    results: Sequence[CheckResult],
    static: StaticInputs,
    today: dt.date,
) -> EvidenceSummary:
    """The evidence of the checks phase, which the after-checks phase judges."""
    return summarise(
        commit=release.commit,
        base=release.base,
        mode=release.mode,
        policy_digest=policy_digest,
        policy=policy,
        results=results,
        static=static,
        today=today,
    )


def judge(
    *,
    policy: Policy,
    policy_info: PolicyInfo,
    results: Sequence[CheckResult],
    release: ReleaseInfo,
    today: dt.date,
    tool_version: str,
    static: StaticInputs,
    shard: ShardSpec | None = None,
    owners: Mapping[str, tuple[str, ...]] | None = None,
) -> Decision:
    """The decide phase: the verdict, partial when a complete run has more checks."""
    return decide(
        policy=policy,
        policy_info=policy_info,
        results=results,
        release=release,
        today=today,
        tool_version=tool_version,
        static=static,
        not_run=not_evaluated(policy, results, shard),
        owners=owners,
    )


def finding_owners(
    release: ReleaseContext, results: Sequence[CheckResult]
) -> dict[str, tuple[str, ...]]:
    """The owners (CODEOWNERS of the trusted base) of each file with a finding."""
    base = release.trusted_base
    if base is None:
        return {}
    try:
        codeowners = load_codeowners(lambda path: release.show(base, path), f"at base {base[:12]}")
    except ReleasegateError:
        return {}  # the review check reports an unreadable CODEOWNERS; this only informs
    if codeowners is None:
        return {}
    owners: dict[str, tuple[str, ...]] = {}
    for path in sorted({f.path for r in results for f in r.findings if f.path}):
        found = tuple(owner.text for owner in codeowners.owners_of(path))
        if found:
            owners[path] = found
    return owners
