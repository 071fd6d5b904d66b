"""The GitHub client and the review check in-process, against the fake GitHub over real
HTTP, with an injected clock: retries, rate limits, pagination, the cache, and the
token that never shows."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakegithub import (
    ALICE,
    BOB,
    TOKEN,
    FakeGitHub,
    FakePull,
    Fault,
    Forge,
    policy_text,
    secondary_rate_limit,
    server_error,
)
from rg_testlib import GitRepo

from releasegate.checkapi import CheckContext
from releasegate.checks.review import ReviewCheck
from releasegate.context import resolve_context
from releasegate.errors import (
    ForgeAuthError,
    ForgeConfigError,
    ForgeError,
    ForgeResponseError,
    ForgeUnavailable,
)
from releasegate.forge.client import (
    ClientSettings,
    GitHubClient,
    Secret,
    config_from_env,
)
from releasegate.model import CheckResult, Stage, Status
from releasegate.policy.loader import parse_policy
from releasegate.procs import ToolRunner


class FakeClock:
    """Time that passes only when the client sleeps."""

    def __init__(self) -> None:
        self.epoch = 1_800_000_000.0
        self.elapsed = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return self.epoch + self.elapsed

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.elapsed += seconds


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(gh: FakeGitHub, clock: FakeClock, **settings: Any) -> GitHubClient:
    return GitHubClient(
        config_from_env(gh.env()),
        settings=ClientSettings(**settings),
        clock=clock,
        jitter=lambda: 1.0,
    )


def approved_repo(repo: GitRepo, gh: FakeGitHub) -> tuple[str, int]:
    repo.commit("initial", **{".releasegate.yml": policy_text(), "README.md": "hi\n"})
    base = repo.head()
    pull = Forge(repo, gh).pull_request("Change", ALICE)
    gh.review(pull.number, BOB)
    return base, pull.number


def run_check(
    repo: GitRepo,
    base: str,
    gh: FakeGitHub,
    *,
    clock: FakeClock,
    tmp_path: Path,
    env: dict[str, str] | None = None,
    **settings: Any,
) -> CheckResult:
    release = resolve_context(repo.root, base=base, head=repo.head())
    data = release.show(base, ".releasegate.yml")
    assert data is not None
    ctx = CheckContext(
        release=release,
        policy=parse_policy(data.decode(), ".releasegate.yml"),
        tree=repo.root,
        files=(),
        tools=ToolRunner(),
        cache_dir=tmp_path / "cache",
    )
    check = ReviewCheck(
        environ=env if env is not None else gh.env(),
        clock=clock,
        settings=ClientSettings(**settings),
        jitter=lambda: 1.0,
    )
    return check.run(ctx)


def everything(result: CheckResult) -> str:
    return repr(result) + json.dumps(dict(result.evidence)) + "\n".join(result.reasons)


# --- retries and rate limits ----------------------------------------------------------


def test_bad_gateway_then_success_backs_off_once(
    repo: GitRepo, gh: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    base, number = approved_repo(repo, gh)
    gh.fail(gh.repo_path(f"/pulls/{number}/reviews"), server_error(502))
    result = run_check(repo, base, gh, clock=clock, tmp_path=tmp_path)
    assert result.status is Status.PASS, result.reasons
    assert clock.slept == [1.0]  # backoff_base * 2**0, full jitter factor 1.0
    assert [e.status for e in gh.requests("/reviews")] == [502, 200]


def test_secondary_rate_limit_waits_for_retry_after(
    repo: GitRepo, gh: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    base, number = approved_repo(repo, gh)
    gh.fail(gh.repo_path(f"/pulls/{number}/commits"), secondary_rate_limit(retry_after=60))
    result = run_check(repo, base, gh, clock=clock, tmp_path=tmp_path)
    assert result.status is Status.PASS, result.reasons
    assert clock.slept == [60.0]
    requests = result.evidence["requests"]
    assert isinstance(requests, dict) and requests["rate_limit_waits"] == 1


def test_primary_rate_limit_waits_until_the_reset(gh: FakeGitHub, clock: FakeClock) -> None:
    reset = int(clock.now()) + 100
    gh.fail(
        "/anything",
        Fault(
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
            {"message": "API rate limit exceeded"},
        ),
    )
    gh.fail("/anything", Fault(200, {}, {"ok": True}))
    with client_for(gh, clock) as client:
        assert client.get_json("/anything") == {"ok": True}
    assert clock.slept == [101.0]


def test_429_without_retry_after_waits_a_minute(gh: FakeGitHub, clock: FakeClock) -> None:
    gh.fail("/limited", Fault(429, {}, {"message": "Too Many Requests"}), Fault(200, {}, []))
    with client_for(gh, clock) as client:
        assert client.get_list("/limited") == []
    assert clock.slept == [60.0]


def test_rate_limit_beyond_the_cap_fails_without_sleeping(gh: FakeGitHub, clock: FakeClock) -> None:
    gh.fail("/busy", secondary_rate_limit(retry_after=3600))
    with client_for(gh, clock, max_wait=300) as client, pytest.raises(ForgeUnavailable) as err:
        client.get_json("/busy")
    assert "exceed the cap of 300s" in str(err.value)
    assert clock.slept == []


def test_persistent_server_error_gives_up_after_bounded_attempts(
    repo: GitRepo, gh: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    base, number = approved_repo(repo, gh)
    gh.fail_always(gh.repo_path(f"/pulls/{number}/reviews"), server_error(500))
    result = run_check(repo, base, gh, clock=clock, tmp_path=tmp_path)
    assert result.status is Status.ERROR
    [reason] = result.reasons
    assert "GitHub answered 500 4 times in a row" in reason
    assert clock.slept == [1.0, 2.0, 4.0]
    assert len(gh.requests("/reviews")) == 4
    assert "pull_requests" not in result.evidence  # no verdict from partial evidence


def test_connection_errors_are_retried_then_an_error(clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    env = {
        "GITHUB_API_URL": f"http://127.0.0.1:{port}",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_TOKEN": TOKEN,
    }
    client = GitHubClient(
        config_from_env(env), settings=ClientSettings(max_attempts=3), clock=clock
    )
    with client, pytest.raises(ForgeUnavailable) as err:
        client.get_json("/repos/o/r")
    assert "cannot reach GitHub" in str(err.value) and "after 3 attempts" in str(err.value)
    assert len(clock.slept) == 2
    assert TOKEN not in str(err.value) + repr(err.value)


# --- pagination and the cache ---------------------------------------------------------


def test_lists_are_read_through_every_link_page(gh: FakeGitHub, clock: FakeClock) -> None:
    repo_pulls = gh.repo_path("/pulls/7/files")
    gh.add_pull(
        FakePull(
            number=7,
            title="t",
            author=ALICE.account(),
            head_sha="a" * 40,
            files=[{"filename": f"f{i}.py"} for i in range(5)],
        )
    )
    with client_for(gh, clock) as client:
        items = client.get_list(repo_pulls)
        again = client.get_list(repo_pulls)
    assert [i["filename"] for i in items if isinstance(i, dict)] == [f"f{i}.py" for i in range(5)]
    assert again == items
    assert len(gh.requests(repo_pulls)) == 3  # pages of 2, 2, 1; the second call is cached
    assert gh.answered_twice() == []


def test_concurrent_callers_of_one_request_share_one_http_request(
    gh: FakeGitHub, clock: FakeClock
) -> None:
    gh.fail("/shared", Fault(200, {}, {"n": 1}))
    with client_for(gh, clock) as client:
        results: list[object] = []
        threads = [
            threading.Thread(target=lambda: results.append(client.get_json("/shared")))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [{"n": 1}] * 8
        assert client.stats.http_requests == 1 and client.stats.distinct_requests == 1
    assert len(gh.requests("/shared")) == 1


def test_next_page_link_to_another_host_is_not_followed(gh: FakeGitHub, clock: FakeClock) -> None:
    gh.fail(
        "/leaky",
        Fault(200, {"Link": '<https://evil.example/steal?page=2>; rel="next"'}, [{"a": 1}]),
    )
    with client_for(gh, clock) as client, pytest.raises(ForgeResponseError) as err:
        client.get_list("/leaky")
    assert "leaves GITHUB_API_URL" in str(err.value)


# --- configuration and the token ------------------------------------------------------


def test_configuration_from_the_environment() -> None:
    config = config_from_env(
        {
            "GITHUB_API_URL": "https://ghe.example/api/v3/",
            "GITHUB_REPOSITORY": "acme/widgets",
            "GITHUB_TOKEN": TOKEN,
        }
    )
    assert config.api_url == "https://ghe.example/api/v3"
    assert (config.owner, config.repo) == ("acme", "widgets")
    assert TOKEN not in repr(config) + str(config.token) + repr(config.token)
    default = config_from_env({"GITHUB_REPOSITORY": "a/b", "GITHUB_TOKEN": TOKEN})
    assert default.api_url == "https://api.github.com"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_REPOSITORY": "a/b"}, "GITHUB_TOKEN is not set"),
        ({"GITHUB_TOKEN": TOKEN}, "GITHUB_REPOSITORY is not set"),
        ({"GITHUB_TOKEN": "abc\ndef", "GITHUB_REPOSITORY": "a/b"}, "control characters"),
        ({"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "../x"}, "is not owner/name"),
        (
            {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "a/b", "GITHUB_API_URL": "http://gh.io"},
            "plain http",
        ),
        (
            {
                "GITHUB_TOKEN": TOKEN,
                "GITHUB_REPOSITORY": "a/b",
                "GITHUB_API_URL": "https://u:p@gh.io",
            },
            "must not carry credentials",
        ),
    ],
)
def test_bad_configuration_is_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ForgeConfigError) as err:
        config_from_env(env)
    assert message in err.value.diagnostics()
    assert TOKEN not in err.value.diagnostics()


def test_secret_masks_itself() -> None:
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret) + str(secret) + f"{secret}"
    assert secret.scrub(f"x {TOKEN} y") == "x ******** y"


FAULTS = {
    "401": Fault(401, {}, {"message": "Bad credentials"}),
    "403": Fault(403, {}, {"message": "Resource not accessible by integration"}),
    "404": Fault(404, {}, {"message": "Not Found"}),
    "422": Fault(422, {}, {"message": "No commit found"}),
    "500": server_error(500),
    "not-json": Fault(200, {}, None, raw=b"<html>oops</html>"),
    "wrong-shape": Fault(200, {}, {"not": "a list"}),
    "echoes-token": Fault(400, {}, {"message": f"token {TOKEN} is weird"}),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_token_never_appears_in_a_failed_result(
    repo: GitRepo, gh: FakeGitHub, clock: FakeClock, tmp_path: Path, fault: str
) -> None:
    base, number = approved_repo(repo, gh)
    path = gh.repo_path(f"/pulls/{number}/reviews")
    gh.fail_always(path, FAULTS[fault])
    result = run_check(repo, base, gh, clock=clock, tmp_path=tmp_path)
    assert result.status is Status.ERROR
    assert result.reasons and result.reasons[0]
    assert TOKEN not in everything(result)
    assert all(e.headers.get("authorization") == f"Bearer {TOKEN}" for e in gh.requests())


def test_the_token_never_appears_when_the_server_cannot_be_reached(
    repo: GitRepo, gh: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    base, _ = approved_repo(repo, gh)
    env = gh.env()
    gh.stop()
    result = run_check(repo, base, gh, clock=clock, tmp_path=tmp_path, env=env, max_attempts=2)
    assert result.status is Status.ERROR
    assert "cannot reach GitHub" in result.reasons[0]
    assert TOKEN not in everything(result)


# --- each scrubbing layer alone (each would otherwise hide the other's absence) ---------


@pytest.mark.parametrize(
    "status", [400, 401, 404, 422], ids=["bad-request", "auth", "not-found", "unprocessable"]
)
def test_the_client_scrubs_the_token_from_its_own_errors(
    gh: FakeGitHub, clock: FakeClock, status: int
) -> None:
    """The client layer alone: no check, no result, just the error the client raises."""
    encoded = base64.b64encode(TOKEN.encode()).decode()
    echo = Fault(status, {}, {"message": f"token {TOKEN} (as {encoded}) is weird"})
    gh.fail_always("/echo", echo)
    with client_for(gh, clock) as client, pytest.raises(ForgeError) as err:
        client.get_list("/echo")
    shown = err.value.diagnostics() + str(err.value) + (err.value.hint or "")
    assert "is weird" in shown  # GitHub's message is kept, masked
    assert TOKEN not in shown and encoded not in shown
    assert "********" in err.value.message
    assert [e.headers.get("authorization") for e in gh.requests("/echo")] == [f"Bearer {TOKEN}"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500])
def test_the_client_scrubs_the_token_from_every_error_it_raises(
    gh: FakeGitHub, clock: FakeClock, status: int
) -> None:
    """The client layer alone, where GitHub's message is not the carrier: the request
    path is (built from repository data, e.g. a CODEOWNERS team slug), and only the
    client's last scrub of everything it raises stands between it and the message."""
    path = f"/orgs/acme/teams/{TOKEN}/members"
    gh.fail_always(path, Fault(status, {}, {"message": "Nope"}))
    with client_for(gh, clock, max_attempts=1) as client, pytest.raises(ForgeError) as err:
        client.get_list(path)
    shown = err.value.diagnostics() + str(err.value) + (err.value.hint or "")
    assert err.value.message.startswith("GET /orgs/acme/teams/********/members"), shown
    assert TOKEN not in shown
    assert len(gh.requests("/members")) == 1


