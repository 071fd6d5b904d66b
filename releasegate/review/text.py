"""How the review check names things in its reasons: short shas, quoted untrusted text.

Titles, subjects and logins are untrusted: they become one display line here
(no controls, no escape sequences, bounded length); the reporters encode them
for their format.
"""

from __future__ import annotations

from releasegate.context import CommitInfo
from releasegate.reports.escape import clean_text, shorten

_TITLE_CHARS = 100


def short(sha: str | None) -> str:
    return (sha or "unknown")[:7]


def quoted(text: str, limit: int = _TITLE_CHARS) -> str:
    """Untrusted text (a title, a subject) as one quoted display line."""
    return "'" + shorten(clean_text(text), limit) + "'"


def describe_commit(commit: CommitInfo) -> str:
    return f"{short(commit.sha)} {quoted(commit.subject)}"
