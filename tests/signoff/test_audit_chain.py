"""The audit trail: every gate run appends a hash-chained record; ``releasegate audit
verify`` names the first edited, removed or reordered record."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import GitRepo, releasegate

from releasegate.audit import GENESIS, seal, verify_chain
from releasegate.canonical import canonical_bytes, digest_of
from releasegate.codec import record_from_json
from releasegate.model import Stage, Status


def gate_run(repo: GitRepo, log: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", "--no-cache",
        "--audit-log", str(log), *args,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done


def verify(log: Path) -> subprocess.CompletedProcess[str]:
    return releasegate("audit", "verify", "--audit-log", str(log))


@pytest.fixture(scope="module")
def three_records(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[bytes], str]:
    """A log of three real gate runs (two commits) and the commit of the last."""
    root = tmp_path_factory.mktemp("audit")
    repo = GitRepo(root / "repo")
    repo.commit("one", **{"app.py": "X = 1\n"})
    log = root / "audit.jsonl"
    gate_run(repo, log)
    gate_run(repo, log)
    repo.commit("two", **{"app.py": "X = 2\n"})
    gate_run(repo, log, "--mode", "pull-request")
    return log.read_bytes().splitlines(), repo.head()


def write(tmp_path: Path, lines: list[bytes]) -> Path:
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    return log


def test_every_run_appends_a_chained_record(
    three_records: tuple[list[bytes], str], tmp_path: Path
) -> None:
    lines, head = three_records
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert records[0]["prev"] == GENESIS
    assert records[1]["prev"] == records[0]["digest"]
    assert records[2]["prev"] == records[1]["digest"]
    last = records[2]
    assert last["commit"] == head
    assert last["decision"] == "partial-pass"  # --only bandit: not a certification
    assert last["scope"]["complete"] is False
    assert last["mode"] == "pull-request"
    assert last["evidence_digest"].startswith("sha256:")
    assert last["tool_versions"]["bandit"]
    assert last["who"]["user"] and last["who"]["hostname"]
    assert last["signoff"] is None
    assert [{k: c[k] for k in ("id", "status")} for c in last["checks"]] == [
        {"id": "bandit", "status": "pass"}
    ]
    # Format 2: the record is the codec's, and reads back as one.
    assert last["format"] == "releasegate-record/2"
    assert record_from_json(last).stages == {Stage.STATIC: Status.PASS}
    assert all(line == canonical_bytes(json.loads(line)) for line in lines)
    done = verify(write(tmp_path, lines))
    assert done.returncode == 0, done.stderr
    assert f"3 records, chain intact (head {last['digest']})" in done.stdout


def test_the_runner_of_a_workflow_is_recorded(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", **{"app.py": "X = 1\n"})
    log = tmp_path / "log.jsonl"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress",
        "--audit-log", str(log),
        env={"GITHUB_RUN_ID": "99", "GITHUB_WORKFLOW": "release", "GITHUB_ACTOR": "carol"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(log.read_bytes())
    assert {k: record["who"][k] for k in ("github_run_id", "github_workflow", "github_actor")} == {
        "github_run_id": "99",
        "github_workflow": "release",
        "github_actor": "carol",
    }


def test_the_default_log_is_inside_the_git_directory(repo: GitRepo) -> None:
    repo.commit("one", **{"app.py": "X = 1\n"})
    done = releasegate("run", "--repo", str(repo.root), "--only", "bandit", "--no-progress")
    assert done.returncode == 0, done.stderr
    log = repo.root / ".git" / "releasegate" / "audit.jsonl"
    assert len(log.read_bytes().splitlines()) == 1
    done = releasegate("audit", "verify", "--repo", str(repo.root))
    assert done.returncode == 0 and "1 records, chain intact" in done.stdout
    releasegate("run", "--repo", str(repo.root), "--only", "bandit", "--no-audit")
    assert len(log.read_bytes().splitlines()) == 1


def test_an_edited_record_is_named(three_records: tuple[list[bytes], str], tmp_path: Path) -> None:
    lines, _ = three_records
    edited = lines[1].replace(b'"decision":"partial-pass"', b'"decision":"pass"')
    assert edited != lines[1]
    done = verify(write(tmp_path, [lines[0], edited, lines[2]]))
    assert done.returncode == 1
    assert "record 2: edited" in done.stderr
    assert "chain broken at record 2 of 3" in done.stdout


def test_an_edited_and_resealed_record_breaks_the_chain_after_it(
    three_records: tuple[list[bytes], str], tmp_path: Path
) -> None:
    lines, _ = three_records
    record: dict[str, Any] = json.loads(lines[1])
    record["reasons"] = ["nothing to see"]
    resealed = canonical_bytes(seal(record, seq=2, prev=record["prev"]))
    done = verify(write(tmp_path, [lines[0], resealed, lines[2]]))
    assert done.returncode == 1
    assert "record 3: the chain is broken: it does not follow record 2" in done.stderr


def test_a_deleted_record_is_named(three_records: tuple[list[bytes], str], tmp_path: Path) -> None:
    lines, _ = three_records
    done = verify(write(tmp_path, [lines[0], lines[2]]))
    assert done.returncode == 1
    assert "record 2 removed: line 2 holds record 3" in done.stderr


def test_swapped_records_are_named(three_records: tuple[list[bytes], str], tmp_path: Path) -> None:
    lines, _ = three_records
    done = verify(write(tmp_path, [lines[0], lines[2], lines[1]]))
    assert done.returncode == 1
    assert "record 2: out of order" in done.stderr


def test_a_truncated_record_is_named(
    three_records: tuple[list[bytes], str], tmp_path: Path
) -> None:
    lines, _ = three_records
    done = verify(write(tmp_path, [lines[0], lines[1], lines[2][:40]]))
    assert done.returncode == 1
    assert "record 3: line 3 is not a JSON record" in done.stderr


def test_a_missing_log_is_a_usage_error(tmp_path: Path) -> None:
    done = verify(tmp_path / "nowhere.jsonl")
    assert done.returncode == 2
    assert "no audit log here" in done.stderr


def test_a_run_refuses_to_chain_to_an_unreadable_last_record(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", **{"app.py": "X = 1\n"})
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b"{not json\n")
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress",
        "--audit-log", str(log),
    )  # fmt: skip
    assert done.returncode == 2
    assert "the last audit record is unreadable" in done.stderr


def test_verify_chain_reports_the_first_problem_only() -> None:
    first = seal({"n": 1}, seq=1, prev=GENESIS)
    second = seal({"n": 2}, seq=2, prev=str(first["digest"]))
    lines = [canonical_bytes(first), canonical_bytes(second)]
    assert verify_chain(lines).intact
    assert verify_chain(lines).head == second["digest"]
    assert second["digest"] == digest_of({k: v for k, v in second.items() if k != "digest"})
    report = verify_chain([lines[1], lines[0]])
    assert (report.record, report.intact) == (1, False)


# --- truncation, emptying and torn appends ------------------------------------------------


def _gate_repo(tmp_path: Path) -> tuple[GitRepo, Path]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("one", **{"app.py": "X = 1\n"})
    log = tmp_path / "audit.jsonl"
    for _ in range(3):
        gate_run(repo, log)
    return repo, log


def _verify_repo(repo: GitRepo, log: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return releasegate("audit", "verify", "--repo", str(repo.root), "--audit-log", str(log), *args)


def test_cutting_records_off_the_end_is_detected_by_the_anchor(tmp_path: Path) -> None:
    repo, log = _gate_repo(tmp_path)
    intact = _verify_repo(repo, log)
    assert intact.returncode == 0 and "matches its anchor" in intact.stdout
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2]))
    done = _verify_repo(repo, log)
    assert done.returncode == 1
    assert "truncated: the log holds 2 records, but the anchor ref recorded 3" in done.stderr
    log.write_bytes(b"")
    done = _verify_repo(repo, log)
    assert done.returncode == 1
    assert "truncated: the log holds 0 records" in done.stderr


def test_a_log_rebuilt_from_scratch_does_not_match_its_anchor(tmp_path: Path) -> None:
    repo, log = _gate_repo(tmp_path)
    log.unlink()
    other = GitRepo(tmp_path / "other")
    other.commit("x", **{"app.py": "X = 1\n"})
    for _ in range(3):
        gate_run(other, log)  # a new, self-consistent chain of three records
    done = _verify_repo(repo, log)
    assert done.returncode == 1
    assert "rewritten: record 3 is not the one the anchor ref recorded" in done.stderr


def test_expect_pins_the_log_to_a_published_head(tmp_path: Path) -> None:
    repo, log = _gate_repo(tmp_path)
    pin = next(
        line.split("--expect ")[1]
        for line in _verify_repo(repo, log).stdout.splitlines()
        if "--expect" in line
    )
    assert _verify_repo(repo, log, "--expect", pin).returncode == 0
    done = _verify_repo(repo, log, "--expect", "4:" + pin.split(":", 1)[1])
    assert done.returncode == 1 and "--expect recorded 4" in done.stderr
    bad = _verify_repo(repo, log, "--expect", "three")
    assert bad.returncode == 2 and "RECORDS:HEAD" in bad.stderr


def test_a_torn_append_is_named_refused_and_repaired(tmp_path: Path) -> None:
    repo, log = _gate_repo(tmp_path)
    whole = log.read_bytes()
    # A SIGKILL in the middle of the fourth append: half a record, no newline.
    log.write_bytes(whole + whole.splitlines()[0][:57])
    done = _verify_repo(repo, log)
    assert done.returncode == 1
    assert "record 4: torn: the last append was interrupted" in done.stderr
    refused = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", "--audit-log",
        str(log),
    )  # fmt: skip
    assert refused.returncode == 2  # the verdict is printed, the record cannot be chained
    assert "BLOCKED" in refused.stdout or "CHECKS PASSED" in refused.stdout
    assert "releasegate audit repair" in refused.stderr
    repaired = releasegate("audit", "repair", "--repo", str(repo.root), "--audit-log", str(log))
    assert repaired.returncode == 0, repaired.stderr
    assert log.read_bytes() == whole
    assert log.with_name("audit.jsonl.torn").read_bytes() == whole.splitlines()[0][:57] + b"\n"
    assert gate_run(repo, log).returncode in (0, 1)
    assert _verify_repo(repo, log).returncode == 0
