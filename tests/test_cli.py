"""End to end through the installed ``releasegate`` command on real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from rg_testlib import (
    FIXED_APP,
    SARIF_SCHEMA,
    VULNERABLE_APP,
    GitRepo,
    check,
    load_report,
    releasegate,
    report_schema,
)


def test_vulnerable_repo_is_blocked_with_the_bandit_finding(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    out = tmp_path / "report.json"
    sarif = tmp_path / "report.sarif"
    done = releasegate("run", "--repo", str(repo.root), "--json", str(out), "--sarif", str(sarif))
    assert done.returncode == 1, done.stderr
    report = load_report(out)
    assert report["decision"] == "block"
    assert report["schema"].startswith("releasegate-report/")
    assert report["release"]["commit"] == repo.head()
    bandit = check(report, "bandit")
    assert bandit["status"] == "fail"
    [finding] = [f for f in bandit["findings"] if f["rule_id"] == "B602"]
    assert finding["tool"] == "bandit"
    assert finding["path"] == "app.py"
    assert finding["line"] == 7
    assert finding["cwe"] == [78]
    assert finding["blocking"] is True
    # The review stage needs GitHub: without its environment it errors, it never passes.
    assert check(report, "review")["status"] == "error"
    assert "GITHUB_TOKEN is not set" in check(report, "review")["reasons"][0]
    sarif_doc = json.loads(sarif.read_text("utf-8"))
    jsonschema.validate(sarif_doc, json.loads(SARIF_SCHEMA.read_text("utf-8")))
    results = [r for run in sarif_doc["runs"] for r in run["results"]]
    assert any(r["ruleId"] == "B602" for r in results)
    assert "B602" in done.stdout  # the terminal view names the finding


def test_fixed_repo_passes_the_static_stage(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    repo.tag("v1.0")
    repo.commit("fix", **{"app.py": FIXED_APP})
    out = tmp_path / "report.json"
    done = releasegate("run", "--repo", str(repo.root), "--only", "static", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    report = load_report(out)
    assert report["decision"] == "partial-pass"  # --only static
    assert check(report, "bandit")["status"] == "pass"
    assert report["release"]["base_source"] == "release tag v1.0"


def _policy_repo(repo: GitRepo, policy: str) -> None:
    repo.commit("policy", **{".releasegate.yml": policy, "app.py": FIXED_APP})
    repo.tag("v1.0")
    repo.commit("work", **{"lib.py": "x = 1\n"})


def test_policy_typo_at_base_is_exit_2_naming_key_line_and_suggestion(repo: GitRepo) -> None:
    _policy_repo(repo, "version: 1\nreveiw:\n  required_approvals: 2\n")
    done = releasegate("run", "--repo", str(repo.root))
    assert done.returncode == 2
    assert ".releasegate.yml:2" in done.stderr
    assert "unknown key 'reveiw'" in done.stderr
    assert "did you mean 'review'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_policy_yaml_syntax_error_is_exit_2_with_the_line(repo: GitRepo) -> None:
    _policy_repo(repo, "version: 1\nstatic:\n  include: ['a.py'\n  exclude: []\n")
    done = releasegate("run", "--repo", str(repo.root))
    assert done.returncode == 2
    assert "YAML syntax error" in done.stderr
    assert ".releasegate.yml:4" in done.stderr
    assert "Traceback" not in done.stderr


def test_config_flag_errors_name_the_file(tmp_path: Path, repo: GitRepo) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    bad = tmp_path / "experiment.yml"
    bad.write_text("version: 1\nstatic:\n  bandit:\n    skipss: [B101]\n")
    done = releasegate("run", "--repo", str(repo.root), "--config", str(bad))
    assert done.returncode == 2
    assert f"{bad}:4: unknown key 'skipss' (did you mean 'skips'?)" in done.stderr


def test_weakening_the_policy_in_the_head_changes_nothing(repo: GitRepo, tmp_path: Path) -> None:
    strict = "version: 1\nstatic:\n  block_on:\n    - severity: high\n"
    weak = "version: 1\nstatic:\n  block_on:\n    - severity: none\n"
    repo.commit("policy", **{".releasegate.yml": strict, "app.py": FIXED_APP})
    repo.tag("v1.0")
    repo.commit("sneak", **{".releasegate.yml": weak, "app.py": VULNERABLE_APP})
    out = tmp_path / "report.json"
    done = releasegate("run", "--repo", str(repo.root), "--only", "static", "--json", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    report = load_report(out)
    assert report["decision"] == "block"
    assert report["policy"]["changed_in_range"] is True
    assert report["policy"]["trusted"] is True
    assert "(at base" in report["policy"]["source"]
    assert any("policy file changed in this range" in note for note in report["notes"])


def test_config_flag_policy_is_marked_untrusted(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    weak = tmp_path / "weak.yml"
    weak.write_text("version: 1\nstatic:\n  block_on:\n    - severity: critical\n")
    out = tmp_path / "report.json"
    done = releasegate(
        "run",
        "--repo",
        str(repo.root),
        "--only",
        "static",
        "--config",
        str(weak),
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = load_report(out)
    assert report["policy"]["trusted"] is False
    assert any("untrusted" in note for note in report["notes"])


@pytest.mark.fresh_cache
def test_broken_bandit_is_an_error_that_blocks(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    fake = tmp_path / "fakepython"
    fake.write_text("#!/bin/sh\necho 'Segmentation fault (core dumped) <<garbage>>'\nexit 2\n")
    fake.chmod(0o755)
    out = tmp_path / "report.json"
    done = releasegate(
        "run",
        "--repo",
        str(repo.root),
        "--only",
        "static",
        "--json",
        str(out),
        env={"RELEASEGATE_PYTHONS": str(fake)},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = load_report(out)
    bandit = check(report, "bandit")
    assert bandit["status"] == "error"
    assert len(bandit["reasons"]) == 1 and "\n" not in bandit["reasons"][0]
    assert report["decision"] == "block"


def test_dirty_work_tree_blocks(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    repo.write("app.py", FIXED_APP + "\n# local edit\n")
    out = tmp_path / "report.json"
    done = releasegate("run", "--repo", str(repo.root), "--only", "static", "--json", str(out))
    assert done.returncode == 1
    report = load_report(out)
    assert report["reasons"][0].startswith("uncommitted changes: cannot certify a release")


def test_summary_goes_to_the_github_step_summary(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("previous step\n")
    summary = tmp_path / "summary.md"
    done = releasegate(
        "run",
        "--repo",
        str(repo.root),
        "--only",
        "static",
        "--summary",
        str(summary),
        env={"GITHUB_STEP_SUMMARY": str(step_summary)},
    )
    assert done.returncode == 1
    written = step_summary.read_text("utf-8")
    assert written.startswith("previous step\n")
    assert summary.read_text("utf-8") in written
    assert "B602" in written


def test_unknown_only_value_is_a_usage_error(repo: GitRepo) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    done = releasegate("run", "--repo", str(repo.root), "--only", "statik")
    assert done.returncode == 2
    assert "--only statik: no such check or stage" in done.stderr


def test_not_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    done = releasegate("run", "--repo", str(tmp_path))
    assert done.returncode == 2
    assert "not a git repository" in done.stderr


def test_init_writes_a_valid_starter_policy_and_refuses_to_overwrite(
    repo: GitRepo, tmp_path: Path
) -> None:
    done = releasegate("init", "--repo", str(repo.root))
    assert done.returncode == 0, done.stderr
    policy = repo.root / ".releasegate.yml"
    assert policy.read_text().startswith("# releasegate policy, version 1.")
    assert releasegate("validate", str(policy)).returncode == 0
    again = releasegate("init", "--repo", str(repo.root))
    assert again.returncode == 2
    assert "already exists" in again.stderr
    nowhere = releasegate("init", "--repo", str(tmp_path / "not-a-repo"))
    assert nowhere.returncode == 2
    assert "not a git repository" in nowhere.stderr and "git init" in nowhere.stderr


def test_schema_command_prints_the_published_schemas() -> None:
    policy = json.loads(releasegate("schema", "policy").stdout)
    assert policy["additionalProperties"] is False
    report = json.loads(releasegate("schema", "report").stdout)
    assert report == report_schema()
    record = json.loads(releasegate("schema", "record").stdout)
    assert record["title"] == "releasegate release record (releasegate-record/2)"


@pytest.mark.parametrize("args", [["run", "--bogus"], ["nope"], []])
def test_bad_command_lines_exit_2(args: list[str]) -> None:
    assert releasegate(*args).returncode == 2
