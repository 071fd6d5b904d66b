"""The command line, the only layer that reads the process environment, reads
``sys.argv`` or writes report files.

- ``app``: ``main``, dispatch, and the exit code of every error (``releasegate.errors``);
- ``options``: every option, defined once, and the ``RunOptions`` they make;
- ``outputs``: the reports, GitHub outputs, attestation and audit record of a verdict;
- ``gate`` (run, merge), ``adopt`` (init, baseline, perf-baseline, validate, schema),
  ``signing`` (signoff, audit, evidence), ``hooks`` (the pre-push hook),
  ``dashboard`` (the release records as a static site).

Exit codes: 0 allowed, 1 blocked, 2 usage, configuration or installation error (each
error's ``exit_code``, ``releasegate.errors``), 3 internal bug, 128+N on signal N.
"""

from releasegate.cli.app import main

__all__ = ["main"]
