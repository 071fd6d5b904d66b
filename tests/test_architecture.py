"""The architecture as tests (docs/architecture.md).

Every module of the package imports on its own, first: an import cycle that only bites
in one import order (it did: review.summary <-> reports) fails here, not by chance in
whatever order a test run happens to import things. The import graph has no cycle at
all, the import-linter contracts of pyproject.toml hold (a back-arrow between layers
fails CI), no module below the CLI touches os.environ, and no two modules share a name.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp

import releasegate

_SCRIPT = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "releasegate" or m.startswith("releasegate.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first_and_alone() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(releasegate.__path__, "releasegate.")
        if m.name != "releasegate.__main__"  # runs the CLI
    ]
    assert len(modules) > 80
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *modules], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- the shape of the package: docs/architecture.md ----------------------------------------

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "releasegate"


def test_the_import_contracts_hold() -> None:
    # The layers and the two forbidden contracts of pyproject.toml ([tool.importlinter]).
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" KEPT") == 3, done.stdout


def test_the_import_graph_has_no_cycle() -> None:
    graph = grimp.build_graph("releasegate")
    cycles = sorted(
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.find_shortest_chain(importer=imported, imported=module) is not None
    )
    assert len(graph.modules) > 80
    assert cycles == []


# Read at the edge only: the CLI reads os.environ once (cli/app.py) and hands a
# RunEnvironment down. Two exceptions, each outside a run: the package's own first line
# (GitPython's refresh setting must exist before `import git`), and the pytest plugin the
# stability stage loads into the head's own test process.
_ENVIRONMENT_EXEMPT = {"__init__.py", "stages/pytest_shuffle.py"}


def _reads_the_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in {"environ", "environb", "getenv", "putenv", "unsetenv"}
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {alias.name for alias in node.names}
            if names & {"environ", "environb", "getenv", "putenv", "unsetenv"}:
                lines.append(node.lineno)
    return lines


def test_no_module_below_the_cli_reads_or_writes_the_process_environment() -> None:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("cli/") or relative in _ENVIRONMENT_EXEMPT:
            continue
        lines = _reads_the_environment(ast.parse(path.read_text("utf-8")))
        if lines:
            found[relative] = lines
    assert found == {}
    # The check itself sees a read (so an empty result above means something).
    assert _reads_the_environment(ast.parse("import os\nx = os.environ.get('A')\n")) == [2]


def test_no_two_modules_share_a_name() -> None:
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name not in {"__init__.py", "__main__.py"}:
            names.setdefault(path.stem, []).append(path.relative_to(PACKAGE).as_posix())
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
