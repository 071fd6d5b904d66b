"""The bandit check drives the real bandit on real files in real git repositories."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import pytest
from rg_cachepacks import Entry, entries, entry_for, set_result
from rg_testlib import newer_python

from releasegate.cache import cache_key
from releasegate.checkapi import CheckContext
from releasegate.checks.bandit import bandit_cache
from releasegate.checks.bandit import bandit_run as bandit_check
from releasegate.checks.bandit.bandit_cache import (
    FileResult,
    file_result_from_json,
    file_result_json,
)
from releasegate.checks.bandit.bandit_output import OutputError, parse_report
from releasegate.checks.bandit.bandit_run import balance, shard_count
from releasegate.checks.bandit.check import BANDIT
from releasegate.checks.bandit.interpreters import ENV_VAR
from releasegate.checks.semgrep import SEMGREP
from releasegate.context import resolve_context
from releasegate.model import (
    CheckResult,
    Confidence,
    Finding,
    JSONValue,
    Severity,
    Stage,
    Status,
)
from releasegate.policy.loader import default_policy, parse_policy
from releasegate.policy.schema import Policy
from releasegate.procs import Completed, ToolRunner, chunked
from releasegate.runenv import RunEnvironment

DATA = Path(__file__).resolve().parent.parent / "data" / "bandit"

VULNERABLE = """\
import subprocess
import sys


def run(user_input):
    cmd = "ls " + user_input
    return subprocess.call(cmd, shell=True)


if __name__ == "__main__":
    run(sys.argv[1])
"""

FIXED = """\
import subprocess
import sys


def run(user_input):
    return subprocess.call(["ls", "--", user_input])


if __name__ == "__main__":
    run(sys.argv[1])
"""

# PEP 701 (Python 3.12): the same quotes inside a nested f-string expression.
PEP701 = """\
import subprocess

names = {"a": "ls"}
command = f"{names["a"]} -l"
subprocess.call(command, shell=True)
"""


# --- helpers ------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def make_ctx(
    where: Path,
    files: dict[str, str],
    policy: Policy | None = None,
    *,
    tools: ToolRunner | None = None,
    use_cache: bool = True,
) -> CheckContext:
    """A real repository at ``where/repo`` holding ``files`` in one commit; the cache
    directory is ``where/cache``."""
    root = where / "repo"
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--allow-empty", "-m", "release")
    release = resolve_context(root)
    return CheckContext(
        release=release,
        policy=policy or default_policy().policy,
        tree=release.root,
        files=tuple(release.tracked_files()),
        tools=tools or ToolRunner(deadline=time.monotonic() + 600),
        cache_dir=where / "cache",
        use_cache=use_cache,
        environment=RunEnvironment(os.environ),  # live: the tests change it as they go
        cache_key=cache_key(where / "cache", os.environ),
    )


def policy(yaml_text: str) -> Policy:
    return parse_policy("version: 1\n" + textwrap.dedent(yaml_text), "test policy")


def by_rule(result: CheckResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule]


def fake_python(where: Path, *, stdout: str, stderr: str = "", returncode: int) -> Path:
    """An executable that answers releasegate's interpreter probe like a Python with
    bandit, but prints ``stdout``/``stderr`` and exits ``returncode`` when asked to run
    bandit."""
    script = where / "fake-python"
    body = f"""\
        import json, os, sys
        if "--ignore-nosec" in sys.argv:
            sys.stdout.write({stdout!r})
            sys.stderr.write({stderr!r})
            sys.exit({returncode})
        import bandit
        print(json.dumps({{
            "version": list(sys.version_info[:3]),
            "executable": os.path.abspath(__file__),
            "prefix": "fake",
            "bandit": bandit.__version__,
            "tests": ["B602"],
        }}))
    """
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture(autouse=True)
def _only_the_running_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless a test says otherwise, bandit runs on the interpreter running the tests."""
    monkeypatch.setenv(ENV_VAR, sys.executable)


@pytest.fixture
def captured() -> Iterator[dict[str, Any]]:
    yield json.loads((DATA / "results.json").read_text("utf-8"))


# --- the protocol -------------------------------------------------------------------------


def test_bandit_is_a_static_check_enabled_by_the_policy() -> None:
    assert BANDIT.id == "bandit"
    assert BANDIT.stage is Stage.STATIC
    assert BANDIT.enabled(default_policy().policy)
    assert not BANDIT.enabled(policy("static:\n  bandit:\n    enabled: false\n"))
    assert not BANDIT.enabled(policy("static:\n  required: false\n"))


# --- real findings ------------------------------------------------------------------------


