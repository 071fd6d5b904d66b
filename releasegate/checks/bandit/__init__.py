"""The bandit check, one module a job.

- ``check``: the check itself (``BanditCheck``, ``BANDIT``): scope, findings, evidence.
- ``bandit_output``: bandit's JSON report, parsed and validated.
- ``bandit_cache``: per-file results as the result cache holds them, and their salt.
- ``bandit_run``: bandit processes, parallel shards, the retry on newer interpreters.
- ``interpreters``: the interpreters that can run bandit, and the portable bandit path.
"""
