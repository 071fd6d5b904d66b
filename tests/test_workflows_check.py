"""The ``workflows`` check drives the real zizmor (offline) on the head's GitHub Actions
workflows and action definitions: its findings are judged like bandit's and semgrep's
(block_on, baseline, waivers, SARIF), the head cannot configure it, and a missing,
crashing or garbage-printing zizmor is an ``error`` naming it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from packaging.specifiers import SpecifierSet
from rg_testlib import SARIF_SCHEMA, STATIC_ONLY_POLICY, GitRepo, check, load_report, releasegate

from releasegate.checks import workflows
from releasegate.checks.registry import REGISTRY
from releasegate.errors import ConfigError, ToolError
from releasegate.model import Stage, Status, Verdict
from releasegate.pipeline import RunOptions, evaluate
from releasegate.policy.loader import parse_policy
from releasegate.runenv import RunEnvironment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
ZIZMOR_HELPERS_PIN = "1.32.0"  # tests/action/action_helpers.py ZIZMOR_VERSION
# The zizmor the check runs: the one installed beside this Python, any release of the
# supported range (pip resolves the newest; a fixed literal broke when 1.33.1 came out).
INSTALLED_ZIZMOR = metadata.version("zizmor")

# --- workflows ------------------------------------------------------------------------------

INJECTION = """\
name: triage
on:
  issues:
    types: [opened]
permissions: {}
jobs:
  greet:
    name: greet
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.issue.title }}"
"""

UNPINNED = """\
name: build
on:
  push:
    branches: [main]
permissions: {}
jobs:
  build:
    name: build
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: someorg/someaction@v1
"""

WRITE_ALL = """\
name: release
on:
  push:
    branches: [main]
permissions: {}
jobs:
  publish:
    name: publish
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: echo publishing
"""

PR_TARGET = """\
name: pr
on: pull_request_target
permissions:
  contents: read
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          persist-credentials: false
      - run: make test
"""

CLEAN = """\
name: ci
on:
  push:
    branches: [main]
permissions: {}
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - run: echo hello
"""

# GitHub's own actions pinned by tag, as most mature projects pin them.
FIRST_PARTY_BY_TAG = (
    CLEAN.replace(
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4"
    )
    + "      - uses: actions/setup-python@v6\n"
)

COMPOSITE = """\
name: setup
description: a local composite action
runs:
  using: composite
  steps:
    - run: echo "${{ github.event.pull_request.title }}"
      shell: bash
"""

# A head that tries to switch its judge's rules off.
HOSTILE_CONFIG = """\
rules:
  template-injection:
    disable: true
  unpinned-uses:
    disable: true
