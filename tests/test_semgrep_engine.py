"""Which semgrep the gate runs: semgrep's native command line, with semgrep's own results.

The gate runs ``osemgrep scan --experimental``: the ``semgrep-core`` binary of the semgrep
installed for this Python, started under the name ``osemgrep`` (what semgrep's ``semgrep``
script execs for ``--experimental``). These tests drive the real binary, the real
pysemgrep (semgrep's older command line, for the comparison) and real git.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import STATIC_ONLY_POLICY, GitRepo, check, load_report, releasegate

from releasegate import semgrep_tool
from releasegate.checks.semgrep import scan_argv
from releasegate.policy.loader import default_policy

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(sys.executable).parent

# The rule pack's eval-exec-non-literal flags both lines (request data into eval).
EVAL_APP = """\
from flask import Flask, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    return str(eval(request.args.get("expr", "0")))


def load(text):
    exec(text, {"__builtins__": {}})
"""

EXPECTED = [
    ("eval-exec-non-literal", "app.py", 8),
    ("eval-exec-non-literal", "app.py", 12),
    ("eval-exec-non-literal", "lib/weird name.py", 8),
    ("eval-exec-non-literal", "lib/weird name.py", 12),
]


def _vulnerable_repo(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY})
    repo.tag("v1")
    repo.commit("app", **{"app.py": EVAL_APP, "lib/weird name.py": EVAL_APP})
    return repo


def _run(repo: GitRepo, tmp_path: Path, name: str, **env: str) -> dict[str, Any]:
    report = tmp_path / f"{name}.json"
    releasegate(
        "run", "--repo", str(repo.root), "--only", "static", "--no-progress",
        "--json", str(report),
        env={"RELEASEGATE_CACHE_DIR": str(tmp_path / f"{name}-cache"), **env},
    )  # fmt: skip
    return load_report(report)


def _semgrep_findings(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Every semgrep result of the report: its own findings and those folded into another
    tool's finding of the same weakness (``also``)."""
    found = []
    for result in report["checks"]:
        for f in result["findings"]:
            if f["tool"] == "semgrep":
                found.append((f["rule_id"].rsplit(".", 1)[-1], f["path"], f["line"]))
            for also in f.get("also") or []:
                if also["tool"] == "semgrep":
                    found.append((also["rule_id"].rsplit(".", 1)[-1], f["path"], f["line"]))
    return sorted(found)


def _native() -> semgrep_tool.SemgrepCommand:
    native = semgrep_tool.installed()
    assert native is not None, "semgrep (with its semgrep-core) is installed for this Python"
    return native


def test_the_installed_semgrep_runs_as_its_native_command_line() -> None:
    native = _native()
    assert Path(native.executable).name == "semgrep-core"
    assert native.argv0 == "osemgrep"
    assert native.version == metadata.version("semgrep")
    assert native.scan("--json")[:3] == ["osemgrep", "scan", "--experimental"]
    assert semgrep_tool.located({"PATH": ""}) == native  # not PATH's, not configured


def test_the_gate_reports_the_engine_and_finds_what_the_pack_finds(tmp_path: Path) -> None:
    report = _run(_vulnerable_repo(tmp_path / "repo"), tmp_path, "native")
    semgrep = check(report, "semgrep")
    assert semgrep["status"] != "error", semgrep["reasons"]
    assert semgrep["evidence"]["semgrep_engine"] == "osemgrep"
    assert semgrep["evidence"]["semgrep_version"] == metadata.version("semgrep")
    assert _semgrep_findings(report) == EXPECTED


def _results(out: str) -> tuple[set[tuple[str, str, int, int, int]], list[str], list[Any]]:
    data = json.loads(out)
    found = {
        (r["check_id"], r["path"], r["start"]["line"], r["start"]["col"], r["end"]["line"])
        for r in data["results"]
    }
    return found, sorted(data["paths"]["scanned"]), data["errors"]


