"""Which files a static analyser looks at: the policy's include and exclude globs.

Globs are gitignore-style (``releasegate.globs``), relative to the repository
root, matched against posix paths. A file is *in scope* when an include glob
matches it and no exclude glob does; it is *excluded* when an include glob
matches it but an exclude glob takes it out again. Files no include glob
matches (a README, a data file) are neither: they were never candidates.

Nothing here is specific to one tool; every static check selects its files
this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from releasegate.globs import matches


@dataclass(frozen=True, kw_only=True)
class Scope:
    """The outcome of applying include/exclude globs to a list of files.

    Both tuples are sorted and free of duplicates.
    """

    included: tuple[str, ...]
    excluded: tuple[str, ...]


def select_files(files: Iterable[str], include: Sequence[str], exclude: Sequence[str]) -> Scope:
    """Split ``files`` (posix paths relative to the repository root) by the globs.

    An empty ``include`` selects nothing; an empty ``exclude`` removes nothing.
    Pure, so one run's checks share the answer (each asks for the same split).
    """
    return _select(tuple(sorted(set(files))), tuple(include), tuple(exclude))


@lru_cache(maxsize=32)
def _select(files: tuple[str, ...], include: tuple[str, ...], exclude: tuple[str, ...]) -> Scope:
    included: list[str] = []
    excluded: list[str] = []
    if not include:
        return Scope(included=(), excluded=())
    for path in files:
        if not matches(include, path):
            continue
        if exclude and matches(exclude, path):
            excluded.append(path)
        else:
            included.append(path)
    return Scope(included=tuple(included), excluded=tuple(excluded))
