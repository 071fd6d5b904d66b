"""The policy model, ``.releasegate.yml`` version 1: every section, validated strictly.

The policy that governs a release is read from the *base* of the range under
judgement (the trusted ref), never from the head being judged."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

from releasegate.globs import matches
from releasegate.model import Confidence, Severity
from releasegate.policy.fields import (
    AdvisoryService,
    ConfidenceLevel,
    Glob,
    NonEmpty,
    PinRequirement,
    ProjectKindChoice,
    ReviewSource,
    RuleBlocking,
    Section,
    SeverityThreshold,
    UnpinnedAction,
    ZizmorPersona,
    check_glob,
    check_tag_pattern,
    check_team,
)
from releasegate.policy.quality_stages import StagesSection


class ReleaseSection(Section):
    tag_pattern: Annotated[StrictStr, AfterValidator(check_tag_pattern)] | None = Field(
        default=None,
        description="Glob for release tags; the newest matching ancestor tag is the default base. "
        "Unset: tags that are versions (v1.2.3, 1.2.3, release-1.2.3: a PEP 440 version after "
        "an optional v, release-, release_ or release/ prefix).",
    )
    default_branch: StrictStr | None = Field(
        default=None,
        description="Branch whose merge base is the default base when no release tag exists "
        "(default: the remote's HEAD, else main or master).",
    )


class WatchSupported(Section):
    newest: Annotated[StrictInt, Field(ge=0)] = Field(
        default=1,
        description="The newest N release tags are supported (releasegate watch orders "
        "release tags by version when every one is a version, else by release date); "
        "pre-releases (v2.0.0rc1) do not count, they are supported only through pattern. "
        "0: only those matching pattern.",
    )
    pattern: Annotated[StrictStr, AfterValidator(check_tag_pattern)] | None = Field(
        default=None,
        description="Glob of release tags that are supported as well (e.g. 'v2.*': the 2.x "
        "line), whatever their age.",
    )


class WatchSection(Section):
    supported: WatchSupported = Field(
        default_factory=WatchSupported,
        description="Release lines still supported: `releasegate watch` exits 1 when one of "
        "them is affected by an advisory published after it shipped (default: the newest "
        "release only).",
    )


class BlockRule(Section):
    paths: list[Glob] = Field(default_factory=lambda: ["**"])
    severity: SeverityThreshold = Field(
        default="high",
        description="Lowest severity that blocks on these paths ('none': never block).",
    )
    confidence: ConfidenceLevel = Field(
        default="low", description="Lowest confidence that blocks on these paths."
    )

    def blocks(self, severity: Severity, confidence: Confidence) -> bool:
        if self.severity == "none":
            return False
        return severity >= Severity(self.severity) and confidence >= Confidence(self.confidence)


# Code that does not ship with the release: not analysed, and its dependency files not
# audited, unless the policy says otherwise. Top-level only (a "/" inside a gitignore
# glob anchors it at the root): a package's own ``docs`` or ``scripts`` subpackage ships,
# and is analysed.
NOT_SHIPPED = [
    "docs/**",
    "doc/**",
    "examples/**",
    "example/**",
    "benchmarks/**",
    "bench/**",
    "scripts/**",
]

TEST_DIRECTORIES = [
    "tests/",
    "test/",
    "testing/",
    "**/tests/",
]

DEFAULT_EXCLUDES = [
    *NOT_SHIPPED,
    "tests/",
    "test/",
    "testing/",
    "**/tests/",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    ".venv/",
    "venv/",
    "env/",
    "**/site-packages/",
    ".tox/",
    ".nox/",
    "build/",
    "dist/",
    "**/*.egg-info/",
    "**/__pycache__/",
    "**/node_modules/",
]


def analyse_shipped_packages(policy: Policy, files: Collection[str]) -> Policy:
    """``policy`` with a not-shipping default exclude (``scripts/**``...) dropped where
    that top-level directory is an importable package (its ``__init__.py``): packaging
    (``find_packages()``, an entry point ``scripts.cli:main``) can ship it, so it is
    analysed and its dependency files are read."""
    shipped = {glob for glob in NOT_SHIPPED if f"{glob.removesuffix('/**')}/__init__.py" in files}
    if not shipped:
        return policy
    static = policy.static.model_copy(
        update={"exclude": [g for g in policy.static.exclude if g not in shipped]}
    )
    dependencies = policy.dependencies.model_copy(
        update={"exclude": [g for g in policy.dependencies.exclude if g not in shipped]}
    )
    return policy.model_copy(update={"static": static, "dependencies": dependencies})


class BanditSection(Section):
    enabled: StrictBool = True
    skips: list[Annotated[StrictStr, Field(pattern=r"^B\d{3}$")]] = Field(
        default_factory=list, description="bandit test ids not to run, e.g. B101."
    )


BUILTIN_RULES = "builtin"
_NETWORK_CONFIG = re.compile(r"^(auto$|p/|r/|s/|https?://|[a-z][a-z0-9+.-]*://)")


def is_network_config(config: str) -> bool:
    """A semgrep config that would be fetched from a registry or URL."""
    return bool(_NETWORK_CONFIG.match(config))


def _check_rules(config: str) -> str:
    if config == BUILTIN_RULES or is_network_config(config):
        return config
    return check_glob(config)


class SemgrepSection(Section):
    enabled: StrictBool = True
    rules: list[Annotated[StrictStr, AfterValidator(_check_rules)]] = Field(
        default_factory=lambda: [BUILTIN_RULES],
        description="'builtin' (releasegate's own rule pack), repository paths of rule files "
        "or folders (read from the base commit), or registry configs (p/..., auto, URLs: "
        "only with allow_network_rules).",
    )
    allow_network_rules: StrictBool = Field(
        default=False, description="Allow rules fetched from a registry or URL at scan time."
    )
    timeout_per_file: Annotated[StrictInt, Field(ge=1, le=3600)] = Field(
        default=30, description="semgrep --timeout: seconds per rule and file."
    )
    max_memory_mib: Annotated[StrictInt, Field(ge=256, le=65536)] = Field(
        default=2048, description="semgrep --max-memory, in MiB."
    )
    max_target_bytes: Annotated[StrictInt, Field(ge=1)] = Field(
        default=5_000_000, description="A file in scope larger than this is an error."
    )

    @model_validator(mode="after")
    def _network_rules_need_consent(self) -> SemgrepSection:
        remote = [rule for rule in self.rules if is_network_config(rule)]
        if remote and not self.allow_network_rules:
            raise ValueError(
                f"{remote[0]!r} would download rules at scan time; releasegate scans offline "
                "with local rules. Set static.semgrep.allow_network_rules: true to allow it"
            )
        return self


# zizmor's own default before 1.20: GitHub's first-party actions may be pinned by tag
# (only GitHub can move those tags), everything else by commit.
DEFAULT_PINNING: dict[str, PinRequirement] = {
    "actions/*": PinRequirement.REF_PIN,
    "github/*": PinRequirement.REF_PIN,
    "dependabot/*": PinRequirement.REF_PIN,
    "*": PinRequirement.HASH_PIN,
}
ActionPattern = Annotated[
    str,
    StringConstraints(
        pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_.-]*/(\*|[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?(/\*)?))$"
    ),
]


