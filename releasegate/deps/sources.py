"""Dependency files of the head tree, read with the packaging ecosystem's own parsers.

Which files (``collect``): every tracked file in scope named ``requirements*.txt``,
``pyproject.toml``, ``uv.lock``, ``poetry.lock``, ``Pipfile.lock``, ``pylock.toml``
or ``pylock.<name>.toml`` (PEP 751), in any directory, minus the policy's
``dependencies.exclude`` globs. Files a requirements file includes (``-r``/``-c``)
and the lock file next to a ``pyproject.toml`` are read too, whatever their names.
Only files of the head commit are read: an include that is not one (missing,
outside the repository, a URL) is an error.

How each file is read:

- ``requirements*.txt``: pip's line format (a trailing backslash continues a
  line, ``#`` after white space starts a comment); each requirement is parsed
  with ``packaging.requirements.Requirement``. ``-r`` includes requirements,
  ``-c`` constraints (both relative to the including file, as pip does).
  ``--hash`` and the other per-requirement options are accepted; an option pip
  does not know is an error. Environment markers are kept and recorded, never
  evaluated away: a dependency installed on some platform is audited.
- ``pyproject.toml`` (``tomllib``): PEP 621 ``[project] dependencies`` and
  ``optional-dependencies``. Dependencies declared ``dynamic`` cannot be known
  without a build, and ``[tool.poetry.dependencies]`` only through
  ``poetry.lock``: both are unauditable unless a lock file covers them.
- Lock files: ``uv.lock`` and ``poetry.lock`` and ``pylock.toml`` (TOML),
  ``Pipfile.lock`` (JSON, both ``default`` and ``develop``). Every locked
  package is listed. The project itself and workspace members (editable,
  virtual or directory sources inside the repository) are first-party code,
  listed as local projects, not looked up.

What counts as pinned: a requirement with one exact version (``==X`` without a
wildcard, or ``===X``), or any entry of a lock file. Everything else is
*unpinned* (reported with the fix that would pin it), except:

- a range in a requirements file whose package a constraints file included
  from the same requirements file (directly or through ``-r``) pins;
- a ``pyproject.toml`` dependency that a lock file *covers*: a ``uv.lock``,
  ``poetry.lock`` or ``pylock*.toml`` in the same directory, or a ``uv.lock``
  in a parent directory that lists this directory as a workspace member. The
  lock's pins are what is audited, and pyproject entries the lock has are not
  reported again. A dependency the lock lacks means the lock is out of date:
  it is reported (unpinned, or audited from pyproject if exactly pinned).

A direct URL, VCS or local path requirement cannot be audited: it is a
``SkippedDependency``, which makes the check ``error``.

Package sources other than PyPI's index (``-i``/``--index-url``,
``--extra-index-url``, ``-f``/``--find-links``, ``--trusted-host`` in a
requirements file; a lock file's registry) are ``Inventory.indexes``
(``IndexUse``: credentials masked, the URL normalised); the check judges them
against ``dependencies.allowed_indexes``.

Lines: a requirement's line is the first physical line of its logical line. A
lock file entry's line is the line of its table header: the k-th ``[[package]]``
(``[[packages]]`` in pylock) line of the text is the k-th entry that ``tomllib``
returns; when the header count does not match the entry count (a header inside
a multi-line string), the line of the entry's ``name = "..."`` is used. For
``Pipfile.lock`` it is the line of the ``"name": {`` key after the section key,
and for ``pyproject.toml`` the first line, after the table header, holding the
dependency string quoted.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
import shlex
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from releasegate.deps.pins import (
    PYPI_INDEX_URLS,
    IndexUse,
    Inventory,
    LocalProject,
    Location,
    Pin,
    SkippedDependency,
    SourceError,
    SourceFile,
    SourceKind,
    SourceProblem,
    Unpinned,
    canonical,
    normalise_index,
    redact,
)
from releasegate.globs import matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_FILE_BYTES = 32 * 1024 * 1024
LOCK_FIX = "commit a lock file (uv.lock via `uv lock`, poetry.lock via `poetry lock`)"
_LOCK_COMMANDS = {
    SourceKind.UV_LOCK: "`uv lock`",
    SourceKind.POETRY_LOCK: "`poetry lock`",
    SourceKind.PYLOCK: "the command that wrote it (e.g. `uv export --format pylock.toml`)",
}
# A requirement naming a directory of the repository: ``.``, ``./sub``, ``.[extra]``,
# ``file:.`` (pip's local project forms), with an optional marker.
_LOCAL_PROJECT = re.compile(
    r"^(?:file:)?(?P<path>\.{1,2}(?:/[^\s\[;]*)?)\s*(?:\[[^\]]*\])?\s*(?:;.*)?$"
)
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^[./~\\]|[/\\]|\.(whl|zip|tar\.gz|tgz|tar)$")


def kind_of(path: str) -> SourceKind | None:
    """The kind of dependency file ``path`` is, by its name; None if it is none."""
    base = posixpath.basename(path)
    if base == "pyproject.toml":
        return SourceKind.PYPROJECT
    if base == "uv.lock":
        return SourceKind.UV_LOCK
    if base == "poetry.lock":
        return SourceKind.POETRY_LOCK
    if base == "Pipfile.lock":
        return SourceKind.PIPFILE_LOCK
    if base == "pylock.toml" or fnmatchcase(base, "pylock.?*.toml"):
        return SourceKind.PYLOCK
    if fnmatchcase(base, "requirements*.txt"):
        return SourceKind.REQUIREMENTS
    return None


# --- reading files of the tree ------------------------------------------------------------


class Tree:
    """The head commit's files: the only files a dependency file may lead to."""

    def __init__(self, root: Path, tracked: Collection[str]) -> None:
        self.root = root
        self._real_root = root.resolve()
        self.tracked = frozenset(tracked)

    def has(self, path: str) -> bool:
        return path in self.tracked

    def read(self, path: str) -> str:
        """The text of ``path``; raises ``SourceError`` with the cause."""
        if path not in self.tracked:
            raise SourceError("not a file of the head commit")
        target = self.root / path
        try:
            real = target.resolve()
            if not real.is_relative_to(self._real_root):
                raise SourceError("resolves to a file outside the repository")
            size = real.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SourceError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, not read")
            data = real.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot be read: {exc.strerror or exc}") from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SourceError("is not UTF-8 text", line=line) from None


def parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"at line (\d+)", message)
        if found:
            line = int(found.group(1))
        else:
            line = len(_lines(text)) if "end of document" in message else 0
        raise SourceError(f"TOML syntax error: {message}", line=line) from None


def _lines(text: str) -> list[str]:
    return text.splitlines()


# --- lines of entries ---------------------------------------------------------------------


def table_lines(text: str, table: str, count: int, names: Sequence[str]) -> list[int]:
    """The line of each ``[[table]]`` entry, in order (see the module docstring)."""
    header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]\s*(#.*)?$")
    lines = _lines(text)
    found = [number for number, line in enumerate(lines, 1) if header.match(line)]
    if len(found) == count:
        return found
    result: list[int] = []
    used: set[int] = set()
    for name in names:
        pattern = re.compile(r"^\s*name\s*=\s*[\"']" + re.escape(name) + r"[\"']\s*(#.*)?$")
        line = next(
            (
                n
                for n, text_line in enumerate(lines, 1)
                if n not in used and pattern.match(text_line)
            ),
            found[0] if found else 0,
        )
        used.add(line)
        result.append(line)
    return result


def _string_line(lines: Sequence[str], value: str, start: int, used: set[int]) -> int:
    """The first line at or after ``start`` holding ``value`` as a quoted TOML string."""
    needles = (json.dumps(value), f"'{value}'")
    for number in range(max(start, 1), len(lines) + 1):
        if number in used:
            continue
        if any(needle in lines[number - 1] for needle in needles):
            used.add(number)
            return number
    return start


def _header_line(lines: Sequence[str], table: str) -> int:
    pattern = re.compile(r"^\s*\[\s*" + re.escape(table) + r"\s*\]\s*(#.*)?$")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)


# --- requirements -------------------------------------------------------------------------


def exact_pin(specifier: SpecifierSet) -> tuple[str, Version] | None:
    """The one version ``specifier`` allows, if it pins one (``==X`` or ``===X``).

    Raises ``SourceError`` when it pins something that is not a PEP 440 version,
    two different versions, or a version its other clauses exclude.
    """
    exact = [
        spec
        for spec in specifier
        if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*"))
    ]
    if not exact:
        return None
    versions: list[tuple[str, Version]] = []
    for spec in exact:
        try:
            versions.append((spec.version, Version(spec.version)))
        except InvalidVersion:
            raise SourceError(
                f"pins {spec.operator}{spec.version}, which is not a PEP 440 version: "
                "it cannot be compared with advisories"
            ) from None
    text, version = versions[0]
    if any(other != version for _, other in versions[1:]):
        raise SourceError(f"pins two different versions ({specifier})")
    if not specifier.contains(version, prereleases=True):
        raise SourceError(f"pins {text}, which its other clauses exclude ({specifier})")
    return text, version


@dataclass(frozen=True, kw_only=True)
class _Range:
    requirement: str
    name: str
    location: Location
    kind: SourceKind


Classified = Pin | _Range | SkippedDependency


def classify(text: str, location: Location, kind: SourceKind, *, hashes: int = 0) -> Classified:
    """One requirement: a pin, a range, or something that cannot be audited.

    Raises ``SourceError`` when it is not a requirement at all.
    """
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        if _URLISH.search(text.split(";", maxsplit=1)[0].strip()):
            return SkippedDependency(
                what=redact(text),
                reason="a direct URL, VCS or local path requirement cannot be audited; "
                "depend on a released version instead",
                location=location,
            )
        detail = " ".join(str(exc).split())
        raise SourceError(f"not a valid requirement {text!r}: {detail}") from None
    marker = str(req.marker) if req.marker is not None else None
    if req.url:
        return SkippedDependency(
            what=redact(str(req)),
            reason="a direct URL, VCS or local path requirement cannot be audited; "
            "depend on a released version instead",
            location=location,
            name=req.name,
        )
    pinned = exact_pin(req.specifier)
    if pinned is None:
        return _Range(requirement=str(req), name=req.name, location=location, kind=kind)
    version_text, version = pinned
    return Pin(
        name=req.name,
        version=version,
        version_text=version_text,
        location=location,
        kind=kind,
        marker=marker,
        extras=tuple(sorted(req.extras)),
        hashes=hashes,
    )


