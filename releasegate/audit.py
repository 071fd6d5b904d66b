"""The audit trail: every gate decision appended to a hash-chained JSON-lines log.

Each line is the canonical JSON of one record. A record carries ``seq`` (1,
2, 3...), ``prev`` (the previous record's ``digest``; a run of zeros for the
first) and its own ``digest``: ``sha256`` of the canonical JSON of the record
without ``digest``. ``verify_chain`` walks the log and names the first record
that was edited, removed, reordered or that does not chain to its
predecessor.

An unkeyed chain shows edits of a record that keeps its successors; whoever
can rewrite the whole file can rebuild the chain too, or cut records off its
end. So every append also moves an *anchor* (``refs/releasegate/audit-anchor/
<log>``, a git ref to a blob naming the record count and head digest) that
``audit verify`` compares; and ``audit verify --expect N:DIGEST`` compares
against a count and head published elsewhere (a CI log, a release note).
An append cut off by a crash leaves a torn last line: the next append refuses
and ``audit repair`` sets it aside.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import secrets
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from releasegate.baseline import Baseline
from releasegate.canonical import canonical_bytes, digest_of
from releasegate.codec import (
    RECORD_FORMAT,
    WATCH_RECORD_KIND,
    RecordContext,
    record_to_json,
    stage_evidence,
)
from releasegate.errors import ConfigError, GitError
from releasegate.model import Decision, JSONValue, Stage
from releasegate.model import tool_versions as model_tool_versions
from releasegate.snapshot import run_git

if sys.platform != "win32":
    import fcntl

AUDIT_FORMAT = RECORD_FORMAT  # each line is a sealed release record (codec)
GENESIS = "sha256:" + "0" * 64
DEFAULT_AUDIT_LOG = Path("releasegate") / "audit.jsonl"  # inside the git directory
_TAIL_BLOCK = 65536
_RUNNER_VARIABLES = (
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_WORKFLOW",
    "GITHUB_ACTOR",
    "GITHUB_REPOSITORY",
    "GITHUB_SERVER_URL",
)


# --- what a record says --------------------------------------------------------------------


def tool_versions(decision: Decision) -> dict[str, JSONValue]:
    """The versions of releasegate, Python and every tool the checks ran."""
    found: dict[str, JSONValue] = {"releasegate": decision.tool_version}
    for check in decision.checks:
        for tool, version in model_tool_versions(check.result).items():
            found.setdefault(tool, version)
    found["python"] = ".".join(str(part) for part in sys.version_info[:3])
    return dict(sorted(found.items()))


def who_and_where(environ: Mapping[str, str]) -> dict[str, JSONValue]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    who: dict[str, JSONValue] = {"user": user, "hostname": socket.gethostname()}
    for name in _RUNNER_VARIABLES:
        value = environ.get(name)
        if value:
            who[name.lower()] = value
    return who


def signoff_used(decision: Decision) -> JSONValue:
    used = stage_evidence(decision, Stage.SIGNOFF, "used")
    return used if isinstance(used, dict) else None


def run_url(environ: Mapping[str, str]) -> str | None:
    """The CI run that made the record (GitHub Actions), if any."""
    server, repository, run = (
        environ.get("GITHUB_SERVER_URL"),
        environ.get("GITHUB_REPOSITORY"),
        environ.get("GITHUB_RUN_ID"),
    )
    if not (server and repository and run):
        return None
    url = f"{server.rstrip('/')}/{repository}/actions/runs/{run}"
    attempt = environ.get("GITHUB_RUN_ATTEMPT")
    return f"{url}/attempts/{attempt}" if attempt and attempt != "1" else url


def baselined_rows(baseline: Baseline | None) -> list[dict[str, JSONValue]]:
    """The baseline's accepted findings, oldest first (for "baselined findings by age")."""
    if baseline is None:
        return []
    rows: list[dict[str, JSONValue]] = [
        {
            "fingerprint": fingerprint,
            "tool": entry.tool,
            "rule_id": entry.rule_id,
            "path": entry.path,
            "line": entry.line,
            "owner": entry.owner,
            "reason": entry.reason,
            "added": entry.added.isoformat(),
        }
        for fingerprint, entry in baseline.entries.items()
    ]
    rows.sort(key=lambda r: (str(r["added"]), str(r["path"]), str(r["fingerprint"])))
    return rows


def gate_record(
    decision: Decision,
    *,
    evidence_digest: str,
    time: dt.datetime,
    who: Mapping[str, JSONValue],
    waivers: Sequence[Mapping[str, JSONValue]] = (),
    baseline: Baseline | None = None,
    suppressed: int = 0,
    environ: Mapping[str, str] | None = None,
    source_url: str | None = None,
    vsa: Mapping[str, JSONValue] | None = None,
) -> dict[str, JSONValue]:
    """The record of one gate decision, through the codec (``seal`` adds seq, prev,
    digest)."""
    return record_to_json(
        decision,
        RecordContext(
            time=time,
            evidence_digest=evidence_digest,
            who=who,
            tool_versions=tool_versions(decision),
            waivers=[{k: v for k, v in w.items()} for w in waivers],
            baselined=baselined_rows(baseline),
            suppressed=suppressed,
            run_url=run_url(environ or {}),
            source_url=source_url,
            vsa=vsa,
            nonce=secrets.token_hex(16),
        ),
    )


