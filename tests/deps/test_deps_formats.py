"""The registry of dependency file formats: one source a kind, one table for all."""

from __future__ import annotations

import pytest

from releasegate.deps.pins import SourceKind
from releasegate.deps.sources.base import DependencySource
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
