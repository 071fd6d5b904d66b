"""``releasegate hook install | uninstall | run``: the local pre-push hook."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from releasegate import hook
from releasegate.cli.options import Parser
from releasegate.model import (
    EXIT_PASS,
)


def add_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    hook = sub.add_parser("hook", help="the local pre-push hook: install, uninstall, run")
    actions = hook.add_subparsers(dest="hook_command", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="write the pre-push hook of this repository")
    install.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    how = install.add_mutually_exclusive_group()
    how.add_argument(
        "--force", action="store_true", help="replace a pre-push hook releasegate did not write"
    )
    how.add_argument(
        "--chain", action="store_true", help="keep an existing pre-push hook and run it first"
    )
    uninstall = actions.add_parser(
        "uninstall", help="remove the hook and restore the one it replaced"
    )
    uninstall.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    run = actions.add_parser(
        "run", help="what the installed hook runs: judge the refs git is pushing (stdin)"
    )
    run.add_argument("--repo", type=Path, default=Path(), help="repository (default: .)")
    run.add_argument("--previous", type=Path, help="a chained hook to run first")
    run.add_argument("git_args", nargs="*", metavar="ARG", help="git's arguments: remote, URL")


def _cmd_hook(args: argparse.Namespace) -> int:
    if args.hook_command == "install":
        done = hook.install(args.repo, force=args.force, chain=args.chain)
        kept = f"; the previous hook is kept as {done.previous.name}" if done.previous else ""
        chained = " and runs it first" if done.chained else ""
        print(f"installed {done.path}{kept}{chained}. Remove with `releasegate hook uninstall`.")
        return EXIT_PASS
    if args.hook_command == "uninstall":
        path, restored = hook.uninstall(args.repo)
        back = "; restored the hook it had replaced" if restored else ""
        print(f"removed releasegate's {path}{back}")
        return EXIT_PASS
    environ = args.environment.variables
    stdin = "" if hook.under_pre_commit(environ) else sys.stdin.read()
    return hook.run_hook(
        args.repo,
        argv=args.git_args,
        stdin=stdin,
        environ=environ,
        previous=args.previous,
    )


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"hook": _cmd_hook}