class WorkflowsSection(Section):
    enabled: Literal["auto"] | StrictBool = Field(
        default="auto",
        description="zizmor on the head's GitHub Actions workflows (.github/workflows/*.yml, "
        "*.yaml) and action definitions (action.yml, action.yaml in any directory). auto: "
        "run when the head has any (else the check passes without running zizmor, saying "
        "why); true: run always (with none it passes, saying so; zizmor must be installed "
        "either way); false: do not run.",
    )
    persona: ZizmorPersona = Field(
        default=ZizmorPersona.REGULAR,
        description="zizmor --persona: regular (few false positives), pedantic (adds code "
        "smells) or auditor (everything, false positives included).",
    )
    pinning: dict[ActionPattern, PinRequirement] = Field(
        default_factory=lambda: dict(DEFAULT_PINNING),
        description="How the actions a workflow uses must be pinned (zizmor's unpinned-uses "
        "policies): a pattern (owner/*, owner/repo, owner/repo/path, or * for the rest; the "
        "most specific wins; an action no pattern matches needs a commit SHA) to hash-pin (a "
        "full commit SHA), ref-pin (a tag or branch is enough) or any. The default lets "
        "GitHub's own actions (actions/*, github/*, dependabot/*) be pinned by tag and asks "
        "a commit SHA of every other; "
        '{"*": hash-pin} asks it of all. A map here replaces the default.',
    )


