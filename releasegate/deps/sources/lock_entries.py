"""What every lock file format shares: one loop over its entries.

Every locked package is listed. A lock format says, for each entry, where the
package comes from (``resolve``): an index (``FromIndex``: pinned, its index a
package source unless it is PyPI's), somewhere else (``Elsewhere``: a directory
inside the repository is a local project, first-party code; a path outside it, an
archive, a VCS or a URL cannot be audited), or nothing readable (``Unreadable``).
``read_entries`` counts and records them all alike.

A TOML lock entry's line is the line of its table header: the k-th ``[[package]]``
(``[[packages]]`` in pylock) line of the text is the k-th entry that ``tomllib``
returns; when the header count does not match the entry count (a header inside a
multi-line string), the line of the entry's ``name = "..."`` is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from packaging.version import InvalidVersion, Version

from releasegate.deps.pins import (
    LocalProject,
    Location,
    Pin,
    SkippedDependency,
    SourceError,
    SourceKind,
    redact,
)
from releasegate.deps.sources.base import REGISTRY, BaseSource, FileRecord, is_pypi
from releasegate.deps.sources.head_tree import inside, parent


class LockSource(BaseSource):
    """A lock file format: read first, so a ``pyproject.toml`` finds its lock read."""

    phase: ClassVar[int] = 0


@dataclass(frozen=True, kw_only=True)
class FromIndex:
    """A locked version from a package index."""

    version: object  # as the lock has it: a PEP 440 version string, or a problem
    index: str | None = None  # the index URL (None: the default, PyPI's; not recorded)
    marker: str | None = None
    note: str | None = None  # the pin's note, unless the index (not PyPI's) is the note


@dataclass(frozen=True, kw_only=True)
class Elsewhere:
    """A locked package from a directory, a path, an archive, a VCS or a URL."""

    where: str  # the path or URL (a path relative to the lock file's directory)
    what: str  # how the lock says it, shown (credentials masked)
    first_party: bool  # a directory of the repository is a local project


@dataclass(frozen=True)
class Unreadable:
    """An entry whose source cannot be told (the problem, after the package's name)."""

    message: str


Locked = FromIndex | Elsewhere | Unreadable


def read_entries(
    found: FileRecord,
    entries: Iterable[tuple[int, str, Mapping[str, Any]]],
    resolve: Callable[[Mapping[str, Any]], Locked],
) -> None:
    """The loop of every lock format: each (line, name, entry) counted, resolved, recorded."""
    for line, name, entry in entries:
        found.entries += 1
        item = resolve(entry)
        if isinstance(item, FromIndex):
            note = item.note
            if item.index is not None:
                found.source(line, REGISTRY, item.index, name)
                if not is_pypi(item.index):
                    note = f"index {redact(item.index)}"
            _pin(found, name, item.version, line, marker=item.marker, note=note)
        elif isinstance(item, Elsewhere):
            _local_or_skipped(found, name, line, item)
        else:
            found.problem(line, f"{name}: {item.message}")


def table_entries(
    found: FileRecord, data: Mapping[str, Any], key: str, text: str, nameless: str
) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """The named entries of the array of tables ``key``; one without a name is a problem."""
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceError(f"`{key}` is not an array of tables")
    names = [str(entry.get("name", "")) for entry in entries]
    lines = table_lines(text, key, len(entries), names)
    for line, entry in zip(lines, entries, strict=True):
        name = entry.get("name")
        if not isinstance(name, str):
            found.problem(line, nameless)
            continue
        yield line, name, entry


def table_lines(text: str, table: str, count: int, names: Sequence[str]) -> list[int]:
    """The line of each ``[[table]]`` entry, in order (see the module docstring)."""
    header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]\s*(#.*)?$")
    lines = text.splitlines()
    found = [number for number, line in enumerate(lines, 1) if header.match(line)]
    if len(found) == count:
        return found
    result: list[int] = []
    used: set[int] = set()
    for name in names:
        pattern = re.compile(r"^\s*name\s*=\s*[\"']" + re.escape(name) + r"[\"']\s*(#.*)?$")
        line = next(
            (
                n
                for n, text_line in enumerate(lines, 1)
                if n not in used and pattern.match(text_line)
            ),
            found[0] if found else 0,
        )
        used.add(line)
        result.append(line)
    return result


def _version(found: FileRecord, name: str, raw: object, line: int) -> tuple[str, Version] | None:
    if not isinstance(raw, str):
        found.problem(line, f"{name}: the version is missing or not a string")
        return None
    text = raw.removeprefix("==") if found.kind is SourceKind.PIPFILE_LOCK else raw
    try:
        return text, Version(text)
    except InvalidVersion:
        found.problem(line, f"{name}: {raw!r} is not a PEP 440 version")
        return None


def _pin(
    found: FileRecord,
    name: str,
    raw_version: object,
    line: int,
    *,
    marker: str | None,
    note: str | None,
) -> None:
    parsed = _version(found, name, raw_version, line)
    if parsed is None:
        return
    text, version = parsed
    found.pins.append(
        Pin(
            name=name,
            version=version,
            version_text=text,
            location=Location(path=found.path, line=line),
            kind=found.kind,
            marker=marker,
            note=note,
        )
    )


def _local_or_skipped(found: FileRecord, name: str, line: int, item: Elsewhere) -> None:
    location = Location(path=found.path, line=line)
    directory = inside(parent(found.path), item.where)
    if item.first_party and directory is not None:
        found.local.append(LocalProject(name=name, directory=directory, location=location))
        return
    found.skipped.append(
        SkippedDependency(
            what=f"{name} ({item.what})",
            reason="a package from a local path outside the repository, an archive, a VCS "
            "or a URL cannot be audited; depend on a released version instead",
            location=location,
            name=name,
        )
    )
