"""The registry of vulnerability services: which one a run looks its pins up in."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from releasegate.checkapi import CheckContext
from releasegate.checks.advisory_services import SERVICES, choose, open_service
from releasegate.deps.online import PipAudit
from releasegate.deps.osv import OfflineService
from releasegate.deps.pins import AdvisoryDBError
from releasegate.model import JSONValue
from releasegate.policy.schema import Policy
from releasegate.procs import ToolRunner

DATA = Path(__file__).resolve().parents[1] / "data" / "advisory-db"


def _context(tmp_path: Path, advisory_db: Path | None, policy: Policy) -> CheckContext:
    release = SimpleNamespace(root=tmp_path, changed_files=("db/PYSEC-x.json",))
    return CheckContext(
        release=release,  # type: ignore[arg-type]
        policy=policy,
        tree=tmp_path,
        files=(),
        tools=ToolRunner(),
        cache_dir=tmp_path / "cache",
        advisory_db=advisory_db,
    )


def test_every_service_has_a_distinct_name_and_the_last_is_always_chosen() -> None:
    names = [entry.name for entry in SERVICES]
    assert len(set(names)) == len(names) == 2
    assert names[-1] == "pip-audit"


def test_an_advisory_db_chooses_the_offline_service_and_records_where_it_is(
    tmp_path: Path,
) -> None:
    inside = tmp_path / "db"
    shutil.copytree(DATA / "pypa" / "vulns" / "aiohttp", inside)
    ctx = _context(tmp_path, inside, Policy(version=1))
    assert choose(ctx).name == "osv-offline"
    evidence: dict[str, JSONValue] = {}
    timings: dict[str, JSONValue] = {}
    service = open_service(ctx, evidence, timings)
    assert isinstance(service, OfflineService)
    assert evidence["mode"] == "offline" and evidence["tool"] == "osv"
    database = evidence["advisory_db"]
    assert isinstance(database, dict)
    assert database["source"] == "--advisory-db"
    assert database["inside_repository"] == "db"
    assert database["changed_in_range"] is True  # the range edited the database
    assert "load_advisories" in timings


def test_the_policy_path_is_relative_to_the_repository_root(tmp_path: Path) -> None:
    policy = Policy.model_validate({"version": 1, "dependencies": {"advisory_db": "missing"}})
    ctx = _context(tmp_path, None, policy)
    assert choose(ctx).name == "osv-offline"
    with pytest.raises(AdvisoryDBError, match="missing"):
        open_service(ctx, {}, {})


def test_without_a_database_pins_are_looked_up_online(tmp_path: Path) -> None:
    ctx = _context(tmp_path, None, Policy(version=1))
    evidence: dict[str, JSONValue] = {}
    service = open_service(ctx, evidence, {})
    assert isinstance(service, PipAudit)
    assert evidence == {"mode": "online", "tool": "pip-audit", "service": "osv"}
