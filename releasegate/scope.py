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
    """
    included: list[str] = []
    excluded: list[str] = []
    if not include:
        return Scope(included=(), excluded=())
    for path in sorted(set(files)):
        if not matches(include, path):
            continue
        if exclude and matches(exclude, path):
            excluded.append(path)
        else:
            included.append(path)
    return Scope(included=tuple(included), excluded=tuple(excluded))
