"""The baseline: known findings accepted for now, by fingerprint, with an owner and a reason.

``releasegate baseline`` writes it; it is committed to the repository. A
baseline entry absorbs exactly one occurrence (fingerprints number identical
findings in a file), so a second identical finding is new. Moving code or
editing unrelated lines keeps fingerprints, so it creates no new finding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from releasegate.errors import ConfigError
from releasegate.model import Finding

BASELINE_VERSION: Literal[1] = 1


class BaselineEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: StrictStr = Field(min_length=8)
    tool: StrictStr
    rule_id: StrictStr
    path: StrictStr
    line: StrictInt = Field(ge=0, description="Where it was when baselined (informational).")
    message: StrictStr = ""
    owner: StrictStr = Field(min_length=1)
    reason: StrictStr = Field(min_length=1)
    added: dt.date


class BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    generated_by: StrictStr = ""
    commit: StrictStr = ""
    entries: list[BaselineEntry] = Field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Baseline:
    path: str
    entries: Mapping[str, BaselineEntry]
    digest: str

    def __contains__(self, fingerprint: object) -> bool:
        return fingerprint in self.entries


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def parse_baseline(data: bytes, path: str) -> Baseline:
    """Validate a baseline file; errors name the file and what is wrong."""
    try:
        raw = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the baseline is not UTF-8") from None
    except _DuplicateKey as exc:
        raise ConfigError(
            f"{path}: duplicate key {exc.key!r} in one object (JSON readers keep "
            "either one silently)",
            hint="regenerate it with `releasegate baseline`",
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: the baseline is not valid JSON: {exc.msg}",
            hint="regenerate it with `releasegate baseline`",
        ) from None
    try:
        parsed = BaselineFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise ConfigError(
            f"{path}: invalid baseline at {where}: {first['msg']}",
            hint="regenerate it with `releasegate baseline`",
        ) from None
    entries: dict[str, BaselineEntry] = {}
    for entry in parsed.entries:
        if entry.fingerprint in entries:
            raise ConfigError(f"{path}: fingerprint {entry.fingerprint} is listed twice")
        entries[entry.fingerprint] = entry
    return Baseline(path=path, entries=entries, digest="sha256:" + hashlib.sha256(data).hexdigest())


def render_baseline(
    findings: Iterable[Finding],
    *,
    previous: Baseline | None,
    owner: str,
    reason: str,
    today: dt.date,
    commit: str,
    generated_by: str,
) -> str:
    """The baseline for ``findings``; entries already baselined keep their owner and reason."""
    entries: list[BaselineEntry] = []
    for finding in sorted(findings, key=lambda f: (f.path, f.line, f.tool, f.rule_id)):
        kept = previous.entries.get(finding.fingerprint) if previous is not None else None
        entries.append(
            BaselineEntry(
                fingerprint=finding.fingerprint,
                tool=finding.tool,
                rule_id=finding.rule_id,
                path=finding.path,
                line=finding.line,
                message=finding.message,
                owner=kept.owner if kept else owner,
                reason=kept.reason if kept else reason,
                added=kept.added if kept else today,
            )
        )
    document = BaselineFile(
        version=BASELINE_VERSION, generated_by=generated_by, commit=commit, entries=entries
    )
    return json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
