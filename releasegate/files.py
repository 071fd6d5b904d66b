"""Writing output files atomically, so a reader never sees half a report; reading input
files no larger than a cap (a huge file is refused, never read whole)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file and a rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FileTooLarge(Exception):
    """A file holds more than the cap ``read_capped`` was given."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(f"{path}: more than {limit} bytes")
        self.path = path
        self.limit = limit


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, reading at most ``limit + 1`` of them.

    Raises ``OSError`` when it cannot be read and ``FileTooLarge`` when it holds more
    than ``limit`` bytes; callers turn both into their own one-line errors.
    """
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data
