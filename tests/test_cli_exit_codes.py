"""``main`` returns the exit code each error carries, defined once in ``releasegate.errors``."""

from __future__ import annotations

import argparse

import pytest

from releasegate.cli import app
from releasegate.errors import (
    ConfigError,
    ForgeAuthError,
    GitError,
    ReleasegateError,
    StageError,
    ToolError,
    UsageError,
)
from releasegate.model import EXIT_BLOCK, EXIT_INTERNAL, EXIT_USAGE


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("bad flag"), EXIT_USAGE),
        (ConfigError("bad policy"), EXIT_USAGE),
        (GitError("no such commit"), EXIT_USAGE),
        # Outside a check, a broken tool means the command could not judge: never a
        # block that `fail-on-block: false` would let pass (review of 0be1088).
        (ToolError("ssh-keygen: not found"), EXIT_USAGE),
        (StageError("stage command timed out"), EXIT_USAGE),
        (ForgeAuthError("GitHub rejected the token"), EXIT_BLOCK),
    ],
)
def test_main_returns_the_exit_code_of_the_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: ReleasegateError,
    code: int,
) -> None:
    def command(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setitem(app._COMMANDS, "validate", command)
    assert app.main(["validate"]) == code == error.exit_code
    assert capsys.readouterr().err == f"releasegate: error: {error.diagnostics()}\n"


def test_an_unexpected_exception_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def command(args: argparse.Namespace) -> int:
        raise KeyError("x")

    monkeypatch.setitem(app._COMMANDS, "validate", command)
    assert app.main(["validate"]) == EXIT_INTERNAL
    assert "this is a bug" in capsys.readouterr().err
