"""CODEOWNERS, read the way GitHub reads it.

- One file is used: ``.github/CODEOWNERS``, else ``CODEOWNERS`` at the root,
  else ``docs/CODEOWNERS`` (GitHub's precedence), always from the trusted base.
- Each line is a pattern followed by owners (``@login``, ``@org/team-slug`` or
  an e-mail address); ``#`` starts a comment; a pattern without owners makes
  its paths unowned. The **last** matching line wins.
- Patterns follow gitignore's rules as GitHub documents them: a leading ``/``
  anchors at the root, as does a ``/`` inside the pattern; otherwise the
  pattern matches at any depth; a trailing ``/`` matches everything below a
  directory; ``*`` does not cross ``/``, ``**`` does; a pattern naming a
  directory owns everything under it, but ``docs/*`` owns only the files
  directly in ``docs/``.
- GitHub skips lines it cannot read (negation ``!``, character ranges
  ``[...]``, malformed owners). Skipping could silently drop an owner, so such a
  line is an error here (fail closed), naming the line.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from releasegate.errors import ConfigError

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

_USER = re.compile(r"@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)")
_TEAM = re.compile(r"@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)/([A-Za-z0-9_.-]+)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class CodeOwnersError(ConfigError):
    """A CODEOWNERS line releasegate cannot read the way GitHub would."""


class OwnerKind(enum.Enum):
    USER = "user"
    TEAM = "team"
    EMAIL = "email"


@dataclass(frozen=True, kw_only=True)
class Owner:
    text: str
    kind: OwnerKind
    login: str = ""  # USER
    org: str = ""  # TEAM
    team: str = ""  # TEAM

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        if match := _TEAM.fullmatch(text):
            return cls(text=text, kind=OwnerKind.TEAM, org=match[1], team=match[2])
        if match := _USER.fullmatch(text):
            return cls(text=text, kind=OwnerKind.USER, login=match[1])
        if _EMAIL.fullmatch(text):
            return cls(text=text, kind=OwnerKind.EMAIL)
        return None


@dataclass(frozen=True, kw_only=True)
class Rule:
    pattern: str
    line: int
    owners: tuple[Owner, ...]
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        return self.regex.match(path) is not None


@dataclass(frozen=True, kw_only=True)
class CodeOwners:
    source: str
    rules: tuple[Rule, ...]

    def rule_for(self, path: str) -> Rule | None:
        """The last rule matching ``path`` (None: no rule matches)."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule
        return None

    def owners_of(self, path: str) -> tuple[Owner, ...]:
        rule = self.rule_for(path)
        return rule.owners if rule is not None else ()


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        ch = segment[index]
        if ch == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
        index += 1
    return "".join(out)


def translate(pattern: str) -> re.Pattern[str]:
    """The regular expression matching the repository paths ``pattern`` owns."""
    anchored = pattern.startswith("/")
    body = pattern[1:] if anchored else pattern
    directory_only = body.endswith("/")
    body = body.rstrip("/")
    if "/" in body:
        anchored = True
    segments = body.split("/")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        parts.append(_segment_regex(segment))
        if not last:
            parts.append("/")
    prefix = "" if anchored else "(?:.*/)?"
    last_segment = segments[-1]
    if directory_only:
        suffix = "/.*"
    elif last_segment in ("*", "**"):
        suffix = ""  # docs/* owns docs/a.md, not docs/sub/b.md
    else:
        suffix = "(?:/.*)?"  # a file, or everything under a directory of that name
    return re.compile("^" + prefix + "".join(parts) + suffix + "$", re.DOTALL)


def _tokens(line: str) -> list[str]:
    """Whitespace-separated tokens; ``\\`` escapes the next character; an unescaped
    ``#`` at the start of a token begins a comment."""
    tokens: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == "\\" and index + 1 < len(line):
            current.append(line[index + 1])
            index += 2
            continue
        if ch.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        elif ch == "#" and not current:
            break
        else:
            current.append(ch)
        index += 1
    if current:
        tokens.append("".join(current))
    return tokens


def parse_codeowners(text: str, source: str) -> CodeOwners:
    """Parse CODEOWNERS ``text``. Raises ``CodeOwnersError`` naming an unreadable line."""
    rules: list[Rule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = _tokens(raw.strip())
        if not tokens:
            continue
        pattern, owner_texts = tokens[0], tokens[1:]
        where = f"{source}:{number}"
        why = None
        if pattern.startswith("!"):
            why = "negation ('!') is not supported by GitHub"
        elif "[" in pattern or "]" in pattern:
            why = "character ranges ('[...]') are not supported by GitHub"
        elif pattern in ("/", "//") or "//" in pattern:
            why = f"{pattern!r} is not a path pattern"
        if why is not None:
            raise CodeOwnersError(
                f"{where}: {why}; GitHub skips this line, so who owns its paths is unclear",
                hint="fix or remove the line",
            )
        owners: list[Owner] = []
        for owner_text in owner_texts:
            owner = Owner.parse(owner_text)
            if owner is None:
                raise CodeOwnersError(
                    f"{where}: {owner_text[:80]!r} is not an owner (@login, @org/team or "
                    "an e-mail address); GitHub skips this line",
                    hint="fix or remove the line",
                )
            owners.append(owner)
        rules.append(
            Rule(pattern=pattern, line=number, owners=tuple(owners), regex=translate(pattern))
        )
    return CodeOwners(source=source, rules=tuple(rules))


def load_codeowners(read: Callable[[str], bytes | None], where: str) -> CodeOwners | None:
    """The CODEOWNERS file GitHub would use, read through ``read(path)``; None if absent.

    ``where`` says where it was read from (e.g. "at base 1a2b3c4d5e6f").
    """
    for path in LOCATIONS:
        data = read(path)
        if data is None:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CodeOwnersError(f"{path} ({where}): not UTF-8 text") from None
        return parse_codeowners(text, f"{path} ({where})")
    return None


def owned_paths(owners: CodeOwners, paths: Sequence[str]) -> dict[str, Rule]:
    """The paths among ``paths`` that have owners, with the rule that owns each."""
    out: dict[str, Rule] = {}
    for path in paths:
        rule = owners.rule_for(path)
        if rule is not None and rule.owners:
            out[path] = rule
    return out
