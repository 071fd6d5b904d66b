"""The policy file is validated strictly and errors name file, line and fix."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from releasegate.errors import ConfigError
from releasegate.model import Confidence, Severity
from releasegate.policy.loader import default_policy, parse_policy, policy_json_schema
from releasegate.policy.schema import Policy


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_policy(text, ".releasegate.yml")
    return info.value.diagnostics()


def test_typo_in_top_level_key_names_line_and_suggests_the_key() -> None:
    message = _error("version: 1\n\nreveiw:\n  required_approvals: 2\n")
    assert message.startswith(".releasegate.yml:3: unknown key 'reveiw'")
    assert "did you mean 'review'?" in message


def test_typo_in_nested_key_suggests_the_nested_key() -> None:
    message = _error("version: 1\nstatic:\n  bandit:\n    enabeld: false\n")
    assert message.startswith(".releasegate.yml:4: unknown key 'enabeld'")
    assert "did you mean 'enabled'?" in message


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    message = _error("version: 1\nreview:\n  zzz: 1\n")
    assert "allowed here: required, required_approvals" in message


def test_yaml_syntax_error_reports_the_line() -> None:
    message = _error("version: 1\nstatic:\n  include: [\n")
    assert message.startswith(".releasegate.yml:4: YAML syntax error")


def test_duplicate_keys_are_refused_instead_of_silently_overwritten() -> None:
    message = _error("version: 1\nreview:\n  required: true\nreview:\n  required: false\n")
    assert ".releasegate.yml:4" in message
    assert "duplicate key 'review' (first at line 2)" in message


def test_wrong_type_is_an_error_not_a_coercion() -> None:
    message = _error("version: 1\nreview:\n  required_approvals: '2'\n")
    assert message.startswith(".releasegate.yml:3: review.required_approvals:")
    assert "integer" in message


@pytest.mark.parametrize(
    ("glob", "why"),
    [
        ("a[b", "unbalanced"),
        ("/abs/*.py", "relative"),
        ("src/***/x.py", "'***'"),
        ("../outside/*.py", "'..'"),
        ("", "empty"),
    ],
)
def test_bad_globs_are_refused_with_the_reason(glob: str, why: str) -> None:
    message = _error(f"version: 1\nstatic:\n  exclude:\n    - {json.dumps(glob)}\n")
    assert message.startswith(".releasegate.yml:4: static.exclude.0: invalid glob")
    assert why in message


def test_bad_date_in_waiver_is_refused() -> None:
    text = (
        "version: 1\nwaivers:\n  - id: B602\n    reason: r\n    owner: o\n    expires: 2027-13-01\n"
    )
    message = _error(text)
    assert message.startswith(".releasegate.yml:6: waivers.0.expires:")
    assert "YYYY-MM-DD" in message


def test_waiver_without_owner_is_refused() -> None:
    message = _error("version: 1\nwaivers:\n  - {id: B602, reason: r, expires: 2027-01-01}\n")
    assert "missing required key 'waivers.0.owner'" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the policy file is empty"),
        ("- a\n", "must be a mapping"),
        ("version: 2\n", "unsupported policy version 2"),
        ("static: {}\n", "missing required key 'version'"),
        ("version: 1\nsignoff:\n  github_team: security\n", "org/team-slug"),
    ],
)
def test_other_invalid_policies(text: str, expected: str) -> None:
    assert expected in _error(text)


def test_embedded_default_policy_is_the_strict_defaults() -> None:
    loaded = default_policy()
    assert loaded.trusted
    assert loaded.policy == Policy(version=1)
    policy = loaded.policy
    assert policy.static.required and policy.dependencies.required
    assert policy.review.required and policy.review.required_approvals == 1
    assert policy.signoff.required
    rule = policy.static.block_rule_for("app/main.py")
    assert rule is not None
    assert rule[1].blocks(Severity.HIGH, Confidence.LOW)
    assert not rule[1].blocks(Severity.MEDIUM, Confidence.HIGH)


def test_first_matching_block_rule_decides() -> None:
    policy = parse_policy(
        "version: 1\nstatic:\n  block_on:\n"
        "    - {paths: ['scripts/'], severity: none}\n"
        "    - {paths: ['**'], severity: medium, confidence: medium}\n",
        "p",
    )
    scripts = policy.static.block_rule_for("scripts/deploy.py")
    app = policy.static.block_rule_for("app/x.py")
    assert scripts is not None and scripts[0] == 0
    assert not scripts[1].blocks(Severity.CRITICAL, Confidence.HIGH)
    assert app is not None and app[0] == 1
    assert app[1].blocks(Severity.MEDIUM, Confidence.MEDIUM)
    assert not app[1].blocks(Severity.MEDIUM, Confidence.LOW)


def test_published_policy_schema_matches_the_model() -> None:
    published = json.loads(
        resources.files("releasegate.data").joinpath("policy.schema.json").read_text("utf-8")
    )
    assert published == policy_json_schema(), (
        "run: releasegate schema policy > releasegate/data/policy.schema.json"
    )


def test_published_policy_schema_rejects_unknown_keys_for_editors() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = policy_json_schema()
    jsonschema.validate({"version": 1, "review": {"required_approvals": 2}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": 1, "reveiw": {}}, schema)
