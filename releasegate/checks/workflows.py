"""workflows: zizmor on the head's GitHub Actions workflows, offline and fail closed.

The pipeline that ships the release is judged like the code it ships. What is
audited: the head's workflows (``.github/workflows/*.yml`` / ``*.yaml``: GitHub
runs no other file as a workflow) and action definitions (``action.yml`` /
``action.yaml`` in any directory: a workflow runs a local action from wherever
``uses: ./DIR`` names), as the analysers' snapshot holds them (``ctx.tree``): a link inside the
repository is audited under its own name, one leaving it is never read (and
makes this check ``error``, naming it, besides the ``tree`` check's failure).
In pull-request mode only the changed ones are audited, like any static scope
(one judged under a link's name is changed when the link's target changed).

The head under judgement cannot configure its judge:

- ``--config`` of our own: zizmor reads one configuration file, written by this
  check from the trusted policy (``static.workflows.pinning``, the ``unpinned-uses``
  policies), so no ``zizmor.yml`` of the tree (or above it) is read: it cannot disable
  or re-configure a rule; such files are listed in the evidence;
- ``--no-ignores``: ``# zizmor: ignore[rule]`` comments are not obeyed. The
  finding is reported like any other and says that the head marks it ignored;
  the trusted policy's ``waivers`` (or the baseline) accept it, not the author
  of the workflow under judgement;
- ``--offline``: no network at all (the audits that need the GitHub API, such as
  impostor commits or known-vulnerable actions, do not run); an environment of
  its own (``HOME``, caches in a scratch directory; no token, no ``ZIZMOR_*``).

Only the trusted policy's ``static.workflows.persona`` and ``pinning`` reach zizmor. Every
finding becomes a ``Finding`` (rule ``zizmor.<audit>``, zizmor's severity and
confidence, the primary location's line, the audit's documentation URL) judged
by ``static.block_on``, the baseline and the waivers like bandit's and semgrep's.

Fail closed: zizmor not installed, a version outside ``REQUIREMENT``, an input
it cannot load (``--strict-collection``: a syntax or schema error is a failure,
not a warning that skips the file), an exit status other than 0
(``--no-exit-codes``: findings do not change it), or output that is not the
JSON shape below make the check ``error`` with a one-line cause naming zizmor.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from releasegate.checkapi import BaseCheck, CheckContext, result_maker
from releasegate.errors import ToolError
from releasegate.fingerprint import Located, fingerprints
from releasegate.globs import matches
from releasegate.model import CheckResult, Confidence, Finding, JSONValue, Severity, Stage, Status
from releasegate.policy.fields import PinRequirement
from releasegate.policy.schema import Policy
from releasegate.procs import ToolRunner, chunked, first_line
from releasegate.snapshot import IssueKind, TreeIssue

TOOL = "zizmor"
RULE_PREFIX = "zizmor."
# The zizmor releasegate is tested with; pyproject.toml requires the same range.
REQUIREMENT = ">=1.32,<2"
INSTALL_HINT = f"pip install 'zizmor{REQUIREMENT}' into the environment that runs releasegate"
ENV_ZIZMOR = "RELEASEGATE_ZIZMOR"

# Every option is chosen, none left to zizmor's defaults or to its environment.
FLAGS = (
    "--offline",
    "--no-ignores",
    "--strict-collection",
    "--no-exit-codes",
    "--format=json-v1",
    "--no-progress",
    "--color=never",
)
# zizmor's configuration file names: never read (our own --config), listed when present.
CONFIG_NAMES = frozenset({"zizmor.yml", "zizmor.yaml"})

NOT_APPLICABLE = (
    "not applicable: the head has no GitHub Actions workflow (.github/workflows/*.yml, "
    "*.yaml) and no action definition (action.yml, action.yaml); nothing to audit"
)

_WORKFLOW = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
# Any directory: a workflow runs a local action from wherever `uses: ./DIR` names (an
# example action that never runs is waived or baselined, not skipped).
_ACTION = re.compile(r"^(?:.*/)?action\.ya?ml$")
_IDENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VERSION = re.compile(r"^zizmor (\S+)$")
_NAMES_IN_CAUSE = 5

_SEVERITIES = {
    "Informational": Severity.INFO,
    "Low": Severity.LOW,
    "Medium": Severity.MEDIUM,
    "High": Severity.HIGH,
    # zizmor could not rate it: judged as its highest rating (fail closed).
    "Unknown": Severity.HIGH,
}
_CONFIDENCES = {
    "Low": Confidence.LOW,
    "Medium": Confidence.MEDIUM,
    "High": Confidence.HIGH,
    "Unknown": Confidence.HIGH,
}


def is_workflow_file(path: str) -> bool:
    """Whether ``path`` (a repository path) is a file this check audits."""
    return bool(_WORKFLOW.match(path) or _ACTION.match(path))


def workflow_files(files: Collection[str]) -> list[str]:
    """The files of ``files`` this check audits, sorted."""
    return sorted(path for path in files if is_workflow_file(path))


def _under_workflows(path: str) -> bool:
    """Whether a tree issue at ``path`` hides something this check would audit: the file
    itself, or a directory (a link, a submodule) that workflows or actions live under."""
    if is_workflow_file(path):
        return True
    return path in (".github", ".github/workflows") or (
        path == ".github/actions" or path.startswith(".github/actions/")
    )


def _unanalysed(ctx: CheckContext) -> list[TreeIssue]:
    allowed = ctx.policy.static.unanalysed_submodules
    return [
        issue
        for issue in ctx.tree_issues
        if issue.blocking
        and _under_workflows(issue.path)
        and not (
            issue.kind is IssueKind.SUBMODULE_UNANALYSED
            and bool(allowed)
            and matches(allowed, issue.path)
        )
    ]


# --- zizmor's JSON (json-v1), validated -----------------------------------------------


class OutputError(ValueError):
    """zizmor's output does not have the expected shape; ``str()`` says where."""


