"""Scope: include globs select candidates, exclude globs take some out again."""

from __future__ import annotations

from releasegate.policy.schema import DEFAULT_EXCLUDES
from releasegate.scope import Scope, select_files

FILES = (
    "setup.py",
    "src/app/__init__.py",
    "src/app/core.py",
    "src/app/tests/test_core.py",
    "src/app/conftest.py",
    "src/app/core_test.py",
    "src/app/test_helpers.py",
    "tests/test_app.py",
    "testing/fixtures.py",
    "docs/conf.py",
    "build/lib/app/core.py",
    "venv/lib/site.py",
    "pkg.egg-info/top.py",
    "src/app/__pycache__/core.py",
    "README.md",
    "src/app/data.json",
    "src/app/stubs.pyi",
    "src/mytests/real.py",
    "src/contest.py",
    "examples/demo/app.py",
    "scripts/release.py",
    "benchmarks/bench_core.py",
    "src/app/docs/render.py",
    "src/app/scripts/cli.py",
)


def test_default_policy_scope_keeps_product_code_only() -> None:
    scope = select_files(FILES, ["**/*.py"], DEFAULT_EXCLUDES)
    # What does not ship is out (top-level docs, examples, scripts, benchmarks); a
    # package's own docs or scripts subpackage ships and stays in.
    assert scope.included == (
        "setup.py",
        "src/app/__init__.py",
        "src/app/core.py",
        "src/app/docs/render.py",
        "src/app/scripts/cli.py",
        "src/contest.py",
        "src/mytests/real.py",
    )
    assert scope.excluded == (
        "benchmarks/bench_core.py",
        "build/lib/app/core.py",
        "docs/conf.py",
        "examples/demo/app.py",
        "pkg.egg-info/top.py",
        "scripts/release.py",
        "src/app/__pycache__/core.py",
        "src/app/conftest.py",
        "src/app/core_test.py",
        "src/app/test_helpers.py",
        "src/app/tests/test_core.py",
        "testing/fixtures.py",
        "tests/test_app.py",
        "venv/lib/site.py",
    )


def test_files_no_include_matches_are_neither_included_nor_excluded() -> None:
    scope = select_files(FILES, ["**/*.py"], DEFAULT_EXCLUDES)
    for path in ("README.md", "src/app/data.json", "src/app/stubs.pyi"):
        assert path not in scope.included
        assert path not in scope.excluded


def test_include_can_add_files_without_the_py_suffix() -> None:
    scope = select_files(["bin/deploy", "bin/deploy.sh", "app.py"], ["**/*.py", "bin/*"], [])
    assert scope.included == ("app.py", "bin/deploy", "bin/deploy.sh")
    assert scope.excluded == ()


def test_a_directory_glob_covers_everything_below_it() -> None:
    scope = select_files(["src/a.py", "src/deep/b.py", "other/c.py"], ["src/"], [])
    assert scope.included == ("src/a.py", "src/deep/b.py")


def test_anchored_exclude_only_matches_at_the_root() -> None:
    scope = select_files(["gen/a.py", "pkg/gen/b.py"], ["**/*.py"], ["/gen/"])
    assert scope.included == ("pkg/gen/b.py",)
    assert scope.excluded == ("gen/a.py",)


def test_negated_exclude_brings_a_file_back() -> None:
    scope = select_files(
        ["tests/test_a.py", "tests/keep_me.py"], ["**/*.py"], ["tests/*", "!tests/keep_me.py"]
    )
    assert scope.included == ("tests/keep_me.py",)
    assert scope.excluded == ("tests/test_a.py",)


def test_empty_include_selects_nothing_and_empty_exclude_removes_nothing() -> None:
    assert select_files(["a.py"], [], ["**"]) == Scope(included=(), excluded=())
    assert select_files(["a.py"], ["*.py"], []) == Scope(included=("a.py",), excluded=())


def test_result_is_sorted_and_free_of_duplicates() -> None:
    scope = select_files(["b.py", "a.py", "b.py", "tests/x.py", "tests/x.py"], ["*.py"], ["tests/"])
    assert scope.included == ("a.py", "b.py")
    assert scope.excluded == ("tests/x.py",)


def test_globs_do_not_match_across_similar_names() -> None:
    scope = select_files(
        ["tests/a.py", "tests_extra/b.py", "mytests/c.py"], ["**/*.py"], ["tests/"]
    )
    assert scope.excluded == ("tests/a.py",)
    assert scope.included == ("mytests/c.py", "tests_extra/b.py")
