"""Quality stages as release evidence: functional, performance, stability, custom.

A stage runs a command in the head tree (or reads the results an earlier CI job
left), parses its results (JUnit XML, pytest-benchmark JSON, SARIF, or just
the exit code) and judges them against the policy's thresholds. The check
objects in ``releasegate.checks.quality`` are thin adapters over this package.

- ``errors``: one error type per failure mode a user can act on.
- ``environment``: the secret-free environment stage commands run with.
- ``execute``: running a stage command (process group, timeout, output to
  files) and reading result files (size cap, containment, not committed).
- ``junit``, ``benchmark``, ``sarif``: result-format parsers for untrusted input.
- ``suite``: whether the head has a test suite, and the automatic pytest command.
- ``functional``, ``performance``, ``stability``, ``custom``: the judgements.
"""
