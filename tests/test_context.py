"""The release range is resolved carefully from real git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rg_testlib import GitRepo

from releasegate.context import resolve_context
from releasegate.errors import GitError

ZERO = "0" * 40


def test_base_is_the_newest_release_tag_that_is_an_ancestor(repo: GitRepo) -> None:
    repo.commit("one", **{"a.py": "a = 1\n"})
    repo.tag("v1.0")
    second = repo.commit("two", **{"b.py": "b = 2\n"})
    repo.tag("v1.1")
    repo.tag("nightly-1")
    repo.commit("three", **{"c.py": "c = 3\n"})
    ctx = resolve_context(repo.root)
    assert ctx.base == second
    assert ctx.base_source == "release tag v1.1"
    assert [c.subject for c in ctx.commits] == ["three"]
    assert ctx.changed_files == ("c.py",)


def test_a_tag_on_head_itself_is_not_its_own_base(repo: GitRepo) -> None:
    first = repo.commit("one", **{"a.py": "a = 1\n"})
    repo.tag("v1.0")
    repo.commit("two", **{"b.py": "b = 2\n"})
    repo.tag("v2.0")
    ctx = resolve_context(repo.root)
    assert ctx.base == first
    assert ctx.ref is not None


def test_tags_not_matching_the_pattern_are_ignored(repo: GitRepo) -> None:
    root = repo.commit("one")
    repo.tag("nightly")
    repo.commit("two")
    ctx = resolve_context(repo.root, tag_pattern="release-*")
    assert ctx.base == root
    assert ctx.base_source.startswith("root commit")


def test_base_is_the_merge_base_with_the_default_branch(repo: GitRepo) -> None:
    fork = repo.commit("one", **{"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature work", **{"f.py": "f = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", **{"m.py": "m = 1\n"})
    repo.git("checkout", "-q", "feature")
    ctx = resolve_context(repo.root)
    assert ctx.base == fork
    assert ctx.base_source == "merge base with main"
    assert ctx.changed_files == ("f.py",)
    assert ctx.ref == "refs/heads/feature"


def test_explicit_base_and_head(repo: GitRepo) -> None:
    first = repo.commit("one")
    second = repo.commit("two", **{"x.py": "x = 1\n"})
    repo.commit("three", **{"y.py": "y = 1\n"})
    ctx = resolve_context(repo.root, base=first, head=second)
    assert (ctx.base, ctx.head) == (first, second)
    assert ctx.changed_files == ("x.py",)
    assert not ctx.head_is_checked_out


def test_all_zero_base_means_a_new_branch_and_falls_back_to_the_default(repo: GitRepo) -> None:
    first = repo.commit("one")
    repo.tag("v1")
    repo.commit("two")
    ctx = resolve_context(repo.root, base=ZERO)
    assert ctx.base == first
    assert "all-zero SHA (new branch)" in ctx.base_source


def test_all_zero_head_is_a_clear_error(repo: GitRepo) -> None:
    repo.commit("one")
    with pytest.raises(GitError, match="all-zero SHA"):
        resolve_context(repo.root, head=ZERO)


def test_unknown_revision_is_a_clear_error(repo: GitRepo) -> None:
    repo.commit("one")
    with pytest.raises(GitError, match="cannot resolve base 'nope'"):
        resolve_context(repo.root, base="nope")


def test_shallow_clone_says_how_to_fetch_history(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one")
    repo.commit("two")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True
    )
    with pytest.raises(GitError) as info:
        resolve_context(clone)
    assert "shallow clone" in info.value.diagnostics()
    assert "fetch-depth: 0" in info.value.diagnostics()


def test_detached_head_is_judged(repo: GitRepo) -> None:
    first = repo.commit("one")
    repo.commit("two")
    repo.git("checkout", "-q", "--detach", first)
    ctx = resolve_context(repo.root)
    assert ctx.head == first
    assert ctx.ref is None
    assert ctx.head_is_checked_out


def test_dirty_tracked_files_are_reported_untracked_are_not(repo: GitRepo) -> None:
    repo.commit("one", **{"app.py": "x = 1\n"})
    repo.write("app.py", "x = 2\n")
    repo.write("report.json", "{}")
    ctx = resolve_context(repo.root)
    assert ctx.dirty_files == ("app.py",)


def test_not_a_repository_and_empty_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        resolve_context(tmp_path)
    GitRepo(tmp_path / "empty")
    with pytest.raises(GitError, match="no commits yet"):
        resolve_context(tmp_path / "empty")


def test_checkout_of_another_commit_holds_exactly_its_files(repo: GitRepo) -> None:
    first = repo.commit(
        "one",
        **{
            "app.py": "print('head')\n",
            ".gitattributes": "hidden.py export-ignore\n",
            "hidden.py": "x = 1\n",
        },
    )
    repo.commit("two", **{"app.py": "print('later')\n", "new.py": "y = 2\n"})
    ctx = resolve_context(repo.root, head=first)
    assert sorted(ctx.tracked_files()) == [".gitattributes", "app.py", "hidden.py"]
    with ctx.checkout() as tree:
        assert tree != repo.root
        assert (tree / "app.py").read_text() == "print('head')\n"
        # export-ignore in the judged commit cannot hide a file from the scan
        assert (tree / "hidden.py").exists()
        assert not (tree / "new.py").exists()
    assert not tree.exists()


def test_checkout_of_a_dirty_head_is_the_committed_content(repo: GitRepo) -> None:
    repo.commit("one", **{"app.py": "committed = True\n"})
    repo.write("app.py", "uncommitted = True\n")
    ctx = resolve_context(repo.root)
    with ctx.checkout() as tree:
        assert (tree / "app.py").read_text() == "committed = True\n"


def test_checkout_of_clean_head_is_the_work_tree(repo: GitRepo) -> None:
    repo.commit("one", **{"app.py": "x = 1\n"})
    ctx = resolve_context(repo.root)
    with ctx.checkout() as tree:
        assert tree == repo.root.resolve()


def test_hostile_file_names_survive(repo: GitRepo) -> None:
    repo.commit("one")
    name = 'we"ird\nname $(x).py'
    repo.commit("two", **{name: "x = 1\n"})
    ctx = resolve_context(repo.root)
    assert ctx.changed_files == (name,)


@pytest.mark.parametrize("tag", ["3.1.3", "v3.1.3", "release-3.1.3", "release/3.1", "2.0.0rc1"])
def test_version_tags_are_release_tags_by_default(repo: GitRepo, tag: str) -> None:
    tagged = repo.commit("one", **{"a.py": "a = 1\n"})
    repo.tag(tag)
    repo.commit("two", **{"b.py": "b = 2\n"})
    ctx = resolve_context(repo.root)
    assert ctx.base == tagged
    assert ctx.base_source == f"release tag {tag}"


def test_the_newest_version_tag_in_the_history_is_the_base(repo: GitRepo) -> None:
    repo.commit("one", **{"a.py": "a = 1\n"})
    repo.tag("1.0.0")
    second = repo.commit("two", **{"b.py": "b = 2\n"})
    repo.tag("1.1.0")
    repo.tag("nightly")
    third = repo.commit("three", **{"c.py": "c = 3\n"})
    repo.tag("latest")
    repo.commit("four", **{"d.py": "d = 4\n"})
    ctx = resolve_context(repo.root)
    assert (ctx.base, ctx.base_source) == (second, "release tag 1.1.0")
    assert ctx.base != third


def test_when_no_tag_is_a_release_tag_the_source_names_the_tags_and_the_key(
    repo: GitRepo,
) -> None:
    root = repo.commit("one")
    repo.tag("nightly")
    repo.tag("stable")
    repo.commit("two")
    ctx = resolve_context(repo.root)
    assert ctx.base == root
    assert ctx.base_source.startswith("root commit")
    assert "no tag matches release.tag_pattern (version tags" in ctx.base_source
    assert "tags seen: " in ctx.base_source
    assert "nightly" in ctx.base_source and "stable" in ctx.base_source
    assert "set release.tag_pattern" in ctx.base_source
    # A glob set in the policy is matched as written, and named in the hint.
    ctx = resolve_context(repo.root, tag_pattern="release-*")
    assert "no tag matches release.tag_pattern ('release-*')" in ctx.base_source


def test_a_history_without_tags_says_so_when_the_root_is_the_base(repo: GitRepo) -> None:
    repo.commit("one")
    repo.commit("two")
    ctx = resolve_context(repo.root)
    assert ctx.base_source == (
        "root commit (no release tag, no merge base); "
        "the history has no tags; tag releases to match release.tag_pattern"
    )
