"""As a new user would: six real gate runs in a fresh repository (blocked, blocked,
waived, passed with sign-off, a pull-request run, a tag), ``records push`` to a local
bare remote, and a second clone that fetches the records and reads all six."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from rg_testlib import FIXED_APP, VULNERABLE_APP, GitRepo, releasegate, ssh_key

from releasegate.codec import RecordJSON
from releasegate.model import Mode, Verdict
from releasegate.records import load_records_ref

pytestmark = pytest.mark.slow

SIGNERS = ".github/allowed_signers"
POLICY = f"""version: 1
stages:
  functional:
    required: false
review:
  required: false
dependencies:
  required: false
signoff:
  allowed_signers: {SIGNERS}
waivers:
  - id: B602
    paths: ["tools/**"]
    reason: the deploy helper runs a fixed command line
    owner: ops@example.com
    expires: 2999-01-01
"""
WAIVED_TOOL = (
    'import subprocess\n\n\ndef deploy():\n    return subprocess.call("make", shell=True)\n'
)


def _gate(repo: GitRepo, tmp: Path, name: str, *args: str) -> dict[str, object]:
    report = tmp / f"{name}.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--no-progress", "--json", str(report), *args
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    decision: dict[str, object] = json.loads(report.read_text("utf-8"))
    return decision


def _sign(repo: GitRepo, key: Path) -> None:
    done = releasegate(
        "signoff", "--repo", str(repo.root), "--key", str(key),
        "--principal", "sec@example.com", "--yes",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def six_runs(tmp_path: Path) -> tuple[GitRepo, Path, list[dict[str, object]]]:
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo = GitRepo(tmp_path / "shop")
    repo.git("remote", "add", "origin", str(remote))
    key = ssh_key(tmp_path, "sec@example.com")
    public = " ".join(key.with_name(key.name + ".pub").read_text().split()[:2])
    repo.commit(
        "policy",
        **{".releasegate.yml": POLICY, SIGNERS: f"sec@example.com {public}\n", "app.py": FIXED_APP},
    )
    repo.tag("v0.1.0")
    repo.git("push", "-q", "origin", "main", "v0.1.0")
    reports = []
    repo.commit("shell out", **{"app.py": VULNERABLE_APP})
    reports.append(_gate(repo, tmp_path, "1-blocked"))
    repo.commit("more shell", **{"lib.py": VULNERABLE_APP})
    reports.append(_gate(repo, tmp_path, "2-blocked"))
    repo.commit("fix, keep the waived deploy helper", **{
        "app.py": FIXED_APP, "lib.py": FIXED_APP, "tools/deploy.py": WAIVED_TOOL,
    })  # fmt: skip
    _sign(repo, key)
    reports.append(_gate(repo, tmp_path, "3-waived"))
    fixed = repo.commit("docs", **{"README.md": "# shop\n"})
    _sign(repo, key)
    reports.append(_gate(repo, tmp_path, "4-signed-off"))
    repo.git("checkout", "-q", "-b", "feature")
    feature = repo.commit("feature", **{"feature.py": VULNERABLE_APP})
    reports.append(
        _gate(repo, tmp_path, "5-pull-request", "--mode", "pull-request",
              "--base", fixed, "--head", feature)
    )  # fmt: skip
    repo.git("checkout", "-q", "main")
    repo.tag("v1.0.0")
    repo.git("checkout", "-q", "v1.0.0")  # the release job checks the tag out
    reports.append(_gate(repo, tmp_path, "6-tag"))
    return repo, remote, reports


def test_six_runs_are_pushed_fetched_by_a_second_clone_and_read_back(
    six_runs: tuple[GitRepo, Path, list[dict[str, object]]], tmp_path: Path
) -> None:
    repo, remote, reports = six_runs
    assert [r["decision"] for r in reports] == ["block", "block", "pass", "pass", "block", "pass"]
    pushed = releasegate("records", "push", "--repo", str(repo.root))
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed 6 records to origin" in pushed.stdout

    second = tmp_path / "second"
    subprocess.run(["git", "clone", "-q", str(remote), str(second)], check=True)
    fetched = releasegate("records", "fetch", "--repo", str(second))
    assert fetched.returncode == 0, fetched.stderr
    assert "6 records from origin" in fetched.stdout
    records: list[RecordJSON] = load_records_ref(second)
    assert [r.decision.value for r in records] == [r["decision"] for r in reports]
    assert [r.commit for r in records] == [r["release"]["commit"] for r in reports]  # type: ignore[index]
    waived = records[2]
    assert waived.counts.by_state.waived == 1
    assert waived.waivers[0].owner == "ops@example.com"
    assert waived.signoff is not None and waived.signoff.signer == "sec@example.com"
    assert records[3].decision is Verdict.PASS and records[3].signoff is not None
    assert records[4].mode is Mode.PULL_REQUEST
    assert records[5].ref == "refs/tags/v1.0.0"
    verified = releasegate("audit", "verify", "--repo", str(second), "--records")
    assert verified.returncode == 0, verified.stderr
    assert "6 records, chain intact" in verified.stdout

    # The second clone's dashboard lists all six, newest first, with their verdicts.
    site = tmp_path / "site"
    done = releasegate(
        "dashboard", "--repo", str(second), "--records", "refs/releasegate/records",
        "--out", str(site),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    index = (site / "index.html").read_text("utf-8")
    history = index[index.index('<section id="history">') :]
    body = history[history.index("<tbody>") : history.index("</tbody>")]
    assert re.findall(r'class="verdict v-([a-z-]+)"', body) == [
        r["decision"] for r in reversed(reports)
    ]
    commits = [str(r["release"]["commit"])[:12] for r in reversed(reports)]  # type: ignore[index]
    assert [c[:12] for c in re.findall(r"<code>([0-9a-f]+)</code>", body)] == commits
    assert "showing 6 of 6 runs" in index
    assert "tag v1.0.0" in body
    rows = list(csv.DictReader(io.StringIO((site / "history.csv").read_text("utf-8"))))
    assert len(rows) == 6
    assert sorted(row["decision"] for row in rows) == sorted(str(r["decision"]) for r in reports)
    assert len(list((site / "runs").glob("*.html"))) == 6
