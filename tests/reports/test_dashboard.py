"""The dashboard's aggregation and rendering, from records made by the codec: what needs
attention, pass-to-fail transitions, time to ship, the CSV's formula guard, the link
rules, and hostile record text that stays text."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from dataclasses import replace

import pytest

from releasegate.codec import RecordJSON, record_from_json
from releasegate.model import JSONValue, Mode, Reason, Stage, Status, Verdict
from releasegate.reports.dashboard import CSP, build_site, csv_cell, history_csv, history_json
from releasegate.reports.dashboard import history as h
from releasegate.reports.dashboard.svg import Series, line_chart

from .conftest import HOSTILE_MESSAGE, bandit_finding, decision_of, judged, release
from .dashboard_records import T0, body, commit_of, gate, records, synthetic

A, B, C = commit_of(1), commit_of(2), commit_of(3)
HOUR = dt.timedelta(hours=1)


def _site(recs: list[RecordJSON], limit: int = 200) -> dict[str, str]:
    site = build_site(
        recs, limit=limit, source_label="the audit log a.jsonl", verify_command="releasegate x"
    )
    return {name: data.decode("utf-8") for name, data in site.files.items()}


def _csp(page: str) -> str | None:
    """The Content-Security-Policy a page's ``<meta>`` declares, as the browser reads it."""
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    return html.unescape(found.group(1)) if found else None


def _waiver(index: int, expires: dt.date) -> dict[str, object]:
    return {
        "index": index,
        "id": f"B60{index}",
        "package": None,
        "paths": ["src/a.py"],
        "owner": f"owner{index}@acme.test",
        "reason": "accepted for now",
        "expires": expires.isoformat(),
    }


# --- aggregation -----------------------------------------------------------------------------


def test_the_history_is_newest_first_and_the_candidate_is_the_newest_release_run() -> None:
    recs = records(
        [
            body(gate("block", commit=A), time=T0),
            body(gate("pass", commit=A), time=T0 + HOUR),
            body(
                gate("block", commit=B, ref="refs/pull/3/merge", mode=Mode.PULL_REQUEST),
                time=T0 + 2 * HOUR,
            ),
        ]
    )
    ordered = h.newest_first(recs)
    assert [r.seq for r in ordered] == [3, 2, 1]
    candidate = h.newest_candidate(ordered)
    assert candidate is not None
    assert (candidate.seq, candidate.decision) == (2, Verdict.PASS)  # the PR run is not it


def test_transitions_name_each_stage_that_went_from_pass_to_fail_or_error() -> None:
    recs = records(
        [
            body(gate("pass", commit=A), time=T0),
            body(gate("block", commit=B, ref="refs/heads/topic"), time=T0 + HOUR),
            body(gate("block", commit=B, review=Status.FAIL), time=T0 + 2 * HOUR),
            body(gate("error", commit=C, ref="refs/heads/topic"), time=T0 + 3 * HOUR),
        ]
    )
    found = h.pass_to_fail(h.newest_first(recs)[::-1])
    # main: 1 (pass, pass) -> 3 (fail, fail); topic: 2 (static fail) -> 4 (static error,
    # review pass): static did not pass at 2, so topic has none.
    assert sorted((t.stage.value, t.before.seq, t.after.seq) for t in found) == [
        ("review", 1, 3),
        ("static", 1, 3),
    ]
    assert {t.status for t in found} == {Status.FAIL}


def test_time_to_ship_is_first_blocked_to_first_pass_per_commit_labelled_by_its_tag() -> None:
    recs = records(
        [
            body(gate("block", commit=A), time=T0),
            body(gate("error", commit=A), time=T0 + HOUR),
            body(gate("pass", commit=A), time=T0 + 5 * HOUR),
            body(gate("pass", commit=A, ref="refs/tags/v1.0.0"), time=T0 + 6 * HOUR),
            body(gate("pass", commit=B), time=T0 + 7 * HOUR),  # passed at once
            body(gate("block", commit=C), time=T0 + 8 * HOUR),  # not shipped yet
        ]
    )
    shipping = {s.commit: s for s in h.time_to_ship(recs)}
    assert shipping[A].label == "v1.0.0"
    assert shipping[A].seconds == 5 * 3600  # error counts as blocked: both block the release
    assert shipping[B].seconds == 0.0
    assert shipping[B].label == B[:12]
    assert shipping[C].seconds is None