def test_the_check_scrubs_the_token_from_data_github_returned(
    repo: GitRepo, gh: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    """The check layer alone: the token arrives in a successful answer (a pull request
    titled with it), which the client returns as data and never scrubs."""
    repo.commit("initial", **{".releasegate.yml": policy_text(), "README.md": "hi\n"})
    base = repo.head()
    pull = Forge(repo, gh).pull_request(f"rotate {TOKEN}", ALICE)
    gh.review(pull.number, BOB)
    result = run_check(repo, base, gh, clock=clock, tmp_path=tmp_path)
    assert result.status is Status.PASS, result.reasons
    assert TOKEN not in everything(result)
    pulls = result.evidence["pull_requests"]
    assert isinstance(pulls, list) and isinstance(pulls[0], dict)
    assert pulls[0]["title"] == "rotate ********"


def test_the_check_scrub_masks_every_string_of_a_result() -> None:
    """The check layer as a function: reasons and nested evidence, whatever filled them."""
    encoded = base64.b64encode(TOKEN.encode()).decode()
    done = CheckResult(
        id="review",
        stage=Stage.REVIEW,
        status=Status.FAIL,
        reasons=(f"commit abc: {TOKEN}", "clean"),
        evidence={"nested": {"list": [f"x{TOKEN}y", 3, None]}, "b64": encoded, "n": 1},
        duration_seconds=1.5,
    )
    scrubbed = ReviewCheck._scrubbed(done, Secret(TOKEN))
    assert scrubbed.reasons == ("commit abc: ********", "clean")
    assert scrubbed.evidence == {
        "nested": {"list": ["x********y", 3, None]},
        "b64": "********",
        "n": 1,
    }
    assert (scrubbed.id, scrubbed.stage, scrubbed.status) == (done.id, done.stage, done.status)
    assert scrubbed.duration_seconds == 1.5


def test_forge_errors_render_one_line_with_a_remedy() -> None:
    err: ForgeError = ForgeAuthError("GET /x: GitHub rejected the token", hint="check it")
    assert err.diagnostics() == "GET /x: GitHub rejected the token (check it)"
    assert err.exit_code == 1
