"""JUnit XML results (pytest ``--junitxml`` and any tool that writes the format).

A report is untrusted input: it is parsed with ``defusedxml`` and any DTD is
refused outright, so an entity-expansion bomb ("billion laughs") or an
external entity is an error before a single entity is expanded.

Outcomes come from the ``<testcase>`` elements themselves (a ``<failure>``,
``<error>`` or ``<skipped>`` child), never from the summary attributes of
``<testsuite>``. Test ids are pytest node ids (``tests/test_app.py::test_add``)
when the class name maps to a file of the tree, else ``classname::name``.
Rerun markers (``<rerunFailure>``, ``<flakyFailure>``... written by rerun
plugins) are counted: a test that passed only on a rerun is flaky.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import cast
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as _defused  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from releasegate.errors import ResultFormatError

MESSAGE_CHARS = 300
_RERUN_TAGS = frozenset({"rerunFailure", "rerunError", "flakyFailure", "flakyError"})

_fromstring = cast("Callable[..., Element]", _defused.fromstring)


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERRORED = "errored"
    SKIPPED = "skipped"


@dataclass(frozen=True, kw_only=True)
class CaseResult:
    """One ``<testcase>``."""

    id: str
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0
    reruns: int = 0


@dataclass(frozen=True, kw_only=True)
class JUnitReport:
    cases: tuple[CaseResult, ...]
    reported_seconds: float | None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for case in self.cases if case.outcome is outcome)

    def with_outcome(self, *outcomes: Outcome) -> list[CaseResult]:
        return [case for case in self.cases if case.outcome in outcomes]

    @property
    def executed(self) -> int:
        """Tests that ran (skipped ones did not)."""
        return len(self.cases) - self.count(Outcome.SKIPPED)


def _first_line(text: str | None) -> str:
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line:
            return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"
    return ""


def _seconds(text: str | None) -> float:
    try:
        value = float(text or "0")
    except ValueError:
        return 0.0
    return value if math.isfinite(value) and value >= 0 else 0.0


def node_id(classname: str, name: str, files: Collection[str]) -> str:
    """The pytest node id of a test case when its module is a file in ``files``."""
    parts = [part for part in classname.split(".") if part] if classname else []
    for cut in range(len(parts), 0, -1):
        module = "/".join(parts[:cut]) + ".py"
        if module in files:
            return "::".join([module, *parts[cut:], name])
    if not parts:
        # pytest reports a collection error as a case named after the module.
        module = name.replace(".", "/") + ".py"
        return module if module in files else name
    return f"{classname}::{name}"


def _case(element: Element, files: Collection[str]) -> CaseResult:
    classname = element.get("classname") or ""
    name = element.get("name") or ""
    if not classname and not name:
        raise ResultFormatError("a <testcase> has neither classname nor name")
    failure = element.find("failure")
    error = element.find("error")
    skipped = element.find("skipped")
    if failure is not None:
        outcome, detail = Outcome.FAILED, failure
    elif error is not None:
        outcome, detail = Outcome.ERRORED, error
    elif skipped is not None:
        outcome, detail = Outcome.SKIPPED, skipped
    else:
        outcome, detail = Outcome.PASSED, None
    message = ""
    if detail is not None:
        message = _first_line(detail.get("message")) or _first_line(detail.text)
    return CaseResult(
        id=node_id(classname, name, files),
        outcome=outcome,
        message=message,
        seconds=_seconds(element.get("time")),
        reruns=sum(1 for child in element if child.tag in _RERUN_TAGS),
    )


def parse_junit(data: bytes, source: str, *, files: Collection[str] = ()) -> JUnitReport:
    """Parse a JUnit XML report. Raises ``ResultFormatError`` naming ``source``."""
    try:
        root = _fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ResultFormatError(
            f"{source}: refused: the XML declares a DTD or entities ({type(exc).__name__}); a "
            "JUnit report needs none, and expanding entities can exhaust memory (an "
            "entity-expansion bomb?)"
        ) from None
    except ParseError as exc:
        raise ResultFormatError(f"{source}: not well-formed XML: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ResultFormatError(
            f"{source}: not a JUnit XML report (the root element is <{root.tag}>, "
            "not <testsuites> or <testsuite>)"
        )
    try:
        cases = tuple(_case(element, files) for element in root.iter("testcase"))
    except ResultFormatError as exc:
        raise ResultFormatError(f"{source}: {exc.message}") from None
    if root.get("time") is not None:
        reported: float | None = _seconds(root.get("time"))
    else:
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        times = [_seconds(suite.get("time")) for suite in suites if suite.get("time")]
        reported = sum(times) if times else None
    return JUnitReport(cases=cases, reported_seconds=reported)
