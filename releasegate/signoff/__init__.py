"""Security sign-off bound to the exact release.

- ``canonical``: canonical JSON bytes and ``sha256:`` digests.
- ``evidence``: the evidence digest (what a reviewer judges) and what changed.
- ``statement``: the in-toto sign-off Statement and its signed envelope.
- ``ssh``: signing and verifying with ``ssh-keygen -Y`` (namespace ``releasegate``).
- ``notes``: sign-offs stored as git notes under ``refs/notes/releasegate``.
- ``requirements``: what needs sign-off regardless of findings.
- ``verify``: the SSH route of the ``signoff`` check.
- ``github``: the GitHub-native route (team approvals).
- ``commands``: the ``signoff``, ``audit`` and ``evidence`` commands (CLI layer).
"""
