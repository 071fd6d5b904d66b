"""The dependency audit: every dependency the release installs, pinned and looked up.

1. Sources (``releasegate.deps.sources``): the dependency files among the files
   in scope (the whole head tree in release mode, the changed files in
   pull-request mode), minus ``dependencies.exclude``; includes and lock files
   are read from the head commit.
2. Unpinned requirements become findings (``releasegate.unpinned-dependency``)
   that ``decide()`` blocks on or only reports, per ``dependencies.unpinned`` and
   the mode. A package source other than PyPI (``-i``/``--index-url``,
   ``--extra-index-url``, ``-f``/``--find-links``, ``--trusted-host`` in a
   requirements file, a lock file's registry) that ``dependencies.allowed_indexes``
   does not allow is a blocking finding (``releasegate.nondefault-index``):
   dependency confusion. Credentials in its URL are masked everywhere.
3. Every pin is looked up in the vulnerability service that
   ``releasegate.checks.advisory_services`` chooses: offline in a local OSV
   directory when one is given (``--advisory-db``, else
   ``dependencies.advisory_db`` relative to the repository root), online through
   pip-audit otherwise. One finding per
   (package, version, source line, vulnerability), at the line that pins it.

Fail closed: a dependency file that cannot be read, a malformed line, an
include outside the repository, a dependency that cannot be audited (URL, VCS,
local path, dynamic, skipped by pip-audit), an unusable advisory database or an
unreachable service make the check ``error``, naming what. Vulnerabilities
found meanwhile are still reported. A tree without any dependency file passes
and says so: a project without dependencies is legitimate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from git.exc import GitError
from packaging.version import Version

from releasegate.checkapi import BaseCheck, CheckContext
from releasegate.checks.advisory_services import ServiceRequest, open_service
from releasegate.deps.osv import Unevaluated
from releasegate.deps.pins import (
    LIBRARY_RANGE_RULE,
    NONDEFAULT_INDEX_RULE,
    UNPINNED_RULE,
    AdvisoryDBError,
    IndexUse,
    Inventory,
    PackageAudit,
    Pin,
    ServiceAudit,
    ServiceError,
    SkippedDependency,
    SourceError,
    Unpinned,
    normalise_index,
    trusted_host_matches,
)
from releasegate.deps.project import DetectedKind, ProjectKind, detect, states_dependencies
from releasegate.deps.sources.base import REGISTRY
from releasegate.deps.sources.collector import collect
from releasegate.deps.sources.formats import kind_of
from releasegate.deps.sources.head_tree import Tree
from releasegate.errors import ReleasegateError
from releasegate.fingerprint import Located, fingerprints
from releasegate.globs import matches
from releasegate.model import CheckResult, Confidence, Finding, JSONValue, Severity, Stage, Status
from releasegate.policy.schema import Policy

UNPINNED_TOOL = "releasegate"
NO_SOURCES = (
    "no dependency files found (requirements*.txt, pyproject.toml, uv.lock, poetry.lock, "
    "Pipfile.lock, pylock.toml): nothing to audit"
)
_MAX_REASONS = 10
_MAX_PACKAGES_NAMED = 5
_CONFUSION = "where a package with the name of a PyPI one can take its place (dependency confusion)"
_ALLOW = "list it in dependencies.allowed_indexes of the policy"


def _tracked(ctx: CheckContext) -> tuple[str, ...]:
    """Every file of the head commit (what includes may name); the files in scope if git fails
    (narrower, so stricter)."""
    if ctx.all_files:
        return ctx.all_files
    try:
        return tuple(ctx.release.tracked_files())
    except (ReleasegateError, GitError, OSError, ValueError):
        return ctx.files


def _range_message(item: Unpinned, project: DetectedKind) -> str:
    head = (
        f"{item.requirement} is not pinned to one version, and a range cannot be audited "
        "as one version"
    )
    if project.kind is ProjectKind.LIBRARY:
        return (
            f"{head}; the project is a library ({project.why}), which states compatible "
            "ranges by design and its users' lock files pin: reported, not blocked "
            "(set project.kind: application, or dependencies.unpinned: block, to block it)"
        )
    return (
        f"{head}: {item.fix}. The project is an application ({project.why}): a range "
        "blocks in release mode (dependencies.unpinned: warn reports it instead; "
        "project.kind: library if it is a library)"
    )


def _unpinned_findings(inventory: Inventory, project: DetectedKind) -> list[Finding]:
    items = inventory.unpinned
    library = project.kind is ProjectKind.LIBRARY
    rule_id = LIBRARY_RANGE_RULE if library else UNPINNED_RULE
    prints = fingerprints(
        Located(
            tool=UNPINNED_TOOL,
            rule_id=rule_id,
            path=u.location.path,
            line=u.location.line,
            code=u.requirement,
        )
        for u in items
    )
    return [
        Finding(
            tool=UNPINNED_TOOL,
            rule_id=rule_id,
            rule_name="range in a library" if library else "unpinned dependency",
            severity=Severity.LOW if library else Severity.MEDIUM,
            confidence=Confidence.HIGH,
            path=u.location.path,
            line=u.location.line,
            message=_range_message(u, project),
            fingerprint=fingerprint,
            package=u.name,
        )
        for u, fingerprint in zip(items, prints, strict=True)
    ]


def _head_reader(ctx: CheckContext, tracked: Sequence[str]) -> Callable[[str], str | None]:
    tree = Tree(ctx.tree, tracked, ctx.materialize)

    def read(path: str) -> str | None:
        if not tree.has(path):
            return None
        try:
            return tree.read(path)
        except SourceError:
            return None

    return read


def _base_reader(ctx: CheckContext) -> Callable[[str], str | None] | None:
    """The root files of the trusted base (None when there is none, e.g. first adoption)."""
    base = ctx.release.trusted_base
    if base is None:
        return None

    def read(path: str) -> str | None:
        try:
            data = ctx.release.show(base, path)
        except (GitError, OSError, ValueError):
            return None
        if data is None or len(data) > 1_000_000:
            return None
        return data.decode("utf-8", "replace")

    return read


def _base_has_dependencies(ctx: CheckContext) -> bool:
    """Whether the trusted base has any dependency or packaging file (a base that cannot
    be listed counts as having them: the stricter reading)."""
    base = ctx.release.trusted_base
    if base is None:
        return False
    try:
        names = ctx.release.repo.git.ls_tree("-r", "--name-only", "-z", base).split("\0")
    except (GitError, OSError, ValueError):
        return True
    return any(states_dependencies(name) for name in names if name)


def _unanalysed_local(inventory: Inventory, policy: Policy) -> list[str]:
    """Local projects (``-e .``, a workspace member) count as first-party code only where
    the static stage analyses it: one installed from an excluded directory is an error."""
    causes: list[str] = []
    for item in inventory.local:
        probe = f"{item.directory}/__init__.py" if item.directory else "__init__.py"
        if matches(policy.static.exclude, probe) or not matches(policy.static.include, probe):
            causes.append(
                f"{item.location}: cannot audit the local project {item.directory or '.'}: "
                "it is installed, but static.exclude (or include) leaves its code out of "
                "the static analysis; analyse it, or depend on a released version"
            )
    return causes


def _skipped_cause(item: SkippedDependency) -> str:
    if item.location is None:
        return str(item)
    return (
        f"{item}, or leave the file out of the audit with dependencies.exclude: "
        f"[{item.location.path}]"
    )


def _index_allowed(use: IndexUse, allowed: Sequence[str]) -> bool:
    if use.trusted_host:
        return any(trusted_host_matches(use.normalised, index) for index in allowed)
    return use.normalised in allowed


def _index_message(use: IndexUse) -> str:
    head = f"{use.option} {use.shown}: "
    if use.trusted_host:
        return head + (
            f"pip would not verify TLS for {use.shown}, so whoever is on the network path "
            "can serve its packages: remove the option, or allow an index on that host in "
            "dependencies.allowed_indexes of the policy"
        )
    if use.option == REGISTRY:
        names = list(use.packages[:_MAX_PACKAGES_NAMED])
        if len(use.packages) > _MAX_PACKAGES_NAMED:
            names.append(f"and {len(use.packages) - _MAX_PACKAGES_NAMED} more")
        count = len(use.packages)
        what = (
            f"{count} package{'s' if count != 1 else ''} ({', '.join(names)}) are"
            if count
            else "packages are"
        )
        return head + (
            f"{what} locked from an index other than PyPI, {_CONFUSION}: lock them from "
            f"PyPI, or {_ALLOW}"
        )
    if use.option in ("-f", "--find-links"):
        path_fix = "waive this finding (dependencies.allowed_indexes lists URLs, not paths)"
        fix = _ALLOW if "://" in use.normalised else path_fix
        return head + (
            f"pip would also install packages found there, in place of PyPI's, {_CONFUSION}: "
            f"remove the option, or {fix}"
        )
    return head + (
        f"pip would install packages from an index other than PyPI, {_CONFUSION}: remove "
        f"the option, or {_ALLOW}"
    )


def _index_findings(
    inventory: Inventory, allowed_indexes: Sequence[str]
) -> tuple[list[Finding], list[JSONValue]]:
    """Findings for the package sources the policy does not allow; evidence rows for all."""
    allowed = [normalise_index(url) for url in allowed_indexes]
    rows: list[JSONValue] = []
    refused: list[IndexUse] = []
    for use in inventory.indexes:
        ok = _index_allowed(use, allowed)
        rows.append({**use.to_json(), "allowed": ok})
        if not ok:
            refused.append(use)
    prints = fingerprints(
        Located(
            tool=UNPINNED_TOOL,
            rule_id=NONDEFAULT_INDEX_RULE,
            path=use.location.path,
            line=use.location.line,
            code=f"{use.option} {use.normalised}",
        )
        for use in refused
    )
    findings = [
        Finding(
            tool=UNPINNED_TOOL,
            rule_id=NONDEFAULT_INDEX_RULE,
            rule_name="package source other than PyPI",
            severity=Severity.HIGH,
            confidence=Confidence.HIGH,
            path=use.location.path,
            line=use.location.line,
            message=_index_message(use),
            cwe=(829,),
            fingerprint=fingerprint,
        )
        for use, fingerprint in zip(refused, prints, strict=True)
    ]
    return findings, rows


def _message(pin: Pin, audit: PackageAudit, index: int) -> str:
    vuln = audit.vulnerabilities[index]
    if isinstance(vuln, Unevaluated):  # an advisory that cannot be read for this pin
        return f"{pin.name} {pin.version_text}: {vuln.problem}"
    aliases = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
    fixed = f"Fixed in {', '.join(vuln.fixed)}." if vuln.fixed else "No fixed version known."
    upgrade = audit.upgrade or "no fixed version known"
    return (
        f"{pin.name} {pin.version_text} is affected by {vuln.id}{aliases}: {vuln.summary} "
        f"{fixed} Smallest upgrade fixing {audit.upgrade_basis}: {upgrade}"
    )


def vulnerability_findings(pins: Sequence[Pin], answer: ServiceAudit, tool: str) -> list[Finding]:
    """One finding per (pin, vulnerability), located at the pin."""
    rows: list[tuple[Pin, PackageAudit, int]] = []
    for pin in pins:
        audit = answer.audits.get((pin.canonical, pin.version))
        if audit is None:
            continue
        rows.extend((pin, audit, i) for i in range(len(audit.vulnerabilities)))
    prints = fingerprints(
        Located(
            tool=tool,
            rule_id=audit.vulnerabilities[i].id,
            path=pin.location.path,
            line=pin.location.line,
            code=f"{pin.canonical}=={pin.version}",
        )
        for pin, audit, i in rows
    )
    findings: list[Finding] = []
    for (pin, audit, i), fingerprint in zip(rows, prints, strict=True):
        vuln = audit.vulnerabilities[i]
        findings.append(
            Finding(
                tool=tool,
                rule_id=vuln.id,
                rule_name=vuln.summary,
                severity=vuln.severity,
                confidence=Confidence.HIGH,
                path=pin.location.path,
                line=pin.location.line,
                message=_message(pin, audit, i),
                cwe=vuln.cwe,
                fingerprint=fingerprint,
                help_uri=f"https://osv.dev/vulnerability/{vuln.id}",
                aliases=vuln.aliases,
                package=pin.name,
                fix=(
                    f"upgrade {pin.name} {pin.version_text} -> {audit.upgrade}"
                    if audit.upgrade
                    else f"no fixed version of {pin.name} is known"
                ),
            )
        )
    return findings


def _listed(items: Sequence[str]) -> list[str]:
    if len(items) <= _MAX_REASONS:
        return list(items)
    return [*items[:_MAX_REASONS], f"and {len(items) - _MAX_REASONS} more (see the evidence)"]


def _inventory_evidence(inventory: Inventory) -> dict[str, JSONValue]:
    evidence: dict[str, JSONValue] = {
        "sources": [source.to_json() for source in inventory.sources],
        "packages": [pin.to_json() for pin in inventory.pins],
        "unpinned": [item.to_json() for item in inventory.unpinned],
        "unauditable": [item.to_json() for item in inventory.skipped],
        "local_projects": [item.to_json() for item in inventory.local],
        "problems": [str(problem) for problem in inventory.problems],
    }
    if inventory.notes:
        evidence["notes"] = list(inventory.notes)
    if not inventory.sources:
        evidence["note"] = (
            f"{NO_SOURCES}. The policy requires the dependencies stage: this passes because "
            "a project without dependencies is legitimate (in pull-request mode only the "
            "dependency files changed in the range are read)"
        )
    return evidence


@dataclass(kw_only=True)
class _Audit:
    """What the lookup of the pins adds to the result (filled in while it runs)."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[SkippedDependency] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    evidence: dict[str, JSONValue] = field(default_factory=dict)
    timings: dict[str, JSONValue] = field(default_factory=dict)