def test_shell_injection_is_b602_high_cwe78_at_its_line(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, {"pkg/app.py": VULNERABLE})
    result = BANDIT.run(ctx)
    assert result.status is Status.PASS, result.reasons
    [finding] = by_rule(result, "B602")
    assert finding.tool == "bandit"
    assert finding.severity is Severity.HIGH
    assert finding.confidence is Confidence.HIGH
    assert finding.cwe == (78,)
    assert finding.path == "pkg/app.py"
    assert finding.line == 7
    assert finding.end_line == 7
    assert finding.column == 12
    assert finding.rule_name == "subprocess_popen_with_shell_equals_true"
    assert finding.help_uri.startswith("https://bandit.readthedocs.io/")
    assert "shell=True" in finding.message
    assert len(finding.fingerprint) == 32
    evidence = result.evidence
    assert evidence["bandit_version"] == metadata.version("bandit")
    assert evidence["files_in_scope"] == 1
    assert evidence["files_scanned"] == 1
    assert evidence["loc"] == 7
    assert evidence["interpreters"] == [
        {
            "path": sys.executable,
            "version": ".".join(map(str, sys.version_info[:3])),
            "mode": "native",
            "bandit_version": metadata.version("bandit"),
            "tests": evidence["interpreters"][0]["tests"],  # type: ignore[index, call-overload]
            "files": 1,
        }
    ]
    json.dumps(evidence)  # the evidence is JSON as it is


def test_fixed_code_has_no_shell_finding_only_low_notes(tmp_path: Path) -> None:
    result = BANDIT.run(make_ctx(tmp_path, {"pkg/app.py": FIXED}))
    assert result.status is Status.PASS
    assert not by_rule(result, "B602")
    assert {f.rule_id for f in result.findings} <= {"B404", "B603", "B607"}
    assert all(f.severity is Severity.LOW for f in result.findings)


def test_excluded_paths_are_not_scanned_but_counted(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path,
        {"pkg/app.py": FIXED, "tests/test_app.py": VULNERABLE, "README.md": "# app\n"},
    )
    result = BANDIT.run(ctx)
    assert result.status is Status.PASS
    assert {f.path for f in result.findings} == {"pkg/app.py"}
    assert result.evidence["files_in_scope"] == 1
    assert result.evidence["files_excluded"] == 1
    assert result.evidence["files_scanned"] == 1


def test_paths_bandit_would_drop_by_default_are_scanned(tmp_path: Path) -> None:
    # bandit's own default excludes match by substring (".git", "CVS", ...).
    ctx = make_ctx(tmp_path, {"tools/.github_release.py": VULNERABLE, "CVSimport.py": VULNERABLE})
    result = BANDIT.run(ctx)
    assert result.status is Status.PASS
    assert {f.path for f in by_rule(result, "B602")} == {"tools/.github_release.py", "CVSimport.py"}


def test_no_python_in_scope_passes_with_zero_files(tmp_path: Path) -> None:
    result = BANDIT.run(make_ctx(tmp_path, {"README.md": "# nothing to scan\n"}))
    assert result.status is Status.PASS
    assert result.findings == ()
    assert result.evidence["files_in_scope"] == 0
    assert result.evidence["files_scanned"] == 0


def test_policy_skips_become_bandit_skips(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path,
        {"app.py": VULNERABLE},
        policy("static:\n  bandit:\n    skips: [B602, B999]\n"),
    )
    result = BANDIT.run(ctx)
    assert result.status is Status.PASS
    assert not by_rule(result, "B602")
    assert by_rule(result, "B404")
    assert result.evidence["skips"] == ["B602", "B999"]
    assert "B999" in str(result.evidence["notes"])


# --- the project cannot configure its judge -----------------------------------------------


def test_hostile_project_config_and_modules_cannot_silence_bandit(tmp_path: Path) -> None:
    marker = tmp_path / "hijacked"
    hijack = f"open({str(marker)!r}, 'w').close()\n"
    fake_bandit = (
        hijack + 'print(\'{"errors": [], "metrics": {}, "results": []}\')\nraise SystemExit(0)\n'
    )
    ctx = make_ctx(
        tmp_path,
        {
            "pkg/app.py": VULNERABLE,
            ".bandit": "[bandit]\nskips: B602,B404\nexclude: pkg\ntargets: nothing\n",
            "pyproject.toml": '[tool.bandit]\nskips = ["B602"]\nexclude_dirs = ["pkg"]\n',
            "setup.cfg": "[bandit]\nskips = B602\n\n[tool:bandit]\nskips = B602\n",
            "bandit/__init__.py": fake_bandit,
            "bandit/__main__.py": fake_bandit,
            "yaml.py": hijack,
            "stevedore/__init__.py": hijack,
        },
    )
    result = BANDIT.run(ctx)
    assert result.status is Status.PASS, result.reasons
    assert [f.path for f in by_rule(result, "B602")] == ["pkg/app.py"]
    assert by_rule(result, "B404")
    assert not marker.exists()


