"""Issue #12: a library's ranges, its examples and its self-references do not block; an
application's ranges and every vulnerable pin still do. The installed CLI on real git
repositories, offline against the advisory-database subset."""

from __future__ import annotations

from typing import Any

from deps_helpers import snapshot
from rg_testlib import GitRepo, check, load_report, releasegate

LIBRARY_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "clientlib"
version = "1.0"
dependencies = ["urllib3>=1.26,<3", "idna>=2.5"]

[project.optional-dependencies]
socks = ["PySocks>=1.5.6,!=1.5.7"]
"""
APP_PYPROJECT = """\
[project]
name = "webapp"
version = "1.0"
dependencies = ["flask>=2"]
"""
POLICY = "version: 1\n"


def _run(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any], str]:
    out = repo.root.parent / "deps.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "dependencies", "--no-progress",
        "--json", str(out), "--advisory-db", str(snapshot()), *args,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr + done.stdout
    return done.returncode, load_report(out), done.stdout


def _errored(repo: GitRepo) -> tuple[dict[str, Any], str]:
    """The dependencies check of a run that must block with the check in error, and its
    reasons as one text."""
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1 and result["status"] == "error", result
    return result, " ".join(result["reasons"])


def _library(repo: GitRepo, policy: str = POLICY, **files: str) -> None:
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit(
        "library",
        **{
            "pyproject.toml": LIBRARY_PYPROJECT,
            "requirements-dev.txt": "-e .[socks]\npytest>=7,<9\n",
            "examples/flaskapp/requirements.txt": "flask==0.12\n",  # does not ship
            "docs/requirements.txt": "sphinx>=7\n",
            "src/clientlib/__init__.py": "VERSION = '1.0'\n",
            **files,
        },
    )


def test_a_librarys_ranges_examples_and_self_reference_do_not_block(repo: GitRepo) -> None:
    _library(repo)
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 0, result
    assert result["status"] == "pass", result["reasons"]  # `-e .[socks]` is no error
    evidence = result["evidence"]
    assert evidence["project"] == {
        "kind": "library",
        "why": "pyproject.toml has a [build-system] table",
    }
    assert evidence["local_projects"] == [
        {"name": ".", "directory": "", "path": "requirements-dev.txt", "line": 1}
    ]
    # examples/ and docs/ do not ship: not read, and the list that left them out is shown.
    assert {s["path"] for s in evidence["sources"]} == {"pyproject.toml", "requirements-dev.txt"}
    assert "examples/**" in evidence["exclude"] and "docs/**" in evidence["exclude"]
    ranges = {(f["rule_id"], f["path"], f["blocking"]) for f in result["findings"]}
    assert ranges == {
        ("releasegate.library-range", "pyproject.toml", False),
        ("releasegate.library-range", "requirements-dev.txt", False),
    }
    assert len(result["findings"]) == 4
    message = result["findings"][0]["message"]
    assert "library" in message and "reported, not blocked" in message
    assert "project.kind: application" in message and "dependencies.unpinned: block" in message


def test_a_librarys_vulnerable_pin_still_blocks(repo: GitRepo) -> None:
    _library(repo, **{"requirements.txt": "requests==2.19.0\n"})
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    blocking = [f for f in result["findings"] if f["blocking"]]
    assert blocking and {f["package"] for f in blocking} == {"requests"}
    assert all(f["path"] == "requirements.txt" for f in blocking)


def test_the_policy_can_state_the_kind(repo: GitRepo) -> None:
    _library(repo, "version: 1\nproject:\n  kind: application\n")
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    assert result["evidence"]["project"] == {
        "kind": "application",
        "why": "project.kind in the policy",
    }
    blocking = {f["rule_id"] for f in result["findings"] if f["blocking"]}
    assert blocking == {"releasegate.unpinned-dependency"}


def test_unpinned_block_overrides_the_library_kind(repo: GitRepo) -> None:
    _library(repo, "version: 1\ndependencies:\n  unpinned: block\n")
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    [rule] = {f["rule_id"] for f in result["findings"] if f["blocking"]}
    assert rule == "releasegate.library-range"


def test_an_applications_range_blocks_and_names_the_keys(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": POLICY})
    repo.tag("v1")
    repo.commit("app", **{"pyproject.toml": APP_PYPROJECT, "app.py": "x = 1\n"})
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    assert result["evidence"]["project"]["kind"] == "application"
    [finding] = result["findings"]
    assert finding["rule_id"] == "releasegate.unpinned-dependency" and finding["blocking"]
    assert "application" in finding["message"]
    assert "dependencies.unpinned: warn" in finding["message"]
    assert "project.kind: library" in finding["message"]


def test_examples_are_audited_when_the_policy_clears_the_excludes(repo: GitRepo) -> None:
    _library(repo, "version: 1\ndependencies:\n  exclude: []\n")
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    assert any(
        f["blocking"] and f["path"] == "examples/flaskapp/requirements.txt"
        for f in result["findings"]
    )


def test_other_local_paths_and_vcs_urls_stay_errors_naming_the_exclude_key(
    repo: GitRepo,
) -> None:
    lines = ["-e ../elsewhere", "-e git+https://example.org/x.git#egg=x", "./vendor/thing"]
    _library(repo, **{"requirements-ci.txt": "\n".join(lines) + "\n"})
    _, text = _errored(repo)
    assert "-e ../elsewhere" in text and "git+https://example.org/x.git" in text
    assert "./vendor/thing" in text
    assert text.count("dependencies.exclude: [requirements-ci.txt]") == 3, text


def test_a_local_project_in_a_directory_the_static_stage_skips_is_an_error(
    repo: GitRepo,
) -> None:
    _library(
        repo,
        **{
            "requirements-ci.txt": "-e ./scripts/helper\n",
            "scripts/helper/pyproject.toml": "[project]\nname = 'h'\nversion = '1'\n",
        },
    )
    _, text = _errored(repo)
    assert "requirements-ci.txt:1: cannot audit the local project scripts/helper" in text
    assert "static.exclude" in text


def test_one_vulnerable_pin_is_one_line_with_its_upgrade_first(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": POLICY})
    repo.tag("v1")
    repo.commit("app", **{"requirements.txt": "django==3.2\n", "app.py": "x = 1\n"})
    code, report, stdout = _run(repo)
    assert code == 1
    advisories = [f for f in check(report, "dependencies")["findings"] if f["blocking"]]
    assert len(advisories) > 3  # one finding per advisory stays in the JSON (waivers)
    [fix] = {f["fix"] for f in advisories}
    assert fix.startswith("upgrade django 3.2 -> 3.2.")
    flat = " ".join(stdout.split())
    # The headline and the group's title count the same thing: the findings.
    assert flat.count(f"dependencies: {len(advisories)} blocking findings") == 2
    assert f"✗ {fix} at requirements.txt:1 (fixes {len(advisories)} advisories:" in flat
    # The pin is one row under the check, its advisories under it.
    assert flat.count(f"✗ {fix}") == 1


def test_an_erroring_dependency_check_still_shows_what_blocks(repo: GitRepo) -> None:
    repo.commit("policy", **{".releasegate.yml": POLICY})
    repo.tag("v1")
    repo.commit(
        "app", **{"requirements.txt": "-e ../elsewhere\ndjango==3.2\n", "app.py": "x = 1\n"}
    )
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1 and result["status"] == "error"
    blocking = [f for f in result["findings"] if f["blocking"]]
    assert blocking and all(f["package"] == "django" for f in blocking)
    assert report["counts"]["blocking"] == len(blocking)


def test_a_head_cannot_turn_an_application_into_a_library_to_pass(repo: GitRepo) -> None:
    repo.commit(
        "app",
        **{
            ".releasegate.yml": POLICY,
            "pyproject.toml": APP_PYPROJECT,
            "requirements.txt": "flask==2.3.3\n",
        },
    )
    repo.tag("v1")
    repo.commit(
        "now a library?",
        **{
            "pyproject.toml": "[build-system]\nrequires = []\n" + APP_PYPROJECT,
            "requirements.txt": "flask>=2\n",
        },
    )
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    kind = result["evidence"]["project"]
    assert kind["kind"] == "application"
    assert "the base is an application" in kind["why"] and "next release" in kind["why"]
    assert any(
        f["rule_id"] == "releasegate.unpinned-dependency" and f["blocking"]
        for f in result["findings"]
    )


def test_the_static_excludes_in_force_are_in_the_report(repo: GitRepo) -> None:
    _library(repo, **{"examples/demo.py": "import os\nos.system(input())\n"})
    out = repo.root.parent / "tree.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "static", "--no-progress", "--json", str(out)
    )
    assert done.returncode == 0, done.stdout  # the example does not ship
    evidence = check(load_report(out), "tree")["evidence"]
    assert "examples/**" in evidence["static_exclude"] and "tests/" in evidence["static_exclude"]
    assert evidence["static_excluded_files"] == 1


def test_a_base_with_dependency_files_but_no_build_is_an_application(repo: GitRepo) -> None:
    """A setup.cfg with only tool settings and requirements/ files: an application at the
    base, so a head that adds setup.py does not make its ranges pass."""
    repo.commit(
        "app",
        **{
            ".releasegate.yml": POLICY,
            "setup.cfg": "[flake8]\nmax-line-length = 100\n",
            "requirements/base.txt": "requests==2.32.3\n",
        },
    )
    repo.tag("v1")
    repo.commit(
        "a setup.py",
        **{
            "setup.py": "from setuptools import setup\nsetup()\n",
            "requirements.txt": "requests>=2.0\n",
        },
    )
    code, report, _ = _run(repo)
    result = check(report, "dependencies")
    assert code == 1
    assert result["evidence"]["project"]["kind"] == "application"


def test_a_self_reference_whose_dependencies_cannot_be_read_stays_an_error(
    repo: GitRepo,
) -> None:
    """setup.py's install_requires is not read without a build; and pip resolves `-e`
    paths from the working directory, not from a requirements file in a subdirectory."""
    repo.commit("policy", **{".releasegate.yml": POLICY})
    repo.tag("v1")
    repo.commit(
        "app",
        **{
            "setup.py": "import setuptools\nsetuptools.setup(install_requires=['rq==2.1'])\n",
            "requirements.txt": "-e .\n",
            "deploy/requirements.txt": "-e ./tool\n",
            "deploy/tool/pyproject.toml": "[project]\nname = 'decoy'\nversion = '1'\n",
            "app.py": "x = 1\n",
        },
    )
    result, text = _errored(repo)
    assert "requirements.txt:1: cannot audit -e ." in text
    assert "deploy/requirements.txt:1: cannot audit -e ./tool" in text
    assert result["evidence"]["local_projects"] == []
