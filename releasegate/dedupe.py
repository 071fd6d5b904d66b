"""One weakness on one line is one finding, whichever tools reported it.

bandit and semgrep often flag the same line for the same weakness. Two static
findings from different tools are the same weakness when they are on the same
file and line and either share a CWE or are a pair the rule pack declares
(``checks/same-weakness.toml``). Such a group becomes one finding:

- the report that ranks first (highest severity, then confidence, then tool and
  rule id: an order that does not depend on which tool finished first) is kept,
  with its fingerprint, so baselines and waivers keep matching it;
- the severity and confidence are the highest of the group;
- the others are listed in ``Finding.also`` (tool, rule id, fingerprint, and their
  own severity and confidence, which ``decide`` judges each against the policy).

The merged finding stays in the check of the report that was kept; the other
check's result loses it (the evidence the sign-off binds is computed before, from
every tool's own report, and is unchanged).
Reports that something accepts are never merged: one a justified in-code
suppression waives, one in the baseline, one a policy waiver matches. Each is
judged on its own, so accepting one tool's report never accepts another tool's
(``releasegate.suppression_comments.apply`` also waives a merged finding only when every
tool's report is suppressed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from releasegate.model import AlsoReported, CheckResult, Finding, Stage
from releasegate.rulepack_files import same_weakness


def reports(finding: Finding) -> list[Finding]:
    """Each tool's own report in ``finding``: itself, then one per ``also`` entry."""
    return [
        finding,
        *(
            dataclasses.replace(
                finding,
                tool=also.tool,
                rule_id=also.rule_id,
                fingerprint=also.fingerprint,
                severity=also.severity,
                confidence=also.confidence,
                also=(),
            )
            for also in finding.also
        ),
    ]


def _rank(finding: Finding) -> tuple[int, int, str, str, str]:
    return (
        -finding.severity.rank,
        -finding.confidence.rank,
        finding.tool,
        finding.rule_id,
        finding.fingerprint,
    )


def _same(a: Finding, b: Finding, pairs: frozenset[frozenset[str]]) -> bool:
    if a.tool == b.tool or a.waived or b.waived:
        return False
    return bool(set(a.cwe) & set(b.cwe)) or frozenset((a.rule_id, b.rule_id)) in pairs


Mergeable = Callable[[Finding], bool]


def _groups(items: list[tuple[int, int, Finding]]) -> list[list[tuple[int, int, Finding]]]:
    """Connected components of the same-weakness relation (union-find)."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = same_weakness()
    for i, (_, _, a) in enumerate(items):
        for j in range(i + 1, len(items)):
            if _same(a, items[j][2], pairs):
                parent[root(i)] = root(j)
    groups: dict[int, list[tuple[int, int, Finding]]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    return [group for group in groups.values() if len(group) > 1]


def merge_duplicates(
    results: Sequence[CheckResult], mergeable: Mergeable = lambda finding: True
) -> list[CheckResult]:
    """``results`` with each static weakness reported by several tools merged into one.

    Only reports ``mergeable`` accepts take part: ``decide`` keeps out every report a
    baseline entry, a policy waiver or an in-code suppression touches, so that each is
    judged on its own and accepting one tool's report never accepts another's."""
    by_place: dict[tuple[str, int], list[tuple[int, int, Finding]]] = {}
    for r_index, result in enumerate(results):
        if result.stage is not Stage.STATIC:
            continue
        for f_index, finding in enumerate(result.findings):
            if finding.waived or not mergeable(finding):
                continue
            by_place.setdefault((finding.path, finding.line), []).append(
                (r_index, f_index, finding)
            )
    replaced: dict[tuple[int, int], Finding] = {}
    dropped: dict[int, set[int]] = {}
    for items in by_place.values():
        if len({finding.tool for _, _, finding in items}) < 2:
            continue
        for group in _groups(items):
            group.sort(key=lambda item: _rank(item[2]))
            (r_keep, f_keep, kept), others = group[0], group[1:]
            also = tuple(
                AlsoReported(
                    tool=f.tool,
                    rule_id=f.rule_id,
                    fingerprint=f.fingerprint,
                    severity=f.severity,
                    confidence=f.confidence,
                )
                for _, _, f in others
            )
            cwe = tuple(sorted({c for _, _, f in group for c in f.cwe}))
            replaced[(r_keep, f_keep)] = dataclasses.replace(
                kept,
                also=(*kept.also, *also),
                cwe=cwe,
                severity=max(f.severity for _, _, f in group),
                confidence=max(f.confidence for _, _, f in group),
            )
            for r_index, f_index, _ in others:
                dropped.setdefault(r_index, set()).add(f_index)
    if not replaced:
        return list(results)
    merged: list[CheckResult] = []
    for r_index, result in enumerate(results):
        gone = dropped.get(r_index, set())
        findings = tuple(
            replaced.get((r_index, f_index), finding)
            for f_index, finding in enumerate(result.findings)
            if f_index not in gone
        )
        same = findings == result.findings
        merged.append(result if same else dataclasses.replace(result, findings=findings))
    return merged