"""


def _line(text: str, needle: str) -> int:
    """The 1-based line of ``text`` holding ``needle``."""
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


def _gate(
    repo: GitRepo,
    *extra: str,
    only: str = "workflows",
    env: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = repo.root.parent / "report.json"
    out.unlink(missing_ok=True)
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", only, "--no-audit", "--json", str(out),
        *extra, env=env,
    )  # fmt: skip
    assert out.is_file(), done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done, load_report(out)


def _trusted(repo: GitRepo, policy: str = STATIC_ONLY_POLICY) -> None:
    """The base: ``policy`` as the policy, tagged v1 (a trusted release tag)."""
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")


def _by_rule(result: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["rule_id"] == rule]


def _one_line_error(report: dict[str, Any]) -> str:
    result = check(report, "workflows")
    assert result["status"] == "error", result
    assert report["decision"] == "block"
    [reason] = result["reasons"]
    assert "\n" not in reason
    return str(reason)


def _path_without_zizmor(where: Path) -> str:
    """A PATH holding everything of this PATH but zizmor (links in ``where``)."""
    where.mkdir(parents=True, exist_ok=True)
    for folder in map(Path, os.environ.get("PATH", "").split(os.pathsep)):
        if folder.is_dir():
            for entry in folder.iterdir():
                link = where / entry.name
                if entry.name != "zizmor" and not link.exists() and not link.is_symlink():
                    link.symlink_to(entry)
    return str(where)


def _real_zizmor() -> str:
    beside = Path(sys.executable).parent / "zizmor"
    found = str(beside) if beside.is_file() else shutil.which("zizmor")
    assert found, "zizmor is not installed: pip install -e '.[test]' brings it"
    return found


# --- what zizmor finds, judged --------------------------------------------------------------


def test_template_injection_on_issues_blocks_at_its_line(repo: GitRepo) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(report, "workflows")
    assert result["stage"] == "static" and result["status"] == "fail"
    [finding] = _by_rule(result, "zizmor.template-injection")
    assert finding["tool"] == "zizmor"
    assert finding["path"] == ".github/workflows/triage.yml"
    assert finding["line"] == _line(INJECTION, "github.event.issue.title")
    assert finding["severity"] == "high" and finding["blocking"] is True
    assert finding["help_uri"] == "https://docs.zizmor.sh/audits/#template-injection"
    assert "code injection via template expansion" in finding["message"]
    assert result["evidence"]["zizmor_version"] == INSTALLED_ZIZMOR
    assert result["evidence"]["files"] == [".github/workflows/triage.yml"]
    assert "zizmor.template-injection" in done.stdout  # the terminal names the rule


def test_an_unpinned_third_party_action_is_a_finding(repo: GitRepo) -> None:
    repo.commit("build", **{".github/workflows/build.yml": UNPINNED})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = _by_rule(check(report, "workflows"), "zizmor.unpinned-uses")
    assert finding["line"] == _line(UNPINNED, "someorg/someaction@v1")
    assert finding["blocking"] is True


def test_github_actions_pinned_by_tag_pass_by_default(repo: GitRepo) -> None:
    # zizmor >= 1.20 asks a commit SHA of actions/* too; the default policy keeps zizmor's
    # earlier rule (only GitHub can move those tags), so a mature project's CI passes.
    repo.commit("ci", **{".github/workflows/ci.yml": FIRST_PARTY_BY_TAG})
    done, report = _gate(repo)
    result = check(report, "workflows")
    assert _by_rule(result, "zizmor.unpinned-uses") == []
    assert result["status"] == "pass" and done.returncode == 0, done.stdout + done.stderr
    assert result["evidence"]["pinning"] == {
        "actions/*": "ref-pin", "github/*": "ref-pin", "dependabot/*": "ref-pin",
        "*": "hash-pin",
    }  # fmt: skip


def test_the_policy_can_ask_a_commit_sha_of_every_action(repo: GitRepo) -> None:
    _trusted(repo, STATIC_ONLY_POLICY + 'static:\n  workflows:\n    pinning: {"*": hash-pin}\n')
    repo.commit("ci", **{".github/workflows/ci.yml": FIRST_PARTY_BY_TAG})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(report, "workflows")
    lines = sorted(f["line"] for f in _by_rule(result, "zizmor.unpinned-uses") if f["blocking"])
    assert lines == [
        _line(FIRST_PARTY_BY_TAG, "actions/checkout@v4"),
        _line(FIRST_PARTY_BY_TAG, "actions/setup-python@v6"),
    ]
    assert result["evidence"]["pinning"] == {"*": "hash-pin"}


def test_a_pinning_map_without_a_catch_all_still_asks_a_sha_of_the_rest(repo: GitRepo) -> None:
    _trusted(repo, STATIC_ONLY_POLICY + 'static:\n  workflows:\n    pinning: {"actions/*": any}\n')
    repo.commit("build", **{".github/workflows/build.yml": UNPINNED})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(report, "workflows")
    [finding] = _by_rule(result, "zizmor.unpinned-uses")
    assert finding["line"] == _line(UNPINNED, "someorg/someaction@v1")
    assert result["evidence"]["pinning"] == {"actions/*": "any", "*": "hash-pin"}


def test_write_all_permissions_are_a_finding(repo: GitRepo) -> None:
    repo.commit("release", **{".github/workflows/release.yml": WRITE_ALL})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = _by_rule(check(report, "workflows"), "zizmor.excessive-permissions")
    assert finding["line"] == _line(WRITE_ALL, "permissions: write-all")
    assert finding["severity"] == "high" and finding["blocking"] is True
    assert "write-all" in finding["message"]


def test_pull_request_target_checking_out_the_pr_head_is_a_finding(repo: GitRepo) -> None:
    repo.commit("pr", **{".github/workflows/pr.yml": PR_TARGET})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = _by_rule(check(report, "workflows"), "zizmor.dangerous-triggers")
    assert finding["line"] == _line(PR_TARGET, "on: pull_request_target")
    assert (finding["severity"], finding["confidence"]) == ("high", "medium")
    assert finding["blocking"] is True
    assert "pull_request_target" in finding["message"]


def test_action_definitions_are_audited_wherever_they_are(
    # A workflow runs a local action from any directory `uses: ./DIR` names: one under
    # ci/ or docs/ is audited like one under .github/actions/ (review of 2b0140a).
    repo: GitRepo,
) -> None:
    repo.commit(
        "actions",
        **{
            "action.yml": COMPOSITE,
            ".github/actions/setup/action.yaml": COMPOSITE,
            "ci/greet/action.yml": COMPOSITE,
        },
    )
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    found = _by_rule(check(report, "workflows"), "zizmor.template-injection")
    assert sorted(f["path"] for f in found) == [
        ".github/actions/setup/action.yaml",
        "action.yml",
        "ci/greet/action.yml",
    ]
    assert all(f["line"] == _line(COMPOSITE, "pull_request.title") for f in found)


def test_a_pinned_least_privilege_workflow_has_no_findings(repo: GitRepo) -> None:
    repo.commit("ci", **{".github/workflows/ci.yml": CLEAN, "app.py": "X = 1\n"})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    result = check(report, "workflows")
    assert result["status"] == "pass" and result["findings"] == []
    assert result["evidence"]["files"] == [".github/workflows/ci.yml"]
    assert report["decision"] == "partial-pass"  # --only: not a certification


def test_no_workflows_is_not_applicable_and_the_report_says_so(repo: GitRepo) -> None:
    repo.commit("app", **{"app.py": "X = 1\n", "README.md": "docs\n"})
    done, report = _gate(repo, only="tree,workflows")
    assert done.returncode == 0, done.stdout + done.stderr
    result = check(report, "workflows")
    assert result["status"] == "pass" and result["findings"] == []
    assert result["reasons"] == []
    note = result["evidence"]["note"]
    assert "not applicable" in note and ".github/workflows" in note
    assert "zizmor_version" not in result["evidence"]  # nothing was run
    assert "workflows" not in report["not_run"]


def test_enabled_true_without_workflows_passes_saying_so(repo: GitRepo) -> None:
    _trusted(repo, STATIC_ONLY_POLICY + "static:\n  workflows:\n    enabled: true\n")
    repo.commit("app", **{"app.py": "X = 1\n"})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    result = check(report, "workflows")
    assert result["status"] == "pass"
    assert "the head has no workflow or action file" in result["evidence"]["note"]
    assert result["evidence"]["zizmor_version"] == INSTALLED_ZIZMOR  # zizmor was still required


def test_enabled_false_does_not_run_it(repo: GitRepo) -> None:
    _trusted(repo, STATIC_ONLY_POLICY + "static:\n  workflows:\n    enabled: false\n")
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    done, report = _gate(repo, only="tree")
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(c["id"] != "workflows" for c in report["checks"])
    # Not required, so not missing either (enabled, --only tree leaves it out: not run).
    assert "workflows" not in report["not_run"]
    assert "tree" not in report["not_run"] and "bandit" in report["not_run"]


def test_the_persona_comes_from_the_policy(repo: GitRepo) -> None:
    _trusted(repo, STATIC_ONLY_POLICY + "static:\n  workflows:\n    persona: auditor\n")
    repo.commit("ci", **{".github/workflows/ci.yml": CLEAN})
    done, report = _gate(repo)
    result = check(report, "workflows")
    assert result["evidence"]["persona"] == "auditor"
    # The auditor persona reports what the regular one does not (a missing concurrency
    # setting: low severity, so it does not block under the default block_on).
    [finding] = _by_rule(result, "zizmor.concurrency-limits")
    assert finding["severity"] == "low" and finding["blocking"] is False
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_policy_section_is_strict() -> None:
    policy = parse_policy("version: 1\n", "test")
    assert (policy.static.workflows.enabled, policy.static.workflows.persona) == (
        "auto",
        "regular",
    )
    assert policy.static.workflows.pinning["*"] == "hash-pin"
    for bad in (
        "enabled: yes-please",
        "persona: paranoid",
        "min_severity: high",
        "pinning: {actions/*: sha}",
        "pinning: {'not a pattern': any}",
    ):
        with pytest.raises(ConfigError, match=r"^test:4: "):
            parse_policy(f"version: 1\nstatic:\n  workflows:\n    {bad}\n", "test")


# --- the head cannot configure its judge ----------------------------------------------------


def test_a_hostile_zizmor_config_in_the_head_hides_nothing(repo: GitRepo) -> None:
    files = {
        ".github/workflows/triage.yml": INJECTION,
        ".github/workflows/build.yml": UNPINNED,
        ".github/zizmor.yml": HOSTILE_CONFIG,
        "zizmor.yml": HOSTILE_CONFIG,
    }
    repo.commit("hostile", **files)
    # The config works on zizmor left to itself: it hides both findings.
    plain = subprocess.run(
        [_real_zizmor(), "--offline", "--format=json", ".github/workflows/"],
        cwd=repo.root, capture_output=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(repo.root.parent)},
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout) == []
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(report, "workflows")
    rules = sorted(f["rule_id"] for f in result["findings"] if f["blocking"])
    assert rules == ["zizmor.template-injection", "zizmor.unpinned-uses"]
    assert result["evidence"]["configs_not_read"] == [".github/zizmor.yml", "zizmor.yml"]


def test_an_ignore_comment_in_the_head_does_not_waive(repo: GitRepo) -> None:
    ignored = INJECTION.replace(
        'echo "${{ github.event.issue.title }}"',
        'echo "${{ github.event.issue.title }}" # zizmor: ignore[template-injection]',
    )
    repo.commit("ignore", **{".github/workflows/triage.yml": ignored})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(report, "workflows")
    [finding] = _by_rule(result, "zizmor.template-injection")
    assert finding["blocking"] is True and finding["waived"] is False
    assert "does not obey" in finding["message"]
    assert result["evidence"]["ignore_comments_not_obeyed"] == 1


def test_a_workflow_linked_from_outside_the_repository_is_never_read(
    repo: GitRepo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside" / "evil.yml"
    outside.parent.mkdir()
    outside.write_text(INJECTION.replace("issue.title", "issue.body"), encoding="utf-8")
    repo.write("ci/shared.yml", UNPINNED)
    links = repo.root / ".github" / "workflows"
    links.mkdir(parents=True)
    (links / "evil.yml").symlink_to(outside)
    (links / "shared.yml").symlink_to("../../ci/shared.yml")  # inside: audited as itself
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "links")
    done, report = _gate(repo, only="tree,workflows")
    assert done.returncode == 1, done.stdout + done.stderr
    result = check(report, "workflows")
    assert result["status"] == "error"
    [reason] = [r for r in result["reasons"] if r.startswith("workflows: error: ")]
    assert "not audited by zizmor: .github/workflows/evil.yml" in reason
    assert "symbolic link" in reason or "outside" in reason, reason
    assert result["evidence"]["files"] == [".github/workflows/shared.yml"]
    assert [f["path"] for f in result["findings"]] == [".github/workflows/shared.yml"]
    assert "issue.body" not in json.dumps(report)
    assert check(report, "tree")["status"] == "fail"


# --- judged like any static finding: baseline, waivers, SARIF, shards -----------------------


def test_a_baselined_zizmor_finding_does_not_block_and_survives_moving(repo: GitRepo) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    done = releasegate("baseline", "--repo", str(repo.root), "--reason", "legacy, SEC-9")
    assert done.returncode == 0, done.stdout + done.stderr
    entries = json.loads((repo.root / ".releasegate-baseline.json").read_text())["entries"]
    assert [(e["tool"], e["rule_id"]) for e in entries] == [("zizmor", "zizmor.template-injection")]
    repo.commit("baseline")
    repo.tag("v1.0")
    # A step added above it moves the finding two lines down: it stays the baselined one.
    moved = INJECTION.replace("    steps:\n", "    steps:\n      - run: echo first\n")
    repo.commit("move", **{".github/workflows/triage.yml": moved})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    [finding] = _by_rule(check(report, "workflows"), "zizmor.template-injection")
    assert finding["line"] == _line(moved, "issue.title")
    assert finding["new"] is False and finding["blocking"] is False
    assert finding["fingerprint"] == entries[0]["fingerprint"]
    # A second workflow with the same injection is a new finding: it blocks.
    repo.commit("copy", **{".github/workflows/copy.yml": INJECTION})
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    blocking = [f for f in check(report, "workflows")["findings"] if f["blocking"]]
    assert [f["path"] for f in blocking] == [".github/workflows/copy.yml"]


def test_a_policy_waiver_covers_a_zizmor_finding(repo: GitRepo) -> None:
    _trusted(
        repo,
        STATIC_ONLY_POLICY + "waivers:\n"
        "  - id: zizmor.template-injection\n"
        "    paths: ['.github/workflows/triage.yml']\n"
        "    reason: the title is quoted by the shell step, SEC-10\n"
        "    owner: security@example.com\n"
        "    expires: 2099-12-31\n",
    )
    repo.commit(
        "workflows",
        **{".github/workflows/triage.yml": INJECTION, ".github/workflows/other.yml": INJECTION},
    )
    done, report = _gate(repo)
    result = check(report, "workflows")
    by_path = {f["path"]: f for f in _by_rule(result, "zizmor.template-injection")}
    assert by_path[".github/workflows/triage.yml"]["waived"] is True
    assert by_path[".github/workflows/triage.yml"]["blocking"] is False
    assert by_path[".github/workflows/other.yml"]["blocking"] is True  # the waiver's paths
    assert done.returncode == 1
    repo.commit("drop the other", **{".github/workflows/other.yml": CLEAN})
    done, report = _gate(repo)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sarif_report_carries_the_zizmor_finding(repo: GitRepo) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    sarif = repo.root.parent / "report.sarif"
    done, _ = _gate(repo, "--sarif", str(sarif))
    assert done.returncode == 1, done.stdout + done.stderr
    log = json.loads(sarif.read_text("utf-8"))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text("utf-8")))
    [run] = [r for r in log["runs"] if r["tool"]["driver"]["name"] == "zizmor"]
    assert run["tool"]["driver"]["version"] == INSTALLED_ZIZMOR
    [result] = run["results"]
    assert result["ruleId"] == "zizmor.template-injection" and result["level"] == "error"
    [location] = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == ".github/workflows/triage.yml"
    assert physical["region"]["startLine"] == _line(INJECTION, "issue.title")
    [rule] = run["tool"]["driver"]["rules"]
    assert rule["helpUri"] == "https://docs.zizmor.sh/audits/#template-injection"


def test_a_sharded_run_reports_each_zizmor_finding_once(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit(
        "workflows",
        **{
            ".github/workflows/triage.yml": INJECTION,
            ".github/workflows/build.yml": UNPINNED,
            **{f"pkg/m{n}.py": f"X{n} = {n}\n" for n in range(4)},
        },
    )
    _, single = _gate(repo, only="tree,workflows")
    parts = []
    for index in (1, 2):
        part = tmp_path / f"part-{index}.json"
        done = releasegate(
            "run", "--repo", str(repo.root), "--only", "tree,workflows", "--no-audit",
            "--shard", f"{index}/2", "--json", str(part),
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        parts.append(part)
    ran = [{r["id"] for r in json.loads(p.read_text("utf-8"))["results"]} for p in parts]
    assert "workflows" in ran[0] and "workflows" not in ran[1]  # shard 1 only
    merged = tmp_path / "merged.json"
    done = releasegate(
        "merge", *map(str, parts), "--repo", str(repo.root), "--no-audit", "--json", str(merged)
    )
    assert done.returncode == 1, done.stdout + done.stderr

    def prints(report: dict[str, Any]) -> list[str]:
        return sorted(f["fingerprint"] for f in check(report, "workflows")["findings"])

    assert prints(load_report(merged)) == prints(single)
    assert len(prints(single)) == 2


def test_pull_request_mode_audits_only_changed_workflows(repo: GitRepo) -> None:
    repo.commit("legacy", **{".github/workflows/triage.yml": INJECTION})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", **{"app.py": "X = 1\n"})
    done, report = _gate(repo, "--mode", "pull-request", "--base", "main")
    assert done.returncode == 0, done.stdout + done.stderr
    result = check(report, "workflows")
    assert result["status"] == "pass" and result["findings"] == []
    assert "no workflow or action file changed" in result["evidence"]["note"]
    repo.commit("touch", **{".github/workflows/triage.yml": INJECTION + "# edited\n"})
    done, report = _gate(repo, "--mode", "pull-request", "--base", "main")
    assert done.returncode == 1, done.stdout + done.stderr
    assert _by_rule(check(report, "workflows"), "zizmor.template-injection")


def test_pull_request_mode_audits_an_action_whose_link_target_changed(repo: GitRepo) -> None:
    # The action runs as .github/actions/greet/action.yml, a link into ci/greet/: a range
    # that changes only ci/greet/action.yml changes the action (review of 2b0140a).
    repo.write(
        "ci/greet/action.yml", COMPOSITE.replace("${{ github.event.pull_request.title }}", "hi")
    )
    (repo.root / ".github" / "actions").mkdir(parents=True)
    (repo.root / ".github" / "actions" / "greet").symlink_to("../../ci/greet")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "safe action behind a link")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("inject", **{"ci/greet/action.yml": COMPOSITE})
    done, report = _gate(repo, "--mode", "pull-request", "--base", "main")
    assert done.returncode == 1, done.stdout + done.stderr
    found = _by_rule(check(report, "workflows"), "zizmor.template-injection")
    assert sorted(f["path"] for f in found) == [
        ".github/actions/greet/action.yml",
        "ci/greet/action.yml",
    ]


# --- fail closed ----------------------------------------------------------------------------


def test_zizmor_missing_from_path_is_an_error_naming_it(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    # No zizmor beside "releasegate's Python", none on PATH, none configured.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "bin" / "python3"))
    monkeypatch.setenv("PATH", _path_without_zizmor(tmp_path / "path"))
    monkeypatch.delenv(workflows.ENV_ZIZMOR, raising=False)
    with pytest.raises(ToolError, match="zizmor: not found"):
        workflows.zizmor_command(os.environ)
    decision = evaluate(
        RunOptions(repo=repo.root, only=("workflows",), environment=RunEnvironment.of(os.environ))
    )
    assert decision.verdict is Verdict.BLOCK
    [judged] = [c for c in decision.checks if c.id == "workflows"]
    assert judged.status is Status.ERROR
    [cause] = judged.result.reasons
    assert "zizmor: not found" in cause and "pip install 'zizmor>=1.32,<2'" in cause
    assert "\n" not in cause


def test_a_configured_zizmor_that_does_not_exist_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    missing = tmp_path / "nowhere" / "zizmor"
    done, report = _gate(repo, env={workflows.ENV_ZIZMOR: str(missing)})
    assert done.returncode == 1
    cause = _one_line_error(report)
    assert "zizmor: not found" in cause and str(missing) in cause


# The real zizmor, wrapped: MODE says how it misbehaves.
FAKE_ZIZMOR = """\
#!{python}
import json, os, subprocess, sys, time
REAL, MODE, PIDFILE = {real!r}, {mode!r}, {pidfile!r}
args = sys.argv[1:]
if "--version" in args:
    print("zizmor 0.9.0" if MODE == "old-version" else "zizmor 1.32.0")
    sys.exit(0)
