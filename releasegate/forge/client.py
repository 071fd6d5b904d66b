"""A small, careful GitHub REST transport on ``requests``.

- Configuration from the standard Actions environment (``GITHUB_API_URL``,
  ``GITHUB_REPOSITORY``, ``GITHUB_TOKEN``); GitHub Enterprise Server URLs such
  as ``https://ghe.example/api/v3`` work. Plain ``http://`` is refused except
  for loopback hosts (local test servers): the token is never sent in clear.
- Every request has a timeout. Connection errors and 5xx are retried a bounded
  number of times with exponential backoff and jitter. Rate limits are
  honoured: the primary limit (``x-ratelimit-remaining: 0`` until
  ``x-ratelimit-reset``) and the secondary one (403/429 with ``retry-after``),
  all waiting under one capped total (``ClientSettings.max_wait``, and never
  beyond the check's own deadline); past the cap the request fails.
- Lists are read page by page through ``Link: <...>; rel="next"`` with
  ``per_page=100``; a next link that leaves the API root is not followed (it
  would carry the token elsewhere).
- Redirects are never followed by ``requests``: the client follows one itself
  only while it stays under the API root (same scheme, host and port; GitHub
  answers 301 for a renamed repository), at most ``max_redirects`` hops. A
  redirect elsewhere, a loop or too many hops is a ``ForgeResponseError``: the
  answer of another host is never believed.
- Each distinct GET is made once per client (the cache also joins concurrent
  callers of the same request), and the client counts what it sent.
- The token lives in a ``Secret`` whose repr is masked; it is put into the
  request headers only at send time and scrubbed from every error message.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

if TYPE_CHECKING:  # imported when a request is made: most runs ask GitHub nothing
    import requests

from releasegate import __version__
from releasegate.errors import (
    ForgeAuthError,
    ForgeConfigError,
    ForgeError,
    ForgeNotFound,
    ForgeResponseError,
    ForgeUnavailable,
    ForgeUnprocessable,
)
from releasegate.model import JSONValue
from releasegate.redact import MASK as _MASK
from releasegate.redact import redact

PERMISSIONS_NEEDED = (
    "the token needs read access to the repository's contents and pull requests "
    "(fine-grained token or GitHub App: contents: read, pull-requests: read; classic "
    "token: repo) and, when CODEOWNERS names teams, organization members: read "
    "(the Actions GITHUB_TOKEN cannot read team members: use a GitHub App token)"
)

DEFAULT_API_URL = "https://api.github.com"
ENV_MAX_WAIT = "RELEASEGATE_GITHUB_MAX_WAIT"
API_VERSION = "2022-11-28"
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_TOKEN = re.compile(r"[\x21-\x7e]+")
_MESSAGE_CHARS = 200
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Secret:
    """A credential that does not show itself: ``repr``/``str`` are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with the secret masked, in its encoded forms too (``releasegate.redact``),
        and any other credential-shaped string."""
        return redact(text, [self._value] if self._value else [])

    def scrub_json(self, value: JSONValue) -> JSONValue:
        """``value`` (JSON data) with every string in it scrubbed, at any depth."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub_json(item) for key, item in value.items()}
        return value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, kw_only=True)
class GitHubConfig:
    api_url: str
    owner: str
    repo: str
    token: Secret = field(repr=False)

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"