def test_nosec_comments_of_the_project_do_not_hide_findings(tmp_path: Path) -> None:
    code = VULNERABLE.replace("shell=True)", "shell=True)  # nosec B602").replace(
        "import subprocess", "import subprocess  # nosec"
    )
    result = BANDIT.run(make_ctx(tmp_path, {"app.py": code}))
    assert result.status is Status.PASS
    assert [f.line for f in by_rule(result, "B602")] == [7]
    assert by_rule(result, "B404")
    assert result.evidence["ignore_nosec"] is True


# --- failures are errors with one-line causes ---------------------------------------------


def _one_line(result: CheckResult) -> str:
    assert result.status is Status.ERROR
    assert result.reasons
    for reason in result.reasons:
        assert "\n" not in reason
    return " ".join(result.reasons)


def test_interpreter_printing_garbage_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "python-garbage"
    fake.write_text("#!/bin/sh\necho 'this is not python'\nexit 2\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(ENV_VAR, str(fake))
    cause = _one_line(BANDIT.run(make_ctx(tmp_path, {"app.py": VULNERABLE})))
    assert "no Python interpreter can run it" in cause
    assert str(fake) in cause
    assert "this is not python" in cause


def test_missing_interpreter_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-python"))
    cause = _one_line(BANDIT.run(make_ctx(tmp_path, {"app.py": VULNERABLE})))
    assert "no-such-python" in cause
    assert ENV_VAR in cause


MISBEHAVIOUR = {
    # name: (stdout, stderr, exit status, what the cause says)
    "garbage": ("garbage, not json", "", 1, "unusable output"),
    "crash": ("", "Traceback (most recent call last):\n  boom\n", 1, "unusable output"),
    "exit-2": ('{"errors": [], "metrics": {}, "results": []}', "Unknown test\n", 2, "status 2"),
    "exit-1-without-issues": (
        '{"errors": [], "metrics": {"./app.py": {"loc": 1, "nosec": 0}}, "results": []}',
        "",
        1,
        "reported no issue",
    ),
    "file-silently-dropped": (
        '{"errors": [], "metrics": {}, "results": []}',
        "",
        0,
        "neither analysed nor reported",
    ),
}


@pytest.mark.parametrize("case", MISBEHAVIOUR.values(), ids=MISBEHAVIOUR.keys())
def test_misbehaving_bandit_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: tuple[str, str, int, str]
) -> None:
    stdout, stderr, returncode, expected = case
    fake = fake_python(tmp_path, stdout=stdout, stderr=stderr, returncode=returncode)
    monkeypatch.setenv(ENV_VAR, str(fake))
    cause = _one_line(BANDIT.run(make_ctx(tmp_path, {"app.py": VULNERABLE})))
    assert expected in cause
    assert "app.py" in cause


def test_captured_output_with_a_field_removed_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, captured: dict[str, Any]
) -> None:
    del captured["results"][1]["filename"]
    fake = fake_python(tmp_path, stdout=json.dumps(captured), returncode=1)
    monkeypatch.setenv(ENV_VAR, str(fake))
    sources = {"app.py": (DATA / "app.py.txt").read_text("utf-8"), "broken.py": "x = 1\n"}
    cause = _one_line(BANDIT.run(make_ctx(tmp_path, sources)))
    assert "unusable output" in cause
    assert "results[1]: missing 'filename'" in cause


def test_syntax_error_is_an_error_naming_the_file(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, {"pkg/app.py": VULNERABLE, "pkg/broken.py": "def broken(:\n"})
    result = BANDIT.run(ctx)
    cause = _one_line(result)
    assert "could not parse 1 file(s)" in cause
    assert "pkg/broken.py" in cause
    assert f"Python {'.'.join(map(str, sys.version_info[:3]))}" in cause
    # What bandit did report is kept, never dropped with the error.
    assert [f.path for f in by_rule(result, "B602")] == ["pkg/app.py"]
    assert result.evidence["unparsed"] == ["pkg/broken.py"]
    assert result.evidence["files_scanned"] == 1


# --- interpreters -------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the running Python parses PEP 701")
def test_pep701_file_on_an_old_python_only_is_an_error(tmp_path: Path) -> None:
    cause = _one_line(BANDIT.run(make_ctx(tmp_path, {"pkg/fstr.py": PEP701})))
    assert "pkg/fstr.py" in cause
    assert f"Python {'.'.join(map(str, sys.version_info[:3]))}" in cause
    assert f"install Python >= 3.{sys.version_info[1] + 1}" in cause
    assert ENV_VAR in cause


