"""``releasegate deps fix``: real requirements files on real git repositories, the real
advisory subset, the installed CLI; the planner directly where a case needs data the
subset lacks (a vulnerability without a fixed version)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deps_helpers import copy_project, reference_audit, run_dependencies, snapshot
from packaging.version import Version
from rg_testlib import GitRepo, releasegate

import releasegate.deps.fix as fix_module
from releasegate.deps.fix import (
    Action,
    FixError,
    FixPlan,
    apply,
    fix_targets,
    plan_fixes,
    write_refusal,
)
from releasegate.deps.pins import (
    Inventory,
    Location,
    PackageAudit,
    Pin,
    SourceFile,
    SourceKind,
    Vulnerability,
)
from releasegate.files import write_atomic
from releasegate.model import Severity

HEX = "a" * 64


def fix(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return releasegate(
        "deps", "fix", "--repo", str(repo.root), "--advisory-db", str(snapshot()), *args
    )


def target(package: str, version: str) -> str:
    """The smallest fixing version, by the tests' own reading of the advisory subset."""
    _, upgrade = reference_audit(snapshot(), package, version)
    assert upgrade is not None
    return upgrade


def audit(repo: GitRepo) -> dict[str, Any]:
    """The real dependency check on the committed tree."""
    return run_dependencies(repo, "--advisory-db", str(snapshot())).check


def vulnerable(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["path"], f["package"]) for f in result["findings"] if f["tool"] == "osv"}


# --- the files of the main case: comments, markers, extras, CRLF, continuation, -r, -c --

ROOT = (
    "# Production dependencies\r\n"
    "-c constraints.txt\r\n"
    "-r requirements-base.txt\r\n"
    'Django[argon2]==3.2 ; python_version >= "3.8"  # web, not ==3.2 forever\r\n'
    "idna==3.7\r\n"
)
BASE = (
    "# shared\n"
    "pyyaml  ==  5.1 \\\n"
    '    ; sys_platform != "win32"\n'
    "jinja2==2.10  # templates"  # no newline at the end of the file
)
CONSTRAINTS = "urllib3==1.26.4  # transitively, via requests\n"


