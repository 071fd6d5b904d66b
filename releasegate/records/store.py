"""The records ref: release records kept in the repository itself.

``refs/releasegate/records`` is an append-only chain of commits; each adds exactly one
file, ``records/<seq>.json``, holding one sealed release record (the codec's shape, as
the JSONL audit log holds it: ``seq``, ``prev`` and ``digest`` chain the records, and
git's object hashes chain the commits). Nothing else is ever in the tree.

``read_ref`` walks the ref's first-parent history oldest first with two git calls (one
``git log --raw``, one ``cat-file --batch``) and names the first commit that breaks the
shape: a merge, a commit that changes, deletes or adds more than one record, or a file
outside ``records/``. The records' own chain is then verified exactly as the audit log's
(``audit.verify_chain``): a record rewritten in place, dropped or moved is named.

``append`` builds the commits with plumbing (no work tree, no index) and moves the ref
with ``update-ref <new> <old>``, so two appends in one clone cannot interleave.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.audit import GENESIS, ChainReport, seal, verify_chain
from releasegate.canonical import canonical_bytes
from releasegate.errors import ConfigError, GitError
from releasegate.model import JSONValue
from releasegate.snapshot import git_output, run_git

RECORDS_REF = "refs/releasegate/records"
RECORDS_DIR = "records"
_NAME = re.compile(r"^records/(\d{8,})\.json$")
# A record is a few kilobytes (findings capped at 200); a blob far larger is not one.
MAX_RECORD_BYTES = 4 << 20
_COMMITTER = ("-c", "user.name=releasegate", "-c", "user.email=releasegate@localhost")


@dataclass(frozen=True, kw_only=True)
class StoredRecord:
    commit: str
    path: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class RefContents:
    ref: str
    tip: str | None  # None: the ref does not exist
    records: tuple[StoredRecord, ...]
    problem: str | None = None  # the first commit that breaks the shape


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return git_output(git_dir, *args, stdin=stdin, hint="check the repository (`git fsck`)")


def ref_tip(git_dir: Path, ref: str = RECORDS_REF) -> str | None:
    done = run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if done.returncode != 0:
        return None
    return done.stdout.decode().strip()


def _blob_sizes(git_dir: Path, blobs: Sequence[str]) -> list[int]:
    if not blobs:
        return []
    out = _git(
        git_dir,
        "cat-file",
        "--batch-check=%(objectsize)",
        stdin=("\n".join(blobs) + "\n").encode(),
    )
    return [int(line) if line.isdigit() else MAX_RECORD_BYTES + 1 for line in out.decode().split()]


def _cat_blobs(git_dir: Path, blobs: Sequence[str]) -> list[bytes]:
    if not blobs:
        return []
    out = _git(git_dir, "cat-file", "--batch", stdin=("\n".join(blobs) + "\n").encode())
    found: list[bytes] = []
    position = 0
    for blob in blobs:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(f"git cat-file: {blob} is not a blob in {git_dir}")
        size = int(header[2])
        found.append(out[end + 1 : end + 1 + size])
        position = end + 1 + size + 1
    return found


def read_ref(git_dir: Path, ref: str = RECORDS_REF) -> RefContents:
    """The records on ``ref``, oldest first, and the first commit that breaks the shape."""
    tip = ref_tip(git_dir, ref)
    if tip is None:
        return RefContents(ref=ref, tip=None, records=())
    log = _git(
        git_dir,
        "log",
        "--first-parent",
        "--reverse",
        "--root",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "-z",
        "--format=%x01%H %P",
        tip,
    )
    pending: list[tuple[str, str, str]] = []  # (commit, path, blob)
    problem: str | None = None
    for chunk in log.split(b"\x01")[1:]:
        head, _, raw = chunk.partition(b"\n")
        commit, *parents = head.decode().split()
        if len(parents) > 1:
            problem = f"commit {commit[:12]}: a merge; the records ref only ever appends"
            break
        fields = [f for f in raw.strip(b"\x00\n").split(b"\x00") if f]
        changes = [
            (fields[i].decode("utf-8", "replace"), fields[i + 1].decode("utf-8", "replace"))
            for i in range(0, len(fields) - 1, 2)
        ]
        if len(changes) != 1:
            problem = (
                f"commit {commit[:12]}: changes {len(changes)} files; each commit on the "
                "records ref adds exactly one record (the ref was rewritten)"
            )
            break
        meta, path = changes[0]
        parts = meta.lstrip(":").split()
        if len(parts) != 5:
            problem = f"commit {commit[:12]}: git printed an unreadable change line {meta!r}"
            break
        _, mode, _, blob, status = parts
        if status != "A" or mode != "100644" or not _NAME.match(path):
            what = {"M": "edits", "D": "deletes"}.get(status, "changes")
            problem = (
                f"commit {commit[:12]}: {what} {path}; the records ref only ever adds a "
                "record under records/ (a record was rewritten or removed)"
            )
            break
        pending.append((commit, path, blob))
    sizes = _blob_sizes(git_dir, [blob for _, _, blob in pending])
    for index, size in enumerate(sizes):
        if size > MAX_RECORD_BYTES:
            commit, path, _ = pending[index]
            problem = (
                f"commit {commit[:12]}: {path} is {size} bytes, larger than any record "
                f"({MAX_RECORD_BYTES}); it is not read"
            )
            pending = pending[:index]
            break
    blobs = _cat_blobs(git_dir, [blob for _, _, blob in pending])
    records = tuple(
        StoredRecord(commit=commit, path=path, data=data.rstrip(b"\n"))
        for (commit, path, _), data in zip(pending, blobs, strict=True)
    )
    return RefContents(ref=ref, tip=tip, records=records, problem=problem)


def verify_ref(contents: RefContents) -> ChainReport:
    """The records' chain, as ``audit verify`` reports it for the log."""
    report = verify_chain([r.data for r in contents.records])
    if report.problem is None and contents.problem is not None:
        return ChainReport(
            records=report.records,
            head=report.head,
            record=report.records + 1,
            problem=f"record {report.records + 1}: {contents.problem}",
        )
    if report.problem is not None and report.record is not None:
        stored = contents.records[report.record - 1]
        return ChainReport(
            records=report.records,
            head=report.head,
            record=report.record,
            problem=f"{report.problem} ({stored.path} in commit {stored.commit[:12]})",
        )
    return report