class StaticSection(Section):
    required: StrictBool = True
    include: list[Glob] = Field(default_factory=lambda: ["**/*.py"])
    exclude: list[Glob] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDES),
        description="Files not analysed. The default leaves out what does not ship (top-level "
        "docs, examples, benchmarks and scripts directories), tests, virtual environments and "
        "build output; a list here replaces it.",
    )
    block_on: list[BlockRule] = Field(
        default_factory=lambda: [BlockRule()],
        description="The first rule whose paths match a finding decides whether it blocks.",
    )
    rule_blocking: dict[Annotated[StrictStr, Field(min_length=1, max_length=200)], RuleBlocking] = (
        Field(
            default_factory=dict,
            description="Per rule id (B324, releasegate.python.…): block (judged by block_on, "
            "even where the rule pack only reports it by default) or report (never blocks). "
            "Unset: the rule pack's default (checks/blocking.toml; every other rule: block).",
        )
    )
    bandit: BanditSection = Field(default_factory=BanditSection)
    semgrep: SemgrepSection = Field(default_factory=SemgrepSection)
    workflows: WorkflowsSection = Field(default_factory=WorkflowsSection)
    baseline: Glob = Field(
        default=".releasegate-baseline.json",
        description="Repository path of the baseline file (`releasegate baseline` writes it).",
    )
    release_blocks_unbaselined: StrictBool = Field(
        default=False,
        description="In release mode, every finding not in the baseline blocks, "
        "whatever its severity.",
    )
    suppressions_need_signoff: StrictBool = Field(
        default=True,
        description="A justified in-code suppression that waives a finding on a line the "
        "range added or changed (the suppression's own line or the finding's) needs a valid "
        "security sign-off, like a baseline change.",
    )
    unanalysed_submodules: list[Glob] = Field(
        default_factory=list,
        description="Submodule paths whose recorded commit may be left unanalysed (reported, "
        "not blocking). A submodule whose commit is available is always analysed; any other "
        "unanalysed submodule blocks.",
    )

    @model_validator(mode="after")
    def _can_block(self) -> StaticSection:
        """A required static stage that could never block would pass silently: refused."""
        if not self.required:
            return self
        never = "the static stage can never block"
        off = "or set static.required: false to turn the stage off openly"
        if not self.include:
            raise ValueError(f"{never}: static.include is empty, so no file is analysed ({off})")
        if not self.bandit.enabled and not self.semgrep.enabled:
            raise ValueError(
                f"{never}: static.bandit and static.semgrep are both disabled (enable one, {off})"
            )
        blocks_unbaselined = self.release_blocks_unbaselined
        if not blocks_unbaselined and all(rule.severity == "none" for rule in self.block_on):
            raise ValueError(
                f"{never}: no static.block_on rule blocks any finding "
                f"(add a rule with a severity, e.g. `- severity: high`, {off})"
            )
        return self

    def block_rule_for(self, path: str) -> tuple[int, BlockRule] | None:
        for index, rule in enumerate(self.block_on):
            if matches(rule.paths, path):
                return index, rule
        return None


def _check_index_url(url: str) -> str:
    shown = re.sub(r"//[^/?#\s]*@", "//***@", url)  # never echo a token
    try:
        parts = urlsplit(url.strip())
        scheme, host = parts.scheme.lower(), parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"{shown!r} is not a URL") from None
    if scheme not in ("http", "https", "file") or (scheme != "file" and not host):
        raise ValueError(
            f"{shown!r} is not an index URL: write it as https://host/path (or http://, file://)"
        )
    if "@" in parts.netloc:
        raise ValueError(
            f"{shown!r} contains credentials: list the index without them "
            "(they are not compared, and a policy is no place for a token)"
        )
    return url


class DependenciesSection(Section):
    required: StrictBool = True
    advisory_db: StrictStr | None = Field(
        default=None,
        description="A local advisory database in OSV format (the PyPA advisory-database "
        "layout, vulns/<package>/<ID>.yaml, or OSV JSON files): audit offline against it. "
        "Unset: audit online through pip-audit.",
    )
    service: AdvisoryService = Field(
        default=AdvisoryService.OSV,
        description="pip-audit's vulnerability service for online audits.",
    )
    unpinned: UnpinnedAction | None = Field(
        default=None,
        description="A dependency given as a range cannot be audited as one version: block "
        "or warn. Unset: in an application, block in release mode and warn in pull-request "
        "mode; in a library (project.kind), warn.",
    )
    exclude: list[Glob] = Field(
        default_factory=lambda: [*NOT_SHIPPED, *TEST_DIRECTORIES],
        description="Dependency files not to read. The default leaves out what does not "
        "ship: docs, examples, benchmarks, scripts and tests (set [] to audit them too).",
    )
    allowed_indexes: list[Annotated[StrictStr, AfterValidator(_check_index_url)]] = Field(
        default_factory=list,
        description="Package indexes besides PyPI that dependency files may use, as http(s) "
        "or file URLs without credentials. Any other index a requirements file names "
        "(-i/--index-url, --extra-index-url, -f/--find-links) or a lock file installs from "
        "is a blocking finding releasegate.nondefault-index (dependency confusion), and so "
        "is --trusted-host unless it names the host of an allowed index. Compared "
        "normalised: lowercase scheme and host, no default port, no trailing '/', and "
        "without the credentials the dependency file may give.",
    )