def lookup(
    ctx: CheckContext | ServiceRequest,
    packages: Sequence[tuple[str, Version]],
    evidence: dict[str, JSONValue],
    timings: dict[str, JSONValue],
) -> tuple[ServiceAudit, str]:
    """Look ``packages`` up in the service ``advisory_services`` chooses for ``ctx``
    (``--advisory-db``, ``dependencies.advisory_db``, else online): the answer and the
    service's tool name. Raises ``AdvisoryDBError`` or ``ServiceError`` when it cannot.
    Shared by the check, ``releasegate deps fix`` and ``releasegate watch``."""
    service = open_service(ctx, evidence, timings)
    clock = time.perf_counter()
    answer = service.audit(packages)
    timings["audit"] = round(time.perf_counter() - clock, 3)
    return answer, service.tool


def _audit(ctx: CheckContext, pins: Sequence[Pin]) -> _Audit:
    run = _Audit()
    packages = sorted({(pin.canonical, pin.version) for pin in pins})
    if not packages:
        run.evidence.update(mode="none", note="no pinned dependency to look up")
        return run
    try:
        answer, tool = lookup(ctx, packages, run.evidence, run.timings)
    except (AdvisoryDBError, ServiceError) as exc:
        run.causes.append(exc.diagnostics())
        return run
    run.skipped.extend(answer.skipped)
    run.findings.extend(vulnerability_findings(pins, answer, tool))
    run.evidence.update(answer.evidence)
    run.evidence["packages_audited"] = len(answer.audits)
    run.evidence["vulnerable_packages"] = sum(
        1 for a in answer.audits.values() if a.vulnerabilities
    )
    run.evidence["vulnerabilities"] = sum(len(a.vulnerabilities) for a in answer.audits.values())
    if answer.skipped:
        run.evidence["skipped"] = [item.to_json() for item in answer.skipped]
    if len(answer.skipped) == len(packages):
        run.causes.append(
            f"no dependency could be audited ({len(packages)} skipped): is the vulnerability "
            "service reachable from here? Audit offline with --advisory-db DIR otherwise"
        )
    return run


