"""``releasegate records push | fetch``: the records ref between a clone and its remote.

A push appends, onto the remote's records, every record of this clone (its audit log
and its own records ref) that the remote does not hold, identified by the record's
``id``, oldest run first; then pushes without force. When another clone pushed in the
meantime, git refuses the push (not a fast-forward): the remote ref is fetched again and
the records appended again on top of it, up to ``attempts`` times. Nothing is lost and
nothing is duplicated, and the remote ref only ever moves forward.

A fetch takes the remote's records without force: a remote ref rewritten behind the
local one is refused, never taken.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.audit import read_lines, verify_chain
from releasegate.codec import SEAL_KEYS, CodecError, any_record_from_json
from releasegate.errors import ConfigError, GitError
from releasegate.model import JSONValue
from releasegate.records.store import (
    RECORDS_REF,
    RefContents,
    build_commits,
    move_ref,
    next_seal,
    read_ref,
    verify_ref,
)
from releasegate.snapshot import run_git

TRACKING_PREFIX = "refs/releasegate/remotes/"
DEFAULT_ATTEMPTS = 8


@dataclass(frozen=True, kw_only=True)
class PushResult:
    remote: str
    appended: int
    total: int  # records on the remote afterwards
    tip: str | None
    attempts: int


def _tracking_ref(remote: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in remote) or "remote"
    return f"{TRACKING_PREFIX}{safe}/records"


def _stderr(done: object) -> str:
    text = getattr(done, "stderr", b"").decode("utf-8", "replace").strip()
    return text.splitlines()[-1] if text else "no output"


def _fetch_into(git_dir: Path, remote: str, target: str, *, force: bool) -> str | None:
    """Fetch the remote's records ref into ``target``; the error, or None."""
    spec = f"{'+' if force else ''}{RECORDS_REF}:{target}"
    done = run_git(git_dir, "fetch", "--no-tags", remote, spec)
    if done.returncode == 0:
        return None
    detail = done.stderr.decode("utf-8", "replace")
    if "couldn't find remote ref" in detail or "could not find remote ref" in detail:
        run_git(git_dir, "update-ref", "-d", target)
        return None  # the remote holds no records yet
    return _stderr(done)


# A record held somewhere: its id (the same in every container) and its unsealed body.
Held = tuple[str, dict[str, JSONValue]]


