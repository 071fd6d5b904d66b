"""The Markdown summary: what a release manager reads in ten seconds.

Written for ``$GITHUB_STEP_SUMMARY`` and pull-request comments (GitHub-flavoured
Markdown). Every piece of untrusted text goes through
:func:`releasegate.reports.escape.markdown_text`; links are only built from
values that pass strict checks. The output never exceeds ``max_bytes``: rows
are dropped from the end of the least important table first, and the summary
says how many were left out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from typing_extensions import assert_never

from releasegate.codec import utf8_safe
from releasegate.model import Decision, Finding, JudgedCheck, Severity, Stage, Status, Verdict
from releasegate.reports.blocking import MESSAGE_CHARS, BlockingView, blocking_view
from releasegate.reports.escape import markdown_text
from releasegate.reports.review_table import review_rows

GITHUB_SUMMARY_LIMIT = 1024 * 1024
DEFAULT_MAX_BYTES = 1_000_000
MAX_NOTES_SHOWN = 20
MAX_DIRTY_FILES_SHOWN = 10
_MESSAGE_CHARS = 200
_PATH_CHARS = 120
_REF_CHARS = 80
_SOURCE_CHARS = 200

_DASH = "\N{EN DASH}"

_SERVER_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~-]+)*/?")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")
_DIGEST = re.compile(r"[A-Za-z0-9:_+/=.-]{1,200}")


@dataclass(frozen=True)
class LinkBase:
    """Where findings can be linked to: ``{server_url}/{repository}/blob/{commit}/{path}``.

    Values that do not look like a GitHub server URL, an ``owner/name``
    repository and a commit id disable linking rather than produce odd links.
    """

    server_url: str
    repository: str
    commit: str

    def _valid(self) -> bool:
        return (
            _SERVER_URL.fullmatch(self.server_url) is not None
            and _REPOSITORY.fullmatch(self.repository) is not None
            and not any(part in {".", ".."} for part in self.repository.split("/"))
            and _COMMIT.fullmatch(self.commit) is not None
        )

    def url_for(self, path: str, line: int = 0, end_line: int | None = None) -> str | None:
        """A link to ``path`` at ``line``, or None when one cannot be built safely.

        Paths that are absolute or contain ``.``/``..``/empty segments or
        backslashes are not linked: a browser would resolve ``..`` and the
        link could lead outside the repository.
        """
        if not self._valid() or not path or "\\" in path or path.startswith("/"):
            return None
        if any(segment in {"", ".", ".."} for segment in path.split("/")):
            return None
        url = (
            f"{self.server_url.rstrip('/')}/{self.repository}/blob/{self.commit}/"
            f"{quote(utf8_safe(path), safe='/')}"
        )
        if line >= 1:
            url += f"#L{line}"
            if end_line is not None and end_line > line:
                url += f"-L{end_line}"
        return url


def _status_cell(status: Status) -> str:
    if status is Status.PASS:
        return "✅ pass"
    if status is Status.FAIL:
        return "❌ fail"
    if status is Status.ERROR:
        return "💥 error"
    if status is Status.SKIPPED:
        return "⏭️ skipped"
    assert_never(status)


def _severity_cell(severity: Severity) -> str:
    if severity is Severity.CRITICAL:
        return "🟣 critical"
    if severity is Severity.HIGH:
        return "🔴 high"
    if severity is Severity.MEDIUM:
        return "🟠 medium"
    if severity is Severity.LOW:
        return "🟡 low"
    if severity is Severity.INFO:
        return "⚪ info"
    assert_never(severity)


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return _DASH
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"


def _commit_md(commit: str) -> str:
    """A commit id in a code span when it is one; otherwise escaped text."""
    if _COMMIT.fullmatch(commit):
        return f"`{commit[:12]}`"
    return markdown_text(commit, max_chars=_REF_CHARS)


@dataclass
class _Block:
    """A part of the summary whose ``rows`` may be dropped from the end to fit."""

    title: list[str]
    rows: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    noun: str = "row"
    nouns: str = "rows"
    table: bool = False
    omitted: int = 0
    keep: int = -1

    def __post_init__(self) -> None:
        if self.keep < 0:
            self.keep = len(self.rows)

    def omission(self, keep: int) -> list[str]:
        dropped = len(self.rows) - keep
        count = dropped + self.omitted
        if count <= 0:
            return []
        noun = self.noun if count == 1 else self.nouns
        text = f"…and {count} more {noun}"
        if dropped:
            text += " not shown: the summary has a size limit; the JSON report lists them all"
        if self.table:
            return ["", f"_{text}._"] if keep else [f"_{text}._"]
        return [f"- {text}"]

    def lines(self, keep: int | None = None) -> list[str]:
        keep = self.keep if keep is None else keep
        shown = self.rows[:keep]
        out = list(self.title)
        if shown or not self.table:
            out.extend(self.header)
        out.extend(shown)
        out.extend(self.omission(keep))
        return out


def _size(lines: list[str]) -> int:
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def _join(blocks: list[_Block]) -> str:
    return "\n\n".join("\n".join(block.lines()) for block in blocks) + "\n"


def _fit(blocks: list[_Block], trim_order: list[_Block], max_bytes: int) -> bool:
    """Drop rows, least important blocks first, until the summary fits in ``max_bytes``."""
    total = len(_join(blocks).encode("utf-8"))
    for block in trim_order:
        if total <= max_bytes:
            break
        current = _size(block.lines())
        title = _size(block.title)
        header = _size(block.header)
        row_sizes = [len(row.encode("utf-8")) + 1 for row in block.rows]
        kept = sum(row_sizes[: block.keep])
        keep = block.keep
        while keep > 0:
            keep -= 1
            kept -= row_sizes[keep]
            shows_header = keep > 0 or not block.table
            candidate = title + (header if shows_header else 0) + kept + _size(block.omission(keep))
            if total - current + candidate <= max_bytes:
                break
        block.keep = keep
        total = len(_join(blocks).encode("utf-8"))
    return total <= max_bytes


_HELP_URL = re.compile(
    r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%/+-]*)?(?:#[A-Za-z0-9._-]*)?"
)


def _help_link(url: str) -> str:
    """A help link of a tool, when it is a plain https URL; nothing otherwise."""
    if _HELP_URL.fullmatch(url) is None or len(url) > 300:
        return ""
    return f" ([help]({url}))"


def _blocking_rows(view: BlockingView) -> list[str]:
    """The blocking findings, grouped by check; each whole, with its help link."""
    rows: list[str] = []
    for group in view.groups:
        rows.append(
            f"- **{markdown_text(group.check, max_chars=60)}** ({_plural(group.count, 'finding')})"
        )
        for row in group.rows:
            message = markdown_text(row.message, max_chars=MESSAGE_CHARS)
            owner = (
                " " + _DASH + " owner: " + markdown_text(", ".join(row.owners), max_chars=200)
                if row.owners
                else ""
            )
            rows.append(f"  - {message}{_help_link(row.help_uri)}{owner}")
            rows.extend(
                "    - " + markdown_text(detail, max_chars=MESSAGE_CHARS) for detail in row.details
            )
        if group.omitted:
            rows.append(
                f"  - …and {group.omitted} more in {markdown_text(group.check, max_chars=60)} "
                "(the JSON report lists them all)"
            )
    return rows


def _heading(decision: Decision) -> str:
    release = decision.release
    where = _commit_md(release.commit)
    if release.ref:
        where += f" ({markdown_text(release.ref, max_chars=_REF_CHARS)})"
    if decision.verdict is Verdict.BLOCK:
        return f"## ⛔ Release blocked: {where}"
    if decision.verdict is Verdict.PASS:
        return f"## ✅ Release allowed: {where}"
    if decision.verdict is Verdict.PARTIAL_PASS:
        not_run = markdown_text(", ".join(decision.not_run), max_chars=200)
        return f"## ☑️ Checks passed, not a release certification: {where} (not run: {not_run})"
    assert_never(decision.verdict)


def _alerts(decision: Decision) -> list[str]:
    policy = decision.policy
    lines: list[str] = []
    if not policy.trusted:
        source = markdown_text(policy.source, max_chars=_SOURCE_CHARS)
        lines += [
            "> [!WARNING]",
            f"> **Policy untrusted (--config):** {source}"
            " was not read from the base of the range. This result is a local experiment, "
            "not a certification.",
        ]
    if policy.changed_in_range:
        if lines:
            lines.append("")
        lines += [
            "> [!CAUTION]",
            "> **The policy file changed in this range.** The base's policy governs this "
            "release; the change needs security sign-off.",
        ]
    dirty = decision.release.dirty_files
    if dirty:
        if lines:
            lines.append("")
        shown = ", ".join(
            markdown_text(path, max_chars=_PATH_CHARS) for path in dirty[:MAX_DIRTY_FILES_SHOWN]
        )
        more = len(dirty) - MAX_DIRTY_FILES_SHOWN
        lines += [
            "> [!WARNING]",
            f"> **Uncommitted changes in {_plural(len(dirty), 'file')}:** {shown}"
            + (f", and {more} more" if more > 0 else ""),
        ]
    return lines


def _check_row(check: JudgedCheck) -> str:
    findings = len(check.findings)
    blocking = sum(1 for f in check.findings if f.blocking)
    cells = [
        check.stage.value,
        markdown_text(check.id, max_chars=60),
        _status_cell(check.status),
        str(findings),
        str(blocking),
        format_duration(check.result.duration_seconds),
    ]
    return "| " + " | ".join(cells) + " |"


def _counts_line(decision: Decision) -> str:
    findings = decision.findings
    blocking = sum(1 for f in findings if f.blocking)
    waived = sum(1 for f in findings if f.waived)
    new = sum(1 for f in findings if f.new)
    severities = [
        f"{count} {severity.value}"
        for severity in reversed(Severity)
        if (count := sum(1 for f in findings if f.severity is severity))
    ]
    line = (
        f"**Findings:** {len(findings)} total · {blocking} blocking · {waived} waived · {new} new"
    )
    if severities:
        line += " (" + ", ".join(severities) + ")"
    return line


def _release_line(decision: Decision) -> str:
    release = decision.release
    base = "none" if release.base is None else _commit_md(release.base)
    event = "" if release.event is None else f"**Event:** {markdown_text(release.event)} · "
    return (
        f"{event}**Range:** {base}..{_commit_md(release.commit)} · "
        f"base from {markdown_text(release.base_source, max_chars=_SOURCE_CHARS)} · "
        f"{_plural(release.commits, 'commit')} · "
        f"{_plural(len(release.changed_files), 'changed file')}"
    )


def _policy_line(decision: Decision) -> str:
    policy = decision.policy
    line = f"**Policy:** {markdown_text(policy.source, max_chars=_SOURCE_CHARS)}"
    if policy.digest:
        digest = (
            f"`{policy.digest}`"
            if _DIGEST.fullmatch(policy.digest)
            else markdown_text(policy.digest, max_chars=80)
        )
        line += f" · digest {digest}"
    line += " · trusted (base of the range)" if policy.trusted else " · ⚠️ **untrusted (--config)**"
    if policy.changed_in_range:
        line += " · ⚠️ **policy file changed in this range**"
    return line


def _location(finding: Finding, links: LinkBase | None) -> str:
    where = finding.path if finding.line < 1 else f"{finding.path}:{finding.line}"
    text = markdown_text(where, max_chars=_PATH_CHARS) or _DASH
    url = links.url_for(finding.path, finding.line, finding.end_line) if links else None
    return f"[{text}]({url})" if url else text


def _state(finding: Finding) -> str:
    if finding.blocking:
        state = "⛔ blocking"
    elif finding.waived:
        state = "🏳️ waived"
    else:
        state = "allowed"
    return state + (" · new" if finding.new else " · existing")


def _rule_cell(finding: Finding) -> str:
    cell = markdown_text(finding.rule_id, max_chars=40)
    if finding.rule_name:
        cell += " " + markdown_text(finding.rule_name, max_chars=60)
    cwes = [
        f"[CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html)"
        for cwe in finding.cwe
        if cwe > 0
    ]
    if cwes:
        cell += " (" + ", ".join(cwes) + ")"
    return cell


def _finding_row(finding: Finding, links: LinkBase | None) -> str:
    cells = [
        _severity_cell(finding.severity),
        _rule_cell(finding),
        _location(finding, links),
        markdown_text(finding.message, max_chars=_MESSAGE_CHARS),
        _state(finding),
    ]
    return "| " + " | ".join(cells) + " |"


def _finding_order(finding: Finding) -> tuple[bool, bool, int, str, int]:
    return (
        not finding.blocking,
        finding.waived,
        -finding.severity.rank,
        finding.path,
        finding.line,
    )


def _review_block(decision: Decision) -> _Block | None:
    """Per pull request (or commit, in git mode): who approved, what did not count and why."""
    for check in decision.checks:
        if check.result.stage is not Stage.REVIEW:
            continue
        header, rows = review_rows(check.result.evidence)
        if rows:
            return _Block(
                title=["### Reviews", ""],
                header=list(header),
                rows=rows,
                noun="reviewed change",
                nouns="reviewed changes",
                table=True,
            )
    return None


def render_markdown(
    decision: Decision, *, links: LinkBase | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """The summary as GitHub-flavoured Markdown, at most ``max_bytes`` bytes of UTF-8."""
    heading = _Block(title=[_heading(decision)])
    blocks: list[_Block] = [heading]

    view = blocking_view(decision)
    reasons = _Block(
        title=[f"**Blocking reasons ({len(view.headlines)}):**", ""],
        rows=["- " + markdown_text(line, max_chars=MESSAGE_CHARS) for line in view.headlines],
        noun="reason",
        nouns="reasons",
    )
    if view.headlines:
        blocks.append(reasons)
    blocking = _Block(
        title=["### Blocking findings", ""],
        rows=_blocking_rows(view),
        noun="line",
        nouns="lines",
    )
    if view.groups:
        blocks.append(blocking)

    alerts = _alerts(decision)
    if alerts:
        blocks.append(_Block(title=alerts))

    checks = _Block(
        title=["### Checks", ""],
        header=[
            "| Stage | Check | Status | Findings | Blocking | Duration |",
            "| --- | --- | --- | ---: | ---: | ---: |",
        ],
        rows=[_check_row(check) for check in decision.checks],
        noun="check",
        nouns="checks",
        table=True,
    )
    if not decision.checks:
        checks.title.append("No checks ran.")
    blocks.append(checks)

    blocks.append(
        _Block(
            title=[
                _counts_line(decision) + "  ",
                _release_line(decision) + "  ",
                _policy_line(decision),
            ]
        )
    )

    findings_sorted = sorted(decision.findings, key=_finding_order)
    findings = _Block(
        title=["### Findings", ""],
        header=[
            "| Severity | Rule | Location | Message | State |",
            "| --- | --- | --- | --- | --- |",
        ],
        rows=[_finding_row(finding, links) for finding in findings_sorted],
        noun="finding",
        nouns="findings",
        table=True,
    )
    if findings_sorted:
        blocks.append(findings)
    reviews = _review_block(decision)
    if reviews is not None:
        blocks.append(reviews)

    note_rows = [
        "- " + markdown_text(note.message, max_chars=MESSAGE_CHARS)
        for note in decision.notes[:MAX_NOTES_SHOWN]
    ]
    notes = _Block(
        title=["### Notes", ""],
        rows=note_rows,
        noun="note",
        nouns="notes",
        omitted=max(len(decision.notes) - MAX_NOTES_SHOWN, 0),
    )
    if note_rows:
        blocks.append(notes)

    trim = [
        findings,
        *([reviews] if reviews is not None else []),
        notes,
        blocking,
        checks,
        reasons,
    ]
    if _fit(blocks, trim, max_bytes):
        return _join(blocks)
    fallback = _join(
        [
            heading,
            _Block(
                title=[
                    f"_The summary does not fit in {max_bytes} bytes; "
                    "the JSON report has every reason and finding._"
                ]
            ),
        ]
    )
    if len(fallback.encode("utf-8")) > max_bytes:
        raise ValueError(f"max_bytes={max_bytes} is too small for even the verdict")
    return fallback