_COMMENT = re.compile(r"(^|\s+)#.*$")


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """pip's reading of a requirements file: (first line number, logical line), no comments.

    As pip does: a line ending in a backslash continues on the next, unless it is
    a comment; then comments (``#`` at the start or after white space) are dropped.
    """
    buffer: list[str] = []
    first = 0
    joined: list[tuple[int, str]] = []
    for number, raw in enumerate(_lines(text), 1):
        comment = bool(_COMMENT.match(raw))
        if not raw.endswith("\\") or comment:
            line = " " + raw if comment else raw
            if buffer:
                buffer.append(line)
                joined.append((first, "".join(buffer)))
                buffer = []
            else:
                joined.append((number, line))
        else:
            if not buffer:
                first = number
            buffer.append(raw.strip("\\"))
    if buffer:
        joined.append((first, "".join(buffer)))
    for number, line in joined:
        stripped = _COMMENT.sub("", line).strip()
        if stripped:
            yield number, stripped


def _split_line(line: str) -> tuple[str, str]:
    """pip's split of a line into the requirement and its options (at the first ``-`` token)."""
    tokens = line.split(" ")
    args: list[str] = []
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(args), " ".join(tokens[index:])
        args.append(token)
    return " ".join(args), ""


_INCLUDES = {
    "-r": SourceKind.REQUIREMENTS,
    "--requirement": SourceKind.REQUIREMENTS,
    "-c": SourceKind.CONSTRAINTS,
    "--constraint": SourceKind.CONSTRAINTS,
}
_EDITABLE = frozenset({"-e", "--editable"})
_GLOBAL_VALUES = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "--no-binary",
        "--only-binary",
        "--use-feature",
        *_INCLUDES,
        *_EDITABLE,
    }
)
_GLOBAL_FLAGS = frozenset({"--no-index", "--pre", "--prefer-binary", "--require-hashes"})
_INDEX_URLS = frozenset({"-i", "--index-url", "--extra-index-url"})
# Package sources besides the index: pip takes packages from them too / trusts them blindly.
_OTHER_SOURCES = frozenset({"-f", "--find-links", "--trusted-host"})
REGISTRY = "registry"  # IndexUse.option of a lock file's index
_REQUIREMENT_VALUES = frozenset(
    {"--hash", "--config-settings", "--global-option", "--install-option"}
)
_HASH = re.compile(r"^(sha256|sha384|sha512):[0-9a-fA-F]+$")


def is_pypi(index: str) -> bool:
    """Whether the index URL ``index`` is PyPI's simple index."""
    return normalise_index(index) in PYPI_INDEX_URLS


def parse_options(
    text: str, values: Collection[str], flags: Collection[str]
) -> list[tuple[str, str | None]]:
    """``(option, value)`` pairs of pip options; raises ``SourceError`` on anything else."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise SourceError(f"cannot split the options {text!r}: {exc}") from None
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            attached: str | None = value if eq else None
        elif token.startswith("-") and len(token) >= 2:
            name, attached = token[:2], (token[2:] or None)
        else:
            raise SourceError(f"unexpected {token!r} among the options")
        if name in values:
            if attached is None:
                index += 1
                if index >= len(tokens):
                    raise SourceError(f"option {name} needs a value")
                attached = tokens[index]
            options.append((name, attached))
        elif name in flags:
            if attached is not None:
                raise SourceError(f"option {name} takes no value")
            options.append((name, None))
        else:
            raise SourceError(f"unknown or misplaced option {name!r}")
        index += 1
    return options


# --- the collector ------------------------------------------------------------------------


@dataclass
class _File:
    """What one file gave (mutable while the file is read)."""

    path: str
    kind: SourceKind
    role: str
    pins: list[Pin] = field(default_factory=list)
    ranges: list[_Range] = field(default_factory=list)
    skipped: list[SkippedDependency] = field(default_factory=list)
    local: list[LocalProject] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    includes: list[tuple[SourceKind, str]] = field(default_factory=list)
    # (option, value as written, line, package of a lock entry): package sources other
    # than PyPI; the value may hold credentials and never leaves this module as is.
    sources: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    entries: int = 0

    def problem(self, line: int, message: str) -> None:
        self.problems.append(
            SourceProblem(location=Location(path=self.path, line=line), message=message)
        )

    def source(self, line: int, option: str, value: str, package: str | None = None) -> None:
        """Record a package source other than PyPI's index (PyPI itself is dropped)."""
        if option in (*_INDEX_URLS, REGISTRY) and is_pypi(value):
            return
        self.sources.append((option, value, line, package))

    def index_uses(self) -> list[IndexUse]:
        """The sources, credentials masked; a lock file's: one per index, at its first entry."""
        uses: list[IndexUse] = []
        locked: dict[str, tuple[int, list[str]]] = {}
        for option, value, line, package in self.sources:
            if option == "--trusted-host":
                normalised = value.strip().lower()
            else:
                normalised = normalise_index(value)
            if package is not None:
                first, packages = locked.setdefault(normalised, (len(uses), []))
                packages.append(package)
                if first < len(uses):
                    continue
            uses.append(
                IndexUse(
                    option=option,
                    shown=redact(value.strip()),
                    normalised=normalised,
                    location=Location(path=self.path, line=line),
                )
            )
        for first, packages in locked.values():
            uses[first] = dataclasses.replace(uses[first], packages=tuple(packages))
        return uses

    def names(self) -> set[str]:
        found = {pin.canonical for pin in self.pins}
        found |= {canonical(item.name) for item in self.skipped if item.name}
        found |= {canonical(item.name) for item in self.local}
        return found


