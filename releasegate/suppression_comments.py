"""Governed in-code suppressions: ``# nosec`` and ``# nosemgrep``.

The scanners run with their own suppression handling off (bandit
``--ignore-nosec``, semgrep ``--disable-nosem``); releasegate reads the
comments itself:

- a *justified* suppression names the rule(s) and says why, e.g.
  ``# nosec B602 -- the command is a constant list`` or
  ``# nosemgrep: releasegate.python.sqli.formatted-sql-to-execute -- table name
  comes from an allow-list``. It waives exactly the named rules' findings on
  its line (for semgrep, also on the line below a comment that stands alone)
  and is listed in the report with who added it (git blame);
- a bare or unexplained suppression (``# nosec``, ``# nosec B602``,
  ``# nosemgrep``) suppresses nothing and is a blocking finding of its own.
"""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.dedupe import reports
from releasegate.fingerprint import Located, fingerprints
from releasegate.model import Confidence, Finding, Severity

TOOL = "releasegate"
UNJUSTIFIED = "releasegate.unjustified-suppression"
JUSTIFIED = "releasegate.justified-suppression"
_MARKER = re.compile(r"#\s*(?P<marker>nosec|nosemgrep|nosem)\b(?P<rest>[^#]*)", re.IGNORECASE)
_RULE_ID = re.compile(r"^[A-Za-z][\w.\-]*$")
_REASON_SEPARATOR = re.compile(r"\s--\s|\s—\s|^--\s|^—\s")
_PREFILTER = (b"nosec", b"nosem", b"NOSEC", b"NOSEM")
_TOOLS = {"nosec": "bandit", "nosemgrep": "semgrep", "nosem": "semgrep"}
_EXAMPLES = {
    "bandit": "`# nosec B602 -- why this is safe`",
    "semgrep": "`# nosemgrep: <rule-id> -- why this is safe`",
}


@dataclass(frozen=True, kw_only=True)
class Suppression:
    path: str
    line: int
    standalone: bool
    marker: str
    rule_ids: tuple[str, ...]
    reason: str
    comment: str

    @property
    def tool(self) -> str:
        return _TOOLS[self.marker]

    @property
    def justified(self) -> bool:
        return bool(self.rule_ids) and bool(self.reason)

    def covers(self, finding: Finding) -> bool:
        if not self.justified or finding.tool != self.tool or finding.path != self.path:
            return False
        if finding.rule_id not in self.rule_ids:
            return False
        first = finding.line - 1 if self.standalone and self.tool == "semgrep" else finding.line
        last = finding.end_line or finding.line
        return first <= self.line <= last


def parse_comment(comment: str) -> tuple[str, tuple[str, ...], str] | None:
    """(marker, rule ids, reason) of a suppression comment, or None if it is not one."""
    found = _MARKER.search(comment)
    if found is None:
        return None
    marker = found["marker"].lower()
    rest = found["rest"].strip().lstrip(":").strip()
    split = _REASON_SEPARATOR.split(rest, maxsplit=1)
    ids_text = split[0] if len(split) == 2 else rest
    reason = split[1].strip() if len(split) == 2 else ""
    ids = tuple(part for part in re.split(r"[\s,]+", ids_text) if part)
    if not all(_RULE_ID.match(part) for part in ids):
        # Free text without a separator: no rule id can be trusted from it.
        return marker, (), ""
    return marker, ids, reason


def _comments(source: bytes) -> Iterable[tuple[int, bool, str]]:
    """(line, stands alone, text) of every comment in Python source."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        # Unparseable files are reported by the scanners; fall back to lines.
        text = source.decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" in line:
                yield number, line.lstrip().startswith("#"), line[line.index("#") :]
        return
    for token in tokens:
        if token.type == tokenize.COMMENT:
            standalone = not token.line[: token.start[1]].strip()
            yield token.start[0], standalone, token.string


def find_suppressions(tree: Path, files: Sequence[str]) -> list[Suppression]:
    found: list[Suppression] = []
    for path in files:
        try:
            source = (tree / path).read_bytes()
        except OSError:
            continue
        if not any(marker in source for marker in _PREFILTER):
            continue
        for line, standalone, comment in _comments(source):
            parsed = parse_comment(comment)
            if parsed is None:
                continue
            marker, ids, reason = parsed
            found.append(
                Suppression(
                    path=path,
                    line=line,
                    standalone=standalone,
                    marker=marker,
                    rule_ids=ids,
                    reason=reason,
                    comment=" ".join(comment.split())[:200],
                )
            )
    return found


def apply(findings: Sequence[Finding], suppressions: Sequence[Suppression]) -> list[Finding]:
    """Waive the findings a justified suppression covers; leave the rest untouched."""
    by_path: dict[str, list[Suppression]] = {}
    for suppression in suppressions:
        if suppression.justified:
            by_path.setdefault(suppression.path, []).append(suppression)
    result = []
    for finding in findings:
        here = by_path.get(finding.path, ())
        # A finding several tools reported (releasegate.dedupe) is waived only when each
        # tool's report is suppressed: a `# nosec` does not silence semgrep's report.
        covered = all(any(s.covers(report) for s in here) for report in reports(finding))
        result.append(dataclasses.replace(finding, waived=True) if covered else finding)
    return result


def suppression_findings(
    suppressions: Sequence[Suppression], authors: dict[tuple[str, int], str]
) -> list[Finding]:
    """A blocking finding per unjustified suppression; a waived, listed one per justified."""
    located = [
        Located(
            tool=TOOL,
            rule_id=UNJUSTIFIED if not s.justified else JUSTIFIED,
            path=s.path,
            line=s.line,
            code=s.comment,
        )
        for s in suppressions
    ]
    findings = []
    for suppression, fingerprint in zip(suppressions, fingerprints(located), strict=True):
        if suppression.justified:
            author = authors.get((suppression.path, suppression.line))
            by = f" (added by {author})" if author else ""
            findings.append(
                Finding(
                    tool=TOOL,
                    rule_id=JUSTIFIED,
                    rule_name="justified-suppression",
                    severity=Severity.INFO,
                    confidence=Confidence.HIGH,
                    path=suppression.path,
                    line=suppression.line,
                    message=f"{suppression.tool} finding(s) {', '.join(suppression.rule_ids)} "
                    f"suppressed in code: {suppression.reason}{by}",
                    fingerprint=fingerprint,
                    waived=True,
                )
            )
            continue
        missing = "a rule id and a reason" if not suppression.rule_ids else "a reason"
        findings.append(
            Finding(
                tool=TOOL,
                rule_id=UNJUSTIFIED,
                rule_name="unjustified-suppression",
                severity=Severity.HIGH,
                confidence=Confidence.HIGH,
                path=suppression.path,
                line=suppression.line,
                message=f"`{suppression.comment}` suppresses {suppression.tool} findings "
                f"without {missing}: write {_EXAMPLES[suppression.tool]}, or remove it; "
                "it suppresses nothing until then",
                fingerprint=fingerprint,
            )
        )
    return findings
