"""``releasegate watch``: re-audit the dependencies of every shipped release tag.

Exit 0: no supported release is affected by an advisory published after it shipped
(unsupported ones are still reported); 1: a supported release is; 2: an error (a tag
that cannot be read, an unusable advisory database, an unreachable service, no release
tags), each a line naming the tag or file and the remedy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from releasegate import __version__
from releasegate.audit import DEFAULT_AUDIT_LOG, append_record, run_url, who_and_where
from releasegate.cache import cache_disabled, default_cache_dir
from releasegate.cli.options import Parser
from releasegate.codec import CodecError, any_record_from_json, plain, watch_record_to_json
from releasegate.context import open_repo
from releasegate.errors import ConfigError
from releasegate.files import write_atomic
from releasegate.model import PolicyInfo
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.loader import default_policy, loaded_from_text
from releasegate.policy.schema import LoadedPolicy
from releasegate.shipped import WatchReport, service_request, shown, summary_lines, watch
from releasegate.snapshot import run_git


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    parser = sub.add_parser(
        "watch",
        help="re-audit the dependencies of every release tag against today's advisories; "
        "exit 1 when a supported release is affected by one published after it shipped",
    )
    parser.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    parser.add_argument(
        "--since", metavar="TAG", help="start at this release tag (default: the oldest)"
    )
    parser.add_argument(
        "--advisory-db",
        type=Path,
        metavar="DIR",
        help="audit offline against this OSV directory (default: dependencies.advisory_db, "
        "else online through pip-audit, as the dependency stage)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the report as JSON")
    parser.add_argument(
        "--record",
        action="store_true",
        help="append a watch record to the audit log, for the dashboard "
        "(push it with `releasegate records push`)",
    )
    parser.add_argument(
        "--audit-log",
        type=Path,
        metavar="FILE",
        help="the log --record appends to (default: releasegate/audit.jsonl in the git directory)",
    )


def _policy_at_head(git_dir: Path) -> tuple[LoadedPolicy, str]:
    """The policy committed at HEAD (not the work tree), and HEAD's commit."""
    head = run_git(git_dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    commit = head.stdout.decode().strip() if head.returncode == 0 else ""
    if not commit:
        return default_policy(why="the repository has no HEAD commit"), ""
    shown_file = run_git(git_dir, "show", f"{commit}:{POLICY_FILE}")
    if shown_file.returncode != 0:
        return default_policy(), commit
    try:
        text = shown_file.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{POLICY_FILE} (at HEAD {commit[:12]}): not UTF-8 text",
            hint="save the policy file as UTF-8",
        ) from None
    loaded = loaded_from_text(text, path=POLICY_FILE, origin=f"at HEAD {commit[:12]}", trusted=True)
    return loaded, commit


def _record(
    args: argparse.Namespace,
    report: WatchReport,
    *,
    git_dir: Path,
    root: Path,
    loaded: LoadedPolicy,
    commit: str,
) -> Path:
    environ = args.environment.variables
    supported = loaded.policy.watch.supported
    body = watch_record_to_json(
        report.to_json(),
        time=dt.datetime.now(dt.timezone.utc),
        nonce=secrets.token_hex(16),
        repo=str(root),
        commit=commit,
        policy=PolicyInfo(
            source=loaded.source,
            trusted=loaded.trusted,
            digest=loaded.digest,
            changed_in_range=False,
        ),
        supported={"newest": supported.newest, "pattern": supported.pattern},
        since=args.since,
        tool_versions={"releasegate": __version__},
        run_url=run_url(environ),
        who=who_and_where(environ),
    )
    try:  # never chain a record the reader (dashboard, records push) rejects
        any_record_from_json(body)
    except CodecError as exc:
        raise ConfigError(
            f"the watch record does not read back, so it is not appended: {shown(exc.message)}",
            hint="this is a bug: report it with the --json report",
        ) from None
    log: Path = args.audit_log or git_dir / DEFAULT_AUDIT_LOG
    append_record(log, body, anchor_in=git_dir)
    return log


def cmd_watch(args: argparse.Namespace) -> int:
    repo = open_repo(args.repo)
    git_dir = Path(repo.common_dir).resolve()
    root = Path(repo.working_tree_dir or args.repo).resolve()
    loaded, commit = _policy_at_head(git_dir)
    environ = args.environment.variables
    request = service_request(
        loaded.policy,
        root,
        advisory_db=args.advisory_db,
        cache_dir=default_cache_dir(environ),
        use_cache=not cache_disabled(environ),
        environ=environ,
    )
    report = watch(git_dir, loaded.policy, request, since=args.since)
    for line in summary_lines(report):
        print(line)
    for error in report.all_errors:
        print(f"releasegate: error: {error}", file=sys.stderr)
    if args.json is not None:
        # plain(): every string encodable as UTF-8 (names are already made so).
        data = json.dumps(plain(report.to_json()), indent=2, ensure_ascii=False) + "\n"
        try:
            write_atomic(args.json, data.encode("utf-8"))
        except OSError as exc:
            raise ConfigError(f"--json {args.json}: cannot write: {exc}") from None
    if args.record:
        log = _record(args, report, git_dir=git_dir, root=root, loaded=loaded, commit=commit)
        print(f"watch record appended to {log}")
    affected = [r for r in report.releases if r.supported and r.new]
    if report.outcome == "affected":
        names = ", ".join(shown(r.tag.name) for r in affected)
        print(
            f"releasegate watch: supported releases newly affected: {names}: ship a release "
            "with the upgrades above",
            file=sys.stderr,
        )
    return report.exit_code


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"watch": cmd_watch}
