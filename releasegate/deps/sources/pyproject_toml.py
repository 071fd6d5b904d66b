"""``pyproject.toml`` (``tomllib``): PEP 621 ``[project] dependencies`` and
``optional-dependencies``.

Dependencies declared ``dynamic`` cannot be known without a build, and
``[tool.poetry.dependencies]`` only through ``poetry.lock``: both are unauditable
unless a lock file covers them.

A lock file *covers* a ``pyproject.toml``: a ``uv.lock``, ``poetry.lock`` or
``pylock*.toml`` in the same directory, or a ``uv.lock`` in a parent directory that
lists this directory as a workspace member. The lock's pins are what is audited,
and pyproject entries the lock has are not reported again. A dependency the lock
lacks means the lock is out of date: it is reported (unpinned, or audited from
pyproject if exactly pinned).

A dependency's line is the first line, after the table header, holding the
dependency string quoted.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from releasegate.deps.pins import (
    Location,
    Pin,
    SkippedDependency,
    SourceError,
    SourceKind,
    Unpinned,
    canonical,
)
from releasegate.deps.sources.base import BaseSource, FileRecord, Reader
from releasegate.deps.sources.classify import LOCK_FIX, classify
from releasegate.deps.sources.head_tree import parent, parse_toml


def _string_line(lines: Sequence[str], value: str, start: int, used: set[int]) -> int:
    """The first line at or after ``start`` holding ``value`` as a quoted TOML string."""
    needles = (json.dumps(value), f"'{value}'")
    for number in range(max(start, 1), len(lines) + 1):
        if number in used:
            continue
        if any(needle in lines[number - 1] for needle in needles):
            used.add(number)
            return number
    return start


def _header_line(lines: Sequence[str], table: str) -> int:
    pattern = re.compile(r"^\s*\[\s*" + re.escape(table) + r"\s*\]\s*(#.*)?$")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)


class PyprojectToml(BaseSource):
    """``pyproject.toml`` files, with the lock files that cover them."""

    kind: ClassVar[SourceKind] = SourceKind.PYPROJECT
    file_name: ClassVar[str] = "pyproject.toml"
    phase: ClassVar[int] = 1

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        data = parse_toml(text)
        path = found.path
        locks = _covering_locks(path, reader)
        locked: set[str] = set()
        for lock in locks:
            locked |= lock.names()
        lock_kinds = {lock.kind for lock in locks}
        lock_label = ", ".join(lock.path for lock in locks)
        # A dependency the lock lacks: the lock (its path, how to update it) is out of date.
        stale = (
            (locks[0].path, reader.lock_command(locks[0].path) or "the tool that wrote it")
            if locks
            else None
        )
        lines = text.splitlines()
        used: set[int] = set()
        project = data.get("project")
        if project is not None and not isinstance(project, dict):
            found.problem(_header_line(lines, "project"), "[project] is not a table")
            return
        project = project or {}
        dynamic = project.get("dynamic", [])
        if not isinstance(dynamic, list) or not all(isinstance(d, str) for d in dynamic):
            found.problem(
                _header_line(lines, "project"), "[project] dynamic is not a list of strings"
            )
            dynamic = []
        groups: list[tuple[str, int, object]] = [
            ("dependencies", _header_line(lines, "project"), project.get("dependencies", []))
        ]
        optional = project.get("optional-dependencies", {})
        if not isinstance(optional, dict):
            found.problem(_header_line(lines, "project"), "optional-dependencies is not a table")
            optional = {}
        start = _header_line(lines, "project.optional-dependencies")
        for extra, entries in optional.items():
            groups.append((f"optional-dependencies.{extra}", start, entries))
        for field_name in ("dependencies", "optional-dependencies"):
            if field_name in dynamic:
                where = Location(path=path, line=_header_line(lines, "project"))
                if locks:
                    reader.note(f"{where}: dynamic {field_name}: pinned by {lock_label}")
                else:
                    found.skipped.append(
                        SkippedDependency(
                            what=f"the dynamic {field_name} of {path}",
                            reason=f"dynamic dependencies are only known after a build; {LOCK_FIX}",
                            location=where,
                        )
                    )
        for group, start_line, entries in groups:
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                found.problem(start_line, f"[project] {group} is not a list of strings")
                continue
            for entry in entries:
                line = _string_line(lines, entry, start_line, used)
                _entry(found, entry, Location(path=path, line=line), locked, stale)
        _poetry_table(found, data, lines, lock_kinds)
        if locks:
            found.covered_by = lock_label


PYPROJECT_TOML = PyprojectToml()


def _covering_locks(pyproject: str, reader: Reader) -> list[FileRecord]:
    directory = parent(pyproject)
    here = sorted(
        path
        for path in reader.tree.tracked
        if parent(path) == directory and reader.lock_command(path) is not None
    )
    locks: list[FileRecord] = []
    for path in here:
        kind = reader.kind_of(path)
        if kind is None or reader.excluded(path):
            continue
        locks.append(reader.read(path, kind, f"lock file of {pyproject}"))
    if locks:
        return locks
    # A uv workspace: the root's uv.lock lists the members as local packages.
    parts = directory.split("/") if directory else []
    for depth in range(len(parts) - 1, -1, -1):
        candidate = posixpath.join(*parts[:depth], "uv.lock") if depth else "uv.lock"
        if not reader.tree.has(candidate) or reader.excluded(candidate):
            continue
        lock = reader.read(candidate, SourceKind.UV_LOCK, f"workspace lock of {pyproject}")
        if any(item.directory == directory for item in lock.local):
            return [lock]
    return []


def _entry(
    found: FileRecord,
    entry: str,
    location: Location,
    locked: set[str],
    stale: tuple[str, str] | None,
) -> None:
    found.entries += 1
    try:
        item = classify(entry, location, SourceKind.PYPROJECT)
    except SourceError as exc:
        found.problem(location.line, exc.message)
        return
    name = item.name
    if name is not None and canonical(name) in locked:
        return  # the lock pins it: its entry is what is audited
    if isinstance(item, Pin):
        found.pins.append(item)
    elif isinstance(item, SkippedDependency):
        found.skipped.append(item)
    elif stale is not None:
        found.unpinned.append(
            Unpinned(
                requirement=item.requirement,
                name=item.name,
                location=location,
                kind=SourceKind.PYPROJECT,
                fix=f"{stale[0]} does not pin {item.name}: the lock file is out of date; "
                f"update it with {stale[1]}",
            )
        )
    else:
        found.ranges.append(item)


def _poetry_table(
    found: FileRecord,
    data: Mapping[str, Any],
    lines: Sequence[str],
    lock_kinds: set[SourceKind],
) -> None:
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    declared = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if not isinstance(declared, dict):
        return
    names = [name for name in declared if canonical(name) != "python"]
    if not names or SourceKind.POETRY_LOCK in lock_kinds:
        return
    found.skipped.append(
        SkippedDependency(
            what=f"[tool.poetry.dependencies] of {found.path} ({', '.join(names)})",
            reason="only poetry.lock pins them: commit poetry.lock (`poetry lock`)",
            location=Location(
                path=found.path, line=_header_line(lines, "tool.poetry.dependencies")
            ),
        )
    )
