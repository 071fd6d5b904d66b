"""Reading dependency files: requirements, pyproject.toml and the four lock formats."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from deps_helpers import copy_project
from packaging.version import Version

from releasegate.deps.pins import Inventory, SourceKind
from releasegate.deps.sources.collector import collect
from releasegate.deps.sources.formats import kind_of
from releasegate.deps.sources.requirements_txt import logical_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sorted(files)


def read(root: Path, files: dict[str, str], **kwargs: object) -> Inventory:
    paths = write(root, files)
    return collect(root, paths, **kwargs)  # type: ignore[arg-type]


def pins(inventory: Inventory) -> list[tuple[str, str, str, int]]:
    return [(p.name, p.version_text, p.location.path, p.location.line) for p in inventory.pins]


# --- discovery ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("requirements.txt", SourceKind.REQUIREMENTS),
        ("sub/requirements-dev.txt", SourceKind.REQUIREMENTS),
        ("pyproject.toml", SourceKind.PYPROJECT),
        ("a/uv.lock", SourceKind.UV_LOCK),
        ("poetry.lock", SourceKind.POETRY_LOCK),
        ("Pipfile.lock", SourceKind.PIPFILE_LOCK),
        ("pylock.toml", SourceKind.PYLOCK),
        ("pylock.dev.toml", SourceKind.PYLOCK),
        ("requirements.in", None),
        ("docs/requirements.rst", None),
        ("constraints.txt", None),
        ("pylock..toml", None),
    ],
)
def test_files_are_recognised_by_name(path: str, kind: SourceKind | None) -> None:
    assert kind_of(path) is kind


def test_no_dependency_files_gives_an_empty_inventory(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"app.py": "print(1)\n", "README.md": "hi\n"})
    assert inventory.sources == ()
    assert inventory.pins == ()


def test_excluded_files_are_not_read(tmp_path: Path) -> None:
    inventory = read(
        tmp_path,
        {"requirements.txt": "django==3.2\n", "docs/requirements.txt": "sphinx>=1\n"},
        exclude=["docs/"],
    )
    assert [s.path for s in inventory.sources] == ["requirements.txt"]
    assert inventory.unpinned == ()


# --- requirements files -------------------------------------------------------------------


def test_pins_hashes_comments_continuations_and_lines(tmp_path: Path) -> None:
    text = (
        "# a comment\n"
        "\n"
        "Django==3.2  # trailing comment\n"
        "pyyaml==5.1 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "requests[socks]==2.31.0 ; python_version >= '3.8'\n"
        "tomli===2.0.1\n"
    )
    inventory = read(tmp_path, {"requirements.txt": text})
    assert pins(inventory) == [
        ("Django", "3.2", "requirements.txt", 3),
        ("pyyaml", "5.1", "requirements.txt", 4),
        ("requests", "2.31.0", "requirements.txt", 7),
        ("tomli", "2.0.1", "requirements.txt", 8),
    ]
    by_name = {p.name: p for p in inventory.pins}
    assert by_name["pyyaml"].hashes == 2
    assert by_name["requests"].extras == ("socks",)
    assert by_name["requests"].marker == 'python_version >= "3.8"'
    assert by_name["Django"].version == Version("3.2.0")
    assert inventory.problems == () and inventory.unpinned == ()


def test_a_marker_never_drops_a_requirement(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"requirements.txt": "pywin32==300 ; sys_platform == 'win32'\n"})
    assert [(p.name, p.marker) for p in inventory.pins] == [("pywin32", 'sys_platform == "win32"')]


def test_logical_lines_follow_pips_rules() -> None:
    text = "a==\\\n  # a comment\nb==2\n#c==3 \\\nd==4\n"
    # A comment line ends a continuation (and is dropped); a comment ending in a
    # backslash continues nothing.
    assert list(logical_lines(text)) == [(1, "a=="), (3, "b==2"), (5, "d==4")]


@pytest.mark.parametrize(
    "line",
    ["django>=3.2", "django~=3.2", "django==3.*", "django", "django>=3,<4", "django!=3.1"],
)
def test_ranges_are_unpinned_with_the_fix(tmp_path: Path, line: str) -> None:
    inventory = read(tmp_path, {"requirements.txt": f"{line}\n"})
    assert inventory.pins == ()
    [item] = inventory.unpinned
    assert item.location.line == 1
    assert item.requirement.startswith("django")
    assert "pip-compile" in item.fix and "uv lock" in item.fix and "`django==X.Y`" in item.fix


@pytest.mark.parametrize(
    "line",
    [
        "git+https://github.com/django/django@main#egg=django",
        "https://example.com/pkg-1.0-py3-none-any.whl",
        "./vendor/pkg",
        "pkg @ https://example.com/pkg-1.0.tar.gz",
        "-e ./local",
        "-e git+https://github.com/x/y#egg=y",
    ],
)
def test_url_vcs_and_local_requirements_cannot_be_audited(tmp_path: Path, line: str) -> None:
    inventory = read(tmp_path, {"requirements.txt": f"{line}\n"})
    [item] = inventory.skipped
    assert item.location is not None and item.location.line == 1
    assert "cannot be audited" in item.reason
    assert inventory.pins == () and inventory.problems == ()


def test_url_credentials_are_redacted(tmp_path: Path) -> None:
    inventory = read(
        tmp_path, {"requirements.txt": "pkg @ https://user:s3cret@example.com/pkg.whl\n"}
    )
    [item] = inventory.skipped
    assert "s3cret" not in str(item)
    assert "***@example.com" in str(item)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("django==", "not a valid requirement"),
        ("django = = 3", "not a valid requirement"),
        ("django==3.2 --frobnicate", "unknown or misplaced option"),
        ("--hash=sha256:abc", "unknown or misplaced option"),
        ("django==3.2 --hash=md5:abc", "not algorithm:hexdigest"),
        ("django==3.2,==3.3", "pins two different versions"),
        ("django===not-a-version", "not a PEP 440 version"),
        ("-r", "needs a value"),
    ],
)
def test_malformed_lines_are_problems_naming_file_and_line(
    tmp_path: Path, line: str, expected: str
) -> None:
    inventory = read(tmp_path, {"requirements.txt": f"ok==1.0\n{line}\n"})
    [problem] = inventory.problems
    assert problem.location.path == "requirements.txt"
    assert problem.location.line == 2
    assert expected in problem.message
    assert pins(inventory) == [("ok", "1.0", "requirements.txt", 1)]


def test_includes_are_resolved_relative_to_the_including_file(tmp_path: Path) -> None:
    inventory = read(
        tmp_path,
        {
            "requirements.txt": "-r reqs/base.txt\nflask==2.0.0\n",
            "reqs/base.txt": "-r ../common/core.txt\ndjango==3.2\n",
            "common/core.txt": "pyyaml==5.1\n",
        },
    )
    assert sorted(pins(inventory)) == [
        ("django", "3.2", "reqs/base.txt", 2),
        ("flask", "2.0.0", "requirements.txt", 2),
        ("pyyaml", "5.1", "common/core.txt", 1),
    ]
    roles = {s.path: s.role for s in inventory.sources}
    assert roles["reqs/base.txt"] == "-r from requirements.txt"
    assert inventory.problems == ()


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        ("-r ../outside.txt", "leaves the repository"),
        ("-r /etc/passwd", "leaves the repository"),
        ("-r missing.txt", "no such file in the head commit"),
        ("-r https://example.com/r.txt", "only files of the repository"),
        ("-c missing-constraints.txt", "no such file in the head commit"),
    ],
)
def test_includes_outside_the_tree_are_errors(tmp_path: Path, include: str, expected: str) -> None:
    (tmp_path.parent / "outside.txt").write_text("evil==1\n")
    inventory = read(tmp_path, {"requirements.txt": f"{include}\n"})
    [problem] = inventory.problems
    assert str(problem).startswith("requirements.txt:1: ")
    assert expected in problem.message
    assert inventory.pins == ()


def test_an_untracked_file_cannot_be_included(tmp_path: Path) -> None:
    (tmp_path / "untracked.txt").write_text("evil==1\n")
    inventory = read(tmp_path, {"requirements.txt": "-r untracked.txt\n"})
    assert "no such file in the head commit" in inventory.problems[0].message


def test_include_cycles_are_errors(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"requirements.txt": "-r b.txt\n", "b.txt": "-r requirements.txt\n"})
    assert any("include cycle" in p.message for p in inventory.problems)


def test_a_constraints_file_pins_the_ranges_of_its_requirements(tmp_path: Path) -> None:
    inventory = read(
        tmp_path,
        {
            "requirements.txt": "-c constraints.txt\ndjango>=3\nflask>=2\n",
            "constraints.txt": "django==3.2\nclick<9\n",
        },
    )
    assert [u.requirement for u in inventory.unpinned] == ["flask>=2"]
    assert [(p.name, p.note) for p in inventory.pins] == [("django", "constraint")]


def test_index_options_are_noted_without_credentials(tmp_path: Path) -> None:
    inventory = read(
        tmp_path,
        {"requirements.txt": "--index-url https://bot:tok3n@pypi.example/simple\nx==1\n"},
    )
    assert any("pypi.example" in note for note in inventory.notes)
    assert not any("tok3n" in note for note in inventory.notes)


def test_undecodable_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"django==3.2\n\xff\xfe==1\n")
    inventory = collect(tmp_path, ["requirements.txt"])
    [problem] = inventory.problems
    assert problem.location.line == 2
    assert "UTF-8" in problem.message


# --- pyproject.toml -----------------------------------------------------------------------

PYPROJECT = """\
[project]
name = "shop"
version = "1.0"
dependencies = [
    "django>=3.2",
    "pyyaml==5.1",
    "tool @ git+https://example.com/tool.git",
]

