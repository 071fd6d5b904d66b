"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One run per tool: findings are grouped by ``Finding.tool``, and a check that
ran without findings still gets an (empty) run named after the check, so an
upload closes the alerts that the release fixed. Every run has its own
``automationDetails.id`` category, as GitHub requires for several runs of
different tools in one file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from typing_extensions import assert_never

from releasegate.codec import utf8_safe
from releasegate.model import (
    Decision,
    Finding,
    JSONValue,
    JudgedCheck,
    Severity,
    Status,
    tool_versions,
)
from releasegate.reports.escape import sarif_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "releasegateFingerprint/v1"
SRCROOT = "%SRCROOT%"

_TOOL_URIS = {
    "bandit": "https://bandit.readthedocs.io/",
    "semgrep": "https://semgrep.dev/",
    "pip-audit": "https://github.com/pypa/pip-audit",
}


def security_severity(severity: Severity) -> str:
    """GitHub code scanning's ``security-severity``: a CVSS-like score as a string."""
    if severity is Severity.CRITICAL:
        return "9.5"
    if severity is Severity.HIGH:
        return "8.0"
    if severity is Severity.MEDIUM:
        return "5.5"
    if severity is Severity.LOW:
        return "3.0"
    if severity is Severity.INFO:
        return "1.0"
    assert_never(severity)


