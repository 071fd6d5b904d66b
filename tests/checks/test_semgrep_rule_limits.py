"""Repository semgrep rule files are read with the bounded YAML loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.checks.semgrep import load_rules
from releasegate.errors import ToolError

RULE = """rules:
  - id: acme.no-eval
    message: no eval
    severity: ERROR
    languages: [python]
    pattern: eval(...)
    metadata: {metadata}
"""


def _bomb_metadata(levels: int = 9, width: int = 9) -> tuple[str, str]:
    anchors = ['x0: &a0 ["' + '","'.join(["lol"] * width) + '"]']
    for level in range(1, levels + 1):
        anchors.append(f"x{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(anchors) + "\n", f"*a{levels}"


def test_an_alias_bomb_in_a_rule_file_is_an_error_naming_it(tmp_path: Path) -> None:
    anchors, alias = _bomb_metadata()
    (tmp_path / "bomb.yaml").write_text(anchors + RULE.format(metadata=alias))
    with pytest.raises(ToolError) as info:
        load_rules(tmp_path)
    message = info.value.message
    assert message.startswith(f"semgrep rules {tmp_path / 'bomb.yaml'}: cannot be read")
    assert "alias bombs" in message


def test_deep_nesting_in_a_rule_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text(RULE.format(metadata="[" * 5000 + "]" * 5000))
    with pytest.raises(ToolError) as info:
        load_rules(tmp_path)
    assert "nested more than" in info.value.message


def test_a_rule_file_with_a_few_aliases_still_loads(tmp_path: Path) -> None:
    second = RULE.removeprefix("rules:\n").replace("acme.no-eval", "acme.no-exec")
    text = RULE.format(metadata="&meta {confidence: HIGH}") + second.format(metadata="*meta")
    (tmp_path / "two.yaml").write_text(text)
    assert sorted(load_rules(tmp_path)) == ["acme.no-eval", "acme.no-exec"]
