"""The registry of vulnerability services: where the dependency check looks pins up.

Each entry says when it is chosen and how it is opened; the first chosen one is
used. Adding a service is one class implementing
``releasegate.deps.pins.VulnerabilityService`` (an ``audit`` of (name, version)
pairs that answers a ``ServiceAudit``, and a ``tool`` name for its findings) and one
line in ``SERVICES``.

- ``osv-offline``: a local OSV directory (``--advisory-db``, relative to the
  working directory, else ``dependencies.advisory_db``, relative to the
  repository root). Air-gapped and repeatable.
- ``pip-audit``: online, through pip-audit's service (``dependencies.service``).

Opening a service records what it is in the check's evidence (``mode``, ``tool``,
the database's digest or the service's name). A service that cannot be opened or
asked raises ``AdvisoryDBError`` or ``ServiceError``: the check is ``error``.

What choosing and opening read is a ``ServiceRequest``: a check's context gives one
(``ServiceRequest.of``); ``releasegate watch`` builds its own to audit the pins of
shipped tags against the same services.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from releasegate.checkapi import CheckContext
from releasegate.deps.online import PipAudit
from releasegate.deps.osv import OfflineService, load_database
from releasegate.deps.pins import AdvisoryDBError, VulnerabilityService
from releasegate.model import JSONValue
from releasegate.policy.schema import Policy
from releasegate.procs import ToolRunner

# What opening a service adds to the check's evidence and timings.
Evidence = dict[str, JSONValue]


@dataclass(frozen=True, kw_only=True)
class ServiceRequest:
    """What choosing and opening a service read."""

    policy: Policy
    root: Path  # the repository root (dependencies.advisory_db is relative to it)
    advisory_db: Path | None  # --advisory-db
    changed_files: Collection[str]  # of the range (an edited database is noted)
    tools: ToolRunner
    cache_dir: Path
    use_cache: bool
    environ: Mapping[str, str]

    @classmethod
    def of(cls, ctx: CheckContext) -> ServiceRequest:
        return cls(
            policy=ctx.policy,
            root=ctx.release.root,
            advisory_db=ctx.advisory_db,
            changed_files=ctx.release.changed_files,
            tools=ctx.tools,
            cache_dir=ctx.cache_dir,
            use_cache=ctx.use_cache,
            environ=ctx.environment.variables,
        )


@dataclass(frozen=True, kw_only=True)
class ServiceEntry:
    """One vulnerability service: when it is chosen, how it is opened."""

    name: str
    chosen: Callable[[ServiceRequest], bool]
    open: Callable[[ServiceRequest, Evidence, Evidence], VulnerabilityService]


def advisory_db_path(ctx: ServiceRequest) -> Path | None:
    """``--advisory-db`` (relative to the working directory) wins over the policy's path
    (relative to the repository root)."""
    if ctx.advisory_db is not None:
        return ctx.advisory_db.expanduser().absolute()
    configured = ctx.policy.dependencies.advisory_db
    if configured is None:
        return None
    path = Path(configured).expanduser()
    return path if path.is_absolute() else ctx.root / path


def _inside_repository(ctx: ServiceRequest, path: Path) -> str | None:
    try:
        return path.relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return None


def _offline(ctx: ServiceRequest, evidence: Evidence, timings: Evidence) -> VulnerabilityService:
    path = advisory_db_path(ctx)
    if path is None:  # chosen only with a path
        raise AdvisoryDBError("no advisory database given (--advisory-db DIR)")
    started = time.perf_counter()
    database, cached = load_database(path)
    timings["load_advisories"] = round(time.perf_counter() - started, 3)
    db_evidence = database.evidence()
    db_evidence["loaded_earlier_in_this_process"] = cached
    db_evidence["source"] = "--advisory-db" if ctx.advisory_db else "dependencies.advisory_db"
    inside = _inside_repository(ctx, database.path)
    if inside is not None:
        # Read from the work tree: the head under judgement could have edited it.
        db_evidence["inside_repository"] = inside
        db_evidence["changed_in_range"] = any(
            changed.startswith(f"{inside}/") for changed in ctx.changed_files
        )
    evidence.update(mode="offline", tool="osv", advisory_db=db_evidence)
    return OfflineService(database=database)


def _pip_audit(ctx: ServiceRequest, evidence: Evidence, _timings: Evidence) -> VulnerabilityService:
    settings = ctx.policy.dependencies
    evidence.update(mode="online", tool="pip-audit", service=settings.service.value)
    return PipAudit(
        runner=ctx.tools,
        service=settings.service.value,
        cache_dir=ctx.cache_dir / "pip-audit" if ctx.use_cache else None,
        environ=ctx.environ,
    )


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        name="osv-offline", chosen=lambda ctx: advisory_db_path(ctx) is not None, open=_offline
    ),
    ServiceEntry(name="pip-audit", chosen=lambda _ctx: True, open=_pip_audit),
)


def _request(ctx: CheckContext | ServiceRequest) -> ServiceRequest:
    return ctx if isinstance(ctx, ServiceRequest) else ServiceRequest.of(ctx)


def choose(ctx: CheckContext | ServiceRequest) -> ServiceEntry:
    """The first service of ``SERVICES`` chosen for this run."""
    request = _request(ctx)
    return next(entry for entry in SERVICES if entry.chosen(request))


def open_service(
    ctx: CheckContext | ServiceRequest, evidence: Evidence, timings: Evidence
) -> VulnerabilityService:
    """The chosen service, opened; what it is goes into ``evidence``."""
    request = _request(ctx)
    return choose(request).open(request, evidence, timings)
