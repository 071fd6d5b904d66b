"""The options of the command line, defined once: what a run judges and how, the
sign-off / attestation / audit options, the GitHub Actions options, and the
``RunOptions`` (with the run's environment) they make."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TypeVar

from releasegate.model import (
    EXIT_USAGE,
    Mode,
    Stage,
)
from releasegate.pipeline import RunOptions
from releasegate.policy.fields import POLICY_FILE
from releasegate.signoff.notes import NOTES_REF
from releasegate.signoff.ssh import ATTESTATION_NAMESPACE

Parser = TypeVar("Parser", bound=argparse.ArgumentParser)


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"releasegate: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def add_range_arguments(parser: argparse.ArgumentParser) -> None:
    """What a run judges and how: shared by run, signoff and evidence, which must agree.

    (The check selection and mode are part of the evidence a sign-off binds.)
    """
    parser.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    parser.add_argument("--base", help="base of the range (default: previous release tag, ...)")
    parser.add_argument("--head", help="commit to judge (default: HEAD)")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated check ids or stage names "
        f"({', '.join(stage.value for stage in Stage)}) or names of custom stages of the policy",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="policy file for local experiments (untrusted; releases are judged by the "
        f"{POLICY_FILE} of the base commit)",
    )
    parser.add_argument(
        "--mode",
        choices=[mode.value for mode in Mode],
        default=Mode.RELEASE.value,
        help="release (default): judge the whole head tree; pull-request: judge the files "
        "changed in base..head, and block only on findings not in the baseline",
    )
    parser.add_argument(
        "--advisory-db",
        type=Path,
        help="audit dependencies offline against this OSV advisory directory "
        "(overrides dependencies.advisory_db)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="do not read or write the per-file result cache"
    )


def audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audit-log",
        type=Path,
        help="append the decision to this hash-chained JSON-lines log "
        "(default: releasegate/audit.jsonl inside the repository's git directory)",
    )
    parser.add_argument(
        "--no-audit", action="store_true", help="do not record the decision in the audit log"
    )


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The sign-off, attestation and audit options of ``releasegate run``."""
    run.add_argument(
        "--signoff",
        type=Path,
        help="a sign-off file (`releasegate signoff --output FILE`) instead of the git note "
        f"in {NOTES_REF}",
    )
    run.add_argument(
        "--attestation",
        type=Path,
        help="write an in-toto Statement with a SLSA verification summary (VSA) here "
        "(with --attestation-key: its signed DSSE envelope)",
    )
    run.add_argument(
        "--attestation-key",
        type=Path,
        help="sign the attestation with this SSH key: ATTESTATION is then a DSSE envelope "
        f"(ssh-keygen -Y sign over the DSSE PAE, namespace {ATTESTATION_NAMESPACE}) that "
        "`releasegate verify-attestation` checks",
    )
    run.add_argument(
        "--vsa-predicate",
        type=Path,
        help="write just the SLSA VSA predicate here (for actions/attest predicate-path, "
        "which makes and signs the Statement with the artifacts as subject)",
    )
    audit_arguments(run)


def add_github_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--annotations",
        action="store_true",
        help="print GitHub Actions annotations (::error file=...,line=...::) for what blocks "
        "and warnings for other new findings (at most 10 of each, then a pointer)",
    )
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="append decision, blocking-count, report-path, sarif-path, summary-path, "
        "vsa-predicate-path and record-id to the $GITHUB_OUTPUT file",
    )


def run_options(args: argparse.Namespace, *, without_signoff: bool = False) -> RunOptions:
    """The RunOptions of a `run`-like command line (run, signoff, evidence)."""
    only = tuple(part.strip() for part in args.only.split(",") if part.strip())
    return RunOptions(
        repo=args.repo,
        base=args.base,
        head=args.head,
        only=only,
        config=args.config,
        mode=Mode(args.mode),
        use_cache=not args.no_cache,
        advisory_db=args.advisory_db,
        signoff_file=getattr(args, "signoff", None),
        without_signoff=without_signoff,
        environment=args.environment,
    )