@dataclass(frozen=True, kw_only=True)
class Report:
    """One zizmor finding, reduced to what a ``Finding`` needs."""

    ident: str
    description: str
    url: str
    severity: Severity
    confidence: Confidence
    persona: str
    path: str
    line: int
    end_line: int
    column: int
    annotation: str
    feature: str
    ignored: bool


def _wrong(raw: Mapping[str, object], key: str, kind: str, where: str) -> OutputError:
    found = "missing" if key not in raw else f"a {type(raw[key]).__name__}"
    return OutputError(f"{where}.{key} is {found}, not {kind}")


def _str(raw: Mapping[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise _wrong(raw, key, "a string", where)
    return value


def _obj(raw: Mapping[str, object], key: str, where: str) -> dict[str, object]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise _wrong(raw, key, "an object", where)
    return value


def _list(raw: Mapping[str, object], key: str, where: str) -> list[object]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise _wrong(raw, key, "a list", where)
    return value


def _bool(raw: Mapping[str, object], key: str, where: str) -> bool:
    value = raw.get(key)
    if not isinstance(value, bool):
        raise _wrong(raw, key, "true or false", where)
    return value


def _count(value: object) -> int | None:
    """``value`` when it is a row or column number (an int >= 0, not a bool)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _point(raw: Mapping[str, object], key: str, where: str) -> tuple[int, int]:
    point = _obj(raw, key, where)
    row, column = _count(point.get("row")), _count(point.get("column"))
    if row is None or column is None:
        raise OutputError(f"{where}.{key} has no row/column")
    return row, column


def _primary(locations: list[object], where: str) -> tuple[dict[str, object], str]:
    for index, location in enumerate(locations):
        at = f"{where}.locations[{index}]"
        if not isinstance(location, dict):
            raise OutputError(f"{at} is not an object")
        symbolic = _obj(location, "symbolic", at)
        if _str(symbolic, "kind", f"{at}.symbolic") == "Primary":
            return location, at
    raise OutputError(f"{where} has no primary location")


def _report(raw: object, index: int, requested: Collection[str]) -> Report:
    where = f"findings[{index}]"
    if not isinstance(raw, dict):
        raise OutputError(f"{where} is not an object")
    ident = _str(raw, "ident", where)
    if not _IDENT.match(ident):
        raise OutputError(f"{where}.ident {ident!r} is not an audit name")
    determinations = _obj(raw, "determinations", where)
    severity = _SEVERITIES.get(_str(determinations, "severity", f"{where}.determinations"))
    confidence = _CONFIDENCES.get(_str(determinations, "confidence", f"{where}.determinations"))
    if severity is None or confidence is None:
        raise OutputError(
            f"{where}: unknown severity/confidence {determinations['severity']!r}/"
            f"{determinations['confidence']!r}"
        )
    location, at = _primary(_list(raw, "locations", where), where)
    symbolic = _obj(location, "symbolic", at)
    key = _obj(symbolic, "key", f"{at}.symbolic")
    local = key.get("Local")
    if not isinstance(local, dict):
        raise OutputError(f"{at}: not a local file ({', '.join(sorted(key)) or 'no key'})")
    path = _str(local, "verbatim_path", f"{at}.symbolic.key.Local")
    if path not in requested:
        raise OutputError(f"{at}: reports {path!r}, a file it was not asked to audit")
    concrete = _obj(location, "concrete", at)
    span = _obj(concrete, "location", f"{at}.concrete")
    (row, column) = _point(span, "start_point", f"{at}.concrete.location")
    (end_row, end_column) = _point(span, "end_point", f"{at}.concrete.location")
    if (end_row, end_column) < (row, column):
        raise OutputError(f"{at}: the location ends before it starts")
    # zizmor's rows and columns count from 0; an end at column 0 ends the line before.
    end_line = end_row if end_column == 0 and end_row > row else end_row + 1
    ignored = _bool(raw, "ignored", where)
    return Report(
        ident=ident,
        description=_str(raw, "desc", where),
        url=_str(raw, "url", where),
        severity=severity,
        confidence=confidence,
        persona=_str(determinations, "persona", f"{where}.determinations"),
        path=path,
        line=row + 1,
        end_line=end_line,
        column=column + 1,
        annotation=_str(symbolic, "annotation", f"{at}.symbolic"),
        feature=_str(concrete, "feature", f"{at}.concrete"),
        ignored=ignored,
    )


def parse_output(stdout: bytes, requested: Collection[str]) -> list[Report]:
    """Validate zizmor's ``--format=json-v1`` output; raises ``OutputError``.

    ``requested`` are the paths zizmor was given: a finding anywhere else is unexpected.
    """
    try:
        data = json.loads(stdout.decode("utf-8"))
    except UnicodeDecodeError:
        raise OutputError("output is not UTF-8") from None
    except ValueError as exc:
        raise OutputError(f"output is not JSON ({first_line(str(exc))})") from None
    if not isinstance(data, list):
        raise OutputError("output is not a JSON list of findings")
    return [_report(raw, index, requested) for index, raw in enumerate(data)]


# --- running zizmor -------------------------------------------------------------------


def zizmor_command(environ: Mapping[str, str]) -> str:
    """The zizmor executable: ``RELEASEGATE_ZIZMOR``, else the one installed beside this
    Python (``pip install releasegate`` puts it there), else ``zizmor`` on PATH."""
    configured = environ.get(ENV_ZIZMOR)
    if configured:
        return configured
    beside = Path(sys.executable).parent / "zizmor"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("zizmor", path=environ.get("PATH", ""))
    if found is None:
        raise ToolError(
            "zizmor: not found (neither beside releasegate's Python nor on PATH)",
            hint=INSTALL_HINT,
        )
    return found


def environment(scratch: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """zizmor's environment: an allow-list, with a home and caches of its own.

    No token (``GH_TOKEN``, ``GITHUB_TOKEN``...), no ``ZIZMOR_*`` setting (a
    ``ZIZMOR_CONFIG`` would name a configuration), no proxy: it runs offline.
    """
    env = {
        name: environ[name]
        for name in ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")
        if name in environ
    }
    env.update(
        {
            "HOME": str(scratch / "home"),
            "XDG_CACHE_HOME": str(scratch / "cache"),
            "XDG_CONFIG_HOME": str(scratch / "config"),
            "XDG_DATA_HOME": str(scratch / "data"),
            "RUST_BACKTRACE": "0",
            "RUST_LIB_BACKTRACE": "0",
            "NO_COLOR": "1",
        }
    )
    return env


def zizmor_version(tools: ToolRunner, exe: str, env: Mapping[str, str]) -> str:
    """The version of ``exe``, which must be within ``REQUIREMENT``; raises ``ToolError``."""
    done = tools.run([exe, "--version"], env=env, tool=TOOL)
    found = _VERSION.match(first_line(done.stdout))
    if done.returncode != 0 or found is None:
        raise ToolError(
            f"zizmor --version failed (status {done.returncode}): "
            f"{first_line(done.stderr or done.stdout)}",
            hint=INSTALL_HINT,
        )
    text = found.group(1)
    try:
        supported = Version(text) in SpecifierSet(REQUIREMENT)
    except InvalidVersion:
        supported = False
    if not supported:
        raise ToolError(
            f"zizmor {text} ({exe}) is not a version releasegate supports (zizmor{REQUIREMENT})",
            hint=INSTALL_HINT,
        )
    return text


def scan_argv(exe: str, persona: str, config: Path, cache: Path, files: Sequence[str]) -> list[str]:
    """The one zizmor command line of the gate."""
    return [
        exe, *FLAGS, f"--config={config}", f"--persona={persona}", f"--cache-dir={cache}",
        "--", *files,
    ]  # fmt: skip


def pinning_policies(pinning: Mapping[str, PinRequirement]) -> dict[str, str]:
    """zizmor's ``unpinned-uses`` policies: the policy's map, ``*`` defaulting to hash-pin."""
    policies = {pattern: requirement.value for pattern, requirement in pinning.items()}
    policies.setdefault("*", PinRequirement.HASH_PIN.value)
    return policies


def write_config(scratch: Path, pinning: Mapping[str, PinRequirement]) -> Path:
    """The one configuration zizmor reads: the trusted policy's pinning, nothing else."""
    config = scratch / "zizmor.yml"
    rules = {"rules": {"unpinned-uses": {"config": {"policies": pinning_policies(pinning)}}}}
    config.write_text(json.dumps(rules, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return config


_NOISE = ("INFO ", "WARN ", "DEBUG ", "TRACE ", "fatal: no audit was performed")


def failure_cause(stderr: bytes) -> str:
    """What zizmor said went wrong, on one line (its log lines and backtrace left out)."""
    kept: list[str] = []
    for raw in stderr.decode("utf-8", "replace").splitlines():
        line = " ".join(raw.split())
        if line.startswith("Stack backtrace"):
            break
        if not line or line.startswith(_NOISE):
            continue
        kept.append(line)
    text = " ".join(kept[:4]) or "(no output)"
    return text if len(text) <= 300 else text[:299] + "…"


def _audit(ctx: CheckContext, files: Sequence[str], exe: str, scratch: Path) -> list[Report]:
    env = environment(scratch, ctx.environment.variables)
    settings = ctx.policy.static.workflows
    argv = scan_argv(
        exe,
        settings.persona.value,
        write_config(scratch, settings.pinning),
        scratch / "http-cache",
        files,
    )
    done = ctx.tools.run(argv, cwd=ctx.tree, env=env, tool=TOOL)
    if done.returncode != 0:
        how = (
            f"was killed by signal {-done.returncode}"
            if done.returncode < 0
            else f"exited with status {done.returncode}"
        )
        raise ToolError(
            f"zizmor {how}: {failure_cause(done.stderr)}",
            hint="fix the file it names (GitHub would not run it either), or run zizmor on it "
            "by hand to see why",
        )
    try:
        return parse_output(done.stdout, set(files))
    except OutputError as exc:
        raise ToolError(
            f"zizmor exited with status 0 and unusable output ({exc}): {first_line(done.stdout)}",
            hint=f"run zizmor --format=json-v1 on these files by hand; {INSTALL_HINT}",
        ) from None


def to_findings(reports: Sequence[Report]) -> list[Finding]:
    """Findings with fingerprints over (rule, path, the flagged YAML, occurrence).

    The flagged text is zizmor's feature (the span it flags, without comments) with
    white space collapsed, handed over as one string literal: the fingerprint's Python
    tokenizer would otherwise read YAML as broken Python. Moving a step, re-indenting or
    commenting it keeps the fingerprint.
    """
    ordered = sorted(reports, key=lambda r: (r.path, r.line, r.column, r.ident, r.end_line))
    located = [
        Located(
            tool=TOOL,
            rule_id=RULE_PREFIX + report.ident,
            path=report.path,
            line=report.line,
            code=repr(" ".join(report.feature.split())),
        )
        for report in ordered
    ]
    findings = []
    for report, fingerprint in zip(ordered, fingerprints(located), strict=True):
        message = (
            f"{report.description}: {report.annotation}"
            if report.annotation
            else (report.description)
        )
        if report.ignored:
            message += (
                " (the head marks it `# zizmor: ignore`, which releasegate does not obey: "
                "a policy waiver or the baseline accepts it)"
            )
        findings.append(
            Finding(
                tool=TOOL,
                rule_id=RULE_PREFIX + report.ident,
                rule_name=report.ident,
                severity=report.severity,
                confidence=report.confidence,
                path=report.path,
                line=report.line,
                end_line=max(report.end_line, report.line),
                column=report.column,
                message=message,
                help_uri=report.url,
                fingerprint=fingerprint,
            )
        )
    return findings


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(p if p.isprintable() else repr(p) for p in paths[:_NAMES_IN_CAUSE])
    more = len(paths) - _NAMES_IN_CAUSE
    return f"{shown} and {more} more" if more > 0 else shown


@dataclass(frozen=True, kw_only=True)
class WorkflowsCheck(BaseCheck):
    """The ``workflows`` check: zizmor on the head's workflows and action definitions."""

    baselined_tools: ClassVar[frozenset[str]] = frozenset({TOOL})

    id: str = "workflows"
    stage: Stage = Stage.STATIC

    def reads(
        self, policy: Policy, files: Sequence[str], all_files: Sequence[str]
    ) -> Collection[str] | None:
        head = all_files or files
        return [*workflow_files(head), *(p for p in head if Path(p).name in CONFIG_NAMES)]

    def enabled(self, policy: Policy) -> bool:
        return policy.static.required and policy.static.workflows.enabled is not False

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.monotonic()
        settings = ctx.policy.static.workflows
        head = workflow_files(ctx.all_files or ctx.files)
        targets = workflow_files(ctx.files)
        unanalysed = _unanalysed(ctx)
        configs = sorted(p for p in ctx.all_files or ctx.files if Path(p).name in CONFIG_NAMES)
        evidence: dict[str, JSONValue] = {
            "tool": TOOL,
            "enabled": settings.enabled,
            "persona": settings.persona.value,
            "pinning": dict(pinning_policies(settings.pinning)),
            "flags": list(FLAGS),
            "workflow_files": len(head),
            "files": list(targets),
        }
        if configs:
            evidence["configs_not_read"] = list(configs)

        result = result_maker(self, started, evidence)

        if not head and not unanalysed and settings.enabled == "auto":
            # Nothing of the kind exists, so nothing can be wrong with it: a pass that says
            # why (a skipped check would read as "not run" next to the others).
            evidence["note"] = NOT_APPLICABLE
            return result(Status.PASS)
        causes = [f"{_names([i.path])}: {i.detail}" for i in unanalysed]
        if unanalysed:
            evidence["unanalysed"] = [
                {"path": i.path, "kind": i.kind.value, "detail": i.detail} for i in unanalysed
            ]
        exe = zizmor_command(ctx.environment.variables)
        ctx.cache_dir.mkdir(parents=True, exist_ok=True)
        reports: list[Report] = []
        with tempfile.TemporaryDirectory(prefix="zizmor-", dir=ctx.cache_dir) as scratch:
            evidence["zizmor_version"] = zizmor_version(
                ctx.tools, exe, environment(Path(scratch), ctx.environment.variables)
            )
            for chunk in chunked(targets):
                reports.extend(_audit(ctx, chunk, exe, Path(scratch)))
        if not targets and head:
            evidence["note"] = "no workflow or action file changed in this range: nothing to audit"
        elif not targets:
            evidence["note"] = "the head has no workflow or action file: nothing to audit" + (
                " (static.workflows.enabled: true runs the check all the same)"
                if settings.enabled is True
                else ""
            )
        findings = to_findings(reports)
        ignored = sum(1 for report in reports if report.ignored)
        evidence["findings"] = len(findings)
        evidence["ignore_comments_not_obeyed"] = ignored
        if causes:
            shown = "; ".join(causes[:_NAMES_IN_CAUSE])
            more = len(causes) - _NAMES_IN_CAUSE
            if more > 0:
                shown += f"; and {more} more (see the evidence)"
            # The tree check fails on them too; here: which workflows zizmor never saw.
            return result(Status.ERROR, [f"not audited by zizmor: {shown}"], findings)
        return result(Status.PASS, (), findings)


WORKFLOWS = WorkflowsCheck()
