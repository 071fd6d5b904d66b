"""The codec: one serialisation of the model, used by the report and the shard parts.

Every shape goes to JSON and back unchanged; reading is strict; the published report
schema describes exactly what the codec writes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from releasegate import codec
from releasegate.codec import CodecError
from releasegate.model import (
    AlsoReported,
    CheckResult,
    Confidence,
    Finding,
    Mode,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
)
from releasegate.reports.json_report import report_schema

FINDING = Finding(
    tool="semgrep",
    rule_id="releasegate.python.flask.xss",
    rule_name="reflected XSS",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    path="app/views.py",
    line=12,
    end_line=14,
    column=5,
    message="request data reaches the response",
    cwe=(79, 116),
    fingerprint="sha256:" + "a" * 64,
    new=False,
    waived=True,
    blocking=False,
    help_uri="https://example.test/rule",
    aliases=("GHSA-xxxx",),
    package="flask",
    fix="escape it",
    also=(
        AlsoReported(
            tool="bandit",
            rule_id="B703",
            fingerprint="sha256:" + "b" * 64,
            severity=Severity.MEDIUM,
            confidence=Confidence.HIGH,
        ),
    ),
)
RESULT = CheckResult(
    id="semgrep",
    stage=Stage.STATIC,
    status=Status.FAIL,
    reasons=("1 blocking finding",),
    findings=(FINDING,),
    evidence={"files": ["app/views.py"], "nested": {"n": 1, "ok": True, "none": None}},
    duration_seconds=1.25,
)
RELEASE = ReleaseInfo(
    repo="/srv/repo",
    commit="c" * 40,
    base="d" * 40,
    ref="refs/tags/v2.0.0",
    base_source="release tag v1.9.0",
    commits=7,
    changed_files=("app/views.py", "setup.cfg"),
    dirty_files=(),
    mode=Mode.PULL_REQUEST,
)


def _through_json(data: object) -> Any:
    return json.loads(json.dumps(data, allow_nan=False, ensure_ascii=False))


def test_a_finding_goes_to_json_and_back_unchanged() -> None:
    assert codec.finding_from_json(_through_json(codec.finding_to_json(FINDING))) == FINDING


def test_a_check_result_goes_to_json_and_back_unchanged() -> None:
    assert codec.check_from_json(_through_json(codec.check_to_json(RESULT))) == RESULT


def test_a_release_goes_to_json_and_back_unchanged() -> None:
    assert codec.release_from_json(_through_json(codec.release_to_json(RELEASE))) == RELEASE


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"unknown": 1}, "unknown"),
        ({"line": "12"}, "line"),  # never coerced
        ({"blocking": 1}, "blocking"),
        ({"severity": "catastrophic"}, "severity"),
        ({"also": [{"tool": "bandit"}]}, "also.0"),
    ],
)
def test_reading_is_strict_and_names_the_field(change: dict[str, object], where: str) -> None:
    data = {**codec.finding_to_json(FINDING), **change}
    with pytest.raises(CodecError, match=f"not a finding: at {where}"):
        codec.finding_from_json(data)


def test_a_missing_field_is_refused() -> None:
    data = codec.release_to_json(RELEASE)
    del data["mode"]
    with pytest.raises(CodecError, match="not a release: at mode"):
        codec.release_from_json(data)


def test_what_is_written_is_always_utf8_json() -> None:
    hostile = CheckResult(
        id="bandit",
        stage=Stage.STATIC,
        status=Status.ERROR,
        reasons=("bad \udcff byte",),
        # A tool may hand over a tuple where JSON has a list.
        evidence={"ratio": float("nan"), "tuple": (1, 2), "obj": object.__name__},  # type: ignore[dict-item]
        duration_seconds=float("inf"),
    )
    written = codec.check_to_json(hostile)
    text = json.dumps(written, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogate survives
    assert written["reasons"] == ["bad \ufffd byte"]
    assert written["evidence"] == {"ratio": "nan", "tuple": [1, 2], "obj": "object"}
    assert written["duration_seconds"] == 0.0


def test_the_published_report_schema_describes_what_the_codec_writes() -> None:
    published: Any = report_schema()["$defs"]
    generated = codec.schemas()
    for name in ("finding", "check"):
        assert sorted(published[name]["properties"]) == sorted(generated[name]["properties"])
        assert sorted(published[name]["required"]) == sorted(generated[name]["required"])
        assert sorted(
            codec.finding_to_json(FINDING) if name == "finding" else codec.check_to_json(RESULT)
        ) == sorted(generated[name]["properties"])
    release = published["release"]
    assert sorted(release["properties"]) == sorted(generated["release"]["properties"])
