"""``releasegate deps fix``: plan (and apply) the smallest upgrade of each vulnerable pin.

The planner is pure: it is given the inventory the dependency stage collected, the
audit the stage's vulnerability service answered, and the text of the files, and says
per vulnerable pin what happens to it (``Action``):

- ``FIXED``: an exact pin (``name==X``) of a requirements or constraints file is
  rewritten to the audit's smallest fixing version. Only the version token changes:
  comments, markers, extras, spacing, line endings and continuation lines stay as
  they are, in the file that holds the pin (an included ``-r``/``-c`` file too).
- ``NEEDS_HASHES``: a hash-pinned line is never edited (the hashes would be wrong,
  and releasegate writes no hash it did not compute); the command that regenerates it
  is named.
- ``LOCK``: a lock file is never edited; the lock command is named.
- ``CONFLICT``: a requirement excludes the fixing version: the pin's own other
  clauses (``name==X,<Y``), a constraints pin or cap, another file's range, a
  ``pyproject.toml`` of the inventory (or the one behind a lock).
- ``STILL_VULNERABLE``: the service, asked about the fixing version itself, reports
  vulnerabilities of it (one that cannot be evaluated too: the audit would still
  block); not edited.
- ``NO_FIX``: no fixed version is known. ``MANUAL``: the pin is elsewhere (a
  ``pyproject.toml``) or its version token cannot be found unambiguously.
- ``REFUSED``: the file holding it may not be written (a symbolic link, outside the
  repository, not a regular file: ``write_refusal``).

``apply`` checks first that every planned file is still the file that was read and may
be written, then writes them atomically; a write that fails still names the files
written and those not.
"""

from __future__ import annotations

import difflib
import enum
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from releasegate.deps.osv import Unevaluated
from releasegate.deps.pins import (
    Inventory,
    Location,
    PackageAudit,
    Pin,
    SourceError,
    SourceKind,
    canonical,
)
from releasegate.deps.sources.head_tree import parent, parse_toml
from releasegate.deps.sources.requirements_txt import logical_lines, logical_span, split_line
from releasegate.files import write_atomic

_EDITABLE_KINDS = frozenset({SourceKind.REQUIREMENTS, SourceKind.CONSTRAINTS})
_COMMENT_START = re.compile(r"(^|\s)#")
_OPTION_START = re.compile(r"(^|\s)-")


class Action(enum.Enum):
    FIXED = "fixed"
    NEEDS_HASHES = "needs-hashes"
    LOCK = "lock"
    CONFLICT = "conflict"
    NO_FIX = "no-fix"
    MANUAL = "manual"
    REFUSED = "refused"
    STILL_VULNERABLE = "still-vulnerable"


@dataclass(frozen=True, kw_only=True)
class Item:
    """What happens to one vulnerable pin."""

    pin: Pin
    target: str | None  # the smallest version fixing every known vulnerability
    action: Action
    vulnerabilities: tuple[str, ...]
    detail: str = ""  # why it is not fixed, and what to do
    command: str | None = None  # the command that does it

    def __str__(self) -> str:
        pin = self.pin
        head = f"{pin.location}: {pin.name} {pin.version_text}"
        arrow = f" -> {self.target}" if self.target else ""
        ids = f" ({', '.join(self.vulnerabilities)})" if self.vulnerabilities else ""
        text = f"{head}{arrow}{ids}"
        if self.action is Action.FIXED:
            return text
        text = f"{text}: {self.detail}"
        if self.command:
            text = f"{text}: run `{self.command}`"
        return text


@dataclass(frozen=True, kw_only=True)
class FileEdit:
    """A file the plan rewrites: its text as read and as it becomes."""

    path: str
    before: str
    after: str


@dataclass(frozen=True, kw_only=True)
class FixPlan:
    items: tuple[Item, ...]
    edits: tuple[FileEdit, ...]
    unaudited: tuple[str, ...] = ()  # what could not be read or looked up

    @property
    def fixed(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.action is Action.FIXED)

    @property
    def remaining(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.action is not Action.FIXED)

    @property
    def complete(self) -> bool:
        """Every vulnerable pin is fixed (or would be) and everything was audited."""
        return not self.remaining and not self.unaudited

    def diff(self) -> str:
        """A unified diff of the edits, ``a/`` and ``b/`` paths relative to the repository."""
        out: list[str] = []
        for edit in self.edits:
            lines = difflib.unified_diff(
                edit.before.splitlines(keepends=True),
                edit.after.splitlines(keepends=True),
                fromfile=f"a/{edit.path}",
                tofile=f"b/{edit.path}",
            )
            for line in lines:
                if line.endswith(("\n", "\r")):
                    out.append(line)
                else:
                    out.append(line + "\n\\ No newline at end of file\n")
        return "".join(out)


