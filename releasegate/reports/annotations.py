"""GitHub Actions workflow commands for a Decision: ``::error file=...,line=...::msg``.

A workflow command is a line of the job log that the runner interprets, so
every value in it is untrusted text put through GitHub's escaping rules
(``actions/toolkit``'s ``command.ts``): in the message ``%`` becomes ``%25``,
CR ``%0D`` and LF ``%0A``; in a property value also ``:`` becomes ``%3A`` and
``,`` ``%2C``. With those rules a value cannot end its property, its command
or its line, so a hostile finding message such as ``x%0A::set-output
name=a::b`` is shown as text and never becomes a command. Control characters
and terminal escape sequences are removed first (``clean_text``), and ``::`` in a
message is split with an invisible word joiner.

GitHub renders at most 10 error and 10 warning annotations per step; the rest
would be dropped silently. ``render_annotations`` emits at most that many of
each, most important first, and then one ``::notice::`` that says how many
were left out and where the full report is.
"""

from __future__ import annotations

from dataclasses import dataclass

from releasegate.model import Decision, Finding, Reason, Severity
from releasegate.reports.escape import clean_text, shorten

MAX_ERRORS = 10
MAX_WARNINGS = 10
_MESSAGE_CHARS = 1000
_TITLE_CHARS = 200
_PATH_CHARS = 500
_WORD_JOINER = "\u2060"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as ``escape_data``, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(text: str) -> str:
    # "::" is split with a word joiner as well (as in terminal output): not needed by
    # GitHub's parser, but a runner that matched the command line greedily could
    # otherwise take part of the message for the command's properties.
    cleaned = shorten(clean_text(text), _MESSAGE_CHARS).replace("::", ":" + _WORD_JOINER + ":")
    return escape_data(cleaned)


@dataclass(frozen=True, kw_only=True)
class Annotation:
    """One annotation: ``level`` is ``error``, ``warning`` or ``notice``."""

    level: str
    message: str
    title: str = ""
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    column: int | None = None

    def command(self) -> str:
        """The workflow command line (without the trailing newline)."""
        properties: list[str] = []
        if self.path:
            properties.append(
                f"file={escape_property(shorten(clean_text(self.path), _PATH_CHARS))}"
            )
            if self.line is not None and self.line >= 1:
                properties.append(f"line={self.line}")
                if self.end_line is not None and self.end_line >= self.line:
                    properties.append(f"endLine={self.end_line}")
                if self.column is not None and self.column >= 1:
                    properties.append(f"col={self.column}")
        if self.title:
            properties.append(
                f"title={escape_property(shorten(clean_text(self.title), _TITLE_CHARS))}"
            )
        joined = " " + ",".join(properties) if properties else ""
        return f"::{self.level}{joined}::{_message(self.message)}"


def _finding_annotation(finding: Finding, level: str) -> Annotation:
    state = "blocking" if finding.blocking else "not blocking"
    return Annotation(
        level=level,
        title=f"releasegate: {finding.rule_id} ({finding.severity.value}, {state})",
        message=f"{finding.tool} {finding.rule_id}: {finding.message}",
        path=finding.path or None,
        line=finding.line if finding.line >= 1 else None,
        end_line=finding.end_line,
        column=finding.column,
    )


def _order(finding: Finding) -> tuple[int, str, int, str]:
    return (-finding.severity.rank, finding.path, finding.line, finding.rule_id)


def _reason_without_finding(reason: Reason) -> bool:
    """A blocking reason that no finding annotation shows (a check error, a rule)."""
    return reason.finding is None and not any(child.finding for child in reason.children)


def collect_annotations(decision: Decision) -> list[Annotation]:
    """Every annotation the decision calls for, most important first per level.

    Errors: blocking reasons that are not about a finding (an erroring check, a
    dirty work tree...), then blocking findings. Warnings: findings that do not
    block, are new and are not waived (waived and baselined findings were
    accepted, and stay in the report only).
    """
    errors = [
        Annotation(level="error", title="releasegate: blocked", message=reason.message)
        for reason in decision.blocking_reasons
        if _reason_without_finding(reason)
    ]
    findings = sorted(decision.findings, key=_order)
    errors += [_finding_annotation(f, "error") for f in findings if f.blocking]
    warnings = [
        _finding_annotation(f, "warning")
        for f in findings
        if not f.blocking and f.new and not f.waived and f.severity > Severity.INFO
    ]
    return [*errors, *warnings]


def render_annotations(decision: Decision, *, report: str | None = None) -> str:
    """The workflow commands to print, capped at what GitHub renders per step.

    ``report`` names where the full report is (a path or URL) for the pointer
    that replaces what was left out.
    """
    every = collect_annotations(decision)
    errors = [a for a in every if a.level == "error"]
    warnings = [a for a in every if a.level == "warning"]
    shown = [*errors[:MAX_ERRORS], *warnings[:MAX_WARNINGS]]
    lines = [a.command() for a in shown]
    left_errors = max(len(errors) - MAX_ERRORS, 0)
    left_warnings = max(len(warnings) - MAX_WARNINGS, 0)
    if left_errors or left_warnings:
        where = f" in {report}" if report else " in the JSON report (--json) and the step summary"
        lines.append(
            Annotation(
                level="notice",
                title="releasegate: more findings",
                message=f"{left_errors} more error(s) and {left_warnings} more warning(s) are "
                f"not annotated (GitHub shows {MAX_ERRORS} of each per step); every reason "
                f"and finding is{where}",
            ).command()
        )
    return "".join(line + "\n" for line in lines)
