"""Real pip-audit audits some pins and skips others: the check errors, naming the skipped.

pip-audit's ``pypi`` service asks ``https://pypi.org/pypi/NAME/VERSION/json`` and
skips a dependency the API answers 404 for ("Dependency not found on PyPI"). Its
URL is fixed, so the PyPI-JSON-shaped service here sits behind a local HTTPS
proxy on 127.0.0.1 that terminates the tunnel with a certificate for pypi.org
issued by a throw-away CA (trusted through ``REQUESTS_CA_BUNDLE``). Nothing leaves
the machine: every request pip-audit makes is answered (and recorded) here.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import GitRepo, check, load_report, releasegate


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None, "these tests need the openssl command to make a test CA"
    subprocess.run([openssl, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(where: Path, host: str) -> tuple[Path, Path, Path]:
    """(CA certificate, leaf certificate for ``host``, leaf key), valid for two days."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=releasegate test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=where,
    )  # fmt: skip
    _openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", f"/CN={host}",
             cwd=where)  # fmt: skip
    (where / "leaf.ext").write_text(
        f"subjectAltName=DNS:{host}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext",
        cwd=where,
    )  # fmt: skip
    return where / "ca.pem", where / "leaf.pem", where / "leaf.key"


class _PyPIProxyHandler(BaseHTTPRequestHandler):
    """CONNECT pypi.org:443 is answered by this handler itself, over TLS."""

    tls: ssl.SSLContext
    releases: Mapping[tuple[str, str], dict[str, Any]]  # (name, version) -> JSON document
    seen: list[str]

    def do_CONNECT(self) -> None:
        if self.path != "pypi.org:443":
            self.send_error(403, "only pypi.org is served here")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        # The rest of this connection is TLS with the client, as pypi.org.
        self.connection = self.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb")
        self.close_connection = False

    def do_GET(self) -> None:
        self.seen.append(self.path)
        parts = self.path.strip("/").split("/")
        document = None
        if len(parts) == 4 and parts[0] == "pypi" and parts[3] == "json":
            document = self.releases.get((parts[1], parts[2]))
        if document is None:
            self.send_error(404, "Not Found")
            return
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def pypi_behind_proxy(
    tmp_path: Path, releases: Mapping[tuple[str, str], dict[str, Any]]
) -> Iterator[tuple[dict[str, str], list[str]]]:
    """A local proxy serving ``releases`` as pypi.org; yields (environment, paths asked)."""
    ca, leaf, key = make_certificates(tmp_path, "pypi.org")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(leaf, key)
    seen: list[str] = []
    handler = type(
        "Handler", (_PyPIProxyHandler,), {"tls": tls, "releases": releases, "seen": seen}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    env = {name: proxy for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")}
    env.update(NO_PROXY="", no_proxy="", REQUESTS_CA_BUNDLE=str(ca), PIP_AUDIT_OSV_URL="")
    try:
        yield env, seen
    finally:
        server.shutdown()
        server.server_close()


def _release(name: str, version: str) -> dict[str, Any]:
    """A PyPI JSON API answer for a release without known vulnerabilities."""
    return {"info": {"name": name, "version": version}, "urls": [], "vulnerabilities": []}


def _run(repo: GitRepo, env: Mapping[str, str]) -> dict[str, Any]:
    out = repo.root.parent / "out.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "dependencies", "--no-progress", "--no-cache",
        "--json", str(out), env=dict(env),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr + done.stdout
    return load_report(out)


@pytest.mark.slow
def test_one_dependency_skipped_among_audited_ones_is_an_error_naming_it(
    repo: GitRepo, tmp_path: Path
) -> None:
    policy = "version: 1\ndependencies:\n  service: pypi\n"
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "requests==2.32.3\nidna==3.7\nacme-gone==1.0\n"})
    releases = {("requests", "2.32.3"): _release("requests", "2.32.3")}
    releases[("idna", "3.7")] = _release("idna", "3.7")
    (tmp_path / "pki").mkdir()
    with pypi_behind_proxy(tmp_path / "pki", releases) as (env, seen):
        report = _run(repo, env)
    # Real pip-audit asked the local service for each pin (and nothing else).
    assert sorted(seen) == [
        "/pypi/acme-gone/1.0/json",
        "/pypi/idna/3.7/json",
        "/pypi/requests/2.32.3/json",
    ]
    result = check(report, "dependencies")
    assert report["decision"] == "block"
    assert result["status"] == "error"
    assert result["evidence"]["audit"]["packages_audited"] == 2
    [reason] = result["reasons"]
    assert "acme-gone 1.0" in reason and "Dependency not found on PyPI" in reason, reason
    assert "requests" not in reason and "idna" not in reason
    [skipped] = result["evidence"]["audit"]["skipped"]
    assert "acme-gone" in json.dumps(skipped)


@pytest.mark.slow
def test_the_same_service_answering_every_pin_passes(repo: GitRepo, tmp_path: Path) -> None:
    """The control: the proxy set-up alone does not make the check error."""
    policy = "version: 1\ndependencies:\n  service: pypi\n"
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("deps", **{"requirements.txt": "requests==2.32.3\nidna==3.7\n"})
    releases = {("requests", "2.32.3"): _release("requests", "2.32.3")}
    releases[("idna", "3.7")] = _release("idna", "3.7")
    (tmp_path / "pki").mkdir()
    with pypi_behind_proxy(tmp_path / "pki", releases) as (env, seen):
        report = _run(repo, env)
    result = check(report, "dependencies")
    assert result["status"] == "pass", result["reasons"]
    assert result["evidence"]["audit"]["packages_audited"] == 2
    assert len(seen) == 2
