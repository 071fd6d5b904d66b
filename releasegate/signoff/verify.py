"""The SSH route of the ``signoff`` check: a signed statement for this commit and evidence.

The statement comes from the git note on the head commit
(``refs/notes/releasegate``) or from ``releasegate run --signoff FILE``. The
signer must be allowed by ``signoff.allowed_signers`` as it is at the *base*
of the range (a key added in the range being judged does not count). Each
failure is its own reason: missing, bad signature, unknown signer, stale
(commit), stale (evidence changed, listing what changed), expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from releasegate.context import ReleaseContext
from releasegate.errors import ConfigError, ReleasegateError
from releasegate.evidence import EvidenceSummary, describe_changes, summarise_changes
from releasegate.model import JSONValue
from releasegate.procs import ToolRunner
from releasegate.signoff.notes import FETCH_HINT, NOTES_REF, noted_commits, read_blob
from releasegate.signoff.ssh import Outcome, verify
from releasegate.signoff.statement import (
    MAX_ENVELOPE_BYTES,
    SignedSignoff,
    SignoffFormatError,
)

MISSING = "security sign-off missing"
UNKNOWN_SIGNER = "unknown signer"
BAD_SIGNATURE = "bad signature"


@dataclass(frozen=True, kw_only=True)
class RouteOutcome:
    """What one sign-off route found. ``error``: the evidence could not be collected."""

    route: str
    passed: bool
    reasons: tuple[str, ...] = ()
    error: bool = False
    evidence: dict[str, JSONValue] = field(default_factory=dict)
    statement_digest: str | None = None


def allowed_signers_at_base(release: ReleaseContext, path: str) -> bytes:
    """The trusted allowed_signers file: as it is at the base. Raises ``ConfigError``."""
    if release.trusted_base is None or release.base is None:
        raise ConfigError(release.trust_problem("signoff.allowed_signers"))
    data = release.show(release.base, path)
    if data is None:
        raise ConfigError(
            f"signoff.allowed_signers {path!r} does not exist at the base "
            f"{release.base[:12]}: nobody can sign off",
            hint="commit the allowed_signers file (OpenSSH format: `principal key-type key`) "
            "before the range it should govern",
        )
    keys = [
        line
        for line in data.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not keys:
        raise ConfigError(
            f"signoff.allowed_signers {path!r} at the base {release.base[:12]} lists no keys",
            hint="add the security team's keys as `principal key-type key` lines",
        )
    return data


def _load(
    release: ReleaseContext, tools: ToolRunner, signoff_file: Path | None
) -> tuple[bytes | None, str, str | None]:
    """(envelope or None, where it came from, the commit of a sign-off found elsewhere)."""
    if signoff_file is not None:
        try:
            with signoff_file.open("rb") as handle:
                data = handle.read(MAX_ENVELOPE_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"--signoff {signoff_file}: cannot read: {exc}") from None
        return data, f"file {signoff_file}", None
    notes = noted_commits(tools, release.root)
    source = f"git note {NOTES_REF} on {release.head[:12]}"
    blob = notes.get(release.head)
    if blob is not None:
        return read_blob(tools, release.root, blob), source, None
    for commit in release.commits:  # newest first
        if commit.sha in notes:
            return None, source, commit.sha
    return None, source, None


def verify_ssh(
    *,
    release: ReleaseContext,
    tools: ToolRunner,
    allowed_signers_path: str,
    evidence: EvidenceSummary,
    today: dt.date,
    signoff_file: Path | None,
) -> RouteOutcome:
    base = release.base or ""
    info: dict[str, JSONValue] = {
        "route": "ssh",
        "allowed_signers": f"{allowed_signers_path} at base {base[:12]}",
    }
    try:
        allowed = allowed_signers_at_base(release, allowed_signers_path)
        data, source, elsewhere = _load(release, tools, signoff_file)
    except ReleasegateError as exc:
        return RouteOutcome(route="ssh", passed=False, error=True, reasons=(exc.diagnostics(),))
    info["source"] = source
    if data is None:
        if elsewhere is not None:
            reason = (
                f"stale: signed for commit {elsewhere[:12]}, releasing {release.head[:12]} "
                "(commits were added after the sign-off)"
            )
        else:
            reason = (
                f"{MISSING}: no sign-off for {release.head[:12]} ({source}): a security "
                "reviewer signs it with `releasegate signoff`; if it was pushed, "
                f"fetch it: {FETCH_HINT}; or pass --signoff FILE"
            )
        return RouteOutcome(route="ssh", passed=False, reasons=(reason,), evidence=info)
    try:
        signed = SignedSignoff.parse(data)
    except SignoffFormatError as exc:
        return RouteOutcome(
            route="ssh",
            passed=False,
            reasons=(f"{BAD_SIGNATURE}: the sign-off ({source}) is malformed: {exc.message}",),
            evidence=info,
        )
    statement = signed.statement
    info.update(
        {
            "principal": statement.principal,
            "signed_at": statement.signed_at,
            "expires": statement.expires.isoformat(),
            "comment": statement.comment,
            "statement_digest": signed.digest,
            "signed_commit": statement.commit,
            "signed_evidence_digest": statement.evidence_digest,
        }
    )
    try:
        checked = verify(
            tools,
            allowed_signers=allowed,
            principal=statement.principal,
            signature=signed.signature,
            data=signed.payload,
        )
    except ReleasegateError as exc:
        return RouteOutcome(
            route="ssh", passed=False, error=True, reasons=(exc.diagnostics(),), evidence=info
        )
    info["key"] = checked.key
    if checked.outcome is Outcome.BAD_SIGNATURE:
        return RouteOutcome(
            route="ssh",
            passed=False,
            reasons=(f"{BAD_SIGNATURE}: {checked.detail} ({source})",),
            evidence=info,
        )
    if checked.outcome is Outcome.UNKNOWN_SIGNER:
        return RouteOutcome(
            route="ssh",
            passed=False,
            reasons=(
                f"{UNKNOWN_SIGNER}: {statement.principal}: {checked.detail} "
                f"({allowed_signers_path} at base {base[:12]} governs; a key added in this "
                "range does not count)",
            ),
            evidence=info,
        )
    reasons: list[str] = []
    if statement.commit != release.head:
        reasons.append(
            f"stale: signed for commit {statement.commit[:12]}, releasing {release.head[:12]}"
        )
    elif statement.evidence_digest != evidence.digest:
        changes = describe_changes(statement.evidence, evidence.data)
        reasons.append(f"stale: evidence changed: {summarise_changes(changes)}")
        info["evidence_changes"] = list(changes)
    if statement.expires < today:
        reasons.append(f"expired on {statement.expires.isoformat()}")
    return RouteOutcome(
        route="ssh",
        passed=not reasons,
        reasons=tuple(reasons),
        evidence=info,
        statement_digest=signed.digest if not reasons else None,
    )