# --- what other requirements allow --------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Constraint:
    name: str  # canonical
    specifier: SpecifierSet
    location: Location
    text: str
    pin: bool  # an exact pin (another pin of the plan may move it)


def _requirement_constraints(
    inventory: Inventory, read: Callable[[str], str | None]
) -> list[_Constraint]:
    """Every requirement of the requirements and constraints files read: the ranges of
    both, and the exact pins of constraints files (a constraint applies to the files
    including it; two requirements files pinning different versions are separate
    environments)."""
    found: list[_Constraint] = []
    for source in inventory.sources:
        if source.kind not in _EDITABLE_KINDS:
            continue
        text = read(source.path)
        if text is None:
            continue
        for number, line in logical_lines(text.removeprefix("\ufeff")):
            requirement, _ = split_line(line)
            if not requirement:
                continue
            try:
                req = Requirement(requirement)
            except InvalidRequirement:
                continue
            if req.url or not req.specifier:
                continue
            exact = any(spec.operator in ("==", "===") for spec in req.specifier)
            if exact and source.kind is not SourceKind.CONSTRAINTS:
                continue
            found.append(
                _Constraint(
                    name=canonical(req.name),
                    specifier=req.specifier,
                    location=Location(path=source.path, line=number),
                    text=requirement,
                    pin=exact,
                )
            )
    return found


def _poetry_specifier(value: str) -> SpecifierSet:
    """A Poetry version constraint (``^1.2``, ``~1.2``, ``*``, ``1.2``, ``>=1,<2``) as
    PEP 440. Raises ``InvalidSpecifier`` when it is none of these."""
    text = value.strip()
    if text in ("", "*"):
        return SpecifierSet()
    parts: list[str] = []
    for raw in re.split(r"\s*,\s*|\s+", text):
        if raw.startswith(("^", "~")) and not raw.startswith("~="):
            base = raw[1:]
            release = [int(p) for p in Version(base).release]
            if raw.startswith("^"):
                first = next((i for i, p in enumerate(release) if p), len(release) - 1)
                upper = [*release[:first], release[first] + 1]
            else:
                keep = 1 if len(release) == 1 else 2
                upper = [*release[: keep - 1], release[keep - 1] + 1]
            parts += [f">={base}", "<" + ".".join(map(str, upper))]
        elif re.match(r"^[0-9]", raw):
            parts.append(f"=={raw}")
        else:
            parts.append(raw)
    return SpecifierSet(",".join(parts))


def _pyproject_constraints(path: str, text: str) -> list[_Constraint]:
    """The dependency constraints of a ``pyproject.toml`` (PEP 621, dependency groups,
    Poetry's tables) that a lock file beside it must satisfy."""
    try:
        data = parse_toml(text)
    except SourceError:
        return []
    location = Location(path=path, line=0)
    strings: list[str] = []
    project = data.get("project")
    if isinstance(project, dict):
        strings += [d for d in project.get("dependencies") or [] if isinstance(d, str)]
        for extra in (project.get("optional-dependencies") or {}).values():
            strings += [d for d in extra if isinstance(d, str)]
    for group in (data.get("dependency-groups") or {}).values():
        if isinstance(group, list):
            strings += [d for d in group if isinstance(d, str)]
    found: list[_Constraint] = []
    for item in strings:
        try:
            req = Requirement(item)
        except InvalidRequirement:
            continue
        if req.specifier:
            found.append(
                _Constraint(
                    name=canonical(req.name),
                    specifier=req.specifier,
                    location=location,
                    text=item,
                    pin=False,
                )
            )
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables: list[Any] = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [g.get("dependencies") for g in (poetry.get("group") or {}).values()]
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name, value in table.items():
            raw = value.get("version") if isinstance(value, dict) else value
            if not isinstance(raw, str) or name == "python":
                continue
            try:
                specifier = _poetry_specifier(raw)
            except (InvalidSpecifier, InvalidVersion, ValueError):
                continue
            found.append(
                _Constraint(
                    name=canonical(name),
                    specifier=specifier,
                    location=location,
                    text=f"{name} = {raw!r}",
                    pin=False,
                )
            )
    return found