def test_pep701_file_is_analysed_on_a_newer_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = newer_python()
    if newer is None:
        pytest.skip("no Python >= 3.12 on this machine (pyenv or python3.1x on PATH)")
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([sys.executable, newer]))
    result = BANDIT.run(make_ctx(tmp_path, {"pkg/fstr.py": PEP701, "pkg/app.py": VULNERABLE}))
    assert result.status is Status.PASS, result.reasons
    assert {f.path for f in by_rule(result, "B602")} == {"pkg/fstr.py", "pkg/app.py"}
    [fstr] = [f for f in by_rule(result, "B602") if f.path == "pkg/fstr.py"]
    assert fstr.line == 5
    assert result.evidence["files_scanned"] == 2
    reparsed = result.evidence["reparsed"]
    assert isinstance(reparsed, dict)
    if sys.version_info < (3, 12):
        assert list(reparsed) == ["pkg/fstr.py"]
        used = result.evidence["interpreters"]
        assert isinstance(used, list) and len(used) == 2
        assert [entry["files"] for entry in used] == [1, 1]  # type: ignore[index, call-overload]


# --- fingerprints -------------------------------------------------------------------------

ORIGINAL = """\
import subprocess


def run(user_input):
    cmd = "ls " + user_input
    return subprocess.call(cmd, shell=True)
"""

REFORMATTED = """\
\"\"\"A docstring and a helper move everything down.\"\"\"

import subprocess


def helper():
    return 1


def run(user_input):
    cmd = 'ls ' + user_input
    return subprocess.call(
        cmd,
        shell=True,
    )
"""

REPEATED = (
    ORIGINAL
    + """

def run_again(user_input):
    cmd = "ls " + user_input
    return subprocess.call(cmd, shell=True)
"""
)


def test_fingerprints_survive_reformatting_and_count_repeats(tmp_path: Path) -> None:
    results = {
        name: BANDIT.run(make_ctx(tmp_path / name, {"pkg/app.py": text}))
        for name, text in (("a", ORIGINAL), ("b", REFORMATTED), ("c", REPEATED))
    }
    [original] = by_rule(results["a"], "B602")
    [moved] = by_rule(results["b"], "B602")
    assert moved.line != original.line
    assert moved.end_line is not None and moved.end_line > moved.line - 1
    assert moved.fingerprint == original.fingerprint
    first, second = by_rule(results["c"], "B602")
    assert first.fingerprint == original.fingerprint
    assert second.fingerprint != first.fingerprint


def test_fingerprints_use_the_lines_the_ast_numbers(tmp_path: Path) -> None:
    # A form feed is white space to Python but a line break to str.splitlines().
    with_form_feed = ORIGINAL.replace("\n\n\ndef run", "\n\x0c\n\ndef run")
    plain = BANDIT.run(make_ctx(tmp_path / "plain", {"app.py": ORIGINAL}))
    fed = BANDIT.run(make_ctx(tmp_path / "fed", {"app.py": with_form_feed}))
    [before] = by_rule(plain, "B602")
    [after] = by_rule(fed, "B602")
    assert after.line == before.line
    assert after.fingerprint == before.fingerprint


# --- sharding -----------------------------------------------------------------------------


def test_sharded_and_chunked_runs_find_exactly_what_one_run_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        f"pkg/mod{i:03}.py": (VULNERABLE, FIXED, "VALUE = 1\n" * (i % 7 + 1))[i % 3]
        for i in range(120)
    }
    ctx = make_ctx(tmp_path, files, use_cache=False)  # both runs analyse every file
    monkeypatch.setattr(bandit_check, "FILES_PER_SHARD", 10**6)
    single = BANDIT.run(ctx)
    monkeypatch.setattr(bandit_check, "FILES_PER_SHARD", 50)
    monkeypatch.setattr(bandit_check, "MAX_CHUNK_FILES", 7)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    sharded = BANDIT.run(ctx)
    assert single.status is sharded.status is Status.PASS
    assert len(single.evidence["shards"]) == 1  # type: ignore[arg-type]
    assert len(sharded.evidence["shards"]) == 3  # type: ignore[arg-type]
    assert len(by_rule(single, "B602")) == 40
    assert sharded.findings == single.findings
    assert sharded.evidence["files_scanned"] == single.evidence["files_scanned"] == 120
    assert sharded.evidence["loc"] == single.evidence["loc"]


