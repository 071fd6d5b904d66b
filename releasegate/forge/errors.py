"""The errors of the forge client: one base class, one subclass per kind of failure.

Messages never carry the token: they are built from the request path (relative
to the API root), the status and GitHub's own ``message``, and every message is
scrubbed of the token before it is raised (see ``client.Secret.scrub``).
"""

from __future__ import annotations

from releasegate.errors import ReleasegateError

PERMISSIONS_NEEDED = (
    "the token needs read access to the repository's contents and pull requests "
    "(fine-grained token or GitHub App: contents: read, pull-requests: read; classic "
    "token: repo) and, when CODEOWNERS names teams, organization members: read "
    "(the Actions GITHUB_TOKEN cannot read team members: use a GitHub App token)"
)


class ForgeError(ReleasegateError):
    """Base class: the forge could not give the evidence a check needs."""

    exit_code = 1


class ForgeConfigError(ForgeError):
    """The environment does not say how to reach the forge (no token, no repository)."""


class ForgeUnavailable(ForgeError):
    """Connection errors, persistent 5xx or rate limits beyond the capped wait."""


class ForgeAuthError(ForgeError):
    """The token was rejected (401) or lacks a permission (403)."""


class ForgeNotFound(ForgeError):
    """404: the resource does not exist, or the token may not see it."""


class ForgeResponseError(ForgeError):
    """An answer that does not have the documented shape, or an unexpected status."""


class ForgeUnprocessable(ForgeResponseError):
    """422: GitHub understood the request but cannot answer it (e.g. an unknown commit)."""