if MODE == "hang":
    open(PIDFILE, "w").write(str(os.getpid()))
    time.sleep(600)
if MODE == "crash":
    sys.stderr.write("thread 'main' panicked at crates/zizmor/src/main.rs:1:1:\\nboom\\n")
    sys.exit(101)
if MODE == "signal":
    os.kill(os.getpid(), 9)
done = subprocess.run([REAL, *args], capture_output=True)
out = done.stdout
if MODE == "not-json":
    out = b"<html><body>502 Bad Gateway</body></html>\\n"
elif MODE == "empty":
    out = b""
elif MODE == "truncated":
    out = out[: len(out) // 2]
elif MODE in ("schema", "foreign-path", "unknown-severity", "no-primary"):
    data = json.loads(out)
    if MODE == "schema":
        del data[0]["determinations"]
    elif MODE == "foreign-path":
        for location in data[0]["locations"]:
            location["symbolic"]["key"]["Local"]["verbatim_path"] = "/etc/passwd"
    elif MODE == "unknown-severity":
        data[0]["determinations"]["severity"] = "Catastrophic"
    else:
        for location in data[0]["locations"]:
            location["symbolic"]["kind"] = "Related"
    out = json.dumps(data).encode()
sys.stdout.buffer.write(out)
sys.exit(done.returncode)
"""


def _fake(where: Path, mode: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    fake = where / "zizmor"
    fake.write_text(
        FAKE_ZIZMOR.format(
            python=sys.executable,
            real=_real_zizmor(),
            mode=mode,
            pidfile=str(where / "zizmor.pid"),
        ),
        encoding="utf-8",
    )
    fake.chmod(0o755)
    return fake


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("crash", "zizmor exited with status 101: thread 'main' panicked"),
        ("signal", "zizmor was killed by signal 9"),
        ("not-json", "unusable output (output is not JSON"),
        ("empty", "unusable output (output is not JSON"),
        ("truncated", "unusable output (output is not JSON"),
        ("schema", "findings[0].determinations is missing"),
        ("foreign-path", "reports '/etc/passwd', a file it was not asked to audit"),
        ("unknown-severity", "unknown severity/confidence 'Catastrophic'"),
        ("no-primary", "findings[0] has no primary location"),
        ("old-version", "zizmor 0.9.0"),
    ],
)
def test_a_crashing_or_garbage_printing_zizmor_is_an_error(
    repo: GitRepo, tmp_path: Path, mode: str, expected: str
) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    fake = _fake(tmp_path / "bin", mode)
    done, report = _gate(repo, env={workflows.ENV_ZIZMOR: str(fake)})
    assert done.returncode == 1, done.stdout + done.stderr
    cause = _one_line_error(report)
    assert cause.startswith("workflows: error: zizmor"), cause
    assert expected in cause, cause
    assert check(report, "workflows")["findings"] == []


def test_a_hanging_zizmor_is_killed_and_blocks(repo: GitRepo, tmp_path: Path) -> None:
    _trusted(repo, "timeout_seconds: 3\n" + STATIC_ONLY_POLICY)
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    fake = _fake(tmp_path / "bin", "hang")
    done, report = _gate(repo, env={workflows.ENV_ZIZMOR: str(fake)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "workflows: error: timed out after 3s and was stopped" in _one_line_error(report)
    pid = int((fake.parent / "zizmor.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the hung zizmor is still running"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(") ", 1)[1].startswith("Z"))


def test_a_fake_zizmor_earlier_on_path_is_the_one_run(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("triage", **{".github/workflows/triage.yml": INJECTION})
    fake = _fake(tmp_path / "bin", "not-json")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "bin" / "python3"))
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(workflows.ENV_ZIZMOR, raising=False)
    assert workflows.zizmor_command(os.environ) == str(fake)
    decision = evaluate(
        RunOptions(repo=repo.root, only=("workflows",), environment=RunEnvironment.of(os.environ))
    )
    [judged] = [c for c in decision.checks if c.id == "workflows"]
    assert judged.status is Status.ERROR and judged.findings == ()
    assert "unusable output" in judged.result.reasons[0]


def test_a_workflow_zizmor_cannot_load_is_an_error_naming_it(repo: GitRepo) -> None:
    repo.commit(
        "broken",
        **{
            ".github/workflows/broken.yml": "name: x\non: [push\n",
            ".github/workflows/t.yml": INJECTION,
        },
    )
    done, report = _gate(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    cause = _one_line_error(report)
    assert "zizmor exited with status 1" in cause
    assert ".github/workflows/broken.yml" in cause and "invalid YAML syntax" in cause


# --- the one check, the one registry line, the one pin ---------------------------------------


def test_the_check_is_registered_in_the_static_stage() -> None:
    assert REGISTRY["workflows"] is workflows.WORKFLOWS
    assert workflows.WORKFLOWS.stage is Stage.STATIC
    policy = parse_policy("version: 1\n", "test")
    assert workflows.WORKFLOWS.enabled(policy)
    off = parse_policy("version: 1\nstatic:\n  required: false\n", "test")
    assert not workflows.WORKFLOWS.enabled(off)


def test_pyproject_requires_the_zizmor_releasegate_is_tested_with() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    [requirement] = [d for d in project["dependencies"] if d.startswith("zizmor")]
    assert requirement == f"zizmor{workflows.REQUIREMENT}"
    supported = SpecifierSet(workflows.REQUIREMENT)
    assert metadata.version("zizmor") in supported
    assert ZIZMOR_HELPERS_PIN in supported
    helpers = (ROOT / "tests" / "action" / "action_helpers.py").read_text("utf-8")
    assert f'ZIZMOR_VERSION = "{ZIZMOR_HELPERS_PIN}"' in helpers
