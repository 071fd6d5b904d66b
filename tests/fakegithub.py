"""A local GitHub REST server for tests, fed from real git repositories.

``FakeGitHub`` is a ``ThreadingHTTPServer`` on 127.0.0.1 (port 0) answering the
endpoints the review check reads, with GitHub's documented field names:

- ``GET /repos/{o}/{r}/commits/{sha}/pulls`` (422 for a commit it does not know)
- ``GET /repos/{o}/{r}/pulls/{n}`` and ``/pulls/{n}/reviews|commits|files``
- ``GET /orgs/{org}/teams/{team}`` and ``/orgs/{org}/teams/{team}/memberships/{user}``

Lists are paginated with ``Link`` headers (``page_size`` small by default, so
every list of more than two items has several pages); every answer carries
``x-ratelimit-*`` headers; requests without ``Authorization: Bearer <token>``
(or ``token <token>``) get 401. Faults are injected per path as a queue of
responses (``fail``) or as a persistent answer (``fail_always``). Every
request is logged, so tests can count them and check that each distinct one
was answered once.

``Forge`` builds pull requests in a real ``GitRepo`` (feature branch merged with
``--no-ff``, squash merge, left open) and registers them with the server, so the
SHAs the server reports are the repository's own.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import yaml
from rg_testlib import GitRepo, check, load_report, releasegate

TOKEN = "secret-token-value"
_EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z


def _iso(offset_minutes: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_EPOCH + 60 * offset_minutes))


@dataclass(frozen=True)
class Person:
    """A GitHub account and the git identity it commits with."""

    login: str
    name: str
    email: str
    type: str = "User"

    def account(self) -> dict[str, Any]:
        return {"login": self.login, "id": abs(hash(self.login)) % 10**8, "type": self.type}


ALICE = Person("alice", "Alice", "alice@example.com")
BOB = Person("bob", "Bob", "bob@example.com")
CAROL = Person("carol", "Carol", "carol@example.com")
DAVE = Person("dave", "Dave", "dave@example.com")
DEPENDABOT = Person("dependabot[bot]", "dependabot[bot]", "support@github.com", "Bot")
MERGER = Person("web-flow", "GitHub", "noreply@github.com")


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = field(default_factory=lambda: {"message": "injected fault"})
    raw: bytes | None = None  # a body that is not JSON


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    query: str
    status: int
    authorized: bool
    injected: bool
    headers: Mapping[str, str]


@dataclass
class FakePull:
    number: int
    title: str
    author: dict[str, Any] | None
    head_sha: str
    base_ref: str = "main"
    state: str = "closed"
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    commits: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": f"https://api.github.invalid/pulls/{self.number}",
            "number": self.number,
            "state": self.state,
            "title": self.title,
            "user": self.author,
            "body": None,
            "created_at": _iso(0),
            "merged_at": self.merged_at,
            "merge_commit_sha": self.merge_commit_sha,
            "head": {"ref": f"pr-{self.number}", "sha": self.head_sha},
            "base": {"ref": self.base_ref, "sha": "0" * 40},
        }


class FakeGitHub:
    """The server and its data. Use as a context manager."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        owner: str = "o",
        repo: str = "r",
        page_size: int = 2,
        prefix: str = "",
    ) -> None:
        self.token = token
        self.owner = owner
        self.repo = repo
        self.page_size = page_size
        self.prefix = prefix.rstrip("/")
        self.pulls: dict[int, FakePull] = {}
        self.associations: dict[str, list[int]] = {}
        self.known_commits: set[str] | None = None
        self.teams: dict[tuple[str, str], dict[str, str]] = {}
        self.hidden_teams: set[tuple[str, str]] = set()
        self.faults: dict[str, deque[Fault]] = {}
        self.persistent: dict[str, Fault] = {}
        self.log: list[Logged] = []
        self.rate_remaining = 5000
        self.rate_reset = int(time.time()) + 3600
        self._clock = 0
        self._review_ids = 1000
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def env(self, **overrides: str) -> dict[str, str]:
        """The GitHub environment variables of a CLI run against this server."""
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_REPOSITORY": f"{self.owner}/{self.repo}",
            "GITHUB_TOKEN": self.token,
            **overrides,
        }

    # --- data ---------------------------------------------------------------------

    def tick(self) -> str:
        with self._lock:
            self._clock += 1
            return _iso(self._clock)

    def add_pull(self, pull: FakePull) -> FakePull:
        self.pulls[pull.number] = pull
        return pull

    def associate(self, sha: str, number: int) -> None:
        numbers = self.associations.setdefault(sha, [])
        if number not in numbers:
            numbers.append(number)

    def review(
        self,
        number: int,
        who: Person | None,
        state: str = "APPROVED",
        *,
        commit_id: str | None = None,
    ) -> dict[str, Any]:
        """Add a review of pull request ``number`` (by default at its head)."""
        pull = self.pulls[number]
        self._review_ids += 1
        review = {
            "id": self._review_ids,
            "user": who.account() if who is not None else None,
            "body": "",
            "state": state,
            "commit_id": commit_id or pull.head_sha,
            "submitted_at": self.tick(),
            "author_association": "MEMBER",
        }
        pull.reviews.append(review)
        return review

    def add_team(
        self, org: str, team: str, members: Mapping[str, str], *, visible: bool = True
    ) -> None:
        self.teams[(org, team)] = dict(members)
        if not visible:
            self.hidden_teams.add((org, team))

    def fail(self, path: str, *faults: Fault) -> None:
        """Answer the next requests of ``path`` (without query) with ``faults``, in order."""
        self.faults.setdefault(self.prefix + path, deque()).extend(faults)

    def fail_always(self, path: str, fault: Fault) -> None:
        self.persistent[self.prefix + path] = fault

    def repo_path(self, rest: str) -> str:
        return f"/repos/{self.owner}/{self.repo}{rest}"

    # --- the request log ------------------------------------------------------------

    def requests(self, contains: str = "") -> list[Logged]:
        with self._lock:
            return [entry for entry in self.log if contains in entry.path]

    def answered_twice(self) -> list[str]:
        """Requests (path and query) that were answered normally more than once."""
        seen: dict[str, int] = {}
        for entry in self.requests():
            if entry.injected:
                continue
            key = f"{entry.path}?{entry.query}"
            seen[key] = seen.get(key, 0) + 1
        return sorted(key for key, count in seen.items() if count > 1)

    # --- serving --------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        path, query = parts.path, parse_qs(parts.query)
        auth = handler.headers.get("Authorization", "")
        authorized = auth in (f"Bearer {self.token}", f"token {self.token}")
        headers = {key.lower(): value for key, value in handler.headers.items()}
        status, body, extra, injected, raw = self._answer(path, query, authorized)
        with self._lock:
            self.log.append(
                Logged(
                    method="GET",
                    path=path,
                    query=parts.query,
                    status=status,
                    authorized=authorized,
                    injected=injected,
                    headers=headers,
                )
            )
            self.rate_remaining = max(self.rate_remaining - 1, 0)
            rate = {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": str(self.rate_remaining),
                "x-ratelimit-reset": str(self.rate_reset),
                "x-ratelimit-used": str(5000 - self.rate_remaining),
                "x-ratelimit-resource": "core",
            }
        data = raw if raw is not None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in {**rate, **extra}.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(
        self, path: str, query: dict[str, list[str]], authorized: bool
    ) -> tuple[int, Any, dict[str, str], bool, bytes | None]:
        with self._lock:
            queue = self.faults.get(path)
            fault = queue.popleft() if queue else self.persistent.get(path)
        if fault is not None:
            return fault.status, fault.body, dict(fault.headers), True, fault.raw
        if not authorized:
            return 401, {"message": "Bad credentials"}, {}, False, None
        if not path.startswith(self.prefix + "/"):
            return 404, {"message": "Not Found"}, {}, False, None
        route = path[len(self.prefix) :]
        repo = re.escape(f"/repos/{self.owner}/{self.repo}")
        if match := re.fullmatch(repo + r"/commits/([0-9a-f]{40})/pulls", route):
            sha = match[1]
            if self.known_commits is not None and sha not in self.known_commits:
                return 422, {"message": f"No commit found for SHA: {sha}"}, {}, False, None
            pulls = [self.pulls[n].as_json() for n in self.associations.get(sha, [])]
            return self._page(path, query, pulls)
        if match := re.fullmatch(repo + r"/pulls/(\d+)(?:/(reviews|commits|files))?", route):
            pull = self.pulls.get(int(match[1]))
            if pull is None:
                return 404, {"message": "Not Found"}, {}, False, None
            if match[2] is None:
                return 200, pull.as_json(), {}, False, None
            items = {"reviews": pull.reviews, "commits": pull.commits, "files": pull.files}
            return self._page(path, query, items[match[2]])
        if match := re.fullmatch(r"/orgs/([^/]+)/teams/([^/]+)(?:/memberships/([^/]+))?", route):
            key = (match[1], match[2])
            if key not in self.teams or key in self.hidden_teams:
                return 404, {"message": "Not Found"}, {}, False, None
            if match[3] is None:
                return 200, {"id": 1, "slug": match[2], "name": match[2]}, {}, False, None
            state = self.teams[key].get(match[3])
            if state is None:
                return 404, {"message": "Not Found"}, {}, False, None
            return 200, {"state": state, "role": "member"}, {}, False, None
        return 404, {"message": "Not Found"}, {}, False, None

    def _page(
        self, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]
    ) -> tuple[int, Any, dict[str, str], bool, bytes | None]:
        per_page = min(int(query.get("per_page", ["30"])[0]), 100, self.page_size)
        page = int(query.get("page", ["1"])[0])
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> str:
            params = urlencode({"per_page": query.get("per_page", ["30"])[0], "page": number})
            return f'<http://127.0.0.1:{self.port}{path}?{params}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        extra = {"Link": ", ".join(links)} if links else {}
        return 200, chunk, extra, False, None


