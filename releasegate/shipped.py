"""``releasegate watch``: the releases that already shipped, audited against today's advisories.

A release that was clean when it shipped becomes vulnerable when a new advisory
appears. ``watch`` lists the release tags (``release.tag_pattern``, ``tags.py``),
reads each tag's dependency pins from git's objects (the dependency stage's
collector over a private snapshot of the tagged commit: no checkout), looks every
pin up once in the vulnerability service the stage would use
(``checks.advisory_services``: an offline OSV directory, else pip-audit), and
splits the advisories that affect a release into those published after it
shipped and those already known then.

- The release date is the tagger date of an annotated tag (the outer one of a tag of a
  tag), else the committer date of the tagged commit; none (null) for a tag that
  cannot be read.
- Order: by version when every release tag is a version (so a backport tagged last
  is not "the newest"), else by release date; ``--since TAG`` starts there.
- Supported (``watch.supported``): the newest ``newest`` tags (default 1) that are not
  pre-releases, and every tag matching ``pattern``. A supported release newly affected
  is the failure (exit 1); unsupported ones are reported, marked unsupported.
- New or known: an advisory is *published after the release* when its OSV ``published``
  or its ``modified`` date (the latest of its merged aliases': imported, widened) is
  later than the release date; ``published`` is often the CVE's date, so it alone would
  hide an advisory added after the release. Fail closed: an advisory without a readable
  ``published`` or ``modified`` date (pip-audit gives neither) counts as published after
  every release: an unknown date proves nothing was known.
- A tag whose dependency files cannot be read or audited (a malformed or non-UTF-8
  file, an include outside the tree, a URL requirement, a link leaving the tree), or
  that does not point at a commit (a nested tag is peeled to its end), is an error
  naming the tag and the file (exit 2), never a silent skip. Unpinned requirements are
  counted and named: a range is not one version and cannot be audited.
"""

from __future__ import annotations

import datetime as dt
import enum
import shlex
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from packaging.version import Version

from releasegate.checks.advisory_services import ServiceRequest
from releasegate.checks.dependencies import lookup
from releasegate.codec import utf8_safe
from releasegate.deps.osv import Unevaluated
from releasegate.deps.pins import AdvisoryDBError, Inventory, Pin, ServiceAudit, ServiceError
from releasegate.deps.sources.collector import collect
from releasegate.deps.sources.formats import kind_of
from releasegate.errors import GitError
from releasegate.model import EXIT_BLOCK, EXIT_PASS, EXIT_USAGE, JSONValue
from releasegate.policy.schema import Policy, WatchSupported
from releasegate.procs import ToolRunner
from releasegate.snapshot import build_snapshot, git_output, run_git
from releasegate.tags import TAG_PATTERN_KEY, is_release_tag, no_release_tag_hint, tag_version

MAX_ADVISORIES_PER_RELEASE = 200  # in the record; the rest are counted


def shown(text: str) -> str:
    """``text`` safe to print on a terminal: control, format (bidi overrides) and other
    invisible characters as ``\\u`` escapes. HTML is escaped where HTML is written."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in ("C", "Z") and char != " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, kw_only=True)
class ReleaseTag:
    name: str
    commit: str
    # Aware, UTC; None only with a ``problem`` (no date is made up: the record must read back).
    date: dt.datetime | None
    dated_by: str | None  # "tagger" (annotated tag) or "committer" (the tagged commit)
    problem: str | None = None  # why it cannot be read (points at no commit, ...)


def _parse_date(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc)
    except ValueError:
        return None


_FORMAT = "%00".join(
    (
        "%(refname)",
        "%(objecttype)",
        "%(taggerdate:iso-strict)",
        "%(committerdate:iso-strict)",
        "%(*objecttype)",
        "%(*objectname)",
        "%(*committerdate:iso-strict)",
        "%(objectname)",
    )
)


def _peel(git_dir: Path, tag_object: str) -> tuple[str, str, str]:
    """A nested annotated tag (a tag of a tag) peeled to the object it ends at: its type,
    name and (a commit) committer date. It is dated by the outer tag's tagger date."""
    done = run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{tag_object}^{{commit}}")
    if done.returncode == 0:
        commit = done.stdout.decode().strip()
        date = git_output(git_dir, "log", "-1", "--format=%cI", commit, "--")
        return "commit", commit, date.decode("utf-8", "replace").strip()
    end = run_git(git_dir, "cat-file", "-t", f"{tag_object}^{{}}")
    kind = end.stdout.decode("utf-8", "replace").strip() if end.returncode == 0 else ""
    return f"tag of a {kind}" if kind else "", "", ""


