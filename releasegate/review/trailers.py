"""Git-only review proof (``review.source: git``), for other forges and air-gapped mirrors.

A commit counts as reviewed when it, or a merge commit in the range that
brings it in, carries ``Reviewed-by:`` / ``Approved-by:`` trailers from at
least ``review.required_approvals`` distinct people other than the author,
**and** that commit is signed with an SSH key listed in the allowed-signers
file named by ``review.allowed_signers``, read from the trusted base (``git
verify-commit`` with ``gpg.ssh.allowedSignersFile``). Trailers on an unsigned
commit, or on one signed by an unknown key, are claims, not proof. Only SSH
signatures count: an OpenPGP or X.509 signature would be checked against the
keyring of the machine running the gate, not against the trusted list.
"""

from __future__ import annotations

import enum
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.context import CommitInfo, ReleaseContext
from releasegate.errors import ConfigError, ToolError
from releasegate.model import JSONValue
from releasegate.procs import ToolRunner, first_line
from releasegate.review.text import describe_commit

TRAILER_KEYS = ("Reviewed-by", "Approved-by")
_PERSON = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")
_GOOD = re.compile(r'Good "git" signature for (\S+)')
_SSH_SIGNATURE = "gpgsig -----BEGIN SSH SIGNATURE-----"


@dataclass(frozen=True, kw_only=True)
class Person:
    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> Person:
        match = _PERSON.match(text.strip())
        if match:
            return cls(name=match[1].strip(), email=match[2].strip())
        return cls(name=text.strip(), email="")

    @property
    def key(self) -> str:
        return (self.email or self.name).casefold()

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class Signature(enum.Enum):
    GOOD = "good"  # an SSH signature by a key in the allowed-signers file
    UNSIGNED = "unsigned"
    UNKNOWN_KEY = "unknown key"  # signed, but not by an allowed key (or not verifiable)
    NOT_SSH = "not ssh"  # an OpenPGP / X.509 signature
    NOT_CHECKED = "not checked"  # no trailers: nothing to prove


@dataclass(frozen=True, kw_only=True)
class TrailerCommit:
    commit: CommitInfo
    author: Person
    reviewers: tuple[Person, ...]
    signature: Signature
    signer: str | None = None

    def reviewers_for(self, covered: TrailerCommit) -> tuple[Person, ...]:
        """Distinct reviewers who count for ``covered``: not its author, nor this one's."""
        excluded = {covered.author.key, self.author.key}
        seen: dict[str, Person] = {}
        for person in self.reviewers:
            if person.key and person.key not in excluded:
                seen.setdefault(person.key, person)
        return tuple(seen.values())


@dataclass(frozen=True, kw_only=True)
class TrailerCoverage:
    commit: TrailerCommit
    covered: bool
    how: str

    def to_json(self) -> dict[str, JSONValue]:
        item = self.commit
        return {
            "sha": item.commit.sha,
            "subject": item.commit.subject,
            "author": str(item.author),
            "reviewers": [str(p) for p in item.reviewers],
            "signature": item.signature.value,
            "signer": item.signer,
            "covered": self.covered,
            "how": self.how,
        }


@dataclass(frozen=True, kw_only=True)
class TrailerOutcome:
    coverage: tuple[TrailerCoverage, ...]
    reasons: tuple[str, ...]
    allowed_signers: str

    @property
    def passed(self) -> bool:
        return all(c.covered for c in self.coverage)


def _git(tools: ToolRunner, root: Path, *args: str) -> str:
    done = tools.run(["git", "-C", str(root), *args], tool="git")
    if done.returncode != 0:
        raise ToolError(f"git {args[0]}: failed: {first_line(done.stderr)}")
    return done.stdout.decode("utf-8", "replace")


def _log(tools: ToolRunner, release: ReleaseContext) -> dict[str, tuple[Person, list[Person]]]:
    keys = ",".join(f"key={key}" for key in TRAILER_KEYS)
    out = _git(
        tools,
        release.root,
        "-c",
        "log.showSignature=false",
        "log",
        f"--format=%H%x00%an%x00%ae%x00%(trailers:{keys},valueonly,unfold,separator=%x1f)%x1e",
        f"{release.base}..{release.head}",
    )
    found: dict[str, tuple[Person, list[Person]]] = {}
    for raw in out.split("\x1e"):
        record = raw.strip("\n")
        if not record:
            continue
        sha, name, email, trailers = record.split("\0", 3)
        people = [Person.parse(v) for v in trailers.split("\x1f") if v.strip()]
        found[sha] = (Person(name=name, email=email), people)
    return found


def _signature(
    tools: ToolRunner, root: Path, sha: str, signers: Path
) -> tuple[Signature, str | None]:
    raw = _git(tools, root, "cat-file", "commit", sha)
    header = raw.split("\n\n", 1)[0]
    if "\ngpgsig " not in header and "\ngpgsig-sha256 " not in header:
        return Signature.UNSIGNED, None
    if _SSH_SIGNATURE not in header:
        return Signature.NOT_SSH, None
    done = tools.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "gpg.format=ssh",
            "-c",
            "gpg.ssh.program=ssh-keygen",
            "-c",
            f"gpg.ssh.allowedSignersFile={signers}",
            "verify-commit",
            sha,
        ],
        tool="git",
    )
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    match = _GOOD.search(text)
    if done.returncode == 0 and match:
        return Signature.GOOD, match[1]
    return Signature.UNKNOWN_KEY, None


