"""Fail-open paths of the verdict: partial runs, suppressions added in the range, a static
stage that can never block. Each was a PASS of a vulnerable commit before."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from rg_testlib import FIXED_APP, STATIC_ONLY_POLICY, GitRepo, check, load_report, releasegate

SUPPRESSED_BASE = """import os


def run(cmd):
    return os.system("ls")  # nosec B605 -- constant command
"""


def _gate(repo: GitRepo, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = repo.root.parent / "report.json"
    out.unlink(missing_ok=True)
    done = releasegate("run", "--repo", str(repo.root), "--json", str(out), *extra)
    assert out.is_file(), done.stdout + done.stderr
    return done, load_report(out)


def test_a_partial_run_never_certifies(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit(
        "policy",
        **{".releasegate.yml": STATIC_ONLY_POLICY.replace("signoff:\n  required: false\n", "")},
    )
    repo.tag("v1")
    repo.commit("app", **{"app.py": FIXED_APP})
    attestation = tmp_path / "vsa.json"
    audit = tmp_path / "audit.jsonl"
    done, report = _gate(
        repo,
        "--only",
        "suppressions",
        "--attestation",
        str(attestation),
        "--audit-log",
        str(audit),
        "--summary",
        str(tmp_path / "summary.md"),
    )
    assert done.returncode == 0, done.stdout + done.stderr  # local feedback stays green
    assert report["decision"] == "partial-pass"
    assert report["scope"] == "partial"
    # Not run: the rest of the static stage too (one check of a stage is not the stage).
    assert {"bandit", "semgrep", "signoff"} <= set(report["not_run"])
    assert "suppressions" not in report["not_run"]
    assert "may ship" not in done.stdout
    assert "not a release certification" in done.stdout
    predicate = json.loads(attestation.read_text("utf-8"))["predicate"]
    assert predicate["verificationResult"] == "FAILED"
    [record] = [json.loads(line) for line in audit.read_text("utf-8").splitlines()]
    assert record["decision"] == "partial-pass"
    assert record["scope"] == {"complete": False, "not_run": report["not_run"]}
    summary = (tmp_path / "summary.md").read_text("utf-8")
    assert "Release allowed" not in summary
    assert "not a release certification" in summary


def test_a_complete_run_is_a_release_pass(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FIXED_APP})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["decision"] == "pass"
    assert report["scope"] == "complete"
    assert report["not_run"] == []


def test_a_suppression_added_in_the_range_needs_signoff(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY, "app.py": FIXED_APP})
    repo.tag("v1")
    vulnerable = FIXED_APP + (
        "\n\ndef shell(user_input):\n"
        "    import os\n"
        "    return os.system('ls ' + user_input)  # nosec B605 -- ok\n"
    )
    repo.commit("vuln", **{"app.py": vulnerable})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    [reason] = [r for r in report["reasons"] if "suppression" in r]
    assert "app.py:15 (nosec B605)" in reason
    assert "security sign-off" in reason
    # The finding itself is waived (listed), the release still blocks on the sign-off.
    assert any(f["rule_id"] == "B605" and f["waived"] for f in check(report, "bandit")["findings"])


def test_a_suppression_kept_from_the_base_still_waives(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY, "app.py": SUPPRESSED_BASE})
    repo.tag("v1")
    repo.commit("more", **{"other.py": "x = 1\n", "app.py": "# header\n" + SUPPRESSED_BASE})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["decision"] == "pass"


def test_changing_the_code_under_an_old_suppression_needs_signoff(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY, "app.py": SUPPRESSED_BASE})
    repo.tag("v1")
    changed = SUPPRESSED_BASE.replace('os.system("ls")', 'os.system("ls " + cmd)')
    repo.commit("vuln", **{"app.py": changed})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert any("app.py:5 (nosec B605)" in r for r in report["reasons"])


def test_the_policy_can_let_suppressions_through_without_signoff(repo: GitRepo) -> None:
    policy = STATIC_ONLY_POLICY.replace(
        "version: 1\n", "version: 1\nstatic:\n  suppressions_need_signoff: false\n"
    )
    repo.commit("policy", **{".releasegate.yml": policy, "app.py": FIXED_APP})
    repo.tag("v1")
    repo.commit("sup", **{"app.py": SUPPRESSED_BASE})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert any("suppressions_need_signoff is false" in n for n in report["notes"])


def test_a_static_stage_that_can_never_block_is_refused(repo: GitRepo) -> None:
    cases = {
        "  block_on: []\n": "no static.block_on rule blocks any finding",
        "  block_on:\n    - severity: none\n": "no static.block_on rule blocks any finding",
        "  include: []\n": "static.include is empty",
        "  bandit:\n    enabled: false\n  semgrep:\n    enabled: false\n": "both disabled",
    }
    for index, (static, message) in enumerate(cases.items()):
        policy = STATIC_ONLY_POLICY.replace("version: 1\n", f"version: 1\nstatic:\n{static}")
        repo.commit("policy", **{".releasegate.yml": policy, "app.py": FIXED_APP})
        repo.tag(f"v{index}")
        repo.commit("next", **{"app.py": FIXED_APP + f"\n# {index}\n"})
        done = releasegate("run", "--repo", str(repo.root))
        assert done.returncode == 2, (static, done.stdout, done.stderr)
        assert "the static stage can never block" in done.stderr
        assert message in done.stderr
        assert ".releasegate.yml:" in done.stderr
        valid = releasegate("validate", str(repo.root / ".releasegate.yml"))
        assert valid.returncode == 2 and message in valid.stderr


def test_an_include_glob_that_matches_nothing_blocks(repo: GitRepo) -> None:
    policy = STATIC_ONLY_POLICY.replace(
        "version: 1\n", "version: 1\nstatic:\n  include: ['src/**/*.py']\n"
    )
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("app", **{"app.py": "import os\nos.system(input())\n"})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    tree = check(report, "tree")
    assert tree["status"] == "fail"
    assert "the static scope is empty" in tree["reasons"][0]
    assert "app.py" in tree["reasons"][0]