def test_shard_count_follows_files_and_cores() -> None:
    assert shard_count(0, 8) == 1
    assert shard_count(50, 8) == 1
    assert shard_count(51, 8) == 2
    assert shard_count(10_000, 8) == 8
    assert shard_count(10_000, 1) == 1


def test_balance_spreads_bytes_and_keeps_every_file() -> None:
    sizes = {"big.py": 1000, "a.py": 400, "b.py": 350, "c.py": 300, "d.py": 10}
    shards = balance(sizes, 2)
    assert sorted(p for shard in shards for p in shard) == sorted(sizes)
    loads = sorted(sum(sizes[p] for p in shard) for shard in shards)
    assert loads == [1010, 1050]
    assert balance({"only.py": 5}, 4) == [["only.py"]]


def test_chunks_bound_file_count_and_argv_length() -> None:
    files = [f"pkg/{'x' * 20}{i:04}.py" for i in range(1000)]
    by_count = chunked(files, max_files=300)
    assert [len(c) for c in by_count] == [300, 300, 300, 100]
    by_chars = chunked(files, max_files=10_000, max_chars=1000)
    assert all(sum(len(p) + 1 for p in c) <= 1000 for c in by_chars)
    assert [p for c in by_chars for p in c] == files


# --- the parser, on real captured output --------------------------------------------------

REQUESTED = {"app.py", "broken.py"}


def test_captured_output_parses(captured: dict[str, Any]) -> None:
    report = parse_report(json.dumps(captured).encode(), requested=REQUESTED)
    assert [i.test_id for i in report.issues] == ["B404", "B602", "B607", "B603"]
    b602 = report.issues[1]
    assert (b602.path, b602.line, b602.col_offset, b602.cwe) == ("app.py", 7, 11, (78,))
    assert b602.severity is Severity.HIGH
    assert [(e.path, e.reason) for e in report.errors] == [("broken.py", bandit_check.SYNTAX_ERROR)]
    assert set(report.metrics) == {"app.py", "broken.py"}
    assert report.metrics["app.py"].loc == 9


def test_captured_clean_output_parses() -> None:
    report = parse_report((DATA / "clean.json").read_bytes(), requested={"clean.py"})
    assert report.issues == ()
    assert report.errors == ()
    assert report.metrics["clean.py"].loc == 3


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["results"][1].pop(key)


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["results"][1].__setitem__(key, value)


MALFORMED: dict[str, Callable[[dict[str, Any]], None]] = {
    "no-test-id": _drop("test_id"),
    "no-filename": _drop("filename"),
    "no-line": _drop("line_number"),
    "no-text": _drop("issue_text"),
    "unknown-severity": _set("issue_severity", "CRITICAL"),
    "line-as-text": _set("line_number", "7"),
    "line-as-bool": _set("line_number", True),
    "line-zero": _set("line_number", 0),
    "range-not-list": _set("line_range", "7"),
    "cwe-not-object": _set("issue_cwe", 78),
    "negative-column": _set("col_offset", -1),
    "odd-test-id": _set("test_id", "../B602"),
    "file-not-asked-for": _set("filename", "./elsewhere.py"),
    "no-metrics": lambda data: data.pop("metrics"),
    "errors-not-list": lambda data: data.__setitem__("errors", {}),
    "error-not-object": lambda data: data["errors"].__setitem__(0, "broken.py"),
    "error-without-reason": lambda data: data["errors"][0].pop("reason"),
    "metrics-without-loc": lambda data: data["metrics"]["./app.py"].pop("loc"),
    "result-not-object": lambda data: data["results"].__setitem__(0, []),
}


@pytest.mark.parametrize("mutate", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_output_raises_output_error(
    captured: dict[str, Any], mutate: Callable[[dict[str, Any]], None]
) -> None:
    data = copy.deepcopy(captured)
    mutate(data)
    with pytest.raises(OutputError) as raised:
        parse_report(json.dumps(data).encode(), requested=REQUESTED)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "stdout", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b'{"results": []}'], ids=repr
)
def test_non_report_output_raises_output_error(stdout: bytes) -> None:
    with pytest.raises(OutputError):
        parse_report(stdout, requested=REQUESTED)


def test_missing_cwe_or_cwe_zero_gives_no_cwe(captured: dict[str, Any]) -> None:
    del captured["results"][0]["issue_cwe"]
    captured["results"][1]["issue_cwe"]["id"] = 0
    report = parse_report(json.dumps(captured).encode(), requested=REQUESTED)
    assert report.issues[0].cwe == ()
    assert report.issues[1].cwe == ()
    assert report.issues[2].cwe == (78,)


# --- the result cache ---------------------------------------------------------------------


