"""``releasegate dashboard``: a static, self-contained site from the release records.

``build_site`` is a pure function of a sequence of records (``codec.RecordJSON``): it
returns the site's files (relative path -> bytes); the CLI writes them. The site needs
no server and fetches nothing: every page carries a Content-Security-Policy that allows
only its own ``style.css`` (no script at all), every text that came from a record is
escaped by jinja2's autoescape (and cleaned of control and bidirectional characters),
charts are inline SVG made by ``svg.py``, and only http(s) URLs ever become links.

- ``index.html``: can the newest candidate ship, and why not; the shipped releases
  that the newest ``releasegate watch`` run found affected by advisories published
  after they shipped; what needs attention; trends; the history of the newest
  ``limit`` runs;
- ``runs/<id>.html``: one page per run shown: the reason tree, findings (linked to the
  code on the forge), approvals, sign-off, digests and the command that verifies it;
- ``history.csv``: the chain of custody of every record (formula-guarded);
- ``history.json``: every record as the codec writes it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from releasegate.codec import SEAL_KEYS, RecordJSON, WatchRecordJSON
from releasegate.model import Severity, Status, Verdict
from releasegate.reports.dashboard import history, svg
from releasegate.reports.escape import clean_text

__all__ = ["Site", "SiteSummary", "build_site", "csv_cell", "history_csv", "history_json"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'"
)
DEFAULT_LIMIT = 200
MAX_TREE_DEPTH = 12  # a reason tree deeper than this is cut (the record keeps it whole)
CSV_COLUMNS = (
    "time",
    "commit",
    "ref",
    "mode",
    "decision",
    "pull_requests",
    "approvers",
    "signer",
    "run_url",
    "record_id",
    "seq",
    "digest",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SEVERITY_CSS = {
    Severity.CRITICAL: "sev-critical",
    Severity.HIGH: "sev-high",
    Severity.MEDIUM: "sev-medium",
    Severity.LOW: "sev-low",
    Severity.INFO: "sev-info",
}


@dataclass(frozen=True, kw_only=True)
class SiteSummary:
    records: int
    shown: int
    run_pages: int
    newest_decision: Verdict | None
    files: int
    bytes: int


@dataclass(frozen=True, kw_only=True)
class Row:
    """One run in the history table."""

    record: RecordJSON
    page: str  # its run page, relative to the index
    cells: list[Status | None]  # one per stage column (None: not run)
    tag: str | None
    release: bool
    first_reason: str


@dataclass(frozen=True, kw_only=True)
class Site:
    files: dict[str, bytes]  # relative POSIX path -> content
    summary: SiteSummary


# --- the text exports ----------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet never evaluates: text starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def history_csv(records_newest_first: Sequence[RecordJSON]) -> str:
    """The chain of custody: one row per record, newest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records_newest_first:
        approvers = sorted({a for pull in r.pull_requests for a in pull.approvers})
        writer.writerow(
            csv_cell(value)
            for value in (
                r.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                r.commit,
                r.ref or "",
                r.mode.value,
                r.decision.value,
                " ".join(f"#{p.number}" for p in r.pull_requests if p.number is not None),
                " ".join(approvers),
                r.signoff.signer if r.signoff is not None else "",
                r.run_url or "",
                r.id,
                "" if r.seq is None else str(r.seq),
                r.digest or "",
            )
        )
    return out.getvalue()


def record_dict(record: RecordJSON) -> dict[str, Any]:
    """A record as the codec writes it (its seal only when sealed)."""
    data = record.model_dump(mode="json")
    for key in SEAL_KEYS:
        if data.get(key) is None:
            data.pop(key, None)
    return data


def history_json(records_newest_first: Sequence[RecordJSON]) -> str:
    return (
        json.dumps(
            [record_dict(r) for r in records_newest_first], ensure_ascii=False, allow_nan=False
        )
        + "\n"
    )


# --- rendering -----------------------------------------------------------------------------