# --- the commands that do what releasegate does not -------------------------------------


def _quote(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_.=/+-]+", text) else "'" + text.replace("'", "") + "'"


def _hash_command(pin: Pin, target: str, exists: Callable[[str], bool]) -> str:
    path = pin.location.path
    stem, _ = posixpath.splitext(path)
    source = f"{stem}.in"
    spec = _quote(f"{pin.name}=={target}")
    if exists(source):
        return (
            f"pip-compile --generate-hashes --upgrade-package {spec} "
            f"--output-file {_quote(path)} {_quote(source)}"
        )
    return f'd="$(mktemp -d)" && pip download {spec} --no-deps -d "$d" && pip hash "$d"/*'


def _lock_command(pin: Pin, target: str, exists: Callable[[str], bool]) -> str:
    path = pin.location.path
    directory = parent(path)
    spec = _quote(f"{pin.name}=={target}")
    name = _quote(pin.name)
    if pin.kind is SourceKind.UV_LOCK:
        where = f" --directory {_quote(directory)}" if directory else ""
        return f"uv lock{where} --upgrade-package {spec}"
    if pin.kind is SourceKind.POETRY_LOCK:
        where = f" -C {_quote(directory)}" if directory else ""
        return f"poetry{where} update {name}"
    if pin.kind is SourceKind.PIPFILE_LOCK:
        cd = f"cd {_quote(directory)} && " if directory else ""
        return f"{cd}pipenv update {name}"
    # pylock.toml: exported from a uv.lock beside it, else compiled from its inputs.
    where = f" --directory {_quote(directory)}" if directory else ""
    output = _quote(posixpath.basename(path))
    if exists(posixpath.join(directory, "uv.lock")):
        return (
            f"uv lock{where} --upgrade-package {spec} && "
            f"uv export{where} --format pylock.toml --output-file {output}"
        )
    inputs = [
        name
        for name in ("requirements.in", "pyproject.toml")
        if exists(posixpath.join(directory, name))
    ]
    source = inputs[0] if inputs else "requirements.in"
    return (
        f"uv pip compile{where} {source} --upgrade-package {spec} "
        f"--format pylock.toml --output-file {output}"
    )


# --- editing one pin ------------------------------------------------------------------------


def _locate(lines: Sequence[str], pin: Pin) -> tuple[int, int, int] | None:
    """(0-based physical line, start, end) of the version token of ``pin`` in ``lines``
    (physical lines without line endings): searched in the requirement part of its logical
    line only (before a marker, an option or a comment); None unless found exactly once."""
    first = pin.location.line
    if not 1 <= first <= len(lines):
        return None
    pattern = re.compile(
        r"(?<![=!<>~])(?:===|==)\s*(" + re.escape(pin.version_text) + r")(?![\w.+!*-])"
    )
    hits: list[tuple[int, int, int]] = []
    for number in range(first, logical_span(lines, first) + 1):
        line = lines[number - 1]
        region = line[:-1] if line.endswith("\\") else line
        cut = len(region)
        for stop in (_COMMENT_START.search(region), _OPTION_START.search(region)):
            if stop is not None:
                cut = min(cut, stop.start())
        if ";" in region[:cut]:
            cut = region.index(";")
        hits += [(number - 1, m.start(1), m.end(1)) for m in pattern.finditer(region[:cut])]
        if cut < len(region):
            break
    return hits[0] if len(hits) == 1 else None


def _split_physical(text: str) -> list[tuple[str, str]]:
    """(content, line ending) per physical line, numbered as ``str.splitlines`` does."""
    out: list[tuple[str, str]] = []
    for raw in text.splitlines(keepends=True):
        content = raw.splitlines()[0] if raw.splitlines() else ""
        out.append((content, raw[len(content) :]))
    return out


# --- the plan ---------------------------------------------------------------------------


def _fix_problem(
    pin: Pin, target: str, others: Sequence[_Constraint], moved: Mapping[Location, str]
) -> str | None:
    """Why ``pin`` cannot move to ``target``: another requirement excludes it."""
    version = Version(target)
    for other in others:
        if other.name != pin.canonical or other.location == pin.location:
            continue
        specifier = other.specifier
        if other.pin and other.location in moved:
            specifier = SpecifierSet(f"=={moved[other.location]}")
        if not specifier.contains(version, prereleases=True):
            where = str(other.location) if other.location.line else other.location.path
            return f"{where} requires {other.text}, which excludes {target}"
    return None