def test_a_partial_pass_does_not_ship() -> None:
    partial = decision_of(
        (judged("bandit", Stage.STATIC, Status.PASS),), release_info=release(commit=A)
    )
    partial = replace(partial, verdict=Verdict.PARTIAL_PASS, not_run=("review",))
    recs = records([body(gate("block", commit=A), time=T0), body(partial, time=T0 + HOUR)])
    [shipping] = h.time_to_ship(recs)
    assert shipping.seconds is None


def test_waivers_expiring_within_14_days_of_the_newest_record_or_expired_need_attention() -> None:
    today = T0.date()
    waivers = [
        _waiver(1, today + dt.timedelta(days=3)),
        _waiver(2, today - dt.timedelta(days=2)),
        _waiver(3, today + dt.timedelta(days=30)),
        _waiver(4, today + dt.timedelta(days=14)),
    ]
    old = body(gate("pass", commit=A), time=T0 - dt.timedelta(days=40), waivers=waivers[2:3])
    newest = body(gate("pass", commit=B), time=T0, waivers=waivers)
    attention = h.attention(h.newest_first(records([old, newest])))
    assert attention.reference == today
    assert [(w.what, w.days, w.expired) for w in attention.waivers] == [
        ("B602", -2, True),
        ("B601", 3, False),
        ("B604", 14, False),
    ]
    assert attention.waivers[0].when == "expired 2 days ago"
    assert attention.waivers[1].when == "expires in 3 days"


def test_signoffs_about_to_expire_and_baselined_findings_by_age() -> None:
    signoff = {
        "route": "ssh",
        "principal": "sec@acme.test",
        "signed_at": "2026-03-01T00:00:00Z",
        "expires": (T0.date() + dt.timedelta(days=5)).isoformat(),
        "statement_digest": "sha256:" + "5" * 64,
        "source": "git notes",
    }
    later = {**signoff, "principal": "later@acme.test", "expires": "2026-06-01"}
    baselined = [
        {
            "fingerprint": f"{n:032x}",
            "tool": "bandit",
            "rule_id": "B608",
            "path": f"src/m{n}.py",
            "line": n,
            "owner": "appsec",
            "reason": "legacy",
            "added": (T0.date() - dt.timedelta(days=days)).isoformat(),
        }
        for n, days in ((1, 400), (2, 10))
    ]
    recs = records(
        [
            body(gate("pass", commit=A, signoff=signoff), time=T0 - HOUR),
            body(gate("pass", commit=A, signoff=signoff), time=T0 - HOUR / 2),  # the same one
            body(gate("pass", commit=B, signoff=later), time=T0, baselined=baselined),
        ]
    )
    attention = h.attention(h.newest_first(recs))
    assert [(s.what, s.days, s.commit) for s in attention.signoffs] == [("sec@acme.test", 5, A)]
    ages = [(b.path, b.days) for b in attention.baselined]
    assert ages == [("src/m1.py", 400), ("src/m2.py", 10)]
    assert attention.baselined_total == 2


# --- the CSV and JSON exports --------------------------------------------------------------


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_a_csv_cell_that_could_be_a_formula_gets_a_leading_quote(lead: str) -> None:
    assert csv_cell(lead + "HYPERLINK(1)") == "'" + lead + "HYPERLINK(1)"


def test_history_csv_has_one_guarded_row_per_record() -> None:
    pulls = [
        {
            "number": 9,
            "title": "t",
            "author": "dev",
            "approved": True,
            "approvers": ["=cmd|' /C calc'!A0", "rev"],
            "rejected_approvals": [],
        }
    ]
    recs = records(
        [
            body(gate("block", commit=A, ref='=HYPERLINK("https://evil.example")'), time=T0),
            body(gate("pass", commit=A, pulls=pulls), time=T0 + HOUR, run_url="@SUM(1)"),
        ]
    )
    rows = list(csv.DictReader(io.StringIO(history_csv(h.newest_first(recs)))))
    assert len(rows) == 2
    newest, oldest = rows
    assert oldest["ref"] == '\'=HYPERLINK("https://evil.example")'
    assert newest["approvers"] == "'=cmd|' /C calc'!A0 rev"
    assert newest["run_url"] == "'@SUM(1)"
    assert newest["pull_requests"] == "#9"
    assert (newest["decision"], newest["commit"], newest["seq"]) == ("pass", A, "2")
    assert newest["record_id"] == recs[1].id
    assert newest["time"] == "2026-03-02T10:00:00Z"