class CountingRunner(ToolRunner):
    """A real runner that records every process it starts."""

    def __init__(self) -> None:
        super().__init__(deadline=time.monotonic() + 600)
        self.started: list[tuple[str, ...]] = []
        self.cores: list[int | None] = []  # what each process asked procs.CPU for

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
        tool: str | None = None,
        executable: str | None = None,
        cores: int | None = None,
    ) -> Completed:
        self.started.append(tuple(argv))
        self.cores.append(cores)
        return super().run(
            argv,
            cwd=cwd,
            env=env,
            stdin=stdin,
            timeout=timeout,
            tool=tool,
            executable=executable,
            cores=cores,
        )

    def scanned(self) -> list[str]:
        """The files bandit was given, over all its runs."""
        return sorted(
            path
            for argv in self.started
            if "--ignore-nosec" in argv
            for path in argv[argv.index("--") + 1 :]
        )


def run_counted(ctx: CheckContext) -> tuple[CheckResult, CountingRunner]:
    runner = CountingRunner()
    return BANDIT.run(dataclasses.replace(ctx, tools=runner)), runner


def run_without_processes(ctx: CheckContext, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    """Run the check with every way of starting a process through ``subprocess`` refused."""

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(f"a process was started: {args[0]!r}")

    with monkeypatch.context() as patched:
        patched.setattr(subprocess, "Popen", refuse)
        result, runner = run_counted(ctx)
    assert runner.started == []
    return result


def cache_of(result: CheckResult) -> dict[str, JSONValue]:
    """The cache's counters (where its MAC key lives is checked in tests/test_cache.py)."""
    stats = result.evidence["cache"]
    assert isinstance(stats, dict)
    assert stats.get("rejected") == 0  # no entry here is forged
    return {k: v for k, v in stats.items() if k not in ("key", "rejected")}


def stored_entries(ctx: CheckContext) -> list[Entry]:
    """Every result bandit's cache holds, in every pack."""
    return entries(ctx.cache_dir / "results" / "bandit")


THREE_FILES = {"pkg/app.py": VULNERABLE, "pkg/fixed.py": FIXED, "pkg/util.py": "VALUE = 1\n"}


def test_a_warm_run_finds_every_file_cached_and_starts_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(tmp_path, THREE_FILES)
    cold, runner = run_counted(ctx)
    assert cold.status is Status.PASS, cold.reasons
    assert runner.scanned() == sorted(THREE_FILES)
    assert cache_of(cold) == {"enabled": True, "hits": 0, "misses": 3, "writes": 3, "invalid": 0}
    assert len(stored_entries(ctx)) == 3
    assert (cold.evidence["files_scanned"], cold.evidence["files_analysed"]) == (3, 3)

    warm = run_without_processes(ctx, monkeypatch)
    assert warm.status is Status.PASS, warm.reasons
    assert cache_of(warm) == {"enabled": True, "hits": 3, "misses": 0, "writes": 0, "invalid": 0}
    assert (warm.evidence["files_scanned"], warm.evidence["files_analysed"]) == (3, 0)
    assert warm.evidence["interpreters"] == []
    assert warm.findings == cold.findings
    assert [f.path for f in by_rule(warm, "B602")] == ["pkg/app.py"]


def test_changing_one_file_analyses_exactly_that_file(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, THREE_FILES)
    BANDIT.run(ctx)
    (ctx.tree / "pkg/app.py").write_text(FIXED, encoding="utf-8")
    changed, runner = run_counted(ctx)
    assert runner.scanned() == ["pkg/app.py"]
    assert cache_of(changed) == {
        "enabled": True,
        "hits": 2,
        "misses": 1,
        "writes": 1,
        "invalid": 0,
    }
    assert (changed.evidence["files_scanned"], changed.evidence["files_analysed"]) == (3, 1)
    assert not by_rule(changed, "B602")
    uncached = BANDIT.run(dataclasses.replace(ctx, use_cache=False))
    assert changed.findings == uncached.findings


def test_a_file_with_a_syntax_error_is_never_cached(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, {"pkg/app.py": VULNERABLE, "pkg/broken.py": "def broken(:\n"})
    first = BANDIT.run(ctx)
    assert first.status is Status.ERROR
    assert cache_of(first)["writes"] == 1
    second, runner = run_counted(ctx)
    assert runner.scanned() == ["pkg/broken.py"]
    assert second.status is Status.ERROR
    assert second.reasons == first.reasons
    assert "pkg/broken.py" in " ".join(second.reasons)
    assert second.evidence["unparsed"] == ["pkg/broken.py"]
    assert cache_of(second) == {"enabled": True, "hits": 1, "misses": 1, "writes": 0, "invalid": 0}
    assert second.findings == first.findings
    assert second.evidence["files_scanned"] == 1


def test_files_of_a_failed_bandit_run_are_never_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(tmp_path, THREE_FILES)
    monkeypatch.setenv(ENV_VAR, str(fake_python(tmp_path, stdout="garbage", returncode=1)))
    failed = BANDIT.run(ctx)
    assert failed.status is Status.ERROR
    assert cache_of(failed)["writes"] == 0
    assert stored_entries(ctx) == []
    monkeypatch.setenv(ENV_VAR, sys.executable)
    retried, runner = run_counted(ctx)
    assert retried.status is Status.PASS, retried.reasons
    assert runner.scanned() == sorted(THREE_FILES)


def test_cold_warm_and_uncached_runs_give_identical_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "pkg/app.py": VULNERABLE,
        "pkg/again.py": REPEATED,
        "pkg/moved.py": REFORMATTED,
        "pkg/fixed.py": FIXED,
        "tools/imports.py": "import pickle, shelve\n",
    }
    ctx = make_ctx(tmp_path, files, policy("static:\n  bandit:\n    skips: [B999]\n"))
    cold = BANDIT.run(ctx)
    warm = run_without_processes(ctx, monkeypatch)
    uncached = BANDIT.run(dataclasses.replace(ctx, use_cache=False))
    assert cache_of(warm)["hits"] == len(files)
    assert cache_of(uncached) == {
        "enabled": False,
        "hits": 0,
        "misses": len(files),
        "writes": 0,
        "invalid": 0,
    }
    assert cold.status is warm.status is uncached.status is Status.PASS
    assert len(cold.findings) > len(files)
    assert warm.findings == cold.findings
    assert uncached.findings == cold.findings
    assert [f.fingerprint for f in warm.findings] == [f.fingerprint for f in cold.findings]
    same = ("files_scanned", "loc", "nosec", "notes", "bandit_version", "parsed_with", "reparsed")
    for key in same:
        assert warm.evidence[key] == cold.evidence[key] == uncached.evidence[key], key
    assert "B999" in str(warm.evidence["notes"])
    assert cold.evidence["parsed_with"] == {".".join(map(str, sys.version_info[:3])): len(files)}