def main_case(repo: GitRepo) -> None:
    (repo.root).mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("requirements.txt", ROOT),
        ("requirements-base.txt", BASE),
        ("constraints.txt", CONSTRAINTS),
    ):
        (repo.root / name).write_bytes(text.encode("utf-8"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "deps")


def fixed_texts() -> dict[str, str]:
    django, pyyaml = target("django", "3.2"), target("pyyaml", "5.1")
    jinja2, urllib3 = target("jinja2", "2.10"), target("urllib3", "1.26.4")
    return {
        "requirements.txt": ROOT.replace("==3.2 ;", f"=={django} ;"),
        "requirements-base.txt": BASE.replace("==  5.1", f"==  {pyyaml}").replace(
            "==2.10", f"=={jinja2}"
        ),
        "constraints.txt": CONSTRAINTS.replace("1.26.4", urllib3),
    }


def test_dry_run_prints_the_minimal_diff_and_writes_nothing(repo: GitRepo) -> None:
    main_case(repo)
    done = fix(repo, "--dry-run")
    assert done.returncode == 0, done.stderr
    django, pyyaml = target("django", "3.2"), target("pyyaml", "5.1")
    jinja2, urllib3 = target("jinja2", "2.10"), target("urllib3", "1.26.4")
    expected = (
        "--- a/constraints.txt\n"
        "+++ b/constraints.txt\n"
        "@@ -1 +1 @@\n"
        "-urllib3==1.26.4  # transitively, via requests\n"
        f"+urllib3=={urllib3}  # transitively, via requests\n"
        "--- a/requirements-base.txt\n"
        "+++ b/requirements-base.txt\n"
        "@@ -1,4 +1,4 @@\n"
        " # shared\n"
        "-pyyaml  ==  5.1 \\\n"
        f"+pyyaml  ==  {pyyaml} \\\n"
        '     ; sys_platform != "win32"\n'
        "-jinja2==2.10  # templates\n"
        "\\ No newline at end of file\n"
        f"+jinja2=={jinja2}  # templates\n"
        "\\ No newline at end of file\n"
        "--- a/requirements.txt\n"
        "+++ b/requirements.txt\n"
        "@@ -1,5 +1,5 @@\n"
        " # Production dependencies\r\n"
        " -c constraints.txt\r\n"
        " -r requirements-base.txt\r\n"
        '-Django[argon2]==3.2 ; python_version >= "3.8"  # web, not ==3.2 forever\r\n'
        f'+Django[argon2]=={django} ; python_version >= "3.8"  # web, not ==3.2 forever\r\n'
        " idna==3.7\r\n"
    )
    # The CLI's text pipe may translate CRLF; the planner test below checks the bytes.
    assert done.stdout.replace("\r\n", "\n") == expected.replace("\r\n", "\n")
    assert "would fix requirements.txt:4: Django 3.2 -> " + django in done.stderr
    assert (repo.root / "requirements.txt").read_bytes() == ROOT.encode()
    assert (repo.root / "requirements-base.txt").read_bytes() == BASE.encode()
    assert (repo.root / "constraints.txt").read_bytes() == CONSTRAINTS.encode()
    assert repo.git("status", "--porcelain") == ""


def test_the_diff_keeps_crlf_line_endings_byte_for_byte() -> None:
    text = "# c\r\nDjango==3.2  # x\r\nidna==3.7\r\n"
    plan = plan_fixes(
        _inventory("requirements.txt", [_pin("Django", "3.2", "requirements.txt", 2)]),
        {("django", Version("3.2")): _audit("django", "3.2", "3.2.25")},
        read={"requirements.txt": text}.get,
        exists=lambda _path: False,
    )
    assert plan.diff() == (
        "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1,3 +1,3 @@\n"
        " # c\r\n-Django==3.2  # x\r\n+Django==3.2.25  # x\r\n idna==3.7\r\n"
    )
    assert plan.edits[0].after == text.replace("3.2 ", "3.2.25 ")


def test_fix_edits_only_version_tokens_and_the_audit_is_clean_afterwards(repo: GitRepo) -> None:
    main_case(repo)
    (repo.root / "requirements-base.txt").chmod(0o640)
    before = vulnerable(audit(repo))
    assert before == {
        ("requirements.txt", "Django"),
        ("requirements-base.txt", "pyyaml"),
        ("requirements-base.txt", "jinja2"),
        ("constraints.txt", "urllib3"),
    }
    done = fix(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    for name, text in fixed_texts().items():
        assert (repo.root / name).read_bytes() == text.encode(), name
    assert (repo.root / "requirements-base.txt").stat().st_mode & 0o777 == 0o640
    assert done.stdout.count("fixed ") == 4
    repo.git("commit", "-qam", "fix")
    after = audit(repo)
    assert vulnerable(after) == set()
    assert after["status"] == "pass", after["reasons"]
    again = fix(repo)
    assert again.returncode == 0 and "no vulnerable pin" in again.stdout


# --- what it does not edit -----------------------------------------------------------------

HASHED = (
    "# generated by pip-compile\n"
    f"pyyaml==5.1 \\\n    --hash=sha256:{HEX} \\\n    --hash=sha256:{'b' * 64}\n"
    "    # via -r requirements.in\n"
)


def test_hash_pinned_lines_are_never_edited_and_the_command_is_printed(repo: GitRepo) -> None:
    repo.commit(
        "hashed",
        **{
            "requirements.txt": HASHED,
            "requirements.in": "pyyaml\n",
            "tools/requirements.txt": f"django==3.2 --hash=sha256:{HEX}\n",
        },
    )
    done = fix(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (repo.root / "requirements.txt").read_text() == HASHED
    assert (
        repo.root / "tools/requirements.txt"
    ).read_text() == f"django==3.2 --hash=sha256:{HEX}\n"
    pyyaml, django = target("pyyaml", "5.1"), target("django", "3.2")
    assert (
        f"pip-compile --generate-hashes --upgrade-package pyyaml=={pyyaml} "
        "--output-file requirements.txt requirements.in`" in done.stdout
    )
    assert (
        f'd="$(mktemp -d)" && pip download django=={django} --no-deps -d "$d" && '
        'pip hash "$d"/*`' in done.stdout
    )
    assert "releasegate writes no hash it did not compute" in done.stdout
    assert done.stdout.count("pip download fetches the file of this platform") == 1
    assert repo.git("status", "--porcelain") == ""


def test_lock_files_are_untouched_and_the_lock_command_is_printed(repo: GitRepo) -> None:
    copy_project("pipenv", repo.root)
    copy_project("uv", repo.root / "svc")
    repo.commit("locks")
    locks = {p: (repo.root / p).read_bytes() for p in ("Pipfile.lock", "svc/uv.lock")}
    done = fix(repo)
    assert done.returncode == 1, done.stderr
    assert {p: (repo.root / p).read_bytes() for p in locks} == locks
    assert "run `pipenv update jinja2`" in done.stdout
    pyyaml = target("pyyaml", "5.1.2")
    # svc/pyproject.toml caps pyyaml below the fix: reported as a conflict, with the command.
    line = next(x for x in done.stdout.splitlines() if x.startswith("not fixed: svc/uv.lock"))
    assert "pyproject.toml requires pyyaml>=5.1,<5.2, which excludes " + pyyaml in line
    assert line.endswith(f"run `uv lock --directory svc --upgrade-package pyyaml=={pyyaml}`")
    assert repo.git("status", "--porcelain") == ""


def test_a_fix_another_requirement_excludes_is_reported_not_forced(repo: GitRepo) -> None:
    root = "-c constraints.txt\ndjango==3.2\npyyaml==5.1\njinja2==2.10\n"
    repo.commit(
        "deps",
        **{
            "requirements.txt": root,
            "constraints.txt": "django<3.2.10\n",
            "requirements-dev.txt": "pyyaml<5.3  # old loader API\n",
        },
    )
    done = fix(repo)
    assert done.returncode == 1, done.stderr
    jinja2 = target("jinja2", "2.10")
    assert (repo.root / "requirements.txt").read_text() == root.replace("2.10", jinja2)
    out = done.stdout
    assert f"fixed requirements.txt:4: jinja2 2.10 -> {jinja2}" in out
    assert "not fixed: requirements.txt:2: django 3.2 -> " in out
    assert "constraints.txt:1 requires django<3.2.10, which excludes" in out
    assert "requirements-dev.txt:1 requires pyyaml<5.3, which excludes" in out
    assert "2 vulnerable pin(s) remain" in out


def test_a_pins_own_other_clauses_are_checked(repo: GitRepo) -> None:
    repo.commit("deps", **{"requirements.txt": "jinja2==2.10,<2.11\n"})
    jinja2 = target("jinja2", "2.10")
    assert Version(jinja2) >= Version("2.11")  # the case: the fix is beyond its own cap
    done = fix(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (repo.root / "requirements.txt").read_text() == "jinja2==2.10,<2.11\n"
    line = next(x for x in done.stdout.splitlines() if x.startswith("not fixed: "))
    assert line.startswith(f"not fixed: requirements.txt:1: jinja2 2.10 -> {jinja2}")
    assert f"requirements.txt:1 requires jinja2==2.10,<2.11, which excludes {jinja2}" in line
    assert repo.git("status", "--porcelain") == ""


def test_a_pyproject_range_stops_a_requirements_pin(repo: GitRepo) -> None:
    pyproject = '[project]\nname = "app"\nversion = "1"\ndependencies = ["jinja2<2.11"]\n'
    repo.commit("deps", **{"pyproject.toml": pyproject, "requirements.txt": "jinja2==2.10\n"})
    jinja2 = target("jinja2", "2.10")
    done = fix(repo, "--dry-run")
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    line = next(x for x in done.stderr.splitlines() if x.startswith("not fixed: requirements"))
    assert f"pyproject.toml requires jinja2<2.11, which excludes {jinja2}" in line
    assert repo.git("status", "--porcelain") == ""


# A crafted advisory (not from the PyPA database): its introduced version is not a
# version, so no jinja2 version below 3.1.0 can be evaluated against it, neither the
# pin nor the smallest fix of the real advisories.
CRAFTED = """\
id: RGTEST-2099-1
summary: crafted by releasegate's tests, an advisory that cannot be evaluated
affected:
- package:
    name: jinja2
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: not a version
    - fixed: 3.1.0
"""


def test_a_target_the_audit_still_blocks_is_not_fixed(repo: GitRepo, tmp_path: Path) -> None:
    db = tmp_path / "advisory-db"
    shutil.copytree(snapshot(), db)
    (db / "vulns" / "jinja2" / "RGTEST-2099-1.yaml").write_text(CRAFTED)
    repo.commit("deps", **{"requirements.txt": "jinja2==2.10\nidna==3.7\n"})
    jinja2 = target("jinja2", "2.10")
    assert Version(jinja2) < Version("3.1.0")
    done = releasegate("deps", "fix", "--repo", str(repo.root), "--advisory-db", str(db))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (repo.root / "requirements.txt").read_text() == "jinja2==2.10\nidna==3.7\n"
    line = next(x for x in done.stdout.splitlines() if x.startswith("not fixed: "))
    assert line.startswith(f"not fixed: requirements.txt:1: jinja2 2.10 -> {jinja2}")
    assert f"jinja2 {jinja2} is still affected by RGTEST-2099-1" in line
    assert "cannot tell whether 2.11.3 is affected by RGTEST-2099-1" in line.replace(
        jinja2, "2.11.3"
    )
    assert "introduced 'not a version' cannot be read as PEP 440" in line
    assert "fixed " not in done.stdout.replace("not fixed", "")


def test_a_target_reported_vulnerable_or_not_answered_is_not_edited() -> None:
    text = "django==3.2\npyyaml==5.1\nidna==3.7\n"
    pins = [
        _pin("django", "3.2", "requirements.txt", 1),
        _pin("pyyaml", "5.1", "requirements.txt", 2),
    ]
    audits = {
        ("django", Version("3.2")): _audit("django", "3.2", "3.2.25"),
        ("pyyaml", Version("5.1")): _audit("pyyaml", "5.1", "5.4"),
    }
    assert fix_targets(audits) == [("django", Version("3.2.25")), ("pyyaml", Version("5.4"))]
    # What an online service may answer: the fix it named has a vulnerability of its own,
    # and the other fix it did not answer for.
    still = _audit("django", "3.2.25", None)
    plan = plan_fixes(
        _inventory("requirements.txt", pins),
        audits,
        read={"requirements.txt": text}.get,
        exists=lambda _path: False,
        targets={("django", Version("3.2.25")): still},
    )
    assert [item.action for item in plan.items] == [Action.STILL_VULNERABLE] * 2
    assert plan.edits == () and not plan.complete
    django, pyyaml = (str(item) for item in plan.items)
    assert "django 3.2.25 is still affected by PYSEC-0000-1" in django
    assert "waive the findings by id with a reason" in django
    assert "pyyaml 5.4 could not be looked up" in pyyaml


def _two_file_plan(root: Path) -> FixPlan:
    texts = {"a.txt": "django==3.2\n", "b.txt": "django==3.2\n"}
    for name, text in texts.items():
        (root / name).write_text(text)
    pins = [_pin("django", "3.2", name, 1) for name in texts]
    sources = tuple(SourceFile(path=n, kind=SourceKind.REQUIREMENTS, entries=1) for n in texts)
    plan = plan_fixes(
        Inventory(sources=sources, pins=tuple(pins)),
        {("django", Version("3.2")): _audit("django", "3.2", "3.2.25")},
        read=texts.get,
        exists=lambda _path: False,
    )
    assert [edit.path for edit in plan.edits] == ["a.txt", "b.txt"]
    return plan


def test_apply_checks_every_file_before_writing_any(tmp_path: Path) -> None:
    plan = _two_file_plan(tmp_path)
    (tmp_path / "b.txt").write_text("django==3.2  # edited meanwhile\n")
    with pytest.raises(FixError) as caught:
        apply(plan, tmp_path)
    assert "b.txt: changed while releasegate read it" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert (tmp_path / "a.txt").read_text() == "django==3.2\n"


def test_a_failed_write_says_what_was_written_and_what_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _two_file_plan(tmp_path)
    real = write_atomic

    def write(path: Path, data: bytes | str) -> None:
        if path.name == "b.txt":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(fix_module, "write_atomic", write)
    with pytest.raises(FixError) as caught:
        apply(plan, tmp_path)
    message = caught.value.diagnostics()
    assert "b.txt: not written: No space left on device" in message
    assert "written: a.txt" in message and "not written: b.txt" in message
    assert (tmp_path / "a.txt").read_text() == "django==3.2.25\n"
    assert (tmp_path / "b.txt").read_text() == "django==3.2\n"


def test_no_known_fixed_version_is_reported() -> None:
    plan = plan_fixes(
        _inventory("requirements.txt", [_pin("py", "1.11.0", "requirements.txt", 1)]),
        {("py", Version("1.11.0")): _audit("py", "1.11.0", None)},
        read={"requirements.txt": "py==1.11.0\n"}.get,
        exists=lambda _path: False,
    )
    assert [item.action for item in plan.items] == [Action.NO_FIX]
    assert plan.edits == () and not plan.complete
    assert "no fixed version of py is known" in str(plan.items[0])


# --- where it refuses to write ------------------------------------------------------------


def test_symlinked_requirements_files_are_not_written(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("real", **{"deps/pinned.txt": "django==3.2\n"})
    outside = tmp_path / "outside.txt"
    outside.write_text("django==3.2\n")
    (repo.root / "requirements.txt").symlink_to("deps/pinned.txt")
    (repo.root / "requirements-prod.txt").symlink_to(outside)
    repo.commit("links")
    done = fix(repo)
    assert done.returncode == 1, done.stderr
    assert (repo.root / "deps/pinned.txt").read_text() == "django==3.2\n"
    assert outside.read_text() == "django==3.2\n"
    assert (repo.root / "requirements.txt").is_symlink()
    assert (
        "not fixed: requirements.txt:1: django 3.2 -> " in done.stdout
        and "requirements.txt is a symbolic link (to deps/pinned.txt)" in done.stdout
    )
    assert (
        "not audited: requirements-prod.txt: resolves to a file outside the repository"
        in done.stdout
    )
    (repo.root / "linked").symlink_to(tmp_path)
    assert "linked is a symbolic link" in (write_refusal(repo.root, "linked/outside.txt") or "")
    assert "not a path inside" in (write_refusal(repo.root, "../outside.txt") or "")


def test_nothing_vulnerable_exits_0_and_a_bad_advisory_db_exits_2(repo: GitRepo) -> None:
    repo.commit("deps", **{"requirements.txt": "idna==3.7\n"})
    done = fix(repo)
    assert (done.returncode, done.stdout.strip()) == (0, "no vulnerable pin: nothing to fix")
    bad = releasegate(
        "deps", "fix", "--repo", str(repo.root), "--advisory-db", str(repo.root / "nope")
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "nope: no such directory" in bad.stderr


# --- helpers for the planner tests --------------------------------------------------------


def _pin(name: str, version: str, path: str, line: int) -> Pin:
    return Pin(
        name=name,
        version=Version(version),
        version_text=version,
        location=Location(path=path, line=line),
        kind=SourceKind.REQUIREMENTS,
    )


def _inventory(path: str, pins: list[Pin]) -> Inventory:
    source = SourceFile(path=path, kind=SourceKind.REQUIREMENTS, entries=len(pins))
    return Inventory(sources=(source,), pins=tuple(pins))


def _audit(name: str, version: str, upgrade: str | None) -> PackageAudit:
    vuln = Vulnerability(
        id="PYSEC-0000-1", aliases=(), summary="test", fixed=(), severity=Severity.HIGH
    )
    return PackageAudit(
        name=name,
        version=Version(version),
        vulnerabilities=(vuln,),
        upgrade=upgrade,
        upgrade_basis="every known vulnerability",
    )
