"""The release context: which exact commit is judged, against which base.

Everything here comes from git. Ranges are handled the careful way: the
all-zero SHA (a deleted or new branch), shallow clones, detached HEADs, a
missing merge base, and a work tree with uncommitted changes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from releasegate.errors import GitError
from releasegate.ghevent import MergeQueue, read_event
from releasegate.snapshot import (
    Snapshot,
    git_timeout,
    head_snapshot,
    materialise,
    run_git,
    tree_entries,
)
from releasegate.tags import is_release_tag, no_release_tag_hint

ZERO_SHA = re.compile(r"^0+$")
_HUNK = re.compile(r"^@@ -\S+ \+(?P<start>\d+)(?:,(?P<count>\d+))? @@", re.MULTILINE)


def _stderr(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stderr.decode("utf-8", "replace").strip()[:300] or f"exit {done.returncode}"


def is_zero_sha(rev: str | None) -> bool:
    return rev is not None and len(rev) >= 7 and bool(ZERO_SHA.match(rev))


@dataclass(frozen=True, kw_only=True)
class CommitInfo:
    sha: str
    author: str
    subject: str
    parents: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReleaseContext:
    """The range ``base..head`` of one repository."""

    root: Path
    head: str
    base: str | None
    base_source: str
    ref: str | None
    commits: tuple[CommitInfo, ...]
    changed_files: tuple[str, ...]
    dirty_files: tuple[str, ...]
    head_is_checked_out: bool
    # Whether the base is shared trusted history (a release tag, or reachable from the
    # default branch): only then are the policy, CODEOWNERS and allowed signers read there.
    base_trusted: bool = True
    base_trust: str = ""
    # The GitHub Actions event the run judges (``releasegate.ghevent``), if any.
    event: str | None = None
    queue: MergeQueue | None = None  # a merge_group event's merge queue

    @property
    def trusted_base(self) -> str | None:
        """The base, when files may be trusted from it; None otherwise."""
        return self.base if self.base_trusted else None

    def trust_problem(self, what: str) -> str:
        """Why ``what`` cannot be read from a trusted base (for error messages)."""
        if self.base is None:
            return f"{what} needs a base commit to be read from"
        return f"{what} is not read from the base {self.base[:12]}: {self.base_trust}"

    @property
    def repo(self) -> git.Repo:
        return TimedRepo(self.root)

    def show(self, rev: str, path: str) -> bytes | None:
        """The content of ``path`` at ``rev``; None if it does not exist there."""
        return read_blob(self.repo, rev, path)

    def changed_in_range(self, path: str) -> bool:
        return path in self.changed_files

    def has_commit(self, sha: str) -> bool:
        return run_git(self.git_dir, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0

    def tree_of(self, commit: str) -> str:
        done = run_git(self.git_dir, "rev-parse", "--verify", f"{commit}^{{tree}}")
        if done.returncode != 0:
            raise GitError(f"commit {commit[:12]} has no tree: {_stderr(done)}")
        return done.stdout.decode("ascii", "replace").strip()

    def merged_tree(self, one: str, other: str) -> str | None:
        """The tree git's merge of ``one`` and ``other`` gives (``git merge-tree
        --write-tree``, what GitHub's merge and squash write); None on a conflict."""
        done = run_git(self.git_dir, "merge-tree", "--write-tree", one, other)
        if done.returncode == 1:
            return None
        if done.returncode != 0:
            raise GitError(f"git merge-tree {one[:12]} {other[:12]} failed: {_stderr(done)}")
        return done.stdout.decode("ascii", "replace").split("\n", 1)[0].strip()

    def changed_lines(self, path: str) -> frozenset[int] | None:
        """The head's line numbers of ``path`` that ``trusted_base..head`` added or changed
        (with the line after each pure deletion); None when the whole file is new to the
        range (not in a trusted base)."""
        base = self.trusted_base
        if base is None or read_blob(self.repo, base, path) is None:
            return None
        if path not in self.changed_files:
            return frozenset()
        out = self.repo.git.diff(
            "-U0", "--no-renames", "--no-ext-diff", "--no-textconv", base, self.head, "--", path
        )
        lines: set[int] = set()
        for match in _HUNK.finditer(out):
            start = int(match["start"])
            count = 1 if match["count"] is None else int(match["count"])
            lines.update(range(start, start + count) if count else (start, start + 1))
        return frozenset(lines)

    @property
    def git_dir(self) -> Path:
        """The common git directory (objects, modules), also from a linked worktree."""
        return Path(self.repo.common_dir)

    def tracked_files(self) -> list[str]:
        """Regular files (not links, not submodules) of the head commit."""
        return [entry.path for entry in tree_entries(self.git_dir, self.head) if entry.regular]

    def export(self, rev: str, path: str, dest: Path) -> list[str]:
        """Write the regular files at or under ``path`` in ``rev`` below ``dest``."""
        return materialise(self.git_dir, rev, dest, links=False, under=path)

    @contextmanager
    def analysis_snapshot(
        self, *, environ: Mapping[str, str], lazy: bool = False
    ) -> Iterator[Snapshot]:
        """The analysers' private, immutable view of the head commit (``releasegate.snapshot``;
        ``lazy``: files are written as ``Snapshot.materialize`` asks for them; ``environ``:
        the run's environment, whose ``TMPDIR`` says where)."""
        with head_snapshot(self.git_dir, self.head, lazy=lazy, environ=environ) as snapshot:
            yield snapshot

    @contextmanager
    def checkout(self) -> Iterator[Path]:
        """A directory holding exactly the head commit's files.

        The work tree itself when it *is* the head commit, unmodified; else a
        temporary copy written from git's objects (no attributes, filters or
        hooks of the commit under judgement are applied).
        """
        if self.head_is_checked_out and not self.dirty_files:
            yield self.root
            return
        tmp = Path(tempfile.mkdtemp(prefix="releasegate-head-"))
        try:
            materialise(self.git_dir, self.head, tmp, links=True)
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class _TimedGit(git.Git):
    """GitPython's command runner with a time limit on every command it runs to completion
    (``RELEASEGATE_GIT_TIMEOUT``): a hung git fails the run instead of stalling it."""

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("as_process"):
            kwargs.setdefault("kill_after_timeout", git_timeout())
        return super().execute(*args, **kwargs)