def seal(body: Mapping[str, JSONValue], *, seq: int, prev: str) -> dict[str, JSONValue]:
    record: dict[str, JSONValue] = {
        key: value for key, value in body.items() if key not in ("seq", "prev", "digest")
    }
    record["seq"] = seq
    record["prev"] = prev
    record["digest"] = digest_of(record)
    return record


# --- appending -----------------------------------------------------------------------------


def _lock(handle: IO[bytes]) -> None:
    if sys.platform != "win32":
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _last_line(handle: IO[bytes]) -> bytes | None:
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    data = b""
    position = end
    while position > 0:
        step = min(_TAIL_BLOCK, position)
        position -= step
        handle.seek(position)
        data = handle.read(step) + data
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    stripped = data.rstrip(b"\n")
    return stripped or None


def append_record(
    path: Path, body: Mapping[str, JSONValue], *, anchor_in: Path | None = None
) -> dict[str, JSONValue]:
    """Append ``body`` to the log at ``path``, chained to its last record, and (with
    ``anchor_in``, a git directory) move the log's anchor ref, both under the log's lock so
    that concurrent runs cannot leave the anchor behind. Raises ``ConfigError`` when the
    log cannot be written or its last record is unreadable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b") as handle:
            _lock(handle)
            last = _last_line(handle)
            seq, prev = 1, GENESIS
            if last is not None:
                try:
                    previous = json.loads(last)
                    seq = int(previous["seq"]) + 1
                    prev = str(previous["digest"])
                except (ValueError, KeyError, TypeError):
                    if torn_tail(path):
                        raise ConfigError(
                            f"{path}: the last append was interrupted (a torn record), so a "
                            "new record cannot be chained to it",
                            hint="run `releasegate audit repair` to set the torn record aside",
                        ) from None
                    raise ConfigError(
                        f"{path}: the last audit record is unreadable, so a new one cannot be "
                        "chained to it",
                        hint="run `releasegate audit verify` and restore the log",
                    ) from None
            record = seal(body, seq=seq, prev=prev)
            handle.seek(0, os.SEEK_END)
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")
            handle.write(canonical_bytes(record) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
            if anchor_in is not None:
                write_anchor(anchor_in, path, record)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot append to the audit log: {exc}",
            hint="pass --audit-log FILE (or --no-audit for a local experiment)",
        ) from None
    return record


# --- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChainReport:
    records: int
    head: str
    problem: str | None = None
    record: int | None = None  # the number of the first broken record

    @property
    def intact(self) -> bool:
        return self.problem is None


def _seq_problem(seq: object, index: int, later: Sequence[object]) -> str | None:
    if seq == index:
        return None
    if isinstance(seq, int) and not isinstance(seq, bool):
        if index in later:
            return (
                f"record {index}: out of order: line {index} holds record {seq} and record "
                f"{index} comes later (records reordered)"
            )
        if seq > index:
            missing = "record" if seq == index + 1 else "records"
            span = str(index) if seq == index + 1 else f"{index} to {seq - 1}"
            return f"{missing} {span} removed: line {index} holds record {seq}"
        return f"record {index}: line {index} holds record {seq} again (duplicated or reordered)"
    return f"record {index}: no valid record number (edited)"


def verify_chain(lines: Sequence[bytes]) -> ChainReport:
    """Check every record's digest, number and link to its predecessor."""
    records: list[Mapping[str, JSONValue] | None] = []
    for line in lines:
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        records.append(parsed if isinstance(parsed, dict) else None)
    seqs = [r.get("seq") if r is not None else None for r in records]
    prev = GENESIS
    for index, record in enumerate(records, start=1):
        if record is None:
            return ChainReport(
                records=len(records),
                head=prev,
                record=index,
                problem=f"record {index}: line {index} is not a JSON record (edited or truncated)",
            )
        body = {key: value for key, value in record.items() if key != "digest"}
        if digest_of(body) != record.get("digest"):
            return ChainReport(
                records=len(records),
                head=prev,
                record=index,
                problem=f"record {index}: edited: its content does not match its digest",
            )
        problem = _seq_problem(record.get("seq"), index, seqs[index:])
        if problem is not None:
            return ChainReport(records=len(records), head=prev, record=index, problem=problem)
        if record.get("prev") != prev:
            what = "the start of the log" if index == 1 else f"record {index - 1}"
            return ChainReport(
                records=len(records),
                head=prev,
                record=index,
                problem=f"record {index}: the chain is broken: it does not follow {what} "
                f"({what} was edited and re-sealed, replaced, or records were removed)",
            )
        prev = str(record["digest"])
    return ChainReport(records=len(records), head=prev)


