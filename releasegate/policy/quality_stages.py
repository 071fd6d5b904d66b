"""The quality stages of the policy (``stages:``): functional, performance,
stability and custom stages, each a command run in the head tree."""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from releasegate.model import STAGES, Stage
from releasegate.policy.fields import Section

# --- quality stages ------------------------------------------------------------------------

BUILTIN_STAGES = tuple(stage.value for stage, info in STAGES.items() if info.declared)
# Names a custom stage cannot take: the stages of the release (``--only`` accepts
# them) and the stage that custom stages are reported under.
RESERVED_STAGE_NAMES = frozenset(stage.value for stage in Stage)
_STAGE_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_MAX_STAGE_NAME = 40
DEFAULT_PERF_BASELINE = ".releasegate-perf-baseline.json"


def check_repo_path(path: str) -> str:
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


def check_argument(argument: str) -> str:
    if "\0" in argument:
        raise ValueError("a command argument cannot contain a NUL character")
    return argument


def check_command(argv: list[str]) -> list[str]:
    if not argv[0].strip():
        raise ValueError("the program to run (the first argument) is empty")
    return argv


RepoPath = Annotated[StrictStr, AfterValidator(check_repo_path)]
Command = Annotated[
    list[Annotated[StrictStr, AfterValidator(check_argument)]],
    Field(min_length=1),
    AfterValidator(check_command),
]
StageTimeout = Annotated[StrictInt, Field(ge=1, le=86400)]
PassRate = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]


class StageDefinition(Section):
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
