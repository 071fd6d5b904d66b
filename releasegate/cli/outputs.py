"""What a judging command writes after the verdict: the reports, the GitHub Actions
summary and outputs, the attestation and the audit record. Nothing an output can do
loses the verdict or the record."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import git
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from releasegate import __version__
from releasegate.audit import (
    DEFAULT_AUDIT_LOG,
    append_record,
    gate_record,
    signoff_used,
    who_and_where,
)
from releasegate.context import ReleaseContext
from releasegate.errors import ReleasegateError, UsageError
from releasegate.files import write_atomic
from releasegate.model import (
    EXIT_USAGE,
    CheckResult,
    Decision,
    JSONValue,
    verdict_exit_code,
)
from releasegate.pipeline import Evaluation
from releasegate.policy.fields import POLICY_FILE
from releasegate.reports import (
    LinkBase,
    render_json,
    render_markdown,
    render_sarif,
    render_terminal,
)
from releasegate.reports.annotations import render_annotations
from releasegate.reports.attestation import build_vsa
from releasegate.reports.github_outputs import decision_outputs, write_outputs
from releasegate.signoff.dsse import sign_statement
from releasegate.signoff.notes import NOTES_REF


class LiveProgress:
    """Live per-check progress on stderr while checks run."""

    def __init__(self, console: Console) -> None:
        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def started(self, check_id: str) -> None:
        self._tasks[check_id] = self._progress.add_task(f"{check_id}: running", total=1)

    def finished(self, result: CheckResult) -> None:
        task = self._tasks.get(result.id)
        if task is not None:
            self._progress.update(
                task, completed=1, description=f"{result.id}: {result.status.value}"
            )


def _links(decision: Decision, environ: Mapping[str, str]) -> LinkBase | None:
    server = environ.get("GITHUB_SERVER_URL")
    repository = environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return LinkBase(server_url=server, repository=repository, commit=decision.release.commit)
    return None


def preflight(args: argparse.Namespace) -> None:
    """Refuse what cannot work before judging anything; drop stale outputs.

    A report left at ``--json`` by an earlier run must never pass for this
    run's: every output file is removed now and written anew at the end.
    """
    if args.github_output and not args.environment.get("GITHUB_OUTPUT"):
        raise UsageError(
            "--github-output: $GITHUB_OUTPUT is not set (not in GitHub Actions?)",
            hint="drop --github-output outside GitHub Actions",
        )
    if getattr(args, "attestation_key", None) is not None and args.attestation is None:
        raise UsageError("--attestation-key needs --attestation FILE")
    if getattr(args, "vsa_predicate", None) is not None and args.vsa_predicate == getattr(
        args, "attestation", None
    ):
        raise UsageError("--vsa-predicate and --attestation name the same file")
    for reporter in REPORTERS:
        if reporter.replaces is None:
            continue
        path: Path | None = getattr(args, reporter.replaces, None)
        if path is None:
            continue
        with contextlib.suppress(OSError):  # a directory or unwritable: reported at the end
            path.unlink()


@dataclass
class _Run:
    """What the reporters write from: one verdict, the command line, the environment."""

    decision: Decision
    args: argparse.Namespace
    evaluation: Evaluation | None
    record_id: str | None = None  # the release record appended, once it is

    @property
    def environ(self) -> Mapping[str, str]:
        variables: Mapping[str, str] = self.args.environment.variables
        return variables

    @functools.cached_property
    def links(self) -> LinkBase | None:
        return _links(self.decision, self.environ)

    @functools.cached_property
    def summary(self) -> str:
        return render_markdown(self.decision, links=self.links)

    @functools.cached_property
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)

    @functools.cached_property
    def vsa(self) -> dict[str, JSONValue]:
        """The VSA of ``--attestation``, made once: the file and the record hold the same."""
        if self.evaluation is None:
            raise UsageError("no attestation without an evaluation")
        return attestation_document(self.evaluation, self.now, self.environ)


@dataclass(frozen=True, kw_only=True)
class Reporter:
    """One output a judging command can write: where it goes (None: not asked for) and
    how it is written there. A failure is reported as ``<label> <target>: not written``."""

    label: str
    target: Callable[[_Run], str | None]
    write: Callable[[_Run, str], None]
    # The option naming a file this output writes anew: a stale one is removed up front.
    replaces: str | None = None


def _path(flag: str) -> Callable[[_Run], str | None]:
    def target(run: _Run) -> str | None:
        value = getattr(run.args, flag, None)
        return None if value is None else str(value)

    return target


def _sarif(run: _Run, path: str) -> None:
    uri = f"{run.links.server_url}/{run.links.repository}" if run.links else None
    write_atomic(Path(path), render_sarif(run.decision, repository_uri=uri))


def _append_step_summary(run: _Run, path: str) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(run.summary + "\n")


def _annotate(run: _Run, _target: str) -> None:
    pointer = str(run.args.json) if run.args.json else None
    sys.stdout.write(render_annotations(run.decision, report=pointer))
    sys.stdout.flush()


def _github_output(run: _Run, _target: str) -> None:
    values = decision_outputs(
        run.decision,
        report=run.args.json,
        sarif=run.args.sarif,
        summary=run.args.summary,
        record_id=run.record_id,
        vsa_predicate=getattr(run.args, "vsa_predicate", None),
    )
    github_output_file(values, run.environ)


def _attestation(run: _Run, _target: str) -> None:
    if run.evaluation is not None:
        write_attestation_file(
            run.args.attestation, attestation_text(run.vsa), run.args.attestation_key
        )


# Every output of ``run`` and ``merge``, in the order they are written (after the
# verdict is printed and the audit record appended). A new output is one line here.
REPORTERS: tuple[Reporter, ...] = (
    Reporter(
        label="--json",
        target=_path("json"),
        write=lambda run, path: write_atomic(Path(path), render_json(run.decision)),
        replaces="json",
    ),
    Reporter(label="--sarif", target=_path("sarif"), write=_sarif, replaces="sarif"),
    Reporter(
        label="--summary",
        target=_path("summary"),
        write=lambda run, path: write_atomic(Path(path), run.summary),
        replaces="summary",
    ),
    Reporter(
        label="$GITHUB_STEP_SUMMARY",
        target=lambda run: run.environ.get("GITHUB_STEP_SUMMARY") or None,
        write=_append_step_summary,
    ),
    Reporter(
        label="--annotations",
        target=lambda run: "" if run.args.annotations else None,
        write=_annotate,
    ),
    Reporter(
        label="--github-output",
        target=lambda run: "" if run.args.github_output else None,
        write=_github_output,
    ),
    Reporter(
        label="--attestation",
        target=lambda run: (
            None
            if run.evaluation is None or run.args.attestation is None
            else str(run.args.attestation)
        ),
        write=_attestation,
        replaces="attestation",
    ),
    Reporter(
        label="--vsa-predicate",
        target=lambda run: (
            None
            if run.evaluation is None or getattr(run.args, "vsa_predicate", None) is None
            else str(run.args.vsa_predicate)
        ),
        write=lambda run, path: write_atomic(Path(path), vsa_predicate_text(run.vsa)),
        replaces="vsa_predicate",
    ),
)


def _outputs(run: _Run) -> list[tuple[str, Callable[[], None]]]:
    """Each output the command line asks for, as (what, how to write it)."""
    outputs: list[tuple[str, Callable[[], None]]] = []
    for reporter in REPORTERS:
        target = reporter.target(run)
        if target is None:
            continue
        what = f"{reporter.label} {target}" if target else reporter.label
        outputs.append((what, functools.partial(reporter.write, run, target)))
    return outputs


def conclude(decision: Decision, args: argparse.Namespace, evaluation: Evaluation | None) -> int:
    """Print the verdict, append the audit record, then write each output.

    Nothing an output can do loses the verdict or the record: a file that cannot
    be written is reported on its own line afterwards, and the exit code is 2.
    """
    out = Console(file=sys.stdout, soft_wrap=False)
    print(render_terminal(decision, width=out.width, color=out.is_terminal), end="")
    sys.stdout.flush()
    failures: list[str] = []
    run = _Run(decision=decision, args=args, evaluation=evaluation)
    if evaluation is not None:
        try:
            appended = record(args, evaluation, now=run.now, vsa=_vsa(run))
            if appended is not None:
                run.record_id = str(appended[1].get("id") or "")
        except (OSError, ReleasegateError) as exc:
            failures.append(f"the audit record was not written: {_cause(exc)}")
    for what, write in _outputs(run):
        try:
            write()
        except (OSError, ReleasegateError) as exc:
            failures.append(f"{what}: not written: {_cause(exc)}")
    for failure in failures:
        print(f"releasegate: error: {failure}", file=sys.stderr)
    return EXIT_USAGE if failures else verdict_exit_code(decision.verdict)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, ReleasegateError):
        return exc.diagnostics()
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc) or type(exc).__name__


def github_output_file(outputs: dict[str, str], environ: Mapping[str, str]) -> None:
    target = environ.get("GITHUB_OUTPUT")
    if not target:
        raise UsageError("--github-output: $GITHUB_OUTPUT is not set (not in GitHub Actions?)")
    write_outputs(Path(target), outputs)


def git_config(release: ReleaseContext, key: str) -> str | None:
    try:
        value = str(release.repo.git.config("--get", key)).strip()
    except git.GitCommandError:
        return None
    return value or None


def _strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def repository_uri(release: ReleaseContext, environ: Mapping[str, str]) -> str:
    """Where the repository lives: GitHub's URL in Actions, else origin's, else the path."""
    server, repository = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server.rstrip('/')}/{repository}"
    origin = git_config(release, "remote.origin.url")
    if origin:
        return _strip_credentials(origin)
    return str(release.root)


def _policy_uri(evaluation: Evaluation, repo_uri: str) -> str:
    release, loaded = evaluation.release, evaluation.loaded
    if not loaded.trusted:
        return "file:" + loaded.source.removesuffix(" (--config, untrusted)")
    if release.base is not None and release.show(release.base, POLICY_FILE) is not None:
        return f"git+{repo_uri}@{release.base}#{POLICY_FILE}"
    return f"releasegate:embedded-default-policy@{__version__}"


def _signoff_source(decision: Decision) -> tuple[str, str] | None:
    used = signoff_used(decision)
    if not isinstance(used, dict):
        return None
    digest = used.get("statement_digest")
    if not isinstance(digest, str):
        return None
    source = str(used.get("source") or "")
    if source.startswith("file "):
        return "file:" + source.removeprefix("file "), digest
    return f"git+notes:{NOTES_REF}@{decision.release.commit}", digest


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_LIKE = re.compile(r"(?P<user>[^@/:\s]+)@(?P<host>[^:/\s]+):(?P<path>[^\s]+)")


def _as_uri(location: str) -> str:
    """A URI for where the repository lives: a URL as it is, ``user@host:path`` (git's
    scp-like form) as ``ssh://``, a local path as ``file://`` (VSA fields are URIs)."""
    if _URI_SCHEME.match(location):
        return location
    scp = _SCP_LIKE.fullmatch(location)
    if scp is not None:
        return f"ssh://{scp['user']}@{scp['host']}/{scp['path'].lstrip('/')}"
    return Path(location).resolve().as_uri()


