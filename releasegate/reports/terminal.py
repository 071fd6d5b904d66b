"""The terminal report: a table of checks, the blocking reasons, the verdict last.

Every check that blocks gets its line, then the blocking findings by check, each
with its whole message and help link (``releasegate.reports.blocking``).

Untrusted text is cleaned of escape sequences and control characters (a
finding message must not be able to rewrite the terminal or a CI log) and is
only ever handed to rich as ``Text``, so rich markup in it stays literal.
The console is built from the arguments alone: no environment variable
(``COLUMNS``, ``NO_COLOR``, ``FORCE_COLOR``, ``TERM``) changes the output.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from typing_extensions import assert_never

from releasegate.model import Decision, JudgedCheck, Status, Verdict
from releasegate.reports.blocking import MESSAGE_CHARS, blocking_view
from releasegate.reports.escape import terminal_text
from releasegate.reports.markdown import format_duration

MAX_NOTES = 20
MIN_WIDTH = 40


def _status(status: Status) -> Text:
    if status is Status.PASS:
        return Text("pass", style="green")
    if status is Status.FAIL:
        return Text("FAIL", style="bold red")
    if status is Status.ERROR:
        return Text("ERROR", style="bold red")
    if status is Status.SKIPPED:
        return Text("skipped", style="dim")
    assert_never(status)


def _table(checks: tuple[JudgedCheck, ...]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=None, show_edge=False, pad_edge=False)
    table.add_column("Check", overflow="fold")
    table.add_column("Stage")
    table.add_column("Status")
    table.add_column("Findings", justify="right")
    table.add_column("Blocking", justify="right")
    table.add_column("Time", justify="right")
    for check in checks:
        blocking = sum(1 for f in check.findings if f.blocking)
        table.add_row(
            Text(terminal_text(check.id, max_chars=60)),
            Text(check.stage.value),
            _status(check.status),
            Text(str(len(check.findings))),
            Text(str(blocking), style="bold red" if blocking else ""),
            Text(format_duration(check.result.duration_seconds)),
        )
    return table


def _bullets(rows: list[tuple[int, Text, str]], omitted: int = 0) -> Group:
    """Bulleted lines with a hanging indent, so wrapped text never starts a log line."""
    lines: list[Table] = []
    for depth, bullet, message in rows:
        grid = Table.grid(padding=(0, 1, 0, 0))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(Text("  " * (depth + 1)) + bullet, Text(message))
        lines.append(grid)
    if omitted:
        grid = Table.grid()
        grid.add_row(Text(f"  …and {omitted} more (the JSON report lists them all)"))
        lines.append(grid)
    return Group(*lines)


def _safe(text: str) -> str:
    return terminal_text(text, max_chars=MESSAGE_CHARS)


def _blocking_sections(decision: Decision) -> list[tuple[str, Group]]:
    """Every blocking reason of the top level, then the blocking findings by check."""
    view = blocking_view(decision)
    if not view.headlines:
        return []
    cross = Text("✗", style="red")
    sections = [
        ("Blocking reasons:", _bullets([(0, cross, _safe(line)) for line in view.headlines]))
    ]
    for group in view.groups:
        rows: list[tuple[int, Text, str]] = []
        for row in group.rows:
            rows.append((0, cross, _safe(row.message)))
            if row.help_uri:
                rows.append((1, Text("help:"), _safe(row.help_uri)))
            if row.owners:
                rows.append((1, Text("owner:"), _safe(", ".join(row.owners))))
            rows.extend((1, Text("↳"), _safe(detail)) for detail in row.details)
        count = group.count
        title = f"{terminal_text(group.check, max_chars=60)}: {count} blocking finding"
        sections.append((title + ("s:" if count != 1 else ":"), _bullets(rows, group.omitted)))
    return sections


def _header(decision: Decision) -> Text:
    release = decision.release
    text = Text()
    text.append(f"releasegate {terminal_text(decision.tool_version, max_chars=40)}", style="bold")
    text.append(f" · commit {terminal_text(release.commit[:12], max_chars=12)}")
    if release.ref:
        text.append(f" ({terminal_text(release.ref, max_chars=80)})")
    base = "none" if release.base is None else terminal_text(release.base[:12], max_chars=12)
    text.append(
        f" · base {base} ({terminal_text(release.base_source, max_chars=60)})"
        f" · {release.commits} commit{'s' if release.commits != 1 else ''}"
    )
    return text


def _policy_warnings(decision: Decision) -> list[Text]:
    policy = decision.policy
    lines: list[Text] = []
    if not policy.trusted:
        lines.append(
            Text(
                f"! policy untrusted (--config): {terminal_text(policy.source, max_chars=200)}"
                " is not the base's policy; this is not a certification",
                style="bold yellow",
            )
        )
    if policy.changed_in_range:
        lines.append(
            Text(
                "! the policy file changed in this range: the change needs security sign-off",
                style="bold yellow",
            )
        )
    return lines


def _verdict(decision: Decision) -> Text:
    commit = terminal_text(decision.release.commit[:12], max_chars=12)
    if decision.verdict is Verdict.BLOCK:
        count = len(decision.blocking_reasons)
        return Text(
            f"✗ BLOCKED: release of {commit} may not ship "
            f"({count} blocking reason{'s' if count != 1 else ''})",
            style="bold red",
        )
    if decision.verdict is Verdict.PASS:
        return Text(f"✓ PASSED: release of {commit} may ship", style="bold green")
    if decision.verdict is Verdict.PARTIAL_PASS:
        return Text(
            f"✓ CHECKS PASSED for {commit}: not a release certification "
            f"(not run: {terminal_text(', '.join(decision.not_run), max_chars=200)})",
            style="bold yellow",
        )
    assert_never(decision.verdict)


def render_terminal(decision: Decision, *, width: int = 100, color: bool = False) -> str:
    """The report for a terminal or CI log; plain text (no escape codes) unless ``color``."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(width, MIN_WIDTH),
        color_system="standard" if color else None,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        no_color=not color,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
        legacy_windows=False,
        _environ={},
    )
    console.print(_header(decision))
    for warning in _policy_warnings(decision):
        console.print(warning)
    console.print()
    if decision.checks:
        console.print(_table(decision.checks))
        console.print()
    else:
        console.print(Text("No checks ran."))
        console.print()
    for title, lines in _blocking_sections(decision):
        console.print(Text(title, style="bold"))
        console.print(lines)
        console.print()
    if decision.notes:
        console.print(Text("Notes:", style="bold"))
        rows = [(0, Text("•"), _safe(note.message)) for note in decision.notes[:MAX_NOTES]]
        console.print(_bullets(rows, max(len(decision.notes) - MAX_NOTES, 0)))
        console.print()
    console.print(_verdict(decision))
    text = buffer.getvalue()
    if not color:
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text
