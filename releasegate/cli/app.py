"""``main``: parse, dispatch to the command group, turn every error into its exit code."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Sequence

import git

from releasegate import __version__
from releasegate.cli import (
    adopt,
    attest,
    dashboard,
    deps,
    gate,
    hooks,
    records,
    signing,
    watch,
)
from releasegate.cli.options import ArgumentParser
from releasegate.errors import ReleasegateError
from releasegate.model import (
    EXIT_INTERNAL,
    EXIT_USAGE,
)
from releasegate.procs import cancel_all
from releasegate.runenv import RunEnvironment
from releasegate.snapshot import ENV_GIT_TIMEOUT, git_timeout, parse_git_timeout, set_git_timeout


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="releasegate",
        description="A secure release gate: may this exact commit ship?",
    )
    parser.add_argument("--version", action="version", version=f"releasegate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    gate.add_run_parser(sub)
    adopt.add_parsers(sub)
    signing.add_parsers(sub)
    attest.add_parsers(sub)
    gate.add_merge_parser(sub)
    hooks.add_parsers(sub)
    records.add_parsers(sub)
    dashboard.add_parsers(sub)
    watch.add_parsers(sub)
    deps.add_parsers(sub)
    return parser


_COMMANDS = {
    **gate.COMMANDS,
    **hooks.COMMANDS,
    **adopt.COMMANDS,
    **signing.COMMANDS,
    **attest.COMMANDS,
    **records.COMMANDS,
    **dashboard.COMMANDS,
    **watch.COMMANDS,
    **deps.COMMANDS,
}


# Commands that read no repository: an air-gapped consumer verifying an attestation,
# or someone printing a schema, needs no git.
_WITHOUT_GIT = frozenset({"verify-attestation", "schema"})


def _git_failure(exc: git.GitCommandError) -> str:
    """One line for a git command that failed outside the checks."""
    argv = exc.command if isinstance(exc.command, list) else str(exc.command).split()
    words = [str(a) for a in argv[1:] if not str(a).startswith("-")][:1]
    stderr = " ".join(str(exc.stderr or "").replace("stderr:", "").split()).strip(" '")
    if stderr.startswith("Timeout:"):
        return (
            f"git {' '.join(words) or '(command)'} timed out after {git_timeout():g}s (check the "
            f"repository with `git fsck`; raise {ENV_GIT_TIMEOUT} for a huge one)"
        )
    cause = stderr or f"exit status {exc.status}"
    return (
        f"git {' '.join(words) or '(command)'} failed: {cause[:300]} (check the repository "
        "with `git fsck`, and that --repo/--base/--head name what you mean)"
    )


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The one read of the process environment: every command hands this copy down.
    args.environment = RunEnvironment.of(os.environ)
    set_git_timeout(parse_git_timeout(args.environment.get(ENV_GIT_TIMEOUT)))
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    if args.command not in _WITHOUT_GIT and shutil.which("git") is None:
        print(
            "releasegate: error: git: not found on PATH (install git: releasegate reads the "
            "release range with it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return _COMMANDS[args.command](args)
    except ReleasegateError as exc:
        print(f"releasegate: error: {exc.diagnostics()}", file=sys.stderr)
        return exc.exit_code
    except git.GitCommandError as exc:
        print(f"releasegate: error: {_git_failure(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, _Terminated) as exc:
        # Temporary copies are gone (their ``finally`` ran); kill what is still running.
        cancel_all()
        what = "SIGTERM" if isinstance(exc, _Terminated) else "SIGINT"
        print(
            f"releasegate: interrupted ({what}): every tool it started was stopped; "
            "each report is complete or absent",
            file=sys.stderr,
        )
        return 128 + (signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)
    except Exception as exc:
        print(
            f"releasegate: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug; set RELEASEGATE_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        if args.environment.get("RELEASEGATE_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
