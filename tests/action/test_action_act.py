"""End to end: the composite action (``uses: ./``) run by ``act`` on the host
(``-P ubuntu-latest=-self-hosted``, no Docker) on fixture repositories.

- A pull request adding an SQL injection fails the job, with the decision, the
  blocking count and the report paths as outputs, annotations in the log and the
  summary in the step summary. Its title, its branch name, a file name and an
  in-code justification are hostile (``"; echo pwned #``, ``::set-output``,
  ``%0A::error::``): they change nothing but the text shown.
- A push of a release tag whose commit a security reviewer signed off (SSH, the
  allowed signers file at the previous release) passes.

The reviews stage is not required by the fixture policy, so no GitHub API is
asked (GITHUB_API_URL points at a closed local port, so nothing leaves the machine).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from action_helpers import ActRun, closed_port, copy_action, run_act
from rg_testlib import GitRepo, releasegate

from releasegate.codec import RecordJSON, record_from_json
from releasegate.model import Mode, Verdict
from releasegate.records.store import RECORDS_REF, read_ref, verify_ref

pytestmark = pytest.mark.slow

HOSTILE = '"; echo pwned # ::set-output name=decision::pass %0A::error::injected'
HOSTILE_BRANCH = "evil;touch${IFS}pwned;#"  # a valid git branch name
HOSTILE_FILE = "app/evil;touch pwned;::set-output name=decision::pass %0A::error::x.py"
SIGNERS = ".github/allowed_signers"
POLICY = f"""version: 1
static:
  include: ["app/**/*.py"]
review:
  required: false
dependencies:
  required: false
signoff:
  allowed_signers: {SIGNERS}
"""
SQLI = """import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % request.args["name"])
    return str(cur.fetchall())
"""
SUPPRESSED = f"""import subprocess


def listing():
    return subprocess.call("ls", shell=True)  # nosec B602 -- {HOSTILE}
"""
WORKFLOW = """name: gate
on: [push, pull_request]
permissions: {}
jobs:
  gate:
    runs-on: ubuntu-latest
    permissions:
      contents: write  # the action's record step pushes the release record
      pull-requests: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: false
      - name: releasegate
        id: gate
        uses: ./
        with:
          only: ${{ github.event_name == 'pull_request' && 'static' || 'static,signoff' }}
          base: ${{ github.event.pull_request.base.sha }}
          head: ${{ github.event.pull_request.head.sha }}
          # A hostile value reaching an input (unused by these checks): it must stay data.
          advisory-db: ${{ github.event.pull_request.title }}
          record: true
      - name: record what the gate gave the workflow
        if: always()
        env:
          DECISION: ${{ steps.gate.outputs.decision }}
          BLOCKING: ${{ steps.gate.outputs.blocking-count }}
          REPORT: ${{ steps.gate.outputs.report-path }}
          SARIF: ${{ steps.gate.outputs.sarif-path }}
          SUMMARY: ${{ steps.gate.outputs.summary-path }}
          RECORD_ID: ${{ steps.gate.outputs.record-id }}
          INJECTED: ${{ steps.gate.outputs.x }}
        run: |
          mkdir -p "$RG_TEST_OUT"
          printf '%s' "$DECISION" > "$RG_TEST_OUT/decision"
          printf '%s' "$BLOCKING" > "$RG_TEST_OUT/blocking-count"
          printf '%s' "$INJECTED" > "$RG_TEST_OUT/injected"
          printf '%s' "$RECORD_ID" > "$RG_TEST_OUT/record-id"
          printf '%s\\n%s\\n%s\\n' "$REPORT" "$SARIF" "$SUMMARY" > "$RG_TEST_OUT/paths"
          cp "$REPORT" "$RG_TEST_OUT/report.json"
          cp "$SARIF" "$RG_TEST_OUT/report.sarif"
          cp "$SUMMARY" "$RG_TEST_OUT/summary.md"
"""


def _fixture(root: Path) -> GitRepo:
    """A repository carrying the action (uses: ./), the policy, the allowed signers, and
    a bare ``origin`` the action's record step pushes the release record to."""
    repo = GitRepo(root)
    remote = root.parent / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    copy_action(root)
    repo.write(".gitignore", "build/\n*.egg-info/\n__pycache__/\n")
    repo.write(".github/workflows/gate.yml", WORKFLOW)
    repo.write(".releasegate.yml", POLICY)
    repo.write("app/__init__.py", "")
    repo.write("app/core.py", "def double(x):\n    return 2 * x\n")
    return repo


def _act(repo: GitRepo, event_name: str, event: Mapping[str, object], tmp: Path) -> ActRun:
    return run_act(
        repo.root,
        event_name,
        event,
        tmp,
        env={"GITHUB_API_URL": f"http://127.0.0.1:{closed_port()}"},
    )


def _records_on(remote: Path) -> list[RecordJSON]:
    contents = read_ref(remote, RECORDS_REF)
    assert contents.problem is None and verify_ref(contents).intact
    return [record_from_json(json.loads(r.data)) for r in contents.records]


