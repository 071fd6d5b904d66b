"""The dashboard in a real headless Chromium, opened from ``file://``: hostile record
text executes nothing and injects no markup, the pages load nothing from outside and
break none of their own Content-Security-Policy, and the pages render (screenshots).

Chromium is Debian's (``/usr/bin/chromium``); when it is missing the test installs it
with ``apt-get install -y chromium`` and skips, saying so, only when the package
registry cannot be reached.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from releasegate.codec import RecordJSON
from releasegate.model import JSONValue, Reason, Stage, Status
from releasegate.reports.dashboard import CSP, build_site
from releasegate.reports.dashboard import history as h

from .conftest import bandit_finding, decision_of, judged, release
from .dashboard_records import T0, body, commit_of, gate, records, synthetic

TITLE = "releasegate dashboard"
APT_UNREACHABLE = (
    "Temporary failure resolving",
    "Could not resolve",
    "Failed to fetch",
    "Unable to fetch some archives",
    "Network is unreachable",
    "Connection timed out",
)
# Payloads that change the page if they ever run as script or parse as markup: markup
# injection alone (no script) would add an element with id "pwned" or a javascript: link.
PAYLOADS = (
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    '<p id="pwned">injected</p>',
    "<a href=\"javascript:document.title='PWNED'\">click</a>",
    "<svg onload=\"document.title='PWNED'\"></svg>",
    "{{ 7*7 }} {% if true %}TEMPLATE{% endif %}",
)
HOSTILE = " ".join(PAYLOADS)


# --- Chromium ---------------------------------------------------------------------------------


def _apt_install() -> str | None:
    """``apt-get install chromium``: None when it worked, else the end of its output."""
    done = subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    return None if done.returncode == 0 else (done.stdout + done.stderr)[-2000:]


def chromium() -> str:
    """The Chromium executable, installed from Debian's packages when missing (one
    installer at a time: the test workers share dpkg's lock)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    lock = Path(tempfile.gettempdir()) / "releasegate-test-chromium.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        return _install_chromium()


def _install_chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get to install it")
    output = _apt_install()
    if output is not None and "Unable to locate package" in output:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600, check=False)
        output = _apt_install()
    if output is not None:
        if any(marker in output for marker in APT_UNREACHABLE):
            pytest.skip(f"cannot install chromium: the package registry is unreachable: {output}")
        raise AssertionError(f"apt-get install chromium failed:\n{output}")
    found = shutil.which("chromium")
    assert found, "apt-get installed chromium but it is not on PATH"
    return found


@dataclass
class Loaded:
    dom: str
    console: list[str]  # the page's console messages (CSP violations among them)