def test_history_json_holds_every_record_as_the_codec_reads_it() -> None:
    recs = records(synthetic(12))
    data = json.loads(history_json(h.newest_first(recs)))
    assert len(data) == 12
    read = [record_from_json(item) for item in data]  # the id check passes: bodies unchanged
    assert {r.id for r in read} == {r.id for r in recs}
    assert read[0].seq == 12


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "https://github.com@evil.example/",
        "https://evil.example/a b",
        "https:evil.example",
        "file:///etc/passwd",
        "",
        None,
    ],
)
def test_only_http_and_https_urls_become_links(url: str | None) -> None:
    assert h.safe_href(url) is None


@pytest.mark.parametrize("url", ["https://github.com/acme/shop", "http://forge.test/x?y=1#z"])
def test_http_and_https_urls_are_links(url: str) -> None:
    assert h.safe_href(url) == url


def test_code_links_stay_in_the_commits_tree() -> None:
    commit = commit_of(1)
    base = "https://github.com/acme/shop"
    assert h.code_link(base, commit, "src/a b#c.py", 7) == (
        f"{base}/blob/{commit}/src/a%20b%23c.py#L7"
    )
    assert h.code_link(base, commit, "../../../attacker/repo/blob/main/x.py", 3) is None
    assert h.code_link(base, commit, "/etc/passwd", 3) is None
    assert h.code_link(base, commit, "src\\..\\x.py", 3) is None
    assert h.code_link(base, "main/../../evil", "a.py", 3) is None
    assert h.code_link("javascript:alert(1)//", commit, "a.py", 3) is None
    assert h.code_link(None, commit, "a.py", 3) is None


# --- the pages ------------------------------------------------------------------------------

HOSTILE_TEXT = (
    "<script>document.title='PWNED'</script>"
    "<img src=x onerror=\"document.body.insertAdjacentHTML('beforeend','<b id=pwned></b>')\">"
    "{{ 7*7 }}{% raw %}{% endraw %}{{ self.__init__ }}"
)


def hostile_records() -> list[RecordJSON]:
    """Records whose ref, paths, messages, reasons, PR titles, approvers, signer, run URL
    and source URL are attacker-controlled."""
    evil = bandit_finding(
        path="src/" + HOSTILE_TEXT + ".py",
        message="[x](javascript:alert(1)) " + HOSTILE_TEXT + HOSTILE_MESSAGE,
        rule_name="<svg onload=alert(1)>",
        line=3,
    )
    escaping = bandit_finding(path="../../../attacker/repo/blob/main/x.py", fingerprint="f" * 32)
    pulls: list[JSONValue] = [
        {
            "number": 1,
            "title": HOSTILE_TEXT,
            "author": "<b>dev</b>",
            "approved": True,
            "approvers": ["javascript:alert(1)", HOSTILE_TEXT],
            "rejected_approvals": [{"reviewer": HOSTILE_TEXT, "reason": HOSTILE_TEXT}],
        }
    ]
    signoff: dict[str, JSONValue] = {
        "route": "ssh",
        "principal": HOSTILE_TEXT,
        "expires": (T0.date() + dt.timedelta(days=2)).isoformat(),
        "source": HOSTILE_TEXT,
    }
    decision = decision_of(
        (
            judged("bandit", Stage.STATIC, Status.FAIL, (evil, escaping)),
            judged("review", Stage.REVIEW, Status.PASS, evidence={"pull_requests": pulls}),
            judged("signoff", Stage.SIGNOFF, Status.PASS, evidence={"used": signoff}),
        ),
        extra_reasons=(Reason(message="commit subject: " + HOSTILE_TEXT, blocking=True),),
        release_info=release(
            commit=commit_of(9), ref="refs/tags/" + HOSTILE_TEXT, base_source=HOSTILE_TEXT
        ),
    )
    waiver = {**_waiver(1, T0.date()), "id": HOSTILE_TEXT, "reason": HOSTILE_TEXT}
    return records(
        [
            body(gate("pass", commit=commit_of(8), ref="refs/tags/" + HOSTILE_TEXT), time=T0),
            body(
                decision,
                time=T0 + HOUR,
                waivers=[waiver],
                run_url="javascript:document.title='PWNED'",
                source_url="javascript:alert(1)//",
            ),
            body(decision, time=T0 + 2 * HOUR, run_url="JAVASCRIPT:alert(1)"),
        ]
    )


