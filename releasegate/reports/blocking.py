"""What the terminal and the summary show first when a release is blocked.

Every blocking reason of the top level (one line per failing or erroring check, and
the range's own reasons such as a missing sign-off) is shown, always, whatever the
number of findings. Then the blocking findings, grouped by check, at most
``FINDINGS_PER_CHECK`` per check, each with its whole message (the fix is at its
end, so a message is never cut short of a generous safety limit), its help link and
the owners who must act (CODEOWNERS of the trusted base) and what hangs under it
(an expired waiver). The JSON report lists every finding.

Both reporters render this one view, each in its own format and escaping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from releasegate.model import Decision, Finding, Reason

FINDINGS_PER_CHECK = 10
# A message longer than this is cut (a hostile tool could print megabytes); real
# messages with their fix are far shorter.
MESSAGE_CHARS = 2000


@dataclass(frozen=True, kw_only=True)
class FindingRow:
    message: str
    help_uri: str = ""
    owners: tuple[str, ...] = ()  # who must act (CODEOWNERS of the trusted base)
    details: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CheckGroup:
    check: str
    count: int  # blocking findings of the check
    rows: tuple[FindingRow, ...]  # one per finding, or per vulnerable pin
    omitted: int = 0  # rows not shown


@dataclass(frozen=True, kw_only=True)
class BlockingView:
    headlines: tuple[str, ...]
    groups: tuple[CheckGroup, ...]


def _blocking(nodes: tuple[Reason, ...]) -> Iterator[Reason]:
    return (node for node in nodes if node.blocking)


def _details(node: Reason) -> Iterator[str]:
    for child in _blocking(node.children):
        yield child.message
        yield from _details(child)


def blocking_view(decision: Decision, *, per_check: int = FINDINGS_PER_CHECK) -> BlockingView:
    by_fingerprint: dict[str, Finding] = {f.fingerprint: f for f in decision.findings}
    headlines: list[str] = []
    groups: list[CheckGroup] = []
    for node in _blocking(decision.blocking_reasons):
        headlines.append(node.message)
        children = list(_blocking(node.children))
        if not children:
            continue
        rows = []
        for child in children[:per_check]:
            finding = by_fingerprint.get(child.finding or "")
            rows.append(
                FindingRow(
                    message=child.message,
                    help_uri=finding.help_uri if finding is not None else "",
                    owners=decision.owners.get(finding.path, ()) if finding is not None else (),
                    details=tuple(_details(child)),
                )
            )
        count = sum(
            1 for c in decision.checks if c.id == node.check for f in c.findings if f.blocking
        )
        groups.append(
            CheckGroup(
                check=node.check or node.message,
                count=count or len(children),
                rows=tuple(rows),
                omitted=len(children) - len(rows),
            )
        )
    return BlockingView(headlines=tuple(headlines), groups=tuple(groups))
