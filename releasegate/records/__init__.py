"""Release records beyond the runner: the records ref, its sync with a remote, and the
one reader that the dashboard and ``audit verify`` use for both sources.

- ``store``: ``refs/releasegate/records``, one commit per record (read, verify, append);
- ``sync``: ``releasegate records push | fetch``;
- ``read_records_ref`` / ``read_audit_log``: the records of either source, read by the
  codec (``any_record_from_json``: gate decisions and watch runs), oldest first;
  ``gate_records`` / ``watch_records`` split them; ``load_records_ref`` /
  ``load_audit_log``: the gate decisions only.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from releasegate.audit import read_lines
from releasegate.codec import (
    AnyRecord,
    CodecError,
    RecordJSON,
    WatchRecordJSON,
    any_record_from_json,
)
from releasegate.context import open_repo
from releasegate.errors import ConfigError
from releasegate.records.store import RECORDS_REF, read_ref

__all__ = [
    "RECORDS_REF",
    "gate_records",
    "load_audit_log",
    "load_records_ref",
    "read_audit_log",
    "read_records_ref",
    "watch_records",
]


def _parse(data: bytes, where: str, verify: str) -> AnyRecord:
    hint = f"run `{verify}` to see what broke, and restore it from a copy"
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise ConfigError(f"{where}: not JSON: {exc}", hint=hint) from None
    try:
        return any_record_from_json(parsed)
    except CodecError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=hint) from None


def gate_records(records: list[AnyRecord]) -> list[RecordJSON]:
    """The gate decisions among ``records`` (the dashboard's runs)."""
    return [r for r in records if isinstance(r, RecordJSON)]


def watch_records(records: list[AnyRecord]) -> list[WatchRecordJSON]:
    """The ``releasegate watch`` runs among ``records``, oldest first."""
    return [r for r in records if isinstance(r, WatchRecordJSON)]


def load_audit_log(path: Path) -> list[RecordJSON]:
    """The gate records of a JSONL audit log, in the order appended."""
    return gate_records(read_audit_log(path))


def load_records_ref(repo: Path, ref: str = RECORDS_REF) -> list[RecordJSON]:
    """The gate records on ``ref`` in the repository at ``repo``, oldest first."""
    return gate_records(read_records_ref(repo, ref))


def read_audit_log(path: Path) -> list[AnyRecord]:
    """Every record of a JSONL audit log (gate and watch), in the order appended."""
    verify = f"releasegate audit verify --audit-log {shlex.quote(str(path))}"
    return [
        _parse(line, f"{path}: line {n}", verify)
        for n, line in enumerate(read_lines(path), start=1)
    ]


def read_records_ref(repo: Path, ref: str = RECORDS_REF) -> list[AnyRecord]:
    """Every record on ``ref`` in the repository at ``repo`` (gate and watch), oldest first."""
    git_dir = Path(open_repo(repo).common_dir).resolve()
    contents = read_ref(git_dir, ref)
    if contents.tip is None:
        raise ConfigError(
            f"{repo}: no {ref} here",
            hint="fetch it: `releasegate records fetch` (or git fetch origin "
            "'refs/releasegate/*:refs/releasegate/*')",
        )
    verify = f"releasegate audit verify --records {shlex.quote(ref)}"
    return [
        _parse(r.data, f"{ref}: {r.path} (commit {r.commit[:12]})", verify)
        for r in contents.records
    ]
