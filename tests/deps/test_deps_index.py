"""A package index other than PyPI blocks unless the policy allows it (dependency confusion).

``--index-url`` / ``-i`` / ``--extra-index-url`` / ``--find-links`` / ``-f`` /
``--trusted-host`` in a requirements file, and a lock file's non-PyPI registry,
are findings ``releasegate.nondefault-index`` of the dependencies check, at their
line, with the fix; ``dependencies.allowed_indexes`` (URLs, compared normalised
and without credentials) allows an index. Credentials in an index URL never
appear in the report, the terminal or the evidence.

Also here: ``-r`` of a file outside the repository is an error that never shows
that file's content.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from deps_helpers import run_dependencies, snapshot
from rg_testlib import GitRepo, check, releasegate

from releasegate.deps.pins import redact

RULE = "releasegate.nondefault-index"
TOKEN = "s3cr3t-t0ken"


def _db(tmp_path: Path) -> Path:
    """A tiny OSV directory: one advisory, for a package no test pins."""
    db = tmp_path / "osv"
    (db / "vulns" / "py").mkdir(parents=True)
    shutil.copy(snapshot() / "vulns" / "py" / "PYSEC-2022-42969.yaml", db / "vulns" / "py")
    return db


def _run(repo: GitRepo, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    done = run_dependencies(repo, "--advisory-db", str(_db(tmp_path)), *args)
    return done.code, done.report, done.text


def _policy(repo: GitRepo, extra: str = "") -> None:
    repo.commit("policy", **{".releasegate.yml": "version: 1\n" + extra})
    repo.tag("v1")


def _index_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in check(report, "dependencies")["findings"] if f["rule_id"] == RULE]


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("--index-url https://pypi.example/simple", "--index-url https://pypi.example/simple"),
        ("--index-url=https://pypi.example/simple", "--index-url https://pypi.example/simple"),
        ("-i https://pypi.example/simple", "-i https://pypi.example/simple"),
        ("-ihttps://pypi.example/simple", "-i https://pypi.example/simple"),
        (
            "--extra-index-url https://pypi.example/simple/",
            "--extra-index-url https://pypi.example/simple/",
        ),
        ("--find-links https://wheels.example/", "--find-links https://wheels.example/"),
        ("-f ./wheels", "-f ./wheels"),
        ("--trusted-host pypi.example", "--trusted-host pypi.example"),
    ],
)
def test_a_non_default_index_option_blocks_at_its_line(
    repo: GitRepo, tmp_path: Path, line: str, shown: str
) -> None:
    _policy(repo)
    repo.commit("deps", **{"requirements.txt": f"idna==3.10\n{line}\n"})
    code, report, _ = _run(repo, tmp_path)
    assert code == 1 and report["decision"] == "block"
    result = check(report, "dependencies")
    assert result["status"] == "fail"
    [finding] = _index_findings(report)
    assert (finding["path"], finding["line"], finding["blocking"]) == ("requirements.txt", 2, True)
    assert finding["severity"] == "high"
    assert finding["message"].startswith(f"{shown}: ")
    assert "dependencies.allowed_indexes" in finding["message"]
    [row] = result["evidence"]["indexes"]
    assert row["allowed"] is False and row["line"] == 2


def test_pypi_itself_is_not_a_finding(repo: GitRepo, tmp_path: Path) -> None:
    _policy(repo)
    repo.commit(
        "deps",
        **{
            "requirements.txt": "--index-url https://pypi.org/simple/\n"
            "-i https://PyPI.org:443/simple\nidna==3.10\n"
        },
    )
    code, report, _ = _run(repo, tmp_path)
    assert code == 0, report
    assert _index_findings(report) == []
    assert check(report, "dependencies")["status"] == "pass"


def test_an_index_in_an_included_file_blocks_at_that_file(repo: GitRepo, tmp_path: Path) -> None:
    _policy(repo)
    repo.commit(
        "deps",
        **{
            "requirements.txt": "-r reqs/base.txt\nidna==3.10\n",
            "reqs/base.txt": "# private\n--extra-index-url https://pypi.example/simple\n",
        },
    )
    _, report, _ = _run(repo, tmp_path)
    [finding] = _index_findings(report)
    assert (finding["path"], finding["line"]) == ("reqs/base.txt", 2)


@pytest.mark.parametrize(
    "url",
    [
        f"https://bot:{TOKEN}@pypi.example/simple",
        f"https://{TOKEN}@pypi.example/simple",
        f"https://bot:p@ss-{TOKEN}@pypi.example/simple",  # '@' inside the password
    ],
)
def test_credentials_in_an_index_url_never_appear(repo: GitRepo, tmp_path: Path, url: str) -> None:
    _policy(repo)
    repo.commit("deps", **{"requirements.txt": f"--extra-index-url {url}\nidna==3.10\n"})
    code, report, everything = _run(repo, tmp_path)
    assert code == 1
    assert TOKEN not in everything
    assert "bot:" not in everything
    [finding] = _index_findings(report)
    assert finding["message"].startswith("--extra-index-url https://***@pypi.example/simple: ")


def test_an_allowed_index_passes_compared_normalised_and_without_credentials(
    repo: GitRepo, tmp_path: Path
) -> None:
    _policy(repo, "dependencies:\n  allowed_indexes:\n    - https://pypi.example/simple\n")
    repo.commit(
        "deps",
        **{
            "requirements.txt": f"--extra-index-url https://bot:{TOKEN}@PYPI.Example:443/simple/\n"
            "--trusted-host pypi.example\nidna==3.10\n"
        },
    )
    code, report, everything = _run(repo, tmp_path)
    assert code == 0, check(report, "dependencies")
    assert _index_findings(report) == []
    rows = check(report, "dependencies")["evidence"]["indexes"]
    assert [(row["option"], row["allowed"]) for row in rows] == [
        ("--extra-index-url", True),
        ("--trusted-host", True),
    ]
    assert TOKEN not in everything


def test_an_allowed_index_does_not_allow_another(repo: GitRepo, tmp_path: Path) -> None:
    _policy(repo, "dependencies:\n  allowed_indexes: ['https://pypi.example/simple']\n")
    repo.commit(
        "deps",
        **{
            "requirements.txt": "--extra-index-url https://pypi.example/simple\n"
            "--extra-index-url https://pypi.example/other\n"
            "--extra-index-url https://pypi.example.evil/simple\n"
            "--trusted-host pypi.example.evil\nidna==3.10\n"
        },
    )
    code, report, _ = _run(repo, tmp_path)
    assert code == 1
    assert [f["line"] for f in _index_findings(report)] == [2, 3, 4]


def test_the_allowed_indexes_come_from_the_base_not_the_head(repo: GitRepo, tmp_path: Path) -> None:
    _policy(repo)
    allowing = "version: 1\ndependencies:\n  allowed_indexes: ['https://pypi.example/simple']\n"
    repo.commit(
        "sneak",
        **{
            ".releasegate.yml": allowing,
            "requirements.txt": "-i https://pypi.example/simple\nidna==3.10\n",
        },
    )
    code, report, _ = _run(repo, tmp_path)
    assert code == 1
    assert len(_index_findings(report)) == 1


def test_a_waiver_can_cover_the_finding(repo: GitRepo, tmp_path: Path) -> None:
    _policy(
        repo,
        "waivers:\n  - id: releasegate.nondefault-index\n    paths: [requirements.txt]\n"
        "    reason: mirror being approved\n    owner: sec\n    expires: 2099-01-01\n",
    )
    repo.commit("deps", **{"requirements.txt": "-i https://pypi.example/simple\nidna==3.10\n"})
    code, report, _ = _run(repo, tmp_path)
    assert code == 0
    [finding] = _index_findings(report)
    assert finding["waived"] and not finding["blocking"]


UV_LOCK = """\
version = 1

