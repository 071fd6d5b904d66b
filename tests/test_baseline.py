"""The baseline accepts known findings by fingerprint; new ones still block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import GitRepo, check, load_report, releasegate

from releasegate.baseline import parse_baseline
from releasegate.errors import ConfigError

APP = """import subprocess


def run(user_input):
    cmd = "ls " + user_input
    return subprocess.call(cmd, shell=True)
"""

NEW_VULN = """

def other(user_input):
    return subprocess.Popen("cat " + user_input, shell=True)
"""

REFORMATTED = """import subprocess

def run( user_input ):
    cmd = 'ls ' + user_input  # build the command
    return subprocess.call(
        cmd,
        shell=True,
    )
"""


def _gate(repo: GitRepo, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"r{len(list(tmp_path.glob('r*.json')))}.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--json", str(out), *extra
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, load_report(out)


def _baselined_repo(repo: GitRepo) -> None:
    repo.commit("legacy", **{"app.py": APP})
    done = releasegate("baseline", "--repo", str(repo.root), "--reason", "legacy, ticket SEC-1")
    assert done.returncode == 0, done.stderr
    assert "3 finding(s) accepted (3 new, 0 dropped)" in done.stdout  # B404, B602, semgrep
    repo.commit("baseline")
    repo.tag("v1.0")


def test_after_baseline_the_gate_passes(repo: GitRepo, tmp_path: Path) -> None:
    _baselined_repo(repo)
    data = json.loads((repo.root / ".releasegate-baseline.json").read_text())
    [entry] = [e for e in data["entries"] if e["rule_id"] == "B602"]
    assert entry["owner"] == "author@example.com" and entry["reason"] == "legacy, ticket SEC-1"
    repo.commit("unrelated", **{"README.md": "docs\n"})
    code, report = _gate(repo, tmp_path)
    assert code == 0, report["reasons"]
    [b602] = [f for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"]
    assert b602["new"] is False and b602["blocking"] is False
    assert report["baseline"]["matched"] >= 1


def test_one_new_vulnerable_line_blocks_on_exactly_that_finding(
    repo: GitRepo, tmp_path: Path
) -> None:
    _baselined_repo(repo)
    repo.commit("new code", **{"app.py": APP + NEW_VULN})
    code, report = _gate(repo, tmp_path)
    assert code == 1
    blocking = [f for f in check(report, "bandit")["findings"] if f["blocking"]]
    assert [(f["rule_id"], f["line"], f["new"]) for f in blocking] == [("B602", 10, True)]


def test_reformatting_creates_no_new_finding(repo: GitRepo, tmp_path: Path) -> None:
    _baselined_repo(repo)
    repo.commit("black", **{"app.py": REFORMATTED})
    code, report = _gate(repo, tmp_path)
    assert code == 0, report["reasons"]
    assert not [f for f in check(report, "bandit")["findings"] if f["new"] and f["blocking"]]


def test_a_second_identical_finding_in_the_same_file_is_new(repo: GitRepo, tmp_path: Path) -> None:
    _baselined_repo(repo)
    twice = APP + APP.split("\n", 2)[2].replace("def run(", "def run2(")
    repo.commit("copy", **{"app.py": twice})
    code, report = _gate(repo, tmp_path)
    assert code == 1
    blocking = [f for f in check(report, "bandit")["findings"] if f["blocking"]]
    assert len(blocking) == 1 and blocking[0]["new"] is True


def test_a_baseline_change_inside_the_range_blocks_until_signed_off(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("legacy", **{"app.py": APP})
    repo.tag("v1.0")
    repo.commit("more", **{"app.py": APP + NEW_VULN})
    releasegate("baseline", "--repo", str(repo.root), "--reason", "sneak it in")
    repo.commit("baseline everything")
    code, report = _gate(repo, tmp_path)
    assert code == 1
    assert any(
        "baseline .releasegate-baseline.json changed in this range" in r for r in report["reasons"]
    )
    assert report["baseline"]["changed_in_range"] is True


def test_pull_request_mode_judges_only_changed_files(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("legacy", **{"legacy.py": APP})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", **{"feature.py": "x = 1\n"})
    code, report = _gate(repo, tmp_path, "--mode", "pull-request")
    assert code == 0, report["reasons"]
    assert report["release"]["mode"] == "pull-request"
    assert check(report, "bandit")["evidence"]["files_in_scope"] == 1
    release_code, _ = _gate(repo, tmp_path)
    assert release_code == 1  # the release still carries legacy.py's finding


def test_release_mode_can_block_every_unbaselined_finding(repo: GitRepo, tmp_path: Path) -> None:
    policy = "version: 1\nstatic:\n  release_blocks_unbaselined: true\n"
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("low", **{"app.py": "import subprocess\n"})  # B404: low severity
    code, report = _gate(repo, tmp_path)
    assert code == 1
    [b404] = check(report, "bandit")["findings"]
    assert b404["severity"] == "low" and b404["blocking"] is True
    pr_code, _ = _gate(repo, tmp_path, "--mode", "pull-request")
    assert pr_code == 0


def test_a_malformed_baseline_is_a_configuration_error(repo: GitRepo) -> None:
    repo.commit(
        "bad",
        **{
            "app.py": "x = 1\n",
            ".releasegate-baseline.json": '{"version": 1, "entries": [{"x": 1}]}',
        },
    )
    done = releasegate("run", "--repo", str(repo.root), "--only", "bandit")
    assert done.returncode == 2
    assert ".releasegate-baseline.json: invalid baseline at entries.0" in done.stderr


def _entry(fingerprint: str, line: int) -> dict[str, Any]:
    return {
        "fingerprint": fingerprint,
        "tool": "bandit",
        "rule_id": "B602",
        "path": "app.py",
        "line": line,
        "owner": "alice@example.com",
        "reason": "legacy, ticket SEC-1",
        "added": "2026-01-01",
    }


def test_a_fingerprint_listed_twice_is_a_configuration_error_naming_it() -> None:
    """Repeated occurrences have fingerprints of their own (numbered per file), so the
    same fingerprint twice is never meaningful: a hand edit or a bad merge."""
    doubled = {"version": 1, "entries": [_entry("sha256:" + "a" * 16, 6)] * 2}
    with pytest.raises(ConfigError) as raised:
        parse_baseline(json.dumps(doubled).encode(), ".releasegate-baseline.json")
    assert raised.value.message == (
        f".releasegate-baseline.json: fingerprint sha256:{'a' * 16} is listed twice"
    )


def test_two_occurrences_with_their_own_fingerprints_are_two_entries() -> None:
    two = {
        "version": 1,
        "entries": [_entry("sha256:" + "a" * 16, 6), _entry("sha256:" + "b" * 16, 9)],
    }
    baseline = parse_baseline(json.dumps(two).encode(), ".releasegate-baseline.json")
    assert set(baseline.entries) == {"sha256:" + "a" * 16, "sha256:" + "b" * 16}


def test_a_baseline_with_a_duplicated_entry_stops_the_gate(repo: GitRepo) -> None:
    _baselined_repo(repo)
    path = repo.root / ".releasegate-baseline.json"
    data = json.loads(path.read_text())
    [entry] = [e for e in data["entries"] if e["rule_id"] == "B602"]
    data["entries"].append(entry)
    repo.commit("duplicate", **{".releasegate-baseline.json": json.dumps(data, indent=2)})
    done = releasegate("run", "--repo", str(repo.root), "--only", "bandit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        f".releasegate-baseline.json: fingerprint {entry['fingerprint']} is listed twice"
        in done.stderr
    )
