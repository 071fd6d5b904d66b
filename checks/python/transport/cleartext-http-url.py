# Test cases for releasegate.python.transport.cleartext-http-url
import urllib.request

import httpx
import requests

PAYMENTS_URL = "http://payments.example.com/api/charge"


def charge(amount: int) -> None:
    # ruleid: releasegate.python.transport.cleartext-http-url
    requests.post("http://payments.example.com/api/charge", json={"amount": amount}, timeout=5)
    # ok: releasegate.python.transport.cleartext-http-url
    requests.post("https://payments.example.com/api/charge", json={"amount": amount}, timeout=5)


def charge_const(amount: int) -> None:
    # ruleid: releasegate.python.transport.cleartext-http-url
    requests.post(PAYMENTS_URL, json={"amount": amount}, timeout=5)


def local_services() -> None:
    # ok: releasegate.python.transport.cleartext-http-url
    requests.get("http://localhost:8080/health", timeout=1)
    # ok: releasegate.python.transport.cleartext-http-url
    requests.get("http://127.0.0.1:9000/metrics", timeout=1)
    # ruleid: releasegate.python.transport.cleartext-http-url
    requests.get("http://localhost.attacker.example/health", timeout=1)


def other_clients() -> None:
    # ruleid: releasegate.python.transport.cleartext-http-url
    httpx.get("http://api.example.com/v1/items")
    # ok: releasegate.python.transport.cleartext-http-url
    httpx.get("https://api.example.com/v1/items")
    # ruleid: releasegate.python.transport.cleartext-http-url
    urllib.request.urlopen("http://feeds.example.com/rss", timeout=5)
    # ok: releasegate.python.transport.cleartext-http-url
    urllib.request.urlopen("https://feeds.example.com/rss", timeout=5)
    # ruleid: releasegate.python.transport.cleartext-http-url
    client = httpx.Client(base_url="http://api.example.com")
    # ok: releasegate.python.transport.cleartext-http-url
    client = httpx.Client(base_url="https://api.example.com")


def with_session() -> None:
    s = requests.Session()
    # ruleid: releasegate.python.transport.cleartext-http-url
    s.get("http://api.example.com/users", timeout=5)
    # ok: releasegate.python.transport.cleartext-http-url
    s.get("https://api.example.com/users", timeout=5)


def namespaces() -> None:
    # An XML namespace is an identifier, not a request.
    # ok: releasegate.python.transport.cleartext-http-url
    ns = {"svg": "http://www.w3.org/2000/svg"}
    print(ns)