[[package]]
name = "app"
version = "1.0"
source = {{ virtual = "." }}

[[package]]
name = "idna"
version = "3.10"
source = {{ registry = "{index}" }}

[[package]]
name = "certifi"
version = "2024.8.30"
source = {{ registry = "{index}" }}
"""
PYPROJECT = '[project]\nname = "app"\nversion = "1.0"\ndependencies = ["idna", "certifi"]\n'


@pytest.mark.parametrize("allowed", [False, True])
def test_a_lock_file_registry_other_than_pypi_blocks_unless_allowed(
    repo: GitRepo, tmp_path: Path, allowed: bool
) -> None:
    index = "https://pypi.example/simple"
    _policy(repo, f"dependencies:\n  allowed_indexes: ['{index}']\n" if allowed else "")
    repo.commit(
        "deps",
        **{
            "pyproject.toml": PYPROJECT,
            "uv.lock": UV_LOCK.format(index=f"https://bot:{TOKEN}@pypi.example/simple"),
        },
    )
    code, report, everything = _run(repo, tmp_path)
    assert TOKEN not in everything
    if allowed:
        assert code == 0 and _index_findings(report) == []
        return
    assert code == 1
    [finding] = _index_findings(report)  # one per file and index, at its first entry
    assert (finding["path"], finding["line"]) == ("uv.lock", 8)
    assert finding["message"].startswith("registry https://***@pypi.example/simple: ")
    assert "2 packages (idna, certifi)" in finding["message"]


PRIVATE = f"https://bot:{TOKEN}@pypi.example/simple"
OTHER_LOCKS = {
    "poetry.lock": (
        '[[package]]\nname = "idna"\nversion = "3.10"\n\n[package.source]\ntype = "legacy"\n'
        f'url = "{PRIVATE}"\nreference = "private"\n',
        1,
    ),
    "pylock.toml": (
        'lock-version = "1.0"\n\n[[packages]]\nname = "idna"\nversion = "3.10"\n'
        f'index = "{PRIVATE}"\n',
        3,
    ),
    "Pipfile.lock": (
        json.dumps(
            {
                "_meta": {"sources": [{"name": "private", "url": PRIVATE, "verify_ssl": True}]},
                "default": {"idna": {"version": "==3.10", "index": "private"}},
                "develop": {},
            },
            indent=4,
        ),
        6,
    ),
}


@pytest.mark.parametrize("name", sorted(OTHER_LOCKS))
def test_other_lock_files_with_a_private_index_block(
    repo: GitRepo, tmp_path: Path, name: str
) -> None:
    text, line = OTHER_LOCKS[name]
    _policy(repo)
    repo.commit("deps", **{name: text})
    code, report, everything = _run(repo, tmp_path)
    assert code == 1
    assert TOKEN not in everything
    [finding] = _index_findings(report)
    assert (finding["path"], finding["line"]) == (name, line)
    assert finding["message"].startswith("registry https://***@pypi.example/simple: ")


def test_allowed_indexes_with_credentials_are_refused_without_showing_them(
    tmp_path: Path,
) -> None:
    policy = tmp_path / ".releasegate.yml"
    policy.write_text(
        f"version: 1\ndependencies:\n  allowed_indexes:\n    - https://bot:{TOKEN}@pypi.example/\n"
    )
    done = releasegate("validate", str(policy))
    assert done.returncode == 2
    assert f"{policy}:4: dependencies.allowed_indexes.0: " in done.stderr
    assert "credentials" in done.stderr
    assert TOKEN not in done.stderr


@pytest.mark.parametrize("value", ["", "pypi.example/simple", "https://", "ftp://x/"])
def test_allowed_indexes_must_be_index_urls(tmp_path: Path, value: str) -> None:
    policy = tmp_path / ".releasegate.yml"
    policy.write_text(f"version: 1\ndependencies:\n  allowed_indexes: [{json.dumps(value)}]\n")
    done = releasegate("validate", str(policy))
    assert done.returncode == 2, done.stdout
    assert f"{policy}:3: dependencies.allowed_indexes.0: " in done.stderr


def test_redact_masks_a_password_holding_an_at_sign() -> None:
    # urlsplit (and pip) read the authority up to its last '@'.
    masked = redact(f"--extra-index-url https://bot:p@ss-{TOKEN}@pypi.example/simple x==1")
    assert masked == "--extra-index-url https://***@pypi.example/simple x==1"
    assert redact("pkg @ git+https://host/x.git@v1.0") == "pkg @ git+https://host/x.git@v1.0"


# --- includes that leave the repository -----------------------------------------------------

SECRET = "root-secret-line-9f3c"


@pytest.mark.parametrize("how", ["absolute", "relative", "symlink"])
def test_an_include_outside_the_repository_is_an_error_that_shows_nothing_of_it(
    repo: GitRepo, tmp_path: Path, how: str
) -> None:
    outside = tmp_path / "outside" / "x.txt"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET}==1\n--index-url https://{SECRET}.example/\n")
    if how == "absolute":
        include, expected = str(outside), f"-r {outside}: leaves the repository"
    elif how == "relative":
        relative = os.path.relpath(outside, repo.root)
        include, expected = relative, f"-r {relative}: leaves the repository"
    else:
        (repo.root / "link.txt").symlink_to(outside)
        # A link leaving the repository is no file of the head snapshot the check reads.
        include, expected = "link.txt", "-r link.txt: no such file in the head commit"
    repo.commit("deps", **{"requirements.txt": f"idna==3.10\n-r {include}\n"})
    code, report, everything = _run(repo, tmp_path)
    assert code == 1
    result = check(report, "dependencies")
    assert result["status"] == "error"
    assert any(expected in reason for reason in result["reasons"]), result["reasons"]
    assert SECRET not in everything
    assert _index_findings(report) == []


def test_minus_r_etc_passwd_is_refused(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("deps", **{"requirements.txt": "-r /etc/passwd\n-r ../../x\n"})
    code, report, everything = _run(repo, tmp_path)
    assert code == 1
    reasons = " ".join(check(report, "dependencies")["reasons"])
    assert "requirements.txt:1: -r /etc/passwd: leaves the repository" in reasons
    assert "requirements.txt:2: -r ../../x: leaves the repository" in reasons
    assert "root:x:0:0" not in everything