def test_changing_the_skips_misses_the_cache(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, THREE_FILES)
    BANDIT.run(ctx)
    skipping = BANDIT.run(
        dataclasses.replace(ctx, policy=policy("static:\n  bandit:\n    skips: [B602]\n"))
    )
    assert cache_of(skipping)["hits"] == 0
    assert cache_of(skipping)["misses"] == 3
    assert not by_rule(skipping, "B602")
    back = BANDIT.run(ctx)
    assert cache_of(back)["hits"] == 3
    assert [f.path for f in by_rule(back, "B602")] == ["pkg/app.py"]


def _entry_result(ctx: CheckContext, path: str) -> dict[str, Any]:
    result = entry_for(ctx.cache_dir / "results" / "bandit", path).result
    assert isinstance(result, dict)
    return result


DAMAGED: dict[str, Callable[[dict[str, Any]], None]] = {
    "unknown-severity": lambda r: r["issues"][0].__setitem__("issue_severity", "CRITICAL"),
    "line-as-text": lambda r: r["issues"][0].__setitem__("line_number", "7"),
    "odd-test-id": lambda r: r["issues"][0].__setitem__("test_id", "../B602"),
    "issue-not-object": lambda r: r["issues"].__setitem__(0, "B602"),
    "issues-not-list": lambda r: r.__setitem__("issues", {}),
    "negative-loc": lambda r: r["metrics"].__setitem__("loc", -1),
    "metrics-missing": lambda r: r.pop("metrics"),
    "python-not-a-version": lambda r: r.__setitem__("python", "3.x"),
    "reparsed-not-bool": lambda r: r.__setitem__("reparsed", 0),
    "unknown-key": lambda r: r.__setitem__("extra", 1),
    "not-an-object": lambda r: r.clear(),
}


