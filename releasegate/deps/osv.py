"""A local advisory database in OSV format, and the offline audit against it.

Layout: any directory tree of OSV documents, ``*.yaml``/``*.yml`` (the PyPA
advisory database: ``vulns/<package>/<ID>.yaml``) or ``*.json`` (OSV exports);
directories starting with ``.`` are not read. YAML is read with ``CSafeLoader``
when PyYAML has it. A file that is not an OSV document, or whose fields have
the wrong types, makes the whole database unusable (``AdvisoryDBError``): an
advisory that cannot be read may be the one that matters.

Semantics, as the OSV schema's evaluation section defines them:

- only ``affected`` entries with ``package.ecosystem: PyPI``, names compared
  PEP 503-normalised; advisories with ``withdrawn`` are skipped (counted);
- a version is affected if it is in the entry's ``versions`` list (PEP 440
  equality: ``3.2`` is ``3.2.0``) or in one of its ranges;
- ``ECOSYSTEM`` ranges: events sorted by version, ``introduced`` (``"0"`` sorts
  before every version) makes the versions from it affected, ``fixed`` ends
  that at the fixed version (exclusive), ``last_affected`` after it
  (inclusive); ``limit`` events bound the range from above (``"*"``: no bound);
- ``SEMVER`` ranges the same way: SemVer 2.0.0 precedence and PEP 440 ordering
  agree on ``MAJOR.MINOR.PATCH`` and on alpha/beta/rc/dev pre-releases, but not
  on what PEP 440 reads as a post-release (``1.0.0-1`` is a SemVer pre-release)
  or a local version (SemVer build metadata, ignored in its precedence), so
  such an event version is one that cannot be read (below);
- ``GIT`` ranges are about commits: left to the entry's ``versions`` list or
  its other ranges; an entry with GIT ranges only and no ``versions`` cannot be
  evaluated;
- fail closed: a range of any other type (misspelt, lower case, missing), and
  an event version that is not PEP 440, cannot be read. Such a range is
  evaluated three-valued: a version that every placement of the unreadable
  events would affect is affected, one that none would is not (a ``fixed``
  that cannot be read only widens the range), and any other version of the
  package cannot be evaluated: it gets a blocking finding of its own under the
  advisory's id and aliases (``Unevaluated``), saying what could not be read,
  to check and waive by id or to fix by updating the database. Each such
  version string is counted and noted; a ``versions`` entry that is not PEP
  440 is only noted (no PEP 440 pin can equal it).

Aliases are merged: advisories of one package version whose ids or aliases
meet (a PYSEC and a GHSA document for one CVE) are one vulnerability, reported
under the PYSEC id if there is one, else the GHSA id, else the first id sorted.

The smallest upgrade: among every ``fixed`` version of the package's advisories
and the first known version after each ``last_affected``, the lowest one above
the pinned version that no advisory of the package affects (a final release if
one qualifies, a pre-release otherwise). None when no such version is known.

The database is loaded once per process and kept while no advisory file
changes (the key is every file's path, size and mtime).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from releasegate.deps.cvss import base_score, rating
from releasegate.deps.pins import (
    AdvisoryDBError,
    PackageAudit,
    ServiceAudit,
    Vulnerability,
    canonical,
)
from releasegate.model import JSONValue, Severity

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SUFFIXES = (".yaml", ".yml", ".json")
_MAX_NOTES = 20
_SUMMARY_CHARS = 200
_DB_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}
_RANGE_TYPES = frozenset({"ECOSYSTEM", "SEMVER"})
_MAX_PROBLEMS = 2
DEFAULT_SEVERITY = Severity.HIGH


class Verdict(enum.Enum):
    """Whether an advisory affects a version: yes, no, or it cannot be told."""

    NO = 0
    UNKNOWN = 1
    YES = 2


class EventKind(enum.Enum):
    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: EventKind
    version: Version | None  # None: introduced "0" (before every version)


@dataclass(frozen=True, kw_only=True)
class Range:
    """One OSV range: its events sorted by version, and its limits.

    ``problem`` says what of it could not be read (None: all of it): with
    ``unreadable`` (a range of an unknown type, GIT ranges alone) it affects
    every version UNKNOWN; otherwise the ``unknown_*`` flags say which kinds of
    event were dropped and ``verdict`` bounds the answer.
    """

    events: tuple[Event, ...]
    limits: tuple[Version | None, ...] = ()  # None: "*"
    problem: str | None = None
    unreadable: bool = False
    unknown_introduced: bool = False
    unknown_closing: bool = False  # a fixed or last_affected
    unknown_limit: bool = False

    def verdict(self, version: Version) -> Verdict:
        if self.unreadable:
            return Verdict.UNKNOWN
        # At most: the dropped closings and limits would only have narrowed it, a dropped
        # introduced could have opened it anywhere.
        most = self.unknown_introduced or self._contains(
            version, () if self.unknown_limit else self.limits
        )
        if not most:
            return Verdict.NO
        # At least: a dropped introduced could only have widened it; a dropped closing or
        # limit could be just at or below the version.
        least = not (self.unknown_closing or self.unknown_limit) and self._contains(
            version, self.limits
        )
        return Verdict.YES if least else Verdict.UNKNOWN

    def _contains(self, version: Version, limits: tuple[Version | None, ...]) -> bool:
        if limits and not any(limit is None or version < limit for limit in limits):
            return False
        vulnerable = False
        for event in self.events:
            if event.kind is EventKind.INTRODUCED:
                if event.version is None or version >= event.version:
                    vulnerable = True
            elif event.version is None:  # pragma: no cover - only introduced may be "0"
                continue
            elif event.kind is EventKind.FIXED:
                if version >= event.version:
                    vulnerable = False
            elif version > event.version:  # last_affected
                vulnerable = False
        return vulnerable


@dataclass(frozen=True, kw_only=True)
class Affected:
    """One ``affected`` entry for a package."""

    ranges: tuple[Range, ...]
    versions: frozenset[Version]

    def verdict(self, version: Version) -> Verdict:
        if version in self.versions:
            return Verdict.YES
        return max((r.verdict(version) for r in self.ranges), default=Verdict.NO, key=_rank)

    def problems(self, version: Version) -> list[str]:
        """What could not be read of the ranges that cannot tell about ``version``."""
        return [
            r.problem
            for r in self.ranges
            if r.problem is not None and r.verdict(version) is Verdict.UNKNOWN
        ]


def _rank(verdict: Verdict) -> int:
    return verdict.value


@dataclass(frozen=True, kw_only=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity | None
    cwe: tuple[int, ...]
    file: str
    published: dt.datetime | None = None  # None: absent or unreadable (noted)
    modified: dt.datetime | None = None  # the same; OSV requires it, ``watch`` compares it too


@dataclass(frozen=True, kw_only=True)
class PackageAdvisory:
    """An advisory as it concerns one package."""

    advisory: Advisory
    name: str  # canonical
    affected: tuple[Affected, ...]
    severity: Severity | None

    def verdict(self, version: Version) -> Verdict:
        return max((e.verdict(version) for e in self.affected), default=Verdict.NO, key=_rank)

    def affects(self, version: Version) -> bool:
        return self.verdict(version) is Verdict.YES

    def problems(self, version: Version) -> list[str]:
        return [problem for entry in self.affected for problem in entry.problems(version)]

    def events(self, kind: EventKind) -> list[Version]:
        return [
            event.version
            for entry in self.affected
            for r in entry.ranges
            for event in r.events
            if event.kind is kind and event.version is not None
        ]

    def known_versions(self) -> set[Version]:
        known = {v for entry in self.affected for v in entry.versions}
        for entry in self.affected:
            for r in entry.ranges:
                known |= {e.version for e in r.events if e.version is not None}
        return known


@dataclass(frozen=True, kw_only=True)
class Unevaluated(Vulnerability):
    """An advisory of the package that cannot tell whether the version is affected.

    Reported like a vulnerability (its id and aliases, so a waiver by id applies)
    with ``problem``: what could not be read and what to do about it.
    """

    problem: str


# --- reading OSV documents ----------------------------------------------------------------


class _Reader:
    """Turns OSV documents into package advisories, noting what it had to skip."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.skipped_events = 0
        self.unreadable_ranges = 0
        self._versions: dict[str, Version | None] = {}

    def version(self, text: object, where: str) -> Version | None:
        """``text`` as a PEP 440 version; None (noted) if it is not one."""
        if not isinstance(text, str):
            raise AdvisoryDBError(f"{where}: {text!r} is not a version string")
        if text in self._versions:
            parsed = self._versions[text]
        else:
            try:
                parsed = Version(text)
            except InvalidVersion:
                parsed = None
            self._versions[text] = parsed
        if parsed is None:
            self.notes.append(
                f"{where}: {text!r} is not a PEP 440 version; skipped (no pinned version "
                "can equal it)"
            )
        return parsed

    def event_version(self, text: object, where: str, semver: bool) -> Version | None:
        """An event's version; None (counted and noted) if it cannot be read."""
        if not isinstance(text, str):
            raise AdvisoryDBError(f"{where}: {text!r} is not a version string")
        if text not in self._versions:
            try:
                self._versions[text] = Version(text)
            except InvalidVersion:
                self._versions[text] = None
        parsed = self._versions[text]
        if parsed is not None and semver and (parsed.is_postrelease or parsed.local):
            what = "a version SemVer and PEP 440 order differently"
            parsed = None
        else:
            what = "not a PEP 440 version"
        if parsed is None:
            self.skipped_events += 1
            self.notes.append(
                f"{where}: {text!r} is {what}; skipped: a pinned version it could decide "
                "is reported as not evaluable"
            )
        return parsed

    def timestamp(self, doc: Mapping[str, object], key: str, file: str) -> dt.datetime | None:
        """``published`` or ``modified`` as an aware UTC time; None (noted unless absent)
        when it is not one.

        A date that cannot be read does not make the database unusable (the audit does not
        depend on it); ``releasegate watch`` counts it as unknown, i.e. as new."""
        value = doc.get(key)
        if value is None:
            return None
        parsed = _timestamp(value)
        if parsed is None:
            self.notes.append(
                f"{file}: {key} {value!r} is not an RFC 3339 time; counted as unknown"
            )
        return parsed

    def advisory(self, doc: object, file: str) -> list[PackageAdvisory] | None:
        """The package advisories of one document; None if it is withdrawn."""
        if not isinstance(doc, dict):
            raise AdvisoryDBError(f"{file}: not an OSV document (no mapping at the top)")
        ident = doc.get("id")
        if not isinstance(ident, str) or not ident.strip():
            raise AdvisoryDBError(f"{file}: no `id`")
        if doc.get("withdrawn"):
            return None
        aliases = _strings(doc.get("aliases"), f"{file}: aliases")
        database = doc.get("database_specific")
        database = database if isinstance(database, dict) else {}
        advisory = Advisory(
            id=ident,
            aliases=tuple(a for a in aliases if a != ident),
            summary=_summary(doc),
            severity=_severity(doc.get("severity"), database),
            cwe=_cwes(database.get("cwe_ids")),
            file=file,
            published=self.timestamp(doc, "published", file),
            modified=self.timestamp(doc, "modified", file),
        )
        affected = doc.get("affected")
        affected = [] if affected is None else affected
        if not isinstance(affected, list):
            raise AdvisoryDBError(f"{file}: `affected` is not a list")
        by_name: dict[str, list[Affected]] = {}
        severities: dict[str, Severity | None] = {}
        for index, entry in enumerate(affected):
            where = f"{file}: affected[{index}]"
            if not isinstance(entry, dict):
                raise AdvisoryDBError(f"{where} is not a mapping")
            package = entry.get("package")
            if not isinstance(package, dict):
                continue  # a GIT-only entry without a package: nothing for PyPI
            if package.get("ecosystem") != "PyPI":
                continue
            name = package.get("name")
            if not isinstance(name, str) or not name:
                raise AdvisoryDBError(f"{where}: the package has no name")
            key = canonical(name)
            by_name.setdefault(key, []).append(self._affected(entry, where))
            specific = entry.get("database_specific")
            level = _severity(entry.get("severity"), specific if isinstance(specific, dict) else {})
            if level is not None:
                severities[key] = max(level, severities.get(key) or level)
        return [
            PackageAdvisory(
                advisory=advisory,
                name=key,
                affected=tuple(entries),
                severity=severities.get(key) or advisory.severity,
            )
            for key, entries in by_name.items()
        ]

    def _affected(self, entry: Mapping[str, Any], where: str) -> Affected:
        ranges: list[Range] = []
        raw_ranges = entry.get("ranges") or []
        if not isinstance(raw_ranges, list):
            raise AdvisoryDBError(f"{where}: `ranges` is not a list")
        git: list[str] = []
        for r_index, raw in enumerate(raw_ranges):
            here = f"{where}.ranges[{r_index}]"
            if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
                raise AdvisoryDBError(f"{here}: not a range with `events`")
            kind = raw.get("type")
            if kind == "GIT":
                git.append(here)
            elif kind in _RANGE_TYPES:
                ranges.append(self._range(raw["events"], here, semver=kind == "SEMVER"))
            else:
                shown = "no `type`" if kind is None else f"type {kind!r}"
                self.unreadable_ranges += 1
                self.notes.append(
                    f"{here}: a range of {shown} is not read (only ECOSYSTEM, SEMVER and, "
                    "with versions, GIT): a pinned version of the package is reported as "
                    "not evaluable"
                )
                problem = f"{here} is a range of {shown}, not ECOSYSTEM or SEMVER"
                ranges.append(Range(events=(), problem=problem, unreadable=True))
        raw_versions = _strings(entry.get("versions"), f"{where}: versions")
        versions: set[Version] = set()
        for text in raw_versions:
            parsed = self.version(text, f"{where}: versions")
            if parsed is not None:
                versions.add(parsed)
        if git and not raw_versions and not ranges:
            # Commits only: which releases hold them takes the repository.
            self.unreadable_ranges += 1
            self.notes.append(
                f"{where}: GIT ranges only (commits) and no `versions` list: a pinned "
                "version of the package is reported as not evaluable"
            )
            problem = f"{where} has GIT ranges only (commits, not versions) and no `versions`"
            ranges.append(Range(events=(), problem=problem, unreadable=True))
        return Affected(ranges=tuple(ranges), versions=frozenset(versions))

    def _range(self, raw_events: Sequence[object], where: str, *, semver: bool) -> Range:
        events: list[Event] = []
        limits: list[Version | None] = []
        unknown: dict[EventKind, list[str]] = {}
        for raw in raw_events:
            if not isinstance(raw, dict) or len(raw) != 1:
                raise AdvisoryDBError(f"{where}: an event is not a one-key mapping")
            ((key, value),) = raw.items()
            try:
                kind = EventKind(key)
            except ValueError:
                raise AdvisoryDBError(f"{where}: unknown event {key!r}") from None
            if kind is EventKind.INTRODUCED and value == "0":
                events.append(Event(kind=kind, version=None))
                continue
            if kind is EventKind.LIMIT and isinstance(value, str) and "*" in value:
                limits.append(None)
                continue
            parsed = self.event_version(value, f"{where}: {key}", semver)
            if parsed is None:
                unknown.setdefault(kind, []).append(value)
                continue
            if kind is EventKind.LIMIT:
                limits.append(parsed)
            else:
                events.append(Event(kind=kind, version=parsed))
        ordered = sorted(
            events, key=lambda e: (0, Version("0")) if e.version is None else (1, e.version)
        )
        unread = [f"{kind.value} {text!r}" for kind, texts in unknown.items() for text in texts]
        return Range(
            events=tuple(ordered),
            limits=tuple(limits),
            problem=f"{where}: {', '.join(unread)} cannot be read as "
            f"{'SemVer ordered like ' if semver else ''}PEP 440"
            if unread
            else None,
            unknown_introduced=EventKind.INTRODUCED in unknown,
            unknown_closing=EventKind.FIXED in unknown or EventKind.LAST_AFFECTED in unknown,
            unknown_limit=EventKind.LIMIT in unknown,
        )