def _check_api_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForgeConfigError(
            f"GITHUB_API_URL {url!r} is not an http(s) URL",
            hint="e.g. https://api.github.com or https://ghe.example/api/v3",
        )
    if parts.username is not None or parts.password is not None:
        raise ForgeConfigError(
            "GITHUB_API_URL must not carry credentials; the token goes in GITHUB_TOKEN"
        )
    if parts.query or parts.fragment:
        raise ForgeConfigError(f"GITHUB_API_URL {url!r} must not have a query or fragment")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ForgeConfigError(
            f"GITHUB_API_URL {url!r} is plain http: the token would travel unencrypted",
            hint="use https (plain http is only accepted for a loopback test server)",
        )
    return url.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def config_from_env(environ: Mapping[str, str]) -> GitHubConfig:
    """The GitHub configuration of the standard Actions environment.

    Raises ``ForgeConfigError`` naming what is missing and, for the token,
    which permissions it needs.
    """
    api_url = _check_api_url(environ.get("GITHUB_API_URL") or DEFAULT_API_URL)
    repository = (environ.get("GITHUB_REPOSITORY") or "").strip()
    token = (environ.get("GITHUB_TOKEN") or "").strip()
    if not token:
        also = "" if repository else " (nor is GITHUB_REPOSITORY, the owner/name to ask)"
        raise ForgeConfigError(
            f"GITHUB_TOKEN is not set: reviews cannot be read from GitHub{also}",
            hint=f"set GITHUB_TOKEN; {PERMISSIONS_NEEDED}; without GitHub, set "
            "review.source: git (Reviewed-by: trailers on signed commits)",
        )
    if not repository:
        raise ForgeConfigError(
            "GITHUB_REPOSITORY is not set, so there is no repository to ask for reviews",
            hint="set it to owner/name (GitHub Actions sets it)",
        )
    if not _REPOSITORY.fullmatch(repository) or any(
        part in (".", "..") for part in repository.split("/")
    ):
        raise ForgeConfigError(f"GITHUB_REPOSITORY {repository!r} is not owner/name")
    if not _TOKEN.fullmatch(token):
        raise ForgeConfigError(
            "GITHUB_TOKEN contains spaces or control characters, so it is not a token",
            hint="set GITHUB_TOKEN to the token alone",
        )
    owner, repo = repository.split("/")
    return GitHubConfig(api_url=api_url, owner=owner, repo=repo, token=Secret(token))


class Clock(Protocol):
    """Time as the client sees it; tests pass a fake one so nothing really sleeps."""

    def now(self) -> float:
        """Seconds since the epoch (``x-ratelimit-reset`` is an epoch time)."""
        ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_attempts: int = 4  # for connection errors and 5xx: the first try and 3 retries
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_rate_limit_waits: int = 5  # per request
    max_wait: float = 300.0  # seconds of waiting (backoff and rate limits) in all
    per_page: int = 100
    max_pages: int = 100
    max_redirects: int = 5  # per request, each staying under the API root
    concurrency: int = 4  # GitHub advises against many concurrent requests


def settings_from_env(environ: Mapping[str, str], base: ClientSettings) -> ClientSettings:
    """``base`` with ``RELEASEGATE_GITHUB_MAX_WAIT`` (seconds) applied when set."""
    raw = environ.get(ENV_MAX_WAIT)
    if raw is None or not raw.strip():
        return base
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ForgeConfigError(f"{ENV_MAX_WAIT}={raw!r} is not a number of seconds >= 0")
    return dataclasses.replace(base, max_wait=value)


@dataclass
class RequestStats:
    """What the client sent: HTTP requests (with retries and pages), distinct GETs."""

    http_requests: int = 0
    distinct_requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    by_endpoint: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, JSONValue]:
        by_endpoint: dict[str, JSONValue] = dict(sorted(self.by_endpoint.items()))
        return {
            "http_requests": self.http_requests,
            "distinct_requests": self.distinct_requests,
            "retries": self.retries,
            "rate_limit_waits": self.rate_limit_waits,
            "waited_seconds": round(self.waited_seconds, 3),
            "by_endpoint": by_endpoint,
        }


_ENDPOINT_SHAPES = (
    (re.compile(r"^/repos/[^/]+/[^/]+/commits/[^/]+/pulls$"), "commits/{sha}/pulls"),
    (re.compile(r"^/repos/[^/]+/[^/]+/pulls/\d+/(reviews|commits|files)$"), r"pulls/{n}/\1"),
    (re.compile(r"^/repos/[^/]+/[^/]+/pulls/\d+$"), "pulls/{n}"),
    (re.compile(r"^/orgs/[^/]+/teams/[^/]+/memberships/[^/]+$"), "teams/{team}/memberships"),
    (re.compile(r"^/orgs/[^/]+/teams/[^/]+$"), "teams/{team}"),
)


def endpoint_of(path: str) -> str:
    for pattern, name in _ENDPOINT_SHAPES:
        if pattern.match(path):
            return pattern.sub(name, path)
    return "other"


