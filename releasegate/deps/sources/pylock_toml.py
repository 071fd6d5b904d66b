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
    read_entries,
    table_entries,
)


class PylockToml(LockSource):
    kind: ClassVar[SourceKind] = SourceKind.PYLOCK
    file_name: ClassVar[str] = "pylock.toml"

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


def _resolve(entry: Mapping[str, Any]) -> Locked:
    marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
    if isinstance(entry.get("vcs"), dict) or isinstance(entry.get("archive"), dict):
        kind = "vcs" if "vcs" in entry else "archive"
        where = str(entry[kind].get("url") or entry[kind].get("path") or "?")
        return Elsewhere(where=where, what=f"{kind} {redact(where)}", first_party=False)
    if isinstance(entry.get("directory"), dict):
        path = str(entry["directory"].get("path", ""))
        return Elsewhere(where=path, what=f"directory {path}", first_party=True)
    index = entry.get("index")
    return FromIndex(
        version=entry.get("version"),
        index=None if index is None else str(index),
        marker=marker,
    )
