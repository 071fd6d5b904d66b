"""gitignore-style globs, the one matcher every path rule of the policy uses."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pathspec


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def compile_check(pattern: str) -> None:
    """Raise ``ValueError`` if ``pattern`` is not a valid gitignore-style glob."""
    _compiled((pattern,))


def matches(patterns: Sequence[str], path: str) -> bool:
    """Whether ``path`` (posix, relative to the repo root) matches any of ``patterns``."""
    return bool(_compiled(tuple(patterns)).match_file(path))
