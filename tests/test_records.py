"""The records ref: release records that outlive the CI runner.

Real git throughout: clones of a local bare remote, real ``releasegate`` processes,
records written by real gate runs. What must hold: a push appends each record the remote
lacks exactly once, concurrent pushes lose nothing and duplicate nothing, the remote ref
only moves forward, and ``audit verify --records`` names a record that was rewritten,
dropped or moved, as it does for the JSONL log.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import FIXED_APP, VULNERABLE_APP, GitRepo, releasegate

from releasegate.audit import GENESIS, append_record, read_lines, records_for_commit, seal
from releasegate.canonical import canonical_bytes
from releasegate.codec import SEAL_KEYS, record_id
from releasegate.records import load_audit_log, load_records_ref
from releasegate.records.store import RECORDS_REF, build_commits, move_ref, read_ref, verify_ref

LOG = Path(".git") / "releasegate" / "audit.jsonl"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    return bare


def _clone(remote: Path, where: Path) -> GitRepo:
    subprocess.run(["git", "clone", "-q", str(remote), str(where)], check=True, capture_output=True)
    repo = GitRepo.__new__(GitRepo)
    repo.root = where
    repo.git("config", "user.name", "Test Author")
    repo.git("config", "user.email", "author@example.com")
    return repo


def _gate(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", *args, env=env
    )


def _published(repo: GitRepo, remote: Path) -> GitRepo:
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    return repo


def _remote_records(remote: Path) -> list[dict[str, Any]]:
    contents = read_ref(remote, RECORDS_REF)
    assert contents.problem is None, contents.problem
    return [json.loads(r.data) for r in contents.records]


def _variants(body: dict[str, Any], count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` distinct records like ``body`` (as if from further runs)."""
    made = []
    for n in range(count):
        variant = {k: v for k, v in body.items() if k not in (*SEAL_KEYS, "id")}
        variant["time"] = f"2026-12-02T10:{n // 60:02d}:{n % 60:02d}Z"
        variant["who"] = {**variant["who"], "hostname": f"{tag}-{n}"}
        variant["id"] = record_id(variant)
        made.append(variant)
    return made


def test_records_pushed_from_a_runner_are_fetched_by_another_clone(
    repo: GitRepo, remote: Path, tmp_path: Path
) -> None:
    repo.commit("vulnerable", **{"app.py": VULNERABLE_APP})
    _published(repo, remote)
    assert _gate(repo).returncode == 1  # blocked runs are recorded too
    repo.commit("fixed", **{"app.py": FIXED_APP})
    assert _gate(repo).returncode == 0
    done = releasegate("records", "push", "--repo", str(repo.root))
    assert done.returncode == 0, done.stderr
    assert "pushed 2 records to origin" in done.stdout
    again = releasegate("records", "push", "--repo", str(repo.root))
    assert "already holds every record (2" in again.stdout, again.stdout
    pushed = _remote_records(remote)
    assert [r["decision"] for r in pushed] == ["block", "partial-pass"]
    assert [r["seq"] for r in pushed] == [1, 2]
    # The same records as the runner's log, by id.
    assert [r["id"] for r in pushed] == [r.id for r in load_audit_log(repo.root / LOG)]

    other = _clone(remote, tmp_path / "other")
    done = releasegate("records", "fetch", "--repo", str(other.root))
    assert done.returncode == 0, done.stderr
    assert "2 records from origin" in done.stdout
    fetched = load_records_ref(other.root)
    assert [r.decision.value for r in fetched] == ["block", "partial-pass"]
    verified = releasegate("audit", "verify", "--repo", str(other.root), "--records")
    assert verified.returncode == 0, verified.stderr
    assert "2 records, chain intact" in verified.stdout
    pin = verified.stdout.split("--expect ")[1].split()[0]
    pinned = releasegate("audit", "verify", "--repo", str(other.root), "--records", "--expect", pin)
    assert pinned.returncode == 0, pinned.stderr
    # Plain git reads them too, as the dashboard workflow does.
    plain = _clone(remote, tmp_path / "plain")
    _git(plain.root, "fetch", "-q", "origin", "refs/releasegate/*:refs/releasegate/*")
    assert len(load_records_ref(plain.root)) == 2


