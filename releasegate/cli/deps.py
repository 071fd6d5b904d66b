"""``releasegate deps fix``: rewrite each vulnerable pin to its smallest fixing version.

The dependency stage's own pieces do the work: its collector reads the dependency
files (``collect_inventory``), its service registry chooses and asks the
vulnerability service (``lookup``: ``--advisory-db``, else ``dependencies.advisory_db``,
else online), and ``releasegate.deps.fix`` plans the edits. Unlike the gate, it reads
the working tree (the files as the user edits them, untracked ones included), not
the commit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from packaging.version import Version

from releasegate.cache import cache_disabled, default_cache_dir
from releasegate.checkapi import CheckContext
from releasegate.checks.dependencies import collect_inventory, lookup
from releasegate.cli.options import Parser
from releasegate.deps.fix import FixPlan, apply, fix_targets, plan_fixes, write_refusal
from releasegate.deps.pins import AdvisoryDBError, PackageAudit, ServiceError
from releasegate.deps.sources.head_tree import MAX_FILE_BYTES
from releasegate.errors import UsageError
from releasegate.files import FileTooLarge, read_capped
from releasegate.model import EXIT_BLOCK, EXIT_PASS, EXIT_USAGE, JSONValue
from releasegate.pipeline import RunOptions, resolve
from releasegate.policy.fields import POLICY_FILE
from releasegate.procs import ToolRunner

_DESCRIPTION = """\
Rewrite each vulnerable exact pin (name==X) of the requirements files
(requirements*.txt and the files they include with -r/-c) to the smallest version
that fixes every known vulnerability, changing only the version token. Hash-pinned
lines and lock files (uv.lock, poetry.lock, Pipfile.lock, pylock.toml) are never
edited: the command that updates them is printed. A fix that a requirement
excludes (the pin's own other clauses too, and the ranges of pyproject.toml), or
that the service still reports vulnerable when asked about it, is reported, not
forced. Every file is checked before any is written. It reads the working tree
(the files as you edit them), not git objects, and never writes through a symbolic
link or outside the repository.

Exit status: 0 nothing is vulnerable, or every vulnerable pin was fixed (or would be,
with --dry-run); 1 some vulnerable pin remains (each is listed with what to do);
2 usage or configuration error."""


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    deps = sub.add_parser("deps", help="act on the dependency files: fix vulnerable pins")
    actions = deps.add_subparsers(dest="deps_command", metavar="ACTION", required=True)
    fix = actions.add_parser(
        "fix",
        help="rewrite vulnerable pins of requirements files to their smallest fixing version "
        "(reads the working tree)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fix.add_argument(
        "--repo", type=Path, default=Path(), help="repository (default: .); its working tree"
    )
    fix.add_argument(
        "--dry-run",
        action="store_true",
        help="print the edits as a unified diff (a/ b/ paths) and write nothing",
    )
    fix.add_argument(
        "--advisory-db",
        type=Path,
        help="audit offline against this OSV advisory directory (overrides "
        "dependencies.advisory_db; without either, the online service is asked)",
    )
    fix.add_argument(
        "--config",
        type=Path,
        help=f"policy file (default: the {POLICY_FILE} the gate would use): "
        "dependencies.exclude, advisory_db and service",
    )
    fix.add_argument(
        "--no-cache", action="store_true", help="do not use the vulnerability service's cache"
    )


def _working_files(root: Path, listing: str) -> tuple[str, ...]:
    """The files of the working tree: tracked and untracked-but-not-ignored, present."""
    names = {name for name in listing.split("\0") if name}
    return tuple(sorted(name for name in names if os.path.lexists(root / name)))


def _reader(root: Path) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        try:
            return read_capped(root / path, MAX_FILE_BYTES).decode("utf-8")
        except (OSError, FileTooLarge, UnicodeDecodeError):
            return None

    return read


def _report(plan: FixPlan, *, dry_run: bool) -> list[str]:
    lines: list[str] = []
    verb = "would fix" if dry_run else "fixed"
    lines += [f"{verb} {item}" for item in plan.fixed]
    lines += [f"not fixed: {item}" for item in plan.remaining]
    lines += [f"not audited: {what}" for what in plan.unaudited]
    if not plan.items and not plan.unaudited:
        lines.append("no vulnerable pin: nothing to fix")
    elif plan.remaining or plan.unaudited:
        lines.append(
            f"{len(plan.remaining)} vulnerable pin(s) remain"
            + (f", {len(plan.unaudited)} not audited" if plan.unaudited else "")
            + ": see above for what to do"
        )
    return lines


def _cmd_deps(args: argparse.Namespace) -> int:
    options = RunOptions(
        repo=args.repo,
        config=args.config,
        advisory_db=args.advisory_db,
        use_cache=not args.no_cache,
        environment=args.environment,
    )
    release, loaded = resolve(options)
    root = release.root
    listing = release.repo.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
    files = _working_files(root, listing)
    environ = args.environment.variables
    ctx = CheckContext(
        release=release,
        policy=loaded.policy,
        tree=root,
        files=files,
        all_files=files,
        tools=ToolRunner(),
        cache_dir=default_cache_dir(environ),
        use_cache=options.use_cache and not cache_disabled(environ),
        advisory_db=args.advisory_db,
        environment=args.environment,
    )
    inventory = collect_inventory(ctx)
    packages = sorted({(pin.canonical, pin.version) for pin in inventory.pins})
    evidence: dict[str, JSONValue] = {}
    audits: dict[tuple[str, Version], PackageAudit] = {}
    unaudited = [str(problem) for problem in inventory.problems]
    unaudited += [str(item) for item in inventory.skipped]
    targets: dict[tuple[str, Version], PackageAudit] = {}
    if packages:
        try:
            answer, _tool = lookup(ctx, packages, evidence, {})
            audits = dict(answer.audits)
            unaudited += [str(item) for item in answer.skipped]
            # Each fixing version, asked about itself: the smallest fix is computed from
            # what the service could evaluate, and the audit afterwards blocks on the rest.
            targets = dict(audits)
            if wanted := fix_targets(audits):
                checked, _tool = lookup(ctx, wanted, {}, {})
                targets.update(checked.audits)
        except (AdvisoryDBError, ServiceError) as exc:
            print(f"releasegate: error: {exc.diagnostics()}", file=sys.stderr)
            return EXIT_USAGE
    plan = plan_fixes(
        inventory,
        audits,
        read=_reader(root),
        exists=lambda path: (root / path).is_file(),
        refusal=lambda path: write_refusal(root, path),
        unaudited=unaudited,
        targets=targets,
    )
    report = _report(plan, dry_run=args.dry_run)
    if args.dry_run:
        sys.stdout.write(plan.diff())
        for line in report:
            print(line, file=sys.stderr)
    else:
        apply(plan, root)
        for line in report:
            print(line)
    return EXIT_PASS if plan.complete else EXIT_BLOCK


def _cmd(args: argparse.Namespace) -> int:
    if args.deps_command != "fix":  # pragma: no cover - argparse allows only fix
        raise UsageError(f"unknown deps action {args.deps_command!r}")
    return _cmd_deps(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"deps": _cmd}
