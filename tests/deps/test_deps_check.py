"""The dependencies check end to end: the installed CLI on real git repositories."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from deps_helpers import (
    closed_port,
    copy_project,
    osv_service,
    reference_audit,
    reference_counts,
    run_dependencies,
    snapshot,
)
from rg_testlib import GitRepo, check

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

VULNERABLE = "django==3.2\npyyaml==5.1\n"


def run(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    return run_dependencies(repo, *args, env=env).report


def offline(repo: GitRepo, *args: str) -> dict[str, Any]:
    return run(repo, "--advisory-db", str(snapshot()), *args)


def expected_findings() -> set[tuple[str, str, int]]:
    """(rule id, package, line) that a plain reading of the snapshot gives for VULNERABLE."""
    found: set[tuple[str, str, int]] = set()
    for line, (package, version) in enumerate((("django", "3.2"), ("pyyaml", "5.1")), 1):
        ids, _ = reference_audit(snapshot(), package, version)
        found |= {(ident, package, line) for ident in ids}
    return found


def vulnerability_rows(result: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {
        (f["rule_id"], f["package"], f["line"])
        for f in result["findings"]
        if f["rule_id"] != "releasegate.unpinned-dependency"
    }


def policy(extra: str = "") -> str:
    return "version: 1\n" + extra


# --- acceptance 1 and 2: known pins, offline (policy or --advisory-db) and online ---------


def test_vulnerable_pins_block_with_exactly_the_snapshots_advisories(repo: GitRepo) -> None:
    repo.commit(
        "policy",
        **{".releasegate.yml": policy(f"dependencies:\n  advisory_db: {snapshot()}\n")},
    )
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    report = run(repo)
    result = check(report, "dependencies")
    assert report["decision"] == "block"
    assert result["status"] == "fail"
    assert vulnerability_rows(result) == expected_findings()
    assert all(f["blocking"] and f["tool"] == "osv" for f in result["findings"])
    _, django_fix = reference_audit(snapshot(), "django", "3.2")
    _, pyyaml_fix = reference_audit(snapshot(), "pyyaml", "5.1")
    for finding in result["findings"]:
        fix = django_fix if finding["package"] == "django" else pyyaml_fix
        assert finding["message"].endswith(f": {fix}"), finding["message"]
        assert finding["path"] == "requirements.txt"
        assert finding["confidence"] == "high"
    one = next(f for f in result["findings"] if f["rule_id"] == "PYSEC-2021-98")
    assert "CVE-2021-33203" in one["aliases"] and "GHSA-68w8-qjq3-2gfm" in one["aliases"]
    assert "Fixed in 2.2.24, 3.1.12, 3.2.4." in one["message"]
    evidence = result["evidence"]
    assert evidence["sources"] == [
        {
            "path": "requirements.txt",
            "kind": "requirements",
            "count": 2,
            "role": "found in the tree",
        }
    ]
    assert [(p["name"], p["version"], p["line"]) for p in evidence["packages"]] == [
        ("django", "3.2", 1),
        ("pyyaml", "5.1", 2),
    ]
    db = evidence["audit"]["advisory_db"]
    assert db["source"] == "dependencies.advisory_db"
    files, withdrawn = reference_counts(snapshot())
    assert db["files"] == files and withdrawn >= 10  # the subset keeps every withdrawn one
    assert (db["advisories"], db["withdrawn_skipped"]) == (files - withdrawn, withdrawn)
    assert set(evidence["timings"]) == {"read_sources", "load_advisories", "audit"}


def test_advisory_db_option_gives_the_same_result(repo: GitRepo) -> None:
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    result = check(offline(repo), "dependencies")
    assert result["status"] == "fail"
    assert vulnerability_rows(result) == expected_findings()
    assert result["evidence"]["audit"]["advisory_db"]["source"] == "--advisory-db"


def test_the_fingerprint_survives_moving_the_pin(repo: GitRepo) -> None:
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    before = {
        (f["rule_id"], f["fingerprint"]) for f in check(offline(repo), "dependencies")["findings"]
    }
    repo.commit("move", **{"requirements.txt": "# pinned\n\npyyaml==5.1\nDjango==3.2\n"})
    after = check(offline(repo), "dependencies")["findings"]
    assert {(f["rule_id"], f["fingerprint"]) for f in after} == before
    assert {f["line"] for f in after if f["package"] == "Django"} == {4}


@pytest.mark.slow
def test_online_without_network_is_an_error_never_a_clean_bill(repo: GitRepo) -> None:
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {name: proxy for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")}
    env.update(NO_PROXY="", no_proxy="", PIP_AUDIT_OSV_URL="")
    for service in ("osv", "pypi"):
        repo.commit(
            service, **{".releasegate.yml": policy(f"dependencies:\n  service: {service}\n")}
        )
        report = run(repo, "--config", str(repo.root / ".releasegate.yml"), env=env)
        result = check(report, "dependencies")
        assert report["decision"] == "block"
        assert result["status"] == "error"
        [reason] = result["reasons"]
        assert reason.startswith("dependencies: error: could not reach the vulnerability"), reason
        assert "no known vulnerabilities" not in str(report).lower()
        assert result["evidence"]["audit"]["mode"] == "online"


@pytest.mark.slow
def test_online_through_pip_audit_finds_the_same_advisories(repo: GitRepo) -> None:
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    with osv_service(snapshot()) as url:
        report = run(repo, env={"PIP_AUDIT_OSV_URL": url})
    result = check(report, "dependencies")
    assert result["status"] == "fail"
    assert {f["tool"] for f in result["findings"]} == {"pip-audit"}
    assert vulnerability_rows(result) == expected_findings()
    assert result["evidence"]["audit"]["pip_audit_version"]


# --- acceptance 3: withdrawn and last_affected, through the check --------------------------


def test_withdrawn_and_last_affected_advisories_in_a_run(repo: GitRepo, tmp_path: Path) -> None:
    db = tmp_path / "db"
    for package, ident in (("py", "PYSEC-2022-42969"), ("redis", "PYSEC-2023-73")):
        (db / "vulns" / package).mkdir(parents=True)
        shutil.copy(snapshot() / "vulns" / package / f"{ident}.yaml", db / "vulns" / package)
    repo.commit("deps", **{"requirements.txt": "py==1.11.0\nredis==4.5.0\n"})
    result = check(run(repo, "--advisory-db", str(db)), "dependencies")
    [finding] = result["findings"]
    assert (finding["rule_id"], finding["package"], finding["line"]) == (
        "PYSEC-2022-42969",
        "py",
        1,
    )
    assert finding["message"].endswith(
        "No fixed version known. Smallest upgrade fixing all 1 known vulnerability of py "
        "1.11.0: no fixed version known"
    )
    assert result["evidence"]["audit"]["advisory_db"]["withdrawn_skipped"] == 1
    repo.commit("upgrade", **{"requirements.txt": "py==1.11.1\nredis==4.5.0\n"})
    result = check(run(repo, "--advisory-db", str(db)), "dependencies")
    assert result["findings"] == [] and result["status"] == "pass"


# --- acceptance 4: waivers ----------------------------------------------------------------


def waiver_policy(expires: dt.date) -> str:
    return policy(
        "waivers:\n"
        "  - id: CVE-2021-33203\n"
        "    package: Django\n"
        "    reason: admindocs is not installed\n"
        "    owner: security@example.com\n"
        f"    expires: {expires.isoformat()}\n"
    )


@pytest.mark.parametrize("days", [60, -1])
def test_a_waiver_covers_one_vulnerability_until_it_expires(repo: GitRepo, days: int) -> None:
    repo.commit(
        "policy", **{".releasegate.yml": waiver_policy(dt.date.today() + dt.timedelta(days))}
    )
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    report = offline(repo)
    result = check(report, "dependencies")
    waived = [f for f in result["findings"] if f["waived"]]
    assert report["decision"] == "block"  # the other vulnerabilities still block
    if days > 0:
        [finding] = waived
        assert finding["rule_id"] == "PYSEC-2021-98" and not finding["blocking"]
        assert sum(f["blocking"] for f in result["findings"]) == len(result["findings"]) - 1
    else:
        assert waived == []
        assert all(f["blocking"] for f in result["findings"])
        assert any("expired" in str(r) for r in report["reason_tree"])


def test_a_waiver_expiring_soon_is_noted(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": waiver_policy(dt.date.today() + dt.timedelta(5))})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    report = offline(repo)
    assert any("expires on" in note for note in report["notes"])


def test_a_waiver_for_another_package_does_not_apply(repo: GitRepo) -> None:
    text = waiver_policy(dt.date.today() + dt.timedelta(60)).replace("Django", "flask")
    repo.commit("policy", **{".releasegate.yml": text})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    report = offline(repo)
    assert not any(f["waived"] for f in check(report, "dependencies")["findings"])
    assert any("stale" in note for note in report["notes"])


# --- acceptance 5: lock files -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "lock"), [("uv", "uv.lock"), ("poetry", "poetry.lock")])
def test_lock_projects_list_every_locked_package(repo: GitRepo, kind: str, lock: str) -> None:
    copy_project(kind, repo.root)
    repo.commit("project")
    result = check(offline(repo), "dependencies")
    data = tomllib.loads((repo.root / lock).read_text("utf-8"))
    locked = {
        (p["name"], p["version"]) for p in data["package"] if "editable" not in str(p.get("source"))
    }
    locked -= {("shop", "0.1.0")}  # the uv project itself: first-party
    listed = {(p["name"], p["version"]) for p in result["evidence"]["packages"]}
    assert listed == locked
    assert all(p["path"] == lock for p in result["evidence"]["packages"])
    assert result["evidence"]["unpinned"] == []  # the lock pins pyproject's ranges
    assert {s["path"] for s in result["evidence"]["sources"]} == {lock, "pyproject.toml"}
    pyyaml = next(p for p in result["evidence"]["packages"] if p["name"] == "pyyaml")
    ids, _ = reference_audit(snapshot(), "pyyaml", pyyaml["version"])
    assert ids
    found = {f["rule_id"] for f in result["findings"] if f["package"] == "pyyaml"}
    assert found == ids
    assert {f["line"] for f in result["findings"] if f["package"] == "pyyaml"} == {pyyaml["line"]}
    if kind == "uv":
        assert result["evidence"]["local_projects"][0]["name"] == "shop"


# --- acceptance 6: unpinned ---------------------------------------------------------------


def test_unpinned_blocks_in_release_mode_and_only_reports_in_pull_request_mode(
    repo: GitRepo,
) -> None:
    repo.commit("policy", **{".releasegate.yml": policy()})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "requests>=2.31\nidna==3.10\n"})
    release = check(offline(repo), "dependencies")
    [finding] = release["findings"]
    assert finding["rule_id"] == "releasegate.unpinned-dependency"
    assert finding["blocking"] and release["status"] == "fail"
    assert (finding["path"], finding["line"], finding["package"]) == (
        "requirements.txt",
        1,
        "requests",
    )
    assert finding["message"].startswith("requests>=2.31 is not pinned")
    assert "`requests==X.Y`" in finding["message"] and "pip-compile" in finding["message"]
    report = offline(repo, "--mode", "pull-request")
    pull = check(report, "dependencies")
    [finding] = pull["findings"]
    assert finding["rule_id"] == "releasegate.unpinned-dependency" and not finding["blocking"]
    assert pull["status"] == "pass" and report["decision"] == "partial-pass"


def test_policy_can_make_unpinned_a_warning_in_release_mode(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": policy("dependencies:\n  unpinned: warn\n")})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "requests>=2.31\n"})
    report = offline(repo)
    assert report["decision"] == "partial-pass"
    assert not check(report, "dependencies")["findings"][0]["blocking"]


# --- fail closed --------------------------------------------------------------------------


def test_no_dependency_files_pass_and_say_so(repo: GitRepo) -> None:
    repo.commit("code", **{"app.py": "print('hi')\n"})
    report = offline(repo)
    result = check(report, "dependencies")
    assert report["decision"] == "partial-pass" and result["status"] == "pass"
    assert result["evidence"]["note"].startswith("no dependency files found")
    assert result["evidence"]["sources"] == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"requirements.txt": "django==3.2\nnot a requirement!\n"}, "requirements.txt:2: "),
        ({"requirements.txt": "-r ../../etc/passwd\n"}, "leaves the repository"),
        ({"requirements.txt": "git+https://example.com/x.git#egg=x\n"}, "cannot audit"),
        ({"pyproject.toml": "[project\n"}, "pyproject.toml:1: TOML syntax error"),
    ],
)
def test_what_cannot_be_read_or_audited_is_an_error(
    repo: GitRepo, files: dict[str, str], expected: str
) -> None:
    repo.commit("deps", **files)
    report = offline(repo)
    result = check(report, "dependencies")
    assert report["decision"] == "block" and result["status"] == "error"
    assert any(expected in reason for reason in result["reasons"]), result["reasons"]


def test_a_missing_advisory_db_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("deps", **{"requirements.txt": VULNERABLE})
    result = check(run(repo, "--advisory-db", str(tmp_path / "nowhere")), "dependencies")
    assert result["status"] == "error"
    assert "no such directory" in result["reasons"][0]


def test_excluded_dependency_files_are_not_read(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": policy("dependencies:\n  exclude: ['docs/']\n")})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "idna==3.10\n", "docs/requirements.txt": "sphinx\n"})
    result = check(offline(repo), "dependencies")
    assert [s["path"] for s in result["evidence"]["sources"]] == ["requirements.txt"]
    assert result["status"] == "pass"


def test_policy_advisory_db_is_relative_to_the_repository_root(repo: GitRepo) -> None:
    target = repo.root / "advisories" / "vulns" / "py"
    target.mkdir(parents=True)
    shutil.copy(snapshot() / "vulns" / "py" / "PYSEC-2022-42969.yaml", target)
    repo.commit(
        "policy", **{".releasegate.yml": policy("dependencies:\n  advisory_db: advisories\n")}
    )
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "py==1.10.0\n"})
    result = check(run(repo), "dependencies")
    assert [f["rule_id"] for f in result["findings"]] == ["PYSEC-2022-42969"]
    db = result["evidence"]["audit"]["advisory_db"]
    assert Path(db["path"]) == (repo.root / "advisories").resolve()
    assert db["files"] == 1
    assert db["inside_repository"] == "advisories" and db["changed_in_range"] is False