def test_two_clones_pushing_at_once_lose_nothing_and_duplicate_nothing(
    repo: GitRepo, remote: Path, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    _published(repo, remote)
    assert _gate(repo).returncode == 0
    template = json.loads(read_lines(repo.root / LOG)[0])
    clones = [_clone(remote, tmp_path / name) for name in ("one", "two", "three")]
    expected: set[str] = set()
    for clone in clones:
        log = clone.root / LOG
        for body in _variants(template, 15, clone.root.name):
            append_record(log, body)
            expected.add(body["id"])
    processes = [
        subprocess.Popen(
            ["releasegate", "records", "push", "--repo", str(clone.root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for clone in clones
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, out + err
    records = _remote_records(remote)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 45
    assert set(ids) == expected
    assert [r["seq"] for r in records] == list(range(1, 46))
    assert verify_ref(read_ref(remote, RECORDS_REF)).intact
    # Each push kept its own records in time order.
    for clone in clones:
        mine = [r["time"] for r in records if r["who"]["hostname"].startswith(clone.root.name)]
        assert mine == sorted(mine)


def _ref_of(repo: GitRepo, bodies: list[dict[str, Any]]) -> None:
    """Write ``bodies`` as the records ref the way a push does."""
    git_dir = repo.root / ".git"
    tip = build_commits(git_dir, bodies, onto=None, seq=1, prev=GENESIS)
    assert tip is not None
    assert move_ref(git_dir, RECORDS_REF, tip, None)


def _commit_tree(repo: GitRepo, files: dict[str, bytes], parent: str | None, message: str) -> str:
    """A commit on top of ``parent`` whose tree is ``parent``'s with ``files`` replaced."""
    index = repo.root / ".git" / "scratch-index"
    env_git = ["git", "-c", "core.safecrlf=false"]
    run_env = {"GIT_INDEX_FILE": str(index)}
    env = {**os.environ, **run_env}
    if parent is None:
        subprocess.run([*env_git, "read-tree", "--empty"], cwd=repo.root, env=env, check=True)
    else:
        subprocess.run([*env_git, "read-tree", parent], cwd=repo.root, env=env, check=True)
    for path, data in files.items():
        blob = subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=repo.root, input=data, capture_output=True, check=True,
        ).stdout.decode().strip()  # fmt: skip
        subprocess.run(
            [*env_git, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"],
            cwd=repo.root, env=env, check=True,
        )  # fmt: skip
    tree = (
        subprocess.run(
            ["git", "write-tree"], cwd=repo.root, env=env, capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )
    args = ["git", "commit-tree", tree, "-m", message]
    if parent is not None:
        args += ["-p", parent]
    index.unlink()
    return (
        subprocess.run(args, cwd=repo.root, capture_output=True, check=True).stdout.decode().strip()
    )


def _verify(repo: GitRepo) -> subprocess.CompletedProcess[str]:
    return releasegate("audit", "verify", "--repo", str(repo.root), "--records")


@pytest.fixture
def four(repo: GitRepo) -> list[dict[str, Any]]:
    repo.commit("app", **{"app.py": FIXED_APP})
    assert _gate(repo).returncode == 0
    template = json.loads(read_lines(repo.root / LOG)[0])
    bodies = _variants(template, 4, "run")
    _ref_of(repo, bodies)
    assert _verify(repo).returncode == 0
    return bodies


def test_a_record_edited_in_place_on_the_ref_is_named(repo: GitRepo, four: list[Any]) -> None:
    tip = repo.git("rev-parse", RECORDS_REF)
    record = json.loads(repo.git("show", f"{RECORDS_REF}:records/00000002.json"))
    record["decision"] = "pass"
    edited = _commit_tree(
        repo, {"records/00000002.json": canonical_bytes(record) + b"\n"}, tip, "tidy"
    )
    repo.git("update-ref", RECORDS_REF, edited)
    done = _verify(repo)
    assert done.returncode == 1
    assert "edits records/00000002.json" in done.stderr, done.stderr


def test_a_rewritten_history_is_named_at_the_first_record_that_differs(
    repo: GitRepo, four: list[Any]
) -> None:
    # Rebuild the ref with record 2 changed and re-sealed: its successor no longer chains.
    original: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, body in enumerate(four, start=1):
        original.append(seal(body, seq=seq, prev=prev))
        prev = str(original[-1]["digest"])
    changed = {**four[1], "reasons": ["nothing to see"]}
    records = [original[0], seal(changed, seq=2, prev=str(original[0]["digest"])), *original[2:]]
    tip = None
    for seq, record in enumerate(records, start=1):
        tip = _commit_tree(
            repo, {f"records/{seq:08d}.json": canonical_bytes(record) + b"\n"}, tip, f"r{seq}"
        )
    assert tip is not None
    repo.git("update-ref", RECORDS_REF, tip)
    done = _verify(repo)
    assert done.returncode == 1
    assert "record 3: the chain is broken" in done.stderr, done.stderr
    assert "records/00000003.json in commit" in done.stderr


def test_a_dropped_record_is_named(repo: GitRepo, four: list[Any]) -> None:
    # Records 1, 2 and 4 with their original seals: record 3 is gone.
    sealed = []
    prev = GENESIS
    for seq, body in enumerate(four, start=1):
        record = seal(body, seq=seq, prev=prev)
        prev = str(record["digest"])
        sealed.append(record)
    tip = None
    for position, record in enumerate([sealed[0], sealed[1], sealed[3]], start=1):
        tip = _commit_tree(
            repo, {f"records/{position:08d}.json": canonical_bytes(record) + b"\n"}, tip, "r"
        )
    assert tip is not None
    repo.git("update-ref", RECORDS_REF, tip)
    done = _verify(repo)
    assert done.returncode == 1
    assert "record 3 removed" in done.stderr, done.stderr


def test_a_cut_ref_fails_the_pinned_count(repo: GitRepo, four: list[Any]) -> None:
    pin = _verify(repo).stdout.split("--expect ")[1].split()[0]
    repo.git("update-ref", RECORDS_REF, f"{RECORDS_REF}~1")
    done = releasegate("audit", "verify", "--repo", str(repo.root), "--records", "--expect", pin)
    assert done.returncode == 1
    assert "truncated: the log holds 3 records, but --expect recorded 4" in done.stderr


def test_a_file_outside_records_or_a_merge_breaks_the_shape(repo: GitRepo, four: list[Any]) -> None:
    tip = repo.git("rev-parse", RECORDS_REF)
    extra = _commit_tree(repo, {"README": b"hello\n"}, tip, "readme")
    repo.git("update-ref", RECORDS_REF, extra)
    done = _verify(repo)
    assert done.returncode == 1
    assert "record 5: commit" in done.stderr
    assert "changes README" in done.stderr, done.stderr
    # A merge of two record histories is not an append either.
    merge = subprocess.run(
        ["git", "commit-tree", f"{tip}^{{tree}}", "-p", tip, "-p", f"{tip}~1", "-m", "merge"],
        cwd=repo.root, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    repo.git("update-ref", RECORDS_REF, merge)
    done = _verify(repo)
    assert done.returncode == 1
    assert "a merge; the records ref only ever appends" in done.stderr, done.stderr


def test_fetch_refuses_a_remote_whose_records_were_rewritten(
    repo: GitRepo, remote: Path, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    _published(repo, remote)
    assert _gate(repo).returncode == 0
    assert _gate(repo).returncode == 0
    assert releasegate("records", "push", "--repo", str(repo.root)).returncode == 0
    other = _clone(remote, tmp_path / "other")
    assert releasegate("records", "fetch", "--repo", str(other.root)).returncode == 0
    # Someone with write access cuts the remote's ref back by one record.
    subprocess.run(
        ["git", "--git-dir", str(remote), "update-ref", RECORDS_REF, f"{RECORDS_REF}~1"],
        check=True,
    )
    done = releasegate("records", "fetch", "--repo", str(other.root))
    assert done.returncode != 0
    assert "not a fast-forward" in done.stderr, done.stderr
    assert len(load_records_ref(other.root)) == 2  # the local copy is kept


def test_push_refuses_an_audit_log_that_does_not_verify(repo: GitRepo, remote: Path) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    _published(repo, remote)
    assert _gate(repo).returncode == 0
    assert _gate(repo).returncode == 0
    log = repo.root / LOG
    lines = log.read_bytes().splitlines()
    forged = json.loads(lines[0])
    forged["decision"] = "pass"
    log.write_bytes(canonical_bytes(forged) + b"\n" + lines[1] + b"\n")
    done = releasegate("records", "push", "--repo", str(repo.root))
    assert done.returncode == 2
    assert "record 1: edited" in done.stderr and "not pushed" in done.stderr, done.stderr
    assert read_ref(remote, RECORDS_REF).tip is None  # nothing reached the remote


def test_push_to_a_remote_that_cannot_be_reached_says_so(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    assert _gate(repo).returncode == 0
    repo.git("remote", "add", "origin", str(tmp_path / "nowhere.git"))
    done = releasegate("records", "push", "--repo", str(repo.root))
    assert done.returncode == 2
    assert "records push: cannot fetch refs/releasegate/records from origin" in done.stderr


def test_push_by_id_pushes_only_the_run_s_own_record(repo: GitRepo, remote: Path) -> None:
    # Code of the head runs in the same job as the gate; a record it chains onto the log
    # (seq, prev and digest are no secret) is not pushed when the step names its own id.
    repo.commit("app", **{"app.py": FIXED_APP})
    _published(repo, remote)
    output = repo.root.parent / "github_output"
    output.write_text("")
    done = _gate(repo, "--github-output", env={"GITHUB_OUTPUT": str(output)})
    assert done.returncode == 0, done.stderr
    own = output.read_text().split("record-id<<")[1].split("\n")[1]
    log = repo.root / LOG
    assert json.loads(read_lines(log)[0])["id"] == own
    forged = _variants(json.loads(read_lines(log)[0]), 1, "forged")[0]
    forged["decision"] = "pass"
    forged["id"] = record_id(forged)
    append_record(log, forged)
    done = releasegate("records", "push", "--repo", str(repo.root), "--id", own)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in _remote_records(remote)] == [own]
    unknown = releasegate("records", "push", "--repo", str(repo.root), "--id", "sha256:nope")
    assert unknown.returncode == 2
    assert "no record sha256:nope in this clone" in unknown.stderr, unknown.stderr


def test_a_huge_blob_or_a_link_on_the_ref_is_not_read(repo: GitRepo, four: list[Any]) -> None:
    tip = repo.git("rev-parse", RECORDS_REF)
    huge = _commit_tree(repo, {"records/00000005.json": b"x" * (5 << 20)}, tip, "huge")
    repo.git("update-ref", RECORDS_REF, huge)
    done = _verify(repo)
    assert done.returncode == 1
    assert "is 5242880 bytes, larger than any record" in done.stderr, done.stderr
    # A symbolic link where a record belongs (mode 120000) is not a record either.
    blob = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=repo.root, input=b"/etc/passwd",
        capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
    index = {"GIT_INDEX_FILE": str(repo.root / ".git" / "link-index")}
    env = {**os.environ, **index}
    subprocess.run(["git", "read-tree", tip], cwd=repo.root, env=env, check=True)
    subprocess.run(
        ["git", "update-index", "--add", "--cacheinfo", f"120000,{blob},records/00000005.json"],
        cwd=repo.root, env=env, check=True,
    )  # fmt: skip
    tree = subprocess.run(
        ["git", "write-tree"], cwd=repo.root, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    link = repo.git("commit-tree", tree, "-p", tip, "-m", "link")
    repo.git("update-ref", RECORDS_REF, link)
    done = _verify(repo)
    assert done.returncode == 1
    assert "changes records/00000005.json" in done.stderr, done.stderr


def test_push_refuses_a_local_records_ref_that_does_not_verify(
    repo: GitRepo, four: list[Any], remote: Path
) -> None:
    tip = repo.git("rev-parse", RECORDS_REF)
    record = json.loads(repo.git("show", f"{RECORDS_REF}:records/00000001.json"))
    record["decision"] = "pass"
    edited = _commit_tree(repo, {"records/00000001.json": canonical_bytes(record)}, tip, "x")
    repo.git("update-ref", RECORDS_REF, edited)
    _published(repo, remote)
    done = releasegate("records", "push", "--repo", str(repo.root))
    assert done.returncode == 2
    assert "edits records/00000001.json" in done.stderr, done.stderr
    assert "its records are not pushed" in done.stderr
    assert read_ref(remote, RECORDS_REF).tip is None


def test_the_audit_excerpt_of_a_commit_holds_its_gate_records_not_watch_runs() -> None:
    """A watch record's ``commit`` is the HEAD whose policy it read, not a decision on it:
    the evidence pack's excerpt of that commit must not include it."""
    commit = "c" * 40
    lines = [
        json.dumps({"kind": "gate-decision", "commit": commit, "seq": 1}).encode(),
        json.dumps({"kind": "watch", "commit": commit, "seq": 2}).encode(),
        json.dumps({"format": "releasegate-audit/1", "commit": commit, "seq": 3}).encode(),
        json.dumps({"kind": "gate-decision", "commit": "d" * 40, "seq": 4}).encode(),
    ]
    found = [json.loads(line)["seq"] for line in records_for_commit(lines, commit)]
    assert found == [1, 3]