def _body(data: bytes) -> Held | None:
    """A sealed line's record, read once: its id and its body without the seal."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    try:
        identity = any_record_from_json(parsed).id
    except CodecError:
        return None
    return identity, {k: v for k, v in parsed.items() if k not in SEAL_KEYS}


def local_records(git_dir: Path, log: Path | None) -> list[Held]:
    """The records this clone holds: its own records ref, then its audit log."""
    bodies: list[Held] = []
    own = read_ref(git_dir)
    chain = verify_ref(own)
    if chain.problem is not None:
        raise ConfigError(
            f"{RECORDS_REF}: {chain.problem}; its records are not pushed",
            hint="run `releasegate audit verify --records`, then restore the ref; "
            "`releasegate records fetch` takes the remote's",
        )
    for stored in own.records:
        body = _body(stored.data)
        if body is None:
            raise ConfigError(
                f"{RECORDS_REF}: {stored.path} (commit {stored.commit[:12]}) is not a "
                "release record; nothing is pushed",
                hint="run `releasegate audit verify --records`",
            )
        bodies.append(body)
    if log is not None and log.exists():
        lines = read_lines(log)
        chain = verify_chain(lines)
        if chain.problem is not None:
            raise ConfigError(
                f"{log}: {chain.problem}; its records are not pushed",
                hint="run `releasegate audit verify --audit-log` and restore the log",
            )
        for number, line in enumerate(lines, start=1):
            body = _body(line)
            if body is None:
                raise ConfigError(
                    f"{log}: line {number} is not a release record",
                    hint="run `releasegate audit verify` on the log and restore it",
                )
            bodies.append(body)
    return bodies


def _pending(remote: RefContents, bodies: Sequence[Held]) -> list[dict[str, JSONValue]]:
    held = {found[0] for found in (_body(r.data) for r in remote.records) if found is not None}
    chosen: dict[str, dict[str, JSONValue]] = {}
    for identity, body in bodies:
        if identity not in held:
            chosen.setdefault(identity, body)
    # By time of the run; runs in the same second keep the order they were recorded in.
    return sorted(chosen.values(), key=lambda b: str(b.get("time")))


def push(
    git_dir: Path,
    *,
    remote: str = "origin",
    log: Path | None,
    only: Collection[str] = (),
    attempts: int = DEFAULT_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> PushResult:
    """Push the records the remote lacks (with ``only``: just those ids)."""
    tracking = _tracking_ref(remote)
    bodies = local_records(git_dir, log)
    if only:
        held = dict(bodies)
        missing = sorted(set(only) - set(held))
        if missing:
            raise ConfigError(
                f"records push: no record {', '.join(missing)} in this clone "
                f"({log or 'no audit log'} and {RECORDS_REF})",
                hint="pass the record-id the gate step printed, and the same --audit-log",
            )
        bodies = [(identity, held[identity]) for identity in dict.fromkeys(only)]
    last_error = ""
    for attempt in range(1, attempts + 1):
        error = _fetch_into(git_dir, remote, tracking, force=True)
        if error is not None:
            raise GitError(
                f"records push: cannot fetch {RECORDS_REF} from {remote}: {error}",
                hint=f"check `git remote -v` and access to {remote}",
            )
        contents = read_ref(git_dir, tracking)
        pending = _pending(contents, bodies)
        if not pending:
            _adopt(git_dir, contents)
            return PushResult(
                remote=remote,
                appended=0,
                total=len(contents.records),
                tip=contents.tip,
                attempts=attempt,
            )
        seq, prev = next_seal(contents)
        tip = build_commits(git_dir, pending, onto=contents.tip, seq=seq, prev=prev)
        if tip is None:  # pragma: no cover - pending is not empty
            raise GitError("records push: nothing was appended")
        done = run_git(git_dir, "push", "--quiet", "--no-verify", remote, f"{tip}:{RECORDS_REF}")
        if done.returncode == 0:
            move_ref(git_dir, tracking, tip, contents.tip)
            _adopt(git_dir, read_ref(git_dir, tracking))
            return PushResult(
                remote=remote,
                appended=len(pending),
                total=len(contents.records) + len(pending),
                tip=tip,
                attempts=attempt,
            )
        last_error = _stderr(done)
        if not _rejected(done):
            raise GitError(
                f"records push: {remote} refused {RECORDS_REF}: {last_error}",
                hint="the token needs contents: write (the action's record step)",
            )
        sleep(random.uniform(0.05, 0.3) * attempt)  # noqa: S311 - jitter, not a secret
    raise GitError(
        f"records push: {remote} kept moving: {attempts} attempts were each overtaken by "
        f"another push ({last_error})",
        hint="run `releasegate records push` again",
    )


# What git says when another push moved the ref first.
_REJECTED = ("non-fast-forward", "fetch first", "rejected", "stale info", "failed to update ref")


def _rejected(done: object) -> bool:
    text = getattr(done, "stderr", b"").decode("utf-8", "replace")
    return any(
        marker in text
        for marker in (
            "non-fast-forward",
            "fetch first",
            "rejected",
            "stale info",
            "failed to update ref",
        )
    )


def _adopt(git_dir: Path, remote: RefContents) -> None:
    """Move the local records ref to the remote's tip when that is a fast-forward."""
    if remote.tip is None:
        return
    local = run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{RECORDS_REF}^{{commit}}")
    old = local.stdout.decode().strip() if local.returncode == 0 else None
    if old is not None:
        ancestor = run_git(git_dir, "merge-base", "--is-ancestor", old, remote.tip)
        if ancestor.returncode != 0:
            return  # the local ref holds records the remote does not: keep them
    move_ref(git_dir, RECORDS_REF, remote.tip, old)


@dataclass(frozen=True, kw_only=True)
class FetchResult:
    remote: str
    records: int
    tip: str | None


def fetch(git_dir: Path, *, remote: str = "origin") -> FetchResult:
    """Fetch the remote's records ref into the local one, refusing a rewritten remote."""
    error = _fetch_into(git_dir, remote, RECORDS_REF, force=False)
    if error is not None:
        if "non-fast-forward" in error or "rejected" in error:
            raise GitError(
                f"records fetch: {remote}'s {RECORDS_REF} is not a fast-forward of this "
                f"clone's: records were rewritten or removed there ({error})",
                hint=f"compare with `releasegate audit verify --records {_tracking_ref(remote)}` "
                f"after `git fetch {remote} +{RECORDS_REF}:{_tracking_ref(remote)}`",
            )
        raise GitError(
            f"records fetch: cannot fetch {RECORDS_REF} from {remote}: {error}",
            hint=f"check `git remote -v` and access to {remote}",
        )
    contents = read_ref(git_dir)
    return FetchResult(remote=remote, records=len(contents.records), tip=contents.tip)