@pytest.mark.parametrize("damage", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_cached_result_of_the_wrong_shape_is_analysed_again(
    tmp_path: Path, damage: Callable[[dict[str, Any]], None]
) -> None:
    ctx = make_ctx(tmp_path, {"app.py": VULNERABLE})
    cold = BANDIT.run(ctx)
    [entry] = stored_entries(ctx)
    result = _entry_result(ctx, "app.py")
    damage(result)
    set_result(entry, result, reseal=True, root=ctx.cache_dir)
    again, runner = run_counted(ctx)
    assert runner.scanned() == ["app.py"]
    assert cache_of(again) == {"enabled": True, "hits": 0, "misses": 1, "writes": 1, "invalid": 1}
    assert again.status is cold.status is Status.PASS
    assert again.findings == cold.findings
    rewritten = file_result_from_json("app.py", _entry_result(ctx, "app.py"))
    assert rewritten is not None
    assert cache_of(BANDIT.run(ctx))["hits"] == 1


def test_cached_results_rebuild_exactly_what_bandit_reported(captured: dict[str, Any]) -> None:
    report = parse_report(json.dumps(captured).encode(), requested=REQUESTED)
    issues = tuple(issue for issue in report.issues if issue.path == "app.py")
    assert any(issue.cwe for issue in issues)
    result = FileResult(
        issues=issues, metrics=report.metrics["app.py"], python="3.10.12", reparsed=False
    )
    stored = json.loads(json.dumps(file_result_json(result)))
    assert "filename" not in json.dumps(stored)
    assert file_result_from_json("app.py", stored) == result
    assert file_result_from_json("other.py", stored) == dataclasses.replace(
        result, issues=tuple(dataclasses.replace(i, path="other.py") for i in issues)
    )


def test_results_of_another_bandit_version_are_never_cached(tmp_path: Path) -> None:
    other = tmp_path / "python-with-other-bandit"
    body = f"""\
        import json, os, sys
        if "--ignore-nosec" in sys.argv:
            os.execv({sys.executable!r}, [{sys.executable!r}, *sys.argv[1:]])
        print(json.dumps({{
            "version": list(sys.version_info[:3]),
            "executable": os.path.abspath(__file__),
            "prefix": "other",
            "bandit": "0.0.1",
            "tests": ["B602"],
        }}))
    """
    other.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    other.chmod(0o755)
    ctx = make_ctx(tmp_path, {"app.py": VULNERABLE})
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv(ENV_VAR, str(other))
        for _ in range(2):
            result = BANDIT.run(ctx)
            assert cache_of(result)["writes"] == 0
            assert cache_of(result)["hits"] == 0
            if result.status is Status.PASS:  # the interpreter was accepted: its results count
                assert result.evidence["bandit_version"] == "0.0.1"
                assert by_rule(result, "B602")
    assert stored_entries(ctx) == []
    assert not (ctx.cache_dir / "results" / "bandit-selection").exists()


def test_without_bandit_metadata_the_cache_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bandit_cache, "installed_bandit_version", lambda: None)
    ctx = make_ctx(tmp_path, {"app.py": VULNERABLE})
    result = BANDIT.run(ctx)
    assert result.status is Status.PASS, result.reasons
    assert cache_of(result)["enabled"] is False
    assert "result cache off" in str(result.evidence["notes"])
    assert stored_entries(ctx) == []


def test_a_reparsed_file_keeps_its_interpreter_when_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = newer_python()
    if newer is None:
        pytest.skip("no Python >= 3.12 on this machine (pyenv or python3.1x on PATH)")
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([sys.executable, newer]))
    ctx = make_ctx(tmp_path, {"pkg/fstr.py": PEP701, "pkg/app.py": VULNERABLE})
    cold = BANDIT.run(ctx)
    warm = run_without_processes(ctx, monkeypatch)
    assert cold.status is warm.status is Status.PASS, cold.reasons
    assert warm.findings == cold.findings
    assert warm.evidence["reparsed"] == cold.evidence["reparsed"]
    assert warm.evidence["parsed_with"] == cold.evidence["parsed_with"]
    if sys.version_info < (3, 12):
        reparsed = warm.evidence["reparsed"]
        assert isinstance(reparsed, dict) and list(reparsed) == ["pkg/fstr.py"]
        parsed_with = warm.evidence["parsed_with"]
        assert isinstance(parsed_with, dict) and list(parsed_with.values()) == [1, 1]


def test_semgrep_leases_every_core_it_runs_on_and_each_bandit_shard_one(tmp_path: Path) -> None:
    """Never more busy tool processes than cores (``procs.CpuSlots``): semgrep's scan
    asks for its ``--jobs``, each bandit process for one."""
    ctx = make_ctx(tmp_path, {"app.py": VULNERABLE, "b.py": VULNERABLE}, use_cache=False)
    runner = CountingRunner()
    ctx = dataclasses.replace(ctx, tools=runner)
    assert BANDIT.run(ctx).findings
    assert SEMGREP.run(ctx).findings
    asked = list(zip(runner.started, runner.cores, strict=True))
    scans = [cores for argv, cores in asked if argv[1:3] == ("scan", "--experimental")]
    shards = [cores for argv, cores in asked if "--ignore-nosec" in argv]
    assert scans == [os.cpu_count()]
    assert shards and set(shards) == {1}