def _brought_in(tools: ToolRunner, root: Path, merge: CommitInfo) -> set[str]:
    out = _git(tools, root, "rev-list", merge.sha, f"^{merge.parents[0]}")
    return set(out.split()) - {merge.sha}


def allowed_signers_text(release: ReleaseContext, path: str | None) -> bytes:
    if path is None:
        raise ConfigError(
            "review.source is git, but review.allowed_signers is not set: nothing says whose "
            "signatures prove a review",
            hint="set review.allowed_signers to the repository path of an OpenSSH "
            "allowed_signers file (it is read from the base of the range)",
        )
    if release.trusted_base is None or release.base is None:
        raise ConfigError(release.trust_problem("review.allowed_signers"))
    data = release.show(release.base, path)
    if data is None:
        raise ConfigError(
            f"review.allowed_signers {path!r} does not exist at the base {release.base[:12]}",
            hint="commit the allowed_signers file before the range it should govern",
        )
    return data


def verify_trailers(
    release: ReleaseContext, tools: ToolRunner, *, required: int, signers_path: str | None
) -> TrailerOutcome:
    data = allowed_signers_text(release, signers_path)
    where = f"{signers_path} at base {(release.base or '')[:12]}"
    with tempfile.TemporaryDirectory(prefix="releasegate-signers-") as scratch:
        signers = Path(scratch) / "allowed_signers"
        signers.write_bytes(data)
        log = _log(tools, release)
        items: dict[str, TrailerCommit] = {}
        for commit in release.commits:
            author, reviewers = log.get(commit.sha, (Person.parse(commit.author), []))
            signature, signer = Signature.NOT_CHECKED, None
            if reviewers:
                signature, signer = _signature(tools, release.root, commit.sha, signers)
            items[commit.sha] = TrailerCommit(
                commit=commit,
                author=author,
                reviewers=tuple(reviewers),
                signature=signature,
                signer=signer,
            )
        bringers: dict[str, list[TrailerCommit]] = {}
        for commit in release.commits:
            item = items[commit.sha]
            if len(commit.parents) > 1 and item.reviewers:
                for sha in _brought_in(tools, release.root, commit):
                    bringers.setdefault(sha, []).append(item)
    coverage = tuple(
        _cover(items[c.sha], bringers.get(c.sha, []), required, where) for c in release.commits
    )
    reasons = tuple(
        f"commit {describe_commit(c.commit.commit)} by {c.commit.author} {c.how}"
        for c in reversed(coverage)
        if not c.covered
    )
    return TrailerOutcome(coverage=coverage, reasons=reasons, allowed_signers=where)


def _problem(proof: TrailerCommit, covered: TrailerCommit, required: int, where: str) -> str | None:
    """Why ``proof`` does not prove ``covered`` reviewed (None: it does)."""
    names = ", ".join(str(p) for p in proof.reviewers)
    if not proof.reviewers:
        return "has no Reviewed-by:/Approved-by: trailers"
    if proof.signature is Signature.UNSIGNED:
        return (
            f"carries review trailers ({names}) but is not signed: trailers are claims, not proof"
        )
    if proof.signature is Signature.NOT_SSH:
        return (
            f"carries review trailers ({names}) but is signed with an OpenPGP or X.509 "
            "signature; only SSH signatures by keys in review.allowed_signers count"
        )
    if proof.signature is Signature.UNKNOWN_KEY:
        return (
            f"carries review trailers ({names}) but is not signed by a key in "
            f"review.allowed_signers ({where}): trailers are claims, not proof"
        )
    counted = proof.reviewers_for(covered)
    if len(counted) < required:
        return (
            f"has {len(counted)} of {required} required reviewers other than the author "
            f"in its trailers ({names})"
        )
    return None


def _cover(
    item: TrailerCommit, bringers: Sequence[TrailerCommit], required: int, where: str
) -> TrailerCoverage:
    if required == 0:
        return TrailerCoverage(commit=item, covered=True, how="review.required_approvals is 0")
    own = _problem(item, item, required, where)
    if own is None:
        return TrailerCoverage(
            commit=item, covered=True, how=f"its own trailers, signed by {item.signer}"
        )
    merge_problems: list[str] = []
    for merge in bringers:
        problem = _problem(merge, item, required, where)
        if problem is None:
            return TrailerCoverage(
                commit=item,
                covered=True,
                how=f"the trailers of merge commit {merge.commit.sha[:7]}, signed by "
                f"{merge.signer}",
            )
        merge_problems.append(f"merge commit {describe_commit(merge.commit)} {problem}")
    how = own
    if merge_problems:
        how += "; " + "; ".join(merge_problems)
    elif not item.reviewers:
        how += ", and no merge commit with review trailers brings it in"
    return TrailerCoverage(commit=item, covered=False, how=how)
