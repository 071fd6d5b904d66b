"""The semgrep check drives the real semgrep with our rule pack, offline and fail closed."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import FLASK_SQLI, GitRepo, check, load_report, releasegate

from releasegate.checks.semgrep import parse_output

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "semgrep"


FLASK_PARAMETERISED = FLASK_SQLI.replace(
    """cur.execute("SELECT * FROM users WHERE name = '%s'" % name)""",
    """cur.execute("SELECT * FROM users WHERE name = ?", (name,))""",
)

SQLI_RULE = "releasegate.python.sqli.formatted-sql-to-execute"


def _run(
    repo: GitRepo, tmp_path: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "semgrep", "--json", str(out), *extra, env=env
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, load_report(out)


def test_flask_sql_from_request_args_is_blocked_with_cwe_89(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FLASK_SQLI})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "fail"
    [finding] = [f for f in semgrep["findings"] if f["rule_id"] == SQLI_RULE]
    assert finding["cwe"] == [89]
    assert finding["path"] == "app.py"
    assert finding["line"] == 12
    assert finding["blocking"] is True
    assert "parameter" in finding["message"].lower() or "pass values" in finding["message"]


def test_the_parameterised_query_passes(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FLASK_PARAMETERISED})
    code, report = _run(repo, tmp_path)
    assert code == 0, report["reasons"]
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "pass"
    assert semgrep["evidence"]["rule_count"] >= 30


def test_warm_cache_runs_no_semgrep(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FLASK_SQLI, "other.py": "x = 1\n"})
    _, cold = _run(repo, tmp_path)
    _, warm = _run(repo, tmp_path)
    cold_cache = check(cold, "semgrep")["evidence"]["cache"]
    warm_cache = check(warm, "semgrep")["evidence"]["cache"]
    assert cold_cache["misses"] == 2 and cold_cache["writes"] == 2
    assert warm_cache["hits"] == 2 and warm_cache["misses"] == 0
    assert check(warm, "semgrep")["evidence"]["files_analysed"] == 0
    assert check(warm, "semgrep")["findings"] == check(cold, "semgrep")["findings"]


def test_a_semgrepignore_in_the_judged_repo_cannot_hide_a_file(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": FLASK_SQLI, ".semgrepignore": "app.py\n"})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    # semgrep (1.185) does not apply .semgrepignore to files named on its command line,
    # so the file is scanned and its finding blocks. Were a semgrep to honour it, the
    # check would be an error ("did not scan ... app.py"), never a pass.
    assert semgrep["status"] == "fail", semgrep["reasons"]
    assert any(f["rule_id"] == SQLI_RULE and f["path"] == "app.py" for f in semgrep["findings"])


def test_a_requested_file_semgrep_does_not_scan_is_an_error_naming_it(
    repo: GitRepo, tmp_path: Path
) -> None:
    # The scope takes scripts without a suffix; semgrep skips them (it reads no shebang),
    # listing them nowhere but by their absence from paths.scanned.
    policy = 'version: 1\nstatic:\n  include: ["**/*.py", "bin/*"]\n'
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    script = "#!/usr/bin/env python3\n" + FLASK_SQLI
    repo.commit("app", **{"app.py": FLASK_PARAMETERISED, "bin/tool": script})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    [reason] = semgrep["reasons"]
    assert "did not scan 1 requested file(s)" in reason and reason.endswith(": bin/tool")
    assert "\n" not in reason


def test_a_file_over_the_size_cap_is_an_error_not_a_skip(repo: GitRepo, tmp_path: Path) -> None:
    policy = "version: 1\nstatic:\n  semgrep:\n    max_target_bytes: 100\n"
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FLASK_SQLI})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    assert "max_target_bytes" in semgrep["reasons"][0] and "app.py" in semgrep["reasons"][0]


def test_registry_rules_are_refused_unless_allowed(repo: GitRepo, tmp_path: Path) -> None:
    policy = "version: 1\nstatic:\n  semgrep:\n    rules: [p/python]\n"
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("app", **{"app.py": FLASK_SQLI})
    done = releasegate("run", "--repo", str(repo.root), "--only", "semgrep")
    assert done.returncode == 2
    assert "'p/python' would download rules" in done.stderr
    assert "allow_network_rules" in done.stderr


OWN_RULE = """rules:
  - id: acme.no-print
    message: use logging instead of print
    severity: ERROR
    languages: [python]
    metadata: {cwe: ["CWE-532: Insertion of Sensitive Information into Log File"], confidence: HIGH}
    pattern: print(...)
