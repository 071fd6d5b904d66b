"""The review part of the Markdown summary, from the ``review`` check's evidence.

A pure function of the evidence (plain JSON data), for the Markdown reporter:
per pull request, who approved, which approvals did not count and why; in git
mode, per commit, the trailers and the signature. Every value is untrusted and
goes through ``markdown_text``.
"""

from __future__ import annotations

from collections.abc import Mapping

from releasegate.model import JSONValue
from releasegate.reports.escape import markdown_text

_DASH = "\N{EN DASH}"
_CELL = 120
_TITLE = 80
PULL_HEADER = (
    "| PR | Title | Author | Approved by | Did not count | Verdict |",
    "| ---: | --- | --- | --- | --- | --- |",
)
COMMIT_HEADER = (
    "| Commit | Subject | Reviewers (trailers) | Signature | Verdict |",
    "| --- | --- | --- | --- | --- |",
)


def _text(value: JSONValue, limit: int = _CELL) -> str:
    if value is None or value == "":
        return _DASH
    return markdown_text(str(value), max_chars=limit)


def _items(value: JSONValue) -> list[Mapping[str, JSONValue]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _rejected(items: JSONValue) -> str:
    parts = []
    for item in _items(items):
        who = item.get("reviewer") or "deleted account"
        parts.append(f"{who} ({item.get('reason')})")
    return _text(", ".join(parts)) if parts else _DASH


def _pull_row(pull: Mapping[str, JSONValue]) -> str:
    approvers = pull.get("approvers")
    approved_by = ", ".join(str(a) for a in approvers) if isinstance(approvers, list) else ""
    if pull.get("allowed_bot"):
        verdict = "✅ allowed bot"
    elif pull.get("approved"):
        verdict = "✅ approved"
    else:
        problems = pull.get("problems")
        first = problems[0] if isinstance(problems, list) and problems else "not approved"
        verdict = "❌ " + _text(first)
    cells = [
        _text(f"#{pull.get('number')}"),
        _text(pull.get("title"), _TITLE),
        _text(pull.get("author")),
        _text(approved_by),
        _rejected(pull.get("rejected_approvals")),
        verdict,
    ]
    return "| " + " | ".join(cells) + " |"


def _commit_row(commit: Mapping[str, JSONValue]) -> str:
    sha = str(commit.get("sha") or "")
    reviewers = commit.get("reviewers")
    names = ", ".join(str(r) for r in reviewers) if isinstance(reviewers, list) else ""
    signature = str(commit.get("signature") or "")
    if commit.get("signer"):
        signature += f" ({commit.get('signer')})"
    verdict = "✅ " if commit.get("covered") else "❌ "
    cells = [
        f"`{sha[:7]}`" if sha.isalnum() else _text(sha),
        _text(commit.get("subject"), _TITLE),
        _text(names),
        _text(signature),
        verdict + _text(commit.get("how")),
    ]
    return "| " + " | ".join(cells) + " |"


def review_rows(evidence: Mapping[str, JSONValue]) -> tuple[tuple[str, ...], list[str]]:
    """(table header, rows) for the review evidence; no rows when there is nothing to show."""
    if evidence.get("source") == "git":
        return COMMIT_HEADER, [_commit_row(c) for c in _items(evidence.get("commits"))]
    return PULL_HEADER, [_pull_row(p) for p in _items(evidence.get("pull_requests"))]
