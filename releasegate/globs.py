"""gitignore-style globs, the one matcher every path rule of the policy uses."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import lru_cache

import pathspec

# git's POSIX character classes ([[:alpha:]]): pathspec turns them into a Python set
# of the literal characters, matching other paths than git would.
_POSIX_CLASS = re.compile(r"\[:[a-z]+:\]")


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def compile_check(pattern: str) -> None:
    """Raise ``ValueError`` if ``pattern`` is not a valid gitignore-style glob.

    Invalid: a glob pathspec cannot turn into a regular expression (``[z-a]``, whose
    ``re.error`` is no ``ValueError``), one it reads as matching no path at all (a
    comment ``#...``, an empty class ``[!]``), and one with a POSIX character class.
    """
    if _POSIX_CLASS.search(pattern):
        raise ValueError(
            "POSIX character classes such as [:alpha:] are not supported; "
            "list the characters instead, e.g. [a-zA-Z]"
        )
    try:
        with warnings.catch_warnings():  # re's FutureWarning ("possible nested set"): noise
            warnings.simplefilter("ignore", FutureWarning)
            spec = _compiled((pattern,))
    except re.error as exc:  # its .msg without the position, which counts in the regex
        raise ValueError(exc.msg) from None
    if not spec.patterns or all(p.include is None for p in spec.patterns):
        raise ValueError(
            "it matches no path (gitignore syntax reads it as a comment or an empty "
            "pattern, e.g. '#...' or an empty class '[!]')"
        )


def matches(patterns: Sequence[str], path: str) -> bool:
    """Whether ``path`` (posix, relative to the repo root) matches any of ``patterns``."""
    return bool(_compiled(tuple(patterns)).match_file(path))
