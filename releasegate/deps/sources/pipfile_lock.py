"""``Pipfile.lock`` (JSON): every package of ``default`` and ``develop``.

A ``version``: pinned (``develop`` ones noted). An editable ``path``: a local project
when inside the repository. ``git``, ``file``, any other ``path``, or no version:
cannot be audited. The ``_meta`` sources are package sources.

An entry's line is the line of its ``"name": {`` key after the section key.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from releasegate.deps.pins import SourceError, SourceKind, redact
from releasegate.deps.sources.base import REGISTRY, FileRecord, Reader
from releasegate.deps.sources.lock_entries import (
    Elsewhere,
    FromIndex,
    Locked,
    LockSource,
    read_entries,
)


class PipfileLock(LockSource):
    kind: ClassVar[SourceKind] = SourceKind.PIPFILE_LOCK
    file_name: ClassVar[str] = "Pipfile.lock"

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"not JSON: {exc}", line=getattr(exc, "lineno", 0)) from None
        if not isinstance(data, dict):
            raise SourceError("not a JSON object", line=1)
        lines = text.splitlines()
        meta = data.get("_meta")
        sources = meta.get("sources") if isinstance(meta, dict) else None
        for source in sources if isinstance(sources, list) else []:
            url = source.get("url") if isinstance(source, dict) else None
            if isinstance(url, str):
                needle = json.dumps(url)
                line = next((n for n, text_line in enumerate(lines, 1) if needle in text_line), 1)
                found.source(line, REGISTRY, url)
        for section in ("default", "develop"):
            resolve = functools.partial(_resolve, develop=section == "develop")
            read_entries(found, _section(found, data, section, lines), resolve)


PIPFILE_LOCK = PipfileLock()


def _section(
    found: FileRecord, data: Mapping[str, Any], section: str, lines: Sequence[str]
) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    entries = data.get(section, {})
    if not isinstance(entries, dict):
        raise SourceError(f"`{section}` is not an object")
    section_line = next(
        (n for n, line in enumerate(lines, 1) if re.match(rf'^\s*"{section}"\s*:', line)), 1
    )
    for name, entry in entries.items():
        key = json.dumps(name)
        line = next(
            (
                n
                for n in range(section_line, len(lines) + 1)
                if lines[n - 1].lstrip().startswith(f"{key}:")
            ),
            section_line,
        )
        if not isinstance(entry, dict):
            found.problem(line, f"{name}: not an object")
            continue
        yield line, name, entry


def _resolve(entry: Mapping[str, Any], *, develop: bool) -> Locked:
    marker = entry.get("markers") if isinstance(entry.get("markers"), str) else None
    if "version" in entry:
        note = "Pipfile.lock develop" if develop else None
        return FromIndex(version=entry["version"], marker=marker, note=note)
    if "path" in entry and entry.get("editable"):
        path = str(entry["path"])
        return Elsewhere(where=path, what=f"path {path}", first_party=True)
    kind = next((k for k in ("git", "file", "path") if k in entry), "no version")
    where = str(entry.get(kind, ""))
    return Elsewhere(where=where, what=f"{kind} {redact(where)}", first_party=False)
