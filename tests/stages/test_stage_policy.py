"""The policy's `stages` section and how stages become checks."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from releasegate.checks.quality import CustomStageCheck
from releasegate.errors import ConfigError, UsageError
from releasegate.model import Stage, Status
from releasegate.pipeline import select_checks, stage_required
from releasegate.policy.loader import default_policy, parse_policy, policy_json_schema
from releasegate.policy.schema import Policy


def _policy(text: str) -> Policy:
    return parse_policy("version: 1\n" + text, ".releasegate.yml")


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _policy(text)
    return caught.value.diagnostics()


def test_the_default_runs_functional_automatically_and_nothing_else() -> None:
    stages = default_policy().policy.stages
    assert stages.functional.required
    assert stages.functional.automatic
    assert stages.performance is None
    assert stages.stability is None
    assert stages.custom == {}
    assert list(stages.declared()) == ["functional"]


def test_a_full_stages_section_parses() -> None:
    policy = _policy(
        "stages:\n"
        "  functional:\n"
        "    command: [python, -m, pytest, --junitxml=build/junit.xml]\n"
        "    results: build/junit.xml\n"
        "    min_pass_rate: 0.95\n"
        "    timeout_seconds: 600\n"
        "  performance:\n"
        "    results: build/bench.json\n"
        "    max_regression: 0.2\n"
        "  stability:\n"
        "    runs: 5\n"
        "  system:\n"
        "    command: [./system.sh]\n"
        "    results: build/system.sarif\n"
        "    format: sarif\n"
        "  smoke-test_2:\n"
        "    command: [./smoke.sh]\n"
        "    format: exit-code\n"
    )
    stages = policy.stages
    assert stages.functional.min_pass_rate == 0.95
    assert not stages.functional.automatic
    assert stages.performance is not None
    assert stages.performance.baseline == ".releasegate-perf-baseline.json"
    assert stages.performance.min_rounds == 5
    assert stages.stability is not None and stages.stability.runs == 5
    assert list(stages.custom) == ["system", "smoke-test_2"]
    assert stages.custom["system"].format == "sarif"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stages:\n  functonal:\n    results: a.xml\n", "did you mean 'functional'?"),
        ("stages:\n  stabilty:\n    runs: 2\n", "did you mean 'stability'?"),
        ("stages:\n  System:\n    results: a\n    format: sarif\n", "'System' cannot name"),
        ("stages:\n  custom:\n    results: a\n    format: sarif\n", "'custom' cannot name"),
        ("stages:\n  review:\n    results: a\n    format: sarif\n", "'review' cannot name"),
        ("stages:\n  e2e:\n    results: a.xml\n", "missing required key 'stages.e2e.format'"),
        ("stages:\n  e2e:\n    format: junit\n", "needs a `command`, `results`, or both"),
        (
            "stages:\n  e2e:\n    format: junit\n    command: [x]\n",
            "a command with format junit needs `results`",
        ),
        ("stages:\n  e2e:\n    format: exit-code\n    results: a\n", "needs a `command`"),
        ("stages:\n  e2e:\n    format: yaml\n    results: a\n", "stages.e2e.format"),
        ("stages:\n  e2e:\n    format: sarif\n    results: a\n    foo: 1\n", "unknown key 'foo'"),
        ("stages:\n  performance:\n    command: [x]\n", "'stages.performance.results'"),
        ("stages:\n  functional:\n    results: ../junit.xml\n", "'..' would leave"),
        ("stages:\n  functional:\n    results: /tmp/junit.xml\n", "relative to the repository"),
        ("stages:\n  functional:\n    command: 'pytest -q'\n", "stages.functional.command"),
        ("stages:\n  functional:\n    min_pass_rate: '1'\n", "stages.functional.min_pass_rate"),
        ("stages:\n  stability:\n    runs: 1\n", "stages.stability.runs"),
        (
            "stages:\n  functional:\n    results: j.xml\n  stability: {}\n",
            "stability reruns the functional command",
        ),
        (
            "timeout_seconds: 60\nstages:\n  functional:\n    timeout_seconds: 120\n",
            "exceeds timeout_seconds (60)",
        ),
    ],
)
def test_invalid_stages_are_refused_with_a_reason(text: str, expected: str) -> None:
    assert expected in _error(text)


def test_the_published_schema_describes_stages() -> None:
    published = json.loads(
        resources.files("releasegate.data").joinpath("policy.schema.json").read_text("utf-8")
    )
    assert published == policy_json_schema()
    stages = published["$defs"]["StagesSection"]
    assert set(stages["properties"]) == {"functional", "performance", "stability"}
    assert stages["additionalProperties"] == {"$ref": "#/$defs/CustomStage"}
    assert "pattern" in stages["propertyNames"]


def test_the_report_schema_knows_the_custom_stage() -> None:
    schema = json.loads(
        resources.files("releasegate.data").joinpath("report.schema.json").read_text("utf-8")
    )
    assert "custom" in json.dumps(schema)
    assert Stage.CUSTOM.value == "custom"


def test_declared_stages_become_checks() -> None:
    policy = _policy(
        "stages:\n"
        "  stability: {}\n"
        "  system:\n    results: s.sarif\n    format: sarif\n"
        "  later:\n    results: l.sarif\n    format: sarif\n    required: false\n"
    )
    checks, unavailable = select_checks(policy, ("functional", "stability", "custom"))
    assert [c.id for c in checks] == ["functional", "stability", "system"]
    assert unavailable == []
    assert stage_required(policy, Stage.CUSTOM)
    assert not stage_required(policy, Stage.PERFORMANCE)
    checks, unavailable = select_checks(policy, ("later", "performance"))
    assert checks == []
    assert {(r.id, r.status) for r in unavailable} == {
        ("later", Status.SKIPPED),
        ("performance", Status.SKIPPED),
    }
    checks, _ = select_checks(policy, ("system",))
    assert checks == [CustomStageCheck(id="system")]


def test_unknown_only_and_clashing_names() -> None:
    policy = _policy("stages:\n  e2e:\n    results: e.xml\n    format: junit\n")
    with pytest.raises(UsageError) as caught:
        select_checks(policy, ("e3e",))
    assert "custom stages: e2e" in caught.value.diagnostics()
    clash = _policy("stages:\n  semgrep:\n    results: s.sarif\n    format: sarif\n")
    with pytest.raises(ConfigError, match="is the id of a built-in check"):
        select_checks(clash, ())


def test_functional_can_be_switched_off() -> None:
    policy = _policy("stages:\n  functional:\n    required: false\n")
    checks, unavailable = select_checks(policy, ("functional",))
    assert checks == []
    assert [(r.id, r.status) for r in unavailable] == [("functional", Status.SKIPPED)]
