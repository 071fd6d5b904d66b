"""What kind of project the head is: a library (it builds a distribution) or an application.

A library states compatible ranges by design (``urllib3>=1.26,<3``): its users'
lock files pin what is installed, so a range in a library is reported, not
blocked. An application deploys what its files say, so a range blocks in release
mode (``dependencies.unpinned``). ``project.kind`` in the policy states the kind;
``auto`` (the default) detects it from the repository root:

- ``pyproject.toml`` with a ``[build-system]`` table (PEP 517/518: it builds a
  wheel), or
- ``setup.py``, or ``setup.cfg`` with a ``[metadata]`` name (setuptools),

make a library; anything else (no packaging file, or a ``pyproject.toml`` that only
declares ``[project]``, as ``uv init`` writes for an application) an application.

The head cannot make itself more lenient: when the trusted base has dependency
files and is an application by the rule above, a head that makes it a library is
still judged as an application; the new kind counts from the next release on. A
base without any dependency file (a project's first release) leaves the kind to
the head.
"""

from __future__ import annotations

import configparser
import enum
import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from releasegate.deps.pins import SourceError
from releasegate.deps.sources.formats import kind_of
from releasegate.deps.sources.head_tree import parse_toml

# The text of a root file, or None when there is none (or it cannot be read as text).
Reader = Callable[[str], str | None]


# Files that make a project (or state its dependencies) without being a dependency file
# the audit reads: they decide the kind (setup.py, setup.cfg) or are a tool's manifest
# (Pipfile, whose lock is what is audited).
PACKAGING_FILES = frozenset({"setup.py", "setup.cfg", "Pipfile"})


def states_dependencies(path: str) -> bool:
    """Whether the repository path ``path`` is a dependency or packaging file: one the
    audit reads, one of ``PACKAGING_FILES``, or a requirements file by another name
    (``requirements/base.txt``)."""
    return (
        kind_of(path) is not None
        or posixpath.basename(path) in PACKAGING_FILES
        or (path.endswith(".txt") and "requirements" in path)
    )


class ProjectKind(enum.Enum):
    LIBRARY = "library"
    APPLICATION = "application"


@dataclass(frozen=True, kw_only=True)
class DetectedKind:
    kind: ProjectKind
    why: str  # the file and table that decided it, or "project.kind in the policy"


def _builds_with_pyproject(read: Reader) -> bool:
    text = read("pyproject.toml")
    if text is None:
        return False
    try:
        data = parse_toml(text)
    except SourceError:
        return False  # the dependency check reports an unreadable pyproject.toml itself
    return isinstance(data.get("build-system"), dict)


def _setup_cfg_names_a_distribution(read: Reader) -> bool:
    text = read("setup.cfg")
    if text is None:
        return False
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return False
    return parser.has_option("metadata", "name")


def _from_files(read: Reader) -> DetectedKind:
    if _builds_with_pyproject(read):
        return DetectedKind(
            kind=ProjectKind.LIBRARY, why="pyproject.toml has a [build-system] table"
        )
    if read("setup.py") is not None:
        return DetectedKind(kind=ProjectKind.LIBRARY, why="setup.py builds a distribution")
    if _setup_cfg_names_a_distribution(read):
        return DetectedKind(kind=ProjectKind.LIBRARY, why="setup.cfg names a distribution")
    return DetectedKind(
        kind=ProjectKind.APPLICATION,
        why="no pyproject.toml [build-system], setup.py or setup.cfg [metadata] at the root",
    )


def detect(
    stated: str, head: Reader, base: Reader | None = None, *, base_has_dependencies: bool = False
) -> DetectedKind:
    """The kind ``project.kind`` states, or (``auto``) the one the root's files show: at the
    head, unless the trusted base (``base``), which has dependency files of its own
    (``base_has_dependencies``), shows an application."""
    if stated != "auto":
        return DetectedKind(kind=ProjectKind(stated), why="project.kind in the policy")
    found = _from_files(head)
    if found.kind is ProjectKind.LIBRARY and base is not None and base_has_dependencies:
        before = _from_files(base)
        if before.kind is ProjectKind.APPLICATION:
            return DetectedKind(
                kind=ProjectKind.APPLICATION,
                why=f"the base is an application ({before.why}); the head's "
                f"{found.why.split(' ')[0]} makes it a library from the next release on",
            )
    return found
