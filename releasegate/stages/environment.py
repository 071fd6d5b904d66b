"""The environment stage commands run with: releasegate's own, minus its secrets.

The code under test is the code under judgement: it must not see the tokens
of the pipeline that judges it. Removed are the GitHub Actions tokens, every
variable whose name ends in ``_TOKEN``, ``_SECRET``, ``_KEY``, ``_PASSWORD``
(and a few close relatives), compared case-insensitively, and the SSH and GPG
agent sockets (they sign and authenticate as the pipeline). The report lists
the names removed, never their values.
"""

from __future__ import annotations

from collections.abc import Mapping

SECRET_NAMES = frozenset(
    {
        "GITHUB_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "SSH_AUTH_SOCK",
        "GPG_AGENT_INFO",
        "TOKEN",
        "SECRET",
        "KEY",
        "PASSWORD",
    }
)
SECRET_SUFFIXES = (
    "_TOKEN",
    "_SECRET",
    "_KEY",
    "_PASSWORD",
    "_PASSWD",
    "_PASSPHRASE",
    "_CREDENTIALS",
)


def is_secret_name(name: str) -> bool:
    """Whether a variable of this name is kept from stage commands."""
    upper = name.upper()
    return upper in SECRET_NAMES or upper.endswith(SECRET_SUFFIXES)


def scrubbed(environ: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """``environ`` without secrets, and the sorted names that were removed."""
    kept: dict[str, str] = {}
    removed: list[str] = []
    for name, value in environ.items():
        if is_secret_name(name):
            removed.append(name)
        else:
            kept[name] = value
    return kept, tuple(sorted(removed))
