"""The terminal report: a verdict table, the reasons, the verdict last, nothing executable."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from releasegate.model import Decision, Reason, Stage, Status
from releasegate.reports import render_terminal
from releasegate.reports.blocking import FINDINGS_PER_CHECK
from releasegate.reports.escape import clean_text, terminal_text

from .conftest import bandit_finding, decision_of, fingerprint, judged, trusted_policy


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _row(text: str, check: str) -> list[str]:
    [line] = [line for line in text.splitlines() if line.startswith(check + " ")]
    return line.split()


def test_verdict_line_is_last(block_decision: Decision, pass_decision: Decision) -> None:
    assert _lines(render_terminal(block_decision))[-1] == (
        "✗ BLOCKED: release of 9fceb02d0ae5 may not ship (1 blocking reason)"
    )
    assert _lines(render_terminal(pass_decision))[-1] == (
        "✓ PASSED: release of 9fceb02d0ae5 may ship"
    )


def test_table_lists_every_check_with_status_counts_and_time(
    block_decision: Decision, error_decision: Decision, pass_decision: Decision
) -> None:
    text = render_terminal(block_decision)
    header = next(line for line in text.splitlines() if line.startswith("Check"))
    assert header.split() == ["Check", "Stage", "Status", "Findings", "Blocking", "Time"]
    assert _row(text, "bandit") == ["bandit", "static", "FAIL", "3", "1", "3.4", "s"]
    assert _row(text, "review") == ["review", "review", "pass", "0", "0", "310", "ms"]
    assert _row(render_terminal(error_decision), "semgrep")[:5] == [
        "semgrep",
        "static",
        "ERROR",
        "0",
        "0",
    ]
    assert _row(render_terminal(pass_decision), "performance")[:3] == [
        "performance",
        "performance",
        "skipped",
    ]


def test_blocking_reasons_then_the_findings_by_check(block_decision: Decision) -> None:
    lines = render_terminal(block_decision).splitlines()
    start = lines.index("Blocking reasons:")
    assert lines[start + 1] == "  ✗ bandit: 1 blocking finding"
    findings = lines.index("bandit: 1 blocking finding:")
    assert findings > start
    first = lines[findings + 1]
    assert first.startswith("  ✗ bandit B602 (high severity, high confidence) at src/")
    # bandit's help link is shown under the finding.
    assert any(line.startswith("    help: https://bandit.readthedocs.io/") for line in lines)


def test_pass_report_has_no_reasons_but_shows_notes(pass_decision: Decision) -> None:
    text = render_terminal(pass_decision)
    assert "Blocking reasons:" not in text
    assert "Notes:\n  • performance: skipped: no benchmarks configured\n" in text


def test_every_blocking_check_is_shown_however_many_findings_come_first() -> None:
    """60 findings over four checks: each check's line, every fix; findings capped per check."""

    def many(check: str, n: int) -> tuple:  # type: ignore[type-arg]
        return tuple(
            bandit_finding(
                tool=check,
                path=f"src/{check}_{i}.py",
                message=f"problem {i} of {check} " + "words " * 60 + f"FIX-{check}-{i}",
                fingerprint=fingerprint(check, i),
            )
            for i in range(n)
        )

    checks = tuple(
        judged(name, stage, Status.FAIL, many(name, n))
        for name, stage, n in (
            ("bandit", Stage.STATIC, 30),
            ("semgrep", Stage.STATIC, 20),
            ("dependencies", Stage.DEPENDENCIES, 8),
            ("custom", Stage.CUSTOM, 2),
        )
    )
    signoff = judged(
        "signoff",
        Stage.SIGNOFF,
        Status.FAIL,
        reasons=(
            Reason(
                message="signoff: no security sign-off for this commit (run `releasegate signoff`)",
                blocking=True,
                check="signoff",
            ),
        ),
    )
    text = render_terminal(decision_of((*checks, signoff)), width=100)
    start = text.index("Blocking reasons:")
    head = text[start : text.index("\n\n", start)]
    for line in ("bandit: 30 blocking findings", "semgrep: 20 blocking findings",
                 "dependencies: 8 blocking findings", "custom: 2 blocking findings",
                 "signoff: no security sign-off"):  # fmt: skip
        assert line in head, line
    flat = " ".join(text.split())
    for name, n in (("bandit", 30), ("semgrep", 20), ("dependencies", 8), ("custom", 2)):
        shown = min(n, FINDINGS_PER_CHECK)
        for i in range(shown):
            assert f"FIX-{name}-{i}" in flat, (name, i)  # the whole message, fix included
        assert f"FIX-{name}-{shown}" not in flat
        if n > shown:
            assert f"…and {n - shown} more (the JSON report lists them all)" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_untrusted_policy_is_flagged() -> None:
    decision = decision_of(
        (judged("bandit", Stage.STATIC, Status.PASS),),
        policy=trusted_policy(source="ci/gate.yml", trusted=False, changed_in_range=True),
    )
    text = render_terminal(decision)
    assert "! policy untrusted (--config): ci/gate.yml" in text
    assert "! the policy file changed in this range" in text


