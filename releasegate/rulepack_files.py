"""Where the built-in semgrep rule pack is, and its digest.

In an installed wheel the pack is the package ``releasegate.rulepack`` (built
from ``checks/``); in a source checkout (editable install) it is ``checks/``
beside the package.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from releasegate.errors import ToolError

RULE_SUFFIXES = (".yaml", ".yml")


def builtin_rulepack() -> Path:
    try:
        located = resources.files("releasegate.rulepack")
    except ModuleNotFoundError:
        located = None
    if located is not None and isinstance(located, Path) and located.is_dir():
        return located
    source = Path(__file__).resolve().parent.parent / "checks"
    if source.is_dir():
        return source
    raise ToolError(
        "the built-in semgrep rule pack is missing from this installation",
        hint="reinstall releasegate (`pip install --force-reinstall releasegate`)",
    )


def rule_files(root: Path) -> list[Path]:
    """The rule files under ``root`` (a file or a folder), in a stable order."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())


@lru_cache(maxsize=16)
def digest_rules(root: Path) -> str:
    """sha256 over the relative paths and bytes of every rule file under ``root``."""
    digest = hashlib.sha256()
    for path in rule_files(root):
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
