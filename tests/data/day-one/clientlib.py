"""Correct library code: nothing here may block under the default policy."""

import hashlib
import hmac
import os
import ssl

import requests


def _lazy_sha1(string: bytes = b"") -> "hashlib._Hash":
    # The digest of an HMAC-signed cookie (itsdangerous' default): not weak crypto.
    return hashlib.sha1(string)


def sign(key: bytes, value: bytes) -> str:
    return hmac.new(key, value, _lazy_sha1).hexdigest()


def digest_response(user: str, realm: str, password: str, algorithm: str) -> str:
    # RFC 7616 HTTP Digest authentication mandates the server's algorithm.
    if algorithm == "MD5":
        hash_utf8 = lambda x: hashlib.md5(x.encode()).hexdigest()  # noqa: E731
    else:
        hash_utf8 = lambda x: hashlib.sha1(x.encode()).hexdigest()  # noqa: E731
    a1 = f"{user}:{realm}:{password}"
    return hash_utf8(a1)


def client_nonce() -> str:
    return hashlib.sha1(os.urandom(16)).hexdigest()[:16]


def etag(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def ssl_context(verify: bool = True) -> ssl.SSLContext:
    if verify is True:
        return ssl.create_default_context()
    elif verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    raise TypeError(verify)


def fetch(url: str, verify: bool = True) -> requests.Response:
    return requests.get(url, verify=verify, timeout=10)
