"""The ``releasegate`` console script: start semgrep ahead of need, then the CLI.

A run that will scan with semgrep starts it first (``semgrep_tool.start_ahead``), so
that semgrep's ~2 s of imports overlap releasegate's own imports, the range, the
snapshot and the cache lookups, on the other core. Whether a command will scan is
decided from the command line alone, before anything else is imported: ``run`` and
``hook run``, unless ``--only`` names neither the static stage nor the semgrep check.
A guess that is wrong costs one idle interpreter, ended when it is not needed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from releasegate.semgrep_tool import start_ahead

_SCANS = {"static", "semgrep"}
_SHORTEST_ONLY = len("--o")  # the shortest prefix argparse takes for --only (run has no other --o…)


def will_scan(argv: Sequence[str]) -> bool:
    """Whether this command line may run the semgrep check."""
    words = [word for word in argv if not word.startswith("-")]
    if words[:1] != ["run"] and words[:2] != ["hook", "run"]:
        return False
    if "-h" in argv or "--help" in argv:
        return False
    only: list[str] = []  # argparse keeps the last --only, and takes a prefix of it
    for n, word in enumerate(argv):
        option, has_value, value = word.partition("=")
        if len(option) >= _SHORTEST_ONLY and "--only".startswith(option):
            if has_value:
                only = [value]
            elif n + 1 < len(argv):
                only = [argv[n + 1]]
    named = {name.strip() for value in only for name in value.split(",")} - {""}
    return not named or bool(named & _SCANS)


def main() -> int:
    if will_scan(sys.argv[1:]):
        start_ahead(os.environ)
    # Imported only now: semgrep is already starting while the CLI's modules load.
    from releasegate.cli import main as cli_main  # noqa: PLC0415

    return cli_main()
