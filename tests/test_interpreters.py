"""Interpreters: discovery, probing by running, the portable bandit path, selection."""

from __future__ import annotations

import os
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from rg_testlib import newer_python

from releasegate.checks.bandit.interpreters import (
    ENV_VAR,
    BanditPython,
    BanditPythons,
    Rejected,
    candidate_paths,
    portable_path,
    project_requires_python,
)
from releasegate.errors import ToolError
from releasegate.procs import ToolRunner

RUNNING = tuple(sys.version_info[:3])


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    path.chmod(0o755)
    return path


def pythons(tmp_path: Path, *paths: str | Path) -> BanditPythons:
    environ = {ENV_VAR: os.pathsep.join(str(p) for p in paths)}
    return BanditPythons(
        ToolRunner(deadline=time.monotonic() + 600), tmp_path / "cache", environ=environ
    )


# --- discovery ----------------------------------------------------------------------------


def test_environment_variable_replaces_discovery(tmp_path: Path) -> None:
    value = os.pathsep.join(["/opt/py/bin/python3", "", " /opt/py/bin/python3 ", "/usr/bin/py"])
    assert candidate_paths({ENV_VAR: value, "PATH": str(tmp_path)}) == [
        "/opt/py/bin/python3",
        "/usr/bin/py",
    ]


def test_discovery_starts_with_the_running_interpreter_then_path_then_pyenv(
    tmp_path: Path,
) -> None:
    bin_dir = tmp_path / "bin"
    on_path = script(bin_dir / "python3.12", "#!/bin/sh\nexit 0\n")
    script(bin_dir / "python3.7", "#!/bin/sh\nexit 0\n")  # outside 3.8..3.15
    pyenv = tmp_path / "pyenv"
    in_pyenv = script(pyenv / "versions" / "3.13.0" / "bin" / "python3", "#!/bin/sh\n")
    found = candidate_paths(
        {"PATH": str(bin_dir), "PYENV_ROOT": str(pyenv), "HOME": str(tmp_path / "home")}
    )
    assert found == [sys.executable, str(on_path), str(in_pyenv)]


