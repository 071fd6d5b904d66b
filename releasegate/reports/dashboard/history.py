"""What the dashboard says about a sequence of release records: the order of the runs,
the newest candidate, the items that need attention, the trends and the time to ship.

Pure functions of ``RecordJSON`` objects (the codec's release records); nothing here
renders or writes. Every date is relative to the *reference time*: the newest record's
time, so that the same records always give the same page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from releasegate.codec import RecordJSON
from releasegate.model import Mode, Severity, Stage, Status, Verdict

ATTENTION_DAYS = 14  # a waiver or sign-off that expires within this many days needs attention
TAG_PREFIX = "refs/tags/"

# How a status reads without colour: a symbol and a word.
STATUS_TEXT: dict[Status | None, str] = {
    Status.PASS: "\u2713 pass",
    Status.FAIL: "\u2717 fail",
    Status.ERROR: "! error",
    Status.SKIPPED: "\u2013 skipped",
    None: "\u00b7 not run",
}
VERDICT_TEXT = {
    Verdict.PASS: "\u2713 pass",
    Verdict.PARTIAL_PASS: "\u2248 partial pass",
    Verdict.BLOCK: "\u2717 block",
}
_HEX = re.compile(r"[0-9a-fA-F]{7,64}")
_CONTROLS = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


# --- links ----------------------------------------------------------------------------------


def safe_href(url: str | None) -> str | None:
    """``url`` when it may be a link: an absolute http(s) URL with a host and no spaces,
    control characters or backslashes; else None (the page shows it as text)."""
    if not url or _CONTROLS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return url


def code_link(source_url: str | None, commit: str, path: str, line: int) -> str | None:
    """``{source_url}/blob/{commit}/{path}#L{line}`` on the forge, or None when the source
    URL is not http(s), the commit is not a hex object name, or the path could leave the
    commit's tree (absolute, ``.``/``..`` segments, backslashes)."""
    base = safe_href(source_url)
    if base is None or not _HEX.fullmatch(commit) or not path:
        return None
    segments = path.split("/")
    if path.startswith("/") or "\\" in path or any(s in ("", ".", "..") for s in segments):
        return None
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in path):
        return None
    anchor = f"#L{line}" if line > 0 else ""
    return f"{base.rstrip('/')}/blob/{commit}/{quote(path, safe='/')}{anchor}"


# --- the runs --------------------------------------------------------------------------------


def newest_first(records: Iterable[RecordJSON]) -> list[RecordJSON]:
    """The records, newest first: by time, then by their order in the container."""
    indexed = list(enumerate(records))
    indexed.sort(key=lambda pair: (pair[1].time, pair[1].seq or 0, pair[0]), reverse=True)
    return [record for _, record in indexed]


def is_tag(record: RecordJSON) -> bool:
    return bool(record.ref and record.ref.startswith(TAG_PREFIX))


def is_release(record: RecordJSON) -> bool:
    """A run the history emphasises: on a tag, or in release mode."""
    return is_tag(record) or record.mode is Mode.RELEASE


def tag_name(record: RecordJSON) -> str | None:
    return record.ref.removeprefix(TAG_PREFIX) if record.ref and is_tag(record) else None


def short_id(record_id: str) -> str:
    """The hex of a record id (``sha256:<hex>``), first 16 digits: its run page's name."""
    hexpart = record_id.rpartition(":")[2]
    cleaned = "".join(ch for ch in hexpart.lower() if ch in "0123456789abcdef")
    return cleaned[:16] or "record"


def page_names(records: Sequence[RecordJSON]) -> list[str]:
    """One distinct file name per record (``<id prefix>.html``; ``-2``... on a clash)."""
    seen: set[str] = set()
    names: list[str] = []
    for record in records:
        stem = short_id(record.id)
        name, n = stem, 1
        while name in seen:
            n += 1
            name = f"{stem}-{n}"
        seen.add(name)
        names.append(f"{name}.html")
    return names


def stages_seen(records: Iterable[RecordJSON]) -> list[Stage]:
    """The stages any of the records ran, in the model's order (one column each)."""
    seen = {stage for record in records for stage in record.stages}
    return [stage for stage in Stage if stage in seen]