@pytest.mark.slow
def test_the_native_command_line_finds_exactly_what_pysemgrep_finds_on_the_pack() -> None:
    """The whole pack over its own annotated test files and the accuracy corpus: the same
    results, files and (no) errors from both of semgrep's command lines."""
    pysemgrep = SCRIPTS / "pysemgrep"
    if not pysemgrep.is_file():
        pytest.skip("pysemgrep is not installed beside this Python")
    targets = sorted(
        str(p.relative_to(ROOT))
        for p in [*ROOT.glob("checks/python/*/*.py"), *ROOT.glob("bench/accuracy/cases/*/*.py")]
    )
    assert len(targets) > 300
    settings = default_policy().policy.static.semgrep
    native = _native()
    argv = scan_argv(
        native,
        ["checks/python"],
        targets,
        timeout=settings.timeout_per_file,
        max_memory=settings.max_memory_mib,
        jobs=2,
    )
    env = semgrep_tool.offline_env(Path(os.environ.get("TMPDIR", "/tmp")), os.environ)
    # pysemgrep's `scan` has no --experimental; everything else is the same.
    older = [str(pysemgrep), *[a for a in argv[1:] if a != "--experimental"]]
    done = [
        subprocess.run(
            command,
            executable=exe,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        for command, exe in ((argv, native.executable), (older, None))
    ]
    assert [d.returncode for d in done] == [0, 0], [d.stderr[-1000:] for d in done]
    native_found, native_scanned, native_errors = _results(done[0].stdout)
    py_found, py_scanned, py_errors = _results(done[1].stdout)
    assert native_errors == py_errors == []
    assert native_scanned == py_scanned == targets
    assert len(native_found) > 300
    assert native_found == py_found


def test_a_nosemgrep_comment_hides_nothing_from_the_native_command_line(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("policy", **{".releasegate.yml": STATIC_ONLY_POLICY})
    repo.tag("v1")
    hidden = EVAL_APP.replace('"0")))', '"0")))  # nosemgrep').replace(
        '"__builtins__": {}})', '"__builtins__": {}})  # nosemgrep: eval-exec-non-literal'
    )
    repo.commit("app", **{"app.py": hidden, "lib/weird name.py": EVAL_APP})
    report = _run(repo, tmp_path, "nosem")
    assert _semgrep_findings(report) == EXPECTED


# A `semgrep` package committed in the judged head that answers "nothing found".
FAKE_SEMGREP = """\
import json, os, sys
if "scan" in sys.argv:
    files = sys.argv[sys.argv.index("--") + 1:]
    print(json.dumps({"results": [], "errors": [], "paths": {"scanned": files}}))
    sys.stdout.flush()
    os._exit(0)
"""


@pytest.mark.parametrize("configured", [False, True])
def test_a_semgrep_package_in_the_head_never_runs_in_semgreps_place(
    tmp_path: Path, configured: bool
) -> None:
    # An empty PYTHONPATH entry (`PYTHONPATH=$PYTHONPATH:/x` with it unset) would put the
    # judged tree, semgrep's working directory, on sys.path before site-packages, for a
    # `semgrep` script (Python); the native binary imports nothing.
    repo = _vulnerable_repo(tmp_path / "repo")
    repo.commit("fake", **{"semgrep/__init__.py": FAKE_SEMGREP,
                           "semgrep/console_scripts/__init__.py": "",
                           "semgrep/console_scripts/entrypoint.py": FAKE_SEMGREP})  # fmt: skip
    env = {"PYTHONPATH": f":{tmp_path / 'nonexistent'}:relative/dir"}
    if configured:
        env["RELEASEGATE_SEMGREP"] = str(SCRIPTS / "semgrep")
    report = _run(repo, tmp_path, "hostile", **env)
    expected_engine = "RELEASEGATE_SEMGREP" if configured else "osemgrep"
    assert check(report, "semgrep")["evidence"]["semgrep_engine"] == expected_engine
    assert _semgrep_findings(report) == EXPECTED  # the real semgrep ran


def test_semgreps_environment_keeps_only_absolute_pythonpath_entries_and_no_github_identity(
    tmp_path: Path,
) -> None:
    environ = {
        "PYTHONPATH": f":/abs/one:rel:{os.pathsep}/abs/two:.",
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "o/r",
        "SEMGREP_APP_TOKEN": "s",
        "KEPT": "1",
    }
    env = semgrep_tool.offline_env(tmp_path, environ)
    assert env["PYTHONPATH"] == f"/abs/one{os.pathsep}/abs/two"
    assert not {"GITHUB_TOKEN", "GITHUB_REPOSITORY", "SEMGREP_APP_TOKEN"} & set(env)
    assert env["KEPT"] == "1"
    assert "PYTHONPATH" not in semgrep_tool.offline_env(tmp_path, {"PYTHONPATH": ":rel"})


def test_a_configured_semgrep_runs_as_configured(tmp_path: Path) -> None:
    wrapper = tmp_path / "semgrep-wrapper"
    log = tmp_path / "wrapper.log"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {SCRIPTS / "semgrep"} "$@"\n')
    wrapper.chmod(0o755)
    report = _run(
        _vulnerable_repo(tmp_path / "repo"), tmp_path, "configured",
        RELEASEGATE_SEMGREP=str(wrapper),
    )  # fmt: skip
    assert check(report, "semgrep")["evidence"]["semgrep_engine"] == "RELEASEGATE_SEMGREP"
    assert "scan --experimental --json" in log.read_text()
    assert _semgrep_findings(report) == EXPECTED


def test_a_configured_semgrep_without_the_native_command_line_fails_closed_and_says_so(
    tmp_path: Path,
) -> None:
    pysemgrep = SCRIPTS / "pysemgrep"
    if not pysemgrep.is_file():
        pytest.skip("pysemgrep is not installed beside this Python")
    report = _run(
        _vulnerable_repo(tmp_path / "repo"), tmp_path, "pysemgrep",
        RELEASEGATE_SEMGREP=str(pysemgrep),
    )  # fmt: skip
    semgrep = check(report, "semgrep")
    assert semgrep["status"] == "error"
    assert report["decision"] != "pass"
    [reason] = semgrep["reasons"]
    assert "--experimental" in reason
    assert "RELEASEGATE_SEMGREP" in reason


def test_without_an_installed_semgrep_core_the_one_on_path_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "semgrep" / "bin").mkdir(parents=True)
    (site / "semgrep" / "bin" / "semgrep-core").write_text("not executable\n")
    monkeypatch.setattr(semgrep_tool, "_site_dirs", lambda: [site])
    assert semgrep_tool.installed() is None
    on_path = tmp_path / "bin"
    on_path.mkdir()
    (on_path / "semgrep").write_text("#!/bin/sh\n")
    (on_path / "semgrep").chmod(0o755)
    found = semgrep_tool.located({"PATH": str(on_path)})
    assert (found.executable, found.argv0, found.engine) == (
        str(on_path / "semgrep"),
        str(on_path / "semgrep"),
        "PATH",
    )
    assert found.scan()[1:] == ["scan", "--experimental"]
