"""The one convention for the tools a check ran: ``<tool>_version`` in its evidence."""

from __future__ import annotations

from releasegate.model import CheckResult, Stage, Status, tool_versions


def test_tool_versions_are_read_two_levels_deep_and_the_first_wins() -> None:
    result = CheckResult(
        id="dependencies",
        stage=Stage.DEPENDENCIES,
        status=Status.PASS,
        evidence={
            "semgrep_version": "1.2.3",
            "audit": {"pip_audit_version": "2.9.0", "deeper": {"x_version": "1"}},
            "empty_version": "",
            "count_version": 3,
            "nested": {"semgrep_version": "9.9.9"},
        },
    )
    assert tool_versions(result) == {"semgrep": "1.2.3", "pip_audit": "2.9.0", "x": "1"}


def test_a_check_without_tools_has_none() -> None:
    result = CheckResult(id="review", stage=Stage.REVIEW, status=Status.PASS, evidence={"a": 1})
    assert tool_versions(result) == {}
