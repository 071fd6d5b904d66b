"""Fail closed on advisories that cannot be read: unknown range types, unparseable events."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from deps_helpers import snapshot
from packaging.version import Version
from rg_testlib import GitRepo, check, load_report, releasegate

from releasegate.deps.osv import AdvisoryDatabase, Unevaluated, load_database


def doc(ident: str, *ranges: dict[str, Any], **extra: Any) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"name": "demo", "ecosystem": "PyPI"}}
    if ranges:
        affected["ranges"] = list(ranges)
    affected.update(extra.pop("entry", {}))
    return {"id": ident, "modified": "2024-01-01T00:00:00Z", "affected": [affected], **extra}


def eco(*events: dict[str, str], kind: str | None = "ECOSYSTEM") -> dict[str, Any]:
    return {"events": list(events)} if kind is None else {"type": kind, "events": list(events)}


def database(root: Path, *docs: dict[str, Any]) -> AdvisoryDatabase:
    folder = root / "vulns" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    for item in docs:
        (folder / f"{item['id']}.yaml").write_text(yaml.safe_dump(item))
    db, _ = load_database(root)
    return db


def found(db: AdvisoryDatabase, version: str) -> dict[str, str]:
    """id -> "affected" or the problem of an Unevaluated."""
    return {
        v.id: v.problem if isinstance(v, Unevaluated) else "affected"
        for v in db.vulnerabilities("demo", Version(version))
    }


@pytest.mark.parametrize("kind", ["ECOSYTEM", "ecosystem", None])
def test_a_range_of_an_unknown_type_cannot_be_evaluated_for_any_version(
    tmp_path: Path, kind: str | None
) -> None:
    item = doc("PYSEC-1", eco({"introduced": "0"}, {"fixed": "2.0"}, kind=kind), aliases=["CVE-1"])
    db = database(tmp_path, item)
    for version in ("1.5", "2.0", "9.0"):
        problem = found(db, version)["PYSEC-1"]
        shown = "no `type`" if kind is None else f"type {kind!r}"
        assert problem.startswith(f"cannot tell whether {version} is affected by PYSEC-1 (CVE-1):")
        assert "PYSEC-1 in vulns/demo/PYSEC-1.yaml: affected[0].ranges[0] is a range of " in problem
        assert f"affected[0].ranges[0] is a range of {shown}, not ECOSYSTEM or SEMVER" in problem
        assert "waive PYSEC-1 for this package in the policy's waivers" in problem
        assert "update the advisory database" in problem and "\n" not in problem
    assert db.evidence()["ranges_not_read"] == 1
    assert any(shown in note for note in db.notes)
    [vuln] = db.audit("demo", Version("1.5")).vulnerabilities
    assert vuln.aliases == ("CVE-1",)


def test_an_unknown_range_does_not_hide_what_the_versions_list_says(tmp_path: Path) -> None:
    db = database(
        tmp_path, doc("PYSEC-1", eco({"introduced": "0"}, kind="X"), entry={"versions": ["1.0"]})
    )
    assert found(db, "1.0") == {"PYSEC-1": "affected"}
    assert "type 'X'" in found(db, "1.1")["PYSEC-1"]


def test_git_ranges_are_ignored_beside_versions_or_an_ecosystem_range(tmp_path: Path) -> None:
    git = {"type": "GIT", "repo": "https://example.com/x", "events": [{"introduced": "abc1"}]}
    db = database(
        tmp_path,
        doc("PYSEC-1", git, entry={"versions": ["1.0"]}),
        doc("PYSEC-2", git, eco({"introduced": "0"}, {"fixed": "1.1"})),
        doc("PYSEC-3", git),
    )
    assert found(db, "1.0") == {
        "PYSEC-1": "affected",
        "PYSEC-2": "affected",
        "PYSEC-3": found(db, "1.0")["PYSEC-3"],
    }
    only_git = found(db, "2.0")
    assert list(only_git) == ["PYSEC-3"]
    assert "GIT ranges only (commits, not versions) and no `versions`" in only_git["PYSEC-3"]
    assert db.skipped_events == 0  # commits are not versions to note


def test_a_non_pep440_introduced_cannot_be_evaluated(tmp_path: Path) -> None:
    db = database(tmp_path, doc("PYSEC-1", eco({"introduced": "abc"}, {"fixed": "2.0"})))
    for version in ("0.1", "1.5", "3.0"):  # "abc" could sort anywhere, after 2.0 too
        problem = found(db, version)["PYSEC-1"]
        assert "affected[0].ranges[0]: introduced 'abc' cannot be read as PEP 440" in problem
    assert db.skipped_events == 1
    assert any("'abc' is not a PEP 440 version" in note for note in db.notes)


def test_a_non_pep440_fixed_only_widens_the_range(tmp_path: Path) -> None:
    db = database(tmp_path, doc("PYSEC-1", eco({"introduced": "1.0"}, {"fixed": "1.x"})))
    assert found(db, "0.9") == {}  # before every introduced: clean whatever "1.x" is
    assert "fixed '1.x' cannot be read" in found(db, "1.5")["PYSEC-1"]


def test_a_non_pep440_limit_cannot_be_dropped(tmp_path: Path) -> None:
    db = database(
        tmp_path, doc("PYSEC-1", eco({"introduced": "1.0"}, {"limit": "1.5"}, {"limit": "3.y"}))
    )
    assert found(db, "0.5") == {}
    assert "limit '3.y'" in found(db, "1.2")["PYSEC-1"]  # under 1.5, but 3.y may be below
    assert "limit '3.y'" in found(db, "2.0")["PYSEC-1"]  # over 1.5, but 3.y may be above


def test_semver_ranges_are_read_where_semver_and_pep440_agree(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        doc("PYSEC-1", eco({"introduced": "1.0.0-rc.1"}, {"fixed": "1.2.3"}, kind="SEMVER")),
        doc("PYSEC-2", eco({"introduced": "0"}, {"fixed": "2.0.0-1"}, kind="SEMVER")),
        doc("PYSEC-3", eco({"introduced": "0"}, {"fixed": "2.0.0+build"}, kind="SEMVER")),
    )
    assert found(db, "0.9") == {
        "PYSEC-2": found(db, "0.9")["PYSEC-2"],
        "PYSEC-3": found(db, "0.9")["PYSEC-3"],
    }
    assert found(db, "1.0.0rc1")["PYSEC-1"] == "affected"
    assert "PYSEC-1" not in found(db, "1.2.3")
    assert (
        "fixed '2.0.0-1' cannot be read as SemVer ordered like PEP 440"
        in found(db, "1.5")["PYSEC-2"]
    )
    assert "fixed '2.0.0+build'" in found(db, "1.5")["PYSEC-3"]
    assert "SemVer and PEP 440 order differently" in " ".join(db.notes)


def test_an_alias_that_can_be_read_decides(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        doc("GHSA-aaaa-bbbb-cccc", eco({"introduced": "0"}, kind="ecosystem"), aliases=["CVE-9"]),
        doc("PYSEC-9", eco({"introduced": "0"}, {"fixed": "2.0"}), aliases=["CVE-9"]),
    )
    [vuln] = db.vulnerabilities("demo", Version("1.0"))
    assert not isinstance(vuln, Unevaluated) and vuln.id == "PYSEC-9"
    # PYSEC-9 says 2.0 is fixed; the GHSA document, which may know otherwise, cannot tell.
    [later] = db.vulnerabilities("demo", Version("2.0"))
    assert isinstance(later, Unevaluated) and later.id == "GHSA-aaaa-bbbb-cccc"
    assert later.aliases == ("CVE-9",)
    assert (
        "GHSA-aaaa-bbbb-cccc in vulns/demo/GHSA-aaaa-bbbb-cccc.yaml: affected[0]" in later.problem
    )


def test_the_upgrade_leaves_an_unreadable_advisory_to_its_own_finding(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        doc("PYSEC-1", eco({"introduced": "0"}, {"fixed": "2.0"})),
        doc("PYSEC-2", eco({"introduced": "0"}, kind="ECOSYTEM")),
    )
    audit = db.audit("demo", Version("1.0"))
    assert [(v.id, isinstance(v, Unevaluated)) for v in audit.vulnerabilities] == [
        ("PYSEC-1", False),
        ("PYSEC-2", True),
    ]
    assert audit.upgrade == "2.0"
    assert audit.upgrade_basis == (
        "all 1 known vulnerability of demo 1.0 (not the 1 advisory that cannot be evaluated)"
    )


def test_the_real_subset_has_nothing_that_cannot_be_evaluated() -> None:
    db, _ = load_database(snapshot())
    assert db.evidence()["ranges_not_read"] == 0 and db.skipped_events == 0
    for name, entries in db.by_package.items():
        versions = {v for e in entries for v in e.known_versions()} | {Version("0.0.1")}
        for version in versions:
            assert not any(isinstance(v, Unevaluated) for v in db.vulnerabilities(name, version)), (
                name,
                version,
            )


def test_an_unreadable_advisory_blocks_and_a_waiver_by_id_covers_it(
    repo: GitRepo, tmp_path: Path
) -> None:
    root = tmp_path / "db"
    database(
        root,
        doc("PYSEC-7", eco({"introduced": "0"}, kind="ECOSYTEM"), aliases=["CVE-7"]),
        doc("PYSEC-8", eco({"introduced": "abc"}, {"fixed": "2.0"})),
    )
    expires = (dt.date.today() + dt.timedelta(30)).isoformat()
    waiver = (
        "version: 1\nwaivers:\n  - id: CVE-7\n    package: demo\n    reason: checked\n"
        f"    owner: o@example.com\n    expires: {expires}\n"
    )
    repo.commit("policy", **{".releasegate.yml": waiver})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "demo==1.5\n"})
    out = tmp_path / "out.json"
    done = releasegate(
        *("run", "--repo", str(repo.root), "--only", "dependencies", "--no-progress"),
        *("--json", str(out), "--advisory-db", str(root)),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(load_report(out), "dependencies")
    waived, blocking = sorted(result["findings"], key=lambda f: f["rule_id"])
    assert waived["rule_id"] == "PYSEC-7" and waived["aliases"] == ["CVE-7"]
    assert waived["waived"] and not waived["blocking"] and waived["package"] == "demo"
    assert waived["message"].startswith("demo 1.5: cannot tell whether 1.5 is affected by ")
    assert "type 'ECOSYTEM'" in waived["message"] and "\n" not in waived["message"]
    assert blocking["rule_id"] == "PYSEC-8" and blocking["blocking"] and not blocking["waived"]
    assert "introduced 'abc' cannot be read as PEP 440" in blocking["message"]
    db_evidence = result["evidence"]["audit"]["advisory_db"]
    assert db_evidence["ranges_not_read"] == 1 and db_evidence["events_skipped"] == 1
    assert "PYSEC-8" in json.dumps(db_evidence["notes"])
