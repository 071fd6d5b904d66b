"""What the dependency stage knows: pins, ranges, unauditable entries, vulnerabilities.

Frozen values only. A dependency that cannot be audited is a ``SkippedDependency``
(its own type, never ``None``); a dependency file that cannot be read is a
``SourceProblem``. Both make the check ``error``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name
from packaging.version import Version

from releasegate.errors import ReleasegateError
from releasegate.model import JSONValue, Severity

# The rule ids of the dependency check's own findings (``decide`` judges the first two
# by ``dependencies.unpinned``).
UNPINNED_RULE = "releasegate.unpinned-dependency"
# A range in a library (releasegate.deps.project): reported; blocks only when the policy
# sets dependencies.unpinned: block.
LIBRARY_RANGE_RULE = "releasegate.library-range"
NONDEFAULT_INDEX_RULE = "releasegate.nondefault-index"


def canonical(name: str) -> str:
    """PEP 503 normalised name: ``Django``, ``django`` and ``DJANGO`` are one package."""
    return str(canonicalize_name(name))


# Up to the last '@' of the authority: a password may hold an '@' (urlsplit reads it so).
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@")


def redact(text: str) -> str:
    """``text`` without the user:password part of URLs (index and proxy URLs carry tokens)."""
    return _USERINFO.sub(r"\g<scheme>***@", text)


_DEFAULT_PORTS = {"http": 80, "https": 443}
# PyPI's simple index under its names, normalised (``normalise_index``).
PYPI_INDEX_URLS = frozenset({"https://pypi.org/simple", "https://pypi.python.org/simple"})


def normalise_index(value: str) -> str:
    """An index URL as compared with ``dependencies.allowed_indexes``: lowercase scheme and
    host, no credentials, no default port, no trailing '/'. Not a URL: stripped as written."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # an invalid port or IPv6 address: compared as written
        return redact(text).rstrip("/")
    if not parts.scheme or not parts.netloc:
        return text.rstrip("/")
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{parts.path.rstrip('/')}{query}"


def trusted_host_matches(trusted: str, index: str) -> bool:
    """Whether ``--trusted-host trusted`` (``host`` or ``host:port``) is the host of the
    index URL ``index``."""
    try:
        wanted = urlsplit("//" + trusted.strip())
        parts = urlsplit(index)
        if wanted.hostname is None or wanted.hostname != parts.hostname:
            return False
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
        return wanted.port is None or wanted.port == port
    except ValueError:
        return False


class SourceKind(enum.Enum):
    """The kinds of dependency files the stage reads."""

    REQUIREMENTS = "requirements"
    CONSTRAINTS = "constraints"
    PYPROJECT = "pyproject"
    UV_LOCK = "uv.lock"
    POETRY_LOCK = "poetry.lock"
    PIPFILE_LOCK = "Pipfile.lock"
    PYLOCK = "pylock"

    @property
    def is_lock(self) -> bool:
        return self in (
            SourceKind.UV_LOCK,
            SourceKind.POETRY_LOCK,
            SourceKind.PIPFILE_LOCK,
            SourceKind.PYLOCK,
        )


