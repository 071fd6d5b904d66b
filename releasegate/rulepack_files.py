"""Where the built-in semgrep rule pack is, and its digest.

In an installed wheel the pack is the package ``releasegate.rulepack`` (built
from ``checks/``); in a source checkout (editable install) it is ``checks/``
beside the package.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from releasegate.errors import ToolError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BLOCKING_FILE = "blocking.toml"
SAME_WEAKNESS_FILE = "same-weakness.toml"
_REINSTALL = "reinstall releasegate (`pip install --force-reinstall releasegate`)"

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


@dataclass(frozen=True, kw_only=True)
class RuleDefault:
    """A rule pack's blocking default for one rule (``checks/blocking.toml``)."""

    rule_id: str
    blocks: bool
    why: str


def _pack_toml(name: str) -> tuple[dict[str, object], str]:
    path = builtin_rulepack() / name
    broken = f"the rule pack's {name} ({path})"
    try:
        return tomllib.loads(path.read_text("utf-8")), broken
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ToolError(f"{broken} cannot be read: {exc}", hint=_REINSTALL) from None


@lru_cache(maxsize=1)
def blocking_defaults() -> dict[str, RuleDefault]:
    """The per-rule blocking defaults of the built-in pack, by rule id."""
    data, broken = _pack_toml(BLOCKING_FILE)
    fix = _REINSTALL
    defaults: dict[str, RuleDefault] = {}
    for tool, rules in data.items():
        if not isinstance(rules, dict):
            raise ToolError(f"{broken}: [{tool}] is not a table", hint=fix)
        for rule_id, entry in rules.items():
            default = entry.get("default") if isinstance(entry, dict) else None
            why = entry.get("why") if isinstance(entry, dict) else None
            if default not in ("block", "report") or not isinstance(why, str) or not why:
                raise ToolError(
                    f"{broken}: [{tool}.{rule_id}] needs default = block|report and a why",
                    hint=fix,
                )
            defaults[rule_id] = RuleDefault(rule_id=rule_id, blocks=default == "block", why=why)
    return defaults


@lru_cache(maxsize=1)
def same_weakness() -> frozenset[frozenset[str]]:
    """Pairs of rule ids (a pack rule, a bandit test) that report the same weakness."""
    data, broken = _pack_toml(SAME_WEAKNESS_FILE)
    table = data.get("same-weakness")
    if not isinstance(table, dict):
        raise ToolError(f"{broken}: no [same-weakness] table", hint=_REINSTALL)
    pairs: set[frozenset[str]] = set()
    for rule_id, others in table.items():
        if not isinstance(others, list) or not all(isinstance(o, str) for o in others):
            raise ToolError(f"{broken}: {rule_id} must list rule ids", hint=_REINSTALL)
        pairs.update(frozenset((rule_id, other)) for other in others)
    return frozenset(pairs)
