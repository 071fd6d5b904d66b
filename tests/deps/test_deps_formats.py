"""The registry of dependency file formats: one source a kind, one table for all."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.deps.pins import SourceKind
from releasegate.deps.sources.base import DependencySource
from releasegate.deps.sources.collector import collect
from releasegate.deps.sources.formats import SOURCES, kind_of, source_of

EXAMPLES = {
    SourceKind.REQUIREMENTS: "sub/requirements-dev.txt",
    SourceKind.PYPROJECT: "pyproject.toml",
    SourceKind.UV_LOCK: "uv.lock",
    SourceKind.POETRY_LOCK: "poetry.lock",
    SourceKind.PIPFILE_LOCK: "Pipfile.lock",
    SourceKind.PYLOCK: "pylock.dev.toml",
}


def test_every_kind_is_read_by_exactly_one_source() -> None:
    read = [kind for source in SOURCES for kind in (source.kind, *source.included)]
    assert sorted(read, key=lambda k: k.value) == sorted(SourceKind, key=lambda k: k.value)
    for kind in SourceKind:
        assert kind in (source_of(kind).kind, *source_of(kind).included)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.kind.value)
def test_each_source_alone_matches_its_files(source: DependencySource) -> None:
    example = EXAMPLES[source.kind]
    assert [s for s in SOURCES if s.matches(example)] == [source]
    assert kind_of(example) is source.kind


def test_lock_files_are_read_before_pyproject_before_requirements() -> None:
    phase = {source.kind: source.phase for source in SOURCES}
    locks = {kind for kind in phase if kind.is_lock}
    assert max(phase[k] for k in locks) < phase[SourceKind.PYPROJECT]
    assert phase[SourceKind.PYPROJECT] < phase[SourceKind.REQUIREMENTS]


def test_the_locks_that_pin_a_pyproject_say_how_to_update_them(tmp_path: Path) -> None:
    """A pyproject.toml beside a lock with a ``lock_command`` is pinned by it, and a
    dependency the lock lacks names that command; Pipfile.lock pins a Pipfile only."""
    commands = {source.kind: source.lock_command for source in SOURCES}
    assert commands[SourceKind.UV_LOCK] == "`uv lock`"
    assert commands[SourceKind.POETRY_LOCK] == "`poetry lock`"
    assert commands[SourceKind.PYLOCK]
    assert commands[SourceKind.PIPFILE_LOCK] is None
    assert commands[SourceKind.PYPROJECT] is None and commands[SourceKind.REQUIREMENTS] is None
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["django>=4", "six"]\n'
    )
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "django"\nversion = "4.2.1"\n\n[metadata]\nlock-version = "2.0"\n'
    )
    inventory = collect(tmp_path, ["pyproject.toml", "poetry.lock"])
    [stale] = inventory.unpinned
    assert stale.name == "six"
    assert stale.fix == (
        "poetry.lock does not pin six: the lock file is out of date; update it with `poetry lock`"
    )
    (tmp_path / "poetry.lock").rename(tmp_path / "Pipfile.lock")
    inventory = collect(tmp_path, ["pyproject.toml"])
    assert {item.name for item in inventory.unpinned} == {"django", "six"}
    assert all("commit a lock file" in str(item.fix) for item in inventory.unpinned)
