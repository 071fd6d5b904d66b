"""Whether the head has a test suite, and the pytest command that runs it.

The functional stage without a command or results (the embedded default) runs
pytest when the head commit has a test suite: a tracked ``test_*.py``,
``*_test.py`` or ``conftest.py``, or a pytest configuration (``pytest.ini``,
``.pytest.ini``, ``[tool.pytest.ini_options]`` or ``[tool.pytest]`` in
``pyproject.toml``, ``[tool:pytest]`` in ``setup.cfg``, ``[pytest]`` in
``tox.ini``). Without one the stage is skipped, saying so.

The command is ``<python> -m pytest -q -p no:cacheprovider
--junitxml=<run dir>/junit.xml``, where ``<python>`` is the interpreter that
runs releasegate: the project's test dependencies must be installed there
(else set ``stages.functional.command``). No cache directory is written into
the tree.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from releasegate.errors import StageError

_CONFIG_MARKERS: dict[str, tuple[bytes, ...]] = {
    "pytest.ini": (),
    ".pytest.ini": (),
    "pyproject.toml": (b"[tool.pytest.ini_options]", b"[tool.pytest]"),
    "setup.cfg": (b"[tool:pytest]",),
    "tox.ini": (b"[pytest]",),
}


def find_test_suite(files: Iterable[str], read: Callable[[str], bytes | None]) -> str | None:
    """Why the tree has a test suite (the file that shows it), or None.

    ``files`` are the tracked files of the head; ``read`` returns one's content.
    """
    listed = list(files)
    for path in listed:
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".py") and (
            name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
        ):
            return f"test file {path}"
    present = set(listed)
    for config, markers in _CONFIG_MARKERS.items():
        if config not in present:
            continue
        if not markers:
            return f"pytest configuration {config}"
        data = read(config) or b""
        if any(marker in data for marker in markers):
            return f"pytest configuration in {config}"
    return None


def pytest_argv(junit: Path, *extra: str) -> list[str]:
    """The automatic pytest command, writing JUnit XML to ``junit``."""
    if importlib.util.find_spec("pytest") is None:
        raise StageError(
            f"pytest is not installed for {sys.executable}, the interpreter running releasegate",
            hint="install the project's test dependencies there, or set "
            "stages.functional.command in the policy",
        )
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *extra,
        f"--junitxml={junit}",
    ]