def test_plain_output_has_no_escape_codes_even_from_hostile_text(
    hostile_decision: Decision,
) -> None:
    text = render_terminal(hostile_decision)
    assert "\x1b" not in text and "\x9b" not in text and "\r" not in text
    assert "red" in text  # the text of "\x1b[31mred" survives, the escape does not


def test_colour_output_uses_escape_codes_only_for_our_styles(hostile_decision: Decision) -> None:
    text = render_terminal(hostile_decision, color=True)
    assert "\x1b[1;31m" in text  # the verdict in bold red
    assert "\x1b[31mred" not in text
    assert "\x1b[2J" not in text and "\x1b]8;;" not in text


def test_rich_markup_in_untrusted_text_stays_literal(hostile_decision: Decision) -> None:
    text = render_terminal(hostile_decision, width=400)
    assert "[bold red]markup[/bold red]" in text
    assert "[link](javascript:alert(1))" in text


def test_no_line_can_read_as_a_workflow_command(hostile_decision: Decision) -> None:
    for width in (40, 80, 100, 400):
        text = render_terminal(hostile_decision, width=width)
        assert "::" not in text
        assert "##[" not in text
        assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]


def test_lines_fit_the_width(hostile_decision: Decision) -> None:
    for width in (40, 72, 120):
        lines = render_terminal(hostile_decision, width=width).splitlines()
        assert max(cell_len(line) for line in lines) <= width


def test_output_does_not_depend_on_the_environment(
    block_decision: Decision, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = render_terminal(block_decision, width=100)
    monkeypatch.setenv("COLUMNS", "30")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert render_terminal(block_decision, width=100) == plain
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" in render_terminal(block_decision, width=100, color=True)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "click"),
        ("a\x1b[2Jb", "ab"),
        ("\x9b31mred", "red"),
        ("tab\there\nnewline\rcr", "tab here newline cr"),
        ("bell\x07 nul\x00", "bell\ufffd nul\ufffd"),
        ("\u202eevil\u202c", "\ufffdevil\ufffd"),
        ("lone \udcff surrogate", "lone \ufffd surrogate"),
    ],
)
def test_clean_text_removes_escapes_and_controls(raw: str, shown: str) -> None:
    assert clean_text(raw) == shown


def test_terminal_text_breaks_workflow_commands() -> None:
    assert terminal_text("::set-output name=x::y") == ":\u2060:set-output name=x:\u2060:y"
    assert terminal_text("##[error]boom") == "#\u2060#[error]boom"
    assert terminal_text("x" * 50, max_chars=10) == "x" * 9 + "…"


def test_output_ends_with_a_newline_and_is_deterministic(block_decision: Decision) -> None:
    text = render_terminal(block_decision)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert text == render_terminal(block_decision)
