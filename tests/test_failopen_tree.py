"""Fail-open paths of the analysers' view of the head commit, each driven end to end.

Every test here was a PASS of a vulnerable commit before the snapshot
(``releasegate/snapshot.py``): a stage command editing files under the
scanners, symbolic links, ``# coding: utf-7`` and submodules.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rg_cachepacks import entry_for, set_result
from rg_testlib import (
    FIXED_APP,
    STATIC_ONLY_POLICY,
    VULNERABLE_APP,
    GitRepo,
    check,
    load_report,
    releasegate,
)


def _gate(
    repo: GitRepo, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = repo.root.parent / "report.json"
    out.unlink(missing_ok=True)
    done = releasegate("run", "--repo", str(repo.root), "--json", str(out), *extra, env=env)
    assert out.is_file(), done.stdout + done.stderr
    return done, load_report(out)


def _trusted(repo: GitRepo, policy: str = STATIC_ONLY_POLICY, **files: str) -> None:
    repo.commit("policy", **{".releasegate.yml": policy, **files})
    repo.tag("v1")


TAMPER = """import pathlib, time
target = pathlib.Path("vuln.py")
original = target.read_bytes()
target.write_text("x = 1\\n")
time.sleep(6)
target.write_bytes(original)
"""


@pytest.mark.fresh_cache
def test_a_stage_command_cannot_change_what_the_scanners_read(repo: GitRepo) -> None:
    policy = STATIC_ONLY_POLICY + (
        "  tamper:\n    command: [python, tamper.py]\n    format: exit-code\n"
    )
    _trusted(repo, policy, **{"tamper.py": TAMPER})
    repo.commit("vuln", **{"vuln.py": VULNERABLE_APP})
    cache = repo.root.parent / "cache"
    env = {"RELEASEGATE_CACHE_DIR": str(cache)}
    done, report = _gate(repo, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["decision"] == "block"
    bandit = check(report, "bandit")
    assert any(f["rule_id"] == "B602" and f["path"] == "vuln.py" for f in bandit["findings"])
    assert check(report, "tamper")["status"] == "pass"
    # The cached result (a second, warm run) still holds the finding.
    done, report = _gate(repo, "--only", "static", env=env)
    assert done.returncode == 1
    assert any(f["rule_id"] == "B602" for f in check(report, "bandit")["findings"])


def _symlink_commit(repo: GitRepo, link: str, target: str, **files: str) -> None:
    for path, text in files.items():
        repo.write(path, text)
    (repo.root / link).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / link).symlink_to(target)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "link")


def test_a_link_to_an_excluded_file_is_judged_under_its_own_name(repo: GitRepo) -> None:
    _trusted(repo)
    _symlink_commit(repo, "server.py", "tests/impl.py", **{"tests/impl.py": VULNERABLE_APP})
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    paths = {f["path"] for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"}
    assert paths == {"server.py"}  # tests/ is excluded by default; the link is not
    assert check(report, "tree")["status"] == "pass"


def test_a_link_to_a_directory_is_judged_under_its_own_name(repo: GitRepo) -> None:
    _trusted(repo)
    _symlink_commit(repo, "app", "tests/pkg", **{"tests/pkg/mod.py": VULNERABLE_APP})
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    paths = {f["path"] for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"}
    assert paths == {"app/mod.py"}


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("../outside.py", "symlink-outside-repository"),
        ("/etc/passwd", "symlink-outside-repository"),
        ("sub/../../outside.py", "symlink-outside-repository"),
        ("missing.py", "symlink-dangling"),
        ("loop.py", "symlink-loop"),
    ],
)
def test_a_link_leaving_the_repository_blocks_and_its_target_is_never_read(
    repo: GitRepo, tmp_path: Path, target: str, kind: str
) -> None:
    outside = repo.root.parent / "outside.py"
    outside.write_text(VULNERABLE_APP, encoding="utf-8")
    _trusted(repo)
    if kind == "symlink-loop":
        (repo.root / "loop.py").symlink_to("app.py")
    _symlink_commit(repo, "app.py", target, **{"sub/keep.py": FIXED_APP})
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    tree = check(report, "tree")
    assert tree["status"] == "fail"
    [issue] = [i for i in tree["evidence"]["issues"] if i["path"] == "app.py"]
    assert issue["kind"] == kind
    assert issue["blocking"] is True
    assert any("app.py" in r for r in report["reasons"])
    # Nothing outside the repository was analysed or reported.
    everything = json.dumps(report)
    assert 'outside.py"' not in everything.replace(target, "")
    assert "root:x:0:0" not in everything
    assert all(f["path"] != "outside.py" for f in check(report, "bandit")["findings"])


ADVISORY = """id: PYSEC-2099-1
modified: "2024-01-01T00:00:00Z"
published: "2024-01-01T00:00:00Z"
summary: test advisory
details: a test advisory for pyyaml 5.1
affected:
- package:
    name: pyyaml
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: "5.4"
"""


def test_a_linked_requirements_file_is_audited(repo: GitRepo, tmp_path: Path) -> None:
    db = tmp_path / "db" / "vulns" / "pyyaml"
    db.mkdir(parents=True)
    (db / "PYSEC-2099-1.yaml").write_text(ADVISORY, encoding="utf-8")
    policy = (
        "version: 1\nreview:\n  required: false\nsignoff:\n  required: false\n"
        "static:\n  required: false\nstages:\n  functional:\n    required: false\n"
    )
    _trusted(repo, policy)
    _symlink_commit(repo, "requirements.txt", "deps.in", **{"deps.in": "pyyaml==5.1\n"})
    done, report = _gate(repo, "--advisory-db", str(tmp_path / "db"))
    assert done.returncode == 1, done.stdout + done.stderr
    deps = check(report, "dependencies")
    assert any(
        f["path"] == "requirements.txt" and f.get("package") == "pyyaml" for f in deps["findings"]
    ), deps


UTF7_HIDDEN = (
    b"# -*- coding: utf-7 -*-\n"
    b"import subprocess\n"
    b"def run(user_input):\n"
    b"    pass  #+AAo-    subprocess.call('ls ' +- user_input, shell=True)\n"
)


def test_utf7_code_is_analysed_as_python_runs_it(repo: GitRepo) -> None:
    _trusted(repo)
    (repo.root / "hidden.py").write_bytes(UTF7_HIDDEN)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "utf7")
    # Python really runs the hidden line.
    decoded = UTF7_HIDDEN.decode("utf-7")
    assert "\n    subprocess.call(" in decoded
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    findings = check(report, "bandit")["findings"]
    assert any(f["rule_id"] == "B602" and f["path"] == "hidden.py" for f in findings), findings
    # bandit decodes PEP 263 itself; semgrep sees the hidden line only in the converted
    # copy (on the line Python runs it on: the decoded "+AAo-" is a newline), and its
    # finding is merged into bandit's for the same weakness on the same line.
    seen = [
        (also["tool"], also["rule_id"], f["line"])
        for f in findings + check(report, "semgrep")["findings"]
        for also in [f, *f["also"]]
        if f["path"] == "hidden.py"
    ]
    assert ("semgrep", "releasegate.python.injection.shell-with-non-literal-command", 5) in seen
    issues = check(report, "tree")["evidence"]["issues"]
    assert {"kind": "reencoded-python", "path": "hidden.py"}.items() <= issues[0].items()


def test_a_python_file_that_cannot_be_decoded_blocks_naming_it(repo: GitRepo) -> None:
    _trusted(repo)
    (repo.root / "bad.py").write_bytes(b"# coding: utf-7\nx = '+\xff\xfe-'\n")
    (repo.root / "unknown.py").write_bytes(b"# coding: no-such-codec\nx = 1\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "bad")
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1
    tree = check(report, "tree")
    assert tree["status"] == "fail"
    kinds = {(i["path"], i["kind"]) for i in tree["evidence"]["issues"]}
    assert ("bad.py", "undecodable-python") in kinds
    assert ("unknown.py", "undecodable-python") in kinds


def _submodule_repo(tmp_path: Path, content: str) -> GitRepo:
    sub = GitRepo(tmp_path / "sub-origin")
    sub.commit("sub", **{"lib.py": content})
    return sub


def _add_submodule(repo: GitRepo, sub: GitRepo) -> None:
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.root), "vendor")
    repo.git("commit", "-q", "-m", "submodule")


def test_a_submodule_is_analysed_at_its_recorded_commit(repo: GitRepo, tmp_path: Path) -> None:
    _trusted(repo)
    _add_submodule(repo, _submodule_repo(tmp_path, VULNERABLE_APP))
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    paths = {f["path"] for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"}
    assert paths == {"vendor/lib.py"}
    assert check(report, "tree")["status"] == "pass"


def test_an_unavailable_submodule_blocks_unless_the_policy_lists_it(
    repo: GitRepo, tmp_path: Path
) -> None:
    _trusted(repo)
    sub = _submodule_repo(tmp_path, FIXED_APP)
    _add_submodule(repo, sub)
    clone = GitRepo.__new__(GitRepo)
    clone.root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone.root)], check=True)
    done, report = _gate(clone, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    tree = check(report, "tree")
    assert tree["status"] == "fail"
    assert "vendor" in tree["reasons"][0]
    assert "static.unanalysed_submodules" in tree["reasons"][0]
    # Listed in the (trusted) policy: reported, not blocking.
    listed = STATIC_ONLY_POLICY.replace(
        "version: 1\n", "version: 1\nstatic:\n  unanalysed_submodules: [vendor]\n"
    )
    clone.git("config", "user.name", "T")
    clone.git("config", "user.email", "t@example.com")
    clone.write(".releasegate.yml", listed)
    clone.git("add", ".releasegate.yml")
    clone.git("commit", "-q", "-m", "list the submodule")
    clone.git("tag", "-f", "v2")
    clone.git("commit", "-q", "--allow-empty", "-m", "next")
    done, report = _gate(clone, "--only", "static")
    tree = check(report, "tree")
    assert tree["status"] == "pass", tree
    assert tree["evidence"]["issues"][0]["blocking"] is False
    assert done.returncode == 0, done.stdout + done.stderr


WEAK_POLICY = (
    "version: 1\n"
    "review:\n  required: false\n"
    "signoff:\n  required: false\n"
    "dependencies:\n  required: false\n"
    "static:\n  required: false\n"
    "stages:\n  functional:\n    required: false\n"
)


def test_an_orphan_branch_does_not_govern_itself(repo: GitRepo) -> None:
    repo.commit("main", **{"README.md": "main\n"})
    repo.git("checkout", "-q", "--orphan", "evil")
    repo.git("rm", "-q", "-rf", ".")
    repo.commit("weak policy", **{".releasegate.yml": WEAK_POLICY})
    repo.commit("vuln", **{"app.py": VULNERABLE_APP})
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "root commit" in report["release"]["base_source"]
    assert report["policy"]["source"].startswith("embedded default policy")
    assert "not on the default branch main" in report["policy"]["source"]
    assert any(f["rule_id"] == "B602" for f in check(report, "bandit")["findings"])


def test_a_base_on_an_unmerged_branch_is_not_trusted(repo: GitRepo) -> None:
    repo.commit("main", **{"README.md": "main\n"})
    repo.git("checkout", "-q", "-b", "side")
    weak = repo.commit("weak policy", **{".releasegate.yml": WEAK_POLICY})
    repo.commit("vuln", **{"app.py": VULNERABLE_APP})
    done, report = _gate(repo, "--only", "static", "--base", weak)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not on the default branch" in report["policy"]["source"]
    # The same base merged into main is shared history: its policy governs.
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", weak)
    repo.git("checkout", "-q", "side")
    done, report = _gate(repo, "--only", "static", "--base", weak)
    assert report["policy"]["source"].startswith(".releasegate.yml (at base ")
    # (That weak policy requires no stage at all, which blocks on its own.)
    assert check(report, "static")["status"] == "skipped"


def test_without_a_default_branch_the_embedded_default_governs(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "trunk")
    repo.commit("weak policy", **{".releasegate.yml": WEAK_POLICY})
    repo.commit("vuln", **{"app.py": VULNERABLE_APP})
    done, report = _gate(repo, "--only", "static")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no default branch" in report["policy"]["source"]
    assert "release.default_branch" in report["policy"]["source"]


def test_a_forged_cache_entry_is_not_believed(repo: GitRepo) -> None:
    _trusted(repo)
    repo.commit("code", **{"clean.py": FIXED_APP, "vuln.py": VULNERABLE_APP})
    cache = repo.root.parent / "cache"
    env = {"RELEASEGATE_CACHE_DIR": str(cache)}
    done, report = _gate(repo, "--only", "static", env=env)
    assert done.returncode == 1
    # The attacker's edit: vuln.py's entry gets clean.py's result, in each tool's pack.
    forged = 0
    for tool in ("bandit", "semgrep"):
        directory = cache / "results" / tool
        clean = entry_for(directory, "clean.py")
        set_result(entry_for(directory, "vuln.py"), clean.result, reseal=False)
        forged += 1
    assert forged == 2
    done, report = _gate(repo, "--only", "static", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    bandit = check(report, "bandit")
    assert any(f["rule_id"] == "B602" and f["path"] == "vuln.py" for f in bandit["findings"])
    assert bandit["evidence"]["cache"]["rejected"] == 1
    assert check(report, "semgrep")["evidence"]["cache"]["rejected"] == 1
