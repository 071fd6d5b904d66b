"""``pylock.toml`` and ``pylock.<name>.toml`` (PEP 751, lock-version 1.x): every
``[[packages]]`` entry.

``vcs`` or ``archive``: cannot be audited. ``directory``: a local project when
inside the repository. Otherwise pinned, from its ``index`` when it names one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any, ClassVar

from releasegate.deps.pins import SourceError, SourceKind, redact
from releasegate.deps.sources.base import FileRecord, Reader
from releasegate.deps.sources.head_tree import parse_toml
from releasegate.deps.sources.lock_entries import (
    Elsewhere,
    FromIndex,
    Locked,
    LockSource,
    Unreadable,
    read_entries,
    table_entries,
)


class PylockToml(LockSource):
    kind: ClassVar[SourceKind] = SourceKind.PYLOCK
    file_name: ClassVar[str] = "pylock.toml"
    lock_command: ClassVar[str | None] = (
        "the command that wrote it (e.g. `uv export --format pylock.toml`)"
    )

    def matches(self, path: str) -> bool:
        return super().matches(path) or fnmatchcase(posixpath.basename(path), "pylock.?*.toml")

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        data = parse_toml(text)
        version = data.get("lock-version")
        if not isinstance(version, str) or not version.startswith("1."):
            raise SourceError(
                f"unsupported lock-version {version!r} (this releasegate reads PEP 751 1.x)",
                line=1,
            )
        nameless = "a [[packages]] entry without a name"
        read_entries(found, table_entries(found, data, "packages", text, nameless), _resolve)


PYLOCK_TOML = PylockToml()
# Where a package can come from other than an index, in the order PEP 751 lists them.
_ELSEWHERE = ("vcs", "directory", "archive")


def _resolve(entry: Mapping[str, Any]) -> Locked:
    marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
    given = [kind for kind in _ELSEWHERE if kind in entry]
    if len(given) > 1:
        return Unreadable(f"more than one source ({', '.join(given)}): PEP 751 allows one")
    for kind in given:
        table = entry[kind]
        if not isinstance(table, dict):
            return Unreadable(f"`{kind}` is not a table (PEP 751: packages.{kind})")
        if kind == "directory":
            path = str(table.get("path", ""))
            return Elsewhere(where=path, what=f"directory {path}", first_party=True)
        where = str(table.get("url") or table.get("path") or "?")
        return Elsewhere(where=where, what=f"{kind} {redact(where)}", first_party=False)
    index = entry.get("index")
    return FromIndex(
        version=entry.get("version"),
        index=None if index is None else str(index),
        marker=marker,
    )