def _timestamp(value: object) -> dt.datetime | None:
    """An RFC 3339 time (YAML may have read it as a datetime already) in UTC; a time
    without a zone is read as UTC, a bare date as its midnight."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AdvisoryDBError(f"{where} is not a list of strings")
    return list(value)


def _summary(doc: Mapping[str, Any]) -> str:
    for key in ("summary", "details"):
        text = doc.get(key)
        if isinstance(text, str) and text.strip():
            flat = " ".join(text.split())
            if key == "details":
                end = flat.find(". ")
                if 0 < end < _SUMMARY_CHARS:
                    flat = flat[: end + 1]
            if len(flat) > _SUMMARY_CHARS:
                flat = flat[: _SUMMARY_CHARS - 1].rstrip() + "…"
            return flat
    return "no summary"


def _severity(scores: object, database: Mapping[str, Any]) -> Severity | None:
    named = database.get("severity")
    if isinstance(named, str) and named.upper() in _DB_SEVERITIES:
        return _DB_SEVERITIES[named.upper()]
    best: Severity | None = None
    if isinstance(scores, list):
        for entry in scores:
            if not isinstance(entry, dict) or not isinstance(entry.get("score"), str):
                continue
            score = base_score(entry["score"])
            if score is not None:
                level = rating(score)
                best = level if best is None else max(best, level)
    return best


def _cwes(value: object) -> tuple[int, ...]:
    found: set[int] = set()
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str) and item.upper().startswith("CWE-"):
                number = item[4:]
                if number.isdigit():
                    found.add(int(number))
    return tuple(sorted(found))


# --- the database -------------------------------------------------------------------------


def preferred_id(names: Iterable[str]) -> str:
    """The id a vulnerability known under ``names`` is reported as."""
    ordered = sorted(set(names))
    for prefix in ("PYSEC-", "GHSA-"):
        for name in ordered:
            if name.startswith(prefix):
                return name
    return ordered[0]


def merge(entries: Sequence[PackageAdvisory]) -> list[list[PackageAdvisory]]:
    """Group advisories whose ids and aliases meet (transitively)."""
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, entry in enumerate(entries):
        for name in (entry.advisory.id, *entry.advisory.aliases):
            if name in owner:
                parent[root(index)] = root(owner[name])
            else:
                owner[name] = index
    groups: dict[int, list[PackageAdvisory]] = {}
    for index, entry in enumerate(entries):
        groups.setdefault(root(index), []).append(entry)
    return list(groups.values())


class AdvisoryDatabase:
    """Advisories indexed by package name. Read-only after loading; safe to share."""

    def __init__(
        self,
        *,
        path: Path,
        by_package: Mapping[str, tuple[PackageAdvisory, ...]],
        files: int,
        advisories: int,
        withdrawn: int,
        other_ecosystems: int,
        notes: Sequence[str],
        skipped_events: int,
        load_seconds: float,
        unreadable_ranges: int = 0,
    ) -> None:
        self.path = path
        self.by_package = dict(by_package)
        self.files = files
        self.advisories = advisories
        self.withdrawn = withdrawn
        self.other_ecosystems = other_ecosystems
        self.notes = tuple(notes)
        self.skipped_events = skipped_events
        self.unreadable_ranges = unreadable_ranges
        self.load_seconds = load_seconds
        self._candidates: dict[str, list[Version]] = {}
        self._clean: dict[tuple[str, Version, frozenset[str]], bool] = {}
        self._lock = threading.Lock()

    def advisories_for(self, name: str) -> tuple[PackageAdvisory, ...]:
        return self.by_package.get(canonical(name), ())

    def vulnerabilities(self, name: str, version: Version) -> list[Vulnerability]:
        """The vulnerabilities of ``name`` at ``version``, and as ``Unevaluated`` the
        advisories that cannot tell (unless an alias of theirs tells it is affected)."""
        key = canonical(name)
        hits = [e for e in self.advisories_for(key) if e.verdict(version) is not Verdict.NO]
        found = [_vulnerability(group, version) for group in merge(hits)]
        return sorted(found, key=lambda v: v.id)

    def _fix_candidates(self, name: str) -> list[Version]:
        with self._lock:
            cached = self._candidates.get(name)
        if cached is not None:
            return cached
        entries = self.by_package.get(name, ())
        candidates: set[Version] = set()
        known: set[Version] = set()
        for entry in entries:
            candidates.update(entry.events(EventKind.FIXED))
            known |= entry.known_versions()
        ordered_known = sorted(known)
        for entry in entries:
            for last in entry.events(EventKind.LAST_AFFECTED):
                after = next((v for v in ordered_known if v > last), None)
                if after is not None:
                    candidates.add(after)
        result = sorted(candidates)
        with self._lock:
            self._candidates[name] = result
        return result

    def _is_clean(self, name: str, version: Version, unevaluated: frozenset[str]) -> bool:
        """No advisory affects ``version``, nor may, but those in ``unevaluated`` (ids of
        advisories the pinned version is reported for as not evaluable)."""
        key = (name, version, unevaluated)
        with self._lock:
            cached = self._clean.get(key)
        if cached is not None:
            return cached
        clean = True
        for entry in self.by_package.get(name, ()):
            verdict = entry.verdict(version)
            if verdict is Verdict.YES or (
                verdict is Verdict.UNKNOWN and entry.advisory.id not in unevaluated
            ):
                clean = False
                break
        with self._lock:
            self._clean[key] = clean
        return clean

    def smallest_upgrade(self, name: str, version: Version) -> Version | None:
        """The lowest known version above ``version`` that no advisory of ``name`` affects
        (nor may: those that cannot tell about ``version`` either are left to their own
        findings)."""
        key = canonical(name)
        unevaluated = frozenset(
            entry.advisory.id
            for entry in self.by_package.get(key, ())
            if entry.verdict(version) is Verdict.UNKNOWN
        )
        above = [v for v in self._fix_candidates(key) if v > version]
        passes = (True,) if version.is_prerelease else (False, True)
        for allow_pre in passes:
            for candidate in above:
                if candidate.is_prerelease and not allow_pre:
                    continue
                if self._is_clean(key, candidate, unevaluated):
                    return candidate
        return None

    def audit(self, name: str, version: Version) -> PackageAudit:
        key = canonical(name)
        found = self.vulnerabilities(key, version)
        upgrade = self.smallest_upgrade(key, version) if found else None
        unevaluated = sum(isinstance(v, Unevaluated) for v in found)
        count = len(found) - unevaluated
        basis = f"all {count} known vulnerabilit{'y' if count == 1 else 'ies'} of {key} {version}"
        if unevaluated:
            basis += f" (not the {unevaluated} advisor{'y' if unevaluated == 1 else 'ies'} "
            basis += "that cannot be evaluated)"
        return PackageAudit(
            name=key,
            version=version,
            vulnerabilities=tuple(found),
            upgrade=str(upgrade) if upgrade is not None else None,
            upgrade_basis=basis,
        )

    def evidence(self) -> dict[str, JSONValue]:
        return {
            "path": str(self.path),
            "files": self.files,
            "advisories": self.advisories,
            "withdrawn_skipped": self.withdrawn,
            "other_ecosystems_skipped": self.other_ecosystems,
            "packages": len(self.by_package),
            "events_skipped": self.skipped_events,
            "ranges_not_read": self.unreadable_ranges,
            "notes": list(self.notes[:_MAX_NOTES]),
            "load_seconds": round(self.load_seconds, 3),
        }


def _vulnerability(group: Sequence[PackageAdvisory], version: Version) -> Vulnerability:
    """One vulnerability of the merged ``group``: an ``Unevaluated`` one if no advisory of
    it tells that ``version`` is affected (each one that cannot tell)."""
    names = {name for entry in group for name in (entry.advisory.id, *entry.advisory.aliases)}
    ident = preferred_id(names)
    ordered = sorted(group, key=lambda e: (e.advisory.id != ident, e.advisory.id))
    summary = next(
        (e.advisory.summary for e in ordered if e.advisory.summary != "no summary"), "no summary"
    )
    levels = [e.severity for e in group if e.severity is not None]
    fixed = sorted({v for entry in group for v in entry.events(EventKind.FIXED)})
    fields: dict[str, Any] = {
        "id": ident,
        "aliases": tuple(sorted(names - {ident})),
        "summary": summary,
        "fixed": tuple(str(v) for v in fixed),
        "severity": max(levels) if levels else DEFAULT_SEVERITY,
        "cwe": tuple(sorted({c for e in group for c in e.advisory.cwe})),
        # Known since the first of its advisories was published (None: none says when).
        "published": min(
            (e.advisory.published for e in group if e.advisory.published is not None),
            default=None,
        ),
        # Last changed when the latest of them was modified (imported, widened); None when
        # one of them does not say (it may have changed after any release).
        "modified": None
        if any(e.advisory.modified is None for e in group)
        else max(e.advisory.modified for e in group if e.advisory.modified is not None),
    }
    if any(entry.affects(version) for entry in group):
        return Vulnerability(**fields)
    return Unevaluated(**fields, problem=_problem(ordered, ident, version))


def _problem(group: Sequence[PackageAdvisory], ident: str, version: Version) -> str:
    read: list[str] = []
    for entry in group:
        for problem in entry.problems(version):
            read.append(f"{entry.advisory.id} in {problem}")
    more = len(read) - _MAX_PROBLEMS
    shown = "; ".join(read[:_MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
    aliases = sorted({a for e in group for a in (e.advisory.id, *e.advisory.aliases)} - {ident})
    named = f"{ident} ({', '.join(aliases)})" if aliases else ident
    return (
        f"cannot tell whether {version} is affected by {named}: {shown}. Check the "
        f"advisory: if {version} is not affected, waive {ident} for this package in the "
        "policy's waivers; or update the advisory database"
    )


def advisory_files(root: Path) -> list[Path]:
    """Every OSV document below ``root``, in a stable order."""
    found: list[Path] = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        found.extend(Path(directory, n) for n in sorted(names) if n.endswith(_SUFFIXES))
    return found


def _signature(files: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    signature: list[tuple[str, int, int]] = []
    for path in files:
        try:
            stat = path.stat()
        except OSError as exc:
            raise AdvisoryDBError(f"{path}: cannot be read: {exc.strerror or exc}") from None
        signature.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


def _parse(path: Path) -> object:
    data = path.read_bytes()
    if path.suffix == ".json":
        return json.loads(data)
    return yaml.load(data, Loader=_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader


def _load(root: Path, files: Sequence[Path]) -> AdvisoryDatabase:
    started = time.perf_counter()
    reader = _Reader()
    by_package: dict[str, list[PackageAdvisory]] = {}
    withdrawn = other = advisories = 0
    for path in files:
        relative = path.relative_to(root).as_posix()
        try:
            doc = _parse(path)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            detail = " ".join(str(exc).split())[:200]
            raise AdvisoryDBError(
                f"advisory database {root}: {relative} cannot be read: {detail}",
                hint="fix or remove the file; an advisory that cannot be read may be the one "
                "that matters",
            ) from None
        entries = reader.advisory(doc, relative)
        if entries is None:
            withdrawn += 1
            continue
        if not entries:
            other += 1
            continue
        advisories += 1
        for entry in entries:
            by_package.setdefault(entry.name, []).append(entry)
    return AdvisoryDatabase(
        path=root,
        by_package={name: tuple(entries) for name, entries in by_package.items()},
        files=len(files),
        advisories=advisories,
        withdrawn=withdrawn,
        other_ecosystems=other,
        notes=reader.notes,
        skipped_events=reader.skipped_events,
        unreadable_ranges=reader.unreadable_ranges,
        load_seconds=time.perf_counter() - started,
    )


_CACHE: dict[Path, tuple[tuple[tuple[str, int, int], ...], AdvisoryDatabase]] = {}
_CACHE_LOCK = threading.Lock()


def load_database(path: Path) -> tuple[AdvisoryDatabase, bool]:
    """The database at ``path`` and whether it came from this process's cache.

    Raises ``AdvisoryDBError`` when the directory is missing, holds no advisory,
    or holds a file that cannot be read.
    """
    root = path.expanduser().resolve()
    if not root.is_dir():
        raise AdvisoryDBError(
            f"advisory database {path}: no such directory",
            hint="give --advisory-db (or dependencies.advisory_db) an OSV directory, e.g. a "
            "clone of the PyPA advisory-database",
        )
    files = advisory_files(root)
    if not files:
        raise AdvisoryDBError(
            f"advisory database {path}: no advisory files (*.yaml, *.yml, *.json) in it",
            hint="an empty advisory database would find nothing",
        )
    signature = _signature(files)
    with _CACHE_LOCK:
        cached = _CACHE.get(root)
        if cached is not None and cached[0] == signature:
            return cached[1], True
        database = _load(root, files)
        _CACHE[root] = (signature, database)
        return database, False


@dataclass(frozen=True, kw_only=True)
class OfflineService:
    """The ``VulnerabilityService`` of a local advisory database."""

    database: AdvisoryDatabase
    tool: str = "osv"

    def audit(self, packages: Sequence[tuple[str, Version]]) -> ServiceAudit:
        audits = {(name, version): self.database.audit(name, version) for name, version in packages}
        return ServiceAudit(audits=audits)
