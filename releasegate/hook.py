"""The local pre-push hook: ``releasegate hook install | uninstall | run``.

``install`` writes ``pre-push`` into the repository's hooks directory (``git
rev-parse --git-path hooks``, so ``core.hooksPath`` is respected). A hook that
releasegate did not write is never overwritten silently: ``--force`` replaces
it and ``--chain`` keeps it and runs it first; either way it is kept as
``pre-push.releasegate-previous`` and ``uninstall`` puts it back.

``run`` is what the installed hook calls. It reads git's pre-push input, one
``<local ref> <local sha> <remote ref> <remote sha>`` line per pushed ref (or,
under the pre-commit framework, its ``PRE_COMMIT_*`` variables), and judges
each update with the same engine and the trusted policy of its base:

- a deletion (all-zero local sha) has nothing to check;
- a branch is judged on the pushed commits (``remote sha..local sha``; for a new
  branch, from the parent of the first commit no remote has, ``git rev-list
  <local sha> --not --remotes``) with the fast checks in pull-request mode:
  ``static``, and ``dependencies`` when a dependency file changed. The per-file
  result cache makes a re-push cheap;
- a tag that matches the policy's ``release.tag_pattern`` gets the full verdict
  preview of a release. Reviews and a GitHub-team sign-off are read from GitHub
  (read-only) when a token is available (``GITHUB_TOKEN`` or ``GH_TOKEN``);
  otherwise the preview says which stages it could not verify locally and
  leaves them to the CI gate.

A blocked update fails the hook, so git refuses the push and shows why.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rich.console import Console

from releasegate.context import ReleaseContext, is_zero_sha
from releasegate.deps.sources.formats import kind_of
from releasegate.errors import GitError, ReleasegateError, UsageError
from releasegate.model import Mode, Stage, Verdict
from releasegate.pipeline import RunOptions, evaluate_resolved, resolve, stage_required
from releasegate.policy.fields import ReviewSource
from releasegate.policy.schema import LoadedPolicy, Policy
from releasegate.reports import render_terminal
from releasegate.reports.escape import terminal_text
from releasegate.runenv import RunEnvironment
from releasegate.tags import TAG_PATTERN_KEY, describe_pattern, is_release_tag

HOOK_NAME = "pre-push"
BACKUP_SUFFIX = ".releasegate-previous"
MARKER = "# releasegate-managed-hook: pre-push v1"
_GIT_TIMEOUT = 120
_GITHUB_REMOTE = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)


# --- install / uninstall -------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {' '.join(args)}: {exc}") from None
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def hooks_dir(repo: Path) -> Path:
    """The directory git runs hooks from (honours ``core.hooksPath``)."""
    _git(repo, "rev-parse", "--git-dir")
    return (repo / _git(repo, "rev-parse", "--git-path", "hooks")).resolve()


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text("utf-8", errors="replace")
    except OSError:
        return False


def hook_script(*, python: str, chain: Path | None) -> str:
    """The pre-push script: it hands git's arguments and input to ``hook run``."""
    argv = [python, "-m", "releasegate", "hook", "run"]
    if chain is not None:
        argv += ["--previous", str(chain)]
    command = " ".join(shlex.quote(part) for part in argv)
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        "# Written by `releasegate hook install`; `releasegate hook uninstall` removes it\n"
        "# (and restores the hook it replaced). Bypass once with `git push --no-verify`.\n"
        f'exec {command} "$@"\n'
    )


@dataclass(frozen=True, kw_only=True)
class Installed:
    path: Path
    previous: Path | None  # where the replaced hook was kept
    chained: bool