def _default_level(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "note"


def result_level(finding: Finding) -> str:
    """``error`` when the finding blocks the release, else by severity."""
    if finding.blocking:
        return "error"
    return "warning" if finding.severity >= Severity.MEDIUM else "note"


def artifact_uri(path: str) -> str:
    """A finding's path as a relative, percent-encoded URI reference (RFC 3986)."""
    posix = utf8_safe(path).replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    return quote(posix, safe="/")


def _http_uri(uri: str) -> str | None:
    """``uri`` when it is an absolute http(s) URI worth linking to, else None."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme in {"http", "https"} and parts.netloc and not any(c.isspace() for c in uri):
        return uri
    return None


def _repository_uri(repo: str) -> str | None:
    """The repository as an absolute URI, when the release names one."""
    try:
        parts = urlsplit(repo)
    except ValueError:
        return None
    if parts.scheme in {"http", "https", "ssh", "git"} and parts.netloc:
        return repo if not any(c.isspace() for c in repo) else None
    return None


@dataclass
class _Rule:
    id: str
    index: int
    findings: list[Finding] = field(default_factory=list)

    def descriptor(self) -> dict[str, JSONValue]:
        first = self.findings[0]
        worst = max(f.severity for f in self.findings)
        name = next((f.rule_name for f in self.findings if f.rule_name), "")
        help_uri = next((u for f in self.findings if (u := _http_uri(f.help_uri))), None)
        cwes = sorted({cwe for f in self.findings for cwe in f.cwe})
        title = name or self.id
        help_text = f"{first.tool} rule {self.id}" + (f" ({name})" if name else "")
        if help_uri:
            help_text += f". Documentation: {help_uri}"
        tags: list[JSONValue] = ["security"]
        tags.extend(f"external/cwe/cwe-{cwe}" for cwe in cwes)
        properties: dict[str, JSONValue] = {
            "tags": tags,
            "security-severity": security_severity(worst),
            "precision": max(f.confidence for f in self.findings).value,
        }
        descriptor: dict[str, JSONValue] = {"id": utf8_safe(self.id)}
        if name:
            descriptor["name"] = utf8_safe(name)
        descriptor["shortDescription"] = {"text": sarif_text(title)}
        descriptor["fullDescription"] = {"text": sarif_text(first.message)}
        descriptor["help"] = {"text": sarif_text(help_text)}
        if help_uri:
            descriptor["helpUri"] = help_uri
        descriptor["defaultConfiguration"] = {"level": _default_level(worst)}
        descriptor["properties"] = properties
        return descriptor


@dataclass
class _Run:
    tool: str
    checks: list[JudgedCheck] = field(default_factory=list)
    findings: list[tuple[JudgedCheck, Finding]] = field(default_factory=list)

    def _version(self) -> str | None:
        for check in self.checks:
            versions = tool_versions(check.result)
            value = versions.get(self.tool) or versions.get("tool")
            if value:
                return utf8_safe(value)
        return None

    def _invocation(self) -> dict[str, JSONValue]:
        notifications: list[JSONValue] = []
        for check in self.checks:
            if check.status is not Status.ERROR:
                continue
            messages = [r.message for r in check.reasons] or list(check.result.reasons)
            for message in messages or [f"{check.id}: error"]:
                notifications.append(
                    {
                        "level": "error",
                        "message": {"text": sarif_text(message)},
                        "descriptor": {"id": utf8_safe(check.id)},
                    }
                )
        invocation: dict[str, JSONValue] = {
            "executionSuccessful": all(c.status is not Status.ERROR for c in self.checks)
        }
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        return invocation

    def to_json(self, decision: Decision, repository: str | None) -> dict[str, JSONValue]:
        rules: dict[str, _Rule] = {}
        for _check, finding in self.findings:
            rule = rules.setdefault(finding.rule_id, _Rule(id=finding.rule_id, index=len(rules)))
            rule.findings.append(finding)
        driver: dict[str, JSONValue] = {"name": utf8_safe(self.tool)}
        version = self._version()
        if version:
            driver["version"] = version
        information_uri = _TOOL_URIS.get(self.tool)
        if information_uri:
            driver["informationUri"] = information_uri
        driver["rules"] = [rule.descriptor() for rule in rules.values()]
        run: dict[str, JSONValue] = {
            "tool": {"driver": driver},
            "automationDetails": {"id": f"releasegate/{quote(utf8_safe(self.tool), safe='')}/"},
        }
        if repository:
            run["versionControlProvenance"] = [
                {"repositoryUri": repository, "revisionId": utf8_safe(decision.release.commit)}
            ]
        run["invocations"] = [self._invocation()]
        run["results"] = [
            _result(check, finding, rules[finding.rule_id].index)
            for check, finding in self.findings
        ]
        return run


def _result(check: JudgedCheck, finding: Finding, rule_index: int) -> dict[str, JSONValue]:
    result: dict[str, JSONValue] = {
        "ruleId": utf8_safe(finding.rule_id),
        "ruleIndex": rule_index,
        "level": result_level(finding),
        "message": {"text": sarif_text(finding.message or finding.rule_id)},
    }
    if finding.path:
        physical: dict[str, JSONValue] = {
            "artifactLocation": {"uri": artifact_uri(finding.path), "uriBaseId": SRCROOT}
        }
        if finding.line >= 1:
            region: dict[str, JSONValue] = {"startLine": finding.line}
            if finding.end_line is not None and finding.end_line >= finding.line:
                region["endLine"] = finding.end_line
            if finding.column is not None and finding.column >= 1:
                region["startColumn"] = finding.column
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {FINGERPRINT_KEY: utf8_safe(finding.fingerprint)}
    result["baselineState"] = "new" if finding.new else "unchanged"
    if finding.waived:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "waived by the release policy (.releasegate.yml waivers)",
            }
        ]
    properties: dict[str, JSONValue] = {
        "check": utf8_safe(check.id),
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "blocking": finding.blocking,
        "waived": finding.waived,
    }
    result["properties"] = properties
    if finding.also:
        # The same weakness on the same line, reported by other tools too: one result.
        properties["alsoReportedBy"] = [
            {
                "tool": utf8_safe(also.tool),
                "ruleId": utf8_safe(also.rule_id),
                "fingerprint": utf8_safe(also.fingerprint),
            }
            for also in finding.also
        ]
    return result


def sarif_dict(decision: Decision, *, repository_uri: str | None = None) -> dict[str, JSONValue]:
    """The SARIF log as plain JSON data.

    ``repository_uri`` (e.g. ``https://github.com/owner/name``) names the
    repository in ``versionControlProvenance``; without it the release's
    ``repo`` is used when it is a URI. SARIF requires the URI there, so with
    neither the provenance is left out.
    """
    runs: dict[str, _Run] = {}
    for check in decision.checks:
        if check.status is Status.SKIPPED and not check.findings:
            continue
        if not check.findings:
            runs.setdefault(check.id, _Run(tool=check.id)).checks.append(check)
            continue
        for finding in check.findings:
            run = runs.setdefault(finding.tool, _Run(tool=finding.tool))
            if not any(seen is check for seen in run.checks):
                run.checks.append(check)
            run.findings.append((check, finding))
    if not runs:
        runs["releasegate"] = _Run(tool="releasegate")
    repository = _repository_uri(repository_uri or "") or _repository_uri(decision.release.repo)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [run.to_json(decision, repository) for run in runs.values()],
    }


def render_sarif(decision: Decision, *, repository_uri: str | None = None) -> str:
    """The SARIF 2.1.0 log, indented, ending with a newline. See :func:`sarif_dict`."""
    log = sarif_dict(decision, repository_uri=repository_uri)
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
