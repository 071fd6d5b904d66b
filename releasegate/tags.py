"""Which tags are release tags.

By default (``release.tag_pattern`` unset) a release tag is a version: a PEP 440
version after an optional ``v``/``V``, ``release-``, ``release_`` or ``release/``
prefix, as projects tag them (``v1.2.3``, ``1.2.3``, ``release-1.2.3``,
``2.0.0rc1``). A set ``release.tag_pattern`` is a glob matched as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase

from packaging.version import InvalidVersion, Version

TAG_PATTERN_KEY = "release.tag_pattern"
DEFAULT_TAG_DESCRIPTION = "version tags: v1.2.3, 1.2.3, release-1.2.3 (any PEP 440 version)"

_PREFIX = re.compile(r"^(?:[vV]|release[-_/])?")
# PEP 440 allows a leading "v" itself; the prefix is taken off first so that
# "release-v1.0" is not a version either.
_VERSION_START = re.compile(r"^\d")


def is_version_tag(name: str) -> bool:
    rest = _PREFIX.sub("", name, count=1)
    if not _VERSION_START.match(rest):
        return False
    try:
        Version(rest)
    except InvalidVersion:
        return False
    return True


def tag_version(name: str) -> Version | None:
    """The version a tag names (``v1.2.3`` -> 1.2.3), None when it is not a version tag."""
    if not is_version_tag(name):
        return None
    return Version(_PREFIX.sub("", name, count=1))


def is_release_tag(name: str, pattern: str | None) -> bool:
    """Whether tag ``name`` is a release tag under ``release.tag_pattern`` (None: versions)."""
    if pattern is None:
        return is_version_tag(name)
    return fnmatchcase(name, pattern)


def describe_pattern(pattern: str | None) -> str:
    return DEFAULT_TAG_DESCRIPTION if pattern is None else f"{pattern!r}"


def no_release_tag_hint(seen: Iterable[str], pattern: str | None, *, shown: int = 5) -> str:
    """What to say when no tag of the history is a release tag: the tags seen, the key."""
    names = list(seen)
    if not names:
        return f"the history has no tags; tag releases to match {TAG_PATTERN_KEY}"
    more = len(names) - shown
    listed = ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")
    return (
        f"no tag matches {TAG_PATTERN_KEY} ({describe_pattern(pattern)}); tags seen: {listed}; "
        f"set {TAG_PATTERN_KEY} to the glob your release tags follow"
    )