def collect_inventory(ctx: CheckContext, tracked: Sequence[str] | None = None) -> Inventory:
    """The dependency files among ``ctx.files`` read from ``ctx.tree`` (includes: any of
    ``tracked``, by default every file of the head), minus ``dependencies.exclude``.
    Shared by the check and ``releasegate deps fix``."""
    return collect(
        ctx.tree,
        ctx.files,
        tracked=_tracked(ctx) if tracked is None else tracked,
        exclude=tuple(ctx.policy.dependencies.exclude),
        materialize=ctx.materialize,
    )


@dataclass(frozen=True, kw_only=True)
class DependenciesCheck(BaseCheck):
    """The ``dependencies`` check: dependency files read, every pin audited."""

    id: str = "dependencies"
    stage: Stage = Stage.DEPENDENCIES

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        # The dependency files by name, written with the rest in one batch; what they lead
        # to (``-r`` includes, covering locks) is written as ``Tree.read`` reaches it.
        return [path for path in files if kind_of(path) is not None]

    def enabled(self, policy: Policy) -> bool:
        return policy.dependencies.required

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        clock = time.perf_counter()
        tracked = _tracked(ctx)
        inventory = collect_inventory(ctx, tracked)
        read_seconds = round(time.perf_counter() - clock, 3)
        project = detect(
            ctx.policy.project.kind,
            _head_reader(ctx, tracked),
            _base_reader(ctx),
            base_has_dependencies=_base_has_dependencies(ctx),
        )
        evidence = _inventory_evidence(inventory)
        evidence["project"] = {"kind": project.kind.value, "why": project.why}
        evidence["exclude"] = list(ctx.policy.dependencies.exclude)
        audit = _audit(ctx, inventory.pins)
        if inventory.sources:
            evidence["audit"] = audit.evidence
        evidence["timings"] = {"read_sources": read_seconds, **audit.timings}
        causes = [str(problem) for problem in inventory.problems]
        causes += audit.causes
        causes += [_skipped_cause(item) for item in (*inventory.skipped, *audit.skipped)]
        causes += _unanalysed_local(inventory, ctx.policy)
        index_findings, index_rows = _index_findings(
            inventory, ctx.policy.dependencies.allowed_indexes
        )
        if index_rows:
            evidence["indexes"] = index_rows
        findings = _unpinned_findings(inventory, project) + index_findings + audit.findings
        findings.sort(key=lambda f: (f.path, f.line, f.rule_id))
        return CheckResult(
            id=self.id,
            stage=self.stage,
            status=Status.ERROR if causes else Status.PASS,
            reasons=tuple(_listed(causes)),
            findings=tuple(findings),
            evidence=evidence,
            duration_seconds=time.monotonic() - started,
        )


DEPENDENCIES = DependenciesCheck()
