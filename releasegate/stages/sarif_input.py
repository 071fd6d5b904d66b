"""SARIF 2.1.0 results, so that any scanner that writes SARIF can be a stage.

A result's level is its own ``level``, else ``none`` when its ``kind`` is not
``fail``, else its rule's ``defaultConfiguration.level``, else ``warning``
(SARIF 2.1.0, 3.27.10). ``error`` results become findings (which block);
``warning`` and ``note`` results are counted in the evidence. In-source
suppressions recorded in the SARIF are reported but not honoured: the change
under judgement cannot silence its own results (waive in the policy instead).
A log without runs, a run without ``results`` (the tool computed none), a run
whose invocation failed, or one that reports an error-level tool execution
notification makes the stage an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from releasegate.errors import ResultFormatError

LEVELS = ("none", "note", "warning", "error")
_TEXT_CHARS = 500


@dataclass(frozen=True, kw_only=True)
class SarifResult:
    tool: str
    rule_id: str
    level: str
    message: str
    path: str
    line: int
    column: int | None = None
    end_line: int | None = None
    security_severity: float | None = None
    help_uri: str = ""
    suppressed: bool = False


@dataclass(frozen=True, kw_only=True)
class SarifLog:
    results: tuple[SarifResult, ...]
    tools: tuple[str, ...]
    failures: tuple[str, ...]

    def at_level(self, level: str) -> list[SarifResult]:
        return [result for result in self.results if result.level == level]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_CHARS else text[: _TEXT_CHARS - 1] + "…"


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _message(raw: object, rule: Mapping[str, object]) -> str:
    message = _dict(raw)
    text = message.get("text") or message.get("markdown")
    if not isinstance(text, str):
        strings = _dict(rule.get("messageStrings"))
        template = _dict(strings.get(str(message.get("id")))).get("text")
        text = template if isinstance(template, str) else ""
    arguments = [str(arg) for arg in _list(message.get("arguments"))]
    for index, argument in enumerate(arguments):
        text = text.replace(f"{{{index}}}", argument)
    return _short(text) or "(no message)"


def _path(location: Mapping[str, object], artifacts: list[object], roots: tuple[Path, ...]) -> str:
    physical = _dict(location.get("physicalLocation"))
    artifact = _dict(physical.get("artifactLocation"))
    uri = artifact.get("uri")
    index = _int(artifact.get("index"))
    if not isinstance(uri, str) and index is not None and index < len(artifacts):
        uri = _dict(_dict(artifacts[index]).get("location")).get("uri")
    if not isinstance(uri, str) or not uri:
        return ""
    parts = urlsplit(uri)
    path = unquote(parts.path) if parts.scheme in ("", "file") else uri
    if parts.scheme == "file" or path.startswith("/"):
        for root in roots:
            candidate = Path(path)
            if candidate.is_relative_to(root):
                return candidate.relative_to(root).as_posix()
    while path.startswith("./"):
        path = path[2:]
    return path


def _security_severity(properties: Mapping[str, object]) -> float | None:
    raw = properties.get("security-severity")
    try:
        value = float(raw) if isinstance(raw, str | int | float) else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= 10 else None


def _rules(driver: Mapping[str, object]) -> list[dict[str, object]]:
    return [_dict(rule) for rule in _list(driver.get("rules"))]


def _rule_for(result: Mapping[str, object], rules: list[dict[str, object]]) -> dict[str, object]:
    index = _int(result.get("ruleIndex"))
    if index is not None and index < len(rules):
        return rules[index]
    rule_id = result.get("ruleId")
    for rule in rules:
        if rule.get("id") == rule_id:
            return rule
    return {}


def _level(result: Mapping[str, object], rule: Mapping[str, object], source: str) -> str:
    level = result.get("level")
    if level is None:
        kind = result.get("kind", "fail")
        if kind != "fail":
            return "none"
        level = _dict(rule.get("defaultConfiguration")).get("level", "warning")
    if level not in LEVELS:
        raise ResultFormatError(f"{source}: result level {level!r} is not one of {LEVELS}")
    return str(level)


def _result(
    raw: object,
    *,
    tool: str,
    rules: list[dict[str, object]],
    artifacts: list[object],
    roots: tuple[Path, ...],
    source: str,
) -> SarifResult:
    result = _dict(raw)
    if not result:
        raise ResultFormatError(f"{source}: a result is not an object")
    rule = _rule_for(result, rules)
    rule_id = result.get("ruleId") or rule.get("id") or "(no rule id)"
    locations = [_dict(location) for location in _list(result.get("locations"))]
    location = locations[0] if locations else {}
    region = _dict(_dict(location.get("physicalLocation")).get("region"))
    help_uri = rule.get("helpUri")
    properties = {**_dict(rule.get("properties")), **_dict(result.get("properties"))}
    return SarifResult(
        tool=tool,
        rule_id=_short(str(rule_id)),
        level=_level(result, rule, source),
        message=_message(result.get("message"), rule),
        path=_path(location, artifacts, roots),
        line=_int(region.get("startLine")) or 0,
        column=_int(region.get("startColumn")),
        end_line=_int(region.get("endLine")),
        security_severity=_security_severity(properties),
        help_uri=help_uri if isinstance(help_uri, str) else "",
        suppressed=bool(_list(result.get("suppressions"))),
    )


def _failures(run: Mapping[str, object], tool: str) -> list[str]:
    failures = []
    for raw_invocation in _list(run.get("invocations")):
        invocation = _dict(raw_invocation)
        if invocation.get("executionSuccessful") is False:
            failures.append(f"{tool}: the run did not complete (executionSuccessful: false)")
        for raw_note in _list(invocation.get("toolExecutionNotifications")):
            note = _dict(raw_note)
            if note.get("level") == "error":
                text = _message(note.get("message"), {})
                failures.append(f"{tool}: {text}")
    return failures


def parse_sarif(data: bytes, source: str, *, roots: tuple[Path, ...] = ()) -> SarifLog:
    """Parse a SARIF 2.1.0 log; absolute paths under ``roots`` become relative."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ResultFormatError(f"{source}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ResultFormatError(f"{source}: not JSON: {exc}") from None
    except RecursionError:
        raise ResultFormatError(f"{source}: JSON nested too deeply") from None
    if not isinstance(document, dict) or document.get("version") != "2.1.0":
        raise ResultFormatError(f"{source}: not a SARIF 2.1.0 log (`version` is not '2.1.0')")
    runs = document.get("runs")
    if not isinstance(runs, list):
        raise ResultFormatError(f"{source}: not a SARIF log (no `runs` list)")
    results: list[SarifResult] = []
    tools: list[str] = []
    failures: list[str] = []
    for raw_run in runs:
        run = _dict(raw_run)
        driver = _dict(_dict(run.get("tool")).get("driver"))
        name = driver.get("name")
        tool = _short(name) if isinstance(name, str) and name.strip() else "sarif"
        tools.append(tool)
        rules = _rules(driver)
        artifacts = _list(run.get("artifacts"))
        if run.get("results") is None:
            # SARIF 3.14.23: absent results mean the tool computed none (it failed).
            failures.append(f"{tool}: the run has no `results` (the tool computed none)")
        elif not isinstance(run.get("results"), list):
            raise ResultFormatError(f"{source}: {tool}: `results` is not a list")
        results += [
            _result(raw, tool=tool, rules=rules, artifacts=artifacts, roots=roots, source=source)
            for raw in _list(run.get("results"))
        ]
        failures += _failures(run, tool)
    if not runs:
        failures.append("the log has no runs: no tool ran")
    return SarifLog(results=tuple(results), tools=tuple(tools), failures=tuple(failures))