class TimedRepo(git.Repo):
    GitCommandWrapperType = _TimedGit


def read_blob(repo: git.Repo, rev: str, path: str) -> bytes | None:
    try:
        commit = repo.commit(rev)
        blob = commit.tree / path
    except (KeyError, ValueError, git.BadName):
        return None
    if not isinstance(blob, git.Blob):
        return None
    data: bytes = blob.data_stream.read()
    return data


def open_repo(path: Path) -> git.Repo:
    try:
        repo = TimedRepo(path, search_parent_directories=True)
    except git.NoSuchPathError:
        raise GitError(
            f"{path}: no such directory", hint="pass --repo DIR of a git checkout"
        ) from None
    except git.InvalidGitRepositoryError:
        raise GitError(
            f"{path}: not a git repository",
            hint="run releasegate inside a git checkout or pass --repo DIR",
        ) from None
    if repo.bare:
        raise GitError(f"{path}: is a bare repository", hint="run releasegate on a checkout")
    return repo


def _resolve(repo: git.Repo, rev: str, what: str) -> str:
    try:
        sha: str = repo.git.rev_parse(
            "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
        )
    except git.GitCommandError:
        raise GitError(
            f"cannot resolve {what} {rev!r} to a commit",
            hint="check the name, or fetch it (`git fetch --tags origin`)",
        ) from None
    return sha.strip()


def _is_shallow(repo: git.Repo) -> bool:
    return str(repo.git.rev_parse("--is-shallow-repository")).strip() == "true"


