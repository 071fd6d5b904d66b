"""What every part of the policy shares: its file name, limits, the strict section
base class and the validators of globs, tag patterns, teams and non-empty text."""

from __future__ import annotations

import enum
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictStr,
)

from releasegate.globs import compile_check

POLICY_FILE = ".releasegate.yml"
DEFAULT_POLICY_RESOURCE = "starter-policy.yml"
EMBEDDED_POLICY = "embedded default policy"
# A policy is a few kilobytes; anything larger is refused before it is parsed.
MAX_POLICY_BYTES = 1024 * 1024

GLOB_ERROR = "invalid glob {glob!r}: {why}"


def check_glob(glob: str) -> str:
    why = None
    if not glob.strip():
        why = "it is empty"
    elif glob.startswith("/") or re.match(r"^[A-Za-z]:", glob):
        why = "paths are relative to the repository root; drop the leading '/'"
    elif "\\" in glob:
        why = "use '/' as the path separator; a backslash is not allowed"
    elif "***" in glob:
        why = "'***' is not a pattern; use '**' for any number of directories"
    elif ".." in glob.split("/"):
        why = "'..' would leave the repository"
    elif glob.count("[") != glob.count("]"):
        why = "unbalanced '[' and ']'"
    if why is None:
        try:
            compile_check(glob)
        except ValueError as exc:  # pathspec's pattern errors subclass ValueError
            why = str(exc)
    if why is not None:
        raise ValueError(GLOB_ERROR.format(glob=glob, why=why))
    return glob


Glob = Annotated[StrictStr, AfterValidator(check_glob)]


def check_tag_pattern(pattern: str) -> str:
    check_glob(pattern)
    return pattern


def check_team(team: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+", team):
        raise ValueError(f"{team!r} is not a team: write it as 'org/team-slug'")
    return team


def nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


NonEmpty = Annotated[StrictStr, AfterValidator(nonempty)]


class Choice(str, enum.Enum):
    """A policy value from a fixed set: read from YAML as its text, compared as a member,
    and shown as its text (``str()``, f-strings, argv) on every Python version."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class ReviewSource(Choice):
    GITHUB = "github"
    GIT = "git"


class AdvisoryService(Choice):
    OSV = "osv"
    PYPI = "pypi"


class RuleBlocking(Choice):
    BLOCK = "block"
    REPORT = "report"


class UnpinnedAction(Choice):
    BLOCK = "block"
    WARN = "warn"


class ProjectKindChoice(Choice):
    AUTO = "auto"
    LIBRARY = "library"
    APPLICATION = "application"


class PinRequirement(Choice):
    """zizmor's ``unpinned-uses`` requirement for the actions a pattern matches."""

    ANY = "any"
    REF_PIN = "ref-pin"
    HASH_PIN = "hash-pin"


class ZizmorPersona(Choice):
    REGULAR = "regular"
    PEDANTIC = "pedantic"
    AUDITOR = "auditor"


SeverityThreshold = Literal["info", "low", "medium", "high", "critical", "none"]
ConfidenceLevel = Literal["low", "medium", "high"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
