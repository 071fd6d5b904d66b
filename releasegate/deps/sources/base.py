"""The interface of a dependency file format, and the record of what one file gave.

A ``DependencySource`` is one format (requirements files, ``pyproject.toml``, each
lock file): which repository paths it reads (``matches``, by name) and how it
turns a file's text into pins, ranges, unauditable entries and problems
(``read``, into a ``FileRecord``). ``formats.SOURCES`` lists them; the collector
(``collector.py``) reads every file through the source of its kind and merges the
records into one ``Inventory``. A source that needs another file (an include, the
lock file next to a ``pyproject.toml``) asks the ``Reader`` (the collector) for it.
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from releasegate.deps.pins import (
    PYPI_INDEX_URLS,
    IndexUse,
    LocalProject,
    Location,
    Pin,
    SkippedDependency,
    SourceKind,
    SourceProblem,
    Unpinned,
    canonical,
    normalise_index,
    redact,
)
from releasegate.deps.sources.classify import Range
from releasegate.deps.sources.head_tree import Tree

REGISTRY = "registry"  # IndexUse.option of a lock file's index
INDEX_URLS = frozenset({"-i", "--index-url", "--extra-index-url"})


def is_pypi(index: str) -> bool:
    """Whether the index URL ``index`` is PyPI's simple index."""
    return normalise_index(index) in PYPI_INDEX_URLS


@dataclass
class FileRecord:
    """What one file gave (mutable while the file is read)."""

    path: str
    kind: SourceKind
    role: str
    pins: list[Pin] = field(default_factory=list)
    ranges: list[Range] = field(default_factory=list)
    # Ranges reported as they are (not through ranges): a pyproject.toml dependency
    # its lock file lacks.
    unpinned: list[Unpinned] = field(default_factory=list)
    skipped: list[SkippedDependency] = field(default_factory=list)
    local: list[LocalProject] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    includes: list[tuple[SourceKind, str]] = field(default_factory=list)
    # (option, value as written, line, package of a lock entry): package sources other
    # than PyPI; the value may hold credentials and never leaves this package as is.
    sources: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    entries: int = 0
    covered_by: str | None = None  # the lock files that pin this pyproject.toml's dependencies

    def problem(self, line: int, message: str) -> None:
        self.problems.append(
            SourceProblem(location=Location(path=self.path, line=line), message=message)
        )

    def source(self, line: int, option: str, value: str, package: str | None = None) -> None:
        """Record a package source other than PyPI's index (PyPI itself is dropped)."""
        if option in (*INDEX_URLS, REGISTRY) and is_pypi(value):
            return
        self.sources.append((option, value, line, package))

    def index_uses(self) -> list[IndexUse]:
        """The sources, credentials masked; a lock file's: one per index, at its first entry."""
        uses: list[IndexUse] = []
        locked: dict[str, tuple[int, list[str]]] = {}
        for option, value, line, package in self.sources:
            if option == "--trusted-host":
                normalised = value.strip().lower()
            else:
                normalised = normalise_index(value)
            if package is not None:
                first, packages = locked.setdefault(normalised, (len(uses), []))
                packages.append(package)
                if first < len(uses):
                    continue
            uses.append(
                IndexUse(
                    option=option,
                    shown=redact(value.strip()),
                    normalised=normalised,
                    location=Location(path=self.path, line=line),
                )
            )
        for first, packages in locked.values():
            uses[first] = dataclasses.replace(uses[first], packages=tuple(packages))
        return uses

    def names(self) -> set[str]:
        found = {pin.canonical for pin in self.pins}
        found |= {canonical(item.name) for item in self.skipped if item.name}
        found |= {canonical(item.name) for item in self.local}
        return found


class Reader(Protocol):
    """What a source may ask of the collector while it reads a file."""

    @property
    def tree(self) -> Tree: ...

    @property
    def reading(self) -> tuple[str, ...]:
        """The paths being read, outermost first (the file being read last)."""
        ...

    def excluded(self, path: str) -> bool:
        """Whether ``dependencies.exclude`` leaves ``path`` out."""
        ...

    def kind_of(self, path: str) -> SourceKind | None:
        """The kind of dependency file ``path`` is, by its name (any source's)."""
        ...

    def read(self, path: str, kind: SourceKind, role: str) -> FileRecord:
        """The record of ``path`` read as ``kind``: read now, or the one read before."""
        ...

    def lock_command(self, path: str) -> str | None:
        """How to update ``path`` when it is a lock file that pins the ``pyproject.toml``
        of its directory (its source's ``lock_command``); None when it is none."""
        ...

    def note(self, text: str) -> None:
        """A note of the inventory, in the order things are read."""
        ...


class DependencySource(Protocol):
    """One format of dependency file."""

    @property
    def kind(self) -> SourceKind:
        """The kind of the files ``matches`` finds."""
        ...

    @property
    def included(self) -> frozenset[SourceKind]:
        """Other kinds it reads, of files only another file leads to (``-c``: constraints)."""
        ...

    @property
    def phase(self) -> int:
        """The files found in the tree are read phase by phase, in path order within one:
        lock files (0) before the ``pyproject.toml`` they pin (1), then requirements (2)."""
        ...

    @property
    def lock_command(self) -> str | None:
        """For a lock file format that pins the ``pyproject.toml`` beside it: the command
        that updates the lock (named when the lock lacks a dependency); else None."""
        ...

    def matches(self, path: str) -> bool:
        """Whether the repository path ``path`` is one of its files, by its name."""
        ...

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        """Read ``text`` (the file ``found.path``, decoded) into ``found``.

        A ``SourceError`` it raises is a problem of the file at the error's line;
        what it recorded before stays.
        """
        ...


class BaseSource:
    """What most sources share: files of one name (``file_name``), no other kind read."""

    file_name: ClassVar[str]
    included: ClassVar[frozenset[SourceKind]] = frozenset()
    lock_command: ClassVar[str | None] = None

    def matches(self, path: str) -> bool:
        return posixpath.basename(path) == self.file_name
