"""releasegate: a secure release gate for Python projects."""

import os
from importlib.metadata import PackageNotFoundError, version

# GitPython raises at import when no git executable is found; releasegate says so in one
# line instead (``cli.main``), so the import must not fail first.
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

try:
    __version__ = version("releasegate")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