class ReviewSection(Section):
    required: StrictBool = True
    required_approvals: Annotated[StrictInt, Field(ge=0, le=20)] = 1
    source: ReviewSource = Field(
        default=ReviewSource.GITHUB,
        description="Where reviews are proven: GitHub pull requests and reviews, or "
        "(for other forges and air-gapped mirrors) Reviewed-by:/Approved-by: trailers on "
        "commits signed by a key in review.allowed_signers.",
    )
    codeowners: StrictBool = Field(
        default=True,
        description="Changed paths with owners in CODEOWNERS (from the base) need an owner's "
        "approval.",
    )
    exclude_committers: StrictBool = Field(
        default=False,
        description="An approval by someone who committed to the pull request does not count.",
    )
    allowed_bots: list[NonEmpty] = Field(
        default_factory=list,
        description="Bot logins (e.g. 'dependabot[bot]') whose pull requests need no review.",
    )
    allowed_signers: StrictStr | None = Field(
        default=None,
        description="git source: repository path of an OpenSSH allowed_signers file (read "
        "from the base) whose keys may sign reviewed commits.",
    )


class SignoffSection(Section):
    required: StrictBool = True
    github_team: Annotated[StrictStr, AfterValidator(check_team)] | None = None
    allowed_signers: StrictStr | None = None
    environment: NonEmpty | None = Field(
        default=None,
        description="With github_team: a protected GitHub environment; a team member's "
        "approval of the current workflow run's deployment to it (GITHUB_RUN_ID) counts "
        "as sign-off.",
    )


class Waiver(Section):
    id: NonEmpty = Field(
        description="Rule id, or vulnerability id (any of its aliases), the waiver covers."
    )
    package: StrictStr | None = Field(
        default=None, description="Limit a vulnerability waiver to this package."
    )
    paths: list[Glob] = Field(
        default_factory=list, description="Limit the waiver to these paths (default: all)."
    )
    reason: NonEmpty
    owner: NonEmpty
    expires: dt.date = Field(
        description="Last day the waiver applies (YYYY-MM-DD, a UTC date): it is in force "
        "through that day in UTC and expired from the next day on."
    )


class ProjectSection(Section):
    kind: ProjectKindChoice = Field(
        default=ProjectKindChoice.AUTO,
        description="A library (it builds a distribution: its declared ranges are reported, "
        "not blocked, since its users' lock files pin them) or an application (a range "
        "blocks in release mode: pin what is deployed). auto: a library when the root has "
        "pyproject.toml with [build-system], setup.py, or setup.cfg with [metadata] name.",
    )


class Policy(Section):
    version: Literal[1]
    project: ProjectSection = Field(default_factory=ProjectSection)
    release: ReleaseSection = Field(default_factory=ReleaseSection)
    timeout_seconds: Annotated[StrictInt, Field(ge=1, le=86400)] = Field(
        default=900, description="Wall-clock limit for each check."
    )
    static: StaticSection = Field(default_factory=StaticSection)
    dependencies: DependenciesSection = Field(default_factory=DependenciesSection)
    review: ReviewSection = Field(default_factory=ReviewSection)
    signoff: SignoffSection = Field(default_factory=SignoffSection)
    stages: StagesSection = Field(default_factory=StagesSection)
    waivers: list[Waiver] = Field(default_factory=list)
    watch: WatchSection = Field(default_factory=WatchSection)

    @model_validator(mode="after")
    def _stage_timeouts_fit(self) -> Policy:
        for name, stage in self.stages.declared().items():
            if stage.timeout_seconds is not None and stage.timeout_seconds > self.timeout_seconds:
                raise ValueError(
                    f"stages.{name}.timeout_seconds ({stage.timeout_seconds}) exceeds "
                    f"timeout_seconds ({self.timeout_seconds}), the limit of the whole check: "
                    "raise timeout_seconds too"
                )
        return self


@dataclass(frozen=True, kw_only=True)
class LoadedPolicy:
    policy: Policy
    source: str
    trusted: bool
    digest: str


def utc_today() -> dt.date:
    """Today's date in UTC: the day waiver and sign-off expiry dates are compared with.

    ``expires: D`` is valid through day D in UTC (still valid on D, expired from
    D+1), whatever the local time zone of the machine running the gate.
    """
    return dt.datetime.now(dt.timezone.utc).date()


def expiring(waiver: Waiver, today: dt.date, days: int = 14) -> bool:
    return today <= waiver.expires <= today + dt.timedelta(days=days)
