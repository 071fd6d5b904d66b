"""An immutable, private snapshot of the head commit for the analysers.

The analysers (bandit, semgrep, the dependency audit, the suppression scan)
read this directory and nothing else. It is written from git's objects, never
from the work tree, into a fresh directory only this process knows of, and it
is removed before any of the head's own code (stage commands) runs: nothing
under judgement can change the bytes an analyser reads, and a result cached
from them is a result for the commit's bytes. The pipeline builds it lazily: the
tree's files and issues are known at once, and a file is written when a check
that declared it (``Check.reads``) or reads it (``CheckContext.materialize``)
needs it, so a run does not write the parts of a large tree no analyser reads.

Nothing is dropped silently:

- a symbolic link whose target resolves *inside* the repository is written as
  a regular file holding its target's bytes (a link to a directory: that
  directory's files under the link's name), so it is judged under its own
  name too; a link that leaves the repository, dangles, or loops is a
  ``TreeIssue``, and its target is never read;
- a submodule (gitlink) is analysed at its recorded commit when that commit
  is in the superproject's ``.git/modules/<name>`` or object store, and is a
  ``TreeIssue`` otherwise;
- a Python file declaring an encoding other than UTF-8 (PEP 263, e.g.
  ``# coding: utf-7``) is decoded as Python would decode it and written as
  UTF-8 with its declaration rewritten, so the analysers see the code Python
  runs; one that cannot be decoded is a ``TreeIssue``.
"""

from __future__ import annotations

import codecs
import enum
import io
import os
import posixpath
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import tokenize
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from releasegate.errors import GitError

ENV_GIT_TIMEOUT = "RELEASEGATE_GIT_TIMEOUT"
DEFAULT_GIT_TIMEOUT = 600.0


_git_timeout = DEFAULT_GIT_TIMEOUT


def parse_git_timeout(raw: str | None) -> float:
    """``RELEASEGATE_GIT_TIMEOUT`` as seconds (600 when unset, unreadable or not positive)."""
    try:
        value = float(raw) if raw else DEFAULT_GIT_TIMEOUT
    except ValueError:
        value = DEFAULT_GIT_TIMEOUT
    return value if value > 0 else DEFAULT_GIT_TIMEOUT


def set_git_timeout(seconds: float) -> None:
    """The limit of every git command of this process (the CLI sets it once, at start)."""
    global _git_timeout  # noqa: PLW0603 - one process-wide setting, set at the edge
    _git_timeout = seconds


def git_timeout() -> float:
    """Seconds any one git command may take (``RELEASEGATE_GIT_TIMEOUT``, default 600)."""
    return _git_timeout


