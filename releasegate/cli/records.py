"""``releasegate records push | fetch``: the release records on the repository's own
``refs/releasegate/records``, where they outlive the CI runner."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from releasegate.audit import DEFAULT_AUDIT_LOG
from releasegate.cli.options import Parser
from releasegate.context import open_repo
from releasegate.model import EXIT_PASS
from releasegate.records import RECORDS_REF
from releasegate.records.sync import fetch, push


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    records = sub.add_parser(
        "records", help=f"the release records on {RECORDS_REF}: push to, fetch from a remote"
    )
    actions = records.add_subparsers(dest="records_command", metavar="ACTION", required=True)
    push_parser = actions.add_parser(
        "push",
        help="append the records of this clone that the remote does not have, and push "
        "(retried when another push comes first)",
    )
    push_parser.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    push_parser.add_argument("--remote", default="origin", help="remote (default: origin)")
    push_parser.add_argument(
        "--audit-log", type=Path, help="the audit log whose records to push (default: the repo's)"
    )
    push_parser.add_argument(
        "--id",
        action="append",
        default=[],
        metavar="RECORD_ID",
        help="push only this record (repeatable): the record-id a gate run printed",
    )
    fetch_parser = actions.add_parser(
        "fetch", help=f"fetch the remote's {RECORDS_REF} (a rewritten one is refused)"
    )
    fetch_parser.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    fetch_parser.add_argument("--remote", default="origin", help="remote (default: origin)")


def _cmd_records(args: argparse.Namespace) -> int:
    git_dir = Path(open_repo(args.repo).common_dir).resolve()
    if args.records_command == "fetch":
        fetched = fetch(git_dir, remote=args.remote)
        tip = f" (tip {fetched.tip[:12]})" if fetched.tip else ""
        print(f"{RECORDS_REF}: {fetched.records} records from {fetched.remote}{tip}")
        return EXIT_PASS
    log = args.audit_log or git_dir / DEFAULT_AUDIT_LOG
    pushed = push(git_dir, remote=args.remote, log=log, only=args.id)
    tip = f", tip {pushed.tip[:12]}" if pushed.tip else ""
    retried = f" after {pushed.attempts} attempts" if pushed.attempts > 1 else ""
    if pushed.appended:
        print(
            f"{RECORDS_REF}: pushed {pushed.appended} records to {pushed.remote}{retried}; "
            f"it holds {pushed.total}{tip}"
        )
    else:
        print(f"{RECORDS_REF}: {pushed.remote} already holds every record ({pushed.total}{tip})")
    return EXIT_PASS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"records": _cmd_records}