def attestation_document(
    evaluation: Evaluation, now: dt.datetime, environ: Mapping[str, str]
) -> dict[str, JSONValue]:
    """The in-toto Statement with the SLSA VSA predicate of this evaluation."""
    decision = evaluation.decision
    repo_uri = _as_uri(repository_uri(evaluation.release, environ))
    signoff = _signoff_source(decision)
    document = build_vsa(
        decision,
        resource_uri=f"git+{repo_uri}@{decision.release.commit}",
        policy_uri=_policy_uri(evaluation, repo_uri),
        evidence_digest=evaluation.evidence.digest,
        time_verified=now,
        input_attestations=[signoff] if signoff is not None else [],
    )
    return document


def attestation_text(document: Mapping[str, JSONValue]) -> str:
    """The attestation file's text: the document, keys sorted, ASCII."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def vsa_predicate_text(document: Mapping[str, JSONValue]) -> str:
    """Just the VSA predicate of the Statement (what ``actions/attest`` takes as
    ``predicate-path``: it makes the Statement, with the artifacts as subject)."""
    return json.dumps(document["predicate"], indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def write_attestation_file(path: Path, text: str, key: Path | None) -> None:
    """Without a key, the Statement itself; with one, the DSSE envelope of the Statement
    signed with it (in-toto's signed form; ``releasegate verify-attestation`` checks it)."""
    data = text.encode("utf-8")
    if key is None:
        write_atomic(path, data)
    else:
        write_atomic(path, sign_statement(key, data).to_json())


def _audit_path(args: argparse.Namespace, repo: git.Repo) -> Path:
    explicit: Path | None = args.audit_log
    if explicit is not None:
        return explicit
    return Path(repo.common_dir).resolve() / DEFAULT_AUDIT_LOG


def _vsa(run: _Run) -> Mapping[str, JSONValue] | None:
    """The VSA this run writes (``--attestation``, ``--vsa-predicate``), for its record;
    None when it cannot be made (the attestation output then reports why)."""
    if run.args.attestation is None and getattr(run.args, "vsa_predicate", None) is None:
        return None
    try:
        return run.vsa
    except (OSError, ReleasegateError):
        return None


def _source_url(release: ReleaseContext, environ: Mapping[str, str]) -> str | None:
    """The repository's web address when it is on a forge (for links to the code)."""
    uri = repository_uri(release, environ)
    if uri.startswith("git@") and ":" in uri:
        host, _, path = uri.removeprefix("git@").partition(":")
        uri = f"https://{host}/{path}"
    if not uri.startswith(("https://", "http://")):
        return None
    return uri.removesuffix(".git")


def record(
    args: argparse.Namespace,
    evaluation: Evaluation,
    *,
    now: dt.datetime,
    vsa: Mapping[str, JSONValue] | None = None,
) -> tuple[Path, dict[str, JSONValue]] | None:
    """Append the run's audit record (unless ``--no-audit``), with the VSA it wrote:
    the log and the sealed record."""
    if args.no_audit:
        return None
    environ: Mapping[str, str] = args.environment.variables
    path = _audit_path(args, evaluation.release.repo)
    waivers = evaluation.evidence.data.get("waivers")
    body = gate_record(
        evaluation.decision,
        evidence_digest=evaluation.evidence.digest,
        time=now,
        who=who_and_where(environ),
        waivers=[w for w in waivers if isinstance(w, dict)] if isinstance(waivers, list) else [],
        baseline=evaluation.static.baseline,
        suppressed=len(evaluation.static.suppressions),
        environ=environ,
        source_url=_source_url(evaluation.release, environ),
        vsa=vsa,
    )
    return path, append_record(path, body, anchor_in=evaluation.release.git_dir)
