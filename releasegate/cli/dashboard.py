"""``releasegate dashboard``: the release records as a static site (``reports.dashboard``).

The records come from the audit log (``--audit-log``, default the repository's) or the
records ref (``--records REF``); ``load_records`` is the one place that reads them. The
site is written file by file (each atomically) into ``--out``, which must be absent,
empty, or a dashboard written before (it holds an ``index.html``): anything else is
refused so that no user file is overwritten.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from releasegate.audit import DEFAULT_AUDIT_LOG
from releasegate.cli.options import Parser
from releasegate.codec import AnyRecord, RecordJSON, WatchRecordJSON
from releasegate.context import open_repo
from releasegate.errors import ConfigError, UsageError
from releasegate.files import write_atomic
from releasegate.model import EXIT_PASS
from releasegate.records import (
    RECORDS_REF,
    gate_records,
    read_audit_log,
    read_records_ref,
    watch_records,
)

DEFAULT_LIMIT = 200


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    dashboard = sub.add_parser(
        "dashboard",
        help="write the release records as a static site (index, one page per run, "
        "history.csv, history.json)",
    )
    dashboard.add_argument(
        "--out", type=Path, required=True, help="directory to write the site into"
    )
    dashboard.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    source = dashboard.add_mutually_exclusive_group()
    source.add_argument(
        "--records", metavar="REF", help=f"read the records from this git ref (e.g. {RECORDS_REF})"
    )
    source.add_argument(
        "--audit-log",
        type=Path,
        metavar="FILE",
        help="read the records from this audit log (default: releasegate/audit.jsonl inside "
        "the repository's git directory)",
    )
    dashboard.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show the newest N runs and write their pages (default: {DEFAULT_LIMIT}); "
        "history.csv and history.json hold every record",
    )


@dataclass(frozen=True, kw_only=True)
class Loaded:
    everything: list[AnyRecord]
    label: str  # where they came from, as the pages say it
    verify_command: str  # the command that verifies the container

    @property
    def records(self) -> list[RecordJSON]:
        return gate_records(self.everything)

    @property
    def watches(self) -> list[WatchRecordJSON]:
        return watch_records(self.everything)


def load_records(args: argparse.Namespace) -> Loaded:
    """The records the dashboard shows, from ``--records REF`` or the audit log."""
    if args.records is not None:
        return Loaded(
            everything=read_records_ref(args.repo, args.records),
            label=f"the records ref {args.records}",
            verify_command=f"releasegate audit verify --records {shlex.quote(args.records)}",
        )
    if args.audit_log is not None:
        path: Path = args.audit_log
        return Loaded(
            everything=read_audit_log(path),
            label=f"the audit log {path}",
            verify_command=f"releasegate audit verify --audit-log {shlex.quote(str(path))}",
        )
    path = Path(open_repo(args.repo).common_dir).resolve() / DEFAULT_AUDIT_LOG
    return Loaded(
        everything=read_audit_log(path),
        label=f"the repository's audit log (.git/{DEFAULT_AUDIT_LOG.as_posix()})",
        verify_command="releasegate audit verify",
    )


def _check_out_dir(out: Path) -> None:
    """Refuse an ``--out`` that is a file, or a non-empty directory that is not an
    earlier dashboard, so that nothing of the user's is overwritten."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise UsageError(
            f"--out {out}: exists and is not a directory",
            hint="pass a new or empty directory, or a dashboard written before",
        )
    try:
        empty = next(out.iterdir(), None) is None
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot read the directory: {exc}") from None
    if not empty and not (out / "index.html").is_file():
        raise UsageError(
            f"--out {out}: is a non-empty directory that holds no dashboard (no index.html), "
            "so releasegate will not write into it",
            hint="pass a new or empty directory, or remove this one first",
        )


def write_site(out: Path, files: dict[str, bytes]) -> int:
    """Write the site's files, each atomically; remove the run pages of an earlier
    dashboard that the new one does not have. Returns how many stale pages went."""
    try:
        for name, data in files.items():
            write_atomic(out / name, data)
        stale = [
            page
            for page in (out / "runs").glob("*.html")
            if f"runs/{page.name}" not in files and page.is_file()
        ]
        for page in stale:
            page.unlink()
    except OSError as exc:
        raise ConfigError(
            f"--out {out}: cannot write the dashboard: {exc}",
            hint="check that the directory is writable, or pass another --out",
        ) from None
    return len(stale)


def cmd_dashboard(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: must be at least 1", hint="e.g. --limit 200")
    out: Path = args.out
    _check_out_dir(out)
    loaded = load_records(args)
    # Imported here: jinja2 costs start-up time no other command should pay.
    from releasegate.reports.dashboard import build_site  # noqa: PLC0415

    site = build_site(
        loaded.records,
        limit=args.limit,
        source_label=loaded.label,
        verify_command=loaded.verify_command,
        watches=loaded.watches,
    )
    write_site(out, site.files)
    summary = site.summary
    newest = summary.newest_decision.value if summary.newest_decision else "no records"
    print(
        f"{out}: dashboard written ({summary.files} files, {summary.bytes} bytes): showing "
        f"{summary.shown} of {summary.records} runs; newest candidate: {newest}",
        file=sys.stdout,
    )
    return EXIT_PASS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"dashboard": cmd_dashboard}
