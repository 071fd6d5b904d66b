"""The run's environment: the process environment, read once at the edge (the CLI)
and handed down in ``RunOptions`` and ``CheckContext``.

Checks find GitHub (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``), the
CI run (``GITHUB_RUN_ID``, ``GITHUB_REF``), their tools (``RELEASEGATE_SEMGREP``,
``RELEASEGATE_ZIZMOR``, ``RELEASEGATE_PYTHONS``) and the cache settings here, never
in ``os.environ``: a caller (the pre-push hook, a test) states what a run sees, and
nothing a run does changes the environment of the process. No module below the CLI
reads or writes ``os.environ`` (``tests/test_architecture.py`` holds it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class RunEnvironment:
    variables: Mapping[str, str] = field(default_factory=_empty, hash=False)

    @classmethod
    def of(cls, environ: Mapping[str, str]) -> RunEnvironment:
        """A frozen copy of ``environ`` (the CLI passes ``os.environ``)."""
        return cls(MappingProxyType(dict(environ)))

    def get(self, name: str) -> str | None:
        return self.variables.get(name)

    def with_values(self, values: Mapping[str, str]) -> RunEnvironment:
        """This environment with ``values`` set (the hook's GitHub settings, say)."""
        return RunEnvironment.of({**self.variables, **values})
