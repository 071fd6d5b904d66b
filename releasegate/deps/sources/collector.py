"""The collector: the dependency files of the head tree read into one ``Inventory``.

Which files (``collect``): every tracked file in scope that a format of
``formats.SOURCES`` matches by name (``requirements*.txt``, ``pyproject.toml``,
``uv.lock``, ``poetry.lock``, ``Pipfile.lock``, ``pylock.toml`` or
``pylock.<name>.toml``), in any directory, minus the policy's
``dependencies.exclude`` globs. Files a requirements file includes (``-r``/``-c``)
and the lock file next to a ``pyproject.toml`` are read too, whatever their names.
Only files of the head commit are read (``head_tree.Tree``).

Each file is read once (per kind), by the format of its kind, into a
``FileRecord``; the collector merges the records in the order the files were
first reached. What counts as pinned: an exact requirement (``classify``), any
entry of a lock file, and a range a constraints file reachable from its
requirements file pins (decided here, once every file is read). Everything else
is *unpinned*, reported with the fix that would pin it.

A direct URL, VCS or local path requirement cannot be audited: it is a
``SkippedDependency``, which makes the check ``error``. Package sources other than
PyPI's index are ``Inventory.indexes`` (``IndexUse``: credentials masked, the URL
normalised); the check judges them against ``dependencies.allowed_indexes``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from releasegate.deps.pins import (
    Inventory,
    Location,
    SkippedDependency,
    SourceError,
    SourceFile,
    SourceKind,
    Unpinned,
    canonical,
)
from releasegate.deps.sources.base import FileRecord
from releasegate.deps.sources.classify import range_fix
from releasegate.deps.sources.formats import kind_of, source_of
from releasegate.deps.sources.head_tree import Tree, parent
from releasegate.globs import matches


class Collector:
    """Reads the dependency files of a tree into an ``Inventory`` (the sources' ``Reader``)."""

    def __init__(self, tree: Tree, exclude: Sequence[str] = ()) -> None:
        self.tree = tree
        self.exclude = tuple(exclude)
        self._files: dict[tuple[str, SourceKind], FileRecord] = {}
        self._order: list[tuple[str, SourceKind]] = []
        self._reading: list[str] = []
        self.notes: list[str] = []

    @property
    def reading(self) -> tuple[str, ...]:
        return tuple(self._reading)

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and matches(self.exclude, path)

    def kind_of(self, path: str) -> SourceKind | None:
        return kind_of(path)

    def lock_command(self, path: str) -> str | None:
        kind = kind_of(path)
        return None if kind is None else source_of(kind).lock_command

    def note(self, text: str) -> None:
        self.notes.append(text)

    def read(self, path: str, kind: SourceKind, role: str) -> FileRecord:
        key = (path, kind)
        if key in self._files:
            return self._files[key]
        found = FileRecord(path=path, kind=kind, role=role)
        self._files[key] = found
        self._order.append(key)
        try:
            text = self.tree.read(path)
        except SourceError as exc:
            found.problem(exc.line, exc.message)
            return found
        self._reading.append(path)
        try:
            source_of(kind).read(found, text, self)
        except SourceError as exc:
            found.problem(exc.line, exc.message)
        finally:
            self._reading.pop()
        return found

    # -- the inventory --

    def _constrained(self) -> set[int]:
        """ids of the ranges a constraints file reachable from a requirements file pins."""
        covered: set[int] = set()
        edges = {key: found.includes for key, found in self._files.items()}
        for key, found in self._files.items():
            if found.kind is not SourceKind.REQUIREMENTS:
                continue
            seen = {key}
            todo = [key]
            while todo:
                current = todo.pop()
                for kind, target in edges.get(current, []):
                    nxt = (target, kind)
                    if nxt in self._files and nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            pinned = {
                pin.canonical
                for node in seen
                if node[1] is SourceKind.CONSTRAINTS
                for pin in self._files[node].pins
            }
            for node in seen:
                if node[1] is SourceKind.REQUIREMENTS:
                    for item in self._files[node].ranges:
                        if canonical(item.name) in pinned:
                            covered.add(id(item))
        return covered

    def inventory(self) -> Inventory:
        files = [self._files[key] for key in self._order]
        constrained = self._constrained()
        unpinned: list[Unpinned] = [item for found in files for item in found.unpinned]
        for found in files:
            if found.kind is SourceKind.CONSTRAINTS:
                continue  # a constraint range installs nothing
            for item in found.ranges:
                if id(item) in constrained:
                    continue
                unpinned.append(
                    Unpinned(
                        requirement=item.requirement,
                        name=item.name,
                        location=item.location,
                        kind=item.kind,
                        fix=range_fix(item),
                    )
                )
        notes = list(self.notes)
        notes += [
            f"{f.path}: its dependencies are pinned by {f.covered_by}"
            for f in files
            if f.covered_by is not None
        ]
        return Inventory(
            sources=tuple(
                SourceFile(path=f.path, kind=f.kind, entries=f.entries, role=f.role) for f in files
            ),
            pins=tuple(pin for f in files for pin in f.pins),
            unpinned=tuple(sorted(unpinned, key=lambda u: u.location)),
            skipped=tuple(item for f in files for item in f.skipped),
            local=tuple(item for f in files for item in f.local),
            problems=tuple(problem for f in files for problem in f.problems),
            notes=tuple(notes),
            indexes=tuple(use for f in files for use in f.index_uses()),
        )


def collect(
    tree: Path,
    files: Sequence[str],
    *,
    tracked: Collection[str] | None = None,
    exclude: Sequence[str] = (),
    materialize: Callable[[Collection[str]], None] | None = None,
) -> Inventory:
    """Read the dependency files among ``files`` (repository paths in scope).

    ``tracked`` are all files of the head commit (what includes and lock files
    next to a ``pyproject.toml`` may be); ``files`` when not given.
    """
    view = Tree(tree, tracked if tracked is not None else files, materialize)
    collector = Collector(view, exclude)
    chosen = [
        (path, kind)
        for path in sorted(set(files))
        if (kind := kind_of(path)) is not None and not collector.excluded(path)
    ]
    for phase in sorted({source_of(kind).phase for _, kind in chosen}):
        for path, kind in chosen:
            if source_of(kind).phase == phase:
                collector.read(path, kind, "found in the tree")
    inventory = collector.inventory()
    extra = _unread_declarations(files, view, collector)
    if extra.skipped or extra.notes:
        inventory = Inventory(
            sources=inventory.sources,
            pins=inventory.pins,
            unpinned=inventory.unpinned,
            skipped=(*inventory.skipped, *extra.skipped),
            local=inventory.local,
            problems=inventory.problems,
            notes=(*inventory.notes, *extra.notes),
            indexes=inventory.indexes,
        )
    return inventory


def _unread_declarations(files: Sequence[str], tree: Tree, collector: Collector) -> Inventory:
    """Dependency declarations no lock pins: a Pipfile without Pipfile.lock, setup.py."""
    skipped: list[SkippedDependency] = []
    notes: list[str] = []
    for path in sorted(set(files)):
        if collector.excluded(path):
            continue
        base = posixpath.basename(path)
        if base == "Pipfile" and not tree.has(posixpath.join(parent(path), "Pipfile.lock")):
            skipped.append(
                SkippedDependency(
                    what=f"the packages of {path}",
                    reason="a Pipfile without Pipfile.lock pins nothing: "
                    "commit Pipfile.lock (`pipenv lock`)",
                    location=Location(path=path, line=0),
                )
            )
        elif base in ("setup.py", "setup.cfg"):
            notes.append(
                f"{path}: not read (install_requires in setup.py/setup.cfg are not audited; "
                "declare dependencies in pyproject.toml or a requirements or lock file)"
            )
    return Inventory(skipped=tuple(skipped), notes=tuple(notes))