def _item(
    pin: Pin, audit: PackageAudit, action: Action, detail: str = "", command: str | None = None
) -> Item:
    return Item(
        pin=pin,
        target=audit.upgrade,
        action=action,
        vulnerabilities=tuple(v.id for v in audit.vulnerabilities),
        detail=detail,
        command=command,
    )


_Spot = tuple[int, int, int]  # (0-based physical line, start, end) of a version token


@dataclass(frozen=True, kw_only=True)
class _Files:
    """What the planner may ask about the repository's files (text read once)."""

    read: Callable[[str], str | None]
    exists: Callable[[str], bool]
    refusal: Callable[[str], str | None]
    texts: dict[str, str | None]

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            self.texts[path] = self.read(path)
        return self.texts[path]


def _lock_item(pin: Pin, audit: PackageAudit, target: str, files: _Files) -> Item:
    command = _lock_command(pin, target, files.exists)
    pyproject = posixpath.join(parent(pin.location.path), "pyproject.toml")
    project_text = files.text(pyproject) if files.exists(pyproject) else None
    limits = _pyproject_constraints(pyproject, project_text) if project_text else []
    problem = _fix_problem(pin, target, limits, {})
    if problem is not None:
        return _item(
            pin,
            audit,
            Action.CONFLICT,
            f"a lock file, not edited, and {problem}: change that requirement to admit "
            f"{target}, then update the lock",
            command,
        )
    return _item(
        pin,
        audit,
        Action.LOCK,
        f"a lock file is never edited by releasegate: update the lock to {pin.name} {target}",
        command,
    )


def _decide(pin: Pin, audit: PackageAudit, files: _Files) -> Item | _Spot:
    """What happens to one vulnerable pin, or where its version token is (to edit)."""
    target = audit.upgrade
    if target is None:
        return _item(
            pin,
            audit,
            Action.NO_FIX,
            f"no fixed version of {pin.name} is known ({audit.upgrade_basis}): remove it, "
            "replace it, or waive the finding with a reason",
        )
    if pin.kind.is_lock:
        return _lock_item(pin, audit, target, files)
    if pin.kind not in _EDITABLE_KINDS:
        return _item(
            pin,
            audit,
            Action.MANUAL,
            f"pinned in {pin.kind.value}: change it to {pin.name}=={target} "
            "(releasegate edits requirements files only)",
        )
    if pin.hashes:
        command = _hash_command(pin, target, files.exists)
        platform = (
            ""
            if command.startswith("pip-compile")
            else " (pip download fetches the file of this platform and Python only: add "
            "the hashes of the other wheels and the sdist that are installed from it)"
        )
        return _item(
            pin,
            audit,
            Action.NEEDS_HASHES,
            f"hash-pinned ({pin.hashes} --hash), not edited: its hashes are of "
            f"{pin.version_text}, and releasegate writes no hash it did not compute; "
            f"regenerate the line as {pin.name}=={target} with the hashes of its files"
            f"{platform}",
            command,
        )
    why = files.refusal(pin.location.path)
    if why is not None:
        return _item(pin, audit, Action.REFUSED, f"not written: {why}")
    text = files.text(pin.location.path)
    spot = _locate([c for c, _ in _split_physical(text)], pin) if text is not None else None
    if spot is None:
        return _item(
            pin,
            audit,
            Action.MANUAL,
            f"its version token could not be found once on the line: change it to "
            f"{pin.name}=={target} by hand",
        )
    return spot


def _edited(text: str, edits: Mapping[int, tuple[int, int, str]]) -> str:
    """``text`` with the version tokens at ``edits`` (0-based physical line: start, end,
    new token) replaced, every other byte kept."""
    physical = _split_physical(text)
    for index, (start, end, token) in edits.items():
        content, ending = physical[index]
        physical[index] = (content[:start] + token + content[end:], ending)
    return "".join(c + e for c, e in physical)


def _requirement_at(text: str, line: int) -> str | None:
    """The requirement part of the logical line starting at ``line`` of ``text``."""
    for number, logical in logical_lines(text.removeprefix("\ufeff")):
        if number == line:
            requirement, _ = split_line(logical)
            return requirement
    return None


