"""In-code suppressions are governed: justified ones waive and are listed, bare ones block."""

from __future__ import annotations

from pathlib import Path

import pytest
from rg_testlib import VULNERABLE_APP, GitRepo, check, load_report, releasegate

from releasegate.model import Confidence, Finding, Severity
from releasegate.suppression_comments import apply, find_suppressions, parse_comment


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# nosec", ("nosec", (), "")),
        ("# nosec B602", ("nosec", ("B602",), "")),
        (
            "# nosec B602, B607 -- argv is a constant list",
            ("nosec", ("B602", "B607"), "argv is a constant list"),
        ),
        ("# nosemgrep", ("nosemgrep", (), "")),
        (
            "# nosemgrep: releasegate.python.sqli.formatted-sql-to-execute -- from allow-list",
            (
                "nosemgrep",
                ("releasegate.python.sqli.formatted-sql-to-execute",),
                "from allow-list",
            ),
        ),
        ("# noqa: E501  # nosec B101 -- test helper", ("nosec", ("B101",), "test helper")),
        ("# nosec because I said so", ("nosec", ("because", "I", "said", "so"), "")),
        ("# a normal comment", None),
    ],
)
def test_parse_comment(comment: str, expected: tuple[str, tuple[str, ...], str] | None) -> None:
    assert parse_comment(comment) == expected


def test_markers_inside_strings_are_not_suppressions(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('x = "# nosec"\ny = 1  # nosec B101 -- fixture\n')
    [found] = find_suppressions(tmp_path, ["a.py"])
    assert (found.line, found.rule_ids, found.justified) == (2, ("B101",), True)


def _finding(tool: str, rule: str, line: int) -> Finding:
    return Finding(
        tool=tool,
        rule_id=rule,
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        path="a.py",
        line=line,
        message="m",
        fingerprint=f"{tool}{rule}{line}",
    )


def test_a_justified_suppression_waives_only_its_rule_on_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import subprocess\n"
        "subprocess.call(c, shell=True)  # nosec B602 -- c is a constant\n"
        "# nosemgrep: acme.rule -- reviewed\n"
        "danger()\n"
    )
    sups = find_suppressions(tmp_path, ["a.py"])
    findings = [
        _finding("bandit", "B602", 2),
        _finding("bandit", "B603", 2),
        _finding("bandit", "B602", 4),
        _finding("semgrep", "acme.rule", 4),
        _finding("semgrep", "acme.other", 4),
    ]
    waived = [f.waived for f in apply(findings, sups)]
    assert waived == [True, False, False, True, False]


def test_bare_nosec_on_a_vulnerable_line_blocks_as_unjustified(
    repo: GitRepo, tmp_path: Path
) -> None:
    app = VULNERABLE_APP.replace(
        "subprocess.call(cmd, shell=True)", "subprocess.call(cmd, shell=True)  # nosec"
    )
    repo.commit("app", **{"app.py": app})
    out = tmp_path / "r.json"
    done = releasegate("run", "--repo", str(repo.root), "--only", "static", "--json", str(out))
    assert done.returncode == 1
    report = load_report(out)
    sup = check(report, "suppressions")
    [unjustified] = sup["findings"]
    assert unjustified["rule_id"] == "releasegate.unjustified-suppression"
    assert unjustified["blocking"] is True and unjustified["line"] == 7
    # and the suppression suppressed nothing: B602 still blocks
    assert any(
        f["rule_id"] == "B602" and f["blocking"] for f in check(report, "bandit")["findings"]
    )


def test_justified_nosec_waives_and_is_listed_with_its_author(
    repo: GitRepo, tmp_path: Path
) -> None:
    app = VULNERABLE_APP.replace(
        "subprocess.call(cmd, shell=True)",
        "subprocess.call(cmd, shell=True)  # nosec B602 -- input is validated by run()'s caller",
    )
    repo.commit("app", **{"app.py": app})
    out = tmp_path / "r.json"
    done = releasegate("run", "--repo", str(repo.root), "--only", "static", "--json", str(out))
    report = load_report(out)
    assert done.returncode == 0, report["reasons"]
    [b602] = [f for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"]
    assert b602["waived"] is True and b602["blocking"] is False
    sup = check(report, "suppressions")
    [listed] = sup["findings"]
    assert listed["rule_id"] == "releasegate.justified-suppression"
    assert listed["waived"] is True
    assert "input is validated" in listed["message"]
    assert "Test Author" in listed["message"]
    assert sup["evidence"]["justified"][0]["added_by"].startswith("Test Author")