def install(repo: Path, *, force: bool = False, chain: bool = False) -> Installed:
    directory = hooks_dir(repo)
    target = directory / HOOK_NAME
    backup = directory / (HOOK_NAME + BACKUP_SUFFIX)
    foreign = target.exists() and not _is_ours(target)
    if foreign:
        if not (force or chain):
            raise UsageError(
                f"{target}: a pre-push hook that releasegate did not write is already there",
                hint="pass --chain to keep it and run it first, or --force to replace it "
                f"(either way it is kept as {backup.name} and `releasegate hook uninstall` "
                "restores it)",
            )
        if backup.exists():
            raise UsageError(
                f"{backup}: already exists, so the current hook cannot be kept there",
                hint="move one of them away first",
            )
        target.replace(backup)
    chained = chain and backup.exists()
    if chain and not chained:
        raise UsageError(f"--chain: there is no other pre-push hook in {directory} to chain to")
    directory.mkdir(parents=True, exist_ok=True)
    text = hook_script(python=sys.executable, chain=backup if chained else None)
    tmp = target.with_name(f".{HOOK_NAME}.releasegate.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    tmp.replace(target)
    return Installed(path=target, previous=backup if backup.exists() else None, chained=chained)


def uninstall(repo: Path) -> tuple[Path, Path | None]:
    """Remove releasegate's hook; put back the one it replaced. (hook, restored or None)."""
    directory = hooks_dir(repo)
    target = directory / HOOK_NAME
    backup = directory / (HOOK_NAME + BACKUP_SUFFIX)
    if not target.exists():
        raise UsageError(f"{target}: no pre-push hook is installed")
    if not _is_ours(target):
        raise UsageError(
            f"{target}: this pre-push hook was not written by releasegate; leaving it alone"
        )
    target.unlink()
    if backup.exists():
        backup.replace(target)
        return target, target
    return target, None


# --- what is pushed ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Update:
    """One line of git's pre-push input."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


def parse_updates(text: str) -> list[Update]:
    updates: list[Update] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise UsageError(
                f"pre-push input line {number}: want '<local ref> <local sha> <remote ref> "
                f"<remote sha>', got {terminal_text(line, max_chars=200)!r}"
            )
        updates.append(
            Update(
                local_ref=fields[0],
                local_sha=fields[1],
                remote_ref=fields[2],
                remote_sha=fields[3],
            )
        )
    return updates


def under_pre_commit(environ: Mapping[str, str]) -> bool:
    """Whether the pre-commit framework runs this hook (it read git's input itself)."""
    return bool(environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_REMOTE_BRANCH"))


def updates_from_pre_commit(environ: Mapping[str, str]) -> list[Update] | None:
    """The update the pre-commit framework describes in its variables, if it does.

    pre-commit gives the base itself (``PRE_COMMIT_FROM_REF``: the remote sha, or
    for a new branch the parent of its first new commit) and, for a push that
    starts a new history, no range at all: then the whole tree is judged.
    """
    if not under_pre_commit(environ):
        return None
    local = environ.get("PRE_COMMIT_LOCAL_BRANCH", "").strip() or "HEAD"
    return [
        Update(
            local_ref=local,
            local_sha=environ.get("PRE_COMMIT_TO_REF", "").strip() or local,
            remote_ref=environ.get("PRE_COMMIT_REMOTE_BRANCH", "").strip() or "refs/heads/?",
            remote_sha=environ.get("PRE_COMMIT_FROM_REF", "").strip() or "0" * 40,
        )
    ]


def _commit_exists(repo: Path, rev: str) -> bool:
    try:
        _git(repo, "cat-file", "-e", f"{rev}^{{commit}}")
    except GitError:
        return False
    return True


def new_branch_base(repo: Path, local_sha: str) -> tuple[str | None, bool]:
    """(base, anything new) for a ref no remote has: the parent of the first commit
    that no remote has. (None, True) when that commit starts a new history."""
    listed = _git(repo, "rev-list", "--topo-order", "--reverse", local_sha, "--not", "--remotes")
    first = listed.split("\n", 1)[0].strip()
    if not first:
        return None, False
    parents = _git(repo, "rev-list", "--parents", "-n", "1", first).split()
    return (parents[1] if len(parents) > 1 else None), True


@dataclass(frozen=True, kw_only=True)
class Plan:
    """How one pushed ref is judged, or why it is not."""

    update: Update
    skip: str | None = None  # why nothing is checked
    base: str | None = None
    mode: Mode = Mode.PULL_REQUEST
    release_preview: bool = False
    note: str = ""


Resolved = tuple[ReleaseContext, LoadedPolicy]


@dataclass
class _Resolver:
    """The range and trusted policy of each judgement, resolved once.

    A tag's policy is resolved to read its release-tag pattern; the judgement of that
    same update then takes that resolution instead of resolving again. It is taken,
    not kept: another judgement of the same commit resolves afresh, so it sees the
    work tree as it is then (a preview's tests may have changed it)."""

    repo: Path
    environment: RunEnvironment
    pending: dict[tuple[str, str | None], Resolved] = field(default_factory=dict)

    def _resolve(self, head: str, base: str | None) -> Resolved:
        return resolve(
            RunOptions(repo=self.repo, head=head, base=base, environment=self.environment)
        )

    def __call__(self, head: str, base: str | None) -> Resolved:
        found = self.pending.pop((head, base), None)
        return found if found is not None else self._resolve(head, base)

    def tag_pattern(self, update: Update) -> str | None:
        """The release tag pattern of the policy that would govern releasing this tag."""
        resolved = self._resolve(update.local_sha, None)
        self.pending[(update.local_sha, None)] = resolved
        return resolved[1].policy.release.tag_pattern


def plan_update(repo: Path, update: Update, *, tag_pattern: Callable[[], str | None]) -> Plan:
    if is_zero_sha(update.local_sha):
        return Plan(update=update, skip="deleted: nothing to check")
    ref = update.remote_ref
    if ref.startswith("refs/tags/"):
        tag = ref.removeprefix("refs/tags/")
        pattern = tag_pattern()
        if not is_release_tag(tag, pattern):
            return Plan(
                update=update,
                skip=f"tag does not match {TAG_PATTERN_KEY} ({describe_pattern(pattern)})",
            )
        return Plan(update=update, mode=Mode.RELEASE, release_preview=True)
    if not ref.startswith("refs/heads/") and not ref.endswith("/?"):
        return Plan(update=update, skip="not a branch or a release tag: nothing to check")
    remote = update.remote_sha
    if not is_zero_sha(remote) and _commit_exists(repo, remote):
        return Plan(update=update, base=remote)
    base, anything = new_branch_base(repo, update.local_sha)
    if not anything:
        return Plan(update=update, skip="every commit is already on a remote: nothing new")
    if base is None:
        return Plan(
            update=update,
            mode=Mode.RELEASE,
            note="a new history (its first commit has no parent): judging the whole tree",
        )
    return Plan(update=update, base=base, note="new branch: judging the commits no remote has")


# --- judging -------------------------------------------------------------------------------


def _changed(repo: Path, base: str, head: str) -> list[str]:
    out = _git(repo, "diff", "--name-only", "--no-renames", "-z", base, head)
    return [p for p in out.split("\0") if p]


def fast_stages(policy: Policy, changed: Sequence[str] | None) -> tuple[str, ...]:
    """static, and dependencies when a dependency file changed (None: unknown, run it)."""
    stages: list[str] = []
    if stage_required(policy, Stage.STATIC):
        stages.append(Stage.STATIC.value)
    if stage_required(policy, Stage.DEPENDENCIES) and (
        changed is None or any(kind_of(p) is not None for p in changed)
    ):
        stages.append(Stage.DEPENDENCIES.value)
    return tuple(stages)


def _token(environ: Mapping[str, str]) -> str | None:
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def not_verifiable_locally(policy: Policy, *, has_token: bool) -> dict[str, str]:
    """Stages the release preview cannot verify here, and why."""
    if has_token:
        return {}
    why: dict[str, str] = {}
    if stage_required(policy, Stage.REVIEW) and policy.review.source is ReviewSource.GITHUB:
        why["review"] = (
            "reviews are read from GitHub; set GITHUB_TOKEN (or GH_TOKEN) to fetch them "
            "read-only (contents: read, pull-requests: read, members: read)"
        )
    if stage_required(policy, Stage.SIGNOFF):
        if why:
            why["signoff"] = (
                "the sign-off binds the evidence of every check, and "
                f"{', '.join(why)} cannot be collected here"
            )
        elif policy.signoff.allowed_signers is None and policy.signoff.github_team:
            why["signoff"] = "a GitHub-team sign-off is read from GitHub; set GITHUB_TOKEN"
    return why


def preview_stages(policy: Policy, skipped: Mapping[str, str]) -> tuple[str, ...]:
    stages = [s for s in Stage if stage_required(policy, s) and s.value not in skipped]
    return tuple(s.value for s in stages)


def github_repository(url: str) -> str | None:
    """``owner/name`` of a github.com remote URL, else None."""
    found = _GITHUB_REMOTE.match(url.strip())
    return found["repo"] if found else None


@dataclass
class _Out:
    stream: TextIO

    def say(self, text: str = "") -> None:
        print(text, file=self.stream)


def _judge(
    resolver: _Resolver, plan: Plan, out: _Out, *, environ: Mapping[str, str], width: int
) -> bool:
    """Judge one update; True when it may be pushed."""
    update = plan.update
    label = terminal_text(update.remote_ref, max_chars=200)
    head = update.local_sha
    repo = resolver.repo
    options = RunOptions(
        repo=repo, head=head, base=plan.base, mode=plan.mode, environment=resolver.environment
    )
    release, loaded = resolver(head, plan.base)
    policy = loaded.policy
    unverified: dict[str, str] = {}
    if plan.release_preview:
        unverified = not_verifiable_locally(policy, has_token=_token(environ) is not None)
        only = preview_stages(policy, unverified)
        what = "release verdict preview"
    else:
        changed = _changed(repo, plan.base, head) if plan.base else None
        only = fast_stages(policy, changed)
        what = "fast checks, pull-request mode" if plan.base else "fast checks, whole tree"
    if not only:
        out.say(f"releasegate: {label}: the policy requires none of the checks run here")
        return True
    span = f"{plan.base[:12]}..{head[:12]}" if plan.base else head[:12]
    out.say(f"releasegate: {label} ({span}): {what}: {', '.join(only)}")
    if plan.note:
        out.say(f"  {plan.note}")
    evaluation = evaluate_resolved(dataclasses.replace(options, only=only), release, loaded)
    decision = evaluation.decision
    out.say(render_terminal(decision, width=width, color=False).rstrip("\n"))
    for stage, why in unverified.items():
        out.say(f"releasegate: not verified locally: {stage}: {why}; the CI gate verifies it")
    if decision.verdict is not Verdict.BLOCK:
        return True
    out.say(
        f"releasegate: push of {label} rejected: fix what blocks above (or bypass once with "
        "`git push --no-verify`; the CI gate still judges the release)"
    )
    return False


def hook_environment(environ: Mapping[str, str], argv: Sequence[str]) -> RunEnvironment:
    """What the checks of a push see: ``environ``, with ``GH_TOKEN`` as ``GITHUB_TOKEN``
    and the repository from a github.com remote URL (git passes it as the 2nd argument).
    The process environment itself is left as it is."""
    environment = RunEnvironment.of(environ)
    token = _token(environ)
    if token is None:
        return environment
    found: dict[str, str] = {}
    if not environ.get("GITHUB_TOKEN"):
        found["GITHUB_TOKEN"] = token
    if not environ.get("GITHUB_REPOSITORY") and len(argv) > 1:
        detected = github_repository(argv[1])
        if detected:
            found["GITHUB_REPOSITORY"] = detected
    return environment.with_values(found)


def _run_previous(previous: Path, argv: Sequence[str], stdin: str, repo: Path) -> int:
    if not previous.exists():
        return 0
    if not os.access(previous, os.X_OK) or not previous.stat().st_mode & stat.S_IXUSR:
        return 0  # git itself ignores a hook that is not executable
    try:
        done = subprocess.run([str(previous), *argv], input=stdin, text=True, cwd=repo, check=False)
    except OSError as exc:
        raise UsageError(f"{previous}: cannot run the chained hook: {exc}") from None
    return done.returncode


def run_hook(
    repo: Path,
    *,
    argv: Sequence[str],
    stdin: str,
    environ: Mapping[str, str],
    previous: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Judge every pushed ref; 0 lets the push go, 1 stops it (2: cannot judge)."""
    stream = out or sys.stderr
    writer = _Out(stream)
    if previous is not None:
        code = _run_previous(previous, argv, stdin, repo)
        if code != 0:
            writer.say(f"releasegate: the chained hook {previous.name} failed (exit {code})")
            return code
    updates = updates_from_pre_commit(environ)
    if updates is None:
        updates = parse_updates(stdin)
    root = Path(_git(repo, "rev-parse", "--show-toplevel"))
    width = Console(file=stream).width
    allowed = True
    resolver = _Resolver(root, hook_environment(environ, argv))
    for update in updates:
        resolver.pending.clear()  # a resolution serves the update it was made for only
        try:
            plan = plan_update(
                root, update, tag_pattern=functools.partial(resolver.tag_pattern, update)
            )
            if plan.skip:
                writer.say(
                    f"releasegate: {terminal_text(update.remote_ref, max_chars=200)}: {plan.skip}"
                )
                continue
            allowed = _judge(resolver, plan, writer, environ=environ, width=width) and allowed
        except ReleasegateError as exc:
            writer.say(
                f"releasegate: {terminal_text(update.remote_ref, max_chars=200)}: cannot judge "
                f"this push: {exc.diagnostics()}"
            )
            return 2
    return 0 if allowed else 1