def _own_check(pin: Pin, audit: PackageAudit, target: str, text: str, spot: _Spot) -> Item | None:
    """None if the edited requirement, re-read, admits ``target`` (all of its clauses:
    ``name==X,<Y`` keeps ``<Y``); else why it is not edited."""
    index, start, end = spot
    original = _requirement_at(text, pin.location.line) or pin.name
    edited = _requirement_at(_edited(text, {index: (start, end, target)}), pin.location.line)
    try:
        requirement = Requirement(edited or "")
    except InvalidRequirement:
        return _item(
            pin,
            audit,
            Action.MANUAL,
            f"its line cannot be read once edited: change it to {pin.name}=={target} by hand",
        )
    if requirement.specifier.contains(Version(target), prereleases=True):
        return None
    return _item(
        pin,
        audit,
        Action.CONFLICT,
        f"not edited: {pin.location} requires {original}, which excludes {target}: change "
        f"that requirement to admit {target}, then run `releasegate deps fix` again",
    )


def _target_check(
    pin: Pin,
    audit: PackageAudit,
    target: str,
    targets: Mapping[tuple[str, Version], PackageAudit] | None,
) -> Item | None:
    """None if the service, asked about ``target`` itself, reports nothing (or was not
    asked: ``targets`` None); else why the pin is not edited."""
    if targets is None:
        return None
    try:
        answer = targets.get((pin.canonical, Version(target)))
    except InvalidVersion:
        answer = None
    if answer is None:
        return _item(
            pin,
            audit,
            Action.STILL_VULNERABLE,
            f"not edited: {pin.name} {target} could not be looked up, so it is not known to "
            "fix anything: run `releasegate deps fix` again, or check the version by hand",
        )
    if not answer.vulnerabilities:
        return None
    ids = ", ".join(v.id for v in answer.vulnerabilities)
    detail = f"not edited: {pin.name} {target} is still affected by {ids}, so the audit would "
    detail += "still block it"
    detail += "".join(
        f"; {v.problem}" for v in answer.vulnerabilities if isinstance(v, Unevaluated)
    )
    if not all(isinstance(v, Unevaluated) for v in answer.vulnerabilities):
        detail += (
            "; no known version fixes every advisory: choose a version by hand, remove or "
            "replace the package, or waive the findings by id with a reason"
        )
    return _item(pin, audit, Action.STILL_VULNERABLE, detail)


def _edits(editable: Mapping[Location, tuple[str, _Spot]], files: _Files) -> list[FileEdit]:
    edits: list[FileEdit] = []
    for path in sorted({here.path for here in editable}):
        before = files.text(path) or ""
        tokens = {
            index: (start, end, target)
            for here, (target, (index, start, end)) in editable.items()
            if here.path == path
        }
        edits.append(FileEdit(path=path, before=before, after=_edited(before, tokens)))
    return edits


def plan_fixes(
    inventory: Inventory,
    audits: Mapping[tuple[str, Version], PackageAudit],
    *,
    read: Callable[[str], str | None],
    exists: Callable[[str], bool],
    refusal: Callable[[str], str | None] = lambda _path: None,
    unaudited: Sequence[str] = (),
    targets: Mapping[tuple[str, Version], PackageAudit] | None = None,
) -> FixPlan:
    """What to do about each vulnerable pin of ``inventory`` (``audits``: the service's
    answer). ``read`` gives a repository file's text (None: unreadable), ``exists`` says
    whether a file is there, ``refusal`` why a file may not be written (None: it may).
    ``targets``: the same service's answer for each fixing version itself (``fix_targets``
    names them); a pin whose fixing version it reports vulnerable, or does not answer
    for, is not edited. None: not checked (the caller vouches for the versions)."""
    files = _Files(read=read, exists=exists, refusal=refusal, texts={})
    vulnerable: dict[Location, tuple[Pin, PackageAudit]] = {}
    for pin in inventory.pins:
        audit = audits.get((pin.canonical, pin.version))
        if audit is not None and audit.vulnerabilities:
            vulnerable.setdefault(pin.location, (pin, audit))  # a file read as -r and -c
    decided: dict[Location, Item] = {}
    editable: dict[Location, tuple[str, _Spot]] = {}
    for here, (pin, audit) in vulnerable.items():
        outcome = _decide(pin, audit, files)
        if isinstance(outcome, Item):
            decided[here] = outcome
        elif audit.upgrade is not None:
            text = files.text(pin.location.path) or ""
            stopped = _target_check(pin, audit, audit.upgrade, targets) or _own_check(
                pin, audit, audit.upgrade, text, outcome
            )
            if stopped is not None:
                decided[here] = stopped
            else:
                editable[here] = (audit.upgrade, outcome)
    # Conflicts: a pin that cannot move pins the others; repeat until nothing changes.
    constraints = _requirement_constraints(inventory, files.text)
    for source in inventory.sources:
        if source.kind is SourceKind.PYPROJECT:
            project_text = files.text(source.path)
            if project_text is not None:
                constraints += _pyproject_constraints(source.path, project_text)
    while True:
        moved = {here: target for here, (target, _) in editable.items()}
        blocked = {
            here: problem
            for here, (target, _) in editable.items()
            if (problem := _fix_problem(vulnerable[here][0], target, constraints, moved))
        }
        if not blocked:
            break
        for here, problem in blocked.items():
            editable_target, _ = editable.pop(here)
            decided[here] = _item(
                *vulnerable[here],
                Action.CONFLICT,
                f"not edited: {problem}: change that requirement to admit "
                f"{editable_target}, then run `releasegate deps fix` again",
            )
    for here in editable:
        decided[here] = _item(*vulnerable[here], Action.FIXED)
    return FixPlan(
        items=tuple(decided[here] for here in vulnerable),
        edits=tuple(_edits(editable, files)),
        unaudited=tuple(unaudited),
    )


