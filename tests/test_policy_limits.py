"""Hostile policy files are refused quickly, in bounded memory, as configuration errors.

A "billion laughs" YAML (nested anchors and aliases) is a few hundred bytes that
expand to billions of nodes; a huge or deeply nested file is the same attack by
other means. Each is exit 2 with ``FILE:LINE: ...`` saying what to do, whether the
policy comes from ``validate``, ``run --config`` or the base commit.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import rg_cli
from rg_testlib import FIXED_APP, GitRepo, releasegate

from releasegate.errors import ConfigError
from releasegate.policy.fields import MAX_POLICY_BYTES
from releasegate.policy.loader import parse_policy

# Address-space cap for the child: a regression fails the test with a MemoryError
# (exit != 2) instead of taking the machine down.
_CAP_BYTES = 2 * 1024**3
_MAX_RSS_MB = 300
_MAX_SECONDS = 30


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["version: 1", 'a0: &a0 ["' + '","'.join(["lol"] * width) + '"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


BOMB = _bomb()


@dataclass(frozen=True)
class Measured:
    returncode: int
    stderr: str
    max_rss_mb: float
    seconds: float


def _measured(*args: str, cwd: Path | None = None) -> Measured:
    """Run releasegate with an address-space cap; its own peak RSS (wait4) and wall time."""
    argv = rg_cli.console_script()

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (_CAP_BYTES, _CAP_BYTES))

    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"rg-limits-{os.getpid()}.err"
    with err_path.open("w+", encoding="utf-8") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [*argv, *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=cwd,
            preexec_fn=cap,  # noqa: PLW1509 - only setrlimit, no threads involved
        )
        killer = threading.Timer(120, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        err.seek(0)
        stderr = err.read()
    err_path.unlink()
    return Measured(proc.returncode, stderr, usage.ru_maxrss / 1024, seconds)


def _assert_refused_quickly(done: Measured, where: str) -> None:
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.max_rss_mb < _MAX_RSS_MB, f"peak RSS {done.max_rss_mb:.0f} MB"
    assert done.seconds < _MAX_SECONDS, f"{done.seconds:.1f} s"
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    # The line of the alias that exhausts the budget: one of the alias lines 3..12.
    found = re.match(rf"releasegate: error: {re.escape(where)}:(\d+): ", lines[0])
    assert found is not None, lines[0]
    assert 3 <= int(found.group(1)) <= 12
    assert "alias" in lines[0]
    assert "write the value out" in lines[0]


def test_billion_laughs_is_refused_by_validate(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(BOMB, encoding="utf-8")
    _assert_refused_quickly(_measured("validate", str(bomb)), str(bomb))


def test_billion_laughs_is_refused_by_run_config(tmp_path: Path, repo: GitRepo) -> None:
    repo.commit("app", **{"app.py": FIXED_APP})
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(BOMB, encoding="utf-8")
    done = _measured("run", "--repo", str(repo.root), "--config", str(bomb))
    _assert_refused_quickly(done, str(bomb))


def test_billion_laughs_at_the_base_is_refused(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": BOMB, "app.py": FIXED_APP})
    repo.tag("v1.0")
    repo.commit("change", **{"app.py": FIXED_APP + "\n"})
    done = _measured("run", "--repo", str(repo.root), "--only", "static")
    _assert_refused_quickly(done, ".releasegate.yml")
    assert "[at base " in done.stderr


def test_a_few_aliases_are_still_allowed(tmp_path: Path) -> None:
    text = (
        "version: 1\n"
        "static:\n"
        "  exclude: &skipped ['docs/', 'examples/']\n"
        "  block_on:\n"
        "    - {paths: *skipped, severity: none}\n"
        "    - &strict {paths: ['**'], severity: medium}\n"
        "dependencies:\n"
        "  exclude: *skipped\n"
    )
    policy = tmp_path / "policy.yml"
    policy.write_text(text, encoding="utf-8")
    done = releasegate("validate", str(policy))
    assert done.returncode == 0, done.stderr
    parsed = parse_policy(text, "p")
    assert parsed.dependencies.exclude == ["docs/", "examples/"]
    assert parsed.static.block_on[0].paths == ["docs/", "examples/"]


def test_many_small_aliases_are_refused_too() -> None:
    # No nesting, but each alias expands a 1000-item list: the budget counts nodes.
    items = ", ".join(["x"] * 1000)
    text = f"version: 1\nstatic:\n  exclude: &big [{items}]\n" + "".join(
        f"a{n}: *big\n" for n in range(200)
    )
    with pytest.raises(ConfigError) as info:
        parse_policy(text, ".releasegate.yml")
    assert re.match(r"\.releasegate\.yml:\d+: ", info.value.message)
    assert "alias" in info.value.message


def test_recursive_alias_is_refused_at_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy("version: 1\nstatic:\n  exclude: &x [a, *x]\n", ".releasegate.yml")
    message = info.value.diagnostics()
    assert message.startswith(".releasegate.yml:3: alias '*x' refers to an anchor that contains")
    assert "write the value out" in message


def test_deep_nesting_is_refused_at_its_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yml"
    deep.write_text("version: 1\nstatic:\n  include: " + "[" * 5000 + "]" * 5000 + "\n")
    done = _measured("validate", str(deep))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert f"{deep}:3: " in done.stderr
    assert "nested" in done.stderr


def test_oversized_policy_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    padding = "# " + "x" * 1000 + "\n"
    big.write_text("version: 1\n" + padding * (MAX_POLICY_BYTES // len(padding) + 1))
    done = _measured("validate", str(big))
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{big}:" in done.stderr
    assert "1 MiB" in done.stderr
    assert done.max_rss_mb < _MAX_RSS_MB