def newest_candidate(records_newest_first: Sequence[RecordJSON]) -> RecordJSON | None:
    """The run that answers "can we ship?": the newest release-mode run, else the newest."""
    for record in records_newest_first:
        if record.mode is Mode.RELEASE:
            return record
    return records_newest_first[0] if records_newest_first else None


def first_reason(record: RecordJSON) -> str:
    return record.reasons[0] if record.reasons else ""


def reference_time(records: Iterable[RecordJSON]) -> dt.datetime | None:
    """The time every "expires in" and "age" is measured from: the newest record's."""
    return max((record.time for record in records), default=None)


# --- needs attention -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Expiring:
    """A waiver or sign-off that expires soon or has expired."""

    what: str  # the waiver's id or the signer
    owner: str
    reason: str
    expires: dt.date
    days: int  # until it expires (negative: expired that many days ago)
    commit: str = ""

    @property
    def expired(self) -> bool:
        return self.days < 0

    @property
    def when(self) -> str:
        if self.days < 0:
            return f"expired {-self.days} day{'s' if self.days != -1 else ''} ago"
        if self.days == 0:
            return "expires today"
        return f"expires in {self.days} day{'s' if self.days != 1 else ''}"


@dataclass(frozen=True, kw_only=True)
class Aged:
    """A baselined finding and how long it has been accepted."""

    tool: str
    rule_id: str
    path: str
    line: int
    owner: str
    reason: str
    added: dt.date
    days: int


@dataclass(frozen=True, kw_only=True)
class Transition:
    """A stage that passed in one run and failed (or errored) in the next on the same ref."""

    stage: Stage
    ref: str
    before: RecordJSON
    after: RecordJSON
    status: Status


@dataclass(frozen=True, kw_only=True)
class Attention:
    reference: dt.date | None
    waivers: list[Expiring]
    baselined: list[Aged]
    baselined_total: int
    signoffs: list[Expiring]
    transitions: list[Transition]

    @property
    def empty(self) -> bool:
        return not (self.waivers or self.baselined or self.signoffs or self.transitions)


def _date(text: str | None) -> dt.date | None:
    """A sign-off's expiry (a date, or a timestamp whose date counts)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def expiring_waivers(record: RecordJSON, today: dt.date) -> list[Expiring]:
    """The waivers in force at ``record`` that expire within 14 days of ``today`` or
    already have, soonest first."""
    found = [
        Expiring(
            what=waiver.id,
            owner=waiver.owner,
            reason=waiver.reason,
            expires=waiver.expires,
            days=(waiver.expires - today).days,
            commit=record.commit,
        )
        for waiver in record.waivers
        if (waiver.expires - today).days <= ATTENTION_DAYS
    ]
    return sorted(found, key=lambda e: (e.expires, e.what))


def expiring_signoffs(records: Iterable[RecordJSON], today: dt.date) -> list[Expiring]:
    """The distinct sign-offs recorded that expire within 14 days of ``today`` (and have
    not yet expired), soonest first."""
    seen: set[tuple[str, str, str]] = set()
    found: list[Expiring] = []
    for record in records:
        signoff = record.signoff
        expires = _date(signoff.expires) if signoff is not None else None
        if signoff is None or expires is None:
            continue
        key = (signoff.statement_digest or "", signoff.signer, record.commit)
        days = (expires - today).days
        if key in seen or not 0 <= days <= ATTENTION_DAYS:
            continue
        seen.add(key)
        found.append(
            Expiring(
                what=signoff.signer,
                owner=signoff.route,
                reason=signoff.how,
                expires=expires,
                days=days,
                commit=record.commit,
            )
        )
    return sorted(found, key=lambda e: (e.expires, e.what, e.commit))


def baselined_by_age(record: RecordJSON, today: dt.date) -> list[Aged]:
    """The baseline's accepted findings at ``record``, oldest first."""
    rows = [
        Aged(
            tool=row.tool,
            rule_id=row.rule_id,
            path=row.path,
            line=row.line,
            owner=row.owner,
            reason=row.reason,
            added=row.added,
            days=(today - row.added).days,
        )
        for row in record.baselined
    ]
    return sorted(rows, key=lambda a: (a.added, a.path, a.line, a.rule_id))