# --- the file system --------------------------------------------------------------------


def fix_targets(audits: Mapping[tuple[str, Version], PackageAudit]) -> list[tuple[str, Version]]:
    """The fixing versions of the vulnerable packages of ``audits`` that are not already
    among them: what to look up for ``plan_fixes``'s ``targets``."""
    found: set[tuple[str, Version]] = set()
    for audit in audits.values():
        if not audit.vulnerabilities or audit.upgrade is None:
            continue
        try:
            key = (audit.name, Version(audit.upgrade))
        except InvalidVersion:
            continue
        if key not in audits:
            found.add(key)
    return sorted(found)


def write_refusal(root: Path, path: str) -> str | None:
    """Why the repository file ``path`` may not be written (None: it may): a symbolic
    link anywhere on its path (a write would land where the link points, possibly
    outside the repository), a path leaving the repository, not a regular file."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
        return f"{path} is not a path inside the repository"
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            link = current.relative_to(root).as_posix()
            return (
                f"{link} is a symbolic link (to {current.readlink()}); releasegate does not "
                "write through links, which may lead outside the repository: edit the file "
                "it points to"
            )
    target = root / path
    try:
        if not target.resolve().is_relative_to(root.resolve()):
            return f"{path} resolves to a file outside the repository"
    except OSError as exc:
        return f"{path} cannot be resolved: {exc.strerror or exc}"
    if not target.is_file():
        return f"{path} is not a regular file"
    return None


class FixError(SourceError):
    """A planned file cannot be written as planned."""


def apply(plan: FixPlan, root: Path) -> list[str]:
    """Write the plan's edits (atomically, keeping each file's mode): every file is checked
    first (it may still be written, it is the text that was read), then all are written.
    The paths written. Raises ``FixError`` when a check fails (nothing is written) or a
    write fails (it names the files already written and those not)."""
    checked: list[tuple[FileEdit, Path, int]] = []
    for edit in plan.edits:
        why = write_refusal(root, edit.path)
        if why is not None:
            raise FixError(f"{edit.path}: not written: {why}; nothing was written")
        target = root / edit.path
        try:
            data = target.read_bytes()
            mode = target.stat().st_mode & 0o7777
        except OSError as exc:
            raise FixError(
                f"{edit.path}: cannot be read again: {exc.strerror or exc}; nothing was written"
            ) from None
        if data.decode("utf-8", "replace") != edit.before:
            raise FixError(
                f"{edit.path}: changed while releasegate read it; nothing was written",
                hint="run `releasegate deps fix` again",
            )
        checked.append((edit, target, mode))
    written: list[str] = []

    def failed(what: str, exc: OSError) -> FixError:
        rest = [edit.path for edit, _, _ in checked if edit.path not in written]
        return FixError(
            f"{what}: {exc.strerror or exc}; written: {', '.join(written) or 'none'}; "
            f"not written: {', '.join(rest) or 'none'}",
            hint="the pins of the files written are fixed, the others are not: see `git diff`, "
            "remove the cause, then run `releasegate deps fix` again",
        )

    for edit, target, mode in checked:
        try:
            write_atomic(target, edit.after.encode("utf-8"))
        except OSError as exc:
            raise failed(f"{edit.path}: not written", exc) from None
        written.append(edit.path)
        try:
            target.chmod(mode)
        except OSError as exc:
            raise failed(f"{edit.path}: written, but its mode {mode:o} not restored", exc) from None
    return written
