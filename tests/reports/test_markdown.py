"""The Markdown summary: verdict first, inert untrusted text, never over the size limit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt

from releasegate.model import Decision, Reason, Severity, Stage, Status
from releasegate.reports import LinkBase, render_markdown
from releasegate.reports.blocking import FINDINGS_PER_CHECK
from releasegate.reports.escape import markdown_text
from releasegate.reports.markdown import GITHUB_SUMMARY_LIMIT

from .conftest import (
    COMMIT,
    bandit_evidence,
    bandit_finding,
    decision_of,
    judged,
    trusted_policy,
)

LINKS = LinkBase("https://github.com", "acme/shop", COMMIT)
FINDING_COLUMNS = 5
CHECK_COLUMNS = 6


def _unescaped_pipes(line: str) -> int:
    """Pipes GitHub would split a table row at: those not preceded by an odd run of ``\\``."""
    count = 0
    for index, char in enumerate(line):
        if char != "|":
            continue
        run = len(line[:index]) - len(line[:index].rstrip("\\"))
        count += run % 2 == 0
    return count


def _table_rows(text: str, header: str) -> list[str]:
    """The body rows of the table whose header line starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def _finding_rows(text: str) -> list[str]:
    return _table_rows(text, "| Severity |")


def test_first_line_is_the_verdict_with_commit_and_ref(
    block_decision: Decision, pass_decision: Decision
) -> None:
    blocked = render_markdown(block_decision).splitlines()[0]
    assert blocked == "## ⛔ Release blocked: `9fceb02d0ae5` (refs/tags/v2.4.0)"
    allowed = render_markdown(pass_decision).splitlines()[0]
    assert allowed.startswith("## ✅ Release allowed: `9fceb02d0ae5`")


def test_blocking_reasons_come_before_the_checks_table(block_decision: Decision) -> None:
    text = render_markdown(block_decision)
    reasons = text.index("**Blocking reasons (1):**")
    assert reasons < text.index("### Checks") < text.index("### Findings")
    assert "**Blocking reasons (1):**\n\n- bandit: 1 blocking finding\n" in text
    assert reasons < text.index("### Blocking findings") < text.index("### Checks")
    assert "- **bandit** (1 finding)\n  - bandit B602 (high severity" in text
    assert "([help](https://bandit.readthedocs.io/" in text


def test_pass_summary_has_no_blocking_reasons(pass_decision: Decision) -> None:
    text = render_markdown(pass_decision)
    assert "Blocking reasons" not in text
    assert "### Notes\n\n- performance: skipped: no benchmarks configured" in text


def test_every_blocking_reason_of_the_top_level_is_shown() -> None:
    reasons = tuple(
        Reason(message=f"custom check {i} failed", blocking=True, check="custom") for i in range(40)
    )
    decision = decision_of(
        (judged("custom", Stage.FUNCTIONAL, Status.FAIL, reasons=reasons),),
    )
    text = render_markdown(decision)
    bullets = [line for line in text.splitlines() if line.startswith("- custom check")]
    assert len(bullets) == 40
    assert "more reasons" not in text


def test_checks_table_shows_status_findings_and_duration(
    block_decision: Decision, error_decision: Decision, pass_decision: Decision
) -> None:
    assert _table_rows(render_markdown(block_decision), "| Stage |") == [
        "| static | bandit | ❌ fail | 3 | 1 | 3.4 s |",
        "| review | review | ✅ pass | 0 | 0 | 310 ms |",
    ]
    assert "| static | semgrep | 💥 error | 0 | 0 | 1 min 02 s |" in render_markdown(error_decision)
    assert "| performance | performance | ⏭️ skipped | 0 | 0 | 0 ms |" in render_markdown(
        pass_decision
    )


def test_counts_and_policy_are_stated(block_decision: Decision) -> None:
    text = render_markdown(block_decision)
    assert "**Findings:** 3 total · 1 blocking · 0 waived · 1 new (1 high, 1 medium, 1 low)" in text
    assert "**Policy:** .releasegate.yml at 4e1243bd22c6 · digest `sha256:abab" in text
    assert "trusted (base of the range)" in text
    assert "untrusted" not in text


def test_untrusted_and_changed_policy_are_flagged_loudly() -> None:
    decision = decision_of(
        (judged("bandit", Stage.STATIC, Status.PASS, evidence=bandit_evidence()),),
        policy=trusted_policy(source="--config ci/gate.yml", trusted=False, changed_in_range=True),
    )
    text = render_markdown(decision)
    assert "> [!WARNING]\n> **Policy untrusted (--config):** \\--config ci/gate.yml" in text
    assert "> [!CAUTION]\n> **The policy file changed in this range.**" in text
    assert "⚠️ **untrusted (--config)** · ⚠️ **policy file changed in this range**" in text
    # The alerts come before the tables, where nobody can miss them.
    assert text.index("[!WARNING]") < text.index("### Checks")


