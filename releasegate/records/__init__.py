"""Release records beyond the runner: the records ref, its sync with a remote, and the
one reader that the dashboard and ``audit verify`` use for both sources.

- ``store``: ``refs/releasegate/records``, one commit per record (read, verify, append);
- ``sync``: ``releasegate records push | fetch``;
- ``load_records_ref`` / ``load_audit_log``: the records of either source, read by the
  codec (``record_from_json``), oldest first.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from releasegate.audit import read_lines
from releasegate.codec import CodecError, RecordJSON, record_from_json
from releasegate.context import open_repo
from releasegate.errors import ConfigError
from releasegate.records.store import RECORDS_REF, read_ref

__all__ = ["RECORDS_REF", "load_audit_log", "load_records_ref"]


def _parse(data: bytes, where: str, verify: str) -> RecordJSON:
    hint = f"run `{verify}` to see what broke, and restore it from a copy"
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise ConfigError(f"{where}: not JSON: {exc}", hint=hint) from None
    try:
        return record_from_json(parsed)
    except CodecError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=hint) from None


def load_audit_log(path: Path) -> list[RecordJSON]:
    """The records of a JSONL audit log, in the order appended."""
    verify = f"releasegate audit verify --audit-log {shlex.quote(str(path))}"
    return [
        _parse(line, f"{path}: line {n}", verify)
        for n, line in enumerate(read_lines(path), start=1)
    ]


def load_records_ref(repo: Path, ref: str = RECORDS_REF) -> list[RecordJSON]:
    """The records on ``ref`` in the repository at ``repo``, oldest first."""
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
