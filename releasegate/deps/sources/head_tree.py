"""The head commit's files, as the dependency sources read them: bounded, UTF-8, inside.

``Tree.read`` is the only way a source reads a file: a file of the head commit,
inside the repository (after links), at most ``MAX_FILE_BYTES``, UTF-8 text (a BOM
is dropped). ``parse_toml`` reads TOML with the line of a syntax error, and
``inside`` resolves a path a file names relative to its directory.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from releasegate.deps.pins import SourceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_FILE_BYTES = 32 * 1024 * 1024


class Tree:
    """The head commit's files: the only files a dependency file may lead to."""

    def __init__(
        self,
        root: Path,
        tracked: Collection[str],
        materialize: Callable[[Collection[str]], None] | None = None,
    ) -> None:
        self.root = root
        self._real_root = root.resolve()
        self.tracked = frozenset(tracked)
        # A lazy snapshot writes a file when it is first read (``Snapshot.materialize``).
        self._materialize = materialize

    def has(self, path: str) -> bool:
        return path in self.tracked

    def read(self, path: str) -> str:
        """The text of ``path``; raises ``SourceError`` with the cause."""
        if path not in self.tracked:
            raise SourceError("not a file of the head commit")
        if self._materialize is not None:
            self._materialize([path])
        target = self.root / path
        try:
            real = target.resolve()
            if not real.is_relative_to(self._real_root):
                raise SourceError("resolves to a file outside the repository")
            size = real.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SourceError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, not read")
            data = real.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot be read: {exc.strerror or exc}") from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SourceError("is not UTF-8 text", line=line) from None


def parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"at line (\d+)", message)
        if found:
            line = int(found.group(1))
        else:
            line = len(text.splitlines()) if "end of document" in message else 0
        raise SourceError(f"TOML syntax error: {message}", line=line) from None


def inside(directory: str, relative: str) -> str | None:
    """``relative`` (from ``directory``) as a repository path, or None if it leaves the repo."""
    if relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative):
        return None
    joined = posixpath.normpath(posixpath.join(directory, relative.replace("\\", "/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


def parent(path: str) -> str:
    """The directory of the repository path ``path`` (``""``: the root)."""
    return posixpath.dirname(path)
