"""What needs security sign-off regardless of findings.

Inside the range under judgement: any change to the policy file, to
CODEOWNERS, to an allowed signers file, to the baseline, or to the waivers
(the policy's ``waivers`` at the base against the head); and any waiver in
force at all. The sign-off report and the ``signoff`` check list these first.
"""

from __future__ import annotations

import datetime as dt

from releasegate.context import ReleaseContext
from releasegate.errors import ConfigError
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.loader import parse_policy
from releasegate.policy.schema import Policy, Waiver

CODEOWNERS_LOCATIONS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


def _waiver_label(waiver: Waiver) -> str:
    scope = f" for {waiver.package}" if waiver.package else ""
    paths = f" on {', '.join(waiver.paths)}" if waiver.paths else ""
    return f"{waiver.id}{scope}{paths} (owner {waiver.owner}, expires {waiver.expires})"


def _head_waivers(release: ReleaseContext) -> tuple[list[Waiver] | None, str | None]:
    data = release.show(release.head, POLICY_FILE)
    if data is None:
        return [], None
    try:
        head_policy = parse_policy(data.decode("utf-8"), POLICY_FILE, "at head")
    except (ConfigError, UnicodeDecodeError) as exc:
        return None, str(exc)
    return list(head_policy.waivers), None


def waiver_changes(base: list[Waiver], head: list[Waiver]) -> list[str]:
    old = {w.model_dump_json(): w for w in base}
    new = {w.model_dump_json(): w for w in head}
    changes = [f"added {_waiver_label(new[k])}" for k in new if k not in old]
    changes += [f"removed {_waiver_label(old[k])}" for k in old if k not in new]
    return changes


def signoff_requirements(
    release: ReleaseContext, policy: Policy, today: dt.date
) -> tuple[str, ...]:
    """Why this release needs security sign-off beyond the policy's ``signoff.required``."""
    items: list[str] = []
    changed = release.changed_in_range
    if changed(POLICY_FILE):
        items.append(f"the policy file {POLICY_FILE} changed in this range")
    items += [
        f"CODEOWNERS ({path}) changed in this range"
        for path in CODEOWNERS_LOCATIONS
        if changed(path)
    ]
    signers = {policy.signoff.allowed_signers, policy.review.allowed_signers} - {None}
    items += [
        f"the allowed signers file {path} changed in this range"
        for path in sorted(p for p in signers if p is not None)
        if changed(path)
    ]
    if policy.static.required and changed(policy.static.baseline):
        items.append(f"the baseline {policy.static.baseline} changed in this range")
    if changed(POLICY_FILE):
        head, problem = _head_waivers(release)
        if head is None:
            items.append(f"the policy file at the head does not parse, waivers unknown: {problem}")
        else:
            items += [
                f"waivers changed in this range: {change}"
                for change in waiver_changes(list(policy.waivers), head)
            ]
    items += [
        f"waiver in force: {_waiver_label(waiver)}"
        for waiver in policy.waivers
        if waiver.expires >= today
    ]
    return tuple(items)
