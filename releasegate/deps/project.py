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
"""

from __future__ import annotations

import configparser
import enum
from dataclasses import dataclass

from releasegate.deps.model import SourceError
from releasegate.deps.sources import Tree, parse_toml


class ProjectKind(enum.Enum):
    LIBRARY = "library"
    APPLICATION = "application"


@dataclass(frozen=True, kw_only=True)
class DetectedKind:
    kind: ProjectKind
    why: str  # the file and table that decided it, or "project.kind in the policy"


def _builds_with_pyproject(tree: Tree) -> bool:
    if not tree.has("pyproject.toml"):
        return False
    try:
        data = parse_toml(tree.read("pyproject.toml"))
    except SourceError:
        return False  # the dependency check reports an unreadable pyproject.toml itself
    return isinstance(data.get("build-system"), dict)


def _setup_cfg_names_a_distribution(tree: Tree) -> bool:
    if not tree.has("setup.cfg"):
        return False
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(tree.read("setup.cfg"))
    except (SourceError, configparser.Error):
        return False
    return parser.has_option("metadata", "name")


def detect(tree: Tree, stated: str) -> DetectedKind:
    """The kind ``project.kind`` states, or (``auto``) the one the root's files show."""
    if stated != "auto":
        return DetectedKind(kind=ProjectKind(stated), why="project.kind in the policy")
    if _builds_with_pyproject(tree):
        return DetectedKind(
            kind=ProjectKind.LIBRARY, why="pyproject.toml has a [build-system] table"
        )
    if tree.has("setup.py"):
        return DetectedKind(kind=ProjectKind.LIBRARY, why="setup.py builds a distribution")
    if _setup_cfg_names_a_distribution(tree):
        return DetectedKind(kind=ProjectKind.LIBRARY, why="setup.cfg names a distribution")
    return DetectedKind(
        kind=ProjectKind.APPLICATION,
        why="no pyproject.toml [build-system], setup.py or setup.cfg [metadata] at the root",
    )
