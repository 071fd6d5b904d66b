"""``releasegate signoff``, ``releasegate audit verify | repair`` and
``releasegate evidence``."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from releasegate import __version__
from releasegate.audit import (
    DEFAULT_AUDIT_LOG,
    Anchor,
    anchor_problem,
    parse_expected,
    read_anchor,
    read_lines,
    records_for_commit,
    repair_torn_tail,
    signoff_used,
    torn_tail,
    verify_chain,
)
from releasegate.cli.options import Parser, add_range_arguments, audit_arguments, run_options
from releasegate.cli.outputs import (
    attestation_document,
    attestation_text,
    git_config,
    record,
    write_attestation_file,
)
from releasegate.context import ReleaseContext, open_repo
from releasegate.decide import SUPPRESSION_SIGNOFF_RULE
from releasegate.errors import ConfigError, ReleasegateError, UsageError
from releasegate.files import write_atomic
from releasegate.model import (
    EXIT_BLOCK,
    EXIT_PASS,
    Verdict,
    verdict_exit_code,
)
from releasegate.pipeline import Evaluation, evaluate_full
from releasegate.procs import ToolRunner
from releasegate.records.store import RECORDS_REF, read_ref, verify_ref
from releasegate.reports import (
    render_json,
    render_markdown,
    render_sarif,
)
from releasegate.reports.escape import terminal_text
from releasegate.reports.evidence_index import INDEX, PackFile, index_markdown
from releasegate.signoff.notes import NOTES_REF, read_note, write_note
from releasegate.signoff.requirements import signoff_requirements
from releasegate.signoff.ssh import public_key, sign, verify
from releasegate.signoff.statement import (
    SignedSignoff,
    SignoffFormatError,
    SignoffStatement,
    check_principal,
    utc_timestamp,
)
from releasegate.signoff.verify import allowed_signers_at_base

DEFAULT_DAYS = 14


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    signoff = sub.add_parser(
        "signoff",
        help="sign off the release as a security reviewer (SSH-signed, stored as a git note)",
    )
    add_range_arguments(signoff)
    signoff.add_argument(
        "--key", type=Path, help="SSH private key to sign with (default: git user.signingkey)"
    )
    signoff.add_argument(
        "--principal",
        help="your principal in the allowed signers file (default: the key's comment, "
        "else git user.email)",
    )
    when = signoff.add_mutually_exclusive_group()
    when.add_argument("--expires", help="last day the sign-off is valid (YYYY-MM-DD)")
    when.add_argument(
        "--days", type=int, help=f"valid for this many days (default: {DEFAULT_DAYS})"
    )
    signoff.add_argument("--comment", default="", help="a comment kept in the sign-off")
    signoff.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    signoff.add_argument("--output", type=Path, help="also write the sign-off to this file")
    signoff.add_argument(
        "--no-note", action="store_true", help=f"do not store it as a git note ({NOTES_REF})"
    )

    audit = sub.add_parser("audit", help="the hash-chained audit trail of gate decisions")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_verify = audit_sub.add_parser(
        "verify", help="check the chain: name the first edited, removed or reordered record"
    )
    audit_verify.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    source = audit_verify.add_mutually_exclusive_group()
    source.add_argument("--audit-log", type=Path, help="the log (default: the repo's)")
    source.add_argument(
        "--records",
        nargs="?",
        const=RECORDS_REF,
        metavar="REF",
        help=f"verify the records ref instead of the log (default ref: {RECORDS_REF})",
    )
    audit_verify.add_argument(
        "--expect",
        metavar="RECORDS:HEAD",
        help="also require the log to hold this many records ending at this head digest (as "
        "an earlier `audit verify` printed it)",
    )
    audit_repair = audit_sub.add_parser(
        "repair", help="set aside a torn last record (an append cut off by a crash)"
    )
    audit_repair.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    audit_repair.add_argument("--audit-log", type=Path, help="the log (default: the repo's)")

    evidence = sub.add_parser(
        "evidence",
        help="judge the release and write its evidence pack (report, SARIF, summary, "
        "sign-off, attestation, audit excerpt, index.md)",
    )
    evidence.add_argument("--out", type=Path, required=True, help="directory to write")
    add_range_arguments(evidence)
    evidence.add_argument("--signoff", type=Path, help="a sign-off file instead of the git note")
    evidence.add_argument(
        "--attestation-key",
        type=Path,
        help="sign the attestation with this SSH key (attestation.json is then a DSSE envelope)",
    )
    audit_arguments(evidence)


def _signing_key(args: argparse.Namespace, release: ReleaseContext) -> tuple[Path, bool]:
    """(key file, whether it is a temporary file holding a ``key::`` literal)."""
    if args.key is not None:
        return Path(args.key).expanduser(), False
    configured = git_config(release, "user.signingkey")
    if configured is None:
        raise UsageError(
            "no signing key: pass --key FILE or set git config user.signingkey",
            hint="an SSH key listed in the policy's signoff.allowed_signers at the base",
        )
    if configured.startswith("key::"):
        fd, tmp = tempfile.mkstemp(prefix="releasegate-key-", suffix=".pub")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(configured.removeprefix("key::") + "\n")
        return Path(tmp), True
    return Path(configured).expanduser(), False


def _expiry(args: argparse.Namespace, today: dt.date) -> dt.date:
    if args.expires is not None:
        try:
            expires = dt.date.fromisoformat(args.expires)
        except ValueError:
            raise UsageError(f"--expires {args.expires!r}: write the date as YYYY-MM-DD") from None
    else:
        days = DEFAULT_DAYS if args.days is None else args.days
        if days < 0:
            raise UsageError("--days must be 0 or more")
        expires = today + dt.timedelta(days=days)
    if expires < today:
        raise UsageError(f"--expires {expires.isoformat()} is in the past")
    return expires


def _principal(args: argparse.Namespace, comment: str, release: ReleaseContext) -> str:
    candidates = [args.principal, comment.split(maxsplit=1)[0] if comment.strip() else None]
    candidates.append(git_config(release, "user.email"))
    for candidate in candidates:
        if candidate:
            try:
                return check_principal(candidate)
            except SignoffFormatError as exc:
                raise UsageError(f"principal {candidate!r}: {exc.message}") from None
    raise UsageError("no principal: pass --principal (as in the allowed signers file)")


def _say(text: str = "") -> None:
    print(text)


def _show(
    evaluation: Evaluation,
    requires: tuple[str, ...],
    *,
    principal: str,
    key: str,
    expires: dt.date,
    comment: str,
) -> None:
    decision = evaluation.decision
    release = evaluation.release
    _say(f"Security sign-off for commit {release.head}")
    _say(f"  range: {release.base or '(none)'}..{release.head} ({len(release.commits)} commits)")
    _say(f"  base: {terminal_text(release.base_source)}")
    _say()
    _say("Needs security sign-off because:")
    for item in requires:
        _say(f"  - {terminal_text(item)}")
    if not requires:
        _say("  - the policy requires a sign-off for every release (signoff.required)")
    _say()
    verdict = decision.verdict.value.upper()
    _say(f"Verdict without sign-off: {verdict}")
    for reason in decision.blocking_reasons:
        _say(f"  - {terminal_text(reason.message, max_chars=300)}")
        for child in reason.children[:20]:
            _say(f"      {terminal_text(child.message, max_chars=300)}")
    waivers = evaluation.evidence.data.get("waivers")
    _say()
    _say("Waivers in force:")
    if isinstance(waivers, list) and waivers:
        for waiver in waivers:
            if isinstance(waiver, dict):
                _say(
                    "  - "
                    + terminal_text(
                        f"{waiver.get('id')} (owner {waiver.get('owner')}, expires "
                        f"{waiver.get('expires')}): {waiver.get('reason')}",
                        max_chars=300,
                    )
                )
    else:
        _say("  (none)")
    _say()
    _say(f"Policy: {terminal_text(decision.policy.source)} {decision.policy.digest}")
    _say(f"Evidence digest: {evaluation.evidence.digest}")
    checks = ", ".join(f"{c.id} {c.status.value}" for c in decision.checks)
    _say(f"Checks: {terminal_text(checks) or '(none)'}")
    _say(f"Signer: {terminal_text(principal)} (key {key}), valid until {expires.isoformat()}")
    if comment:
        _say(f"Comment: {terminal_text(comment)}")
    _say()


def _confirm(args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to sign without confirmation: stdin is not a terminal",
            hint="review the output above and pass --yes to sign from a script",
        )
    answer = input("Sign off this exact commit and evidence? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise UsageError("not signed: confirmation declined")


def _self_check(evaluation: Evaluation, signed: SignedSignoff) -> str | None:
    """Why the new sign-off would not count at the gate, if it would not."""
    path = evaluation.loaded.policy.signoff.allowed_signers
    if path is None:
        return "the policy sets no signoff.allowed_signers, so an SSH sign-off is not checked"
    try:
        allowed = allowed_signers_at_base(evaluation.release, path)
        checked = verify(
            ToolRunner(),
            allowed_signers=allowed,
            principal=signed.statement.principal,
            signature=signed.signature,
            data=signed.payload,
        )
    except ReleasegateError as exc:
        return exc.diagnostics()
    return None if checked.good else f"{checked.outcome.value}: {checked.detail}"


@contextlib.contextmanager
def _key_file(args: argparse.Namespace, release: ReleaseContext) -> Iterator[Path]:
    key, temporary = _signing_key(args, release)
    try:
        yield key
    finally:
        if temporary:
            key.unlink(missing_ok=True)


def cmd_signoff(args: argparse.Namespace) -> int:
    evaluation = evaluate_full(run_options(args, without_signoff=True))
    release = evaluation.release
    decision = evaluation.decision
    today = evaluation.today
    expires = _expiry(args, today)
    with _key_file(args, release) as key:
        pub = public_key(key)
        principal = _principal(args, pub.comment, release)
        requires = signoff_requirements(release, evaluation.loaded.policy, today)
        requires += tuple(r.message for r in decision.reasons if r.rule == SUPPRESSION_SIGNOFF_RULE)
        _show(
            evaluation,
            requires,
            principal=principal,
            key=pub.fingerprint,
            expires=expires,
            comment=args.comment,
        )
        if decision.verdict is Verdict.BLOCK:
            _say(
                "Note: the release is blocked for the reasons above; a sign-off does not lift them."
            )
        _confirm(args)
        statement = SignoffStatement(
            commit=release.head,
            evidence_digest=evaluation.evidence.digest,
            principal=principal,
            key=pub.fingerprint,
            signed_at=utc_timestamp(dt.datetime.now(dt.timezone.utc)),
            expires=expires,
            comment=args.comment,
            policy_digest=decision.policy.digest,
            verdict_without_signoff="block" if decision.verdict is Verdict.BLOCK else "pass",
            blocking_reasons=tuple(r.message for r in decision.blocking_reasons),
            requires_signoff=requires,
            evidence=evaluation.evidence.to_json(),
            releasegate_version=__version__,
        )
        payload = statement.canonical()
        signed = SignedSignoff(statement=statement, payload=payload, signature=sign(key, payload))
    envelope = signed.envelope()
    if args.output is not None:
        write_atomic(args.output, envelope)
        _say(f"wrote {args.output}")
    if not args.no_note:
        write_note(ToolRunner(), release.root, release.head, envelope)
        _say(
            f"stored as a git note in {NOTES_REF} on {release.head[:12]}; publish it: "
            f"git push origin {NOTES_REF}"
        )
    problem = _self_check(evaluation, signed)
    if problem is not None:
        print(
            f"releasegate: warning: this sign-off will not count at the gate: "
            f"{terminal_text(problem)}",
            file=sys.stderr,
        )
    _say(f"signed off {release.head[:12]} as {terminal_text(principal)}: {signed.digest}")
    return EXIT_PASS


def _verify_records(args: argparse.Namespace) -> int:
    git_dir = Path(open_repo(args.repo).common_dir).resolve()
    ref: str = args.records
    contents = read_ref(git_dir, ref)
    if contents.tip is None:
        raise ConfigError(
            f"{ref}: no such ref in {git_dir}",
            hint="fetch it: `releasegate records fetch`",
        )
    report = verify_ref(contents)
    problem = report.problem
    if problem is None and args.expect:
        lines = [r.data for r in contents.records]
        problem = anchor_problem(lines, parse_expected(args.expect), "--expect")
    if problem is None:
        print(
            f"{ref}: {report.records} records, chain intact (head {report.head}, "
            f"commit {contents.tip})"
        )
        pin = f"--records {ref} --expect {report.records}:{report.head}"
        print(f"  pin it: releasegate audit verify {pin}")
        return EXIT_PASS
    print(f"{ref}: {problem}", file=sys.stderr)
    return EXIT_BLOCK


def cmd_audit(args: argparse.Namespace) -> int:
    if getattr(args, "records", None):
        return _verify_records(args)
    git_dir: Path | None
    path = args.audit_log
    try:
        git_dir = Path(open_repo(args.repo).common_dir).resolve()
    except ReleasegateError:
        if path is None:
            raise
        git_dir = None
    if path is None and git_dir is not None:
        path = git_dir / DEFAULT_AUDIT_LOG
    if args.audit_command == "repair":
        if not torn_tail(path):
            print(f"{path}: no torn record at the end; nothing to repair")
            return EXIT_PASS
        torn = repair_torn_tail(path)
        print(f"{path}: the torn last record was moved to {torn}; run `releasegate audit verify`")
        return EXIT_PASS
    lines = read_lines(path)
    report = verify_chain(lines)
    problem = report.problem
    if problem is not None and torn_tail(path) and report.record == report.records:
        problem = (
            f"record {report.record}: torn: the last append was interrupted (a crash or "
            "SIGKILL); `releasegate audit repair` sets it aside"
        )
    checks: list[tuple[Anchor, str]] = []
    anchor = read_anchor(git_dir, path) if git_dir is not None else None
    if anchor is not None:
        checks.append((anchor, "the anchor ref"))
    if args.expect:
        checks.append((parse_expected(args.expect), "--expect"))
    for expected, source in checks:
        if problem is None:
            problem = anchor_problem(lines, expected, source)
    if problem is None:
        anchored = " and matches its anchor" if anchor is not None else ""
        print(f"{path}: {report.records} records, chain intact{anchored} (head {report.head})")
        print(f"  pin it: releasegate audit verify --expect {report.records}:{report.head}")
        return EXIT_PASS
    print(f"{path}: {problem}", file=sys.stderr)
    if report.record is not None:
        print(f"{path}: chain broken at record {report.record} of {report.records}")
    else:
        print(f"{path}: not intact: {report.records} records do not match what was recorded")
    return EXIT_BLOCK


_PROVES = {
    "report.json": "The decision and every reason for it: the checks that ran, their "
    "findings, waivers and baseline in force, the policy and its digest (JSON, with a "
    "published schema).",
    "report.sarif": "The findings in SARIF 2.1.0, for code-scanning tools.",
    "summary.md": "The human-readable summary of the decision.",
    "signoff.json": "The security sign-off accepted for this commit and evidence: the "
    "signed statement and its SSH signature.",
    "signoff-statement.json": "The exact bytes the reviewer signed (verify with "
    "ssh-keygen -Y verify, namespace releasegate).",
    "signoff-statement.json.sig": "The reviewer's SSH signature over signoff-statement.json.",
    "attestation.json": "An in-toto Statement with a SLSA verification summary: which "
    "commit was verified, against which policy, with what result.",
    "audit-excerpt.jsonl": "The hash-chained audit records of the decisions on this commit, "
    "including this one.",
}


_SIGNED_ATTESTATION = (
    "The gate's signed attestation: a DSSE envelope (in-toto's signed form) of an in-toto "
    "Statement with a SLSA verification summary, SSH-signed (namespace "
    "releasegate-attestation); check it with `releasegate verify-attestation`."
)


def _proves(name: str, args: argparse.Namespace) -> str:
    if name == "attestation.json" and args.attestation_key is not None:
        return _SIGNED_ATTESTATION
    return _PROVES[name]


def _signoff_envelope(args: argparse.Namespace, evaluation: Evaluation) -> bytes | None:
    used = signoff_used(evaluation.decision)
    if not isinstance(used, dict) or used.get("route") != "ssh":
        return None
    if args.signoff is not None:
        return Path(args.signoff).read_bytes()
    return read_note(ToolRunner(), evaluation.release.root, evaluation.release.head)


def cmd_evidence(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: exists and is not empty", hint="pick a new directory")
    evaluation = evaluate_full(run_options(args))
    decision = evaluation.decision
    now = dt.datetime.now(dt.timezone.utc)
    written: list[str] = []

    def put(name: str, data: bytes) -> None:
        write_atomic(out / name, data)
        written.append(name)

    put("report.json", render_json(decision).encode("utf-8"))
    put("report.sarif", render_sarif(decision).encode("utf-8"))
    put("summary.md", render_markdown(decision).encode("utf-8"))
    envelope = _signoff_envelope(args, evaluation)
    if envelope is not None:
        put("signoff.json", envelope)
        try:
            signed = SignedSignoff.parse(envelope)
        except SignoffFormatError:
            signed = None
        if signed is not None:
            put("signoff-statement.json", signed.payload)
            put("signoff-statement.json.sig", signed.signature)
    vsa = attestation_document(evaluation, now, args.environment.variables)
    attestation = attestation_text(vsa)
    write_attestation_file(out / "attestation.json", attestation, args.attestation_key)
    written.append("attestation.json")
    appended = record(args, evaluation, now=now, vsa=vsa)
    excerpt: list[bytes] = []
    if appended is not None:
        excerpt = records_for_commit(read_lines(appended[0]), decision.release.commit)
        put("audit-excerpt.jsonl", b"".join(line + b"\n" for line in excerpt))
    used = signoff_used(decision)
    index = index_markdown(
        decision,
        files=[PackFile(name=name, proves=_proves(name, args)) for name in written],
        evidence_digest=evaluation.evidence.digest,
        signoff=used if isinstance(used, dict) else None,
        audit_records=len(excerpt),
        generated_at=now,
    )
    write_atomic(out / INDEX, index)
    print(
        f"wrote the evidence pack for {decision.release.commit[:12]} to {out} "
        f"({len(written) + 1} files; decision: {decision.verdict.value})"
    )
    return verdict_exit_code(decision.verdict)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "signoff": cmd_signoff,
    "audit": cmd_audit,
    "evidence": cmd_evidence,
}