@dataclass(frozen=True, kw_only=True, order=True)
class Location:
    """A line of a file of the tree (``line`` 0: the file as a whole)."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, kw_only=True)
class Pin:
    """A dependency pinned to exactly one version: what is audited."""

    name: str  # as written
    version: Version
    version_text: str  # as written
    location: Location
    kind: SourceKind
    marker: str | None = None  # kept and recorded, never evaluated away
    extras: tuple[str, ...] = ()
    hashes: int = 0
    note: str | None = None  # e.g. "constraint", "Pipfile.lock develop", a private index

    @property
    def canonical(self) -> str:
        return canonical(self.name)

    def to_json(self) -> dict[str, JSONValue]:
        entry: dict[str, JSONValue] = {
            "name": self.name,
            "version": self.version_text,
            "path": self.location.path,
            "line": self.location.line,
        }
        if self.marker:
            entry["marker"] = self.marker
        if self.extras:
            entry["extras"] = list(self.extras)
        if self.hashes:
            entry["hashes"] = self.hashes
        if self.note:
            entry["note"] = self.note
        return entry


@dataclass(frozen=True, kw_only=True)
class Unpinned:
    """A requirement given as a range: it cannot be audited as one version."""

    requirement: str
    name: str
    location: Location
    kind: SourceKind
    fix: str  # what would pin it

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "requirement": self.requirement,
            "path": self.location.path,
            "line": self.location.line,
            "fix": self.fix,
        }


@dataclass(frozen=True, kw_only=True)
class SkippedDependency:
    """A dependency that cannot be audited (URL, VCS, local path, undeclared, not found)."""

    what: str
    reason: str
    location: Location | None = None
    name: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}cannot audit {self.what}: {self.reason}"

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "what": self.what,
            "reason": self.reason,
            "path": self.location.path if self.location else None,
            "line": self.location.line if self.location else None,
        }


@dataclass(frozen=True, kw_only=True)
class LocalProject:
    """A package of the repository itself in a lock file (the project, a workspace member).

    First-party code: the static stage judges it; there is nothing to look up.
    """

    name: str
    directory: str
    location: Location

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "name": self.name,
            "directory": self.directory,
            "path": self.location.path,
            "line": self.location.line,
        }


@dataclass(frozen=True, kw_only=True)
class SourceProblem:
    """A dependency file that cannot be read, or a line of it that is malformed."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """A dependency file that was read, and how many entries it gave."""

    path: str
    kind: SourceKind
    entries: int
    role: str = "found in the tree"

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "path": self.path,
            "kind": self.kind.value,
            "count": self.entries,
            "role": self.role,
        }


@dataclass(frozen=True, kw_only=True)
class IndexUse:
    """A package source other than PyPI that a dependency file names.

    ``option``: the requirements option as written (``-i``, ``--index-url``,
    ``--extra-index-url``, ``-f``, ``--find-links``, ``--trusted-host``) or
    ``registry`` (a lock file). Only the credential-free forms are kept:
    ``shown`` with credentials masked, ``normalised`` without them.
    """

    option: str
    shown: str
    normalised: str
    location: Location
    packages: tuple[str, ...] = ()  # a lock file: the packages locked from it

    @property
    def trusted_host(self) -> bool:
        return self.option == "--trusted-host"

    def to_json(self) -> dict[str, JSONValue]:
        entry: dict[str, JSONValue] = {
            "option": self.option,
            "url": self.shown,
            "path": self.location.path,
            "line": self.location.line,
        }
        if self.packages:
            entry["packages"] = list(self.packages)
        return entry


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """Everything the dependency files of a tree say."""

    sources: tuple[SourceFile, ...] = ()
    pins: tuple[Pin, ...] = ()
    unpinned: tuple[Unpinned, ...] = ()
    skipped: tuple[SkippedDependency, ...] = ()
    local: tuple[LocalProject, ...] = ()
    problems: tuple[SourceProblem, ...] = ()
    notes: tuple[str, ...] = ()
    indexes: tuple[IndexUse, ...] = ()  # package sources other than PyPI


# --- vulnerabilities ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Vulnerability:
    """One vulnerability of one package version, its aliases merged into it."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    fixed: tuple[str, ...]  # fixed versions the advisory names, ascending
    severity: Severity
    cwe: tuple[int, ...] = ()
    # When it was first published (the earliest of its merged advisories; aware, UTC);
    # None when no advisory of it says (pip-audit never does). ``releasegate watch``
    # counts an unknown date as published after any release (fail closed).
    published: dt.datetime | None = None
    # When it last changed (the latest of its merged advisories' ``modified``; None when one
    # does not say): an advisory imported or widened after a release counts as new there.
    modified: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class PackageAudit:
    """What is known about one package at one version."""

    name: str  # canonical
    version: Version
    vulnerabilities: tuple[Vulnerability, ...]
    upgrade: str | None  # the smallest version fixing all of them, if one is known
    upgrade_basis: str  # what "all" means: known advisories, or what the service reported


@dataclass(frozen=True, kw_only=True)
class ServiceAudit:
    """The answer of a vulnerability service for a set of (package, version)."""

    audits: Mapping[tuple[str, Version], PackageAudit]
    skipped: tuple[SkippedDependency, ...] = ()
    evidence: Mapping[str, JSONValue] = field(default_factory=dict)


class VulnerabilityService(Protocol):
    """Looks up (canonical name, version) pairs. Raises ``ServiceError`` when it cannot."""

    @property
    def tool(self) -> str: ...

    def audit(self, packages: Sequence[tuple[str, Version]]) -> ServiceAudit: ...


# --- errors -------------------------------------------------------------------------------


class SourceError(ReleasegateError):
    """A dependency file cannot be read or is malformed."""

    def __init__(self, message: str, *, line: int = 0, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.line = line


class AdvisoryDBError(ReleasegateError):
    """The local advisory database is missing, empty or malformed."""

    exit_code = 1


class ServiceError(ReleasegateError):
    """The vulnerability service (pip-audit) failed or answered something unusable."""

    exit_code = 1


class ServiceUnreachable(ServiceError):
    """The vulnerability service could not be reached: nothing is known, nothing is clean."""
