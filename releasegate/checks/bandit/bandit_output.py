"""bandit's ``-f json`` report, validated: issues, per-file errors, per-file metrics.

``parse_report`` accepts only the shape releasegate expects, with every path one
bandit was asked to scan; anything else raises ``OutputError``. The same checks
rebuild a cached per-file result (``bandit_cache``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from releasegate.model import Confidence, Severity

TOOL = "bandit"
_TEST_ID = re.compile(r"^[A-Z]+\d+$")

_SEVERITIES = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_CONFIDENCES = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}


class OutputError(ValueError):
    """bandit's output does not have the expected shape; ``str()`` says where."""


@dataclass(frozen=True, kw_only=True)
class Issue:
    path: str
    test_id: str
    test_name: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[int, ...]
    text: str
    line: int
    line_range: tuple[int, ...]
    col_offset: int | None
    more_info: str

    @property
    def first_line(self) -> int:
        return min((self.line, *self.line_range))

    @property
    def end_line(self) -> int:
        return max((self.line, *self.line_range))


@dataclass(frozen=True, kw_only=True)
class FileError:
    path: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class FileMetrics:
    loc: int
    nosec: int


@dataclass(frozen=True, kw_only=True)
class Report:
    """One bandit run: issues, per-file errors and per-file metrics, paths normalised."""

    issues: tuple[Issue, ...]
    errors: tuple[FileError, ...]
    metrics: Mapping[str, FileMetrics]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _missing(entry: Mapping[str, object], key: str, where: str) -> OutputError:
    if key not in entry:
        return OutputError(f"{where}: missing {key!r}")
    return OutputError(f"{where}: {key!r} is {type(entry[key]).__name__}, not the expected type")


def _str(entry: Mapping[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise _missing(entry, key, where)
    return value


def int_field(entry: Mapping[str, object], key: str, where: str) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _missing(entry, key, where)
    return value


def _path(raw: str, requested: Collection[str], where: str) -> str:
    path = raw
    while path.startswith("./"):
        path = path[2:]
    if path not in requested:
        raise OutputError(f"{where}: reports {raw!r}, a file it was not asked to scan")
    return path


def parse_issue(raw: object, index: int, requested: Collection[str]) -> Issue:
    where = f"results[{index}]"
    if not isinstance(raw, dict):
        raise OutputError(f"{where} is not an object")
    path = _path(_str(raw, "filename", where), requested, where)
    test_id = _str(raw, "test_id", where)
    if not _TEST_ID.match(test_id):
        raise OutputError(f"{where}: test_id {test_id!r} is not a bandit test id")
    severity = _SEVERITIES.get(_str(raw, "issue_severity", where))
    confidence = _CONFIDENCES.get(_str(raw, "issue_confidence", where))
    if severity is None or confidence is None:
        raise OutputError(
            f"{where}: unknown severity/confidence "
            f"{raw['issue_severity']!r}/{raw['issue_confidence']!r}"
        )
    line = int_field(raw, "line_number", where)
    if line < 1:
        raise OutputError(f"{where}: line_number {line} is not a line")
    line_range = raw.get("line_range", [line])
    if not isinstance(line_range, list) or not all(_is_int(n) and n >= 1 for n in line_range):
        raise OutputError(f"{where}: line_range is not a list of line numbers")
    cwe: tuple[int, ...] = ()
    raw_cwe = raw.get("issue_cwe")
    if raw_cwe is not None:
        if not isinstance(raw_cwe, dict):
            raise OutputError(f"{where}: issue_cwe is not an object")
        cwe_id = raw_cwe.get("id")
        if cwe_id is not None and not (_is_int(cwe_id) and cwe_id >= 0):
            raise OutputError(f"{where}: issue_cwe.id {cwe_id!r} is not a CWE number")
        if cwe_id:
            cwe = (int(cwe_id),)
    col = raw.get("col_offset")
    if col is not None and not (_is_int(col) and col >= 0):
        raise OutputError(f"{where}: col_offset {col!r} is not a column")
    more_info = raw.get("more_info", "")
    if not isinstance(more_info, str):
        raise OutputError(f"{where}: more_info is not a string")
    return Issue(
        path=path,
        test_id=test_id,
        test_name=_str(raw, "test_name", where),
        severity=severity,
        confidence=confidence,
        cwe=cwe,
        text=_str(raw, "issue_text", where),
        line=line,
        line_range=tuple(int(n) for n in line_range),
        col_offset=int(col) if col is not None else None,
        more_info=more_info,
    )


def parse_report(stdout: bytes, *, requested: Collection[str]) -> Report:
    """Validate bandit's ``-f json`` output; raises ``OutputError`` on anything unexpected.

    ``requested`` are the paths bandit was asked to scan: a report about any
    other file is unexpected too.
    """
    try:
        data = json.loads(stdout.decode("utf-8"))
    except UnicodeDecodeError:
        raise OutputError("output is not UTF-8") from None
    except ValueError as exc:
        raise OutputError(f"output is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise OutputError("output is not a JSON object")
    for key, kind in (("results", list), ("errors", list), ("metrics", dict)):
        if not isinstance(data.get(key), kind):
            raise OutputError(f"{key!r} is missing or not a {kind.__name__}")
    issues = tuple(parse_issue(raw, i, requested) for i, raw in enumerate(data["results"]))
    errors: list[FileError] = []
    for index, raw in enumerate(data["errors"]):
        where = f"errors[{index}]"
        if not isinstance(raw, dict):
            raise OutputError(f"{where} is not an object")
        path = _path(_str(raw, "filename", where), requested, where)
        reason = " ".join(_str(raw, "reason", where).split())[:300]
        errors.append(FileError(path=path, reason=reason))
    metrics: dict[str, FileMetrics] = {}
    for name, raw in data["metrics"].items():
        where = f"metrics[{name!r}]"
        if not isinstance(raw, dict):
            raise OutputError(f"{where} is not an object")
        if name == "_totals":
            continue
        path = _path(name, requested, where)
        metrics[path] = FileMetrics(
            loc=int_field(raw, "loc", where), nosec=int_field(raw, "nosec", where)
        )
    return Report(issues=issues, errors=tuple(errors), metrics=metrics)


def issues_by_path(issues: Sequence[Issue]) -> dict[str, list[Issue]]:
    by_path: dict[str, list[Issue]] = {}
    for issue in issues:
        by_path.setdefault(issue.path, []).append(issue)
    return by_path
