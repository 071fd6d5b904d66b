"""One error base class; every error a user can hit says what to do about it."""

from __future__ import annotations


class ReleasegateError(Exception):
    """Base class. ``str(err)`` is a one-line cause; ``diagnostics()`` adds what to do."""

    exit_code = 2

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

    Raised inside checks only; the runner turns it into an ``error`` result.
    """

    exit_code = 1
