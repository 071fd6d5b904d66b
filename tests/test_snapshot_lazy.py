"""The lazy snapshot: a run writes the files its analysers read, not the whole tree.

What must hold: the snapshot knows every file and every tree issue before it writes a
byte; ``materialize`` writes exactly what is asked (a link's target bytes under the
link's name, a re-encoded file's UTF-8 text), once; the checks of the default policy
declare what they read, so a run writes the static scope and the few files the others
name, and a check that does not declare (a new one) gets the whole tree.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import cast

import pytest
from rg_testlib import GitRepo

from releasegate import snapshot
from releasegate.checkapi import BaseCheck, Check
from releasegate.checks.registry import REGISTRY
from releasegate.decide import StaticInputs
from releasegate.model import Stage
from releasegate.pipeline import Workspace, snapshot_reads
from releasegate.policy.loader import parse_policy
from releasegate.policy.schema import Policy
from releasegate.snapshot import IssueKind, build_snapshot

UTF7 = b"# -*- coding: utf-7 -*-\nx = 1 +ACM- hidden\n"


def _written(root: Path) -> set[str]:
    return {
        str(Path(dirpath, name).relative_to(root))
        for dirpath, _, names in os.walk(root)
        for name in names
    }


def test_a_lazy_snapshot_writes_only_what_is_asked_and_knows_every_issue(repo: GitRepo) -> None:
    repo.commit(
        "tree",
        **{
            "app/core.py": "x = 1\n",
            "docs/index.md": "# docs\n",
            "enc.py": "",
            "bad.py": "",
            "real/target.py": "y = 2\n",
        },
    )
    (repo.root / "enc.py").write_bytes(UTF7)
    (repo.root / "bad.py").write_bytes(b"# coding: utf-7\nx = '+\xff\xfe-'\n")
    (repo.root / "linked.py").symlink_to("real/target.py")
    repo.commit("bytes and a link")
    with tempfile.TemporaryDirectory() as scratch:
        dest = Path(scratch)
        snapshot = build_snapshot(repo.root / ".git", "HEAD", dest, lazy=True)
        assert _written(dest) == set()
        assert set(snapshot.files) >= {"app/core.py", "docs/index.md", "linked.py", "enc.py"}
        kinds = {(i.path, i.kind) for i in snapshot.issues}
        assert ("enc.py", IssueKind.REENCODED) in kinds  # judged without being written
        assert ("bad.py", IssueKind.UNDECODABLE) in kinds
        snapshot.materialize(["app/core.py", "linked.py", "enc.py", "not/a/file.py"])
        assert _written(dest) == {"app/core.py", "linked.py", "enc.py"}
        assert (dest / "linked.py").read_text() == "y = 2\n"  # the target's bytes
        assert (dest / "enc.py").read_bytes().startswith(b"# -*- coding: utf-8 -*-\n")
        assert "#" in (dest / "enc.py").read_text("utf-8").splitlines()[1]  # +ACM- decoded
        assert snapshot.written == 3
        snapshot.materialize(None)
        assert _written(dest) == set(snapshot.files)


def test_an_eager_snapshot_writes_every_file(repo: GitRepo) -> None:
    repo.commit("tree", **{"a.py": "x = 1\n", "b/c.txt": "c\n"})
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = build_snapshot(repo.root / ".git", "HEAD", Path(scratch))
        assert _written(Path(scratch)) == set(snapshot.files) == {"a.py", "b/c.txt"}


def _policy(text: str = "version: 1\n") -> Policy:
    return parse_policy(text, "test")


def test_the_default_checks_read_the_scope_and_what_they_name_not_the_tree() -> None:
    files = (
        "src/shop/app.py",
        "tests/test_app.py",
        "docs/conf.py",
        "docs/big.bin",
        ".github/workflows/ci.yml",
        "requirements.txt",
        "pyproject.toml",
    )
    workspace = Workspace(
        tree=Path(), files=files, all_files=files, issues=(), static=StaticInputs()
    )
    policy = _policy()
    analysers = [c for c in REGISTRY.values() if c.stage in (Stage.STATIC, Stage.DEPENDENCIES)]
    wanted = snapshot_reads([*analysers, REGISTRY["review"]], policy, workspace)
    assert wanted is not None
    assert {"src/shop/app.py", ".github/workflows/ci.yml", "pyproject.toml"} <= wanted
    assert "docs/big.bin" not in wanted and "tests/test_app.py" not in wanted
    # The dependency files by name are written in the batch; their includes on demand.
    assert "requirements.txt" in wanted


class _Undeclared(BaseCheck):
    id = "undeclared"
    stage = Stage.CUSTOM


class _Declared(BaseCheck):
    id = "declared"
    stage = Stage.CUSTOM

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        return ["x.py"]


def test_a_check_that_does_not_say_what_it_reads_gets_the_whole_tree() -> None:
    both = ("x.py", "y.py")
    workspace = Workspace(tree=Path(), files=both, all_files=both, issues=(), static=StaticInputs())
    declared, undeclared = cast(Check, _Declared()), cast(Check, _Undeclared())
    assert snapshot_reads([declared], _policy(), workspace) == {"x.py"}
    assert snapshot_reads([declared, undeclared], _policy(), workspace) is None


# --- where the snapshot is written ----------------------------------------------------------


def _memory_dir_usable() -> bool:
    return snapshot.MEMORY_DIR.is_dir() and os.access(snapshot.MEMORY_DIR, os.W_OK)


@pytest.mark.skipif(not _memory_dir_usable(), reason="no writable /dev/shm on this machine")
def test_a_snapshot_is_written_in_memory_when_there_is_room_and_removed_after(
    repo: GitRepo,
) -> None:
    repo.commit("tree", **{"a.py": "x = 1\n"})
    with snapshot.head_snapshot(repo.root / ".git", "HEAD", lazy=True, environ={}) as snap:
        assert snap.root.parent == snapshot.MEMORY_DIR
        assert snap.root.stat().st_mode & 0o777 == 0o700  # only this user enters it
        snap.materialize(None)
        assert (snap.root / "a.py").read_text() == "x = 1\n"
    assert not snap.root.exists()


def test_tmpdir_chooses_where_the_snapshot_is_written(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("tree", **{"a.py": "x = 1\n"})
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    environ = {"TMPDIR": str(chosen)}
    assert snapshot.snapshot_parent(0, environ) is None
    old = tempfile.tempdir
    tempfile.tempdir = str(chosen)  # what tempfile makes of TMPDIR at start-up
    try:
        with snapshot.head_snapshot(repo.root / ".git", "HEAD", environ=environ) as snap:
            assert snap.root.parent == chosen
            assert (snap.root / "a.py").read_text() == "x = 1\n"
    finally:
        tempfile.tempdir = old


@pytest.mark.skipif(not _memory_dir_usable(), reason="no writable /dev/shm on this machine")
def test_a_snapshot_too_large_for_memory_goes_to_the_temporary_directory() -> None:
    free = os.statvfs(snapshot.MEMORY_DIR)
    room = free.f_bavail * free.f_frsize
    assert snapshot.snapshot_parent(0, {}) == snapshot.MEMORY_DIR
    assert snapshot.snapshot_parent(room // 2, {}) is None  # twice over does not fit
    assert snapshot.snapshot_parent(room, {}) is None


def test_without_a_memory_directory_the_temporary_directory_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_dir = tmp_path / "shm"
    not_a_dir.write_text("a file\n")
    monkeypatch.setattr(snapshot, "MEMORY_DIR", not_a_dir)
    assert snapshot.snapshot_parent(0, {}) is None
    monkeypatch.setattr(snapshot, "MEMORY_DIR", tmp_path / "missing")
    assert snapshot.snapshot_parent(0, {}) is None