def _one_line(text: str, limit: int = _MESSAGE_CHARS) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class GitHubClient:
    """GETs against one GitHub API root: retries, rate limits, pages, cache, counts."""

    def __init__(
        self,
        config: GitHubConfig,
        *,
        settings: ClientSettings | None = None,
        clock: Clock | None = None,
        remaining: Callable[[], float | None] | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.config = config
        self.settings = settings or ClientSettings()
        self._clock: Clock = clock or SystemClock()
        self._remaining = remaining or (lambda: None)
        self._jitter = jitter or random.random
        self._lock = threading.Lock()
        self._cache: dict[str, Future[object]] = {}
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._paused_until = 0.0
        self._reset_at: float | None = None
        self.stats = RequestStats()
        root = urlsplit(config.api_url)
        self._origin = (root.scheme, root.netloc)
        self._root_path = root.path.rstrip("/")

    def __repr__(self) -> str:
        return f"GitHubClient(api_url={self.config.api_url!r}, repo={self.config.repository!r})"

    # --- public ---------------------------------------------------------------------

    def get_json(self, path: str) -> object:
        """The JSON body of ``GET path`` (relative to the API root), once per client."""
        return self._once(path, lambda: self._fetch_one(path))

    def get_list(self, path: str) -> list[object]:
        """Every item of the list at ``path``, following ``Link`` pages, once per client."""
        result = self._once(f"{path}?pages", lambda: self._fetch_all(path))
        return cast("list[object]", result)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- cache ----------------------------------------------------------------------

    def _once(self, key: str, fetch: Callable[[], object]) -> object:
        with self._lock:
            future = self._cache.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._cache[key] = future
                self.stats.distinct_requests += 1
        if owner:
            try:
                future.set_result(fetch())
            except BaseException as exc:
                future.set_exception(exc)
        return future.result()

    # --- fetching -------------------------------------------------------------------

    def _url(self, path: str, query: Mapping[str, str | int] | None = None) -> str:
        url = f"{self.config.api_url}{path}"
        if query:
            url += "?" + urlencode(query)
        return url

    def _fetch_one(self, path: str) -> object:
        response = self._send(self._url(path), path)
        return self._json(response, path)

    def _fetch_all(self, path: str) -> list[object]:
        url: str | None = self._url(path, {"per_page": self.settings.per_page})
        items: list[object] = []
        seen: set[str] = set()
        page = 0
        while url is not None:
            page += 1
            where = path if page == 1 else f"{path} (page {page})"
            if page > self.settings.max_pages:
                raise ForgeResponseError(
                    f"GET {path}: more than {self.settings.max_pages} pages; refusing to read on"
                )
            seen.add(url)
            response = self._send(url, where)
            data = self._json(response, where)
            if not isinstance(data, list):
                raise ForgeResponseError(
                    f"GET {where}: expected a JSON list, got {type(data).__name__}"
                )
            items.extend(data)
            url = self._next_page(response, where)
            if url is not None and url in seen:
                raise ForgeResponseError(f"GET {where}: the next-page link loops back")
        return items

    def _next_page(self, response: requests.Response, where: str) -> str | None:
        link = response.links.get("next")
        if not link or not link.get("url"):
            return None
        url = link["url"]
        if not self._under_root(url):
            raise ForgeResponseError(
                f"GET {where}: the next-page link leaves GITHUB_API_URL; not following it "
                "(it would carry the token elsewhere)"
            )
        return url

    def _under_root(self, url: str) -> bool:
        """Whether ``url`` is under the API root: same scheme, host and port, and path.

        Only such URLs get the token (next-page links and redirects alike).
        """
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return (parts.scheme, parts.netloc) == self._origin and parts.path.startswith(
            self._root_path + "/"
        )

    def _elsewhere(self, url: str) -> str:
        """Where ``url`` points, for a message: its scheme, host and port only."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return "a Location that is not a URL"
        if not parts.scheme or not host:
            return "a Location that is not a URL"
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
        if (parts.scheme, parts.netloc) == self._origin:
            return f"{origin} outside {self.config.api_url}"
        return self._line(origin, 120)

    def _redirect_target(self, response: requests.Response, url: str, where: str) -> str:
        """The absolute URL a redirect points to, when it stays under the API root."""
        status = response.status_code
        location = response.headers.get("location")
        if not location or not location.strip():
            raise ForgeResponseError(
                f"GET {where}: GitHub answered {status} (a redirect) without a Location"
            )
        try:
            target = urldefrag(urljoin(url, location.strip())).url
        except ValueError:
            target = location
        if not self._under_root(target):
            raise ForgeResponseError(
                f"GET {where}: GitHub answered {status}, a redirect to "
                f"{self._elsewhere(target)}; not following it (another host's answer is not "
                "evidence, and the token must not go there)",
                hint="check GITHUB_API_URL; only redirects under it are followed",
            )
        return target

    def _json(self, response: requests.Response, where: str) -> object:
        try:
            data: object = response.json()
        except ValueError:
            raise ForgeResponseError(
                f"GET {where}: GitHub answered {response.status_code} with a body that is not JSON"
            ) from None
        return data

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.config.token.reveal()}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"releasegate/{__version__}",
        }

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests  # noqa: PLC0415 - lazily, see the import block

            session = requests.Session()
            session.trust_env = True  # proxies and CA bundles of the environment
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _timeout(self) -> tuple[float, float]:
        connect, read = self.settings.connect_timeout, self.settings.read_timeout
        left = self._remaining()
        if left is not None:
            if left <= 0:
                raise ForgeUnavailable("out of time: the check's time limit was reached")
            connect, read = min(connect, left), min(read, left)
        return connect, read

    def _send(self, url: str, where: str) -> requests.Response:
        """``GET url`` with retries and rate-limit waits. Raises a ``ForgeError``."""
        try:
            return self._follow(url, where)
        except ForgeError as exc:
            token = self.config.token
            raise type(exc)(
                token.scrub(exc.message), hint=token.scrub(exc.hint) if exc.hint else None
            ) from None

    def _follow(self, url: str, where: str) -> requests.Response:
        """``GET url``, following redirects only while they stay under the API root."""
        visited = {url}
        hops = 0
        while True:
            response = self._send_unscrubbed(url, where)
            if response.status_code not in _REDIRECTS:
                return response
            status = response.status_code
            url = self._redirect_target(response, url, where)
            hops += 1
            if url in visited:
                raise ForgeResponseError(
                    f"GET {where}: GitHub answered {status}, a redirect that loops back; "
                    "not following it"
                )
            if hops > self.settings.max_redirects:
                raise ForgeResponseError(
                    f"GET {where}: more than {self.settings.max_redirects} redirects "
                    f"(the last a {status}); refusing to follow on"
                )
            visited.add(url)

    def _send_unscrubbed(self, url: str, where: str) -> requests.Response:
        """One URL: 2xx and redirects are returned, everything else raises."""
        import requests  # noqa: PLC0415 - lazily, see the import block

        attempts = 0
        rate_waits = 0
        endpoint = endpoint_of(urlsplit(url).path[len(self._root_path) :])
        while True:
            self._await_primary_reset(where)
            try:
                response = self._get(url, where, endpoint)
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._count(endpoint)
                attempts += 1
                cause = f"{type(exc).__name__}: {self._line(str(exc), 160)}"
                if attempts >= self.settings.max_attempts:
                    raise ForgeUnavailable(
                        f"GET {where}: cannot reach GitHub at {self.config.api_url} "
                        f"after {attempts} attempts ({cause})"
                    ) from None
                self._backoff(attempts, f"GET {where}: {cause}")
                continue
            self._count(endpoint)
            self._note_rate_limit(response)
            status = response.status_code
            if 200 <= status < 300 or status in _REDIRECTS:
                return response
            message = self._message(response)
            if status in (403, 429):
                wait = self._rate_limit_wait(response, message, rate_waits)
                if wait is not None:
                    rate_waits += 1
                    if rate_waits > self.settings.max_rate_limit_waits:
                        raise ForgeUnavailable(
                            f"GET {where}: still rate limited after {rate_waits - 1} waits "
                            f"({status}: {message})"
                        )
                    with self._lock:
                        self.stats.rate_limit_waits += 1
                    self._pause(wait, f"GET {where}: rate limited ({status}: {message})")
                    continue
            if status >= 500:
                attempts += 1
                if attempts >= self.settings.max_attempts:
                    raise ForgeUnavailable(
                        f"GET {where}: GitHub answered {status} {attempts} times in a row "
                        f"({message}); the evidence cannot be collected"
                    )
                self._backoff(attempts, f"GET {where}: {status}")
                continue
            if status == 401:
                raise ForgeAuthError(
                    f"GET {where}: GitHub rejected the token (401: {message})",
                    hint=f"check GITHUB_TOKEN; {PERMISSIONS_NEEDED}",
                )
            if status == 403:
                raise ForgeAuthError(
                    f"GET {where}: GitHub refused the request (403: {message}); the token "
                    "lacks a permission",
                    hint=PERMISSIONS_NEEDED,
                )
            if status == 404:
                raise ForgeNotFound(f"GET {where}: not found (404: {message})")
            if status == 422:
                raise ForgeUnprocessable(f"GET {where}: GitHub cannot answer (422: {message})")
            raise ForgeResponseError(f"GET {where}: GitHub answered {status} ({message})")

    def _get(self, url: str, where: str, endpoint: str) -> requests.Response:
        """One GET that follows no redirect; connection errors and timeouts propagate."""
        import requests  # noqa: PLC0415 - lazily, see the import block

        try:
            return self._session().get(
                url, headers=self._headers(), timeout=self._timeout(), allow_redirects=False
            )
        except (requests.ConnectionError, requests.Timeout):
            raise
        except requests.RequestException as exc:
            raise ForgeUnavailable(
                f"GET {where}: request failed: {type(exc).__name__}: {self._line(str(exc))}"
            ) from None
        except ValueError as exc:
            # requests reads the Location of a redirect even when it does not follow it
            # (``Response.next``): one it cannot parse (a bad port, a bracket, bytes that
            # are not UTF-8) raises a bare ValueError.
            self._count(endpoint)
            raise ForgeResponseError(
                f"GET {where}: GitHub's answer cannot be read "
                f"({type(exc).__name__}: {self._line(str(exc), 160)})"
            ) from None

    def _line(self, text: str, limit: int = _MESSAGE_CHARS) -> str:
        """One line of ``text`` for a message: the token masked *before* it is shortened."""
        return _one_line(self.config.token.scrub(text), limit)

    def _message(self, response: requests.Response) -> str:
        try:
            body: object = response.json()
        except ValueError:
            return response.reason or "no message"
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return self._line(str(body["message"]))
        return response.reason or "no message"

    def _count(self, endpoint: str) -> None:
        with self._lock:
            self.stats.http_requests += 1
            self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint, 0) + 1

    # --- waiting --------------------------------------------------------------------

    def _backoff(self, attempt: int, why: str) -> None:
        delay = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        delay *= 0.5 + self._jitter() / 2
        with self._lock:
            self.stats.retries += 1
        self._pause(delay, why)

    def _rate_limit_wait(
        self, response: requests.Response, message: str, waits: int
    ) -> float | None:
        """Seconds to wait before retrying a 403/429, or None when it is no rate limit."""
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = 60.0
            return max(seconds, 0.0) if math.isfinite(seconds) else 60.0
        if headers.get("x-ratelimit-remaining") == "0":
            reset = _float(headers.get("x-ratelimit-reset"))
            if reset is not None:
                return max(reset - self._clock.now(), 0.0) + 1.0
            return 60.0
        if response.status_code == 429 or "rate limit" in message.lower():
            # GitHub: without retry-after, wait at least a minute, then exponentially longer.
            return 60.0 * (2.0**waits)
        return None

    def _note_rate_limit(self, response: requests.Response) -> None:
        headers = response.headers
        if headers.get("x-ratelimit-remaining") == "0" and 200 <= response.status_code < 300:
            reset = _float(headers.get("x-ratelimit-reset"))
            if reset is not None:
                with self._lock:
                    self._reset_at = reset

    def _await_primary_reset(self, where: str) -> None:
        with self._lock:
            reset_at, self._reset_at = self._reset_at, None
        if reset_at is None:
            return
        wait = reset_at - self._clock.now()
        if wait > 0:
            with self._lock:
                self.stats.rate_limit_waits += 1
            self._pause(wait + 1.0, f"GET {where}: the primary rate limit is exhausted")

    def _pause(self, seconds: float, why: str) -> None:
        """Sleep ``seconds``, charging the shared wait budget; fail past the cap.

        Waits that overlap in time (threads waiting for the same rate limit)
        are charged once.
        """
        left = self._remaining()
        if left is not None and seconds >= left:
            raise ForgeUnavailable(
                f"{why}; waiting {seconds:.0f}s would pass the check's time limit",
                hint="raise timeout_seconds in the policy, or run when the rate limit has reset",
            )
        with self._lock:
            now = self._clock.monotonic()
            until = now + seconds
            extra = until - max(self._paused_until, now)
            if extra > 0:
                if self.stats.waited_seconds + extra > self.settings.max_wait:
                    raise ForgeUnavailable(
                        f"{why}; waiting {seconds:.0f}s more would exceed the cap of "
                        f"{self.settings.max_wait:g}s on waiting for GitHub",
                        hint=f"retry later, or raise {ENV_MAX_WAIT}",
                    )
                self.stats.waited_seconds += extra
                self._paused_until = until
        self._clock.sleep(seconds)


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
