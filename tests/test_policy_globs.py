"""Every policy glob that cannot compile is a configuration error at its line (exit 2).

pathspec turns a gitignore glob into a regular expression; a glob such as
``[z-a]`` makes a bad one (``re.error``, which is not a ``ValueError``), and used
to escape validation as an internal error (exit 3, a traceback).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rg_testlib import FIXED_APP, GitRepo, releasegate

from releasegate.errors import ConfigError
from releasegate.policy.loader import parse_policy

WAIVER = "  - id: B602\n    reason: r\n    owner: o\n    expires: 2099-01-01\n"

# (policy text with {glob}, line of the glob, location named in the message)
GLOB_KEYS = {
    "static.include": ("static:\n  include:\n    - {glob}\n", 4, "static.include.0"),
    "static.exclude": ("static:\n  exclude:\n    - {glob}\n", 4, "static.exclude.0"),
    "static.block_on.paths": (
        "static:\n  block_on:\n    - severity: high\n      paths:\n        - {glob}\n",
        6,
        "static.block_on.0.paths.0",
    ),
    "static.baseline": ("static:\n  baseline: {glob}\n", 3, "static.baseline"),
    "static.unanalysed_submodules": (
        "static:\n  unanalysed_submodules: [{glob}]\n",
        3,
        "static.unanalysed_submodules.0",
    ),
    "static.semgrep.rules": (
        "static:\n  semgrep:\n    rules:\n      - builtin\n      - {glob}\n",
        6,
        "static.semgrep.rules.1",
    ),
    "dependencies.exclude": (
        "dependencies:\n  exclude:\n    - {glob}\n",
        4,
        "dependencies.exclude.0",
    ),
    "waivers.paths": (f"waivers:\n{WAIVER}    paths:\n      - {{glob}}\n", 8, "waivers.0.paths.0"),
    "release.tag_pattern": ("release:\n  tag_pattern: {glob}\n", 3, "release.tag_pattern"),
}


def _policy(key: str, glob: str) -> tuple[str, int, str]:
    template, line, loc = GLOB_KEYS[key]
    return "version: 1\n" + template.format(glob=json.dumps(glob)), line, loc


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("key", sorted(GLOB_KEYS))
def test_validate_refuses_a_bad_range_at_its_line(key: str, tmp_path: Path) -> None:
    text, line, loc = _policy(key, "src/[z-a].py")
    policy = tmp_path / ".releasegate.yml"
    policy.write_text(text, encoding="utf-8")
    done = releasegate("validate", str(policy))
    assert done.returncode == 2, done.stderr
    message = _one_line_error(done.stderr)
    assert message.startswith(
        f"releasegate: error: {policy}:{line}: {loc}: invalid glob 'src/[z-a].py': "
        "bad character range z-a"
    ), message
    assert "position" not in message  # a position in pathspec's regex, not in the glob


@pytest.mark.parametrize("key", ["static.include", "waivers.paths", "dependencies.exclude"])
def test_run_refuses_a_bad_range_in_the_base_policy(key: str, repo: GitRepo) -> None:
    text, line, loc = _policy(key, "[9-0]*.py")
    repo.commit("policy", **{".releasegate.yml": text, "app.py": FIXED_APP})
    repo.tag("v1.0")
    repo.commit("change", **{"app.py": FIXED_APP + "\n"})
    done = releasegate("run", "--repo", str(repo.root), "--only", "static")
    assert done.returncode == 2, done.stdout + done.stderr
    message = _one_line_error(done.stderr)
    assert message.startswith(
        f"releasegate: error: .releasegate.yml:{line}: {loc}: invalid glob '[9-0]*.py': "
        "bad character range 9-0 [at base "
    ), message


def test_run_config_refuses_a_bad_range(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    text, line, loc = _policy("static.exclude", "docs/[!z-a]/")
    config = tmp_path / "experiment.yml"
    config.write_text(text, encoding="utf-8")
    done = releasegate("run", "--repo", str(repo.root), "--config", str(config))
    assert done.returncode == 2, done.stdout + done.stderr
    message = _one_line_error(done.stderr)
    assert message.startswith(
        f"releasegate: error: {config}:{line}: {loc}: invalid glob 'docs/[!z-a]/': "
        "bad character range z-a"
    ), message


@pytest.mark.parametrize(
    ("glob", "why"),
    [
        ("[a--]", "bad character range a--"),
        # pathspec reads these as patterns that match no path at all
        ("src/[!]/x.py", "matches no path"),
        ("[^]", "matches no path"),
        ("#generated", "matches no path"),
        # git's POSIX classes: pathspec makes them a different, literal, set
        ("[[:digit:]]*.py", "POSIX character classes"),
    ],
)
def test_other_globs_that_cannot_compile_are_refused(glob: str, why: str) -> None:
    text, line, loc = _policy("static.exclude", glob)
    with pytest.raises(ConfigError) as info:
        parse_policy(text, ".releasegate.yml")
    message = info.value.diagnostics()
    assert message.startswith(f".releasegate.yml:{line}: {loc}: invalid glob {glob!r}: "), message
    assert why in message


@pytest.mark.parametrize("glob", ["src/[a-z]*.py", "[!-]x", "**/[0-9][0-9].py", "x[-]"])
def test_unusual_but_valid_globs_still_pass(glob: str) -> None:
    text, _, _ = _policy("static.exclude", glob)
    assert parse_policy(text, ".releasegate.yml").static.exclude == [glob]