"""


def test_repository_rules_come_from_the_base_commit(repo: GitRepo, tmp_path: Path) -> None:
    policy = "version: 1\nstatic:\n  semgrep:\n    rules: [builtin, semgrep-rules/]\n"
    repo.commit("rules", **{".releasegate.yml": policy, "semgrep-rules/print.yaml": OWN_RULE})
    repo.tag("v1")
    weakened = OWN_RULE.replace("pattern: print(...)", "pattern: never_called_xyz(...)")
    repo.commit("app", **{"app.py": "print('hi')\n", "semgrep-rules/print.yaml": weakened})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert [f["rule_id"] for f in semgrep["findings"]] == ["acme.no-print"]
    assert semgrep["findings"][0]["cwe"] == [532]


def test_an_empty_rule_set_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    policy = "version: 1\nstatic:\n  semgrep:\n    rules: [semgrep-rules/]\n"
    repo.commit("rules", **{".releasegate.yml": policy, "semgrep-rules/empty.yaml": "rules: []\n"})
    repo.tag("v1")
    repo.commit("app", **{"app.py": "x = 1\n"})
    code, report = _run(repo, tmp_path)
    assert code == 1
    assert "rule set is empty" in check(report, "semgrep")["reasons"][0]


def test_garbage_from_semgrep_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FLASK_SQLI})
    fake = tmp_path / "bin" / "semgrep"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Traceback (most recent call last): <garbage>'\nexit 2\n")
    fake.chmod(0o755)
    env = {"RELEASEGATE_SEMGREP": str(fake)}
    code, report = _run(repo, tmp_path, env=env)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    assert len(semgrep["reasons"]) == 1 and "semgrep" in semgrep["reasons"][0]


# --- semgrep's errors: captured outputs (tests/data/semgrep/README.md), then real runs -----

CAPTURED_ERRORS = {
    # name: (requested files, the one problem expected, files it makes unclean)
    "parse-error": (
        {"app.py", "broken.py"},
        "PartialParsing in broken.py: Syntax error at line broken.py:3:",
        {"broken.py"},
    ),
    "rule-error": (
        {"app.py"},
        "Rule parse error (rule capture.bad-pattern): Rule parse error in rule "
        "capture.bad-pattern: Invalid pattern for Python",
        set(),
    ),
    "timeout": (
        {"big.py"},
        "Timeout in big.py (rule capture.slow): Timeout when running capture.slow on big.py:",
        {"big.py"},
    ),
    "out-of-memory": (
        {"big.py"},
        "Out of memory in big.py: Out of memory at line big.py:1: Exceeded memory limit",
        {"big.py"},
    ),
}


def test_captures_come_from_the_installed_semgrep() -> None:
    assert (DATA / "semgrep.version").read_text().strip() == metadata.version("semgrep")


@pytest.mark.parametrize("name", sorted(CAPTURED_ERRORS))
def test_captured_semgrep_errors_are_one_line_problems_naming_file_and_rule(name: str) -> None:
    requested, expected, failed = CAPTURED_ERRORS[name]
    scan = parse_output((DATA / f"{name}.json").read_bytes(), requested)
    [problem] = scan.problems
    assert problem.startswith(expected), problem
    assert "\n" not in problem and len(problem) < 400
    assert scan.failed_files == failed
    assert scan.scanned == requested


def test_captured_parse_error_keeps_the_results_of_the_other_file() -> None:
    scan = parse_output((DATA / "parse-error.json").read_bytes(), {"app.py", "broken.py"})
    assert [(m.rule_id, m.path, m.line) for m in scan.matches] == [
        ("capture.os-system", "app.py", 3)
    ]


def test_captured_not_scanned_file_is_absent_from_scanned_and_errors() -> None:
    scan = parse_output((DATA / "not-scanned.json").read_bytes(), {"app.py", "tool"})
    assert scan.problems == () and scan.scanned == {"app.py"}


def _own_rules_policy(repo: GitRepo, rule: str, extra: str = "") -> None:
    policy = f"version: 1\nstatic:\n  semgrep:\n    rules: [semgrep-rules/]\n{extra}"
    repo.commit("rules", **{".releasegate.yml": policy, "semgrep-rules/own.yaml": rule})
    repo.tag("v1")


def test_a_target_that_does_not_parse_is_an_error_naming_it(repo: GitRepo, tmp_path: Path) -> None:
    # semgrep exits 0 here and still reports the other file's findings.
    broken = (DATA / "broken.py.txt").read_text()
    repo.commit("app", **{"app.py": FLASK_PARAMETERISED, "broken.py": broken})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    [reason] = semgrep["reasons"]
    assert "semgrep reported errors: PartialParsing in broken.py: Syntax error" in reason
    assert "\n" not in reason
    [error] = semgrep["evidence"]["errors"]
    assert error.startswith("PartialParsing in broken.py: Syntax error at line broken.py:3")


def test_a_repository_rule_that_does_not_parse_is_an_error_naming_it(
    repo: GitRepo, tmp_path: Path
) -> None:
    _own_rules_policy(repo, (DATA / "bad-pattern.yaml").read_text())
    repo.commit("app", **{"app.py": "import os\n\nos.system(input())\n"})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    [reason] = semgrep["reasons"]
    assert "Rule parse error (rule capture.bad-pattern)" in reason, reason
    assert "\n" not in reason


def test_a_rule_timing_out_on_a_file_is_an_error_naming_both(repo: GitRepo, tmp_path: Path) -> None:
    _own_rules_policy(repo, (DATA / "slow.yaml").read_text(), "    timeout_per_file: 1\n")
    big = "def f():\n" + "".join(f"    v{i} = {i}\n" for i in range(2000))
    repo.commit("app", **{"big.py": big})
    code, report = _run(repo, tmp_path)
    assert code == 1
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    [reason] = semgrep["reasons"]
    assert "semgrep reported errors: Timeout in big.py (rule capture.slow)" in reason
    assert semgrep["evidence"]["cache"]["writes"] == 0  # a timed-out file is never cached


class _Recorder:
    """A TCP listener on 127.0.0.1 that counts connection attempts (a proxy that never answers)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def test_scanning_contacts_no_registry(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FLASK_SQLI})
    recorder = _Recorder()
    proxy = f"http://127.0.0.1:{recorder.port}"
    env = {
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "http_proxy": proxy,
        "https_proxy": proxy,
        "ALL_PROXY": proxy,
        "NO_PROXY": "",
    }
    try:
        code, report = _run(repo, tmp_path, "--no-cache", env=env)
    finally:
        recorder.close()
    semgrep = check(report, "semgrep")
    assert (code, semgrep["status"]) == (1, "fail"), semgrep["reasons"]
    assert recorder.connections == 0, "semgrep tried to reach the network"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create a network namespace")
def test_scanning_works_without_any_network(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": FLASK_SQLI})
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr!r}")
    out = tmp_path / "offline.json"
    exe = subprocess.run(["which", "releasegate"], capture_output=True, text=True, check=True)
    done = subprocess.run(
        [
            "unshare",
            "--net",
            exe.stdout.strip(),
            "run",
            "--repo",
            str(repo.root),
            "--only",
            "semgrep",
            "--no-cache",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    semgrep = check(load_report(out), "semgrep")
    assert any(f["rule_id"] == SQLI_RULE for f in semgrep["findings"]), semgrep["reasons"]


@pytest.mark.parametrize(
    "command",
    [
        ["--test", "--metrics=off", "--disable-version-check"],  # pysemgrep
        ["test", "--experimental"],  # the native command line, the one the gate runs
    ],
)
def test_the_rule_pack_passes_its_own_tests(command: list[str]) -> None:
    done = subprocess.run(
        ["semgrep", *command, "checks/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "All tests passed" in done.stdout + done.stderr


def test_every_rule_has_safe_look_alikes_and_metadata() -> None:
    done = subprocess.run(
        ["python", "bench/rulepack_metrics.py", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
