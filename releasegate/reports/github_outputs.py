"""Step outputs for GitHub Actions: appending to the ``$GITHUB_OUTPUT`` file.

Every value is written in the multi-line form ``name<<DELIMITER`` ... ``DELIMITER``
with a random delimiter that is checked not to occur in the value, so a value
(a path, a decision, anything derived from untrusted input) can never end its
own entry early and define another output. Output names are restricted to
letters, digits, ``-`` and ``_``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from releasegate.errors import UsageError
from releasegate.model import Decision

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _delimiter(value: str) -> str:
    while True:
        candidate = f"ghadelimiter_{secrets.token_hex(16)}"
        if candidate not in value:
            return candidate


def format_outputs(outputs: Mapping[str, str]) -> str:
    """The text to append to ``$GITHUB_OUTPUT`` for ``outputs``."""
    parts: list[str] = []
    for name, value in outputs.items():
        if _NAME.fullmatch(name) is None:
            raise ValueError(f"invalid output name {name!r}")
        # Lone surrogates cannot be written as UTF-8; the runner reads UTF-8.
        text = value.encode("utf-8", "replace").decode("utf-8")
        delimiter = _delimiter(text)
        parts.append(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")
    return "".join(parts)


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append ``outputs`` to the ``$GITHUB_OUTPUT`` file at ``path``."""
    text = format_outputs(outputs)
    try:
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"$GITHUB_OUTPUT ({path}): cannot write: {exc}") from None


def decision_outputs(
    decision: Decision,
    *,
    report: Path | None = None,
    sarif: Path | None = None,
    summary: Path | None = None,
    record_id: str | None = None,
    vsa_predicate: Path | None = None,
) -> dict[str, str]:
    """The outputs of the action: the decision, the blocking count, report paths (the
    VSA predicate's too) and the id of the release record the run appended.

    A report that was not written has an empty path; no record, an empty id.
    """
    return {
        "record-id": record_id or "",
        "decision": decision.verdict.value,
        "blocking-count": str(len(decision.blocking_reasons)),
        "report-path": str(report) if report is not None else "",
        "sarif-path": str(sarif) if sarif is not None else "",
        "summary-path": str(summary) if summary is not None else "",
        "vsa-predicate-path": str(vsa_predicate) if vsa_predicate is not None else "",
    }