[project.optional-dependencies]
test = ["pytest>=8"]
"""


def test_pyproject_dependencies_without_a_lock(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"pyproject.toml": PYPROJECT})
    assert pins(inventory) == [("pyyaml", "5.1", "pyproject.toml", 6)]
    assert [(u.requirement, u.location.line) for u in inventory.unpinned] == [
        ("django>=3.2", 5),
        ("pytest>=8", 11),
    ]
    assert "uv lock" in inventory.unpinned[0].fix
    [skipped] = inventory.skipped
    assert skipped.location is not None and skipped.location.line == 7
    assert inventory.sources[0].entries == 4


def test_a_lock_next_to_pyproject_pins_its_dependencies(tmp_path: Path) -> None:
    copy_project("uv", tmp_path)
    files = ["pyproject.toml", "uv.lock"]
    inventory = collect(tmp_path, files)
    assert inventory.unpinned == ()
    assert inventory.skipped == ()
    assert {p.location.path for p in inventory.pins} == {"uv.lock"}
    assert any("pinned by uv.lock" in note for note in inventory.notes)


def test_pyproject_in_scope_reads_its_lock_even_when_the_lock_is_not(tmp_path: Path) -> None:
    """Pull-request mode: only pyproject.toml changed; the lock is read from the tree."""
    copy_project("uv", tmp_path)
    inventory = collect(tmp_path, ["pyproject.toml"], tracked=["pyproject.toml", "uv.lock"])
    assert inventory.unpinned == ()
    assert {s.path: s.role for s in inventory.sources}["uv.lock"] == ("lock file of pyproject.toml")


def test_a_dependency_missing_from_the_lock_means_a_stale_lock(tmp_path: Path) -> None:
    copy_project("uv", tmp_path)
    text = (
        (tmp_path / "pyproject.toml")
        .read_text()
        .replace('"requests>=2.25",', '"requests>=2.25",\n    "flask>=2",')
    )
    (tmp_path / "pyproject.toml").write_text(text)
    inventory = collect(tmp_path, ["pyproject.toml", "uv.lock"])
    [item] = inventory.unpinned
    assert item.requirement == "flask>=2"
    assert "uv.lock does not pin flask" in item.fix and "`uv lock`" in item.fix


def test_dynamic_dependencies_cannot_be_audited_without_a_lock(tmp_path: Path) -> None:
    inventory = read(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndynamic = ["dependencies"]\n'},
    )
    [item] = inventory.skipped
    assert "dynamic" in item.what and "commit a lock file" in item.reason


def test_poetry_dependencies_need_poetry_lock(tmp_path: Path) -> None:
    inventory = read(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.poetry]\nname = 'x'\n\n[tool.poetry.dependencies]\n"
                'python = "^3.10"\ndjango = "^3.2"\n'
            )
        },
    )
    [item] = inventory.skipped
    assert item.location is not None and item.location.line == 4
    assert "poetry lock" in item.reason and "django" in item.what


def test_malformed_pyproject_is_a_problem_with_its_line(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n'})
    [problem] = inventory.problems
    assert problem.location.path == "pyproject.toml"
    assert problem.location.line >= 3
    assert "TOML" in problem.message


def test_pyproject_without_project_table_has_no_dependencies(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"})
    assert inventory.problems == () and inventory.pins == () and inventory.unpinned == ()
    assert inventory.sources[0].entries == 0


# --- lock files (real ones, written by uv, poetry and pipenv) -----------------------------


def _toml_packages(path: Path, key: str) -> list[tuple[str, str]]:
    data = tomllib.loads(path.read_text("utf-8"))
    return [(p["name"], p.get("version", "")) for p in data[key]]


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line == needle)


def test_uv_lock_lists_every_package_at_its_entry(tmp_path: Path) -> None:
    copy_project("uv", tmp_path)
    inventory = collect(tmp_path, ["uv.lock"])
    expected = [
        (name, version)
        for name, version in _toml_packages(tmp_path / "uv.lock", "package")
        if name != "shop"
    ]
    assert len(expected) == 11
    assert [(p.name, p.version_text) for p in inventory.pins] == expected
    lock = tmp_path / "uv.lock"
    for pin in inventory.pins:
        assert lock.read_text().splitlines()[pin.location.line - 1] == "[[package]]"
        assert lock.read_text().splitlines()[pin.location.line] == f'name = "{pin.name}"', pin.name
    [project] = inventory.local
    assert (project.name, project.directory) == ("shop", "")
    assert inventory.sources[0].entries == 12


def test_poetry_lock_lists_every_package(tmp_path: Path) -> None:
    copy_project("poetry", tmp_path)
    inventory = collect(tmp_path, ["poetry.lock", "pyproject.toml"])
    expected = _toml_packages(tmp_path / "poetry.lock", "package")
    assert [(p.name, p.version_text) for p in inventory.pins] == expected
    assert ("pyyaml", "5.3") in expected
    lock = tmp_path / "poetry.lock"
    pyyaml = next(p for p in inventory.pins if p.name == "pyyaml")
    assert pyyaml.location.line == _line_of(lock, 'name = "pyyaml"') - 1
    # The index is PyPI's simple API: no private-index note.
    assert all(p.note is None for p in inventory.pins)
    assert inventory.unpinned == () and inventory.skipped == ()


def test_pylock_lists_every_package(tmp_path: Path) -> None:
    copy_project("pylock", tmp_path)
    inventory = collect(tmp_path, ["pylock.toml"])
    expected = _toml_packages(tmp_path / "pylock.toml", "packages")
    assert [(p.name, p.version_text) for p in inventory.pins] == expected
    assert len(expected) == 11
    typing = next(p for p in inventory.pins if p.name == "typing-extensions")
    assert typing.marker is not None


def test_pipfile_lock_lists_default_and_develop(tmp_path: Path) -> None:
    copy_project("pipenv", tmp_path)
    inventory = collect(tmp_path, ["Pipfile", "Pipfile.lock"])
    data = json.loads((tmp_path / "Pipfile.lock").read_text())
    expected = [
        (name, entry["version"].removeprefix("=="))
        for section in ("default", "develop")
        for name, entry in data[section].items()
    ]
    assert [(p.name, p.version_text) for p in inventory.pins] == expected
    lines = (tmp_path / "Pipfile.lock").read_text().splitlines()
    for pin in inventory.pins:
        assert lines[pin.location.line - 1].strip() == f'"{pin.name}": {{'
    assert {p.note for p in inventory.pins if p.name == "pyyaml"} == {"Pipfile.lock develop"}
    assert inventory.skipped == ()  # the Pipfile has its lock


def test_a_pipfile_without_its_lock_cannot_be_audited(tmp_path: Path) -> None:
    inventory = read(tmp_path, {"Pipfile": "[packages]\ndjango = '*'\n"})
    [item] = inventory.skipped
    assert "pipenv lock" in item.reason


def test_lock_entries_from_vcs_urls_and_outside_paths_cannot_be_audited(tmp_path: Path) -> None:
    lock = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "member"
version = "0.1.0"
source = { editable = "packages/member" }

[[package]]
name = "tool"
version = "1.0"
source = { git = "https://example.com/tool.git?rev=main#abc" }

[[package]]
name = "vendored"
version = "1.0"
source = { path = "../vendor/vendored-1.0.whl" }

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://private.example/simple" }
"""
    inventory = read(tmp_path, {"uv.lock": lock})
    assert [(item.name, item.directory) for item in inventory.local] == [
        ("app", ""),
        ("member", "packages/member"),
    ]
    assert [(s.name, s.location.line if s.location else 0) for s in inventory.skipped] == [
        ("tool", 14),
        ("vendored", 19),
    ]
    [idna] = inventory.pins
    assert idna.location.line == 24
    assert idna.note == "index https://private.example/simple"


