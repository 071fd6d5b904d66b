"""``releasegate dashboard`` end to end: real gate runs on a real git repository append
to the audit log, and the dashboard made from it lists every run with its verdict; the
errors a user can hit are one line, name the file or flag, and exit 2."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from rg_testlib import FIXED_APP, VULNERABLE_APP, GitRepo, releasegate

from releasegate.audit import GENESIS, append_record
from releasegate.records.store import RECORDS_REF, build_commits, move_ref

from .dashboard_records import records, synthetic


def _history(site: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((site / "history.csv").read_text("utf-8"))))


@pytest.mark.slow
def test_real_runs_then_the_dashboard_lists_every_run_with_its_verdict(
    repo: GitRepo, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    blocked = repo.head()
    done = releasegate("run", "--repo", str(repo.root), "--only", "bandit", "--audit-log", str(log))
    assert done.returncode == 1, done.stderr
    repo.commit("fix", **{"app.py": FIXED_APP})
    fixed = repo.head()
    done = releasegate("run", "--repo", str(repo.root), "--only", "bandit", "--audit-log", str(log))
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    done = releasegate("dashboard", "--audit-log", str(log), "--out", str(site))
    assert done.returncode == 0, done.stderr
    assert "showing 2 of 2 runs" in done.stdout
    index = (site / "index.html").read_text("utf-8")
    assert "showing 2 of 2 runs" in index
    assert "\u2248 Not certified" in index  # --only bandit: a partial pass at best
    rows = _history(site)
    assert [(r["commit"], r["decision"]) for r in rows] == [
        (fixed, "partial-pass"),
        (blocked, "block"),
    ]
    assert len(set(re.findall(r'href="(runs/[0-9a-f]+\.html)"', index))) == 2
    blocked_page = next(
        p for p in (site / "runs").glob("*.html") if blocked in p.read_text("utf-8")
    ).read_text("utf-8")
    assert "B602" in blocked_page
    assert f"releasegate audit verify --audit-log {log}" in blocked_page
    for row in rows:
        assert row["record_id"].startswith("sha256:")
    assert [r["commit"] for r in json.loads((site / "history.json").read_text("utf-8"))] == [
        fixed,
        blocked,
    ]


def test_the_default_log_is_the_repositorys_and_limit_bounds_the_pages(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("init")
    log = Path(repo.git("rev-parse", "--git-common-dir"))
    log = (log if log.is_absolute() else repo.root / log) / "releasegate" / "audit.jsonl"
    for item in synthetic(30):
        append_record(log, item)
    site = tmp_path / "site"
    done = releasegate("dashboard", "--repo", str(repo.root), "--out", str(site), "--limit", "7")
    assert done.returncode == 0, done.stderr
    assert len(_history(site)) == 30
    assert len(list((site / "runs").glob("*.html"))) == 7
    index = (site / "index.html").read_text("utf-8")
    assert "showing 7 of 30 runs" in index
    assert "the repository&#39;s audit log (.git/releasegate/audit.jsonl)" in index
    # Again into the same directory (an earlier dashboard): the stale run pages go.
    done = releasegate("dashboard", "--repo", str(repo.root), "--out", str(site), "--limit", "3")
    assert done.returncode == 0, done.stderr
    assert len(list((site / "runs").glob("*.html"))) == 3


def _one_line_exit_2(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("releasegate: error")]
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_an_unreadable_line_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    good = json.dumps(records(synthetic(1))[0].model_dump(mode="json"))
    edited = json.loads(good)
    edited["decision"] = "pass" if edited["decision"] != "pass" else "block"
    log.write_text(good + "\n" + json.dumps(edited) + "\n", "utf-8")
    done = releasegate("dashboard", "--audit-log", str(log), "--out", str(tmp_path / "site"))
    _one_line_exit_2(done, f"{log}: line 2:", "not the digest of its body", "audit verify")
    log.write_text(good + "\n{torn\n", "utf-8")
    done = releasegate("dashboard", "--audit-log", str(log), "--out", str(tmp_path / "site"))
    _one_line_exit_2(done, f"{log}: line 2: not JSON")
    assert not (tmp_path / "site" / "index.html").exists()


def test_out_must_be_new_empty_or_an_earlier_dashboard(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    for item in synthetic(2):
        append_record(log, item)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", "utf-8")
    done = releasegate("dashboard", "--audit-log", str(log), "--out", str(mine))
    _one_line_exit_2(done, f"--out {mine}", "no index.html", "new or empty directory")
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    _one_line_exit_2(
        releasegate("dashboard", "--audit-log", str(log), "--out", str(afile)),
        f"--out {afile}: exists and is not a directory",
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert releasegate("dashboard", "--audit-log", str(log), "--out", str(empty)).returncode == 0


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    site = str(tmp_path / "site")
    _one_line_exit_2(
        releasegate("dashboard", "--audit-log", str(tmp_path / "none.jsonl"), "--out", site),
        "none.jsonl: no audit log here",
    )
    _one_line_exit_2(
        releasegate("dashboard", "--audit-log", "x", "--out", site, "--limit", "0"),
        "--limit 0: must be at least 1",
    )


def test_the_records_ref_is_read_like_the_log(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init", **{"app.py": "x = 1\n"})
    git_dir = repo.root / ".git"
    bodies = [dict(r) for r in synthetic(3)]
    tip = build_commits(git_dir, bodies, onto=None, seq=1, prev=GENESIS)
    assert tip is not None and move_ref(git_dir, RECORDS_REF, tip, None)
    site = tmp_path / "site"
    done = releasegate(
        "dashboard", "--repo", str(repo.root), "--records", RECORDS_REF, "--out", str(site)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = list(csv.reader(io.StringIO((site / "history.csv").read_text("utf-8"))))
    assert len(rows) == 1 + 3
    assert "releasegate audit verify --records refs/releasegate/records" in "".join(
        p.read_text("utf-8") for p in (site / "runs").iterdir()
    )
    missing = releasegate(
        "dashboard", "--repo", str(repo.root), "--records", "refs/releasegate/nope",
        "--out", str(tmp_path / "other"),
    )  # fmt: skip
    _one_line_exit_2(missing, "no refs/releasegate/nope here", "records fetch")
