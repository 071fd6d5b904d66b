"""The JSON report: stable shape, faithful data, and a published schema that is strict."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

import releasegate
from releasegate.model import (
    REPORT_SCHEMA_VERSION,
    Confidence,
    Decision,
    Severity,
    Stage,
    Status,
    Verdict,
)
from releasegate.reports import render_json, report_dict, report_schema

from .conftest import (
    BANDIT_VERSION,
    COMMIT,
    HOSTILE_MESSAGE,
    bandit_evidence,
    bandit_finding,
    decision_of,
    judged,
)

SCHEMA_FILE = Path(releasegate.__file__).parent / "data" / "report.schema.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _errors(validator: Any, instance: object) -> list[str]:
    return [error.message for error in validator.iter_errors(instance)]


def _loaded(decision: Decision) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_json(decision))
    return data


def test_every_rendered_report_validates_against_the_published_schema(
    validator: Any, any_decision: Decision
) -> None:
    assert _errors(validator, _loaded(any_decision)) == []


def test_the_packaged_schema_is_the_file_in_the_source_tree() -> None:
    schema = report_schema()
    assert schema == json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_version_comes_from_the_model(block_decision: Decision) -> None:
    report = _loaded(block_decision)
    assert report["schema"] == f"releasegate-report/{REPORT_SCHEMA_VERSION}"
    schema: dict[str, Any] = report_schema()
    assert schema["properties"]["schema"] == {
        "const": report["schema"],
        "description": "Report format version; a new major version may change the shape.",
    }


def test_schema_enums_are_exactly_the_model_enums() -> None:
    schema: dict[str, Any] = report_schema()
    defs = schema["$defs"]
    assert defs["check"]["properties"]["status"]["enum"] == [s.value for s in Status]
    assert defs["check"]["properties"]["stage"]["enum"] == [s.value for s in Stage]
    assert sorted(defs["severity"]["enum"]) == sorted(s.value for s in Severity)
    assert defs["finding"]["properties"]["confidence"]["enum"] == [c.value for c in Confidence]
    assert schema["properties"]["decision"]["enum"] == [v.value for v in Verdict]


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("checks", 0, "status"), "flaky"),
        (("checks", 0, "stage"), "lint"),
        (("checks", 0, "findings", 0, "severity"), "severe"),
        (("checks", 0, "findings", 0, "confidence"), "certain"),
        (("checks", 0, "findings", 0, "cwe"), ["CWE-78"]),
        (("checks", 0, "findings", 0, "line"), "41"),
        (("decision",), "maybe"),
        (("schema",), "releasegate-report/0.9"),
        (("release", "commits"), -1),
        (("counts", "by_severity", "high"), None),
    ],
)
def test_schema_rejects_values_outside_the_contract(
    validator: Any, block_decision: Decision, where: tuple[str | int, ...], value: object
) -> None:
    report: Any = copy.deepcopy(_loaded(block_decision))
    target = report
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    assert _errors(validator, report) != []


@pytest.mark.parametrize(
    "path",
    [(), ("release",), ("policy",), ("tool",), ("counts",), ("checks", 0), ("reason_tree", 0)],
)
def test_schema_rejects_unknown_properties(
    validator: Any, block_decision: Decision, path: tuple[str | int, ...]
) -> None:
    report: Any = _loaded(block_decision)
    target = report
    for key in path:
        target = target[key]
    target["surprise"] = True
    assert any("surprise" in message for message in _errors(validator, report))


def test_schema_rejects_a_finding_without_fingerprint_but_allows_free_form_evidence(
    validator: Any, block_decision: Decision
) -> None:
    report: Any = _loaded(block_decision)
    report["checks"][0]["evidence"]["anything"] = {"nested": [1, 2.5, None]}
    assert _errors(validator, report) == []
    del report["checks"][0]["findings"][0]["fingerprint"]
    assert any("fingerprint" in message for message in _errors(validator, report))


def test_top_level_keys_come_in_a_stable_order(block_decision: Decision) -> None:
    assert list(report_dict(block_decision)) == [
        "schema",
        "tool",
        "decision",
        "scope",
        "not_run",
        "reasons",
        "notes",
        "reason_tree",
        "release",
        "policy",
        "baseline",
        "checks",
        "counts",
    ]


def test_rendering_is_deterministic_and_ends_with_a_newline(block_decision: Decision) -> None:
    first = render_json(block_decision)
    assert first == render_json(block_decision)
    assert first.endswith("}\n")
    assert first.startswith('{\n  "schema": ')


def test_blocked_report_lists_the_blocking_reasons_and_their_tree(
    block_decision: Decision,
) -> None:
    report = _loaded(block_decision)
    assert report["decision"] == "block"
    assert report["reasons"] == ["bandit: 1 blocking finding"]
    [tree] = report["reason_tree"]
    assert tree["blocking"] is True and tree["check"] == "bandit"
    [child] = tree["children"]
    assert child["finding"] == bandit_finding().fingerprint
    assert child["message"].startswith("bandit B602 (high severity, high confidence)")
    assert child["children"] == []


def test_bandit_finding_is_reported_field_by_field(block_decision: Decision) -> None:
    check = _loaded(block_decision)["checks"][0]
    assert check["id"] == "bandit"
    assert check["stage"] == "static"
    assert check["status"] == "fail"
    assert check["reasons"] == ["bandit: 1 blocking finding"]
    assert check["evidence"]["bandit_version"] == BANDIT_VERSION
    assert check["duration_seconds"] == 3.42
    assert check["findings"][0] == {
        "tool": "bandit",
        "rule_id": "B602",
        "rule_name": "subprocess_popen_with_shell_equals_true",
        "severity": "high",
        "confidence": "high",
        "path": "src/shop/payments.py",
        "line": 41,
        "end_line": 42,
        "column": 9,
        "message": "subprocess call with shell=True identified, security issue.",
        "cwe": [78],
        "fingerprint": bandit_finding().fingerprint,
        "new": True,
        "waived": False,
        "blocking": True,
        "help_uri": bandit_finding().help_uri,
        "aliases": [],
        "package": None,
        "fix": "",
        "also": [],
    }


def test_counts_add_up(block_decision: Decision) -> None:
    counts = _loaded(block_decision)["counts"]
    assert counts == {
        "findings": 3,
        "blocking": 1,
        "waived": 0,
        "new": 1,
        "by_severity": {"critical": 0, "high": 1, "medium": 1, "low": 1, "info": 0},
    }


def test_pass_report_has_no_reasons_but_keeps_the_notes(pass_decision: Decision) -> None:
    report = _loaded(pass_decision)
    assert report["decision"] == "pass"
    assert report["reasons"] == []
    assert report["reason_tree"] == []
    assert report["notes"] == ["performance: skipped: no benchmarks configured"]
    assert [c["status"] for c in report["checks"]] == ["pass", "pass", "skipped"]


def test_error_check_reports_its_cause(error_decision: Decision) -> None:
    report = _loaded(error_decision)
    semgrep = report["checks"][1]
    assert semgrep["status"] == "error"
    assert semgrep["reasons"] == [
        "semgrep: error: semgrep exited with code 2: invalid rule schema in checks/python.yml"
    ]
    assert report["reasons"] == semgrep["reasons"]


def test_waived_finding_is_marked_waived_and_not_blocking(waived_decision: Decision) -> None:
    report = _loaded(waived_decision)
    [finding] = report["checks"][0]["findings"]
    assert (finding["waived"], finding["blocking"], finding["new"]) == (True, False, False)
    assert report["counts"]["waived"] == 1
    assert report["decision"] == "pass"
    assert report["notes"] == [
        "waivers[0] (B602, owner @acme/security) expires on 2025-07-01 (within 14 days)",
        "bandit: 1 finding(s) waived by the policy",
    ]


def test_release_and_policy_are_reported(hostile_decision: Decision) -> None:
    report = _loaded(hostile_decision)
    assert report["release"]["commit"] == COMMIT
    assert report["release"]["commits"] == 17
    assert report["release"]["dirty_files"] == ["src/| col | break |.py", "@everyone.py"]
    assert report["policy"]["trusted"] is False
    assert report["policy"]["changed_in_range"] is True


def test_untrusted_text_is_data_and_round_trips_exactly(hostile_decision: Decision) -> None:
    text = render_json(hostile_decision)
    report = json.loads(text)
    assert report["checks"][0]["findings"][0]["message"] == HOSTILE_MESSAGE
    assert report["release"]["ref"] == hostile_decision.release.ref
    # Control characters are JSON-escaped, never raw in the file.
    assert "\x1b" not in text and "\\u001b" in text
    assert "\r" not in text


def test_undecodable_text_and_non_finite_numbers_still_give_valid_utf8_json(
    validator: Any,
) -> None:
    odd = bandit_finding(path="src/caf\udce9.py", message="bad byte \udcff here")
    decision = decision_of(
        (
            judged(
                "bandit",
                Stage.STATIC,
                Status.FAIL,
                (odd,),
                evidence={**bandit_evidence(), "ratio": float("nan"), "limit": float("inf")},
                duration=float("nan"),
            ),
        )
    )
    text = render_json(decision)
    text.encode("utf-8")  # would raise on a lone surrogate

    def no_constants(name: str) -> object:
        raise AssertionError(f"non-standard JSON constant {name}")

    report = json.loads(text, parse_constant=no_constants)
    check = report["checks"][0]
    assert check["findings"][0]["path"] == "src/caf\ufffd.py"
    assert check["evidence"]["ratio"] == "nan"
    assert check["duration_seconds"] == 0.0
    assert _errors(validator, report) == []


def test_a_decision_without_checks_still_validates(validator: Any) -> None:
    decision = replace(decision_of(()), verdict=Verdict.BLOCK)
    report = _loaded(decision)
    assert report["checks"] == []
    assert report["counts"]["findings"] == 0
    assert _errors(validator, report) == []