def release_tags(git_dir: Path, pattern: str | None) -> tuple[list[ReleaseTag], list[str]]:
    """The release tags (ordered: oldest first) and the names of every tag seen."""
    out = git_output(git_dir, "for-each-ref", f"--format={_FORMAT}", "refs/tags")
    found: list[ReleaseTag] = []
    seen: list[str] = []
    # Split on "\n" alone: a ref name cannot hold one, but it can hold U+2028 or U+0085,
    # which ``str.splitlines()`` splits on too (the tag was silently skipped).
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        if not line:
            continue
        fields = line.split("\0")
        if len(fields) != 8:
            raise GitError(
                f"git for-each-ref in {git_dir}: unexpected line {shown(line)!r} "
                f"({len(fields)} fields, not 8)",
                hint="check the repository with `git fsck`; this may be a bug, report it",
            )
        ref, kind, tagger, committer, peeled_kind, peeled, peeled_committer, sha = fields
        name = ref.removeprefix("refs/tags/")
        seen.append(name)
        if not is_release_tag(name, pattern):
            continue
        if kind == "commit":
            date = _parse_date(committer)
            found.append(
                ReleaseTag(
                    name=name,
                    commit=sha,
                    date=date,
                    dated_by="committer" if date else None,
                    problem=None if date else "its commit has no readable committer date",
                )
            )
            continue
        date = _parse_date(tagger)
        problem = None
        if kind == "tag" and peeled_kind == "tag":  # a tag of a tag: peel it to the end
            peeled_kind, peeled, peeled_committer = _peel(git_dir, sha)
        if kind != "tag" or peeled_kind != "commit":
            target = peeled_kind if kind == "tag" else kind
            problem = (
                f"points at a {target or 'missing object'}, not a commit: there is no "
                "release to read"
            )
        dated_by: str | None = "tagger"
        if date is None and problem is None:
            date, dated_by = _parse_date(peeled_committer), "committer"
            if date is None:
                problem = "neither the tag nor its commit has a readable date"
        found.append(
            ReleaseTag(
                name=name,
                commit=peeled or sha,
                date=date,
                dated_by=dated_by if date else None,
                problem=problem,
            )
        )
    return order(found), seen


def _date_key(tag: ReleaseTag) -> tuple[bool, dt.datetime]:
    """Undated tags (each an error) first."""
    return (tag.date is not None, tag.date or dt.datetime.min.replace(tzinfo=dt.timezone.utc))


def order(tags: Sequence[ReleaseTag]) -> list[ReleaseTag]:
    """By version when every tag is a version, else by release date (then name)."""
    versions = {tag.name: tag_version(tag.name) for tag in tags}
    if tags and all(v is not None for v in versions.values()):
        return sorted(tags, key=lambda t: (versions[t.name] or Version("0"), _date_key(t), t.name))
    return sorted(tags, key=lambda t: (_date_key(t), t.name))


def is_prerelease(name: str) -> bool:
    """A version tag of a pre-release (``v2.0.0rc1``, ``2.0.0.dev1``)."""
    version = tag_version(name)
    return version is not None and version.is_prerelease