def pass_to_fail(records_oldest_first: Sequence[RecordJSON]) -> list[Transition]:
    """Every stage that passed in a run and failed or errored in the next run of the same
    ref (branch or tag; runs without a ref count as one), newest first."""
    last: dict[str, RecordJSON] = {}
    found: list[Transition] = []
    for record in records_oldest_first:
        ref = record.ref or ""
        before = last.get(ref)
        if before is not None:
            for stage, status in record.stages.items():
                if status in (Status.FAIL, Status.ERROR) and before.stages.get(stage) is (
                    Status.PASS
                ):
                    found.append(
                        Transition(stage=stage, ref=ref, before=before, after=record, status=status)
                    )
        last[ref] = record
    found.reverse()
    return found


def attention(records_newest_first: Sequence[RecordJSON], *, max_items: int = 50) -> Attention:
    """What needs attention, relative to the newest record's time."""
    reference = reference_time(records_newest_first)
    if reference is None:
        return Attention(
            reference=None, waivers=[], baselined=[], baselined_total=0, signoffs=[], transitions=[]
        )
    today = reference.date()
    newest = records_newest_first[0]
    baselined = baselined_by_age(newest, today)
    return Attention(
        reference=today,
        waivers=expiring_waivers(newest, today)[:max_items],
        baselined=baselined[:max_items],
        baselined_total=len(newest.baselined) + newest.baselined_omitted,
        signoffs=expiring_signoffs(records_newest_first, today)[:max_items],
        transitions=pass_to_fail(list(reversed(records_newest_first)))[:max_items],
    )


# --- trends and time to ship ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Shipping:
    """One commit's way to a pass: its first blocked run and its first passing run."""

    commit: str
    label: str  # the tag when the commit was judged on one, else the short commit
    first_blocked: dt.datetime | None
    first_pass: dt.datetime | None

    @property
    def seconds(self) -> float | None:
        """From the first blocked run to the first pass; 0 when it never blocked first;
        None when it has not passed yet."""
        if self.first_pass is None:
            return None
        if self.first_blocked is None or self.first_blocked > self.first_pass:
            return 0.0
        return (self.first_pass - self.first_blocked).total_seconds()


def time_to_ship(records_oldest_first: Sequence[RecordJSON]) -> list[Shipping]:
    """Per commit (labelled with its tag, if it had one), the time between its first
    blocked record and its first pass record, in the order the commits were first seen.
    A partial pass does not ship: it is not a release certification."""
    order: list[str] = []
    blocked: dict[str, dt.datetime] = {}
    passed: dict[str, dt.datetime] = {}
    tags: dict[str, str] = {}
    for record in sorted(records_oldest_first, key=lambda r: r.time):
        commit = record.commit
        if commit not in tags and commit not in blocked and commit not in passed:
            order.append(commit)
            tags.setdefault(commit, "")
        name = tag_name(record)
        if name and not tags.get(commit):
            tags[commit] = name
        if record.decision is Verdict.BLOCK:
            blocked.setdefault(commit, record.time)
        elif record.decision is Verdict.PASS:
            passed.setdefault(commit, record.time)
    return [
        Shipping(
            commit=commit,
            label=tags.get(commit) or commit[:12],
            first_blocked=blocked.get(commit),
            first_pass=passed.get(commit),
        )
        for commit in order
    ]


@dataclass(frozen=True, kw_only=True)
class TrendPoint:
    label: str  # the tag, else the short commit
    time: dt.datetime
    by_severity: dict[Severity, int]
    blocking: int
    release: bool


def trend(records_oldest_first: Sequence[RecordJSON]) -> list[TrendPoint]:
    """Findings by severity and the blocking count, run by run, oldest first."""
    return [
        TrendPoint(
            label=tag_name(record) or record.commit[:12],
            time=record.time,
            by_severity={s: record.counts.by_severity.get(s, 0) for s in Severity},
            blocking=record.counts.blocking,
            release=is_tag(record),
        )
        for record in records_oldest_first
    ]


def human_duration(seconds: float) -> str:
    """``seconds`` as the page says it: 0 s, 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
