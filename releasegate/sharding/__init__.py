"""Sharded runs: ``run --shard K/N --json part-K.json`` in each job of a matrix, then
``releasegate merge part-*.json`` decides from all parts exactly as one run would.

How the work is split:

- The *static scope* (the files the static checks analyse) is partitioned by
  file: a file belongs to shard ``int(sha256(path)[:8]) % N + 1``. The hash is
  of the path alone, so the partition is the same on every machine and every
  run, the shards are disjoint and together cover the scope. Static findings
  are per file (fingerprints digest the rule, the path and the file's code), so
  they are exactly those of an unsharded run.
- Checks of the other stages (dependencies, review, tests...) run only in
  shard 1; their merged evidence says so. Give the matrix ``--only static``
  (or ``static,dependencies``) to spread the heavy part.
- The ``signoff`` stage judges the evidence of *all* other checks, so no shard
  runs it: the merge computes the evidence of the merged results and then
  verifies the sign-off in the repository (``merge --repo``).

A part carries what the merge needs to call the same ``decide()`` as a single
run: the shard, the raw check results with their findings, the release, the
policy (its text, re-parsed at merge time and checked against its digest),
the baseline and the in-code suppressions, and a *binding* digest over the
commit, base, mode, selection, shard count, policy digest and tool version.
Parts of different runs, a missing part or a part given twice are usage errors
(exit 2).
"""

from __future__ import annotations