def run_git(
    git_dir: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``git --git-dir=GIT_DIR ARGS`` within ``git_timeout()``. Raises ``GitError`` on a hang."""
    try:
        return subprocess.run(
            ["git", f"--git-dir={git_dir}", *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=git_timeout(),
        )
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {args[0]} timed out after {git_timeout():g}s in {git_dir}",
            hint=f"check the repository (`git fsck`); raise {ENV_GIT_TIMEOUT} for a huge one",
        ) from None


MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MODE_EXECUTABLE = "100755"
_MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit
_MAX_SUBMODULE_DEPTH = 8
_CHUNK = 1 << 20
PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
# PEP 263: the declaration on one of the first two lines.
_CODING = re.compile(rb"^([ \t\f]*#.*?coding[:=][ \t]*)([-\w.]+)", re.MULTILINE)
_UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})


class IssueKind(enum.Enum):
    LINK_OUTSIDE = "symlink-outside-repository"
    LINK_DANGLING = "symlink-dangling"
    LINK_LOOP = "symlink-loop"
    SUBMODULE_UNANALYSED = "submodule-unanalysed"
    UNDECODABLE = "undecodable-python"
    REENCODED = "reencoded-python"


BLOCKING_KINDS = frozenset(
    {
        IssueKind.LINK_OUTSIDE,
        IssueKind.LINK_DANGLING,
        IssueKind.LINK_LOOP,
        IssueKind.SUBMODULE_UNANALYSED,
        IssueKind.UNDECODABLE,
    }
)


@dataclass(frozen=True, kw_only=True)
class TreeIssue:
    kind: IssueKind
    path: str
    detail: str

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING_KINDS


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The head's files as the analysers see them.

    A lazy snapshot (``build_snapshot(..., lazy=True)``) knows every file and issue but
    writes a file only when ``materialize`` is asked for it: a run writes what its checks
    read, not the whole tree. ``materialize`` is idempotent and thread-safe."""

    root: Path
    files: tuple[str, ...]
    issues: tuple[TreeIssue, ...]
    # A path that a symbolic link placed -> the link-free path its bytes come from (a
    # change to that file changes what is judged under the link's name).
    origins: Mapping[str, str] = field(default_factory=dict)
    writer: _Writer | None = None  # None: every file is written already

    def materialize(self, paths: Iterable[str] | None) -> None:
        """Write ``paths`` (None: every file) if they are files of the snapshot."""
        if self.writer is not None:
            self.writer.write(self.files if paths is None else paths)

    @property
    def written(self) -> int:
        return len(self.files) if self.writer is None else len(self.writer.done)


class _Writer:
    """Writes the planned files of a lazy snapshot on demand."""

    def __init__(
        self,
        dest: Path,
        plan: Mapping[str, tuple[Path, str]],
        replaced: Mapping[str, bytes],
    ) -> None:
        self.dest = dest
        self.plan = plan
        self.replaced = replaced  # files written as converted bytes (re-encoded Python)
        self.done: set[str] = set()
        self._made: set[Path] = set()
        self._lock = threading.Lock()

    def write(self, paths: Iterable[str]) -> None:
        with self._lock:
            wanted = sorted({p for p in paths if p in self.plan and p not in self.done})
            by_dir: dict[Path, list[tuple[str, Path]]] = {}
            for path in wanted:
                target = _target(self.dest, path, self._made)
                if path in self.replaced:
                    target.write_bytes(self.replaced[path])
                    continue
                owner, sha = self.plan[path]
                by_dir.setdefault(owner, []).append((sha, target))
            for owner, pairs in by_dir.items():
                BlobReader(owner).write_all(pairs)
            self.done.update(wanted)


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str
    path: str

    @property
    def regular(self) -> bool:
        return self.mode.startswith("100")


def tree_entries(git_dir: Path, rev: str) -> list[TreeEntry]:
    """Every entry of ``rev``'s tree, recursively (links and gitlinks included)."""
    out = git_output(git_dir, "ls-tree", "-r", "-z", "--full-tree", rev)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, _kind, sha = meta.decode("ascii").split()
        entries.append(TreeEntry(mode, sha, raw_path.decode("utf-8", "surrogateescape")))
    return entries


def git_output(
    git_dir: Path, *args: str, stdin: bytes | None = None, hint: str | None = None
) -> bytes:
    """The output of ``git ARGS``; ``GitError`` naming the command and git's cause."""
    done = run_git(git_dir, *args, stdin=stdin)
    if done.returncode != 0:
        cause = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(
            f"git {args[0]} failed in {git_dir}: {cause[0] if cause else done.returncode}",
            hint=hint,
        )
    return done.stdout


class BlobReader:
    """One ``git cat-file --batch`` process streaming many blobs (fast: no process per file)."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir

    def write_all(self, wanted: list[tuple[str, Path]]) -> None:
        """Write blob ``sha`` to ``path`` for each pair, in order."""

        def sink(index: int) -> IO[bytes]:
            return wanted[index][1].open("wb")

        self._stream([sha for sha, _ in wanted], sink)

    def read_all(self, shas: list[str]) -> list[bytes]:
        """The bytes of each blob, in order."""
        found: list[io.BytesIO] = []

        def sink(_index: int) -> IO[bytes]:
            found.append(_Kept())
            return found[-1]

        self._stream(shas, sink)
        return [buffer.getvalue() for buffer in found]

    def _stream(self, shas: list[str], sink: Callable[[int], IO[bytes]]) -> None:
        if not shas:
            return
        proc = subprocess.Popen(
            ["git", f"--git-dir={self.git_dir}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        stdin, stdout = proc.stdin, proc.stdout
        if stdin is None or stdout is None:  # pragma: no cover - PIPE always gives both
            raise GitError("git cat-file: no pipes")

        def feed() -> None:
            try:
                for sha in shas:
                    stdin.write(sha.encode("ascii") + b"\n")
            except OSError:
                pass
            finally:
                with suppress(OSError):
                    stdin.close()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        watchdog = threading.Timer(git_timeout(), proc.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            for index, sha in enumerate(shas):
                header = stdout.readline().split()
                if not header and not watchdog.is_alive():
                    raise GitError(
                        f"git cat-file timed out after {git_timeout():g}s in {self.git_dir}",
                        hint=f"check the repository (`git fsck`); raise {ENV_GIT_TIMEOUT}",
                    )
                if len(header) != 3 or header[1] != b"blob":
                    raise GitError(
                        f"git object {sha} is missing from {self.git_dir}",
                        hint="fetch the full history (`git fetch --unshallow`), or run "
                        "`git fsck` if the repository is damaged",
                    )
                left = int(header[2])
                with sink(index) as handle:
                    while left > 0:
                        chunk = stdout.read(min(left, _CHUNK))
                        if not chunk:
                            raise GitError(f"git cat-file ended early reading {sha}")
                        handle.write(chunk)
                        left -= len(chunk)
                stdout.read(1)  # the newline after each object
        finally:
            watchdog.cancel()
            stdout.close()
            proc.kill()
            proc.wait()
            feeder.join(timeout=5)


class _Kept(io.BytesIO):
    """A buffer whose bytes outlive its ``with`` block (``close`` keeps them)."""

    def close(self) -> None:
        pass


def materialise(
    git_dir: Path, rev: str, dest: Path, *, links: bool, under: str | None = None
) -> list[str]:
    """Write ``rev``'s regular files below ``dest`` (and, with ``links``, its symlinks as
    symlinks, as a checkout would). No attributes, filters or hooks are applied."""
    entries = tree_entries(git_dir, rev)
    wanted: list[tuple[str, Path]] = []
    made: set[Path] = set()
    written: list[str] = []
    link_entries: list[TreeEntry] = []
    if under is not None:
        entries = [e for e in entries if e.path == under or e.path.startswith(under + "/")]
    for entry in entries:
        if entry.mode == MODE_SYMLINK:
            link_entries.append(entry)
            continue
        if not entry.regular:
            continue
        target = _target(dest, entry.path, made)
        wanted.append((entry.sha, target))
        written.append(entry.path)
    BlobReader(git_dir).write_all(wanted)
    for entry in entries:
        if entry.mode == MODE_EXECUTABLE:
            path = dest / entry.path
            path.chmod(path.stat().st_mode | stat.S_IXUSR)
    if links and link_entries:
        for entry, value in zip(link_entries, _blob_texts(git_dir, link_entries), strict=True):
            target = _target(dest, entry.path, made)
            target.symlink_to(value)
    return written


def _target(dest: Path, path: str, made: set[Path]) -> Path:
    target = dest / path
    parent = target.parent
    if parent not in made:
        parent.mkdir(parents=True, exist_ok=True)
        made.add(parent)
    return target


def _blob_texts(git_dir: Path, entries: list[TreeEntry]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="releasegate-links-") as scratch:
        paths = [Path(scratch) / str(i) for i in range(len(entries))]
        BlobReader(git_dir).write_all([(e.sha, p) for e, p in zip(entries, paths, strict=True)])
        return [p.read_bytes().decode("utf-8", "surrogateescape") for p in paths]


# --- link resolution -----------------------------------------------------------------


class _Escape(Exception):
    """A link's target leaves the repository."""


