"""The evidence pack: for one release, what an auditor asks for when checking a
change-management control, with a human-readable index.

``releasegate evidence --out DIR`` writes the files; this module only says
what goes in the index (pure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from releasegate.model import Decision, JSONValue, Verdict
from releasegate.reports.escape import clean_text, markdown_text

INDEX = "index.md"


@dataclass(frozen=True, kw_only=True)
class PackFile:
    name: str
    proves: str


def verdict_line(decision: Decision) -> str:
    if decision.verdict is Verdict.PASS:
        return "PASS: may ship"
    if decision.verdict is Verdict.PARTIAL_PASS:
        not_run = ", ".join(decision.not_run)
        return f"PARTIAL: checks passed, not a release certification (not run: {not_run})"
    return "BLOCK: may not ship"


def _code(text: str) -> str:
    """Inline code for values like digests and commit ids: inert, one line, no backticks."""
    safe = clean_text(text).replace("`", "'").strip()
    return f"`{safe}`" if safe else "(none)"


def _signoff_lines(used: Mapping[str, JSONValue] | None) -> list[str]:
    if used is None:
        return ["- **Security sign-off:** none accepted"]
    route = used.get("route")
    if route == "ssh":
        return [
            f"- **Security sign-off:** SSH-signed by {markdown_text(str(used.get('principal')))} "
            f"(key {_code(str(used.get('key')))}) at {_code(str(used.get('signed_at')))}, "
            f"valid until {_code(str(used.get('expires')))}",
            f"- **Sign-off statement digest:** {_code(str(used.get('statement_digest')))}",
        ]
    accepted = used.get("accepted")
    who = []
    if isinstance(accepted, list):
        for item in accepted:
            if isinstance(item, dict):
                who.append(f"{item.get('login')} ({item.get('how')})")
    return [
        f"- **Security sign-off:** GitHub approval by a member of "
        f"{markdown_text(str(used.get('team')))}: {markdown_text(', '.join(who))}"
    ]


def index_markdown(
    decision: Decision,
    *,
    files: Sequence[PackFile],
    evidence_digest: str,
    signoff: Mapping[str, JSONValue] | None,
    audit_records: int,
    generated_at: dt.datetime,
) -> str:
    release = decision.release
    verdict = verdict_line(decision)
    lines = [
        f"# Release evidence for {_code(release.commit)}",
        "",
        f"- **Verdict:** {verdict}",
        f"- **Commit:** {_code(release.commit)}"
        + (f" ({markdown_text(release.ref)})" if release.ref else ""),
        f"- **Range:** {_code(release.base or '')}..{_code(release.commit)} "
        f"({release.commits} commit(s); base: {markdown_text(release.base_source)})",
        f"- **Repository:** {markdown_text(release.repo)}",
        f"- **Policy:** {markdown_text(decision.policy.source)}, digest "
        f"{_code(decision.policy.digest)}"
        + ("" if decision.policy.trusted else " (**untrusted**: a local experiment)"),
        f"- **Evidence digest:** {_code(evidence_digest)}",
        *_signoff_lines(signoff),
        f"- **Generated:** {generated_at.astimezone(dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ} "
        f"by releasegate {_code(decision.tool_version)}",
        "",
    ]
    if decision.blocking_reasons:
        lines += ["## Why it is blocked", ""]
        lines += [f"- {markdown_text(r.message, max_chars=500)}" for r in decision.blocking_reasons]
        lines.append("")
    lines += [
        "## Checks",
        "",
        "| Check | Stage | Status |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {markdown_text(c.id)} | {c.stage.value} | {c.status.value} |" for c in decision.checks
    ]
    lines += ["", "## Files", "", "| File | What it proves |", "| --- | --- |"]
    lines += [f"| `{f.name}` | {f.proves} |" for f in files]  # releasegate's own text
    lines += [
        "",
        "## How to check it",
        "",
        "- The sign-off: `ssh-keygen -Y verify -f ALLOWED_SIGNERS -I PRINCIPAL -n releasegate "
        "-s signoff-statement.json.sig < signoff-statement.json`, with the allowed signers "
        "file as it is at the base commit of the range.",
        "- The attestation, when signed (a DSSE envelope): `releasegate verify-attestation "
        "attestation.json --allowed-signers GATE_SIGNERS --commit COMMIT`, offline.",
        f"- The audit trail: the excerpt holds the {audit_records} record(s) of this commit; "
        "`releasegate audit verify --audit-log FILE` checks the whole chain, and each "
        "record's `digest` must appear in it.",
        "- The decision itself: `releasegate run --head COMMIT --base BASE` on the same "
        "commit gives the same evidence digest while the evidence is unchanged.",
        "",
    ]
    return "\n".join(lines)
