"""The policy: ``.releasegate.yml`` version 1, validated strictly.

The policy that governs a release is read from the *base* of the range under
judgement (the trusted ref), never from the head being judged. An embedded
default policy serves when the base has no policy file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import types
import typing
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from releasegate.boundedyaml import BoundedSafeLoader, YAMLLimitError
from releasegate.errors import ConfigError
from releasegate.globs import compile_check, matches
from releasegate.model import STAGES, Confidence, Severity, Stage

POLICY_FILE = ".releasegate.yml"
DEFAULT_POLICY_RESOURCE = "starter-policy.yml"
EMBEDDED_POLICY = "embedded default policy"
# A policy is a few kilobytes; anything larger is refused before it is parsed.
MAX_POLICY_BYTES = 1024 * 1024

_GLOB_ERROR = "invalid glob {glob!r}: {why}"


def _check_glob(glob: str) -> str:
    why = None
    if not glob.strip():
        why = "it is empty"
    elif glob.startswith("/") or re.match(r"^[A-Za-z]:", glob):
        why = "paths are relative to the repository root; drop the leading '/'"
    elif "\\" in glob:
        why = "use '/' as the path separator; a backslash is not allowed"
    elif "***" in glob:
        why = "'***' is not a pattern; use '**' for any number of directories"
    elif ".." in glob.split("/"):
        why = "'..' would leave the repository"
    elif glob.count("[") != glob.count("]"):
        why = "unbalanced '[' and ']'"
    if why is None:
        try:
            compile_check(glob)
        except ValueError as exc:  # pathspec's pattern errors subclass ValueError
            why = str(exc)
    if why is not None:
        raise ValueError(_GLOB_ERROR.format(glob=glob, why=why))
    return glob


Glob = Annotated[StrictStr, AfterValidator(_check_glob)]


def _check_tag_pattern(pattern: str) -> str:
    _check_glob(pattern)
    return pattern


def _check_team(team: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+", team):
        raise ValueError(f"{team!r} is not a team: write it as 'org/team-slug'")
    return team


def _nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


NonEmpty = Annotated[StrictStr, AfterValidator(_nonempty)]

SeverityThreshold = Literal["info", "low", "medium", "high", "critical", "none"]
ConfidenceLevel = Literal["low", "medium", "high"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReleaseSection(_Section):
    tag_pattern: Annotated[StrictStr, AfterValidator(_check_tag_pattern)] | None = Field(
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


class BlockRule(_Section):
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


class BanditSection(_Section):
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
    return _check_glob(config)


class SemgrepSection(_Section):
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


class WorkflowsSection(_Section):
    enabled: Literal["auto"] | StrictBool = Field(
        default="auto",
        description="zizmor on the head's GitHub Actions workflows (.github/workflows/*.yml, "
        "*.yaml) and action definitions (action.yml, action.yaml in any directory). auto: "
        "run when the head has any (else the check passes without running zizmor, saying "
        "why); true: run always (with none it passes, saying so; zizmor must be installed "
        "either way); false: do not run.",
    )
    persona: Literal["regular", "pedantic", "auditor"] = Field(
        default="regular",
        description="zizmor --persona: regular (few false positives), pedantic (adds code "
        "smells) or auditor (everything, false positives included).",
    )


class StaticSection(_Section):
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
    rule_blocking: dict[
        Annotated[StrictStr, Field(min_length=1, max_length=200)], Literal["block", "report"]
    ] = Field(
        default_factory=dict,
        description="Per rule id (B324, releasegate.python.…): block (judged by block_on, "
        "even where the rule pack only reports it by default) or report (never blocks). "
        "Unset: the rule pack's default (checks/blocking.toml; every other rule: block).",
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


class DependenciesSection(_Section):
    required: StrictBool = True
    advisory_db: StrictStr | None = Field(
        default=None,
        description="A local advisory database in OSV format (the PyPA advisory-database "
        "layout, vulns/<package>/<ID>.yaml, or OSV JSON files): audit offline against it. "
        "Unset: audit online through pip-audit.",
    )
    service: Literal["osv", "pypi"] = Field(
        default="osv", description="pip-audit's vulnerability service for online audits."
    )
    unpinned: Literal["block", "warn"] | None = Field(
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


class ReviewSection(_Section):
    required: StrictBool = True
    required_approvals: Annotated[StrictInt, Field(ge=0, le=20)] = 1
    source: Literal["github", "git"] = Field(
        default="github",
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


class SignoffSection(_Section):
    required: StrictBool = True
    github_team: Annotated[StrictStr, AfterValidator(_check_team)] | None = None
    allowed_signers: StrictStr | None = None
    environment: NonEmpty | None = Field(
        default=None,
        description="With github_team: a protected GitHub environment; a team member's "
        "approval of the current workflow run's deployment to it (GITHUB_RUN_ID) counts "
        "as sign-off.",
    )


# --- quality stages ------------------------------------------------------------------------

BUILTIN_STAGES = tuple(stage.value for stage, info in STAGES.items() if info.declared)
# Names a custom stage cannot take: the stages of the release (``--only`` accepts
# them) and the stage that custom stages are reported under.
RESERVED_STAGE_NAMES = frozenset(stage.value for stage in Stage)
_STAGE_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_MAX_STAGE_NAME = 40
DEFAULT_PERF_BASELINE = ".releasegate-perf-baseline.json"


def _check_repo_path(path: str) -> str:
    why = None
    if not path.strip():
        why = "it is empty"
    elif path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        why = "paths are relative to the repository root; drop the leading '/'"
    elif "\\" in path:
        why = "use '/' as the path separator; a backslash is not allowed"
    elif ".." in path.split("/"):
        why = "'..' would leave the repository"
    elif path.endswith("/"):
        why = "a file is needed, not a folder"
    elif "\0" in path:
        why = "a NUL character is not allowed"
    if why is not None:
        raise ValueError(f"invalid repository path {path!r}: {why}")
    return path


def _check_argument(argument: str) -> str:
    if "\0" in argument:
        raise ValueError("a command argument cannot contain a NUL character")
    return argument


def _check_command(argv: list[str]) -> list[str]:
    if not argv[0].strip():
        raise ValueError("the program to run (the first argument) is empty")
    return argv


RepoPath = Annotated[StrictStr, AfterValidator(_check_repo_path)]
Command = Annotated[
    list[Annotated[StrictStr, AfterValidator(_check_argument)]],
    Field(min_length=1),
    AfterValidator(_check_command),
]
StageTimeout = Annotated[StrictInt, Field(ge=1, le=86400)]
PassRate = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]


class StageDefinition(_Section):
    required: StrictBool = Field(
        default=True,
        description="false: the stage is declared but not run (reported as skipped).",
    )
    command: Command | None = Field(
        default=None,
        description="The command that runs the stage, as an argument list (no shell), in "
        "the root of the head tree, with secrets (*_TOKEN, *_SECRET, *_KEY, *_PASSWORD, ...) "
        "removed from its environment. Unset: read `results` left by an earlier CI job.",
    )
    results: RepoPath | None = Field(
        default=None,
        description="Repository path of the result file the command writes (or an earlier "
        "CI job left in the work tree). A file committed in the head is refused.",
    )
    timeout_seconds: StageTimeout | None = Field(
        default=None,
        description="Wall-clock limit for one run of the command (default: the check's own "
        "limit, timeout_seconds); the command's whole process group is killed.",
    )

    def _check_sources(self) -> None:
        fmt = getattr(self, "format", None)
        if fmt == "exit-code":
            if self.command is None:
                raise ValueError("format exit-code needs a `command` to run")
            if self.results is not None:
                raise ValueError("format exit-code reads no `results` file")
        elif self.command is not None and self.results is None:
            raise ValueError(
                f"a command with format {fmt} needs `results`: the path where it writes them"
            )


class FunctionalStage(StageDefinition):
    format: Literal["junit", "exit-code"] = Field(
        default="junit", description="JUnit XML results, or only the command's exit code."
    )
    min_pass_rate: PassRate = Field(
        default=1.0,
        description="Lowest share of executed tests (skipped ones excluded) that must pass.",
    )

    @property
    def automatic(self) -> bool:
        """No command and no results: run pytest when the head has a test suite."""
        return self.command is None and self.results is None

    @model_validator(mode="after")
    def _consistent(self) -> FunctionalStage:
        if not self.automatic:
            self._check_sources()
        return self


class PerformanceStage(StageDefinition):
    format: Literal["pytest-benchmark"] = "pytest-benchmark"
    results: RepoPath = Field(
        description="Repository path of the pytest-benchmark JSON (--benchmark-json) the "
        "command writes, or an earlier CI job left."
    )
    baseline: RepoPath = Field(
        default=DEFAULT_PERF_BASELINE,
        description="Repository path of the baseline (`releasegate perf-baseline` writes it), "
        "read from the base commit of the range.",
    )
    max_regression: Annotated[float, Field(ge=0.0, le=100.0, strict=True)] = Field(
        default=0.10,
        description="Largest slowdown of a benchmark's median allowed (0.10: 10%), unless "
        "the difference is inside the measured spread (interquartile range).",
    )
    min_rounds: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        default=5, description="Fewer rounds of a benchmark than this is an error."
    )


class StabilityStage(StageDefinition):
    format: Literal["junit"] = "junit"
    runs: Annotated[StrictInt, Field(ge=2, le=50)] = Field(
        default=3,
        description="How many times the suite runs; a test that both passes and fails is "
        "flaky. Unset command: the functional stage's.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> StabilityStage:
        if self.command is None and self.results is not None:
            raise ValueError("stability runs its command several times: give `command` too")
        if self.command is not None:
            self._check_sources()
        return self


class CustomStage(StageDefinition):
    format: Literal["junit", "sarif", "exit-code"] = Field(
        description="junit (tests), sarif (any scanner: error-level results block) or "
        "exit-code (the command's exit status)."
    )
    min_pass_rate: PassRate = Field(
        default=1.0, description="format junit: lowest share of executed tests that must pass."
    )

    @model_validator(mode="after")
    def _consistent(self) -> CustomStage:
        if self.command is None and self.results is None:
            raise ValueError("a custom stage needs a `command`, `results`, or both")
        self._check_sources()
        return self


class StagesSection(BaseModel):
    """Quality stages: built-in ``functional``, ``performance``, ``stability``; any other
    name is a custom stage."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        json_schema_extra={
            "propertyNames": {"pattern": f"^{_STAGE_NAME.pattern}$", "maxLength": _MAX_STAGE_NAME}
        },
    )
    functional: FunctionalStage = Field(
        default_factory=FunctionalStage,
        description="Tests. Without command and results: `python -m pytest` (the interpreter "
        "running releasegate) when the head has a test suite, else skipped.",
    )
    performance: PerformanceStage | None = None
    stability: StabilityStage | None = None
    __pydantic_extra__: dict[str, CustomStage] = Field(init=False)

    @property
    def custom(self) -> dict[str, CustomStage]:
        """Custom stages by name, in the order the policy declares them."""
        return dict(self.__pydantic_extra__ or {})

    @model_validator(mode="before")
    @classmethod
    def _custom_names(cls, data: Any) -> Any:
        names = (
            [key for key in data if key not in cls.model_fields] if isinstance(data, dict) else []
        )
        for name in names:
            if not isinstance(name, str) or (
                len(name) > _MAX_STAGE_NAME
                or not _STAGE_NAME.fullmatch(name)
                or name in RESERVED_STAGE_NAMES
            ):
                raise ValueError(
                    f"{name!r} cannot name a custom stage: use lowercase letters, digits, "
                    f"'-' or '_' (at most {_MAX_STAGE_NAME}), not one of "
                    f"{', '.join(sorted(RESERVED_STAGE_NAMES))}"
                )
            close = difflib.get_close_matches(name, BUILTIN_STAGES, n=1, cutoff=0.8)
            if close:
                raise ValueError(f"unknown stage {name!r} (did you mean {close[0]!r}?)")
        return data

    @model_validator(mode="after")
    def _stability_has_a_suite(self) -> StagesSection:
        stability = self.stability
        functional = self.functional
        if (
            stability is not None
            and stability.command is None
            and not functional.automatic
            and (functional.command is None or functional.format != "junit")
        ):
            raise ValueError(
                "stability reruns the functional command, which needs a command with JUnit "
                "results: give stages.stability.command and results"
            )
        return self

    def declared(self) -> dict[str, StageDefinition]:
        """Every declared stage by name, built-in ones first."""
        found: dict[str, StageDefinition] = {"functional": self.functional}
        if self.performance is not None:
            found["performance"] = self.performance
        if self.stability is not None:
            found["stability"] = self.stability
        found.update(self.custom)
        return found


