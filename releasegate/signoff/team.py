"""The GitHub-native route of the ``signoff`` check (``signoff.github_team``).

Instead of an SSH sign-off, either counts:

- an approval by an active member of the team, on the pull request whose
  merge produced the head commit, given at that pull request's final head
  commit (the reviewer's latest review: a later dismissal or change request
  withdraws it);
- with ``signoff.environment``: an approval by an active team member of the
  current workflow run's deployment to that protected environment
  (``GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals``), the run
  being one for the head commit.

Failures read like the SSH route's: missing, unknown signer (not an active
member), stale (an approval of an earlier head, a run of another commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from releasegate.errors import ForgeError, ForgeResponseError
from releasegate.forge.client import GitHubClient
from releasegate.forge.github import GitHubReviews, Membership, PullRequest, Review, ReviewState
from releasegate.model import JSONValue
from releasegate.signoff.verify import MISSING, UNKNOWN_SIGNER, RouteOutcome


@dataclass(frozen=True, kw_only=True)
class RunApproval:
    login: str | None
    state: str
    environments: tuple[str, ...]
    comment: str


class SignoffForge(Protocol):
    """What the GitHub route asks of a forge."""

    def team_member(self, org: str, team: str, login: str) -> bool | None:
        """True: an active member; False: not one (or only invited); None: cannot tell."""
        ...

    def pulls_for_merge_commit(self, sha: str) -> list[PullRequest]: ...

    def reviews(self, number: int) -> list[Review]: ...

    def run_head_sha(self, run_id: str) -> str: ...

    def run_approvals(self, run_id: str) -> list[RunApproval]: ...


def _segment(text: str) -> str:
    return quote(text, safe="")


class GitHubSignoffForge:
    """``SignoffForge`` over the shared GitHub client (``releasegate.forge``)."""

    def __init__(self, client: GitHubClient) -> None:
        self._client = client
        self._reviews = GitHubReviews(client)
        config = client.config
        self._repo = f"/repos/{_segment(config.owner)}/{_segment(config.repo)}"

    def team_member(self, org: str, team: str, login: str) -> bool | None:
        state = self._reviews.membership(org, team, login)
        if state is Membership.UNKNOWN:
            return None
        return state is Membership.ACTIVE

    def pulls_for_merge_commit(self, sha: str) -> list[PullRequest]:
        return [
            pull
            for pull in self._reviews.pulls_for_commit(sha)
            if pull.merged and pull.merge_commit_sha == sha
        ]

    def reviews(self, number: int) -> list[Review]:
        return self._reviews.reviews(number)

    def run_head_sha(self, run_id: str) -> str:
        raw = self._client.get_json(f"{self._repo}/actions/runs/{_segment(run_id)}")
        if not isinstance(raw, dict) or not isinstance(raw.get("head_sha"), str):
            raise ForgeResponseError(
                f"malformed GitHub answer: workflow run {run_id} has no head_sha"
            )
        return str(raw["head_sha"])

    def run_approvals(self, run_id: str) -> list[RunApproval]:
        items = self._client.get_list(f"{self._repo}/actions/runs/{_segment(run_id)}/approvals")
        return [_approval(item, run_id) for item in items]


def _approval(raw: object, run_id: str) -> RunApproval:
    what = f"an approval of workflow run {run_id}"
    if not isinstance(raw, dict):
        raise ForgeResponseError(f"malformed GitHub answer: {what} is not an object")
    state = raw.get("state")
    user = raw.get("user")
    environments = raw.get("environments")
    if not isinstance(state, str) or not isinstance(environments, list):
        raise ForgeResponseError(f"malformed GitHub answer: {what} has no state or environments")
    names = tuple(
        str(env["name"])
        for env in environments
        if isinstance(env, dict) and isinstance(env.get("name"), str)
    )
    login = user.get("login") if isinstance(user, dict) else None
    comment = raw.get("comment")
    return RunApproval(
        login=login if isinstance(login, str) else None,
        state=state,
        environments=names,
        comment=comment if isinstance(comment, str) else "",
    )


def _latest_reviews(reviews: list[Review]) -> dict[str, Review]:
    """Each reviewer's latest review that decides (approve, request changes, dismissed)."""
    latest: dict[str, Review] = {}
    for review in reviews:  # GitHub lists reviews oldest first
        if review.user is None or review.state in (ReviewState.COMMENTED, ReviewState.PENDING):
            continue
        latest[review.user.login.lower()] = review
    return latest


