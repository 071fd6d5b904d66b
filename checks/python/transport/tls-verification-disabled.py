# Test cases for releasegate.python.transport.tls-verification-disabled
import ssl

import aiohttp
import httpx
import requests

CA_BUNDLE = "/etc/ssl/certs/internal-ca.pem"


def fetch_status() -> int:
    # ruleid: releasegate.python.transport.tls-verification-disabled
    r = requests.get("https://internal.example.com/status", verify=False, timeout=5)
    # ok: releasegate.python.transport.tls-verification-disabled
    r = requests.get("https://internal.example.com/status", verify=CA_BUNDLE, timeout=5)
    return r.status_code


def post_event(payload: dict[str, str]) -> None:
    # ruleid: releasegate.python.transport.tls-verification-disabled
    httpx.post("https://events.example.com", json=payload, verify=False)
    # ok: releasegate.python.transport.tls-verification-disabled
    httpx.post("https://events.example.com", json=payload)


def client() -> None:
    # ruleid: releasegate.python.transport.tls-verification-disabled
    with httpx.Client(verify=False) as c:
        c.get("https://api.example.com")
    # ok: releasegate.python.transport.tls-verification-disabled
    with httpx.Client(verify=CA_BUNDLE) as c:
        c.get("https://api.example.com")


def session() -> None:
    s = requests.Session()
    # ruleid: releasegate.python.transport.tls-verification-disabled
    s.verify = False
    # ok: releasegate.python.transport.tls-verification-disabled
    s.verify = CA_BUNDLE
    # ruleid: releasegate.python.transport.tls-verification-disabled
    s.get("https://api.example.com", verify=False)
    # ok: releasegate.python.transport.tls-verification-disabled
    s.get("https://api.example.com", timeout=5)


def raw_context() -> ssl.SSLContext:
    # ruleid: releasegate.python.transport.tls-verification-disabled
    ctx = ssl._create_unverified_context()
    # ok: releasegate.python.transport.tls-verification-disabled
    ctx = ssl.create_default_context(cafile=CA_BUNDLE)
    # ruleid: releasegate.python.transport.tls-verification-disabled
    ctx.check_hostname = False
    # ruleid: releasegate.python.transport.tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    # ok: releasegate.python.transport.tls-verification-disabled
    ctx.verify_mode = ssl.CERT_REQUIRED
    # ok: releasegate.python.transport.tls-verification-disabled
    ctx.check_hostname = True
    return ctx


async def aio() -> None:
    # ruleid: releasegate.python.transport.tls-verification-disabled
    conn = aiohttp.TCPConnector(ssl=False)
    # ok: releasegate.python.transport.tls-verification-disabled
    conn = aiohttp.TCPConnector(ssl=ssl.create_default_context())
    async with aiohttp.ClientSession(connector=conn) as s:
        await s.get("https://api.example.com")


def unrelated(form: object) -> None:
    # ok: releasegate.python.transport.tls-verification-disabled
    form.validate(verify=False)  # type: ignore[attr-defined]


def client_context(verify: bool = True) -> ssl.SSLContext:
    # The caller's own verify=False option, implemented: the choice is the caller's (their
    # call site with a literal verify=False is the finding), not this library's.
    if verify is True:
        # ok: releasegate.python.transport.tls-verification-disabled
        ctx = ssl.create_default_context(cafile=CA_BUNDLE)
    elif verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        # ok: releasegate.python.transport.tls-verification-disabled
        ctx.check_hostname = False
        # ok: releasegate.python.transport.tls-verification-disabled
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connection(conn, verify=True):
    if not verify:
        # ok: releasegate.python.transport.tls-verification-disabled
        conn.verify_mode = ssl.CERT_NONE
        # ok: releasegate.python.transport.tls-verification-disabled
        conn.check_hostname = False


def from_settings(ctx):
    if not SETTINGS.verify_tls:
        # A setting, not the caller's argument: still a finding.
        # ruleid: releasegate.python.transport.tls-verification-disabled
        ctx.verify_mode = ssl.CERT_NONE


def always(ctx, verify=True):
    # Unconditional, whatever the parameter says: a finding.
    # ruleid: releasegate.python.transport.tls-verification-disabled
    ctx.check_hostname = False


def insecure_by_default(ctx, verify=False):
    # The option exists, but it is off unless the caller turns it on: a finding.
    if not verify:
        # ruleid: releasegate.python.transport.tls-verification-disabled
        ctx.verify_mode = ssl.CERT_NONE


def insecure_by_default_too(ctx, *, verify_tls: bool = False):
    if verify_tls is False:
        # ruleid: releasegate.python.transport.tls-verification-disabled
        ctx.check_hostname = False


def unconditional_before_an_unrelated_branch(url, quiet):
    ctx = ssl.create_default_context()
    # ruleid: releasegate.python.transport.tls-verification-disabled
    ctx.check_hostname = False
    # ruleid: releasegate.python.transport.tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    if not quiet:
        print(url)
    return ctx


def another_option_is_not_the_verify_option(ctx, fast=True):
    if not fast:
        # ruleid: releasegate.python.transport.tls-verification-disabled
        ctx.verify_mode = ssl.CERT_NONE
