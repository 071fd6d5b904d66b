"""CODEOWNERS parsing and matching, as GitHub documents them."""

from __future__ import annotations

import pytest

from releasegate.review.codeowners import (
    CodeOwnersError,
    OwnerKind,
    load_codeowners,
    parse_codeowners,
)

# GitHub's documented example file (abridged), with its documented outcomes.
GITHUB_EXAMPLE = """\
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


def owners(text: str, path: str) -> list[str]:
    return [owner.text for owner in parse_codeowners(text, "CODEOWNERS").owners_of(path)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("README.md", ["@global-owner1", "@global-owner2"]),
        ("src/app.js", ["@js-owner"]),  # inline comment dropped
        ("main.go", ["docs@example.com"]),
        ("notes/a.txt", ["@octo-org/octocats"]),
        ("build/logs/x.log", ["@octocat"]),  # **/logs comes later and wins
        ("docs/getting-started.md", ["@doctocat"]),  # /docs/ comes after docs/*
        ("scripts/deploy.sh", ["@doctocat", "@octocat"]),
        ("deep/down/logs/today.log", ["@octocat"]),
        ("apps/web/index.html", ["@octocat"]),
        ("apps/github/index.html", []),  # a pattern without owners: unowned
    ],
)
def test_github_documented_example(path: str, expected: list[str]) -> None:
    assert owners(GITHUB_EXAMPLE, path) == expected


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("docs/*", "docs/a.md", True),
        ("docs/*", "docs/build-app/troubleshooting.md", False),
        ("docs/", "docs/build-app/troubleshooting.md", True),
        ("apps/", "x/apps/y.py", True),  # no inner slash: any depth
        ("/apps/", "x/apps/y.py", False),  # anchored
        ("src/app", "src/app/main.py", True),  # a directory owns its contents
        ("src/app", "lib/src/app/main.py", False),  # an inner slash anchors
        ("*.py", "a/b/c.py", True),
        ("a/**/b", "a/x/y/b/c.txt", True),
        ("a/**/b", "a/b", True),
        ("docs/**", "docs/x/y.md", True),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file10.txt", False),
        ("*", "any/thing/at/all", True),
    ],
)
def test_pattern_semantics(pattern: str, path: str, matches: bool) -> None:
    rules = parse_codeowners(f"{pattern} @owner\n", "CODEOWNERS").rules
    assert rules[0].matches(path) is matches


def test_last_matching_pattern_wins() -> None:
    text = "src/ @core\nsrc/legacy/ @legacy\n*.md @docs\n"
    assert owners(text, "src/legacy/README.md") == ["@docs"]
    assert owners(text, "src/legacy/a.py") == ["@legacy"]
    assert owners(text, "src/a.py") == ["@core"]
    assert owners(text, "setup.py") == []


def test_owner_kinds_and_escapes() -> None:
    parsed = parse_codeowners("a\\ b.txt @user @org/team-x dev@example.com\n", "CODEOWNERS")
    [rule] = parsed.rules
    assert rule.matches("a b.txt")
    assert [o.kind for o in rule.owners] == [OwnerKind.USER, OwnerKind.TEAM, OwnerKind.EMAIL]
    assert (rule.owners[1].org, rule.owners[1].team) == ("org", "team-x")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("!src/ @a", "negation"),
        ("src/[ab].py @a", "character ranges"),
        ("src/ owner-without-at", "is not an owner"),
    ],
)
def test_lines_github_would_skip_are_errors(line: str, why: str) -> None:
    with pytest.raises(CodeOwnersError) as err:
        parse_codeowners(f"# ok\n{line}\n", "CODEOWNERS (at base 1234)")
    assert err.value.message.startswith("CODEOWNERS (at base 1234):2: ")
    assert why in err.value.message


def test_location_precedence_follows_github() -> None:
    files = {
        "CODEOWNERS": b"* @root\n",
        "docs/CODEOWNERS": b"* @docs\n",
        ".github/CODEOWNERS": b"* @dotgithub\n",
    }

    def read_all(path: str) -> bytes | None:
        return files.get(path)

    found = load_codeowners(read_all, "at base abc")
    assert found is not None and found.source == ".github/CODEOWNERS (at base abc)"
    del files[".github/CODEOWNERS"]
    found = load_codeowners(read_all, "at base abc")
    assert found is not None and found.owners_of("x")[0].text == "@root"
    del files["CODEOWNERS"]
    found = load_codeowners(read_all, "at base abc")
    assert found is not None and found.owners_of("x")[0].text == "@docs"
    assert load_codeowners(lambda path: None, "at base abc") is None