class Waiver(_Section):
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


class ProjectSection(_Section):
    kind: Literal["auto", "library", "application"] = Field(
        default="auto",
        description="A library (it builds a distribution: its declared ranges are reported, "
        "not blocked, since its users' lock files pin them) or an application (a range "
        "blocks in release mode: pin what is deployed). auto: a library when the root has "
        "pyproject.toml with [build-system], setup.py, or setup.cfg with [metadata] name.",
    )


class Policy(_Section):
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


# --- YAML with positions and without silent duplicate keys ------------------------------


class _StrictLoader(BoundedSafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML keeps the last one silently), alias
    bombs and deep nesting (``BoundedSafeLoader``)."""


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
# Dates stay strings in YAML so that the schema, not the YAML loader, judges them
# (PyYAML raises a bare ValueError for 2027-13-01).
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Path_ = tuple[str | int, ...]


def _positions(node: yaml.Node, path: Path_, out: dict[Path_, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            here = (*path, key)
            out[here] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _positions(value_node, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*path, index)
            out[here] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _positions(item, here, out)


def _unwrap(annotation: Any) -> Any:
    """The model class inside ``X | None`` / ``list[X]`` / ``Annotated[X, ...]``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
    return annotation


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    model: Any = Policy
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part)
        if field is None and model is StagesSection:
            model = CustomStage  # any other name under `stages` is a custom stage
            continue
        if field is None:
            return []
        model = _unwrap(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        message = f"unknown key '{key}'"
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif allowed:
            message += f" (allowed here: {', '.join(allowed)})"
        return message
    name = ".".join(str(p) for p in loc) or "the document"
    if kind == "missing":
        return f"missing required key '{name}'"
    text = str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error" and loc == ("version",):
        return (
            f"unsupported policy version {error.get('input')!r}: this releasegate reads version 1"
        )
    if kind == "date_from_datetime_parsing" or kind.startswith("date_"):
        return f"{name}: {text} (write dates as YYYY-MM-DD)"
    return f"{name}: {text}"


def _locate(loc: Sequence[str | int], positions: dict[Path_, tuple[int, int]]) -> int | None:
    path = tuple(loc)
    while path:
        if path in positions:
            return positions[path][0]
        path = path[:-1]
    return None


def parse_policy(text: str, source: str, origin: str = "") -> Policy:
    """Parse and validate policy text.

    ``source`` names the file in error messages (``file:line: problem``);
    ``origin`` says where it was read from (e.g. the base commit).
    """
    suffix = f" [{origin}]" if origin else ""
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > MAX_POLICY_BYTES:
        raise ConfigError(
            f"{source}: the policy file is {size} bytes, over the limit of 1 MiB "
            f"({MAX_POLICY_BYTES} bytes){suffix}",
            hint="a policy is a few kilobytes: check that this is the policy file",
        )
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except YAMLLimitError as exc:
        line = f":{exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        raise ConfigError(f"{source}{line}: {exc.problem}{suffix}", hint=exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"{source}{line}: YAML syntax error: {problem}{suffix}",
            hint="fix the YAML; `releasegate init` writes a valid starter policy",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: YAML error: {exc}{suffix}") from None
    if data is None:
        raise ConfigError(f"{source}: the policy file is empty", hint="write at least `version: 1`")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}:1: the policy must be a mapping with `version: 1` at the top{suffix}"
        )
    positions: dict[Path_, tuple[int, int]] = {}
    if node is not None:
        _positions(node, (), positions)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        lineno = _locate(first["loc"], positions)
        where = f"{source}:{lineno}" if lineno is not None else source
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(f"{where}: {_describe(first)}{more}{suffix}") from None


