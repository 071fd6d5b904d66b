"""The offline advisory database: OSV range semantics, aliases, upgrades, loading."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from deps_helpers import reference_audit, snapshot
from packaging.version import Version

from releasegate.deps.cvss import base_score, rating
from releasegate.deps.osv import AdvisoryDatabase, load_database, preferred_id
from releasegate.deps.pins import AdvisoryDBError
from releasegate.model import Severity


def advisory(
    ident: str,
    events: list[dict[str, str]] | None = None,
    *,
    package: str = "demo",
    versions: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"name": package, "ecosystem": "PyPI"}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return {"id": ident, "modified": "2024-01-01T00:00:00Z", "affected": [affected], **extra}


def database(root: Path, *docs: dict[str, Any], as_json: bool = False) -> AdvisoryDatabase:
    for doc in docs:
        package = doc["affected"][0]["package"]["name"] if doc.get("affected") else "none"
        folder = root / "vulns" / package
        folder.mkdir(parents=True, exist_ok=True)
        if as_json:
            (folder / f"{doc['id']}.json").write_text(json.dumps(doc))
        else:
            (folder / f"{doc['id']}.yaml").write_text(yaml.safe_dump(doc))
    db, _ = load_database(root)
    return db


def ids(db: AdvisoryDatabase, version: str, package: str = "demo") -> list[str]:
    return [v.id for v in db.vulnerabilities(package, Version(version))]


# --- ranges -------------------------------------------------------------------------------


def test_introduced_and_fixed_bound_a_half_open_interval(tmp_path: Path) -> None:
    db = database(tmp_path, advisory("PYSEC-1", [{"introduced": "1.0"}, {"fixed": "1.2"}]))
    assert ids(db, "0.9") == []
    assert ids(db, "1.0") == ["PYSEC-1"]
    assert ids(db, "1.1.9") == ["PYSEC-1"]
    assert ids(db, "1.2rc1") == ["PYSEC-1"]  # PEP 440: a pre-release of 1.2 is before 1.2
    assert ids(db, "1.2") == []
    assert ids(db, "1.2.0") == []
    assert ids(db, "2.0") == []


def test_introduced_zero_is_before_every_version(tmp_path: Path) -> None:
    db = database(tmp_path, advisory("PYSEC-1", [{"introduced": "0"}, {"fixed": "2.0"}]))
    assert ids(db, "0.0.1.dev1") == ["PYSEC-1"]
    assert ids(db, "1.99") == ["PYSEC-1"]
    assert ids(db, "2.0") == []


def test_several_intervals_in_one_range_in_any_order(tmp_path: Path) -> None:
    events = [
        {"fixed": "3.2.4"},
        {"introduced": "3.2"},
        {"introduced": "0"},
        {"fixed": "2.2.24"},
        {"introduced": "3.0"},
        {"fixed": "3.1.12"},
    ]
    db = database(tmp_path, advisory("PYSEC-1", events))
    affected = {"2.2.23", "3.0", "3.1.11", "3.2", "3.2.3"}
    clean = {"2.2.24", "2.2.99", "3.1.12", "3.1.99", "3.2.4", "4.0"}
    assert {v for v in affected | clean if ids(db, v)} == affected


def test_last_affected_is_inclusive(tmp_path: Path) -> None:
    db = database(tmp_path, advisory("PYSEC-1", [{"introduced": "0"}, {"last_affected": "1.11.0"}]))
    assert ids(db, "1.11.0") == ["PYSEC-1"]
    assert ids(db, "1.11") == ["PYSEC-1"]  # PEP 440: 1.11 is 1.11.0
    assert ids(db, "1.11.0.post1") == []
    assert ids(db, "1.11.1") == []


def test_open_range_affects_every_later_version(tmp_path: Path) -> None:
    db = database(tmp_path, advisory("PYSEC-1", [{"introduced": "2.0"}]))
    assert ids(db, "1.9") == []
    assert ids(db, "99.0") == ["PYSEC-1"]


def test_limit_bounds_a_range_from_above(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        advisory("PYSEC-1", [{"introduced": "1.0"}, {"limit": "1.5"}]),
        advisory("PYSEC-2", [{"introduced": "1.0"}, {"limit": "*"}]),
    )
    assert ids(db, "1.4") == ["PYSEC-1", "PYSEC-2"]
    assert ids(db, "1.5") == ["PYSEC-2"]


def test_explicit_versions_list_uses_pep440_equality(tmp_path: Path) -> None:
    db = database(tmp_path, advisory("PYSEC-1", versions=["1.0", "1.2.0"]))
    assert ids(db, "1.0.0") == ["PYSEC-1"]
    assert ids(db, "1.2") == ["PYSEC-1"]
    assert ids(db, "1.1") == []


def test_git_ranges_are_left_to_the_versions_list(tmp_path: Path) -> None:
    doc = advisory("PYSEC-1", versions=["1.0"])
    doc["affected"][0]["ranges"] = [
        {"type": "GIT", "repo": "https://example.com/x", "events": [{"introduced": "0"}]}
    ]
    db = database(tmp_path, doc)
    assert ids(db, "1.0") == ["PYSEC-1"]
    assert ids(db, "2.0") == []


def test_withdrawn_advisories_are_ignored_and_counted(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        advisory("PYSEC-1", [{"introduced": "0"}], withdrawn="2024-01-02T00:00:00Z"),
        advisory("PYSEC-2", [{"introduced": "0"}, {"fixed": "2.0"}]),
    )
    assert ids(db, "1.0") == ["PYSEC-2"]
    assert db.withdrawn == 1
    assert db.advisories == 1


def test_only_pypi_entries_count_and_names_are_normalised(tmp_path: Path) -> None:
    npm = advisory("GHSA-aaaa-bbbb-cccc", [{"introduced": "0"}], package="demo")
    npm["affected"][0]["package"]["ecosystem"] = "npm"
    db = database(
        tmp_path,
        npm,
        advisory("PYSEC-2", [{"introduced": "0"}], package="Zope.Interface"),
    )
    assert ids(db, "1.0") == []
    assert db.other_ecosystems == 1
    assert ids(db, "1.0", package="zope-interface") == ["PYSEC-2"]
    assert ids(db, "1.0", package="ZOPE_interface") == ["PYSEC-2"]


def test_an_unparseable_event_is_skipped_with_a_note(tmp_path: Path) -> None:
    events = [{"introduced": "0"}, {"fixed": "0.2.0-n653"}, {"introduced": "1.0"}, {"fixed": "1.1"}]
    db = database(tmp_path, advisory("PYSEC-1", events))
    assert db.skipped_events == 1
    assert any("'0.2.0-n653' is not a PEP 440 version" in note for note in db.notes)
    # The fixed event is gone, so (failing safe) everything before 1.1 is reported: as
    # not evaluable (an Unevaluated under the advisory's id), since 0.2.0-n653 may fix it.
    assert ids(db, "0.5") == ["PYSEC-1"]
    assert ids(db, "1.1") == []


# --- aliases, severity, upgrades ----------------------------------------------------------


def test_advisories_that_alias_each_other_are_one_finding(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        advisory(
            "GHSA-xxxx-yyyy-zzzz",
            [{"introduced": "0"}, {"fixed": "1.5"}],
            aliases=["CVE-2024-1"],
            summary="from GHSA",
            database_specific={"severity": "MODERATE", "cwe_ids": ["CWE-79", "CWE-80"]},
        ),
        advisory(
            "PYSEC-2024-1",
            [{"introduced": "0"}, {"fixed": "1.4"}],
            aliases=["GHSA-xxxx-yyyy-zzzz", "CVE-2024-1"],
            details="From PYSEC. More text.",
        ),
        advisory("PYSEC-2024-2", [{"introduced": "0"}, {"fixed": "1.3"}]),
    )
    found = db.vulnerabilities("demo", Version("1.0"))
    assert [v.id for v in found] == ["PYSEC-2024-1", "PYSEC-2024-2"]
    merged = found[0]
    assert merged.aliases == ("CVE-2024-1", "GHSA-xxxx-yyyy-zzzz")
    assert merged.summary == "From PYSEC."
    assert merged.fixed == ("1.4", "1.5")
    assert merged.severity is Severity.MEDIUM
    assert merged.cwe == (79, 80)
    assert found[1].severity is Severity.HIGH  # unknown: a known vulnerability is serious


def test_merged_aliases_carry_the_earliest_published_and_the_latest_modified(
    tmp_path: Path,
) -> None:
    """``releasegate watch`` compares both with the release date: an advisory imported or
    widened (``modified``) after a release was not known when it shipped."""
    db = database(
        tmp_path,
        advisory(
            "GHSA-xxxx-yyyy-zzzz",
            [{"introduced": "0"}],
            aliases=["PYSEC-2024-1"],
            published="2020-01-01T00:00:00Z",
            modified="2023-05-01T00:00:00Z",
        ),
        advisory(
            "PYSEC-2024-1",
            [{"introduced": "0"}],
            published="2021-01-01T00:00:00Z",
            modified="2022-01-01T00:00:00Z",
        ),
        advisory("PYSEC-2024-2", [{"introduced": "0"}], modified="not a time"),
    )
    merged, unreadable = db.vulnerabilities("demo", Version("1.0"))
    assert merged.published is not None and merged.published.isoformat().startswith("2020-01-01")
    assert merged.modified is not None and merged.modified.isoformat().startswith("2023-05-01")
    assert unreadable.modified is None  # unreadable: unknown (watch counts it as new)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"CVE-1", "GHSA-b", "PYSEC-2"}, "PYSEC-2"),
        ({"CVE-1", "GHSA-b", "GHSA-a"}, "GHSA-a"),
        ({"OSV-9", "CVE-1"}, "CVE-1"),
    ],
)
def test_the_reported_id_prefers_pysec_then_ghsa(names: set[str], expected: str) -> None:
    assert preferred_id(names) == expected


def test_smallest_upgrade_fixes_every_known_vulnerability(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        advisory("PYSEC-1", [{"introduced": "0"}, {"fixed": "1.2"}]),
        advisory("PYSEC-2", [{"introduced": "1.1"}, {"fixed": "1.4"}]),
        advisory("PYSEC-3", [{"introduced": "2.0"}, {"fixed": "2.1"}]),
        advisory("PYSEC-4", [{"introduced": "1.5"}, {"fixed": "1.6rc1"}, {"fixed": "1.6"}]),
    )
    audit = db.audit("demo", Version("1.0"))
    assert [v.id for v in audit.vulnerabilities] == ["PYSEC-1"]
    # 1.2 is inside PYSEC-2, 1.6rc1 is a pre-release while 1.4 is a clean final release.
    assert audit.upgrade == "1.4"
    assert audit.upgrade_basis == "all 1 known vulnerability of demo 1.0"
    assert db.audit("demo", Version("2.0")).upgrade == "2.1"


def test_smallest_upgrade_past_last_affected_and_none_when_unfixed(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        advisory("PYSEC-1", [{"introduced": "0"}, {"last_affected": "1.3"}]),
        advisory("PYSEC-2", [{"introduced": "1.0"}, {"fixed": "1.3"}, {"introduced": "1.3.2"}]),
        advisory("PYSEC-5", [{"introduced": "0"}, {"fixed": "1.3.1"}], package="x"),
        advisory("PYSEC-3", [{"introduced": "5.0"}], package="other"),
    )
    audit = db.audit("demo", Version("1.2"))
    assert [v.id for v in audit.vulnerabilities] == ["PYSEC-1", "PYSEC-2"]
    # 1.3 (fixed for PYSEC-2) is still last_affected by PYSEC-1; nothing after 1.3.2 is fixed.
    assert audit.upgrade is None
    unfixed = db.audit("other", Version("5.1"))
    assert [v.id for v in unfixed.vulnerabilities] == ["PYSEC-3"]
    assert unfixed.upgrade is None
    assert db.audit("x", Version("1.0")).upgrade == "1.3.1"


def test_cvss_vectors_give_the_severity(tmp_path: Path) -> None:
    critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    low = "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N"
    db = database(
        tmp_path,
        advisory(
            "PYSEC-1", [{"introduced": "0"}], severity=[{"type": "CVSS_V3", "score": critical}]
        ),
        advisory("PYSEC-2", [{"introduced": "0"}], severity=[{"type": "CVSS_V3", "score": low}]),
        advisory("PYSEC-3", [{"introduced": "0"}], severity=[{"type": "CVSS_V4", "score": "x"}]),
    )
    found = {v.id: v.severity for v in db.vulnerabilities("demo", Version("1"))}
    assert found == {
        "PYSEC-1": Severity.CRITICAL,
        "PYSEC-2": Severity.LOW,
        "PYSEC-3": Severity.HIGH,
    }


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.8),
        ("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
        ("CVSS:2.0/AV:N", None),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", None),
        ("CVSS:3.1/AV:N/AC:L", None),
    ],
)
def test_cvss_base_scores_match_the_specification(vector: str, score: float | None) -> None:
    assert base_score(vector) == score


def test_cvss_ratings() -> None:
    assert [rating(s) for s in (0.0, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0)] == [
        Severity.LOW,
        Severity.LOW,
        Severity.MEDIUM,
        Severity.MEDIUM,
        Severity.HIGH,
        Severity.HIGH,
        Severity.CRITICAL,
        Severity.CRITICAL,
    ]


# --- loading ------------------------------------------------------------------------------


def test_osv_json_files_are_read_too(tmp_path: Path) -> None:
    db = database(tmp_path, advisory("GHSA-aaaa-bbbb-cccc", [{"introduced": "0"}]), as_json=True)
    assert ids(db, "1.0") == ["GHSA-aaaa-bbbb-cccc"]


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDBError, match="no such directory"):
        load_database(tmp_path / "nowhere")


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "vulns").mkdir()
    with pytest.raises(AdvisoryDBError, match="no advisory files"):
        load_database(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: [unclosed\n", "cannot be read"),
        ("- just a list\n", "not an OSV document"),
        ("summary: no id\n", "no `id`"),
        ("id: PYSEC-1\naffected: {}\n", "`affected` is not a list"),
        (
            "id: PYSEC-1\naffected:\n- package: {name: x, ecosystem: PyPI}\n"
            "  ranges: [{type: ECOSYSTEM, events: [{introduced: '0', fixed: '1'}]}]\n",
            "one-key mapping",
        ),
    ],
)
def test_a_malformed_advisory_makes_the_database_unusable(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "vulns" / "x").mkdir(parents=True)
    (tmp_path / "vulns" / "x" / "PYSEC-1.yaml").write_text(text)
    with pytest.raises(AdvisoryDBError, match=expected) as info:
        load_database(tmp_path)
    assert "PYSEC-1.yaml" in str(info.value)


def test_loaded_once_and_reloaded_when_a_file_changes(tmp_path: Path) -> None:
    first = database(tmp_path, advisory("PYSEC-1", [{"introduced": "0"}]))
    again, cached = load_database(tmp_path)
    assert cached and again is first
    target = tmp_path / "vulns" / "demo" / "PYSEC-1.yaml"
    target.write_text(yaml.safe_dump(advisory("PYSEC-1", [{"introduced": "5.0"}])))
    os.utime(target, ns=(1, 1))
    reloaded, cached = load_database(tmp_path)
    assert not cached and reloaded is not first
    assert ids(reloaded, "1.0") == []


# --- the real snapshot --------------------------------------------------------------------


def test_real_last_affected_advisory_of_py(tmp_path: Path) -> None:
    """PYSEC-2022-42969 (py): introduced 0, last_affected 1.11.0, nothing fixed."""
    source = snapshot() / "vulns" / "py" / "PYSEC-2022-42969.yaml"
    assert "last_affected" in source.read_text()
    (tmp_path / "vulns" / "py").mkdir(parents=True)
    shutil.copy(source, tmp_path / "vulns" / "py")
    db, _ = load_database(tmp_path)
    affected = db.audit("py", Version("1.11.0"))
    assert [v.id for v in affected.vulnerabilities] == ["PYSEC-2022-42969"]
    assert set(affected.vulnerabilities[0].aliases) == {"CVE-2022-42969", "GHSA-w596-4wvx-j9j6"}
    assert affected.vulnerabilities[0].fixed == ()
    assert affected.upgrade is None
    assert db.audit("py", Version("1.11.1")).vulnerabilities == ()


def test_real_withdrawn_advisory_of_redis(tmp_path: Path) -> None:
    """PYSEC-2023-73 (redis) affects every version but was withdrawn."""
    source = snapshot() / "vulns" / "redis" / "PYSEC-2023-73.yaml"
    assert "withdrawn" in source.read_text()
    (tmp_path / "vulns" / "redis").mkdir(parents=True)
    shutil.copy(source, tmp_path / "vulns" / "redis")
    other = advisory("PYSEC-0000-1", [{"introduced": "0"}, {"fixed": "1"}], package="other")
    (tmp_path / "vulns" / "other").mkdir()
    (tmp_path / "vulns" / "other" / "PYSEC-0000-1.yaml").write_text(yaml.safe_dump(other))
    db, _ = load_database(tmp_path)
    assert db.withdrawn == 1
    assert db.audit("redis", Version("4.5.0")).vulnerabilities == ()


@pytest.mark.parametrize(
    ("package", "version"),
    [("django", "3.2"), ("pyyaml", "5.1"), ("jinja2", "2.10"), ("requests", "2.19.1")],
)
def test_snapshot_audit_agrees_with_a_plain_reading(package: str, version: str) -> None:
    db, _ = load_database(snapshot())
    audit = db.audit(package, Version(version))
    expected_ids, expected_upgrade = reference_audit(snapshot(), package, version)
    assert expected_ids, "the reference found nothing: the data changed?"
    assert {v.id for v in audit.vulnerabilities} == expected_ids
    assert audit.upgrade == expected_upgrade
