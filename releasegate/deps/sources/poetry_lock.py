"""``poetry.lock`` (TOML): every ``[[package]]``, by its ``[package.source]``.

No source: pinned from PyPI. ``legacy``: pinned from that index. ``directory``: a
local project when inside the repository. ``file``, ``git``, ``url``: cannot be
audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from releasegate.deps.pins import SourceKind, redact
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


class PoetryLock(LockSource):
    kind: ClassVar[SourceKind] = SourceKind.POETRY_LOCK
    file_name: ClassVar[str] = "poetry.lock"
    lock_command: ClassVar[str | None] = "`poetry lock`"

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        data = parse_toml(text)
        entries = table_entries(found, data, "package", text, "a [[package]] without a name")
        read_entries(found, entries, _resolve)


POETRY_LOCK = PoetryLock()


def _resolve(entry: Mapping[str, Any]) -> Locked:
    source = entry.get("source")
    if source is None:
        return FromIndex(version=entry.get("version"))
    if not isinstance(source, dict) or not isinstance(source.get("type"), str):
        return Unreadable("[package.source] has no type")
    how, url = source["type"], str(source.get("url", ""))
    if how == "legacy":
        return FromIndex(version=entry.get("version"), index=url)
    if how == "directory":
        return Elsewhere(where=url, what=f"directory {url}", first_party=True)
    if how in ("file", "git", "url"):
        return Elsewhere(where=url, what=f"{how} {redact(url)}", first_party=False)
    return Unreadable(f"unknown source type {how!r}")
