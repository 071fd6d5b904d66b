"""The review table of the Markdown summary: per pull request, who approved and which
approvals did not count and why; untrusted text stays inert."""

from __future__ import annotations

import re

from releasegate.model import JSONValue
from releasegate.reports.review_table import COMMIT_HEADER, PULL_HEADER, review_rows

PULLS: dict[str, JSONValue] = {
    "source": "github",
    "pull_requests": [
        {
            "number": 12,
            "title": "Fix | @everyone [click](https://evil.example)",
            "author": "alice",
            "approved": False,
            "approvers": [],
            "allowed_bot": False,
            "rejected_approvals": [
                {"reviewer": "bob", "reason": "stale"},
                {"reviewer": None, "reason": "null user"},
                {"reviewer": "carol", "reason": "dismissed"},
            ],
            "problems": ["has 0 of 1 required approvals at its final head 9f8e7d6: ..."],
        },
        {
            "number": 13,
            "title": "Docs",
            "author": "dave",
            "approved": True,
            "approvers": ["bob", "carol"],
            "allowed_bot": False,
            "rejected_approvals": [],
            "problems": [],
        },
    ],
}


def test_each_pull_request_shows_approvers_and_rejected_approvals_with_reasons() -> None:
    header, rows = review_rows(PULLS)
    assert header == PULL_HEADER
    first, second = rows
    assert "bob (stale), deleted account (null user), carol (dismissed)" in first
    assert "❌ has 0 of 1 required approvals" in first
    assert second.startswith("| \\#13 | Docs | dave | bob, carol | \N{EN DASH} | ✅ approved |")


def test_untrusted_title_cannot_break_the_table_or_mention_or_link() -> None:
    _, rows = review_rows(PULLS)
    cells = rows[0].split(" | ")
    assert len(rows[0].split("|")) - rows[0].count("\\|") == 8  # 6 cells, no injected pipe
    assert "@everyone" not in cells[1] and "@\u200deveryone" in cells[1]
    assert not re.search(r"(?<!\\)\]\(https", cells[1])  # the bracket is escaped


def test_git_mode_shows_trailers_and_signatures() -> None:
    evidence: dict[str, JSONValue] = {
        "source": "git",
        "commits": [
            {
                "sha": "a" * 40,
                "subject": "Add x",
                "reviewers": ["Bob <bob@example.com>"],
                "signature": "good",
                "signer": "maintainer@example.com",
                "covered": True,
                "how": "its own trailers",
            }
        ],
    }
    header, [row] = review_rows(evidence)
    assert header == COMMIT_HEADER
    assert row.startswith(
        "| `aaaaaaa` | Add x | Bob &lt;bob@\u200dexample.com&gt; | "
        "good (maintainer@\u200dexample.com) |"
    )
    assert "✅ its own trailers" in row


def test_nothing_to_show_without_pull_requests() -> None:
    assert review_rows({"source": "github"})[1] == []