def test_hostile_record_text_never_becomes_markup_links_or_template_code() -> None:
    pages = {n: t for n, t in _site(hostile_records()).items() if n.endswith(".html")}
    assert len(pages) == 4  # the index and three run pages
    for name, text in pages.items():
        assert "<script" not in text.lower(), name
        assert "<img" not in text.lower(), name
        assert "<svg onload" not in text.lower(), name
        assert "<b id=pwned" not in text and "<b>dev" not in text, name
        for target in re.findall(r"href\s*=\s*[\"']?([^\"' >]*)", text):
            assert re.match(r"https?://|[a-z0-9./]+$", target), (name, target)
        assert not re.search(r"(?i)<[^<>]*\son[a-z]+\s*=", text), name  # no event handler
        assert not re.search(r"(?i)href\s*=\s*[\"']?\s*javascript:", text), name
        assert "{{ 7*7 }}" in text and "{{ self.__init__ }}" in text, name  # never evaluated
        assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in text, name
        assert _csp(text) == CSP, name
    run = next(t for n, t in pages.items() if n.startswith("runs/") and "PWNED" in t)
    assert "attacker/repo" not in " ".join(re.findall(r'href="([^"]*)"', run))


def test_every_page_is_self_contained_with_a_restrictive_csp_and_no_script() -> None:
    pages = _site(records(synthetic(30)))
    assert set(pages) >= {"index.html", "style.css", "history.csv", "history.json"}
    for name, text in pages.items():
        if not name.endswith(".html"):
            continue
        assert _csp(text) == CSP, name
        assert "<script" not in text and "style=" not in text and "<style" not in text
        for resource in re.findall(r'(?:src|<link[^>]*href)="([^"]*)"', text):
            assert not re.match(r"(?i)[a-z]+:|//", resource), (name, resource)
        for tag in re.findall(r'<a [^>]*href="https?://[^>]*>', text):
            assert 'rel="noopener noreferrer"' in tag, (name, tag)


def test_the_index_shows_the_newest_n_runs_and_says_how_many_of_all() -> None:
    recs = records(synthetic(40))
    pages = _site(recs, limit=10)
    index = pages["index.html"]
    assert "showing 10 of 40 runs" in index
    assert len([n for n in pages if n.startswith("runs/")]) == 10
    assert len(list(csv.reader(io.StringIO(pages["history.csv"])))) == 41
    newest = h.newest_first(recs)
    for record in newest[:10]:
        assert f'href="runs/{h.short_id(record.id)}.html"' in index
    assert f"runs/{h.short_id(newest[10].id)}.html" not in index


def test_status_cells_read_without_colour_and_releases_are_emphasised() -> None:
    recs = records(
        [
            body(gate("pass", commit=A, ref="refs/tags/v1.0.0"), time=T0),
            body(gate("error", commit=B, review=Status.FAIL), time=T0 + HOUR),
        ]
    )
    index = _site(recs)["index.html"]
    assert '<td class="status st-pass">\u2713 pass</td>' in index
    assert '<td class="status st-error">! error</td>' in index
    assert '<td class="status st-fail">\u2717 fail</td>' in index
    assert '<span class="tag">tag v1.0.0</span>' in index
    assert "\u2717 No: the newest candidate is blocked" in index
    assert "semgrep: error: exited with code 2" in index  # why not, at the top
    assert index.index("can-we-ship") < index.index('id="history"')


def test_a_run_page_shows_the_reason_tree_findings_approvals_signoff_and_how_to_verify() -> None:
    signoff = {"route": "ssh", "principal": "sec@acme.test", "expires": "2026-03-09"}
    pulls = [
        {
            "number": 7,
            "title": "Pay",
            "author": "dev",
            "approved": True,
            "approvers": ["rev1"],
            "rejected_approvals": [{"reviewer": "dev", "reason": "self-approval"}],
        }
    ]
    [rec] = records([body(gate("block", commit=A, pulls=pulls, signoff=signoff), time=T0)])
    page = _site([rec])[f"runs/{h.short_id(rec.id)}.html"]
    assert "bandit: 1 blocking finding" in page  # the tree's parent
    assert "bandit B602 (high severity" in page  # and its child
    assert f'href="https://github.com/acme/shop/blob/{A}/src/shop/payments.py#L41"' in page
    assert "#7 Pay" in page and "rev1" in page and "dev: self-approval" in page
    assert "sec@acme.test" in page
    assert rec.policy.digest in page and rec.evidence_digest in page
    assert '<pre class="command">releasegate x</pre>' in page
    assert f"record {rec.seq}, digest <code>{rec.digest}</code>" in page


def test_chart_text_is_escaped() -> None:
    chart = str(line_chart("t<", ["<script>x</script>"], [Series(name="a&b", css="c", values=[1])]))
    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart and "a&amp;b" in chart and "t&lt;" in chart


def test_no_records_is_a_page_that_says_so() -> None:
    index = _site([])["index.html"]
    assert "No release records yet" in index
    assert "showing 0 of 0 runs" in index