def build_commits(
    git_dir: Path,
    bodies: Sequence[dict[str, JSONValue]],
    *,
    onto: str | None,
    seq: int,
    prev: str,
) -> str | None:
    """Commits appending ``bodies`` (sealed from ``seq``/``prev`` on) onto ``onto``; the
    new tip, or None when there is nothing to append. The ref is not moved."""
    tip = onto
    entries = _records_entries(git_dir, onto)
    for body in bodies:
        record = seal(body, seq=seq, prev=prev)
        blob = _git(git_dir, "hash-object", "-w", "--stdin", stdin=canonical_bytes(record) + b"\n")
        name = f"{seq:08d}.json"
        entries.append(f"100644 blob {blob.decode().strip()}\t{name}")
        subtree = _git(git_dir, "mktree", stdin=("\n".join(entries) + "\n").encode())
        tree = (
            _git(
                git_dir,
                "mktree",
                stdin=f"040000 tree {subtree.decode().strip()}\t{RECORDS_DIR}\n".encode(),
            )
            .decode()
            .strip()
        )
        message = (
            f"releasegate record {seq}: {record.get('decision')} "
            f"{str(record.get('commit'))[:12]} ({record.get('mode')})\n\n"
            f"id {record.get('id')}\ndigest {record['digest']}\n"
        )
        args = [*_COMMITTER, "commit-tree", tree, "-m", message]
        if tip is not None:
            args[len(_COMMITTER) + 2 : len(_COMMITTER) + 2] = ["-p", tip]
        tip = _git(git_dir, *args).decode().strip()
        seq, prev = seq + 1, str(record["digest"])
    return tip if tip != onto else None


def _records_entries(git_dir: Path, commit: str | None) -> list[str]:
    if commit is None:
        return []
    out = _git(git_dir, "ls-tree", "-z", f"{commit}:{RECORDS_DIR}")
    return [entry.decode() for entry in out.split(b"\x00") if entry]


def next_seal(contents: RefContents) -> tuple[int, str]:
    """The ``seq`` and ``prev`` of the next record appended to ``contents``."""
    report = verify_ref(contents)
    if report.problem is not None:
        raise ConfigError(
            f"{contents.ref}: {report.problem}",
            hint="run `releasegate audit verify --records` and restore the ref before appending",
        )
    return report.records + 1, report.head if report.records else GENESIS


def move_ref(git_dir: Path, ref: str, new: str, old: str | None) -> bool:
    """Move ``ref`` to ``new`` if it still points at ``old`` (None: does not exist)."""
    expected = old if old is not None else "0" * 40
    done = run_git(git_dir, "update-ref", ref, new, expected)
    return done.returncode == 0
