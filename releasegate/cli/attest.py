"""``releasegate verify-attestation``: check a signed attestation (a DSSE envelope
that ``run --attestation FILE --attestation-key KEY`` wrote) offline, against an
OpenSSH allowed signers file.

Exit 0: a signature by an allowed signer verifies, every other signature is valid,
and the verification summary says PASSED (for ``--commit``, when given). 1: it
verifies, but the summary says FAILED or names another commit. 2: the envelope, a
signature or the Statement is not what it must be, or no allowed signer signed it.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from releasegate.cli.options import Parser
from releasegate.model import EXIT_BLOCK, EXIT_PASS, EXIT_USAGE
from releasegate.procs import ToolRunner
from releasegate.reports.escape import terminal_text
from releasegate.signoff.dsse import (
    Envelope,
    EnvelopeError,
    describe_signers,
    read_vsa,
    verify_envelope,
)
from releasegate.signoff.ssh import ATTESTATION_NAMESPACE

VERIFY_SECONDS = 120.0  # for every ssh-keygen call together
_COMMIT = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    command = sub.add_parser(
        "verify-attestation",
        help="check a signed attestation (DSSE envelope) offline against allowed signers",
    )
    command.add_argument("file", type=Path, metavar="FILE", help="the DSSE envelope")
    command.add_argument(
        "--allowed-signers",
        type=Path,
        required=True,
        help="OpenSSH allowed_signers file of the keys that may sign attestations "
        f"(namespace {ATTESTATION_NAMESPACE})",
    )
    command.add_argument(
        "--principal", help="require a signature by this principal (default: any listed)"
    )
    command.add_argument(
        "--commit", help="require the attestation's subject to be this commit (full SHA)"
    )


def _fail(path: Path, message: str, remedy: str) -> int:
    print(f"releasegate: error: {path}: {terminal_text(message)} ({remedy})", file=sys.stderr)
    return EXIT_USAGE


def cmd_verify_attestation(args: argparse.Namespace) -> int:
    path: Path = args.file
    if args.commit is not None and _COMMIT.fullmatch(args.commit) is None:
        return _fail(
            path, f"--commit {args.commit!r} is not a full commit SHA", "pass all 40 hex digits"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(path, f"cannot read it: {exc.strerror}", "check the path")
    try:
        allowed = args.allowed_signers.read_bytes()
    except OSError as exc:
        return _fail(
            args.allowed_signers, f"cannot read it: {exc.strerror}", "check --allowed-signers"
        )
    try:
        envelope = Envelope.parse(data)
    except EnvelopeError as exc:
        return _fail(
            path,
            f"not a valid attestation envelope: {exc.message}",
            "use the file `releasegate run --attestation FILE --attestation-key KEY` wrote",
        )
    tools = ToolRunner(deadline=time.monotonic() + VERIFY_SECONDS)
    checked = verify_envelope(tools, envelope, allowed_signers=allowed, principal=args.principal)
    if checked.bad:
        bad = checked.bad[0]
        return _fail(
            path,
            f"signature {bad.number} does not verify ({bad.verification.detail}): the envelope "
            "was altered or holds a signature made for something else",
            "do not trust it; get the attestation again from its publisher",
        )
    if not checked.good:
        for_whom = f" for {args.principal!r}" if args.principal else ""
        details = "; ".join(
            f"signature {c.number}: {c.verification.detail}" for c in checked.unknown
        )
        return _fail(
            path,
            f"no signature by an allowed signer{for_whom} ({details})",
            f"check --allowed-signers lists the gate's key for namespace {ATTESTATION_NAMESPACE}"
            "; a principal given as a pattern is matched only when named with --principal",
        )
    try:
        statement = read_vsa(envelope.payload)
    except EnvelopeError as exc:
        return _fail(
            path,
            f"signed, but {exc.message}",
            "the signer attested something other than a releasegate verification summary",
        )
    print(f"{path}: signature good: {terminal_text(describe_signers(checked.good))}")
    for ignored in checked.unknown:
        print(f"  signature {ignored.number} ignored: {terminal_text(ignored.verification.detail)}")
    for subject in statement.subjects:
        digests = ", ".join(f"{k}:{v}" for k, v in sorted(subject.digest.items()))
        print(f"  subject: {terminal_text(subject.name or '_')} ({terminal_text(digests)})")
    when = terminal_text(statement.time_verified)
    print(f"  verifier: {terminal_text(statement.verifier)} at {when}")
    print(f"  policy: {terminal_text(statement.policy_uri)}")
    levels = ", ".join(statement.levels) or "(none)"
    print(f"  result: {statement.result} (levels: {terminal_text(levels)})")
    if args.commit is not None and not statement.names_commit(args.commit):
        print(f"{path}: the attestation is not about commit {args.commit}", file=sys.stderr)
        return EXIT_BLOCK
    if statement.result != "PASSED":
        print(f"{path}: the release gate did not pass ({statement.result})", file=sys.stderr)
        return EXIT_BLOCK
    if args.commit is None:
        # A PASSED summary of another commit verifies as well: say that nothing tied it.
        print(
            f"{path}: note: no --commit given, so the subject was not checked against the "
            "commit you mean to trust (pass --commit SHA)",
            file=sys.stderr,
        )
    return EXIT_PASS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "verify-attestation": cmd_verify_attestation
}