@dataclass
class _Tally:
    team: str
    accepted: list[dict[str, JSONValue]]
    problems: list[str]
    notes: list[str]
    unknown: list[str]

    def member(self, forge: SignoffForge, login: str) -> bool | None:
        org, slug = self.team.split("/", 1)
        member = forge.team_member(org, slug, login)
        if member is None:
            self.unknown.append(login)
        return member


def _pull_route(forge: SignoffForge, tally: _Tally, head: str) -> list[JSONValue]:
    pulls = forge.pulls_for_merge_commit(head)
    seen: list[JSONValue] = []
    if not pulls:
        tally.notes.append(f"no pull request was merged as {head[:12]}")
    for pull in pulls:
        approvers: list[JSONValue] = []
        for login, review in sorted(_latest_reviews(forge.reviews(pull.number)).items()):
            if review.state is not ReviewState.APPROVED or review.user is None:
                continue
            who = review.user.login
            approvers.append(who)
            if review.commit_id != pull.head_sha:
                tally.problems.append(
                    f"stale: {who} approved pull request #{pull.number} at commit "
                    f"{(review.commit_id or 'unknown')[:12]}, its final head is "
                    f"{pull.head_sha[:12]}"
                )
                continue
            member = tally.member(forge, login)
            if member:
                tally.accepted.append(
                    {"how": "pull request approval", "pull_request": pull.number, "login": who}
                )
            elif member is False:
                tally.problems.append(
                    f"{UNKNOWN_SIGNER}: {who} approved pull request #{pull.number} but is not "
                    f"an active member of {tally.team}"
                )
        if not approvers:
            tally.notes.append(f"pull request #{pull.number} has no approval")
        seen.append({"number": pull.number, "head_sha": pull.head_sha, "approvers": approvers})
    return seen


def _run_route(
    forge: SignoffForge, tally: _Tally, head: str, run_id: str | None, environment: str
) -> None:
    if not run_id:
        tally.notes.append(
            f"no workflow run (GITHUB_RUN_ID unset) whose deployment to {environment} "
            "could be approved"
        )
        return
    approvals = [
        a
        for a in forge.run_approvals(run_id)
        if a.state == "approved" and environment in a.environments and a.login
    ]
    if not approvals:
        tally.notes.append(f"no approval of workflow run {run_id}'s deployment to {environment}")
        return
    run_sha = forge.run_head_sha(run_id)
    for approval in approvals:
        login = str(approval.login)
        if run_sha != head:
            tally.problems.append(
                f"stale: {login} approved workflow run {run_id}, which is for commit "
                f"{run_sha[:12]}, releasing {head[:12]}"
            )
            continue
        member = tally.member(forge, login)
        if member:
            tally.accepted.append(
                {"how": f"deployment approval ({environment})", "run_id": run_id, "login": login}
            )
        elif member is False:
            tally.problems.append(
                f"{UNKNOWN_SIGNER}: {login} approved the deployment to {environment} but is "
                f"not an active member of {tally.team}"
            )


def verify_github(
    forge: SignoffForge,
    *,
    team: str,
    head: str,
    run_id: str | None,
    environment: str | None,
) -> RouteOutcome:
    tally = _Tally(team=team, accepted=[], problems=[], notes=[], unknown=[])
    info: dict[str, JSONValue] = {"route": "github", "team": team}
    try:
        info["pull_requests"] = _pull_route(forge, tally, head)
        if environment is not None:
            info["environment"] = environment
            info["run_id"] = run_id
            _run_route(forge, tally, head, run_id, environment)
    except ForgeError as exc:
        return RouteOutcome(route="github", passed=False, error=True, reasons=(exc.diagnostics(),))
    info["accepted"] = list(tally.accepted)
    if tally.accepted:
        return RouteOutcome(route="github", passed=True, evidence=info)
    if tally.unknown:
        return RouteOutcome(
            route="github",
            passed=False,
            error=True,
            reasons=(
                f"cannot tell whether {', '.join(sorted(set(tally.unknown)))} are members of "
                f"{team}: the team is not visible to the token (it needs organization "
                "members: read)",
            ),
            evidence=info,
        )
    if tally.problems:
        return RouteOutcome(
            route="github", passed=False, reasons=tuple(tally.problems), evidence=info
        )
    details = "; ".join(tally.notes)
    return RouteOutcome(
        route="github",
        passed=False,
        reasons=(f"{MISSING}: no approval by an active member of {team} ({details})",),
        evidence=info,
    )