def test_blank_environment_variable_means_discovery(tmp_path: Path) -> None:
    found = candidate_paths({ENV_VAR: "  ", "PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert found == [sys.executable]


# --- probing ------------------------------------------------------------------------------


def test_the_running_interpreter_runs_bandit_natively(tmp_path: Path) -> None:
    probed = pythons(tmp_path, sys.executable).probe(sys.executable)
    assert isinstance(probed, BanditPython)
    assert probed.mode == "native"
    assert probed.version == RUNNING
    assert probed.bandit_version == metadata.version("bandit")
    assert "B602" in probed.tests
    assert probed.portable is None


def test_a_shim_that_fails_is_rejected_with_its_message(tmp_path: Path) -> None:
    shim = script(
        tmp_path / "shims" / "python3.12",
        "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n",
    )
    probed = pythons(tmp_path, shim).probe(str(shim))
    assert isinstance(probed, Rejected)
    assert "command not found" in probed.reason
    assert "127" in probed.reason


def test_a_missing_interpreter_is_rejected(tmp_path: Path) -> None:
    probed = pythons(tmp_path, tmp_path / "nope").probe(str(tmp_path / "nope"))
    assert isinstance(probed, Rejected)
    assert probed.path == str(tmp_path / "nope")


def test_probe_results_are_cached_per_path_and_mtime(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    fake = script(tmp_path / "fake-python", f"#!/bin/sh\necho run >> '{log}'\necho garbage\n")
    first = pythons(tmp_path, fake).probe(str(fake))
    again = pythons(tmp_path, fake).probe(str(fake))  # a new set of candidates, same process
    assert isinstance(first, Rejected) and isinstance(again, Rejected)
    assert "unexpected probe output" in first.reason
    assert log.read_text().count("run") == 1
    stat = fake.stat()
    os.utime(fake, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    pythons(tmp_path, fake).probe(str(fake))
    assert log.read_text().count("run") == 2


def test_an_interpreter_without_bandit_runs_it_from_the_portable_path(tmp_path: Path) -> None:
    newer = newer_python()
    if newer is None:
        pytest.skip("no Python >= 3.12 on this machine (pyenv or python3.1x on PATH)")
    probed = pythons(tmp_path, newer).probe(newer)
    assert isinstance(probed, BanditPython), probed
    assert probed.version >= (3, 12, 0)
    assert probed.bandit_version == metadata.version("bandit")
    assert "B602" in probed.tests
    if probed.mode == "portable":
        assert probed.portable is not None
        assert probed.portable.is_relative_to(tmp_path / "cache")
        argv = probed.bandit_argv(["--version"], pycache=tmp_path / "pyc")
        assert argv[:2] == [probed.executable, "-I"]
        assert f"pycache_prefix={tmp_path / 'pyc'}" in argv


# --- the portable path --------------------------------------------------------------------


def test_portable_path_links_the_closure_with_its_metadata(tmp_path: Path) -> None:
    built = portable_path(tmp_path / "cache")
    names = {entry.name for entry in built.iterdir()}
    assert {"bandit", "stevedore", "yaml"} <= names
    assert any(name.startswith("bandit-") and name.endswith(".dist-info") for name in names)
    assert any(name.startswith("stevedore-") and name.endswith(".dist-info") for name in names)
    assert all((built / name).is_symlink() for name in names)
    assert (built / "bandit" / "__init__.py").is_file()
    assert portable_path(tmp_path / "cache") == built  # built once, then reused


def test_portable_path_of_an_unknown_distribution_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as raised:
        portable_path(tmp_path / "cache", "no-such-distribution-releasegate")
    assert "not installed" in str(raised.value)


# --- selection ----------------------------------------------------------------------------


def test_the_first_candidate_is_preferred_when_it_fits(tmp_path: Path) -> None:
    found = pythons(tmp_path, sys.executable, tmp_path / "unused")
    selection = found.select(SpecifierSet(f">={RUNNING[0]}.{RUNNING[1]}"))
    assert selection.primary.version == RUNNING
    assert selection.note is None
    assert found.rejected() == []  # the others were not even probed


def test_no_fitting_interpreter_falls_back_with_a_note(tmp_path: Path) -> None:
    selection = pythons(tmp_path, sys.executable).select(SpecifierSet(">=9"))
    assert selection.primary.version == RUNNING
    assert selection.note is not None and ">=9" in selection.note


def test_no_working_interpreter_is_a_tool_error_naming_each(tmp_path: Path) -> None:
    broken = script(tmp_path / "broken-python", "#!/bin/sh\necho nope >&2\nexit 3\n")
    with pytest.raises(ToolError) as raised:
        pythons(tmp_path, broken, tmp_path / "absent").select(None)
    message = str(raised.value)
    assert str(broken) in message and "nope" in message
    assert str(tmp_path / "absent") in message
    assert "\n" not in raised.value.diagnostics()


def test_lowest_fitting_version_is_chosen_and_newer_ones_are_fallbacks(tmp_path: Path) -> None:
    newer = newer_python()
    if newer is None:
        pytest.skip("no Python >= 3.12 on this machine (pyenv or python3.1x on PATH)")
    found = pythons(tmp_path, sys.executable, newer)
    probed = found.probe(newer)
    assert isinstance(probed, BanditPython), probed
    if probed.version[:2] <= RUNNING[:2]:
        pytest.skip("the newer Python found is not newer than the running one")
    wanted = SpecifierSet(f">={probed.version[0]}.{probed.version[1]}")
    assert found.select(wanted).primary.version == probed.version
    primary = found.select(None).primary
    assert primary.version == RUNNING
    assert [p.version for p in found.newer(primary)] == [probed.version]


# --- requires-python ----------------------------------------------------------------------


def test_requires_python_is_read_from_the_tracked_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    found = project_requires_python(tmp_path, {"pyproject.toml"})
    assert found.spec == SpecifierSet(">=3.12")
    assert found.problem is None
    assert project_requires_python(tmp_path, set()).spec is None  # untracked: ignored


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[project\n", "pyproject.toml:"),
        ("[project]\nrequires-python = 3\n", "not a string"),
        ('[project]\nrequires-python = "three"\n', "invalid requires-python"),
    ],
    ids=["not-toml", "not-a-string", "not-a-specifier"],
)
def test_unusable_requires_python_is_a_problem_not_an_exception(
    tmp_path: Path, text: str, problem: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    found = project_requires_python(tmp_path, {"pyproject.toml"})
    assert found.spec is None
    assert found.problem is not None and problem in found.problem


def test_pyproject_without_requires_python_has_no_spec_and_no_problem(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    found = project_requires_python(tmp_path, {"pyproject.toml"})
    assert found.spec is None and found.problem is None
