"""Shared fixtures: real git repositories made in temporary directories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rg_testlib import GitRepo

GITHUB_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_API_URL",
    "GITHUB_EVENT_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_SERVER_URL",
    "GITHUB_SHA",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_TOKEN",
)


@pytest.fixture(autouse=True)
def _no_ambient_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the GitHub environment of the machine running them."""
    for name in GITHUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test starts with an empty result cache of its own."""
    monkeypatch.setenv("RELEASEGATE_CACHE_DIR", str(tmp_path_factory.mktemp("rg-cache")))
    monkeypatch.setenv("RELEASEGATE_CONFIG_DIR", str(tmp_path_factory.mktemp("rg-config")))
    monkeypatch.delenv("RELEASEGATE_NO_CACHE", raising=False)
    monkeypatch.delenv("RELEASEGATE_CACHE_KEY", raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    yield GitRepo(tmp_path / "repo")
