"""HTTP redirects and the GitHub client: followed (with the token) only while they stay
under the API root; a redirect to another host, scheme or port, out of the root, in a
loop or past the cap is a one-line ForgeResponseError naming the status and where it
pointed, never the token, and the review check errors (fails closed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakegithub import ALICE, BOB, TOKEN, FakeGitHub, FakePull, Fault, Forge, policy_text
from rg_testlib import GitRepo

from releasegate.checkapi import CheckContext
from releasegate.checks.review import ReviewCheck
from releasegate.context import resolve_context
from releasegate.errors import ForgeResponseError
from releasegate.forge.client import ClientSettings, GitHubClient, config_from_env
from releasegate.model import Status
from releasegate.policy.loader import parse_policy
from releasegate.procs import ToolRunner


class NoSleep:
    def now(self) -> float:
        return 1_800_000_000.0

    def monotonic(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        return None


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def other() -> Iterator[FakeGitHub]:
    """A second GitHub on another port of the same address, with the same token."""
    with FakeGitHub() as server:
        server.add_pull(FakePull(number=1, title="t", author=None, head_sha="f" * 40))
        yield server


def client(gh: FakeGitHub, **settings: Any) -> GitHubClient:
    return GitHubClient(config_from_env(gh.env()), settings=ClientSettings(**settings),
                        clock=NoSleep())  # fmt: skip


def refused(gh: FakeGitHub, path: str, *, listing: bool = True, **settings: Any) -> str:
    with client(gh, **settings) as api, pytest.raises(ForgeResponseError) as raised:
        api.get_list(path) if listing else api.get_json(path)
    message = str(raised.value)
    assert TOKEN not in message and "\n" not in message
    return message


def moved(status: int, location: str) -> Fault:
    return Fault(status, {"Location": location}, {"message": "Moved Permanently"})


def reviewed_pull(gh: FakeGitHub) -> None:
    gh.add_pull(FakePull(number=1, title="t", author=ALICE.account(), head_sha="a" * 40))
    gh.review(1, BOB)
    gh.review(1, ALICE, state="COMMENTED")
    gh.review(1, BOB, state="COMMENTED")  # three reviews: two pages of two


# --- followed: the same scheme, host and port, under the API root ------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_same_host_redirect_is_followed_with_the_token(gh: FakeGitHub, status: int) -> None:
    reviewed_pull(gh)
    target = f"{gh.url}{gh.repo_path('/pulls/1/reviews')}?per_page=100"
    gh.fail_always("/repos/o/old-name/pulls/1/reviews", moved(status, target))
    with client(gh) as api:
        reviews = api.get_list("/repos/o/old-name/pulls/1/reviews")
        assert api.stats.http_requests == 3  # the redirect and two pages
    assert len(reviews) == 3
    followed = gh.requests(gh.repo_path("/pulls/1/reviews"))
    assert len(followed) == 2 and all(entry.authorized for entry in followed)


def test_a_relative_same_host_redirect_is_followed(gh: FakeGitHub) -> None:
    gh.add_pull(FakePull(number=1, title="renamed", author=None, head_sha="b" * 40))
    gh.fail_always("/repos/o/old/pulls/1", moved(301, "/repos/o/r/pulls/1"))
    with client(gh) as api:
        pull = api.get_json("/repos/o/old/pulls/1")
    assert isinstance(pull, dict) and pull["title"] == "renamed"
    assert [entry.authorized for entry in gh.requests("/pulls/1")] == [True, True]


def test_a_chain_of_redirects_within_the_cap_is_followed(gh: FakeGitHub) -> None:
    gh.add_pull(FakePull(number=1, title="t", author=None, head_sha="c" * 40))
    gh.fail_always("/hop1", moved(301, f"{gh.url}/hop2"))
    gh.fail_always("/hop2", moved(302, f"{gh.url}/repos/o/r/pulls/1"))
    with client(gh, max_redirects=2) as api:
        assert isinstance(api.get_json("/hop1"), dict)


# --- refused ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_port_is_refused(
    gh: FakeGitHub, other: FakeGitHub, status: int
) -> None:
    gh.fail_always("/moved", moved(status, f"{other.url}/repos/o/r/pulls/1"))
    message = refused(gh, "/moved", listing=False)
    assert other.requests() == []
    assert f"GitHub answered {status}, a redirect to http://127.0.0.1:{other.port};" in message
    assert "not following it" in message


def test_a_redirect_to_another_host_name_of_the_same_server_is_refused(gh: FakeGitHub) -> None:
    gh.fail_always("/moved", moved(301, f"http://localhost:{gh.port}/repos/o/r/pulls/1"))
    message = refused(gh, "/moved")
    assert f"a redirect to http://localhost:{gh.port};" in message
    assert len(gh.requests()) == 1


def test_a_redirect_to_another_scheme_is_refused(gh: FakeGitHub) -> None:
    gh.fail_always("/moved", moved(301, f"https://127.0.0.1:{gh.port}/repos/o/r"))
    assert f"a redirect to https://127.0.0.1:{gh.port};" in refused(gh, "/moved")
    assert len(gh.requests()) == 1


def test_a_redirect_out_of_the_api_root_on_the_same_host_is_refused() -> None:
    with FakeGitHub(prefix="/api/v3") as gh:
        gh.fail_always("/moved", moved(302, "/login?return_to=/api/v3/moved"))
        message = refused(gh, "/moved")
        assert f"a redirect to http://127.0.0.1:{gh.port} outside {gh.url};" in message
        assert len(gh.requests()) == 1


def test_a_redirect_never_names_the_token(gh: FakeGitHub) -> None:
    location = f"http://{TOKEN}:{TOKEN}@{TOKEN.lower()}.example/?token={TOKEN}"
    gh.fail_always("/moved", moved(301, location))
    message = refused(gh, "/moved")
    assert "a redirect to http://" in message
    assert TOKEN.lower() not in message.lower()


@pytest.mark.parametrize("location", ["", "   "])
def test_a_redirect_without_a_location_is_refused(gh: FakeGitHub, location: str) -> None:
    headers = {"Location": location} if location else {}
    gh.fail_always("/moved", Fault(301, headers, {"message": "Moved"}))
    message = refused(gh, "/moved")
    assert message == "GET /moved: GitHub answered 301 (a redirect) without a Location"
    assert len(gh.requests()) == 1


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://[::1/x", "Invalid IPv6 URL"),
        ("http://127.0.0.1:99999/x", "Port out of range"),
        ("http://127.0.0.1:port/x", "Port could not be cast"),
    ],
)
def test_a_redirect_to_a_location_that_is_not_a_url_is_refused(
    gh: FakeGitHub, location: str, why: str
) -> None:
    gh.fail_always("/moved", moved(301, location))
    message = refused(gh, "/moved")
    assert message.startswith("GET /moved: GitHub's answer cannot be read (ValueError: ")
    assert why in message
    assert len(gh.requests()) == 1


def test_a_redirect_loop_is_refused(gh: FakeGitHub) -> None:
    gh.fail_always("/a", moved(301, f"{gh.url}/b"))
    gh.fail_always("/b", moved(307, f"{gh.url}/a?per_page=100"))
    message = refused(gh, "/a")
    assert "GET /a: GitHub answered 307, a redirect that loops back" in message
    assert len(gh.requests()) == 2


def test_too_many_redirects_are_refused(gh: FakeGitHub) -> None:
    for hop in range(10):
        gh.fail_always(f"/hop{hop}", moved(302, f"/hop{hop + 1}"))
    message = refused(gh, "/hop0", listing=False, max_redirects=3)
    assert "GET /hop0: more than 3 redirects" in message
    assert len(gh.requests()) == 4


def test_a_next_page_that_redirects_elsewhere_is_refused(gh: FakeGitHub, other: FakeGitHub) -> None:
    page2 = f'<{gh.url}/listing?per_page=100&page=2>; rel="next"'
    gh.fail(
        "/listing",
        Fault(200, {"Link": page2}, [{"n": 1}]),
        moved(301, f"{other.url}/repos/o/r/pulls/1/reviews"),
    )
    message = refused(gh, "/listing")
    assert message.startswith("GET /listing (page 2): GitHub answered 301, a redirect to ")
    assert other.requests() == []


# --- the review check fails closed ------------------------------------------------------


def test_the_review_check_errors_on_a_redirect_elsewhere(
    repo: GitRepo, gh: FakeGitHub, other: FakeGitHub, tmp_path: Path
) -> None:
    repo.commit("initial", **{".releasegate.yml": policy_text(), "README.md": "hi\n"})
    base = repo.head()
    pull = Forge(repo, gh).pull_request("Change", ALICE)
    gh.review(pull.number, BOB)
    reviews = gh.repo_path(f"/pulls/{pull.number}/reviews")
    other.add_pull(FakePull(number=1, title="t", author=ALICE.account(), head_sha="d" * 40))
    other.review(1, BOB)
    gh.fail_always(reviews, moved(301, f"{other.url}{other.repo_path('/pulls/1/reviews')}"))
    release = resolve_context(repo.root, base=base, head=repo.head())
    data = release.show(base, ".releasegate.yml")
    assert data is not None
    ctx = CheckContext(release=release, policy=parse_policy(data.decode(), ".releasegate.yml"),
                       tree=repo.root, files=(), tools=ToolRunner(),
                       cache_dir=tmp_path / "cache")  # fmt: skip
    result = ReviewCheck(environ=gh.env(), clock=NoSleep(), jitter=lambda: 1.0).run(ctx)
    assert result.status is Status.ERROR
    text = "\n".join(result.reasons)
    assert "a redirect to http://127.0.0.1:" in text and TOKEN not in text
    assert other.requests() == []