class _Loop(Exception):
    """Too many links followed."""


@dataclass
class _Tree:
    """The combined tree (superproject and analysed submodules) as a lookup table."""

    files: dict[str, tuple[Path, str]] = field(default_factory=dict)  # path -> (git dir, sha)
    link_blobs: dict[str, tuple[Path, str]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # link path -> its target text
    dirs: set[str] = field(default_factory=set)

    def add_dirs(self, path: str) -> None:
        parent = posixpath.dirname(path)
        while parent and parent not in self.dirs:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def resolve(self, path: str, hops: int = 0) -> str:
        """The link-free path ``path`` names. Raises _Escape or _Loop."""
        current: list[str] = []
        for part in path.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not current:
                    raise _Escape
                current.pop()
                continue
            candidate = "/".join([*current, part])
            raw = self.links.get(candidate)
            if raw is None:
                current.append(part)
                continue
            if hops >= _MAX_LINK_HOPS:
                raise _Loop
            if raw.startswith("/"):
                raise _Escape
            resolved = self.resolve(posixpath.join(posixpath.dirname(candidate), raw), hops + 1)
            current = resolved.split("/") if resolved else []
        return "/".join(current)


def _submodule_names(git_dir: Path, rev: str, entries: list[TreeEntry]) -> dict[str, str]:
    """Path -> submodule name from ``.gitmodules`` at ``rev`` (the path itself by default)."""
    names: dict[str, str] = {}
    if not any(e.path == ".gitmodules" for e in entries):
        return names
    done = run_git(git_dir, "config", "--blob", f"{rev}:.gitmodules", "-z", "--list")
    for record in done.stdout.split(b"\0"):
        key, _, value = record.decode("utf-8", "surrogateescape").partition("\n")
        if key.startswith("submodule.") and key.endswith(".path"):
            names[value] = key[len("submodule.") : -len(".path")]
    return names


def _has_commit(git_dir: Path, sha: str) -> bool:
    return run_git(git_dir, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def _submodule_git_dir(git_dir: Path, name: str, sha: str) -> Path | None:
    """Where the recorded commit of submodule ``name`` can be read, if anywhere."""
    for candidate in (git_dir / "modules" / name, git_dir):
        if candidate.is_dir() and _has_commit(candidate, sha):
            return candidate
    return None


@dataclass
class _Walk:
    tree: _Tree = field(default_factory=_Tree)
    issues: list[TreeIssue] = field(default_factory=list)

    def collect(self, git_dir: Path, rev: str, prefix: str, depth: int) -> None:
        entries = tree_entries(git_dir, rev)
        names = _submodule_names(git_dir, rev, entries)
        for entry in entries:
            path = f"{prefix}{entry.path}"
            if entry.regular:
                self.tree.add_dirs(path)
                self.tree.files[path] = (git_dir, entry.sha)
            elif entry.mode == MODE_SYMLINK:
                self.tree.add_dirs(path)
                self.tree.link_blobs[path] = (git_dir, entry.sha)
            elif entry.mode == MODE_SUBMODULE:
                self._submodule(git_dir, entry, path, names.get(entry.path, entry.path), depth)

    def _submodule(self, git_dir: Path, entry: TreeEntry, path: str, name: str, depth: int) -> None:
        sub_dir = _submodule_git_dir(git_dir, name, entry.sha)
        if sub_dir is None or depth >= _MAX_SUBMODULE_DEPTH:
            self.issues.append(
                TreeIssue(
                    kind=IssueKind.SUBMODULE_UNANALYSED,
                    path=path,
                    detail=f"submodule at commit {entry.sha[:12]} is not available here, so "
                    "its files were not analysed (run `git submodule update --init "
                    "--recursive`, or list it in static.unanalysed_submodules)",
                )
            )
            return
        self.tree.add_dirs(f"{path}/x")
        self.collect(sub_dir, entry.sha, f"{path}/", depth + 1)

    def read_link_targets(self) -> None:
        by_dir: dict[Path, list[TreeEntry]] = {}
        for path, (git_dir, sha) in self.tree.link_blobs.items():
            by_dir.setdefault(git_dir, []).append(TreeEntry(MODE_SYMLINK, sha, path))
        for git_dir, entries in by_dir.items():
            for entry, text in zip(entries, _blob_texts(git_dir, entries), strict=True):
                self.tree.links[entry.path] = text

    def place_links(self, plan: dict[str, tuple[Path, str]], origins: dict[str, str]) -> None:
        """Add each in-repository link's target bytes to ``plan`` under the link's name,
        and to ``origins`` the path they come from."""
        tree = self.tree
        for link, raw in sorted(tree.links.items()):
            shown = raw if raw.isprintable() else repr(raw)
            try:
                if raw.startswith("/"):
                    raise _Escape
                target = tree.resolve(posixpath.join(posixpath.dirname(link), raw))
            except _Escape:
                self._issue(
                    IssueKind.LINK_OUTSIDE,
                    link,
                    f"symbolic link to {shown} leaves the repository; its target was not read "
                    "(make it a regular file or point it inside the repository)",
                )
                continue
            except _Loop:
                self._issue(IssueKind.LINK_LOOP, link, f"symbolic link to {shown} loops")
                continue
            if target in tree.files:
                plan[link] = tree.files[target]
                origins[link] = target
            elif target == "" or link.startswith(target + "/"):
                self._issue(
                    IssueKind.LINK_LOOP,
                    link,
                    f"symbolic link to {shown} points at a directory that contains it",
                )
                continue
            elif target in tree.dirs:
                for path, blob in tree.files.items():
                    if path.startswith(target + "/"):
                        plan[link + path[len(target) :]] = blob
                        origins[link + path[len(target) :]] = path
            else:
                self._issue(
                    IssueKind.LINK_DANGLING,
                    link,
                    f"symbolic link to {shown} points at nothing in the commit",
                )

    def _issue(self, kind: IssueKind, path: str, detail: str) -> None:
        self.issues.append(TreeIssue(kind=kind, path=path, detail=detail))


@dataclass(frozen=True, kw_only=True)
class _Planned:
    """A snapshot known but not yet placed: its files, where their bytes come from."""

    plan: Mapping[str, tuple[Path, str]]
    replaced: Mapping[str, bytes]
    origins: Mapping[str, str]
    issues: tuple[TreeIssue, ...]
    python_bytes: int  # what its Python files hold (the analysers read those)

    def place(self, dest: Path, *, lazy: bool) -> Snapshot:
        writer = _Writer(dest, self.plan, self.replaced)
        if not lazy:
            writer.write(self.plan)
        return Snapshot(
            root=dest,
            files=tuple(sorted(self.plan)),
            issues=self.issues,
            origins=self.origins,
            writer=writer if lazy else None,
        )


def _plan_snapshot(git_dir: Path, rev: str) -> _Planned:
    walk = _Walk()
    walk.collect(git_dir, rev, "", 0)
    walk.read_link_targets()
    plan: dict[str, tuple[Path, str]] = dict(walk.tree.files)
    origins: dict[str, str] = {}
    walk.place_links(plan, origins)
    # Every Python file's encoding is judged now (its issue is the tree's), from its bytes.
    python = sorted(path for path in plan if path.endswith(PYTHON_SUFFIXES))
    replaced: dict[str, bytes] = {}
    by_owner: dict[Path, list[str]] = {}
    python_bytes = 0
    for path in python:
        by_owner.setdefault(plan[path][0], []).append(path)
    for owner, paths in by_owner.items():
        blobs = BlobReader(owner).read_all([plan[path][1] for path in paths])
        for path, data in zip(paths, blobs, strict=True):
            python_bytes += len(data)
            issue, converted = encoding_issue(data, path)
            if issue is not None:
                walk.issues.append(issue)
            if converted is not None:
                replaced[path] = converted
    return _Planned(
        plan=plan,
        replaced=replaced,
        origins=origins,
        issues=tuple(sorted(walk.issues, key=lambda i: (i.path, i.kind.value))),
        python_bytes=python_bytes,
    )


def build_snapshot(git_dir: Path, rev: str, dest: Path, *, lazy: bool = False) -> Snapshot:
    """The analysers' view of ``rev`` below ``dest`` (which must be empty): every file
    written now, or (``lazy``) each when ``Snapshot.materialize`` asks for it."""
    return _plan_snapshot(git_dir, rev).place(dest, lazy=lazy)


# A shared directory like /tmp; each snapshot is a mkdtemp directory (mode 0700) in it.
MEMORY_DIR = Path("/dev/shm")  # noqa: S108
_MEMORY_MARGIN = 256 << 20  # room left for everything else that uses that memory


def snapshot_parent(expected_bytes: int, environ: Mapping[str, str]) -> Path | None:
    """Where a snapshot whose files hold about ``expected_bytes`` is written.

    ``MEMORY_DIR`` (a tmpfs: creating and removing hundreds of files there costs no
    disk writes, which on a busy disk took up to a millisecond a file) when it is
    there, writable, and has room for the snapshot twice over and a margin; else
    the temporary directory (None). ``TMPDIR`` in ``environ`` chooses instead."""
    if environ.get("TMPDIR"):
        return None
    try:
        if not MEMORY_DIR.is_dir() or not os.access(MEMORY_DIR, os.W_OK | os.X_OK):
            return None
        info = os.statvfs(MEMORY_DIR)
    except OSError:
        return None
    if info.f_bavail * info.f_frsize < 2 * expected_bytes + _MEMORY_MARGIN:
        return None
    return MEMORY_DIR


def declared_encoding(data: bytes) -> str:
    """The encoding Python decodes ``data`` with (PEP 263 / BOM); raises SyntaxError."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return codecs.lookup(encoding).name


def encoding_issue(data: bytes, path: str) -> tuple[TreeIssue | None, bytes | None]:
    """A Python file's encoding as Python reads it: the issue (if any) and, for a file
    that declares another encoding, its text converted to UTF-8 (declaration rewritten)."""
    first_two_lines = b"\n".join(data.split(b"\n", 2)[:2])
    if not data.startswith(codecs.BOM_UTF8) and not _CODING.search(first_two_lines):
        try:
            first_two_lines.decode("utf-8")
        except UnicodeDecodeError:
            pass  # as tokenize: judged below
        else:
            return None, None  # no declaration: UTF-8 by PEP 3120, as the analysers read it
    try:
        encoding = declared_encoding(data)
    except (SyntaxError, LookupError) as exc:
        issue = TreeIssue(
            kind=IssueKind.UNDECODABLE,
            path=path,
            detail=f"declares an encoding Python cannot use ({exc}); save it as UTF-8",
        )
        return issue, None
    if encoding in _UTF8_NAMES:
        return None, None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError, TypeError) as exc:
        issue = TreeIssue(
            kind=IssueKind.UNDECODABLE,
            path=path,
            detail=f"cannot be decoded as its declared encoding {encoding} ({exc}); "
            "save it as UTF-8",
        )
        return issue, None
    encoded = text.encode("utf-8", "surrogateescape")
    # Rewrite the declaration (first two lines) so the analysers read UTF-8.
    head, sep, rest = encoded.partition(b"\n")
    second, sep2, tail = rest.partition(b"\n")
    first_two = head + sep + second
    first_two = _CODING.sub(lambda m: m.group(1) + b"utf-8", first_two, count=1)
    issue = TreeIssue(
        kind=IssueKind.REENCODED,
        path=path,
        detail=f"declares encoding {encoding}: analysed as Python decodes it (converted to UTF-8)",
    )
    return issue, first_two + sep2 + tail


@contextmanager
def head_snapshot(
    git_dir: Path, rev: str, *, environ: Mapping[str, str], lazy: bool = False
) -> Iterator[Snapshot]:
    """A private snapshot of ``rev`` (a directory only this user can enter, in memory when
    there is room: ``snapshot_parent``; ``environ``: the run's), removed afterwards."""
    planned = _plan_snapshot(git_dir, rev)
    parent = snapshot_parent(planned.python_bytes, environ)
    tmp = Path(tempfile.mkdtemp(prefix="releasegate-snapshot-", dir=parent))
    try:
        yield planned.place(tmp, lazy=lazy)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