def _inside(directory: str, relative: str) -> str | None:
    """``relative`` (from ``directory``) as a repository path, or None if it leaves the repo."""
    if relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative):
        return None
    joined = posixpath.normpath(posixpath.join(directory, relative.replace("\\", "/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


def _parent(path: str) -> str:
    return posixpath.dirname(path)


class Collector:
    """Reads the dependency files of a tree into an ``Inventory``."""

    def __init__(self, tree: Tree, exclude: Sequence[str] = ()) -> None:
        self.tree = tree
        self.exclude = tuple(exclude)
        self._files: dict[tuple[str, SourceKind], _File] = {}
        self._order: list[tuple[str, SourceKind]] = []
        self._pyproject_fix: list[Unpinned] = []
        self._covered: list[tuple[str, str]] = []
        self.notes: list[str] = []

    # -- files --

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and matches(self.exclude, path)

    def _new(self, path: str, kind: SourceKind, role: str) -> _File | None:
        key = (path, kind)
        if key in self._files:
            return None
        found = _File(path=path, kind=kind, role=role)
        self._files[key] = found
        self._order.append(key)
        return found

    def _read(self, found: _File) -> str | None:
        try:
            return self.tree.read(found.path)
        except SourceError as exc:
            found.problem(exc.line, exc.message)
            return None

    # -- requirements --

    def read_requirements(
        self, path: str, kind: SourceKind, role: str, stack: tuple[str, ...] = ()
    ) -> None:
        found = self._new(path, kind, role)
        if found is None:
            return
        text = self._read(found)
        if text is None:
            return
        for number, line in logical_lines(text):
            try:
                self._requirement_line(found, number, line, (*stack, path))
            except SourceError as exc:
                found.problem(number, exc.message)

    def _requirement_line(
        self, found: _File, number: int, line: str, stack: tuple[str, ...]
    ) -> None:
        location = Location(path=found.path, line=number)
        text, options = _split_line(line)
        if text and self._self_reference(found, text, location):
            found.entries += 1
            return
        if text:
            parsed = parse_options(options, _REQUIREMENT_VALUES, ())
            hashes = [value or "" for name, value in parsed if name == "--hash"]
            for digest in hashes:
                if not _HASH.match(digest):
                    raise SourceError(f"--hash={digest} is not algorithm:hexdigest")
            found.entries += 1
            item = classify(text, location, found.kind, hashes=len(hashes))
            if isinstance(item, Pin):
                if found.kind is SourceKind.CONSTRAINTS:
                    item = dataclasses.replace(item, note="constraint")
                found.pins.append(item)
            elif isinstance(item, _Range):
                found.ranges.append(item)
            else:
                found.skipped.append(item)
            return
        for name, value in parse_options(options, _GLOBAL_VALUES, _GLOBAL_FLAGS):
            if name in _INCLUDES and value is not None:
                self._include(found, number, _INCLUDES[name], value, stack)
            elif name in _EDITABLE:
                found.entries += 1
                if self._self_reference(found, value or "", location):
                    continue
                found.skipped.append(
                    SkippedDependency(
                        what=f"-e {redact(value or '')}",
                        reason="an editable (local path or VCS) requirement cannot be audited",
                        location=location,
                    )
                )
            elif name in _INDEX_URLS and value:
                self.notes.append(f"{location}: package index {redact(value)}")
                found.source(number, name, value)
            elif name in _OTHER_SOURCES and value:
                found.source(number, name, value)

    def _self_reference(self, found: _File, value: str, location: Location) -> bool:
        """``-e .``, ``.[extra]``, ``./sub``: a project of the repository itself,
        first-party code the static stage judges, not a third-party dependency. Recorded
        as a local project, and its pyproject.toml is audited.

        Only where the reading is certain: in a requirements file at the repository root
        (pip resolves these paths from the working directory, not from the file), and
        for a directory whose pyproject.toml declares its dependencies statically in
        ``[project]`` (setup.py ``install_requires`` cannot be read without a build).
        Anything else stays unauditable (an error)."""
        match = _LOCAL_PROJECT.match(value.strip())
        if match is None or _parent(found.path) != "":
            return False
        directory = _inside("", match["path"].rstrip("/") or ".")
        if directory is None:
            return False
        pyproject = posixpath.join(directory, "pyproject.toml")
        if not self.tree.has(pyproject) or not self._static_project(pyproject):
            return False
        self.read_pyproject(pyproject, f"-e from {found.path}")  # once: _new skips a reread
        found.local.append(
            LocalProject(name=directory or ".", directory=directory, location=location)
        )
        return True

    def _static_project(self, pyproject: str) -> bool:
        try:
            data = parse_toml(self.tree.read(pyproject))
        except SourceError:
            return False  # reported when the file is read
        project = data.get("project")
        if not isinstance(project, dict):
            return False
        dynamic = project.get("dynamic", [])
        return not (isinstance(dynamic, list) and "dependencies" in dynamic)

    def _include(
        self, found: _File, number: int, kind: SourceKind, value: str, stack: tuple[str, ...]
    ) -> None:
        flag = "-r" if kind is SourceKind.REQUIREMENTS else "-c"
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:", value):
            raise SourceError(f"{flag} {redact(value)}: only files of the repository can be read")
        target = _inside(_parent(found.path), value)
        if target is None:
            raise SourceError(f"{flag} {value}: leaves the repository")
        if not self.tree.has(target):
            raise SourceError(f"{flag} {value}: no such file in the head commit ({target})")
        if target in stack:
            cycle = " -> ".join((*stack[stack.index(target) :], target))
            raise SourceError(f"{flag} {value}: include cycle ({cycle})")
        found.includes.append((kind, target))
        self.read_requirements(target, kind, f"{flag} from {found.path}", stack)

    # -- lock files --

    def read_lock(self, path: str, kind: SourceKind, role: str) -> _File | None:
        key = (path, kind)
        if key in self._files:
            return self._files[key]
        found = self._new(path, kind, role)
        if found is None:  # pragma: no cover - checked above
            return None
        text = self._read(found)
        if text is None:
            return found
        try:
            if kind is SourceKind.UV_LOCK:
                _uv_lock(found, text)
            elif kind is SourceKind.POETRY_LOCK:
                _poetry_lock(found, text)
            elif kind is SourceKind.PIPFILE_LOCK:
                _pipfile_lock(found, text)
            else:
                _pylock(found, text)
        except SourceError as exc:
            found.problem(exc.line, exc.message)
        return found

    def _covering_locks(self, pyproject: str) -> list[_File]:
        directory = _parent(pyproject)
        here = [
            posixpath.join(directory, name)
            for name in ("uv.lock", "poetry.lock", "pylock.toml")
            if self.tree.has(posixpath.join(directory, name))
        ]
        here += sorted(
            path
            for path in self.tree.tracked
            if _parent(path) == directory
            and kind_of(path) is SourceKind.PYLOCK
            and path not in here
        )
        locks: list[_File] = []
        for path in here:
            kind = kind_of(path)
            if kind is None or self.excluded(path):
                continue
            lock = self.read_lock(path, kind, f"lock file of {pyproject}")
            if lock is not None:
                locks.append(lock)
        if locks:
            return locks
        # A uv workspace: the root's uv.lock lists the members as local packages.
        parts = directory.split("/") if directory else []
        for depth in range(len(parts) - 1, -1, -1):
            candidate = posixpath.join(*parts[:depth], "uv.lock") if depth else "uv.lock"
            if not self.tree.has(candidate) or self.excluded(candidate):
                continue
            lock = self.read_lock(candidate, SourceKind.UV_LOCK, f"workspace lock of {pyproject}")
            if lock is not None and any(item.directory == directory for item in lock.local):
                return [lock]
        return []

    # -- pyproject.toml --

    def read_pyproject(self, path: str, role: str) -> None:
        found = self._new(path, SourceKind.PYPROJECT, role)
        if found is None:
            return
        text = self._read(found)
        if text is None:
            return
        try:
            data = parse_toml(text)
        except SourceError as exc:
            found.problem(exc.line, exc.message)
            return
        locks = self._covering_locks(path)
        locked: set[str] = set()
        for lock in locks:
            locked |= lock.names()
        lock_kinds = {lock.kind for lock in locks}
        lock_label = ", ".join(lock.path for lock in locks)
        lines = _lines(text)
        used: set[int] = set()
        project = data.get("project")
        if project is not None and not isinstance(project, dict):
            found.problem(_header_line(lines, "project"), "[project] is not a table")
            return
        project = project or {}
        dynamic = project.get("dynamic", [])
        if not isinstance(dynamic, list) or not all(isinstance(d, str) for d in dynamic):
            found.problem(
                _header_line(lines, "project"), "[project] dynamic is not a list of strings"
            )
            dynamic = []
        groups: list[tuple[str, int, object]] = [
            ("dependencies", _header_line(lines, "project"), project.get("dependencies", []))
        ]
        optional = project.get("optional-dependencies", {})
        if not isinstance(optional, dict):
            found.problem(_header_line(lines, "project"), "optional-dependencies is not a table")
            optional = {}
        start = _header_line(lines, "project.optional-dependencies")
        for extra, entries in optional.items():
            groups.append((f"optional-dependencies.{extra}", start, entries))
        for field_name in ("dependencies", "optional-dependencies"):
            if field_name in dynamic:
                where = Location(path=path, line=_header_line(lines, "project"))
                if locks:
                    self.notes.append(f"{where}: dynamic {field_name}: pinned by {lock_label}")
                else:
                    found.skipped.append(
                        SkippedDependency(
                            what=f"the dynamic {field_name} of {path}",
                            reason=f"dynamic dependencies are only known after a build; {LOCK_FIX}",
                            location=where,
                        )
                    )
        for group, start_line, entries in groups:
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                found.problem(start_line, f"[project] {group} is not a list of strings")
                continue
            for entry in entries:
                line = _string_line(lines, entry, start_line, used)
                self._pyproject_entry(found, entry, Location(path=path, line=line), locked, locks)
        self._poetry_table(found, data, lines, lock_kinds)
        if locks:
            self._covered.append((path, lock_label))

    def _pyproject_entry(
        self,
        found: _File,
        entry: str,
        location: Location,
        locked: set[str],
        locks: Sequence[_File],
    ) -> None:
        found.entries += 1
        try:
            item = classify(entry, location, SourceKind.PYPROJECT)
        except SourceError as exc:
            found.problem(location.line, exc.message)
            return
        name = item.name
        if name is not None and canonical(name) in locked:
            return  # the lock pins it: its entry is what is audited
        if isinstance(item, Pin):
            found.pins.append(item)
        elif isinstance(item, SkippedDependency):
            found.skipped.append(item)
        elif locks:
            lock = locks[0]
            command = _LOCK_COMMANDS.get(lock.kind, "the tool that wrote it")
            self._pyproject_fix.append(
                Unpinned(
                    requirement=item.requirement,
                    name=item.name,
                    location=location,
                    kind=SourceKind.PYPROJECT,
                    fix=f"{lock.path} does not pin {item.name}: the lock file is out of date; "
                    f"update it with {command}",
                )
            )
        else:
            found.ranges.append(item)

    def _poetry_table(
        self,
        found: _File,
        data: Mapping[str, Any],
        lines: Sequence[str],
        lock_kinds: set[SourceKind],
    ) -> None:
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        declared = poetry.get("dependencies") if isinstance(poetry, dict) else None
        if not isinstance(declared, dict):
            return
        names = [name for name in declared if canonical(name) != "python"]
        if not names or SourceKind.POETRY_LOCK in lock_kinds:
            return
        found.skipped.append(
            SkippedDependency(
                what=f"[tool.poetry.dependencies] of {found.path} ({', '.join(names)})",
                reason="only poetry.lock pins them: commit poetry.lock (`poetry lock`)",
                location=Location(
                    path=found.path, line=_header_line(lines, "tool.poetry.dependencies")
                ),
            )
        )

    # -- the inventory --

    def _constrained(self) -> set[int]:
        """ids of the ranges a constraints file reachable from a requirements file pins."""
        covered: set[int] = set()
        edges = {key: found.includes for key, found in self._files.items()}
        for key, found in self._files.items():
            if found.kind is not SourceKind.REQUIREMENTS:
                continue
            seen = {key}
            todo = [key]
            while todo:
                current = todo.pop()
                for kind, target in edges.get(current, []):
                    nxt = (target, kind)
                    if nxt in self._files and nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            pinned = {
                pin.canonical
                for node in seen
                if node[1] is SourceKind.CONSTRAINTS
                for pin in self._files[node].pins
            }
            for node in seen:
                if node[1] is SourceKind.REQUIREMENTS:
                    for item in self._files[node].ranges:
                        if canonical(item.name) in pinned:
                            covered.add(id(item))
        return covered

    def inventory(self) -> Inventory:
        files = [self._files[key] for key in self._order]
        constrained = self._constrained()
        unpinned: list[Unpinned] = list(self._pyproject_fix)
        for found in files:
            if found.kind is SourceKind.CONSTRAINTS:
                continue  # a constraint range installs nothing
            for item in found.ranges:
                if id(item) in constrained:
                    continue
                unpinned.append(
                    Unpinned(
                        requirement=item.requirement,
                        name=item.name,
                        location=item.location,
                        kind=item.kind,
                        fix=_fix(item),
                    )
                )
        notes = list(self.notes)
        notes += [
            f"{path}: its dependencies are pinned by {label}" for path, label in self._covered
        ]
        return Inventory(
            sources=tuple(
                SourceFile(path=f.path, kind=f.kind, entries=f.entries, role=f.role) for f in files
            ),
            pins=tuple(pin for f in files for pin in f.pins),
            unpinned=tuple(sorted(unpinned, key=lambda u: u.location)),
            skipped=tuple(item for f in files for item in f.skipped),
            local=tuple(item for f in files for item in f.local),
            problems=tuple(problem for f in files for problem in f.problems),
            notes=tuple(notes),
            indexes=tuple(use for f in files for use in f.index_uses()),
        )


def _fix(item: _Range) -> str:
    example = f"`{item.name}==X.Y`"
    if item.kind is SourceKind.PYPROJECT:
        return f"{LOCK_FIX} next to it, or pin it ({example})"
    return (
        f"pin it ({example}): generate the file with `pip-compile` or `pip freeze`, or {LOCK_FIX}"
    )


def collect(
    tree: Path,
    files: Sequence[str],
    *,
    tracked: Collection[str] | None = None,
    exclude: Sequence[str] = (),
) -> Inventory:
    """Read the dependency files among ``files`` (repository paths in scope).

    ``tracked`` are all files of the head commit (what includes and lock files
    next to a ``pyproject.toml`` may be); ``files`` when not given.
    """
    view = Tree(tree, tracked if tracked is not None else files)
    collector = Collector(view, exclude)
    roots = [(path, kind_of(path)) for path in sorted(set(files))]
    chosen = [
        (path, kind) for path, kind in roots if kind is not None and not collector.excluded(path)
    ]
    for path, kind in chosen:
        if kind.is_lock:
            collector.read_lock(path, kind, "found in the tree")
    for path, kind in chosen:
        if kind is SourceKind.PYPROJECT:
            collector.read_pyproject(path, "found in the tree")
    for path, kind in chosen:
        if kind is SourceKind.REQUIREMENTS:
            collector.read_requirements(path, kind, "found in the tree")
    inventory = collector.inventory()
    extra = _unread_declarations(files, view, collector)
    if extra.skipped or extra.notes:
        inventory = Inventory(
            sources=inventory.sources,
            pins=inventory.pins,
            unpinned=inventory.unpinned,
            skipped=(*inventory.skipped, *extra.skipped),
            local=inventory.local,
            problems=inventory.problems,
            notes=(*inventory.notes, *extra.notes),
            indexes=inventory.indexes,
        )
    return inventory


def _unread_declarations(files: Sequence[str], tree: Tree, collector: Collector) -> Inventory:
    """Dependency declarations no lock pins: a Pipfile without Pipfile.lock, setup.py."""
    skipped: list[SkippedDependency] = []
    notes: list[str] = []
    for path in sorted(set(files)):
        if collector.excluded(path):
            continue
        base = posixpath.basename(path)
        if base == "Pipfile" and not tree.has(posixpath.join(_parent(path), "Pipfile.lock")):
            skipped.append(
                SkippedDependency(
                    what=f"the packages of {path}",
                    reason="a Pipfile without Pipfile.lock pins nothing: "
                    "commit Pipfile.lock (`pipenv lock`)",
                    location=Location(path=path, line=0),
                )
            )
        elif base in ("setup.py", "setup.cfg"):
            notes.append(
                f"{path}: not read (install_requires in setup.py/setup.cfg are not audited; "
                "declare dependencies in pyproject.toml or a requirements or lock file)"
            )
    return Inventory(skipped=tuple(skipped), notes=tuple(notes))


# --- lock file formats --------------------------------------------------------------------


def _version(found: _File, name: str, raw: object, line: int) -> tuple[str, Version] | None:
    if not isinstance(raw, str):
        found.problem(line, f"{name}: the version is missing or not a string")
        return None
    text = raw.removeprefix("==") if found.kind is SourceKind.PIPFILE_LOCK else raw
    try:
        return text, Version(text)
    except InvalidVersion:
        found.problem(line, f"{name}: {raw!r} is not a PEP 440 version")
        return None


def _entries(
    found: _File, data: Mapping[str, Any], key: str, text: str
) -> list[tuple[int, dict[str, Any]]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceError(f"`{key}` is not an array of tables")
    names = [str(entry.get("name", "")) for entry in entries]
    lines = table_lines(text, key, len(entries), names)
    return list(zip(lines, entries, strict=True))


def _local_or_skipped(
    found: _File, name: str, directory: str, line: int, what: str, *, first_party: bool
) -> None:
    location = Location(path=found.path, line=line)
    inside = _inside(_parent(found.path), directory)
    if first_party and inside is not None:
        found.local.append(LocalProject(name=name, directory=inside, location=location))
        return
    found.skipped.append(
        SkippedDependency(
            what=f"{name} ({what})",
            reason="a package from a local path outside the repository, an archive, a VCS "
            "or a URL cannot be audited; depend on a released version instead",
            location=location,
            name=name,
        )
    )


def _pin(found: _File, name: str, raw_version: object, line: int, **extra: Any) -> None:
    parsed = _version(found, name, raw_version, line)
    if parsed is None:
        return
    text, version = parsed
    found.pins.append(
        Pin(
            name=name,
            version=version,
            version_text=text,
            location=Location(path=found.path, line=line),
            kind=found.kind,
            **extra,
        )
    )


def _uv_lock(found: _File, text: str) -> None:
    data = parse_toml(text)
    version = data.get("version")
    if version != 1:
        raise SourceError(
            f"unsupported uv.lock version {version!r} (this releasegate reads version 1)", line=1
        )
    for line, entry in _entries(found, data, "package", text):
        name = entry.get("name")
        if not isinstance(name, str):
            found.problem(line, "a [[package]] without a name")
            continue
        found.entries += 1
        source = entry.get("source")
        if not isinstance(source, dict) or len(source) != 1:
            found.problem(line, f"{name}: `source` is missing or not a one-key inline table")
            continue
        ((how, where),) = source.items()
        if how == "registry":
            note = None if is_pypi(str(where)) else f"index {redact(str(where))}"
            found.source(line, REGISTRY, str(where), name)
            _pin(found, name, entry.get("version"), line, note=note)
        elif how in ("editable", "virtual", "directory") and isinstance(where, str):
            _local_or_skipped(found, name, where, line, f"{how} {where}", first_party=True)
        elif how in ("path", "git", "url") and isinstance(where, str):
            _local_or_skipped(found, name, where, line, f"{how} {redact(where)}", first_party=False)
        else:
            found.problem(line, f"{name}: unknown source {how!r}")


def _poetry_lock(found: _File, text: str) -> None:
    data = parse_toml(text)
    for line, entry in _entries(found, data, "package", text):
        name = entry.get("name")
        if not isinstance(name, str):
            found.problem(line, "a [[package]] without a name")
            continue
        found.entries += 1
        source = entry.get("source")
        if source is None:
            _pin(found, name, entry.get("version"), line)
            continue
        if not isinstance(source, dict) or not isinstance(source.get("type"), str):
            found.problem(line, f"{name}: [package.source] has no type")
            continue
        how, url = source["type"], str(source.get("url", ""))
        if how == "legacy":
            note = None if is_pypi(url) else f"index {redact(url)}"
            found.source(line, REGISTRY, url, name)
            _pin(found, name, entry.get("version"), line, note=note)
        elif how == "directory":
            _local_or_skipped(found, name, url, line, f"directory {url}", first_party=True)
        elif how in ("file", "git", "url"):
            _local_or_skipped(found, name, url, line, f"{how} {redact(url)}", first_party=False)
        else:
            found.problem(line, f"{name}: unknown source type {how!r}")


def _pylock(found: _File, text: str) -> None:
    data = parse_toml(text)
    version = data.get("lock-version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise SourceError(
            f"unsupported lock-version {version!r} (this releasegate reads PEP 751 1.x)", line=1
        )
    for line, entry in _entries(found, data, "packages", text):
        name = entry.get("name")
        if not isinstance(name, str):
            found.problem(line, "a [[packages]] entry without a name")
            continue
        found.entries += 1
        marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
        if isinstance(entry.get("vcs"), dict) or isinstance(entry.get("archive"), dict):
            kind = "vcs" if "vcs" in entry else "archive"
            where = entry[kind].get("url") or entry[kind].get("path") or "?"
            _local_or_skipped(
                found, name, str(where), line, f"{kind} {redact(str(where))}", first_party=False
            )
        elif isinstance(entry.get("directory"), dict):
            path = str(entry["directory"].get("path", ""))
            _local_or_skipped(found, name, path, line, f"directory {path}", first_party=True)
        else:
            index = entry.get("index")
            note = None if index is None or is_pypi(str(index)) else f"index {redact(str(index))}"
            if index is not None:
                found.source(line, REGISTRY, str(index), name)
            _pin(found, name, entry.get("version"), line, marker=marker, note=note)


def _pipfile_lock(found: _File, text: str) -> None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"not JSON: {exc}", line=getattr(exc, "lineno", 0)) from None
    if not isinstance(data, dict):
        raise SourceError("not a JSON object", line=1)
    lines = _lines(text)
    meta = data.get("_meta")
    sources = meta.get("sources") if isinstance(meta, dict) else None
    for source in sources if isinstance(sources, list) else []:
        url = source.get("url") if isinstance(source, dict) else None
        if isinstance(url, str):
            needle = json.dumps(url)
            line = next((n for n, text_line in enumerate(lines, 1) if needle in text_line), 1)
            found.source(line, REGISTRY, url)
    for section in ("default", "develop"):
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            raise SourceError(f"`{section}` is not an object")
        section_line = next(
            (n for n, line in enumerate(lines, 1) if re.match(rf'^\s*"{section}"\s*:', line)), 1
        )
        for name, entry in entries.items():
            key = json.dumps(name)
            line = next(
                (
                    n
                    for n in range(section_line, len(lines) + 1)
                    if lines[n - 1].lstrip().startswith(f"{key}:")
                ),
                section_line,
            )
            if not isinstance(entry, dict):
                found.problem(line, f"{name}: not an object")
                continue
            found.entries += 1
            marker = entry.get("markers") if isinstance(entry.get("markers"), str) else None
            note = "Pipfile.lock develop" if section == "develop" else None
            if "version" in entry:
                _pin(found, name, entry["version"], line, marker=marker, note=note)
            elif "path" in entry and entry.get("editable"):
                path = str(entry["path"])
                _local_or_skipped(found, name, path, line, f"path {path}", first_party=True)
            else:
                kind = next((k for k in ("git", "file", "path") if k in entry), "no version")
                where = str(entry.get(kind, ""))
                _local_or_skipped(
                    found, name, where, line, f"{kind} {redact(where)}", first_party=False
                )
