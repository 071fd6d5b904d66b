"""``requirements*.txt``: pip's line format, ``-r``/``-c`` includes and pip's options.

A trailing backslash continues a line, ``#`` after white space starts a comment;
each requirement is parsed with ``packaging.requirements.Requirement``. ``-r``
includes requirements, ``-c`` constraints (both relative to the including file, as
pip does); only files of the head commit are read: an include that is not one
(missing, outside the repository, a URL) is an error. ``--hash`` and the other
per-requirement options are accepted; an option pip does not know is an error.
Environment markers are kept and recorded, never evaluated away: a dependency
installed on some platform is audited. ``-i``/``--index-url``,
``--extra-index-url``, ``-f``/``--find-links`` and ``--trusted-host`` are package
sources (``Inventory.indexes``). A range whose package a constraints file included
from the same requirements file (directly or through ``-r``) pins is pinned
(the collector decides that, once every file is read).

A requirement's line is the first physical line of its logical line.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from collections.abc import Collection, Iterator, Sequence
from fnmatch import fnmatchcase
from typing import ClassVar

from releasegate.deps.pins import (
    LocalProject,
    Location,
    Pin,
    SkippedDependency,
    SourceError,
    SourceKind,
    redact,
)
from releasegate.deps.sources.base import INDEX_URLS, FileRecord, Reader
from releasegate.deps.sources.classify import Range, classify
from releasegate.deps.sources.head_tree import inside, parent, parse_toml

# A requirement naming a directory of the repository: ``.``, ``./sub``, ``.[extra]``,
# ``file:.`` (pip's local project forms), with an optional marker.
_LOCAL_PROJECT = re.compile(
    r"^(?:file:)?(?P<path>\.{1,2}(?:/[^\s\[;]*)?)\s*(?:\[[^\]]*\])?\s*(?:;.*)?$"
)
_COMMENT = re.compile(r"(^|\s+)#.*$")
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
# Package sources besides the index: pip takes packages from them too / trusts them blindly.
_OTHER_SOURCES = frozenset({"-f", "--find-links", "--trusted-host"})
_REQUIREMENT_VALUES = frozenset(
    {"--hash", "--config-settings", "--global-option", "--install-option"}
)
_HASH = re.compile(r"^(sha256|sha384|sha512):[0-9a-fA-F]+$")


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """pip's reading of a requirements file: (first line number, logical line), no comments.

    As pip does: a line ending in a backslash continues on the next, unless it is
    a comment; then comments (``#`` at the start or after white space) are dropped.
    """
    buffer: list[str] = []
    first = 0
    joined: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
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


def logical_span(lines: Sequence[str], first: int) -> int:
    """The last physical line (1-based) of the logical line starting at line ``first`` of
    ``lines`` (physical lines without their line endings), as ``logical_lines`` joins them."""
    last = first
    while (
        last < len(lines) and lines[last - 1].endswith("\\") and not _COMMENT.match(lines[last - 1])
    ):
        last += 1
    return last


def split_line(line: str) -> tuple[str, str]:
    """pip's split of a line into the requirement and its options (at the first ``-`` token)."""
    tokens = line.split(" ")
    args: list[str] = []
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(args), " ".join(tokens[index:])
        args.append(token)
    return " ".join(args), ""


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


class RequirementsTxt:
    """``requirements*.txt`` files, and the files they include (``-r``, ``-c``)."""

    kind: ClassVar[SourceKind] = SourceKind.REQUIREMENTS
    included: ClassVar[frozenset[SourceKind]] = frozenset({SourceKind.CONSTRAINTS})
    phase: ClassVar[int] = 2
    lock_command: ClassVar[str | None] = None

    def matches(self, path: str) -> bool:
        return fnmatchcase(posixpath.basename(path), "requirements*.txt")

    def read(self, found: FileRecord, text: str, reader: Reader) -> None:
        for number, line in logical_lines(text):
            try:
                _requirement_line(found, number, line, reader)
            except SourceError as exc:
                found.problem(number, exc.message)


REQUIREMENTS_TXT = RequirementsTxt()


def _requirement_line(found: FileRecord, number: int, line: str, reader: Reader) -> None:
    location = Location(path=found.path, line=number)
    text, options = split_line(line)
    if text and _self_reference(found, text, location, reader):
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
        elif isinstance(item, Range):
            found.ranges.append(item)
        else:
            found.skipped.append(item)
        return
    for name, value in parse_options(options, _GLOBAL_VALUES, _GLOBAL_FLAGS):
        if name in _INCLUDES and value is not None:
            _include(found, _INCLUDES[name], value, reader)
        elif name in _EDITABLE:
            found.entries += 1
            if _self_reference(found, value or "", location, reader):
                continue
            found.skipped.append(
                SkippedDependency(
                    what=f"-e {redact(value or '')}",
                    reason="an editable (local path or VCS) requirement cannot be audited",
                    location=location,
                )
            )
        elif name in INDEX_URLS and value:
            reader.note(f"{location}: package index {redact(value)}")
            found.source(number, name, value)
        elif name in _OTHER_SOURCES and value:
            found.source(number, name, value)


def _self_reference(found: FileRecord, value: str, location: Location, reader: Reader) -> bool:
    """``-e .``, ``.[extra]``, ``./sub``: a project of the repository itself,
    first-party code the static stage judges, not a third-party dependency. Recorded
    as a local project, and its pyproject.toml is audited.

    Only where the reading is certain: in a requirements file at the repository root
    (pip resolves these paths from the working directory, not from the file), and
    for a directory whose pyproject.toml declares its dependencies statically in
    ``[project]`` (setup.py ``install_requires`` cannot be read without a build).
    Anything else stays unauditable (an error)."""
    match = _LOCAL_PROJECT.match(value.strip())
    if match is None or parent(found.path) != "":
        return False
    directory = inside("", match["path"].rstrip("/") or ".")
    if directory is None:
        return False
    pyproject = posixpath.join(directory, "pyproject.toml")
    if not reader.tree.has(pyproject) or not _static_project(reader, pyproject):
        return False
    reader.read(pyproject, SourceKind.PYPROJECT, f"-e from {found.path}")  # read once
    found.local.append(LocalProject(name=directory or ".", directory=directory, location=location))
    return True


def _static_project(reader: Reader, pyproject: str) -> bool:
    try:
        data = parse_toml(reader.tree.read(pyproject))
    except SourceError:
        return False  # reported when the file is read
    project = data.get("project")
    if not isinstance(project, dict):
        return False
    dynamic = project.get("dynamic", [])
    return not (isinstance(dynamic, list) and "dependencies" in dynamic)


def _include(found: FileRecord, kind: SourceKind, value: str, reader: Reader) -> None:
    flag = "-r" if kind is SourceKind.REQUIREMENTS else "-c"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:", value):
        raise SourceError(f"{flag} {redact(value)}: only files of the repository can be read")
    target = inside(parent(found.path), value)
    if target is None:
        raise SourceError(f"{flag} {value}: leaves the repository")
    if not reader.tree.has(target):
        raise SourceError(f"{flag} {value}: no such file in the head commit ({target})")
    stack = reader.reading
    if target in stack:
        cycle = " -> ".join((*stack[stack.index(target) :], target))
        raise SourceError(f"{flag} {value}: include cycle ({cycle})")
    found.includes.append((kind, target))
    reader.read(target, kind, f"{flag} from {found.path}")