def _browse(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",  # let timers and load handlers run before the dump
            *extra,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load(page: Path, tmp_path: Path) -> Loaded:
    done = _browse(page, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "<html" in done.stdout, done.stderr[-3000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Loaded(dom=done.stdout, console=console)


def screenshot(page: Path, tmp_path: Path, name: str) -> Path:
    png = tmp_path / name
    done = _browse(page, tmp_path, f"--screenshot={png}", "--window-size=1280,2000")
    assert done.returncode == 0, done.stderr[-3000:]
    return png


# --- the DOM ----------------------------------------------------------------------------------


@dataclass
class Dom(HTMLParser):
    """The elements of a dumped DOM: ids, link targets, resources, title, CSP."""

    ids: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    title: str = ""  # the document's (in the head; an SVG's <title> is not it)
    _in_title: bool = False
    _in_body: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        self.handlers += [name for name in values if name.startswith("on")]
        if tag == "a" and "href" in values:
            self.hrefs.append(values["href"])
        if "src" in values:
            self.resources.append(values["src"])
        if tag == "link" and "href" in values:
            self.resources.append(values["href"])
        if tag == "meta" and values.get("http-equiv", "").lower() == "content-security-policy":
            self.csp.append(values.get("content", ""))
        self._in_title = tag == "title" and not self._in_body
        self._in_body = self._in_body or tag == "body"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse(dom: str) -> Dom:
    parsed = Dom()
    parsed.feed(dom)
    return parsed


# --- the site ---------------------------------------------------------------------------------


def hostile_records() -> list[RecordJSON]:
    """Hostile text in the ref (branch and tag), paths, finding messages, reasons (as a
    commit subject would reach them), PR titles, approvers, the sign-off, waivers and
    the run and source URLs."""
    finding = bandit_finding(
        path=f"src/{HOSTILE}.py", message="msg " + HOSTILE, rule_name=HOSTILE, line=5
    )
    pulls: list[JSONValue] = [
        {
            "number": 4,
            "title": "subject " + HOSTILE,
            "author": HOSTILE,
            "approved": True,
            "approvers": [HOSTILE],
            "rejected_approvals": [{"reviewer": HOSTILE, "reason": HOSTILE, "detail": HOSTILE}],
        }
    ]
    signoff: dict[str, JSONValue] = {
        "route": "ssh",
        "principal": HOSTILE,
        "expires": (T0.date() + dt.timedelta(days=3)).isoformat(),
        "source": HOSTILE,
    }
    blocked = decision_of(
        (
            judged("bandit", Stage.STATIC, Status.FAIL, (finding,)),
            judged("review", Stage.REVIEW, Status.PASS, evidence={"pull_requests": pulls}),
            judged("signoff", Stage.SIGNOFF, Status.PASS, evidence={"used": signoff}),
        ),
        extra_reasons=(Reason(message="commit subject: " + HOSTILE, blocking=True),),
        release_info=release(
            commit=commit_of(2), ref="refs/heads/" + HOSTILE, base_source=HOSTILE, repo=HOSTILE
        ),
    )
    waiver: dict[str, JSONValue] = {
        "index": 0,
        "id": HOSTILE,
        "package": None,
        "paths": [HOSTILE],
        "owner": HOSTILE,
        "reason": HOSTILE,
        "expires": T0.date().isoformat(),
    }
    return records(
        [
            body(gate("pass", commit=commit_of(1), ref="refs/tags/" + HOSTILE), time=T0),
            body(
                blocked,
                time=T0 + dt.timedelta(hours=1),
                waivers=[waiver],
                run_url="javascript:document.title='PWNED'",
                source_url="javascript:document.title='PWNED'//",
            ),
        ]
    )


def write(recs: list[RecordJSON], out: Path, limit: int = 200) -> None:
    site = build_site(
        recs, limit=limit, source_label="the audit log " + HOSTILE, verify_command="rg verify"
    )
    for name, data in site.files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_the_control_page_proves_the_browser_would_show_an_injection(tmp_path: Path) -> None:
    """Without escaping and CSP the same payloads run and inject: the checks below see it."""
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><title>{TITLE}</title><body>{HOSTILE}</body>", "utf-8")
    dom = parse(load(control, tmp_path).dom)
    assert "pwned" in dom.ids
    assert dom.title == "PWNED"
    assert any(href.startswith("javascript:") for href in dom.hrefs)


def test_hostile_record_text_executes_nothing_and_stays_text(tmp_path: Path) -> None:
    site = tmp_path / "site"
    recs = hostile_records()
    write(recs, site)
    pages = [site / "index.html", *sorted((site / "runs").glob("*.html"))]
    assert len(pages) == 3
    for page in pages:
        loaded = load(page, tmp_path)
        dom = parse(loaded.dom)
        assert "pwned" not in dom.ids, page
        assert TITLE in dom.title and "PWNED" not in dom.title, page
        assert not [
            href
            for href in dom.hrefs
            if not href.startswith(("https://", "http://")) and ":" in href
        ], page
        assert dom.handlers == [], page
        assert "script" not in dom.tags and "img" not in dom.tags, page
        assert dom.tags.count("svg") == (3 if page.name == "index.html" else 0), page
        assert dom.csp == [CSP], page
        # The payloads are on the page as the text they are.
        assert '&lt;p id="pwned"&gt;injected&lt;/p&gt;' in loaded.dom, page
        assert "{{ 7*7 }} {% if true %}TEMPLATE{% endif %}" in loaded.dom, page
        # Nothing broke the policy (a violation is logged to the console).
        assert not [line for line in loaded.console if "Content Security Policy" in line], page
    run = parse(load(site / "runs" / f"{h.short_id(recs[1].id)}.html", tmp_path).dom)
    assert not [href for href in run.hrefs if "PWNED" in href or "javascript" in href.lower()]


def test_the_site_loads_nothing_from_outside(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(records(synthetic(60)), site, limit=20)
    for page in [site / "index.html", *sorted((site / "runs").glob("*.html"))[:3]]:
        loaded = load(page, tmp_path)
        dom = parse(loaded.dom)
        assert dom.csp == [CSP]
        assert dom.resources, page  # the stylesheet at least
        for resource in dom.resources:
            assert not resource.startswith(("http:", "https:", "//")), (page, resource)
            assert (page.parent / resource).resolve().is_file(), (page, resource)
        assert not [line for line in loaded.console if "Content Security Policy" in line]
        assert not [line for line in loaded.console if "Failed to load" in line]


def _png_size(png: Path) -> tuple[int, int]:
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", png
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots_of_the_index_and_a_run_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    recs = records(synthetic(60))
    write(recs, site, limit=30)
    index = screenshot(site / "index.html", tmp_path, "index.png")
    run = screenshot(
        site / "runs" / f"{h.short_id(h.newest_first(recs)[0].id)}.html", tmp_path, "run.png"
    )
    for png in (index, run):
        assert png.is_file() and png.parent == tmp_path
        assert _png_size(png) == (1280, 2000)
        assert png.stat().st_size > 30_000, png  # a rendered page, not a blank one
