"""``uv.lock`` (TOML, version 1): every ``[[package]]``, by its ``source``.

``registry``: pinned from that index. ``editable``, ``virtual``, ``directory``: the
project itself or a workspace member (first-party, a local project) when inside the
repository. ``path``, ``git``, ``url``: cannot be audited.
"""

from __future__ import annotations

from collections.abc import Mapping
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


class UvLock(LockSource):
    kind: ClassVar[SourceKind] = SourceKind.UV_LOCK
    file_name: ClassVar[str] = "uv.lock"
    lock_command: ClassVar[str | None] = "`uv lock`"

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        data = parse_toml(text)
        version = data.get("version")
        if version != 1:
            raise SourceError(
                f"unsupported uv.lock version {version!r} (this releasegate reads version 1)",
                line=1,
            )
        entries = table_entries(found, data, "package", text, "a [[package]] without a name")
        read_entries(found, entries, _resolve)


UV_LOCK = UvLock()


def _resolve(entry: Mapping[str, Any]) -> Locked:
    source = entry.get("source")
    if not isinstance(source, dict) or len(source) != 1:
        return Unreadable("`source` is missing or not a one-key inline table")
    ((how, where),) = source.items()
    if how == "registry":
        return FromIndex(version=entry.get("version"), index=str(where))
    if how in ("editable", "virtual", "directory") and isinstance(where, str):
        return Elsewhere(where=where, what=f"{how} {where}", first_party=True)
    if how in ("path", "git", "url") and isinstance(where, str):
        return Elsewhere(where=where, what=f"{how} {redact(where)}", first_party=False)
    return Unreadable(f"unknown source {how!r}")
