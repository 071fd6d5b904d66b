"""One requirement string: a pin, a range, or something that cannot be audited.

What counts as pinned: a requirement with one exact version (``==X`` without a
wildcard, or ``===X``). Everything else is a ``Range`` (reported as unpinned with
the fix that would pin it, unless a constraints file or a lock file pins it), except
a direct URL, VCS or local path requirement: a ``SkippedDependency``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from releasegate.deps.pins import Location, Pin, SkippedDependency, SourceError, SourceKind, redact

LOCK_FIX = "commit a lock file (uv.lock via `uv lock`, poetry.lock via `poetry lock`)"
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^[./~\\]|[/\\]|\.(whl|zip|tar\.gz|tgz|tar)$")


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
class Range:
    """A requirement that allows more than one version (unpinned unless something pins it)."""

    requirement: str
    name: str
    location: Location
    kind: SourceKind


Classified = Pin | Range | SkippedDependency


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
        return Range(requirement=str(req), name=req.name, location=location, kind=kind)
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


def range_fix(item: Range) -> str:
    """The fix an unpinned ``item`` is reported with."""
    example = f"`{item.name}==X.Y`"
    if item.kind is SourceKind.PYPROJECT:
        return f"{LOCK_FIX} next to it, or pin it ({example})"
    return (
        f"pin it ({example}): generate the file with `pip-compile` or `pip freeze`, or {LOCK_FIX}"
    )