def supported_names(tags: Sequence[ReleaseTag], settings: WatchSupported) -> set[str]:
    """The supported releases among ``tags`` (ordered oldest first). Pre-releases do not
    count toward ``newest`` (a release candidate must not take the newest final release's
    place); they are supported only through ``pattern``."""
    final = [tag for tag in tags if not is_prerelease(tag.name)]
    names = {tag.name for tag in final[len(final) - settings.newest :]}
    if not settings.newest:
        names = set()
    if settings.pattern is not None:
        names |= {tag.name for tag in tags if fnmatchcase(tag.name, settings.pattern)}
    return names


class When(enum.Enum):
    NEW = "published-after-release"
    KNOWN = "known-at-release"


@dataclass(frozen=True, kw_only=True)
class Affecting:
    """One advisory affecting one pin of one release."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: str
    package: str
    version: str
    path: str
    line: int
    published: dt.datetime | None
    modified: dt.datetime | None
    when: When
    fixed: tuple[str, ...]
    upgrade: str | None  # the smallest version fixing every known advisory of the pin
    problem: str | None = None  # an advisory that cannot tell (counted as affecting)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "severity": self.severity,
            "package": utf8_safe(self.package),
            "version": utf8_safe(self.version),
            "path": utf8_safe(self.path),
            "line": self.line,
            "published": None if self.published is None else _time(self.published),
            "modified": None if self.modified is None else _time(self.modified),
            "when": self.when.value,
            "fixed": list(self.fixed),
            "upgrade": self.upgrade,
            "problem": self.problem,
        }


@dataclass(kw_only=True)
class ReleaseReport:
    tag: ReleaseTag
    supported: bool
    files: list[str] = field(default_factory=list)
    unpinned: list[str] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    new: list[Affecting] = field(default_factory=list)
    known: list[Affecting] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def newly_affected(self) -> bool:
        return bool(self.new)

    def to_json(self) -> dict[str, JSONValue]:
        new: list[JSONValue] = [a.to_json() for a in self.new[:MAX_ADVISORIES_PER_RELEASE]]
        known: list[JSONValue] = [a.to_json() for a in self.known[:MAX_ADVISORIES_PER_RELEASE]]
        return {
            "tag": utf8_safe(self.tag.name),  # a ref name need not be UTF-8
            "commit": self.tag.commit,
            "date": None if self.tag.date is None else _time(self.tag.date),
            "dated_by": self.tag.dated_by,
            "supported": self.supported,
            "files": [utf8_safe(path) for path in self.files],
            "unpinned": [utf8_safe(item) for item in self.unpinned],
            "packages": len({(p.canonical, p.version) for p in self.pins}),
            "new": new,
            "known": known,
            "omitted": len(self.new) + len(self.known) - len(new) - len(known),
            "errors": list(self.errors),
        }


@dataclass(kw_only=True)
class WatchReport:
    releases: list[ReleaseReport]
    service: dict[str, JSONValue] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # not of one release (the service)
    audited: bool = False  # the advisory service answered for the releases' pins

    @property
    def all_errors(self) -> list[str]:
        return [*self.errors, *(e for r in self.releases for e in r.errors)]

    @property
    def outcome(self) -> str:
        if self.all_errors:
            return "error"
        if any(r.supported and r.newly_affected for r in self.releases):
            return "affected"
        return "clear"

    @property
    def exit_code(self) -> int:
        return {"error": EXIT_USAGE, "affected": EXIT_BLOCK}.get(self.outcome, EXIT_PASS)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "outcome": self.outcome,
            "service": self.service,
            "errors": list(self.all_errors),
            "audited": self.audited,
            "releases": [r.to_json() for r in self.releases],
        }


def _time(value: dt.datetime) -> str:
    """RFC 3339 in UTC, the year always four digits (``strftime("%Y")`` writes year 1 as
    "1", which no reader accepts)."""
    utc = value.astimezone(dt.timezone.utc)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc:%H:%M:%S}Z"


def _remedy(tag: str) -> str:
    """Quoted for the shell, then escaped for the terminal (and the record's errors)."""
    return (
        f"inspect it with `git show {shown(shlex.quote(tag))}`; fix the file in a new release, "
        "leave the file out with dependencies.exclude, or start after the tag with --since"
    )


def _inventory_errors(tag: ReleaseTag, inventory: Inventory) -> list[str]:
    name = shown(tag.name)
    errors = [
        f"tag {name}: {shown(str(problem))}: {_remedy(tag.name)}" for problem in inventory.problems
    ]
    errors += [
        f"tag {name}: {shown(str(item))} (cannot be audited): {_remedy(tag.name)}"
        for item in inventory.skipped
    ]
    return errors


def read_release(git_dir: Path, tag: ReleaseTag, policy: Policy, report: ReleaseReport) -> None:
    """The dependency pins of ``tag``'s commit, from git's objects, into ``report``."""
    if tag.problem is not None:
        report.errors.append(f"tag {shown(tag.name)}: {tag.problem}: {_remedy(tag.name)}")
        return
    with tempfile.TemporaryDirectory(prefix="releasegate-watch-") as tmp:
        try:
            snap = build_snapshot(git_dir, tag.commit, Path(tmp), lazy=True)
        except GitError as exc:
            report.errors.append(
                f"tag {shown(tag.name)}: cannot read commit {tag.commit[:12]}: "
                f"{shown(exc.message)}: {_remedy(tag.name)}"
            )
            return
        for issue in snap.issues:
            if issue.blocking and kind_of(issue.path) is not None:
                report.errors.append(
                    f"tag {shown(tag.name)}: {shown(issue.path)}: {shown(issue.detail)}: "
                    f"{_remedy(tag.name)}"
                )
        inventory = collect(
            snap.root,
            snap.files,
            tracked=snap.files,
            exclude=tuple(policy.dependencies.exclude),
            materialize=snap.materialize,
        )
    report.files = [source.path for source in inventory.sources]
    report.unpinned = [f"{u.location}: {u.requirement}" for u in inventory.unpinned]
    report.pins = list(inventory.pins)
    report.errors += _inventory_errors(tag, inventory)


def _affecting(report: ReleaseReport, answer: ServiceAudit) -> None:
    released = report.tag.date
    if released is None:  # an undated tag is an error and was not read
        return
    for pin in report.pins:
        audit = answer.audits.get((pin.canonical, pin.version))
        if audit is None:
            continue
        for vuln in audit.vulnerabilities:
            # New when published *or* modified (imported, widened) after the release: OSV
            # ``published`` is often the CVE's date. An unknown date counts as after the
            # release (fail closed).
            new = any(when is None or when > released for when in (vuln.published, vuln.modified))
            item = Affecting(
                id=vuln.id,
                aliases=vuln.aliases,
                summary=vuln.summary,
                severity=vuln.severity.value,
                package=pin.name,
                version=pin.version_text,
                path=pin.location.path,
                line=pin.location.line,
                published=vuln.published,
                modified=vuln.modified,
                when=When.NEW if new else When.KNOWN,
                fixed=vuln.fixed,
                upgrade=audit.upgrade,
                problem=vuln.problem if isinstance(vuln, Unevaluated) else None,
            )
            (report.new if new else report.known).append(item)
    for items in (report.new, report.known):
        items.sort(key=lambda a: (a.package, a.path, a.line, a.id))


def select(tags: list[ReleaseTag], since: str | None) -> list[ReleaseTag]:
    """``tags`` from ``since`` on (GitError naming the tag when it is not a release tag)."""
    if since is None:
        return tags
    for index, tag in enumerate(tags):
        if tag.name == since:
            return tags[index:]
    raise GitError(
        f"--since {shown(since)}: not a release tag of this repository",
        hint=f"name a tag matching {TAG_PATTERN_KEY} (`git tag --list`)",
    )


def watch(
    git_dir: Path,
    policy: Policy,
    request: ServiceRequest,
    *,
    since: str | None = None,
) -> WatchReport:
    """Every release tag from ``since`` on, its pins audited against today's advisories."""
    pattern = policy.release.tag_pattern
    tags, seen = release_tags(git_dir, pattern)
    if not tags:
        raise GitError(
            f"no release tags in {git_dir}", hint=no_release_tag_hint(map(shown, seen), pattern)
        )
    supported = supported_names(tags, policy.watch.supported)
    chosen = select(tags, since)
    reports = [ReleaseReport(tag=tag, supported=tag.name in supported) for tag in chosen]
    for report in reports:
        read_release(git_dir, report.tag, policy, report)
    result = WatchReport(releases=reports)
    packages = sorted({(p.canonical, p.version) for r in reports for p in r.pins})
    if not packages:
        result.audited = True  # nothing pinned: nothing to ask
        return result
    timings: dict[str, JSONValue] = {}
    try:
        answer, _tool = lookup(request, packages, result.service, timings)
    except (AdvisoryDBError, ServiceError) as exc:
        result.errors.append(f"advisories: {shown(exc.diagnostics())}")
        return result
    for item in answer.skipped:
        result.errors.append(
            f"advisories: {shown(str(item))} was not audited by the service: check that it "
            "is reachable, or audit offline with --advisory-db DIR"
        )
    for report in reports:
        _affecting(report, answer)
    result.audited = True
    return result


def summary_lines(report: WatchReport) -> list[str]:
    """The report as text, one release a paragraph (names escaped for the terminal)."""
    lines: list[str] = []
    for release in report.releases:
        tag = release.tag
        released = (
            "release date unknown"
            if tag.date is None
            else f"released {_time(tag.date)} by its {tag.dated_by} date"
        )
        line = f"{shown(tag.name)} ({tag.commit[:12]}, {released}; "
        line += f"{'supported' if release.supported else 'unsupported'})"
        if release.errors:
            state = "ERROR: cannot be audited"
        elif not report.audited and release.pins:
            # Never "no advisory" for pins no advisory data was read for.
            state = "NOT AUDITED: the advisory data could not be read (the error is below)"
        elif not release.pins:
            state = "no pinned dependency to audit"
        elif release.new:
            state = f"NEWLY AFFECTED by {len(release.new)} advisories published after it shipped"
        else:
            state = "no advisory published after it shipped"
        lines.append(f"{line}: {state}")
        for item in release.new:
            lines.append("  new:   " + _item_line(item))
        for item in release.known:
            lines.append("  known: " + _item_line(item))
        if release.unpinned:
            lines.append(
                f"  not audited: {len(release.unpinned)} unpinned requirements "
                f"({shown(', '.join(release.unpinned[:3]))})"
            )
        if not release.files and not release.errors:
            lines.append("  no dependency files in this release")
    return lines


def _item_line(item: Affecting) -> str:
    when = "published date unknown" if item.published is None else _time(item.published)
    when += (
        "; modified date unknown" if item.modified is None else f"; modified {_time(item.modified)}"
    )
    fix = f"upgrade to {item.upgrade}" if item.upgrade else "no fixed version known"
    head = f"{shown(item.package)} {shown(item.version)} ({shown(item.path)}:{item.line}): "
    head += f"{shown(item.id)} [{item.severity}] ({when}): {fix}"
    return head + (f"; {shown(item.problem)}" if item.problem else "")


def service_request(
    policy: Policy,
    root: Path,
    *,
    advisory_db: Path | None,
    cache_dir: Path,
    use_cache: bool,
    environ: Mapping[str, str],
) -> ServiceRequest:
    return ServiceRequest(
        policy=policy,
        root=root,
        advisory_db=advisory_db,
        changed_files=(),
        tools=ToolRunner(),
        cache_dir=cache_dir,
        use_cache=use_cache,
        environ=environ,
    )
