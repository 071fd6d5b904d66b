"""Shared fixtures: real git repositories made in temporary directories."""

from __future__ import annotations

import os
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


# Where a test's analysis results are cached. The cache is content-addressed and
# authenticated, so results are the same whether an entry is found or made: most
# tests share one cache (as a developer's runs do), which spares each of them
# semgrep's start-up for files an earlier test already analysed. Tests about the
# cache or about how a tool is run get an empty one of their own.
FRESH_CACHE_DIRS = ("checks",)
FRESH_CACHE_FILES = ("test_cache.py",)
SHARED_CACHE_KEY = "releasegate-test-suite-shared-cache-key"


def _wants_fresh_cache(request: pytest.FixtureRequest) -> bool:
    if request.node.get_closest_marker("fresh_cache") is not None:
        return True
    path = request.path
    return path.name in FRESH_CACHE_FILES or path.parent.name in FRESH_CACHE_DIRS


@pytest.fixture(scope="session")
def _shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One cache per test session: under xdist the parent of a worker's base temp
    # dir is the session's (common to its workers); without xdist it is the base
    # temp dir itself. Never one that outlives the session (code under test changes).
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root = base / "rg-shared-cache"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(autouse=True)
def _own_cache(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    _shared_cache_dir: Path,
) -> None:
    """Each test starts with the suite's shared cache, or an empty one of its own."""
    monkeypatch.setenv("RELEASEGATE_CONFIG_DIR", str(tmp_path_factory.mktemp("rg-config")))
    monkeypatch.delenv("RELEASEGATE_NO_CACHE", raising=False)
    if _wants_fresh_cache(request):
        monkeypatch.setenv("RELEASEGATE_CACHE_DIR", str(tmp_path_factory.mktemp("rg-cache")))
        monkeypatch.delenv("RELEASEGATE_CACHE_KEY", raising=False)
    else:
        monkeypatch.setenv("RELEASEGATE_CACHE_DIR", str(_shared_cache_dir))
        monkeypatch.setenv("RELEASEGATE_CACHE_KEY", SHARED_CACHE_KEY)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    yield GitRepo(tmp_path / "repo")