def test_findings_table_orders_blocking_first_and_links_locations(
    block_decision: Decision,
) -> None:
    rows = _finding_rows(render_markdown(block_decision, links=LINKS))
    assert len(rows) == 3
    assert rows[0].startswith("| 🔴 high | B602 subprocess\\_popen\\_with\\_shell\\_equals\\_true")
    assert "[CWE-78](https://cwe.mitre.org/data/definitions/78.html)" in rows[0]
    assert (
        "[src/shop/payments.py:41](https://github.com/acme/shop/blob/"
        f"{COMMIT}/src/shop/payments.py#L41-L42)"
    ) in rows[0]
    assert rows[0].endswith("| ⛔ blocking · new |")
    assert rows[1].startswith("| 🟠 medium | B608")
    assert rows[1].endswith("| allowed · existing |")


def test_locations_are_plain_text_without_a_link_base(block_decision: Decision) -> None:
    rows = _finding_rows(render_markdown(block_decision))
    assert "| src/shop/payments.py:41 |" in rows[0]
    assert "](" not in rows[0].replace("](https://cwe.mitre.org", "")


def test_waived_findings_are_marked(waived_decision: Decision) -> None:
    [row] = _finding_rows(render_markdown(waived_decision))
    assert row.endswith("| 🏳️ waived · existing |")


@pytest.mark.parametrize(
    ("links", "path"),
    [
        (LINKS, "../../../attacker/repo/blob/main/x.py"),
        (LINKS, "src/./x.py"),
        (LINKS, "/etc/passwd"),
        (LINKS, "src\\x.py"),
        (LinkBase("javascript:alert(1)//", "acme/shop", COMMIT), "src/x.py"),
        (LinkBase("https://github.com", "acme/shop/../../evil", COMMIT), "src/x.py"),
        (LinkBase("https://github.com", "acme/shop", "main)(javascript:x"), "src/x.py"),
    ],
)
def test_no_link_is_built_from_unsafe_parts(links: LinkBase, path: str) -> None:
    assert links.url_for(path, 3) is None
    decision = decision_of(
        (judged("bandit", Stage.STATIC, Status.FAIL, (bandit_finding(path=path, line=3),)),)
    )
    [row] = _finding_rows(render_markdown(decision, links=links))
    assert "](" not in row.replace("](https://cwe.mitre.org", "")


def test_link_paths_are_percent_encoded() -> None:
    url = LINKS.url_for("src/my dir/(a)|b#c.py", 7)
    assert url == (f"https://github.com/acme/shop/blob/{COMMIT}/src/my%20dir/%28a%29%7Cb%23c.py#L7")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("| col | break |", "\\| col \\| break \\|"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("[link](javascript:alert(1))", "\\[link\\](javascript:alert(1))"),
        (
            "see https://evil.example or www.evil.example",
            "see https\\://evil.example or www\\.evil.example",
        ),
        ("- not a list", "\\- not a list"),
        ("    not code", "not code"),
        ("   - not a list either", "\\- not a list either"),
        ("1. not a list", "1\\. not a list"),
        ("requests>=2.31 (fixes 3).", "requests&gt;=2.31 (fixes 3)."),
        ("@everyone", "@\u200deveryone"),
        ("a\nb\r\nc", "a b  c"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("`x` *y* _z_ ~w~", "\\`x\\` \\*y\\* \\_z\\_ \\~w\\~"),
        ("# h", "\\# h"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),
        ("back\\slash", "back\\\\slash"),
        ("$x$", "\\$x\\$"),
        ("\u202eevil", "\ufffdevil"),
    ],
)
def test_markdown_text_escapes(raw: str, escaped: str) -> None:
    assert markdown_text(raw) == escaped


