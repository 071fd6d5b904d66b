"""Custom stages: any name, a known result format; SARIF errors block."""

from __future__ import annotations

import json

from rg_testlib import GitRepo, releasegate
from stage_helpers import reasons, run_gate, stage, with_policy, write_untracked

SYSTEM_POLICY = (
    "version: 1\n"
    "stages:\n"
    "  functional:\n"
    "    required: false\n"
    "  system:\n"
    "    command: [python, scripts/system_check.py]\n"
    "    results: build/system.sarif\n"
    "    format: sarif\n"
)

# A system test harness that reports in SARIF: one error, one warning.
SYSTEM_CHECK = """import json
from pathlib import Path

log = {
    "version": "2.1.0",
    "runs": [{
        "tool": {"driver": {"name": "syscheck", "rules": [
            {"id": "SYS001", "helpUri": "https://example.com/SYS001",
             "defaultConfiguration": {"level": "error"}},
            {"id": "SYS002"},
        ]}},
        "results": [
            {"ruleId": "SYS001", "message": {"text": "login accepts an empty password"},
             "locations": [{"physicalLocation": {
                 "artifactLocation": {"uri": "app/auth.py"},
                 "region": {"startLine": 2}}}]},
            {"ruleId": "SYS002", "level": "warning",
             "message": {"text": "slow start-up"}},
        ],
    }],
}
Path("build").mkdir(exist_ok=True)
Path("build/system.sarif").write_text(json.dumps(log))
"""

AUTH = "def login(user, password):\n    return user is not None\n"


def test_a_sarif_error_blocks_and_the_result_is_shown(repo: GitRepo) -> None:
    with_policy(
        repo,
        SYSTEM_POLICY,
        **{".gitignore": "build/\n", "scripts/system_check.py": SYSTEM_CHECK},
    )
    repo.commit("auth", **{"app/auth.py": AUTH})
    done, report = run_gate(repo, "system")
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["decision"] == "block"
    system = stage(report, "system")
    assert system["stage"] == "custom"
    assert system["status"] == "fail"
    [finding] = system["findings"]
    assert finding["tool"] == "syscheck"
    assert finding["rule_id"] == "SYS001"
    assert finding["path"] == "app/auth.py"
    assert finding["line"] == 2
    assert finding["message"] == "login accepts an empty password"
    assert finding["blocking"] is True
    assert finding["help_uri"] == "https://example.com/SYS001"
    [tree] = [r for r in report["reason_tree"] if r["check"] == "system"]
    assert "login accepts an empty password" in tree["children"][0]["message"]
    assert "SYS001" in done.stdout  # the terminal view shows it too
    evidence = system["evidence"]
    assert evidence["results_by_level"] == {"none": 0, "note": 0, "warning": 1, "error": 1}
    assert evidence["warnings_and_notes"][0]["rule_id"] == "SYS002"
    assert "slow start-up" not in reasons(report)  # a warning does not block


def test_a_clean_sarif_passes_and_warnings_are_evidence(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  functional:\n    required: false\n"
        "  scan:\n    results: out/scan.sarif\n    format: sarif\n"
    )
    with_policy(repo, policy, **{".gitignore": "out/\n"})
    repo.commit("work", **{"app.py": "x = 1\n"})
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "scanner"}},
                "results": [{"ruleId": "W1", "level": "note", "message": {"text": "style"}}],
            }
        ],
    }
    write_untracked(repo, "out/scan.sarif", json.dumps(sarif))
    done, report = run_gate(repo, "scan")
    assert done.returncode == 0, done.stdout + done.stderr
    scan = stage(report, "scan")
    assert scan["status"] == "pass"
    assert scan["findings"] == []
    assert scan["evidence"]["results_by_level"]["note"] == 1
    assert scan["evidence"]["results"]["source"] == "left by an earlier job"


def test_a_failed_scanner_run_is_an_error(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  functional:\n    required: false\n"
        "  dast:\n    results: out/dast.sarif\n    format: sarif\n"
    )
    with_policy(repo, policy, **{".gitignore": "out/\n"})
    repo.commit("work", **{"app.py": "x = 1\n"})
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "zap"}},
                "invocations": [{"executionSuccessful": False}],
                "results": [],
            }
        ],
    }
    write_untracked(repo, "out/dast.sarif", json.dumps(sarif))
    done, report = run_gate(repo, "dast")
    assert done.returncode == 1
    dast = stage(report, "dast")
    assert dast["status"] == "error"
    assert "executionSuccessful: false" in dast["reasons"][0]


def test_custom_stages_run_with_the_whole_gate_and_by_stage_name(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  functional:\n    required: false\n"
        "  e2e:\n    command: [python, -c, 'print(1)']\n    format: exit-code\n"
        "  ux:\n    command: [python, -c, 'print(2)']\n    format: exit-code\n"
        "    required: false\n"
    )
    with_policy(repo, policy)
    repo.commit("work", **{"app.py": "x = 1\n"})
    done, report = run_gate(repo, "custom")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [c["id"] for c in report["checks"]] == ["e2e"]
    done, report = run_gate(repo, "ux")
    assert stage(report, "ux")["status"] == "skipped"
    assert stage(report, "ux")["reasons"] == [
        "ux: skipped: the policy does not require the ux stage"
    ]


def test_unknown_only_names_list_the_custom_stages(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  e2e:\n    command: [python, -c, 'print(1)']\n"
        "    format: exit-code\n"
    )
    with_policy(repo, policy)
    done = releasegate("run", "--repo", str(repo.root), "--only", "e2f")
    assert done.returncode == 2
    assert "--only e2f: no such check or stage" in done.stderr
    assert "custom stages: e2e" in done.stderr


def test_a_custom_stage_may_not_take_a_check_id(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  bandit:\n    command: [python, -c, 'print(1)']\n"
        "    format: exit-code\n"
    )
    with_policy(repo, policy)
    done = releasegate("run", "--repo", str(repo.root), "--only", "functional")
    assert done.returncode == 2
    assert "stages.bandit: 'bandit' is the id of a built-in check" in done.stderr