def _finalize(value: object) -> object:
    """Every ``{{ }}`` output: record text cleaned of controls and bidi overrides (then
    autoescaped); markup made here (the charts) passes as it is."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return clean_text(value)
    return value


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("releasegate.reports.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status"] = lambda s: history.STATUS_TEXT[s]
    env.filters["verdict"] = lambda v: history.VERDICT_TEXT[v]
    env.filters["when"] = lambda t: t.strftime("%Y-%m-%d %H:%M UTC")
    env.filters["short"] = lambda text, n=12: text[:n]
    env.globals.update(
        href=history.safe_href,
        code_link=history.code_link,
        status_css=lambda s: "st-" + (s.value if s is not None else "notrun"),
        CSP=CSP,
    )
    return env


def _style() -> bytes:
    return resources.files(__name__).joinpath("style.css").read_bytes()


def _charts(
    shown_oldest_first: Sequence[RecordJSON], all_oldest_first: Sequence[RecordJSON]
) -> dict[str, Markup]:
    points = history.trend(shown_oldest_first)
    labels = [p.label for p in points]
    severities = [
        svg.Series(
            name=severity.value,
            css=_SEVERITY_CSS[severity],
            values=[p.by_severity[severity] for p in points],
        )
        for severity in reversed(Severity)
    ]
    blocking = [svg.Series(name="blocking", css="blocking", values=[p.blocking for p in points])]
    shipped = [s for s in history.time_to_ship(all_oldest_first) if s.seconds is not None][-60:]
    bars = [
        (s.label, (s.seconds or 0.0) / 3600, history.human_duration(s.seconds or 0.0))
        for s in shipped
    ]
    return {
        "severity": svg.line_chart("Findings by severity, run by run", labels, severities),
        "blocking": svg.line_chart("Blocking findings, run by run", labels, blocking),
        "ship": svg.bar_chart("Time from first blocked run to pass, per commit", bars, "hours"),
    }


def _tree(reasons: Sequence[Any], depth: int = 0) -> list[dict[str, Any]]:
    """The reason tree as nested rows, cut at ``MAX_TREE_DEPTH``."""
    if depth >= MAX_TREE_DEPTH:
        return []
    return [{"reason": reason, "children": _tree(reason.children, depth + 1)} for reason in reasons]


def newest_watch(watches: Sequence[WatchRecordJSON]) -> WatchRecordJSON | None:
    """The newest watch run (by time, then position), None without one."""
    if not watches:
        return None
    return max(enumerate(watches), key=lambda pair: (pair[1].time, pair[0]))[1]


def build_site(
    records: Sequence[RecordJSON],
    *,
    limit: int = DEFAULT_LIMIT,
    source_label: str,
    verify_command: str,
    watches: Sequence[WatchRecordJSON] = (),
) -> Site:
    """The dashboard of ``records`` (any order): index, run pages for the newest ``limit``
    runs, and the full history as CSV and JSON; the newest of ``watches`` (watch runs)
    feeds the "Shipped releases now affected" panel."""
    ordered = history.newest_first(records)
    shown = ordered[: max(limit, 0)]
    names = history.page_names(shown)
    oldest_first = list(reversed(ordered))
    stages = history.stages_seen(shown)
    candidate = history.newest_candidate(ordered)
    env = _environment()
    common = {"source_label": source_label, "total": len(ordered), "Status": Status}
    rows = [
        Row(
            record=record,
            page=f"runs/{name}",
            cells=[record.stages.get(stage) for stage in stages],
            tag=history.tag_name(record),
            release=history.is_release(record),
            first_reason=history.first_reason(record),
        )
        for record, name in zip(shown, names, strict=True)
    ]
    candidate_page = next((row.page for row in rows if row.record is candidate), None)
    files: dict[str, bytes] = {
        "style.css": _style(),
        "index.html": env.get_template("index.html.j2")
        .render(
            root="",
            candidate=candidate,
            candidate_page=candidate_page,
            candidate_tag=history.tag_name(candidate) if candidate is not None else None,
            attention=history.attention(ordered),
            watch=newest_watch(watches),
            charts=_charts(list(reversed(shown)), oldest_first),
            stages=stages,
            rows=rows,
            shown=len(shown),
            attention_days=history.ATTENTION_DAYS,
            **common,
        )
        .encode("utf-8"),
        "history.csv": history_csv(ordered).encode("utf-8"),
        "history.json": history_json(ordered).encode("utf-8"),
    }
    run_template = env.get_template("run.html.j2")
    for row in rows:
        files[row.page] = run_template.render(
            root="../",
            r=row.record,
            tag=row.tag,
            tree=_tree(row.record.reason_tree),
            verify_command=verify_command,
            **common,
        ).encode("utf-8")
    return Site(
        files=files,
        summary=SiteSummary(
            records=len(ordered),
            shown=len(shown),
            run_pages=len(rows),
            newest_decision=candidate.decision if candidate is not None else None,
            files=len(files),
            bytes=sum(len(data) for data in files.values()),
        ),
    )