def test_hostile_text_cannot_break_tables_or_inject_markup(hostile_decision: Decision) -> None:
    text = render_markdown(hostile_decision, links=LINKS)
    for raw in ("<script>", "<img", "\x1b", "\r", "@everyone"):
        assert raw not in text
    assert not re.search(r"(?<!\\)\]\(javascript", text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "@\u200deveryone" in text
    rows = _finding_rows(text)
    assert len(rows) == 2
    for row in rows:
        assert _unescaped_pipes(row) == FINDING_COLUMNS + 1
    for row in _table_rows(text, "| Stage |"):
        assert _unescaped_pipes(row) == CHECK_COLUMNS + 1
    # Only our own links: the safe path and CWE pages.
    targets = re.findall(r"(?<!\\)\]\(([^)]*)\)", text)
    assert targets and all(
        t.startswith(
            (
                "https://cwe.mitre.org/",
                f"https://github.com/acme/shop/blob/{COMMIT}/",
                "https://bandit.readthedocs.io/",  # the tool's help link
            )
        )
        for t in targets
    )
    # The ../ path is shown but not linked.
    assert "../../../attacker/repo/blob/main/x.py:3 |" in text


def test_hostile_ref_stays_inside_the_heading(hostile_decision: Decision) -> None:
    heading, blank, *_ = render_markdown(hostile_decision).splitlines()
    assert heading.startswith("## ⛔ Release blocked: `9fceb02d0ae5` (refs/heads/")
    assert heading.endswith("::set-output name=x::y)")
    assert blank == ""


def test_no_line_can_read_as_a_workflow_command(hostile_decision: Decision) -> None:
    lines = render_markdown(hostile_decision).splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::")]


def test_summary_with_thousands_of_findings_fits_the_limit(
    many_findings: Callable[[int], Decision],
) -> None:
    decision = many_findings(4000)
    max_bytes = 200_000
    text = render_markdown(decision, links=LINKS, max_bytes=max_bytes)
    assert len(text.encode("utf-8")) <= max_bytes
    assert text.splitlines()[0] == "## ⛔ Release blocked: `9fceb02d0ae5` (refs/tags/v2.4.0)"
    rows = _finding_rows(text)
    assert 0 < len(rows) < 4000
    assert all(_unescaped_pipes(row) == FINDING_COLUMNS + 1 and row.endswith(" |") for row in rows)
    match = re.search(r"_…and (\d+) more findings not shown: the summary has a size limit", text)
    assert match is not None
    assert int(match.group(1)) + len(rows) == 4000
    # What was dropped is the end of the table: the rows kept are the first ones.
    assert "module\\_00000.py" in rows[0]
    # The blocking findings are capped per check and say how many were left out.
    assert f"  - …and {4000 - FINDINGS_PER_CHECK} more in bandit" in text


def test_default_limit_is_below_githubs_step_summary_limit(
    many_findings: Callable[[int], Decision],
) -> None:
    text = render_markdown(many_findings(6000))
    size = len(text.encode("utf-8"))
    assert size <= 1_000_000 < GITHUB_SUMMARY_LIMIT
    assert size > 900_000  # it fills the space rather than dropping everything
    assert "more findings not shown" in text


def test_size_is_counted_in_bytes_not_characters() -> None:
    findings = tuple(
        bandit_finding(message="é" * 180, fingerprint=f"{i:032x}", path=f"m{i}.py")
        for i in range(300)
    )
    decision = decision_of((judged("bandit", Stage.STATIC, Status.FAIL, findings),))
    text = render_markdown(decision, max_bytes=50_000)
    assert len(text) < 50_000 < len(text) * 2
    assert len(text.encode("utf-8")) <= 50_000


def test_tiny_limits_drop_tables_before_the_verdict(
    many_findings: Callable[[int], Decision],
) -> None:
    decision = many_findings(50)
    text = render_markdown(decision, max_bytes=1500)
    assert len(text.encode("utf-8")) <= 1500
    assert text.startswith("## ⛔ Release blocked:")
    assert "_…and 50 more findings not shown" in text
    assert "| Severity |" not in text  # an empty table is left out entirely
    assert "| static | bandit | ❌ fail | 50 | 50 | 1.2 s |" in text  # checks outlive findings
    assert "\n\n\n" not in text
    smallest = render_markdown(decision, max_bytes=300)
    assert smallest.startswith("## ⛔ Release blocked:")
    assert len(smallest.encode("utf-8")) <= 300
    with pytest.raises(ValueError, match="too small"):
        render_markdown(decision, max_bytes=40)


def test_severity_labels_cover_every_severity() -> None:
    findings = tuple(
        bandit_finding(severity=severity, fingerprint=severity.value, blocking=False)
        for severity in Severity
    )
    decision = decision_of((judged("bandit", Stage.STATIC, Status.PASS, findings),))
    labels = [row.split(" | ")[0] for row in _finding_rows(render_markdown(decision))]
    assert labels == ["| 🟣 critical", "| 🔴 high", "| 🟠 medium", "| 🟡 low", "| ⚪ info"]


def test_rendering_is_deterministic(hostile_decision: Decision) -> None:
    assert render_markdown(hostile_decision, links=LINKS) == render_markdown(
        hostile_decision, links=LINKS
    )


def test_a_real_markdown_renderer_finds_nothing_active_in_hostile_text(
    hostile_decision: Decision,
) -> None:
    """markdown-it (CommonMark with GitHub's tables and strikethrough) renders the summary:
    the only links are ours, and the hostile markup stays text."""
    html = (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .render(render_markdown(hostile_decision, links=LINKS))
    )
    for tag in ("<script", "<img", "<del>", "<s>", "<h1", "<h2>release", "<ol"):
        assert tag not in html.lower(), tag
    targets = re.findall(r'<a href="([^"]*)"', html)
    assert targets and all(
        t.startswith(
            (
                "https://cwe.mitre.org/",
                f"https://github.com/acme/shop/blob/{COMMIT}/",
                "https://bandit.readthedocs.io/",
            )
        )
        for t in targets
    ), targets
    assert "**bold**" in html and "~~strike~~" in html  # shown, not applied