def _no_pwned(*roots: Path) -> None:
    for root in roots:
        found = [p for p in root.rglob("*pwned*") if "evil" not in p.name]
        assert not found, found


def test_blocking_pull_request_fails_the_job_and_hostile_text_stays_text(
    tmp_path: Path,
) -> None:
    repo = _fixture(tmp_path / "fixture")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", HOSTILE_BRANCH)
    head = repo.commit(
        f"add a lookup {HOSTILE}",
        **{"app/users.py": SQLI, HOSTILE_FILE: SQLI, "app/listing.py": SUPPRESSED},
    )
    event = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "title": HOSTILE,
            "head": {"sha": head, "ref": HOSTILE_BRANCH},
            "base": {"sha": base, "ref": "main"},
        },
        "repository": {"full_name": "acme/app", "name": "app", "owner": {"login": "acme"}},
    }
    run = _act(repo, "pull_request", event, tmp_path)
    log = run.log
    assert "Job failed" in log, log[-5000:]
    # Outputs: exactly what releasegate decided, nothing injected.
    assert run.read("decision") == "block"
    # The findings, and the suppression this pull request adds (it needs sign-off).
    assert run.read("blocking-count") == "2"
    assert run.read("injected") == ""
    report = json.loads(run.read("report.json"))
    assert report["decision"] == "block"
    assert any("app/listing.py" in r and "sign-off" in r for r in report["reasons"])
    assert report["release"]["mode"] == "pull-request"
    blocking = sorted(
        (f["path"], f["rule_id"]) for c in report["checks"] for f in c["findings"] if f["blocking"]
    )
    assert blocking == [
        (HOSTILE_FILE, "releasegate.python.sqli.formatted-sql-to-execute"),
        ("app/users.py", "releasegate.python.sqli.formatted-sql-to-execute"),
    ]
    assert json.loads(run.read("report.sarif"))["version"] == "2.1.0"
    # The summary: the verdict and the finding, with the hostile text inert.
    summary = run.read("summary.md")
    assert summary.startswith("## ⛔ Release blocked")
    assert "formatted-sql-to-execute" in summary
    # The hostile file name is shown, inside a line: no line can read as a command.
    assert "::set-output" in summary
    assert not [line for line in summary.splitlines() if line.lstrip().startswith("::")]
    assert "app/users.py" in summary
    # The step summary (act logs what a step appended to $GITHUB_STEP_SUMMARY).
    assert "Summary - ## ⛔ Release blocked" in log
    # Annotations reached the runner, escaped; no injected command was processed.
    assert "::error file=app/users.py,line=11" in log
    assert "::set-output:: decision=pass" not in log
    assert "::set-output:: x=" not in log
    assert list((tmp_path / "xdg-cache" / "act").iterdir())  # the workspace act ran in
    # The blocked run's record is on the remote's records ref, and only that record.
    (record,) = _records_on(tmp_path / "origin.git")
    assert record.id == run.read("record-id")
    assert record.decision is Verdict.BLOCK
    assert record.mode is Mode.PULL_REQUEST
    assert record.commit == head
    _no_pwned(tmp_path)


def test_signed_off_release_tag_passes(tmp_path: Path) -> None:
    repo = _fixture(tmp_path / "fixture")
    key = tmp_path / "keys" / "security"
    key.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sec@example.com", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    public = " ".join(key.with_name("security.pub").read_text().split()[:2])
    repo.write(SIGNERS, f"sec@example.com {public}\n")
    repo.commit("release 0.1")
    repo.tag("v0.1.0")
    repo.commit("a feature", **{"app/feature.py": "def triple(x):\n    return 3 * x\n"})
    repo.tag("v1.0.0")
    signed = releasegate(
        "signoff",
        "--repo",
        str(repo.root),
        "--only",
        "static,signoff",
        "--key",
        str(key),
        "--principal",
        "sec@example.com",
        "--yes",
        env={"RELEASEGATE_CACHE_DIR": str(tmp_path / "rg-cache")},
    )
    assert signed.returncode == 0, signed.stdout + signed.stderr
    event = {
        "ref": "refs/tags/v1.0.0",
        "before": "0" * 40,
        "after": repo.head(),
        "repository": {"full_name": "acme/app", "name": "app", "owner": {"login": "acme"}},
    }
    run = _act(repo, "push", event, tmp_path)
    log = run.log
    assert "Job succeeded" in log, log[-5000:]
    assert run.read("decision") == "partial-pass"  # only: static,signoff
    assert run.read("blocking-count") == "0"
    report = json.loads(run.read("report.json"))
    assert report["release"]["mode"] == "release"
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["signoff"] == "pass"
    assert statuses["semgrep"] == "pass"
    assert run.read("summary.md").startswith("## ☑️ Checks passed, not a release certification")
    (record,) = _records_on(tmp_path / "origin.git")
    assert (record.decision, record.ref) == (Verdict.PARTIAL_PASS, "refs/tags/v1.0.0")
    assert record.signoff is not None and record.signoff.signer == "sec@example.com"
    assert "Summary - ## ☑️ Checks passed" in log