def read_lines(path: Path) -> list[bytes]:
    """The records of the log (empty trailing line ignored)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no audit log here",
            hint="`releasegate run` writes one (default: .git/releasegate/audit.jsonl)",
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the audit log: {exc}") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def records_for_commit(lines: Sequence[bytes], commit: str) -> list[bytes]:
    """The lines of the log that record gate decisions on ``commit`` (not watch runs,
    whose ``commit`` is the HEAD whose policy they read)."""
    found: list[bytes] = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("kind") == WATCH_RECORD_KIND:
            continue
        if record.get("commit") == commit:
            found.append(line)
    return found


# --- anchors: what the log held, kept where truncating the log does not reach -------------

ANCHOR_REFS = "refs/releasegate/audit-anchor/"
_ANCHOR_FORMAT = "releasegate-audit-anchor/1"


@dataclass(frozen=True, kw_only=True)
class Anchor:
    records: int
    head: str


def _anchor_ref(log: Path) -> str:
    name = hashlib.sha256(str(log.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return ANCHOR_REFS + name[:16]


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    try:
        done = run_git(git_dir, *args, stdin=stdin)
    except GitError:
        return None
    return done.stdout if done.returncode == 0 else None


def write_anchor(git_dir: Path, log: Path, record: Mapping[str, JSONValue]) -> None:
    """Point ``refs/releasegate/audit-anchor/<log>`` at a blob naming the log's newest
    record. Raises ``ConfigError`` when git refuses."""
    text = (
        f"{_ANCHOR_FORMAT}\nlog {log.resolve()}\nrecords {record['seq']}\nhead {record['digest']}\n"
    )
    blob = _git(git_dir, "hash-object", "-w", "--stdin", stdin=text.encode("utf-8"))
    if blob is None or _git(git_dir, "update-ref", _anchor_ref(log), blob.decode().strip()) is None:
        raise ConfigError(
            f"{git_dir}: cannot record the audit anchor {_anchor_ref(log)}",
            hint="check that the git directory is writable",
        )


def read_anchor(git_dir: Path, log: Path) -> Anchor | None:
    data = _git(git_dir, "cat-file", "blob", _anchor_ref(log))
    if data is None:
        return None
    fields = dict(
        line.split(" ", 1)
        for line in data.decode("utf-8", "replace").splitlines()[1:]
        if " " in line
    )
    try:
        return Anchor(records=int(fields["records"]), head=fields["head"])
    except (KeyError, ValueError):
        return None


def parse_expected(text: str) -> Anchor:
    """``--expect N:sha256:...`` (the records count and head digest published earlier)."""
    count, sep, head = text.partition(":")
    if not sep or not count.isdigit() or not head.startswith("sha256:"):
        raise ConfigError(
            f"--expect {text!r}: write it as RECORDS:HEAD, e.g. 12:sha256:ab12...",
            hint="`releasegate audit verify` prints both",
        )
    return Anchor(records=int(count), head=head)


def anchor_problem(lines: Sequence[bytes], anchor: Anchor, source: str) -> str | None:
    """Why the log does not hold what ``anchor`` says it held, if it does not."""
    if len(lines) < anchor.records:
        removed = anchor.records - len(lines)
        return (
            f"truncated: the log holds {len(lines)} records, but {source} recorded "
            f"{anchor.records} (head {anchor.head}): the last {removed} were removed"
        )
    try:
        record = json.loads(lines[anchor.records - 1]) if anchor.records else None
    except ValueError:
        record = None
    digest = record.get("digest") if isinstance(record, dict) else GENESIS
    if anchor.records and digest != anchor.head:
        return (
            f"rewritten: record {anchor.records} is not the one {source} recorded "
            f"(head {anchor.head})"
        )
    return None


# --- torn appends ---------------------------------------------------------------------------


def torn_tail(path: Path) -> bool:
    """Whether the log ends in an unfinished record (an append cut off by a crash)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if not data or data.endswith(b"\n"):
        return False
    last = data.rsplit(b"\n", 1)[-1]
    try:
        json.loads(last)
    except ValueError:
        return True
    return False


def repair_torn_tail(path: Path) -> Path:
    """Move an unfinished last record to ``<log>.torn`` and cut it from the log."""
    data = path.read_bytes()
    keep = data.rsplit(b"\n", 1)[0] + b"\n" if b"\n" in data else b""
    torn = path.with_name(path.name + ".torn")
    with torn.open("ab") as handle:
        handle.write(data[len(keep) :] + b"\n")
    with path.open("r+b") as handle:
        _lock(handle)
        handle.truncate(len(keep))
        handle.flush()
        os.fsync(handle.fileno())
    return torn
