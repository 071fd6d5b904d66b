"""The environment stage commands run with: an allow-list, a scratch HOME, no secrets.

The code under test is the code under judgement: it must not see the tokens,
credentials or configuration of the pipeline that judges it. A stage command
gets only the variables it needs to find its tools and behave like CI
(``ALLOWED``: ``PATH``, locale, time zone, temp dir, CA bundles, the active
virtual environment or pyenv, the harmless parts of the CI environment), plus
the names the operator lists in ``RELEASEGATE_STAGE_ENV`` (comma-separated).
Secret-shaped names (``GITHUB_TOKEN``, ``*_TOKEN``, ``*_SECRET``, ``*_KEY``,
``*_PASSWORD`` and relatives, the SSH and GPG agent sockets) are never passed,
even when listed. ``HOME`` and the XDG directories point into a fresh scratch
directory, so ``~/.git-credentials``, ``~/.config/gh/hosts.yml``, ``~/.netrc``,
``~/.pypirc`` and the like are out of the command's way (nothing stops code
from reading an absolute path: the run's own secrets are simply not in its
environment). The report lists the names withheld, never their values, and
captured output is masked of the withheld values and of credential-shaped text
(``releasegate.redact``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_STAGE_ENV = "RELEASEGATE_STAGE_ENV"

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
ALLOWED = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "TMPDIR",
        "TEMP",
        "TMP",
        "SHELL",
        "USER",
        "LOGNAME",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "PIP_CERT",
        "NODE_EXTRA_CA_CERTS",
        "PYTHONPATH",
        "PYTHONHASHSEED",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONDONTWRITEBYTECODE",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "PYENV_ROOT",
        "PYENV_VERSION",
        "JAVA_HOME",
        "SOURCE_DATE_EPOCH",
        "CI",
        "GITHUB_ACTIONS",
        "GITHUB_WORKSPACE",
        "GITHUB_SHA",
        "GITHUB_REF",
        "GITHUB_REPOSITORY",
        "GITHUB_RUN_ID",
        "RUNNER_OS",
        "RUNNER_ARCH",
    }
)
ALLOWED_PREFIXES = ("LC_",)


def is_secret_name(name: str) -> bool:
    """Whether a variable of this name is kept from stage commands whatever the lists say."""
    upper = name.upper()
    return upper in SECRET_NAMES or upper.endswith(SECRET_SUFFIXES)


@dataclass(frozen=True, kw_only=True)
class StageEnvironment:
    env: dict[str, str]
    secrets_removed: tuple[str, ...]  # secret-shaped names withheld
    not_passed: tuple[str, ...]  # other names not on the allow-list
    withheld_values: tuple[str, ...]  # what captured output is masked of


def stage_environment(environ: Mapping[str, str], home: Path) -> StageEnvironment:
    """The environment of a stage command whose scratch HOME is ``home``."""
    extra = {n.strip() for n in environ.get(ENV_STAGE_ENV, "").split(",") if n.strip()}
    env: dict[str, str] = {}
    secrets: list[str] = []
    dropped: list[str] = []
    values: list[str] = []
    for name, value in environ.items():
        if is_secret_name(name):
            secrets.append(name)
            values.append(value)
        elif name in ALLOWED or name.startswith(ALLOWED_PREFIXES) or name in extra:
            env[name] = value
        elif name != ENV_STAGE_ENV:
            dropped.append(name)
    env["HOME"] = str(home)
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        env[name] = str(home / sub)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return StageEnvironment(
        env=env,
        secrets_removed=tuple(sorted(secrets)),
        not_passed=tuple(sorted(dropped)),
        withheld_values=tuple(v for v in values if v),
    )
