"""SARIF: valid 2.1.0 and carrying what GitHub code scanning needs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from rg_testlib import SARIF_SCHEMA

from releasegate.model import Decision, Severity, Stage, Status
from releasegate.reports import render_sarif
from releasegate.reports.sarif import FINGERPRINT_KEY, artifact_uri, security_severity

from .conftest import (
    BANDIT_VERSION,
    COMMIT,
    bandit_evidence,
    bandit_finding,
    decision_of,
    judged,
    random_finding,
    release,
    sql_finding,
)


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _sarif(decision: Decision) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_sarif(decision))
    return data


def _run(log: dict[str, Any], name: str) -> dict[str, Any]:
    [run] = [r for r in log["runs"] if r["tool"]["driver"]["name"] == name]
    found: dict[str, Any] = run
    return found


def _errors(validator: Any, instance: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_every_rendered_log_validates_against_the_sarif_schema(
    validator: Any, any_decision: Decision
) -> None:
    log = _sarif(any_decision)
    assert log["version"] == "2.1.0"
    assert _errors(validator, log) == []


def test_the_validator_does_reject_broken_sarif(validator: Any, block_decision: Decision) -> None:
    log = _sarif(block_decision)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(validator, log) != []


def test_one_run_per_tool_and_empty_runs_for_checks_without_findings(
    block_decision: Decision,
) -> None:
    log = _sarif(block_decision)
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["bandit", "review"]
    assert len(_run(log, "bandit")["results"]) == 3
    assert _run(log, "review")["results"] == []


def test_skipped_checks_get_no_run(pass_decision: Decision) -> None:
    names = [r["tool"]["driver"]["name"] for r in _sarif(pass_decision)["runs"]]
    assert names == ["bandit", "review"]


def test_findings_are_grouped_by_their_tool_not_their_check() -> None:
    semgrep = bandit_finding(tool="semgrep", rule_id="python.lang.security.audit.eval")
    decision = decision_of(
        (
            judged(
                "static-scan",
                Stage.STATIC,
                Status.FAIL,
                (bandit_finding(), semgrep),
                evidence=bandit_evidence(),
            ),
        )
    )
    log = _sarif(decision)
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["bandit", "semgrep"]
    ids = [r["automationDetails"]["id"] for r in log["runs"]]
    assert ids == ["releasegate/bandit/", "releasegate/semgrep/"]


def test_driver_version_comes_from_evidence_when_known(block_decision: Decision) -> None:
    log = _sarif(block_decision)
    bandit = _run(log, "bandit")["tool"]["driver"]
    assert bandit["version"] == BANDIT_VERSION
    assert bandit["informationUri"] == "https://bandit.readthedocs.io/"
    review = _run(log, "review")["tool"]["driver"]
    assert "version" not in review
    assert "informationUri" not in review


def test_each_rule_is_described_once_with_github_metadata(block_decision: Decision) -> None:
    decision = decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.FAIL,
                (bandit_finding(), bandit_finding(line=90, fingerprint="f" * 32), sql_finding()),
                evidence=bandit_evidence(),
            ),
        )
    )
    rules = _run(_sarif(decision), "bandit")["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["B602", "B608"]
    b602 = rules[0]
    assert b602["name"] == "subprocess_popen_with_shell_equals_true"
    assert b602["shortDescription"]["text"] == "subprocess_popen_with_shell_equals_true"
    assert b602["fullDescription"]["text"].startswith("subprocess call with shell=True")
    assert "B602" in b602["help"]["text"]
    assert b602["helpUri"] == bandit_finding().help_uri
    assert b602["defaultConfiguration"]["level"] == "error"
    assert b602["properties"]["tags"] == ["security", "external/cwe/cwe-78"]
    assert b602["properties"]["security-severity"] == "8.0"
    assert rules[1]["properties"]["security-severity"] == "5.5"
    assert rules[1]["defaultConfiguration"]["level"] == "warning"


def test_rule_index_points_at_the_rule_of_the_result(block_decision: Decision) -> None:
    run = _run(_sarif(block_decision), "bandit")
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == 3
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    ("severity", "score"),
    [
        (Severity.CRITICAL, "9.5"),
        (Severity.HIGH, "8.0"),
        (Severity.MEDIUM, "5.5"),
        (Severity.LOW, "3.0"),
        (Severity.INFO, "1.0"),
    ],
)
def test_security_severity_is_a_github_score(severity: Severity, score: str) -> None:
    assert security_severity(severity) == score


def test_levels_follow_blocking_then_severity(block_decision: Decision) -> None:
    results = _run(_sarif(block_decision), "bandit")["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("B602", "error"),
        ("B608", "warning"),
        ("B311", "note"),
    ]


def test_result_location_is_relative_to_srcroot_with_a_region(block_decision: Decision) -> None:
    result = _run(_sarif(block_decision), "bandit")["results"][0]
    [location] = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "src/shop/payments.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"] == {"startLine": 41, "endLine": 42, "startColumn": 9}
    assert "originalUriBaseIds" not in _run(_sarif(block_decision), "bandit")


def test_region_omits_what_is_unknown(block_decision: Decision) -> None:
    b311 = _run(_sarif(block_decision), "bandit")["results"][2]
    assert b311["locations"][0]["physicalLocation"]["region"] == {"startLine": 12}


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("src/my file#1.py", "src/my%20file%231.py"),
        ("./pkg/mod.py", "pkg/mod.py"),
        ("pkg\\win.py", "pkg/win.py"),
        ("src/caf\u00e9.py", "src/caf%C3%A9.py"),
        ("c:/x.py", "c%3A/x.py"),
        ("a?b=1.py", "a%3Fb%3D1.py"),
    ],
)
def test_artifact_uri_is_a_percent_encoded_relative_reference(path: str, uri: str) -> None:
    encoded = artifact_uri(path)
    assert encoded == uri
    parts = urlsplit(encoded)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(encoded) == path.replace("\\", "/").removeprefix("./")


def test_results_carry_fingerprints_and_baseline_state(block_decision: Decision) -> None:
    results = _run(_sarif(block_decision), "bandit")["results"]
    assert results[0]["partialFingerprints"] == {FINGERPRINT_KEY: bandit_finding().fingerprint}
    assert FINGERPRINT_KEY == "releasegateFingerprint/v1"
    assert [r["baselineState"] for r in results] == ["new", "unchanged", "unchanged"]
    assert all("suppressions" not in r for r in results)


def test_waived_findings_are_suppressed_externally(waived_decision: Decision) -> None:
    [result] = _run(_sarif(waived_decision), "bandit")["results"]
    [suppression] = result["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["status"] == "accepted"
    assert "waive" in suppression["justification"]
    assert result["level"] == "warning"  # high severity, but waived so not blocking


def test_erroring_check_is_an_unsuccessful_invocation(error_decision: Decision) -> None:
    log = _sarif(error_decision)
    [invocation] = _run(log, "semgrep")["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "invalid rule schema" in notification["message"]["text"]
    assert _run(log, "bandit")["invocations"] == [{"executionSuccessful": True}]


def test_version_control_provenance_names_the_commit(block_decision: Decision) -> None:
    run = _run(_sarif(block_decision), "bandit")
    assert run["versionControlProvenance"] == [
        {"repositoryUri": "https://github.com/acme/shop", "revisionId": COMMIT}
    ]


def test_version_control_provenance_is_left_out_without_a_repository_uri(
    validator: Any,
) -> None:
    decision = decision_of(
        (judged("bandit", Stage.STATIC, Status.FAIL, (bandit_finding(),)),),
        release_info=release(repo="/home/dev/shop"),
    )
    log = _sarif(decision)
    assert "versionControlProvenance" not in log["runs"][0]
    assert _errors(validator, log) == []
    given = json.loads(render_sarif(decision, repository_uri="https://github.com/acme/shop"))
    assert given["runs"][0]["versionControlProvenance"] == [
        {"repositoryUri": "https://github.com/acme/shop", "revisionId": COMMIT}
    ]
    assert _errors(validator, given) == []
    ignored = json.loads(render_sarif(decision, repository_uri="not a uri"))
    assert "versionControlProvenance" not in ignored["runs"][0]


def test_message_brackets_cannot_form_sarif_links(hostile_decision: Decision) -> None:
    result = _run(_sarif(hostile_decision), "bandit")["results"][0]
    text = result["message"]["text"]
    assert "\\[link\\](javascript:alert(1))" in text
    assert "[link]" not in text.replace("\\[link\\]", "")


def test_unsafe_help_uri_is_not_linked() -> None:
    decision = decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.FAIL,
                (bandit_finding(help_uri="javascript:alert(1)"), random_finding(help_uri="")),
            ),
        )
    )
    rules = _run(_sarif(decision), "bandit")["tool"]["driver"]["rules"]
    assert all("helpUri" not in rule for rule in rules)


def test_finding_without_a_line_has_no_region_and_no_path_has_no_location(
    validator: Any,
) -> None:
    decision = decision_of(
        (
            judged(
                "deps",
                Stage.DEPENDENCIES,
                Status.FAIL,
                (
                    bandit_finding(
                        tool="pip-audit", rule_id="PYSEC-2023-1", path="req.txt", line=0
                    ),
                    bandit_finding(tool="pip-audit", rule_id="PYSEC-2", path="", line=0),
                ),
            ),
        )
    )
    log = _sarif(decision)
    with_path, without_path = _run(log, "pip-audit")["results"]
    assert "region" not in with_path["locations"][0]["physicalLocation"]
    assert "locations" not in without_path
    assert _errors(validator, log) == []


def test_a_decision_without_checks_is_still_one_valid_run(validator: Any) -> None:
    log = _sarif(decision_of(()))
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["releasegate"]
    assert _errors(validator, log) == []


def test_rendering_is_deterministic(block_decision: Decision) -> None:
    assert render_sarif(block_decision) == render_sarif(block_decision)
