"""One error base class; every error a user can hit says what to do about it.

The CLI exits with the ``exit_code`` of the error that stopped a command (the codes
are ``releasegate.model``'s): 2 (``EXIT_USAGE``) whenever releasegate cannot do what
it was asked (usage, configuration, the repository, a tool missing or broken outside a
check, such as a damaged rule pack or no ssh-keygen for ``releasegate signoff``): the
GitHub Action fails the step on 2 whatever ``fail-on-block`` says, so a gate that
could not judge never reads as a judged block. Inside a check, a ``ToolError`` or
``ForgeError`` becomes an ``error`` result instead, which blocks the release (1, with
the verdict). A ``ForgeError`` is raised inside checks only; its code is 1.
"""

from __future__ import annotations

from releasegate.model import EXIT_BLOCK, EXIT_USAGE


class ReleasegateError(Exception):
    """Base class. ``str(err)`` is a one-line cause; ``diagnostics()`` adds what to do."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The one-line message a user sees, with the remedy when there is one."""
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(ReleasegateError):
    """The policy file (or another configuration input) is invalid."""


class UsageError(ReleasegateError):
    """The command line asks for something that cannot be done."""


class GitError(ReleasegateError):
    """The repository or the requested range cannot be resolved."""


class ToolError(ReleasegateError):
    """An external tool is missing, crashed, timed out or printed something unusable.

    Inside a check, the runner turns it into an ``error`` result.
    """


# --- the quality stages: both become an ``error`` result, which blocks ---------------------


class StageError(ToolError):
    """A stage could not produce trustworthy evidence.

    Its command could not run or timed out, or its results are missing, too
    large, committed in the change under judgement, or left over from an
    earlier run.
    """


class ResultFormatError(StageError):
    """A result file is not what its format says, or is hostile (an XML entity bomb)."""


# --- the forge (GitHub): messages never carry the token; each is scrubbed of it before
# it is raised (``forge.client.Secret.scrub``) ---------------------------------------------


class ForgeError(ReleasegateError):
    """Base class: the forge could not give the evidence a check needs."""

    exit_code = EXIT_BLOCK


class ForgeConfigError(ForgeError):
    """The environment does not say how to reach the forge (no token, no repository)."""


class ForgeUnavailable(ForgeError):
    """Connection errors, persistent 5xx or rate limits beyond the capped wait."""


class ForgeAuthError(ForgeError):
    """The token was rejected (401) or lacks a permission (403)."""


class ForgeNotFound(ForgeError):
    """404: the resource does not exist, or the token may not see it."""


class ForgeResponseError(ForgeError):
    """An answer that does not have the documented shape, or an unexpected status."""


class ForgeUnprocessable(ForgeResponseError):
    """422: GitHub understood the request but cannot answer it (e.g. an unknown commit)."""