def _is_ancestor(repo: git.Repo, ancestor: str, descendant: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", ancestor, descendant)
    except git.GitCommandError:
        return False
    return True


def _merged_tags(repo: git.Repo, head: str) -> list[tuple[str, str]]:
    """(tag, commit) of every tag in ``head``'s history, newest first."""
    out = repo.git.for_each_ref(
        f"--merged={head}",
        "--sort=-creatordate",
        "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)",
        "refs/tags/",
    )
    found: list[tuple[str, str]] = []
    for line in out.splitlines():
        name, obj, peeled = line.split("\0")
        found.append((name, peeled or obj))
    return found


def _release_tag_base(
    repo: git.Repo, head: str, pattern: str | None, tags: list[tuple[str, str]]
) -> tuple[str, str] | None:
    """The nearest ancestor of ``head`` carrying a release tag, among ``tags`` (tag, commit)."""
    tagged: dict[str, str] = {}
    for name, target in tags:
        if is_release_tag(name, pattern):
            tagged.setdefault(target, name)
    if not tagged:
        return None
    for sha in repo.git.rev_list("--topo-order", head).split():
        if sha in tagged:
            return tagged[sha], sha
    return None


def _default_branch(repo: git.Repo, configured: str | None) -> str | None:
    candidates: list[str] = []
    if configured:
        candidates += [f"refs/remotes/origin/{configured}", f"refs/heads/{configured}"]
    else:
        try:
            origin_head = repo.git.symbolic_ref("--quiet", "refs/remotes/origin/HEAD").strip()
            candidates.append(origin_head)
        except git.GitCommandError:
            pass
        for name in ("main", "master"):
            candidates += [f"refs/remotes/origin/{name}", f"refs/heads/{name}"]
    for ref in candidates:
        try:
            repo.git.rev_parse("--verify", "--quiet", ref)
        except git.GitCommandError:
            continue
        return ref
    return None


def _pick_base(
    repo: git.Repo, head: str, tag_pattern: str | None, default_branch: str | None
) -> tuple[str, str]:
    # A tag on head itself is never its own base.
    tags = [(name, target) for name, target in _merged_tags(repo, head) if target != head]
    tagged = _release_tag_base(repo, head, tag_pattern, tags)
    if tagged is not None:
        return tagged[1], f"release tag {tagged[0]}"
    hint = no_release_tag_hint([name for name, _ in tags], tag_pattern)
    merge_base = _merge_base_with_default(repo, head, default_branch)
    if merge_base is not None:
        base, source = merge_base
        # An untagged project's pull request: nothing to hint.
        return base, f"{source}; {hint}" if tags else source
    roots = repo.git.rev_list("--max-parents=0", head).split()
    return roots[-1], f"root commit (no release tag, no merge base); {hint}"


def _merge_base_with_default(
    repo: git.Repo, head: str, default_branch: str | None
) -> tuple[str, str] | None:
    branch = _default_branch(repo, default_branch)
    if branch is None:
        return None
    try:
        merge_base = repo.git.merge_base(head, branch).strip()
    except git.GitCommandError:
        return None
    if not merge_base or merge_base == head:
        return None
    short = branch.removeprefix("refs/heads/").removeprefix("refs/remotes/")
    return merge_base, f"merge base with {short}"


def _tags_at(repo: git.Repo, sha: str, pattern: str | None) -> list[str]:
    return [t for t in repo.git.tag("--points-at", sha).split() if is_release_tag(t, pattern)]


def _base_trust(
    repo: git.Repo, base: str, head: str, tag_pattern: str | None, default_branch: str | None
) -> tuple[bool, str]:
    """Whether ``base`` is history the head did not write by itself.

    A base is trusted when a release tag points at it or the default branch
    contains it. Otherwise (an orphan branch's own root commit, a base on
    another unmerged branch) its policy would be one the judged history wrote
    for itself: the embedded default policy governs instead.
    """
    tags = _tags_at(repo, base, tag_pattern)
    if tags:
        return True, f"release tag {tags[0]}"
    branch = _default_branch(repo, default_branch)
    if branch is None:
        return False, (
            "no default branch (origin/HEAD, main, master or release.default_branch) is "
            "present to prove the base is shared history; the embedded default policy governs "
            "(fetch the default branch, or set release.default_branch)"
        )
    short = branch.removeprefix("refs/heads/").removeprefix("refs/remotes/")
    if _is_ancestor(repo, base, branch):
        return True, f"on the default branch {short}"
    return False, (
        f"the base is not on the default branch {short} (an orphan or unmerged history), so "
        "its policy, CODEOWNERS and allowed signers were written by the history under "
        "judgement; the embedded default policy governs"
    )


def _commits(repo: git.Repo, base: str, head: str) -> tuple[CommitInfo, ...]:
    out = repo.git.log("--format=%H%x00%P%x00%an <%ae>%x00%s%x1e", f"{base}..{head}")
    commits = []
    for raw in out.split("\x1e"):
        record = raw.strip("\n")
        if not record:
            continue
        sha, parents, author, subject = record.split("\0", 3)
        commits.append(
            CommitInfo(sha=sha, author=author, subject=subject, parents=tuple(parents.split()))
        )
    return tuple(commits)


def _changed(repo: git.Repo, base: str, head: str) -> tuple[str, ...]:
    out = repo.git.diff(
        "--name-only", "-z", "--no-renames", base, head, strip_newline_in_stdout=False
    )
    return tuple(sorted(p for p in out.split("\0") if p))


def _dirty(repo: git.Repo) -> tuple[str, ...]:
    out = repo.git.status(
        "--porcelain=v1", "-z", "--untracked-files=no", strip_newline_in_stdout=False
    )
    files = []
    for record in out.split("\0"):
        if len(record) > 3:
            files.append(record[3:])
    return tuple(sorted(set(files)))


def _ref_name(
    repo: git.Repo, head: str, head_is_checked_out: bool, environ: Mapping[str, str]
) -> str | None:
    github_ref = environ.get("GITHUB_REF")
    if github_ref:
        return github_ref
    if head_is_checked_out and not repo.head.is_detached:
        return f"refs/heads/{repo.active_branch.name}"
    tags = repo.git.tag("--points-at", head).split()
    if tags:
        return f"refs/tags/{tags[0]}"
    return None


def resolve_context(
    path: Path,
    *,
    head: str | None = None,
    base: str | None = None,
    tag_pattern: str | None = None,
    default_branch: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ReleaseContext:
    """Resolve the range under judgement. Raises ``GitError`` with a remedy.

    ``environ``: the run's environment; its ``GITHUB_REF`` names the ref in Actions."""
    repo = open_repo(path)
    root = Path(repo.working_tree_dir or path).resolve()
    event = read_event(environ or {})
    event_base = False
    if event is not None:
        event_base = base is None and event.base is not None
        base = base if base is not None else event.base
        head = head if head is not None else event.head
    try:
        repo.git.rev_parse("--verify", "--quiet", "HEAD")
    except git.GitCommandError:
        raise GitError(f"{root}: the repository has no commits yet", hint="commit first") from None
    if _is_shallow(repo):
        raise GitError(
            f"{root}: is a shallow clone, so the release range cannot be judged",
            hint="fetch the full history: `git fetch --unshallow --tags`, "
            "or in GitHub Actions use actions/checkout with `fetch-depth: 0`",
        )
    head_rev = head or "HEAD"
    if is_zero_sha(head_rev):
        raise GitError(
            "head is the all-zero SHA (a deleted ref): there is no commit to release",
            hint="pass --head with the commit to judge",
        )
    head_sha = _resolve(repo, head_rev, "head")
    head_is_checked_out = head_sha == repo.head.commit.hexsha
    if base is not None and not is_zero_sha(base):
        base_sha = _resolve(repo, base, "base")
        base_source = event.how if event is not None and event_base else f"--base {base}"
        if not _is_ancestor(repo, base_sha, head_sha):
            base_source += " (not an ancestor of head: judging the commits head has and base lacks)"
    else:
        base_sha, base_source = _pick_base(repo, head_sha, tag_pattern, default_branch)
        if base is not None:
            base_source = f"{base_source}; the given base was the all-zero SHA (new branch)"
    if event is not None and not event_base:
        base_source = f"{base_source} ({event.how})"
    trusted, trust = _base_trust(repo, base_sha, head_sha, tag_pattern, default_branch)
    return ReleaseContext(
        root=root,
        head=head_sha,
        base=base_sha,
        base_source=base_source,
        ref=(
            event.queue.head_ref
            if event is not None and event.queue is not None
            else _ref_name(repo, head_sha, head_is_checked_out, environ or {})
        ),
        commits=_commits(repo, base_sha, head_sha),
        changed_files=_changed(repo, base_sha, head_sha),
        dirty_files=_dirty(repo) if head_is_checked_out else (),
        head_is_checked_out=head_is_checked_out,
        base_trusted=trusted,
        base_trust=trust,
        event=None if event is None else event.name,
        queue=None if event is None else event.queue,
    )
