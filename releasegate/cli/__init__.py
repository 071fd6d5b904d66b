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

import gc

# Importing the command line allocates some half a million objects (pydantic schemas,
# dataclasses, compiled patterns) that live as long as the process: the cyclic
# collector would walk them again and again while they are made, and in every full
# collection of the run. It is off while they are imported, and they are frozen out
# of its reach (gc.freeze) before it is on again.
_COLLECTING = gc.isenabled()
gc.disable()
try:
    from releasegate.cli.app import main
finally:
    gc.freeze()
    if _COLLECTING:
        gc.enable()

__all__ = ["main"]