def secondary_rate_limit(retry_after: int = 1) -> Fault:
    return Fault(
        403,
        {"retry-after": str(retry_after)},
        {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
    )


def server_error(status: int = 500) -> Fault:
    return Fault(status, {}, {"message": "Server Error"})


@dataclass(frozen=True)
class MergeGroup:
    """A merge queue's temporary branch: ``base..head`` on ``ref``."""

    base: str
    head: str
    ref: str

    def event(self, repository: Mapping[str, Any], **override: str) -> dict[str, Any]:
        """The ``merge_group`` event payload GitHub sends for it (``override``: fields of
        ``merge_group`` replaced, for malformed payloads)."""
        merge_group = {
            "head_sha": self.head,
            "head_ref": self.ref,
            "base_sha": self.base,
            "base_ref": "refs/heads/main",
            "head_commit": {"id": self.head, "message": "queue"},
            **override,
        }
        return {
            "action": "checks_requested",
            "merge_group": merge_group,
            "repository": dict(repository),
        }


class Forge:
    """Builds pull requests in a real repository and registers them with the server."""

    def __init__(self, repo: GitRepo, github: FakeGitHub, *, main: str = "main") -> None:
        self.repo = repo
        self.github = github
        self.main = main
        self._next = 1
        self.sync()

    def git_as(self, who: Person, *args: str) -> str:
        return self.repo.git("-c", f"user.name={who.name}", "-c", f"user.email={who.email}", *args)

    def commit_as(self, who: Person, message: str, files: Mapping[str, str]) -> str:
        for path, text in files.items():
            self.repo.write(path, text)
        self.repo.git("add", "-A")
        self.git_as(who, "commit", "-q", "--allow-empty", "-m", message)
        return self.repo.head()

    def sync(self) -> None:
        """Let the server know every commit of the repository (unknown ones get 422)."""
        known = set(self.repo.git("rev-list", "--all").split())
        self.github.known_commits = (self.github.known_commits or set()) | known

    def direct_push(self, who: Person, message: str, **files: str) -> str:
        sha = self.commit_as(who, message, files)
        self.sync()
        return sha

    def pull_request(
        self,
        title: str,
        author: Person,
        commits: list[tuple[str, dict[str, str]]] | None = None,
        *,
        merge: str = "merge",
        number: int | None = None,
    ) -> FakePull:
        """A pull request of ``commits`` by ``author``, merged into main as ``merge``
        says: "merge" (``--no-ff``), "squash", or "open" (not merged)."""
        number = number or self._next
        self._next = max(self._next, number) + 1
        branch = f"pr-{number}"
        steps = commits or [(title, {f"src/pr{number}.py": f"VALUE = {number}\n"})]
        base = self.repo.head()
        self.repo.git("checkout", "-q", "-b", branch, self.main)
        shas = [self.commit_as(author, message, files) for message, files in steps]
        head = shas[-1]
        self.repo.git("checkout", "-q", self.main)
        files = self.repo.git("diff", "--name-only", base, head).split()
        merge_sha: str | None = None
        if merge == "merge":
            self.git_as(
                MERGER,
                "merge",
                "--no-ff",
                "-q",
                "-m",
                f"Merge pull request #{number} from {self.github.owner}/{branch}",
                branch,
            )
            merge_sha = self.repo.head()
        elif merge == "squash":
            self.repo.git("merge", "--squash", "-q", branch)
            self.git_as(author, "commit", "-q", "-m", f"{title} (#{number})")
            merge_sha = self.repo.head()
        elif merge != "open":
            raise ValueError(merge)
        pull = FakePull(
            number=number,
            title=title,
            author=author.account(),
            head_sha=head,
            state="open" if merge == "open" else "closed",
            merged_at=None if merge == "open" else self.github.tick(),
            merge_commit_sha=merge_sha,
            commits=[self._commit_json(sha, author) for sha in shas],
            files=[{"filename": path, "status": "modified"} for path in files],
        )
        self.github.add_pull(pull)
        for sha in shas:
            self.github.associate(sha, number)
        if merge_sha is not None:
            self.github.associate(merge_sha, number)
        self.sync()
        return pull

    def merge_queue(self, pulls: Sequence[FakePull], *, method: str = "merge") -> MergeGroup:
        """The merge queue's temporary branch for ``pulls`` on main, as GitHub writes it:
        ``gh-readonly-queue/main/pr-<last>-<base sha>``, one commit per pull request (a
        merge, or with ``method="squash"`` a squash), committed by GitHub; main stays
        checked out."""
        base = self.repo.git("rev-parse", self.main)
        branch = f"gh-readonly-queue/{self.main}/pr-{pulls[-1].number}-{base}"
        self.repo.git("checkout", "-q", "-b", branch, self.main)
        for pull in pulls:
            if method == "merge":
                self.git_as(
                    MERGER,
                    "merge",
                    "--no-ff",
                    "-q",
                    "-m",
                    f"Merge pull request #{pull.number} from {self.github.owner}/pr-"
                    f"{pull.number}\n\n{pull.title}",
                    f"pr-{pull.number}",
                )
            elif method == "squash":
                self.repo.git("merge", "--squash", "-q", f"pr-{pull.number}")
                self.git_as(MERGER, "commit", "-q", "-m", f"{pull.title} (#{pull.number})")
            else:
                raise ValueError(method)
        head = self.repo.head()
        self.repo.git("checkout", "-q", self.main)
        self.sync()
        return MergeGroup(base=base, head=head, ref=f"refs/heads/{branch}")

    def _commit_json(self, sha: str, author: Person) -> dict[str, Any]:
        message = self.repo.git("log", "-1", "--format=%B", sha)
        identity = {"name": author.name, "email": author.email, "date": _iso(0)}
        return {
            "sha": sha,
            "commit": {"author": identity, "committer": identity, "message": message},
            "author": author.account(),
            "committer": author.account(),
            "parents": [{"sha": p} for p in self.repo.git("log", "-1", "--format=%P", sha).split()],
        }


def range_of(forge: Forge, base: str) -> Iterator[str]:
    """The commits of ``base..HEAD``, newest first."""
    yield from forge.repo.git("rev-list", f"{base}..HEAD").split()


def policy_text(**review: Any) -> str:
    """A ``.releasegate.yml`` whose review section has ``review`` (and defaults)."""
    return yaml.safe_dump({"version": 1, "review": {"required_approvals": 1, **review}})


@dataclass(frozen=True)
class Run:
    done: subprocess.CompletedProcess[str]
    report: dict[str, Any]
    review: dict[str, Any]
    report_text: str

    @property
    def reasons(self) -> list[str]:
        return list(self.review["reasons"])

    def pull(self, number: int) -> dict[str, Any]:
        [found] = [p for p in self.review["evidence"]["pull_requests"] if p["number"] == number]
        return dict(found)

    def commit(self, sha: str) -> dict[str, Any]:
        [found] = [c for c in self.review["evidence"]["commits"] if c["sha"] == sha]
        return dict(found)


def run_review(
    repo: GitRepo, base: str, out_dir: Path, env: Mapping[str, str], head: str | None = None
) -> Run:
    """``releasegate run --only review --base B --head H --json out.json`` on ``repo``."""
    out = out_dir / "review-report.json"
    out.unlink(missing_ok=True)
    done = releasegate(
        "run",
        "--repo",
        str(repo.root),
        "--only",
        "review",
        "--base",
        base,
        "--head",
        head or repo.head(),
        "--json",
        str(out),
        env=dict(env),
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = load_report(out)
    return Run(
        done=done, report=report, review=check(report, "review"), report_text=out.read_text()
    )
