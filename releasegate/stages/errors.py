"""Errors of the quality stages. Both become an ``error`` result, which blocks."""

from __future__ import annotations

from releasegate.errors import ToolError


class StageError(ToolError):
    """A stage could not produce trustworthy evidence.

    Its command could not run or timed out, or its results are missing, too
    large, committed in the change under judgement, or left over from an
    earlier run.
    """


class ResultFormatError(StageError):
    """A result file is not what its format says, or is hostile (an XML entity bomb)."""
