"""releasegate: a secure release gate for Python projects."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("releasegate")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