def read_policy_file(path: Path) -> str:
    """The text of the policy file ``path``, read no further than the size limit.

    The same text as ``path.read_text("utf-8")`` (newlines translated); raises
    ``OSError`` / ``UnicodeDecodeError`` like it, and ``ConfigError`` for a file over
    ``MAX_POLICY_BYTES`` (``/dev/zero`` included).
    """
    with path.open(encoding="utf-8") as stream:
        text = stream.read(MAX_POLICY_BYTES + 1)
    if len(text) > MAX_POLICY_BYTES:
        raise ConfigError(
            f"{path}: the policy file is over the limit of 1 MiB ({MAX_POLICY_BYTES} bytes)",
            hint="a policy is a few kilobytes: check that this is the policy file",
        )
    return text


def starter_policy_text() -> str:
    return resources.files("releasegate.data").joinpath(DEFAULT_POLICY_RESOURCE).read_text("utf-8")


def default_policy(*, why: str | None = None) -> LoadedPolicy:
    """The embedded default; ``why`` says why it governs instead of the base's file."""
    text = starter_policy_text()
    return LoadedPolicy(
        policy=parse_policy(text, EMBEDDED_POLICY),
        source=EMBEDDED_POLICY + (f" ({why})" if why else ""),
        trusted=True,
        digest="sha256:" + hashlib.sha256(text.encode()).hexdigest(),
    )


def loaded_from_text(text: str, *, path: str, origin: str, trusted: bool) -> LoadedPolicy:
    return LoadedPolicy(
        policy=parse_policy(text, path, origin),
        source=f"{path} ({origin})",
        trusted=trusted,
        digest="sha256:" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest(),
    )


def policy_json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://releasegate.invalid/schemas/policy-v1.json"
    schema["title"] = "releasegate policy (.releasegate.yml), version 1"
    return schema


def utc_today() -> dt.date:
    """Today's date in UTC: the day waiver and sign-off expiry dates are compared with.

    ``expires: D`` is valid through day D in UTC (still valid on D, expired from
    D+1), whatever the local time zone of the machine running the gate.
    """
    return dt.datetime.now(dt.timezone.utc).date()


def expiring(waiver: Waiver, today: dt.date, days: int = 14) -> bool:
    return today <= waiver.expires <= today + dt.timedelta(days=days)
