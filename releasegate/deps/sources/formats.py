"""The registry of dependency file formats: one line a format.

Adding a format is one module implementing ``DependencySource`` and one line here.
``kind_of`` (which files are dependency files: the collector, the hook's fast
stages, the check) and the collector read this table only.
"""

from __future__ import annotations

from releasegate.deps.pins import SourceKind
from releasegate.deps.sources.base import DependencySource
from releasegate.deps.sources.pipfile_lock import PIPFILE_LOCK
from releasegate.deps.sources.poetry_lock import POETRY_LOCK
from releasegate.deps.sources.pylock_toml import PYLOCK_TOML
from releasegate.deps.sources.pyproject_toml import PYPROJECT_TOML
from releasegate.deps.sources.requirements_txt import REQUIREMENTS_TXT
from releasegate.deps.sources.uv_lock import UV_LOCK

SOURCES: tuple[DependencySource, ...] = (
    PYPROJECT_TOML,
    UV_LOCK,
    POETRY_LOCK,
    PIPFILE_LOCK,
    PYLOCK_TOML,
    REQUIREMENTS_TXT,
)

_BY_KIND: dict[SourceKind, DependencySource] = {
    kind: source for source in SOURCES for kind in (source.kind, *source.included)
}


def kind_of(path: str) -> SourceKind | None:
    """The kind of dependency file ``path`` is, by its name; None if it is none."""
    return next((source.kind for source in SOURCES if source.matches(path)), None)


def source_of(kind: SourceKind) -> DependencySource:
    """The format that reads files of ``kind``."""
    return _BY_KIND[kind]