def test_a_uv_workspace_root_lock_covers_its_members(tmp_path: Path) -> None:
    lock = """\
version = 1

[[package]]
name = "member"
version = "0.1.0"
source = { editable = "packages/member" }

[[package]]
name = "django"
version = "3.2.25"
source = { registry = "https://pypi.org/simple" }
"""
    member = '[project]\nname = "member"\nversion = "0.1.0"\ndependencies = ["django>=3"]\n'
    inventory = read(tmp_path, {"uv.lock": lock, "packages/member/pyproject.toml": member})
    assert inventory.unpinned == ()
    assert pins(inventory) == [("django", "3.2.25", "uv.lock", 8)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("uv.lock", "version = 2\n", "unsupported uv.lock version 2"),
        ("uv.lock", 'version = 1\n[[package]]\nname = "x"\nversion = "1"\n', "source"),
        (
            "uv.lock",
            'version = 1\n[[package]]\nname = "x"\nversion = "not a version"\n'
            'source = { registry = "https://pypi.org/simple" }\n',
            "not a PEP 440 version",
        ),
        ("poetry.lock", "[[package]\n", "TOML syntax error"),
        ("pylock.toml", 'lock-version = "2.0"\n', "unsupported lock-version"),
        (
            "pylock.toml",
            'lock-version = "1.0"\n[[packages]]\nname = "x"\nvcs = "git+https://h/x"\n'
            'archive = { url = "https://h/x.tar.gz" }\n',
            "x: more than one source (vcs, archive)",
        ),
        (
            "pylock.toml",
            'lock-version = "1.0"\n[[packages]]\nname = "x"\nvcs = "git+https://h/x"\n',
            "x: `vcs` is not a table",
        ),
        (
            "pylock.toml",
            'lock-version = "1.0"\n[[packages]]\nname = "y"\ndirectory = "."\n',
            "y: `directory` is not a table",
        ),
        ("Pipfile.lock", "{not json", "not JSON"),
        ("Pipfile.lock", '{"default": []}', "`default` is not an object"),
    ],
)
def test_malformed_lock_files_are_problems(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    inventory = read(tmp_path, {name: text})
    assert inventory.problems, inventory
    assert expected in inventory.problems[0].message
    assert inventory.problems[0].location.path == name
